//! `schema-cli drop`: removes the newest migration folder, but only when the
//! database has not applied it (checked in the tracking table), so the
//! snapshot chain and the database never disagree. `--no-db` drops without
//! asking a database, for a migration that was never shared.

use std::path::Path;

use anyhow::{anyhow, bail};
use schema_core::pg::{MigrateOptions, Migrator};

use crate::database::{self, Session};
use crate::output::WithHint as _;
use crate::{config, source, Outcome};

/// Arguments of `drop`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database URL (default: `url` in schema.toml, then $DATABASE_URL, then
    /// DATABASE_URL in the .env file next to schema.toml).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Tracking table, `name` or `schema.name`.
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
    /// Drop without checking a database (the migration was never applied anywhere).
    #[arg(long)]
    no_db: bool,
}

/// Runs `drop`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Outcome> {
    let config = config::load(config_path)?;
    let migrations = database::read_migrations(&config)?;
    let Some(newest) = migrations.last() else {
        bail!(
            "there is no migration to drop in `{}`",
            source::relative(&config.out).display()
        );
    };
    let folder = newest.folder_name();

    if !args.no_db {
        let table = database::tracking_table(&config, args.table.as_deref())?;
        let (url, _) = config
            .database_url(args.url.as_deref())
            .hint("pass `--no-db` to drop without checking a database")?;
        let session = Session::connect(&url)?;
        let migrator = Migrator::new(
            &migrations,
            MigrateOptions {
                table: table.clone(),
                ..MigrateOptions::default()
            },
        );
        let status = session
            .run(|client| migrator.status(client))
            .map_err(|error| database::migrate_error(error, &table))?;
        let applied = status
            .entries
            .iter()
            .any(|entry| entry.version == newest.version && entry.applied.is_some());
        if applied {
            eprintln!(
                "error: migration `{folder}` is applied to {}: dropping it would leave the database ahead of the folder",
                session.masked_url
            );
            eprintln!("hint: to undo it, write a new migration (`schema-cli generate` after changing the code back)");
            return Ok(Outcome::Failure);
        }
    }

    // Renamed aside first, so an interrupted removal never leaves a
    // half-deleted migration that still looks like one.
    let aside = newest.dir.with_file_name(format!(".{folder}.dropped"));
    let _ = std::fs::remove_dir_all(&aside);
    std::fs::rename(&newest.dir, &aside).map_err(|error| {
        anyhow!(
            "cannot remove `{}`: {error}",
            source::relative(&newest.dir).display()
        )
    })?;
    std::fs::remove_dir_all(&aside).map_err(|error| {
        anyhow!(
            "cannot remove `{}`: {error}",
            source::relative(&aside).display()
        )
    })?;
    println!("Dropped {folder}");
    Ok(Outcome::Success)
}

//! `schema-cli pull [--out PATH] [--baseline]`: the database (its managed
//! namespaces) read back into `#[table]` / `#[pg_enum]` Rust source that
//! compiles and round-trips: pull, then `generate`, finds nothing to do.
//! With `--baseline`, a first migration holding the whole schema is written
//! and recorded as already applied, so an existing database adopts the tool
//! without re-creating anything.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use schema_core::migrations::{self, Snapshot};
use schema_core::pg::{MigrateOptions, Migrator};
use schema_core::sql::ddl;
use schema_core::syntax;

use crate::database::{self, Session};
use crate::{config, source, Outcome};

/// Arguments of `pull`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database URL (default: `url` in schema.toml, then $DATABASE_URL, then
    /// DATABASE_URL in the .env file next to schema.toml).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The file to write (default: `schema` in schema.toml when it names a
    /// file, else `pulled.rs` in that folder).
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Overwrite the file when it exists.
    #[arg(long)]
    force: bool,
    /// Also write a baseline migration of the whole schema and record it as
    /// applied in the database.
    #[arg(long)]
    baseline: bool,
    /// Tracking table, `name` or `schema.name`.
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
}

/// Runs `pull`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Outcome> {
    let config = config::load(config_path)?;
    let table = database::tracking_table(&config, args.table.as_deref())?;
    let (url, _) = config.database_url(args.url.as_deref())?;
    let session = Session::connect(&url)?;
    let (schema, unmanaged) = database::read_database(&session, &config, None, &table)?;

    let out = match &args.out {
        Some(path) => path.clone(),
        None if config.schema.is_dir() => config.schema.join("pulled.rs"),
        None => config.schema.clone(),
    };
    if out.exists() && !args.force {
        bail!(
            "`{}` exists: pull never overwrites code without `--force`\nhint: pass `--out PATH` to write elsewhere",
            source::relative(&out).display()
        );
    }
    let header = format!(
        "Pulled by `schema-cli pull` from {} ({} tables, {} enums).\nEdit freely: this is now the schema's source of truth.",
        session.masked_url,
        schema.tables.len(),
        schema.enums.len()
    );
    let text = syntax::render_schema(&schema, &header);
    write_atomically(&out, &text)?;
    println!(
        "Wrote {} ({} tables, {} enums)",
        source::relative(&out).display(),
        schema.tables.len(),
        schema.enums.len()
    );
    for object in &unmanaged {
        eprintln!("note: not managed, left as is: {object}");
    }

    if args.baseline {
        baseline(&config, &session, &table, &schema)?;
    }
    Ok(Outcome::Success)
}

/// Writes a first migration holding the whole schema and records it as
/// applied: the database already has everything in it.
fn baseline(
    config: &config::Config,
    session: &Session,
    table: &schema_core::pg::TrackingTable,
    schema: &schema_core::model::Schema,
) -> anyhow::Result<()> {
    let existing = match migrations::read_dir(&config.out) {
        Ok(list) => list,
        Err(migrations::ReadError::NoFolder { .. }) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    if !existing.is_empty() {
        bail!(
            "`{}` already holds migrations: a baseline can only start an empty migrations folder",
            source::relative(&config.out).display()
        );
    }
    let up = ddl::create_schema_script(schema);
    let id = migrations::new_id(None);
    let folder = format!("{id}_baseline");
    let snapshot = Snapshot {
        id: id.clone(),
        parent: None,
        up_checksum: Some(migrations::checksum(&up)),
        schema: schema.clone(),
    };
    let target = migrations::write_migration(
        &config.out,
        &folder,
        &up,
        "-- A baseline is not reversed: it describes a database that existed before.\n",
        &snapshot.to_json(),
    )
    .map_err(|error| anyhow!("cannot write the baseline migration: {error}"))?;
    let migration = migrations::read_migration(&target)?;
    let list = vec![migration];
    let migrator = Migrator::new(
        &list,
        MigrateOptions {
            table: table.clone(),
            ..MigrateOptions::default()
        },
    );
    let recorded = session.run(|client| migrator.record_applied(client, &list[0]));
    if let Err(error) = recorded {
        let _ = std::fs::remove_dir_all(&target);
        return Err(database::migrate_error(error, table));
    }
    println!(
        "Wrote {} and recorded it as applied in {}",
        source::relative(&target).display(),
        session.masked_url
    );
    Ok(())
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", source::relative(parent).display()))?;
    }
    let staging = path.with_extension("rs.tmp");
    std::fs::write(&staging, text)
        .and_then(|()| std::fs::rename(&staging, path))
        .map_err(|error| {
            let _ = std::fs::remove_file(&staging);
            anyhow!(
                "cannot write `{}`: {error}",
                source::relative(path).display()
            )
        })
}

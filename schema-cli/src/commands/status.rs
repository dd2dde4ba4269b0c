//! `schema-cli status`: every migration of the folder and of the database,
//! applied, pending, modified, missing, out of order or part-way. Changes
//! nothing. Exit 0 when every migration is applied and intact, 1 otherwise
//! (for deploy scripts).

use std::path::Path;

use schema_core::pg::{MigrateOptions, Migrator, State};

use crate::database::{self, Session};
use crate::{config, Outcome};

/// Arguments of `status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database URL (default: `url` in schema.toml, then $DATABASE_URL, then
    /// DATABASE_URL in the .env file next to schema.toml).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Tracking table, `name` or `schema.name` (default: `migrations_table`
    /// in schema.toml, else `_schema_migrations`).
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
}

/// Runs `status`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Outcome> {
    let config = config::load(config_path)?;
    let table = database::tracking_table(&config, args.table.as_deref())?;
    let migrations = database::read_migrations(&config)?;
    let (url, _) = config.database_url(args.url.as_deref())?;
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

    println!(
        "database {}, table {table}{}, folder {}",
        session.masked_url,
        if status.table_exists {
            ""
        } else {
            " (not created yet)"
        },
        database::shown(&config.out),
    );
    let width = status
        .entries
        .iter()
        .map(|e| e.label().len())
        .max()
        .unwrap_or(0);
    for entry in &status.entries {
        let (word, note) = match &entry.state {
            State::Applied => {
                let applied = entry.applied.as_ref();
                let at = applied
                    .and_then(|a| a.applied_at.clone())
                    .unwrap_or_default();
                let ms = applied
                    .and_then(|a| a.duration_ms)
                    .map_or_else(String::new, |ms| format!(", {ms} ms"));
                ("applied", format!("{at} UTC{ms}"))
            }
            State::Pending => ("pending", String::new()),
            State::OutOfOrder { last_applied } => (
                "out of order",
                format!("not applied, but sorts before the last applied {last_applied}"),
            ),
            State::Modified => ("modified", "up.sql changed since it was applied".to_owned()),
            State::Missing => ("missing", "applied, but its folder is gone".to_owned()),
            State::Partial { done, total } => (
                "partial",
                format!(
                    "{done} of {total} statements applied (no transaction); migrate resumes it"
                ),
            ),
            State::Interrupted { statement, total } => (
                "interrupted",
                format!(
                    "statement {} of {total} was running outside a transaction when it stopped",
                    statement + 1
                ),
            ),
        };
        let line = format!("{word:<12}  {:<width$}  {note}", entry.label());
        println!("{}", line.trim_end());
    }

    let counts = [
        ("applied", status.count(|s| *s == State::Applied)),
        ("pending", status.count(|s| *s == State::Pending)),
        (
            "out of order",
            status.count(|s| matches!(s, State::OutOfOrder { .. })),
        ),
        ("modified", status.count(|s| *s == State::Modified)),
        ("missing", status.count(|s| *s == State::Missing)),
        (
            "partial",
            status.count(|s| matches!(s, State::Partial { .. })),
        ),
        (
            "interrupted",
            status.count(|s| matches!(s, State::Interrupted { .. })),
        ),
    ];
    let summary: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(word, n)| format!("{n} {word}"))
        .collect();
    if summary.is_empty() {
        println!("no migrations");
    } else {
        println!("{}", summary.join(", "));
    }
    if status.is_clean() {
        return Ok(Outcome::Success);
    }
    let problems = migrator.problems(&status);
    if problems.is_empty() {
        println!("run `schema-cli migrate` to apply the rest");
    } else {
        for hint in database::problem_hints(&problems, &table) {
            println!("hint: {hint}");
        }
    }
    Ok(Outcome::Failure)
}

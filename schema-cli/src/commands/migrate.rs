//! `schema-cli migrate`: apply the pending migrations of the migrations
//! folder, in order, each recorded with its checksum; safe when several
//! processes run it at once (the migrator holds an advisory lock). Prints a
//! line per migration with its duration and a summary; `--dry-run` prints
//! the SQL that would run and changes nothing.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use schema_core::pg::{Event, MigrateError, MigrateOptions, Migrator, Resume, State};

use crate::database::{self, Session};
use crate::{config, output, Outcome};

/// Arguments of `migrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database URL (default: `url` in schema.toml, then $DATABASE_URL, then
    /// DATABASE_URL in the .env file next to schema.toml).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Print the SQL of the migrations that would run; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Apply unapplied migrations that sort before the last applied one
    /// (e.g. from a merged branch) instead of refusing.
    #[arg(long)]
    allow_out_of_order: bool,
    /// Tracking table, `name` or `schema.name` (default: `migrations_table`
    /// in schema.toml, else `_schema_migrations`).
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
    /// Continue a no-transaction migration interrupted while a statement ran:
    /// `retry` runs that statement again, `skip` records it as done.
    #[arg(long, value_enum, value_name = "HOW")]
    resume: Option<ResumeArg>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ResumeArg {
    /// Run the interrupted statement again.
    Retry,
    /// The interrupted statement took effect: record it as done.
    Skip,
}

/// Runs `migrate`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Outcome> {
    let config = config::load(config_path)?;
    let table = database::tracking_table(&config, args.table.as_deref())?;
    let migrations = database::read_migrations(&config)?;
    let (url, _) = config.database_url(args.url.as_deref())?;
    let session = Session::connect(&url)?;
    let options = MigrateOptions {
        table: table.clone(),
        allow_out_of_order: args.allow_out_of_order,
        resume: args.resume.map(|r| match r {
            ResumeArg::Retry => Resume::Retry,
            ResumeArg::Skip => Resume::Skip,
        }),
    };
    let migrator = Migrator::new(&migrations, options);

    if args.dry_run {
        return match session.run(|client| migrator.plan(client)) {
            Ok(plan) => {
                for entry in &plan {
                    let Some(migration) = entry.migration else {
                        continue;
                    };
                    let how = match &entry.state {
                        State::Partial { done, total } => format!(
                            "resume at statement {} of {total}, outside a transaction",
                            done + 1
                        ),
                        State::Interrupted { statement, total } => format!(
                            "resume at statement {} of {total}, outside a transaction",
                            statement + 1
                        ),
                        State::OutOfOrder { .. } => "out of order, in a transaction".to_owned(),
                        _ if migration.no_transaction => {
                            "outside a transaction, statement by statement".to_owned()
                        }
                        _ => "in a transaction".to_owned(),
                    };
                    println!("-- would apply {} ({how})", migration.folder_name());
                    println!("{}", migration.up_sql.trim_end());
                    println!();
                }
                println!(
                    "dry run: {} migration(s) would be applied to {}; nothing was changed",
                    plan.len(),
                    session.masked_url
                );
                Ok(Outcome::Success)
            }
            Err(MigrateError::Refused(problems)) => {
                output::print_error(&database::refusal(problems, &table));
                Ok(Outcome::Failure)
            }
            Err(error) => Err(database::migrate_error(error, &table)),
        };
    }

    let started = Instant::now();
    let mut line_open = false;
    let result = session.run(|client| {
        migrator.run(client, |event| match event {
            Event::WaitingForLock { holder } => {
                let holder = holder.map_or_else(String::new, |pid| format!(" (server pid {pid})"));
                eprintln!("waiting for another migrator to finish{holder}…");
            }
            Event::Applying {
                migration,
                resume_at,
            } => {
                match resume_at {
                    Some(at) => print!(
                        "resuming {} at statement {} ... ",
                        migration.folder_name(),
                        at + 1
                    ),
                    None => print!("applying {} ... ", migration.folder_name()),
                }
                let _ = std::io::stdout().flush();
                line_open = true;
            }
            Event::Applied { duration, .. } => {
                println!("ok ({} ms)", duration.as_millis());
                line_open = false;
            }
        })
    });
    if line_open {
        println!("FAILED");
    }
    match result {
        Ok(report) => {
            let latest = report
                .latest
                .map_or_else(String::new, |l| format!("; the database is at {l}"));
            if report.applied.is_empty() {
                match report.already_applied {
                    0 => println!("nothing to apply: the migrations folder holds no migrations"),
                    n => println!("nothing to apply: {n} migration(s) already applied{latest}"),
                }
            } else {
                println!(
                    "applied {} migration(s) in {} ms{latest}",
                    report.applied.len(),
                    started.elapsed().as_millis()
                );
            }
            Ok(Outcome::Success)
        }
        Err(MigrateError::Refused(problems)) => {
            output::print_error(&database::refusal(problems, &table));
            Ok(Outcome::Failure)
        }
        Err(error) => Err(database::migrate_error(error, &table)),
    }
}

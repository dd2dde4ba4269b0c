//! What the database commands share: resolving the URL and tracking table,
//! reading the migrations folder, connecting on a small tokio runtime, and
//! turning the migrator's errors into messages with hints.

use std::path::Path;

use anyhow::{anyhow, Context as _};
use schema_core::migrations::{self, Migration, ReadError};
use schema_core::pg::{
    ConnectOptions, MigrateError, Problem, StatementError, TrackingTable, DEFAULT_TABLE,
};
use tokio_postgres::Client;

use crate::config::Config;
use crate::output::{Hint, WithHint as _};
use crate::source::relative;

/// A database session for one command: the runtime driving the connection
/// and the client.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    client: Client,
    /// The URL, password masked.
    pub masked_url: String,
}

impl Session {
    /// Connects to `url`. Connection errors are one line, the password masked.
    pub fn connect(url: &str) -> anyhow::Result<Session> {
        let options = ConnectOptions::parse(url)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let client = runtime.block_on(options.connect())?;
        Ok(Session {
            runtime,
            client,
            masked_url: options.masked_url().to_owned(),
        })
    }

    /// Runs `task` with the client on this session's runtime.
    pub fn run<'s, F, T>(&'s self, task: impl FnOnce(&'s Client) -> F) -> T
    where
        F: std::future::Future<Output = T>,
    {
        self.runtime.block_on(task(&self.client))
    }
}

/// The namespaces `push` and `pull` manage: `schema_filter` in schema.toml,
/// else those `code` uses plus `public`.
pub fn managed_namespaces(
    config: &Config,
    code: Option<&schema_core::model::Schema>,
) -> Option<Vec<String>> {
    if let Some(filter) = &config.schema_filter {
        return Some(filter.clone());
    }
    let code = code?;
    let mut namespaces: Vec<String> = code
        .tables
        .iter()
        .map(|t| t.schema.to_string())
        .chain(code.enums.iter().map(|e| e.schema.to_string()))
        .chain(code.namespaces.iter().cloned())
        .chain(std::iter::once(
            schema_core::model::DEFAULT_SCHEMA.to_owned(),
        ))
        .collect();
    namespaces.sort();
    namespaces.dedup();
    Some(namespaces)
}

/// The managed part of the database as a model (introspected in the managed
/// namespaces, the tracking table left out), and what it does not manage.
/// Without `code`, every namespace is managed unless `schema_filter` says.
pub fn read_database(
    session: &Session,
    config: &Config,
    code: Option<&schema_core::model::Schema>,
    table: &TrackingTable,
) -> anyhow::Result<(
    schema_core::model::Schema,
    Vec<schema_core::pg::UnmanagedObject>,
)> {
    let options = schema_core::pg::IntrospectOptions {
        namespaces: managed_namespaces(config, code),
    };
    let introspection = session
        .run(|client| schema_core::pg::introspect(client, &options))
        .with_context(|| format!("cannot read the schema of {}", session.masked_url))?;
    let mut schema = introspection.schema;
    schema
        .tables
        .retain(|t| !(t.schema == table.schema() && t.name == table.name()));
    Ok((schema, introspection.unmanaged))
}

/// The tracking table: `--table`, else `migrations_table` in schema.toml,
/// else the default.
pub fn tracking_table(config: &Config, flag: Option<&str>) -> anyhow::Result<TrackingTable> {
    match (flag, config.migrations_table.as_deref()) {
        (Some(name), _) => {
            TrackingTable::parse(name).hint("`--table` takes `name` or `schema.name`")
        }
        (None, Some(name)) => TrackingTable::parse(name).hint(format!(
            "`migrations_table` in `{}` takes `name` or `schema.name`",
            relative(&config.path).display()
        )),
        (None, None) => TrackingTable::parse(DEFAULT_TABLE).map_err(Into::into),
    }
}

/// Reads the migrations folder named by `out` in schema.toml (what applying
/// needs: snapshots must exist but are not parsed).
pub fn read_migrations(config: &Config) -> anyhow::Result<Vec<Migration>> {
    migrations::read_dir_for_apply(&relative(&config.out)).map_err(|error| {
        let hint = match &error {
            ReadError::NoFolder { .. } => format!(
                "create it, or point `out` in `{}` at your migrations folder",
                relative(&config.path).display()
            ),
            ReadError::Malformed { .. } => {
                "see the README's \"Migrations on disk\" section for the folder layout".to_owned()
            }
            ReadError::DuplicateId { .. } => {
                "give one of them a new id (rename the folder and the id in its snapshot.json)"
                    .to_owned()
            }
            ReadError::Io { .. } => "check the files' permissions".to_owned(),
        };
        anyhow::Error::new(error).context(Hint(hint))
    })
}

/// What to tell the user to do about each problem, one hint per kind.
pub fn problem_hints(problems: &[Problem], table: &TrackingTable) -> Vec<String> {
    let mut hints = Vec::new();
    for problem in problems {
        let hint = match problem {
            Problem::Modified { path, .. } => format!(
                "restore `{}` to what was applied (e.g. `git checkout -- <file>`) and put the change in a new migration",
                relative(path).display()
            ),
            Problem::Missing { migration, version } => format!(
                "restore the folder `{migration}` (e.g. from git); if it was removed on purpose, delete its record: DELETE FROM {} WHERE version = {version}",
                table.quoted()
            ),
            Problem::OutOfOrder { migration, .. } => format!(
                "give `{migration}` an id after the last applied one (rename the folder and the id in its snapshot.json), or apply it anyway with `--allow-out-of-order`"
            ),
            Problem::Interrupted { statement, sql, .. } => format!(
                "check whether statement {statement} (`{}`) took effect, then run `schema-cli migrate --resume skip` if it did or `schema-cli migrate --resume retry` to run it again (an interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index: drop it before retrying)",
                sql.lines().next().unwrap_or_default()
            ),
        };
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    }
    hints
}

/// The error for problems found before anything ran, with their hints.
pub fn refusal(problems: Vec<Problem>, table: &TrackingTable) -> anyhow::Error {
    let hints = problem_hints(&problems, table).join("\nhint: ");
    anyhow::Error::new(MigrateError::Refused(problems)).context(Hint(hints))
}

/// A migrator error as the CLI reports it (not refusals: see [`refusal`]).
pub fn migrate_error(error: MigrateError, table: &TrackingTable) -> anyhow::Error {
    match error {
        MigrateError::Refused(problems) => refusal(problems, table),
        MigrateError::Statement(failure) => statement_failure(&failure),
        error @ MigrateError::TransactionControl { .. } => anyhow::Error::new(error).context(Hint(
            "remove it: each migration already runs in a transaction of its own; for statements that cannot run in one, put `-- schema-cli: no-transaction` at the top of up.sql".to_owned(),
        )),
        error => anyhow::Error::new(error),
    }
}

/// A failed statement: where, what PostgreSQL said, and what stays applied.
fn statement_failure(failure: &StatementError) -> anyhow::Error {
    let path = relative(&failure.path);
    let (line, column) = failure.position.unwrap_or(failure.statement_start);
    let mut text = format!(
        "migration {} failed at statement {} of {}: {}\n",
        failure.migration, failure.index, failure.count, failure.message,
    );
    let statement_lines: Vec<&str> = failure.statement.lines().collect();
    let first_line = failure.statement_start.0;
    let gutter = (first_line + statement_lines.len()).to_string().len();
    let pad = " ".repeat(gutter);
    text.push_str(&format!("{pad}--> {}:{line}:{column}\n", path.display()));
    text.push_str(&format!("{pad} |\n"));
    match failure.position_in_statement {
        Some((in_line, in_column)) => {
            let source = statement_lines
                .get(in_line - 1)
                .copied()
                .unwrap_or_default();
            let caret_at = if in_line == 1 {
                failure.statement_start.1 - 1 + in_column
            } else {
                in_column
            };
            let indent = if in_line == 1 {
                " ".repeat(failure.statement_start.1 - 1)
            } else {
                String::new()
            };
            text.push_str(&format!(
                "{:>gutter$} | {indent}{source}\n{pad} | {}^\n",
                first_line + in_line - 1,
                " ".repeat(caret_at - 1)
            ));
        }
        None => {
            const SHOWN: usize = 6;
            for (i, source) in statement_lines.iter().take(SHOWN).enumerate() {
                text.push_str(&format!("{:>gutter$} | {source}\n", first_line + i));
            }
            if statement_lines.len() > SHOWN {
                text.push_str(&format!("{pad} | …\n"));
            }
        }
    }
    if let Some(code) = &failure.code {
        text.push_str(&format!("{pad} = SQLSTATE {code}\n"));
    }
    if let Some(detail) = &failure.detail {
        text.push_str(&format!("{pad} = detail: {detail}\n"));
    }
    if let Some(hint) = &failure.hint {
        text.push_str(&format!("{pad} = hint from PostgreSQL: {hint}\n"));
    }
    if let Some((query, position)) = &failure.internal {
        text.push_str(&format!(
            "{pad} = in an internal query, at character {position}: {query}\n"
        ));
    }
    if let Some(context) = &failure.context {
        for line in context.lines() {
            text.push_str(&format!("{pad} = context: {line}\n"));
        }
    }
    if failure.transactional {
        text.push_str(
            "the migration ran in one transaction and was rolled back: nothing of it was applied",
        );
    } else if failure.applied_before == 0 {
        text.push_str(
            "the migration runs outside a transaction; none of its statements was applied",
        );
    } else {
        text.push_str(&format!(
            "the migration runs outside a transaction: its first {} statement(s) were applied and stay applied; the next run resumes at statement {}",
            failure.applied_before, failure.index
        ));
    }
    let hint = if failure.code.as_deref() == Some("25001") && failure.transactional {
        "this statement cannot run inside a transaction: put `-- schema-cli: no-transaction` at the top of up.sql to run the migration statement by statement".to_owned()
    } else if failure.transactional {
        "fix the statement in up.sql, then run `schema-cli migrate` again".to_owned()
    } else {
        format!(
            "fix statement {} in up.sql (statements before it must stay as they are), then run `schema-cli migrate` again",
            failure.index
        )
    };
    anyhow!(text).context(Hint(hint))
}

/// `migrations` relative to the working directory, for messages.
pub fn shown(path: &Path) -> String {
    relative(path).display().to_string()
}

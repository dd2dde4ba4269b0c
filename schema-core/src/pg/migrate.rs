//! Applying migration folders to a database, exactly once and in order.
//!
//! Contract:
//! - a tracking table (default `public._schema_migrations`) holds one row
//!   per applied migration: version, name, checksum, when and how long, and
//!   for no-transaction migrations how many statements are done;
//! - a session-level advisory lock, keyed on the tracking table's name, is
//!   held for the whole run (table creation included), so concurrent
//!   migrators apply each migration exactly once;
//! - a migration runs in its own transaction together with the insert of its
//!   tracking row: it is applied entirely or not at all;
//! - a no-transaction migration runs statement by statement, each statement
//!   committed together with the progress row where the server allows it,
//!   otherwise bracketed by an "in flight" mark, so a crash is resumed at the
//!   right statement or reported, never silently skipped;
//! - edited, deleted and out-of-order migrations are refused by name before
//!   anything runs.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};
use tokio_postgres::error::{ErrorPosition, SqlState};
use tokio_postgres::Client;

use crate::migrations::{line_column, statements_checksum, Migration, Statement};
use crate::sql::quote_ident;

/// The tracking table's name when none is configured.
pub const DEFAULT_TABLE: &str = "_schema_migrations";

/// The schema of an unqualified tracking table name.
pub const DEFAULT_TABLE_SCHEMA: &str = "public";

/// Where applied migrations are recorded: `schema.name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrackingTable {
    schema: String,
    name: String,
}

impl Default for TrackingTable {
    fn default() -> Self {
        TrackingTable {
            schema: DEFAULT_TABLE_SCHEMA.to_owned(),
            name: DEFAULT_TABLE.to_owned(),
        }
    }
}

impl fmt::Display for TrackingTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// A tracking table name that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid migrations table name `{text}`: {reason}")]
pub struct TableNameError {
    /// The name as given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl TrackingTable {
    /// Reads `name` or `schema.name` (unqualified names live in `public`).
    /// Each part is taken as written (case kept) and must be 1 to 63 bytes
    /// without `.` or `"`.
    pub fn parse(text: &str) -> Result<TrackingTable, TableNameError> {
        let error = |reason: &str| TableNameError {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (schema, name) = match text.split_once('.') {
            Some((schema, name)) => (schema, name),
            None => (DEFAULT_TABLE_SCHEMA, text),
        };
        for part in [schema, name] {
            if part.is_empty() {
                return Err(error("expected `table` or `schema.table`"));
            }
            if part.contains(['.', '"']) {
                return Err(error(
                    "expected `table` or `schema.table`, without quotes or further dots",
                ));
            }
            if part.len() > 63 {
                return Err(error("PostgreSQL names are at most 63 bytes"));
            }
        }
        Ok(TrackingTable {
            schema: schema.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The table's schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The table's name within its schema.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `"schema"."name"`, quoted for SQL.
    pub fn quoted(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }

    /// The advisory lock key of migrators using this table: the first 8
    /// bytes (big-endian) of SHA-256 over `schema-cli migrations <schema>.<name>`.
    pub fn lock_key(&self) -> i64 {
        let digest = Sha256::digest(format!("schema-cli migrations {self}").as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }

    /// The DDL of the tracking table.
    pub fn create_sql(&self) -> String {
        format!(
            "CREATE TABLE {} (\n\
            \x20   \"version\" bigint PRIMARY KEY,\n\
            \x20   \"name\" text NOT NULL,\n\
            \x20   \"checksum\" text NOT NULL,\n\
            \x20   \"no_transaction\" boolean NOT NULL DEFAULT false,\n\
            \x20   \"started_at\" timestamptz NOT NULL DEFAULT now(),\n\
            \x20   \"applied_at\" timestamptz,\n\
            \x20   \"duration_ms\" bigint,\n\
            \x20   \"statements_done\" integer,\n\
            \x20   \"statement_running\" integer,\n\
            \x20   \"progress_checksum\" text\n\
            )",
            self.quoted()
        )
    }
}

/// How to continue a no-transaction migration that was interrupted while a
/// statement ran outside a transaction (whether it took effect is unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Run the interrupted statement again.
    Retry,
    /// Record the interrupted statement as done (it was checked to have
    /// taken effect) and go on with the next one.
    Skip,
}

/// Options of a migration run.
#[derive(Clone, Debug, Default)]
pub struct MigrateOptions {
    /// The tracking table.
    pub table: TrackingTable,
    /// Apply unapplied migrations that sort before the last applied one
    /// (e.g. from a merged branch) instead of refusing.
    pub allow_out_of_order: bool,
    /// How to continue an interrupted no-transaction migration.
    pub resume: Option<Resume>,
}

/// A row of the tracking table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedMigration {
    /// The migration's id as a number.
    pub version: i64,
    /// The migration's name.
    pub name: String,
    /// SHA-256 of `up.sql` when it was applied.
    pub checksum: String,
    /// Whether it ran outside a transaction.
    pub no_transaction: bool,
    /// When it finished, `YYYY-MM-DD HH:MM:SS` UTC; `None` while a
    /// no-transaction migration is part-way.
    pub applied_at: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: Option<i64>,
    /// No-transaction migrations: statements completed.
    pub statements_done: Option<i32>,
    /// No-transaction migrations: the 0-based statement that was running
    /// outside a transaction when the run stopped, if any.
    pub statement_running: Option<i32>,
    /// No-transaction migrations: fingerprint of the completed statements.
    pub progress_checksum: Option<String>,
}

impl AppliedMigration {
    /// `<version>_<name>`, for migrations no longer on disk.
    pub fn label(&self) -> String {
        format!("{}_{}", self.version, self.name)
    }
}

/// Where one migration stands against the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Applied, and `up.sql` is unchanged since.
    Applied,
    /// Not applied yet.
    Pending,
    /// Not applied, and it sorts before the last applied migration.
    OutOfOrder {
        /// The last applied migration.
        last_applied: String,
    },
    /// Applied (wholly or partly), but `up.sql` has changed since.
    Modified,
    /// Applied, but its folder is gone.
    Missing,
    /// A no-transaction migration part-way: the next run resumes it.
    Partial {
        /// Statements completed.
        done: usize,
        /// Statements in `up.sql`.
        total: usize,
    },
    /// A no-transaction migration whose statement `statement` (0-based) was
    /// running outside a transaction when the run stopped.
    Interrupted {
        /// The statement that was running.
        statement: usize,
        /// Statements in `up.sql`.
        total: usize,
    },
}

/// One migration, on disk, in the database, or both.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// The id as a number.
    pub version: i64,
    /// Where it stands.
    pub state: State,
    /// The folder, when on disk.
    pub migration: Option<&'a Migration>,
    /// The tracking row, when applied (wholly or partly).
    pub applied: Option<AppliedMigration>,
}

impl Entry<'_> {
    /// The folder name, or `<version>_<name>` from the tracking row.
    pub fn label(&self) -> String {
        match (self.migration, &self.applied) {
            (Some(migration), _) => migration.folder_name(),
            (None, Some(applied)) => applied.label(),
            (None, None) => self.version.to_string(),
        }
    }
}

/// Every migration on disk and in the tracking table, ordered by id.
#[derive(Clone, Debug)]
pub struct Status<'a> {
    /// The tracking table.
    pub table: TrackingTable,
    /// Whether the tracking table exists yet.
    pub table_exists: bool,
    /// The migrations, by id.
    pub entries: Vec<Entry<'a>>,
}

impl Status<'_> {
    /// Whether every migration is applied and intact.
    pub fn is_clean(&self) -> bool {
        self.entries.iter().all(|e| e.state == State::Applied)
    }

    /// How many entries are in a state matching `predicate`.
    pub fn count(&self, predicate: impl Fn(&State) -> bool) -> usize {
        self.entries.iter().filter(|e| predicate(&e.state)).count()
    }

    /// The last applied (or part-applied) migration.
    pub fn last_applied(&self) -> Option<&Entry<'_>> {
        self.entries.iter().rev().find(|e| e.applied.is_some())
    }
}

/// A reason to refuse to migrate, found before anything runs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// `up.sql` of an applied migration was edited.
    #[error("migration {migration} was applied but has since been modified (`{}` no longer matches the checksum recorded when it was applied)", path.display())]
    Modified {
        /// The folder name.
        migration: String,
        /// Its `up.sql`.
        path: PathBuf,
    },
    /// An applied migration's folder was deleted.
    #[error(
        "migration {migration} was applied but its folder is missing from the migrations folder"
    )]
    Missing {
        /// `<version>_<name>` from the tracking table.
        migration: String,
        /// Its version.
        version: i64,
    },
    /// An unapplied migration sorts before the last applied one.
    #[error("migration {migration} is not applied but sorts before the last applied migration {last_applied}")]
    OutOfOrder {
        /// The folder name.
        migration: String,
        /// The last applied migration.
        last_applied: String,
    },
    /// A no-transaction migration stopped while a statement ran outside a
    /// transaction.
    #[error("migration {migration} was interrupted while statement {statement} (line {line}) ran outside a transaction; whether it took effect is unknown")]
    Interrupted {
        /// The folder name.
        migration: String,
        /// The statement, 1-based.
        statement: usize,
        /// Its line in `up.sql`.
        line: usize,
        /// Its text.
        sql: String,
    },
}

/// A statement of a migration that the server rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementError {
    /// The migration's folder name.
    pub migration: String,
    /// Its `up.sql`.
    pub path: PathBuf,
    /// The statement's number, 1-based.
    pub index: usize,
    /// How many statements the migration has.
    pub count: usize,
    /// The statement's text.
    pub statement: String,
    /// 1-based line and column in `up.sql` of the statement's start.
    pub statement_start: (usize, usize),
    /// 1-based line and column in `up.sql` the server pointed at, if it did.
    pub position: Option<(usize, usize)>,
    /// The statement's 1-based line and column the server pointed at.
    pub position_in_statement: Option<(usize, usize)>,
    /// SQLSTATE, when the server sent one.
    pub code: Option<String>,
    /// The server's message (or the connection's error).
    pub message: String,
    /// The server's DETAIL.
    pub detail: Option<String>,
    /// The server's HINT.
    pub hint: Option<String>,
    /// The server's CONTEXT (e.g. the line of a PL/pgSQL function).
    pub context: Option<String>,
    /// A query the server generated internally, and the 1-based position in it.
    pub internal: Option<(String, u32)>,
    /// Whether the migration ran in a transaction (then nothing of it stays).
    pub transactional: bool,
    /// No-transaction migrations: statements applied before this one, which stay.
    pub applied_before: usize,
}

impl fmt::Display for StatementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, column) = self.position.unwrap_or(self.statement_start);
        write!(
            f,
            "migration {} failed at {}:{line}:{column} (statement {} of {}): {}",
            self.migration,
            self.path.display(),
            self.index,
            self.count,
            self.message
        )
    }
}

/// Why a migration run failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// Problems found before anything ran: nothing was applied.
    #[error("{}", refused_message(.0))]
    Refused(Vec<Problem>),
    /// A statement failed.
    #[error("{0}")]
    Statement(Box<StatementError>),
    /// A statement that ends or starts a transaction: the migrator manages
    /// transactions itself.
    #[error("migration {migration}: `{statement}` at {}:{line} controls the transaction, which schema-cli manages itself", path.display())]
    TransactionControl {
        /// The folder name.
        migration: String,
        /// Its `up.sql`.
        path: PathBuf,
        /// The statement's line.
        line: usize,
        /// The statement.
        statement: String,
    },
    /// A query of the migrator itself failed (tracking table, lock).
    #[error("could not {action}: {message}")]
    Database {
        /// What was being done, e.g. "read the tracking table public._schema_migrations".
        action: String,
        /// The server's message, detail and hint, or the connection's error.
        message: String,
    },
}

fn refused_message(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut text = format!("{} problems with the migrations:", many.len());
            for problem in many {
                text.push_str("\n  - ");
                text.push_str(&problem.to_string());
            }
            text
        }
    }
}

/// Something the migrator reports while it runs.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// Another session holds the migration lock; waiting for it.
    WaitingForLock {
        /// The backend pid holding it, when visible.
        holder: Option<i32>,
    },
    /// A migration is about to run (or resume at statement `resume_at`).
    Applying {
        /// The migration.
        migration: &'a Migration,
        /// No-transaction migrations resumed part-way: the 0-based statement.
        resume_at: Option<usize>,
    },
    /// A migration was applied.
    Applied {
        /// The migration.
        migration: &'a Migration,
        /// How long it took.
        duration: Duration,
    },
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Migrations applied by this run, with their durations, in order.
    pub applied: Vec<(String, Duration)>,
    /// Migrations that were applied before this run.
    pub already_applied: usize,
    /// The last applied migration after the run.
    pub latest: Option<String>,
}

/// Applies migrations (read with [`crate::migrations::read_dir`]) to a database.
#[derive(Debug)]
pub struct Migrator<'a> {
    migrations: &'a [Migration],
    options: MigrateOptions,
}

impl<'a> Migrator<'a> {
    /// A migrator over `migrations` (sorted by id, as the reader returns them).
    pub fn new(migrations: &'a [Migration], options: MigrateOptions) -> Self {
        Migrator {
            migrations,
            options,
        }
    }

    /// The options in force.
    pub fn options(&self) -> &MigrateOptions {
        &self.options
    }

    /// Compares the migrations with the tracking table; changes nothing (the
    /// table is not created when missing).
    pub async fn status(&self, client: &Client) -> Result<Status<'a>, MigrateError> {
        let table = &self.options.table;
        let exists = table_exists(client, table).await?;
        let rows = if exists {
            applied_rows(client, table).await?
        } else {
            Vec::new()
        };
        Ok(classify(self.migrations, rows, table.clone(), exists))
    }

    /// The problems that make [`run`](Self::run) refuse, given the options.
    pub fn problems(&self, status: &Status<'_>) -> Vec<Problem> {
        let mut problems = Vec::new();
        for entry in &status.entries {
            let label = entry.label();
            match &entry.state {
                State::Applied | State::Pending | State::Partial { .. } => {}
                State::Modified => problems.push(Problem::Modified {
                    migration: label,
                    path: entry.migration.map(Migration::up_path).unwrap_or_default(),
                }),
                State::Missing => problems.push(Problem::Missing {
                    migration: label,
                    version: entry.version,
                }),
                State::OutOfOrder { last_applied } => {
                    if !self.options.allow_out_of_order {
                        problems.push(Problem::OutOfOrder {
                            migration: label,
                            last_applied: last_applied.clone(),
                        });
                    }
                }
                State::Interrupted { statement, .. } => {
                    if self.options.resume.is_none() {
                        let statements = entry.migration.map(Migration::statements);
                        let found = statements.as_ref().and_then(|s| s.get(*statement));
                        problems.push(Problem::Interrupted {
                            migration: label,
                            statement: statement + 1,
                            line: found.map_or(0, |s| s.line),
                            sql: found.map(|s| s.sql.to_owned()).unwrap_or_default(),
                        });
                    }
                }
            }
        }
        problems
    }

    /// The migrations a run would apply or resume, in order, or the
    /// problems that make it refuse. Changes nothing.
    pub async fn plan(&self, client: &Client) -> Result<Vec<Entry<'a>>, MigrateError> {
        let status = self.status(client).await?;
        self.plan_from(status)
    }

    fn plan_from(&self, status: Status<'a>) -> Result<Vec<Entry<'a>>, MigrateError> {
        let problems = self.problems(&status);
        if !problems.is_empty() {
            return Err(MigrateError::Refused(problems));
        }
        let plan: Vec<Entry<'a>> = status
            .entries
            .into_iter()
            .filter(|e| {
                matches!(
                    e.state,
                    State::Pending
                        | State::OutOfOrder { .. }
                        | State::Partial { .. }
                        | State::Interrupted { .. }
                )
            })
            .collect();
        for migration in plan.iter().filter_map(|e| e.migration) {
            refuse_transaction_control(migration, &migration.statements())?;
        }
        Ok(plan)
    }

    /// Applies every pending migration, holding the migration lock for the
    /// whole run; `on_event` hears of each step.
    pub async fn run(
        &self,
        client: &Client,
        mut on_event: impl FnMut(Event<'a>),
    ) -> Result<Report, MigrateError> {
        let key = self.options.table.lock_key();
        lock(client, key, &mut on_event).await?;
        let result = self.run_locked(client, &mut on_event).await;
        // The lock also ends with the session; unlock early for a pooled client.
        let unlocked = client
            .query_one("SELECT pg_advisory_unlock($1)", &[&key])
            .await;
        let report = result?;
        unlocked.map_err(db_error("release the migration lock"))?;
        Ok(report)
    }

    /// Records `migration` as applied without running it (a baseline: the
    /// database already holds what it creates). Holds the migration lock;
    /// refuses when the migration is already recorded.
    pub async fn record_applied(
        &self,
        client: &Client,
        migration: &Migration,
    ) -> Result<(), MigrateError> {
        let key = self.options.table.lock_key();
        lock(client, key, &mut |_| {}).await?;
        let table = &self.options.table;
        let result = async {
            if !table_exists(client, table).await? {
                create_table(client, table).await?;
            }
            client
                .execute(
                    &format!(
                        "INSERT INTO {} (version, name, checksum, no_transaction, applied_at, duration_ms) \
                         VALUES ($1, $2, $3, $4, now(), 0)",
                        table.quoted()
                    ),
                    &[
                        &migration.version,
                        &migration.name,
                        &migration.checksum,
                        &migration.no_transaction,
                    ],
                )
                .await
                .map_err(db_error(format!(
                    "record migration {} as applied in {table}",
                    migration.folder_name()
                )))?;
            Ok(())
        }
        .await;
        let unlocked = client
            .query_one("SELECT pg_advisory_unlock($1)", &[&key])
            .await;
        result?;
        unlocked.map_err(db_error("release the migration lock"))?;
        Ok(())
    }

    async fn run_locked(
        &self,
        client: &Client,
        on_event: &mut impl FnMut(Event<'a>),
    ) -> Result<Report, MigrateError> {
        let table = &self.options.table;
        if !table_exists(client, table).await? {
            create_table(client, table).await?;
        }
        let rows = applied_rows(client, table).await?;
        let status = classify(self.migrations, rows, table.clone(), true);
        let already_applied = status.count(|s| *s == State::Applied);
        let mut latest = status.last_applied().map(|e| (e.version, e.label()));
        let mut report = Report {
            already_applied,
            ..Report::default()
        };
        for entry in self.plan_from(status)? {
            let Some(migration) = entry.migration else {
                continue;
            };
            let started = Instant::now();
            if migration.no_transaction {
                self.apply_no_transaction(client, migration, entry.applied.as_ref(), on_event)
                    .await?;
            } else {
                on_event(Event::Applying {
                    migration,
                    resume_at: None,
                });
                apply_transactional(client, table, migration).await?;
            }
            let duration = started.elapsed();
            on_event(Event::Applied {
                migration,
                duration,
            });
            report.applied.push((migration.folder_name(), duration));
            if latest.as_ref().is_none_or(|(v, _)| migration.version > *v) {
                latest = Some((migration.version, migration.folder_name()));
            }
        }
        report.latest = latest.map(|(_, label)| label);
        Ok(report)
    }

    async fn apply_no_transaction(
        &self,
        client: &Client,
        migration: &'a Migration,
        row: Option<&AppliedMigration>,
        on_event: &mut impl FnMut(Event<'a>),
    ) -> Result<(), MigrateError> {
        let table = &self.options.table;
        let statements = migration.statements();
        let started = Instant::now();
        let label = migration.folder_name();
        let progress_error = || db_error(format!("record the progress of migration {label}"));
        let mut done = row
            .and_then(|r| r.statements_done)
            .map_or(0, |d| usize::try_from(d).unwrap_or(0));
        match row {
            None => {
                client
                    .execute(
                        &format!(
                            "INSERT INTO {} (version, name, checksum, no_transaction, statements_done, progress_checksum) \
                             VALUES ($1, $2, $3, true, 0, $4)",
                            table.quoted()
                        ),
                        &[
                            &migration.version,
                            &migration.name,
                            &migration.checksum,
                            &statements_checksum([]),
                        ],
                    )
                    .await
                    .map_err(progress_error())?;
            }
            Some(row) => {
                // The part not yet applied may have been edited (e.g. to fix
                // the statement that failed); record the file as it is now.
                client
                    .execute(
                        &format!(
                            "UPDATE {} SET checksum = $2, name = $3 WHERE version = $1",
                            table.quoted()
                        ),
                        &[&migration.version, &migration.checksum, &migration.name],
                    )
                    .await
                    .map_err(progress_error())?;
                if let Some(running) = row.statement_running {
                    let running = usize::try_from(running).unwrap_or(0);
                    if self.options.resume == Some(Resume::Skip) {
                        done = running + 1;
                    }
                    set_progress(client, table, migration, &statements, done.min(running + 1))
                        .await
                        .map_err(progress_error())?;
                }
            }
        }
        on_event(Event::Applying {
            migration,
            resume_at: (done > 0).then_some(done),
        });
        for index in done..statements.len() {
            run_no_transaction_statement(client, table, migration, &statements, index).await?;
        }
        let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        client
            .execute(
                &format!(
                    "UPDATE {} SET applied_at = now(), duration_ms = coalesce(duration_ms, 0) + $2, \
                     statement_running = NULL WHERE version = $1",
                    table.quoted()
                ),
                &[&migration.version, &millis],
            )
            .await
            .map_err(progress_error())?;
        client
            .batch_execute("RESET ALL")
            .await
            .map_err(progress_error())?;
        Ok(())
    }
}

/// Takes the session-level advisory lock, reporting when it has to wait.
async fn lock<'a>(
    client: &Client,
    key: i64,
    on_event: &mut impl FnMut(Event<'a>),
) -> Result<(), MigrateError> {
    let action = "take the migration lock (pg_advisory_lock)";
    let got: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .await
        .map_err(db_error(action))?
        .get(0);
    if got {
        return Ok(());
    }
    let holder = client
        .query_opt(
            "SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted \
             AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) \
             AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1 \
             LIMIT 1",
            &[&key],
        )
        .await
        .ok()
        .flatten()
        .and_then(|row| row.get::<_, Option<i32>>(0));
    on_event(Event::WaitingForLock { holder });
    client
        .query_one("SELECT pg_advisory_lock($1)", &[&key])
        .await
        .map_err(db_error(action))?;
    Ok(())
}

async fn table_exists(client: &Client, table: &TrackingTable) -> Result<bool, MigrateError> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2)",
            &[&table.schema, &table.name],
        )
        .await
        .map_err(db_error(format!("look for the tracking table {table}")))?;
    Ok(row.get(0))
}

async fn create_table(client: &Client, table: &TrackingTable) -> Result<(), MigrateError> {
    let mut sql = String::new();
    if table.schema != DEFAULT_TABLE_SCHEMA {
        sql.push_str(&format!(
            "CREATE SCHEMA IF NOT EXISTS {};\n",
            quote_ident(&table.schema)
        ));
    }
    sql.push_str(&table.create_sql());
    client
        .batch_execute(&sql)
        .await
        .map_err(db_error(format!("create the tracking table {table}")))
}

async fn applied_rows(
    client: &Client,
    table: &TrackingTable,
) -> Result<Vec<AppliedMigration>, MigrateError> {
    let rows = client
        .query(
            &format!(
                "SELECT version, name, checksum, no_transaction, \
                 to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), duration_ms, \
                 statements_done, statement_running, progress_checksum \
                 FROM {} ORDER BY version",
                table.quoted()
            ),
            &[],
        )
        .await
        .map_err(db_error(format!("read the tracking table {table}")))?;
    rows.iter()
        .map(|row| {
            Ok(AppliedMigration {
                version: row.try_get(0)?,
                name: row.try_get(1)?,
                checksum: row.try_get(2)?,
                no_transaction: row.try_get(3)?,
                applied_at: row.try_get(4)?,
                duration_ms: row.try_get(5)?,
                statements_done: row.try_get(6)?,
                statement_running: row.try_get(7)?,
                progress_checksum: row.try_get(8)?,
            })
        })
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(db_error(format!(
            "read the tracking table {table} (its columns are not the expected ones)"
        )))
}

/// Merges the folders and the tracking rows into one list by id.
fn classify<'a>(
    migrations: &'a [Migration],
    rows: Vec<AppliedMigration>,
    table: TrackingTable,
    table_exists: bool,
) -> Status<'a> {
    let last_applied = rows.last().map(|row| {
        migrations
            .iter()
            .find(|m| m.version == row.version)
            .map_or_else(|| row.label(), Migration::folder_name)
    });
    let last_version = rows.last().map(|row| row.version);
    let mut entries = Vec::with_capacity(migrations.len().max(rows.len()));
    let mut rows = rows.into_iter().peekable();
    let mut disk = migrations.iter().peekable();
    loop {
        let next_row = rows.peek().map(|r| r.version);
        let next_disk = disk.peek().map(|m| m.version);
        let entry = match (next_disk, next_row) {
            (None, None) => break,
            (Some(d), Some(r)) if d == r => {
                let (Some(migration), Some(row)) = (disk.next(), rows.next()) else {
                    break;
                };
                Entry {
                    version: d,
                    state: applied_state(migration, &row),
                    migration: Some(migration),
                    applied: Some(row),
                }
            }
            (Some(d), r) if r.is_none_or(|r| d < r) => {
                let Some(migration) = disk.next() else { break };
                let state = match (&last_applied, last_version) {
                    (Some(last), Some(v)) if d < v => State::OutOfOrder {
                        last_applied: last.clone(),
                    },
                    _ => State::Pending,
                };
                Entry {
                    version: d,
                    state,
                    migration: Some(migration),
                    applied: None,
                }
            }
            _ => {
                let Some(row) = rows.next() else { break };
                Entry {
                    version: row.version,
                    state: State::Missing,
                    migration: None,
                    applied: Some(row),
                }
            }
        };
        entries.push(entry);
    }
    Status {
        table,
        table_exists,
        entries,
    }
}

fn applied_state(migration: &Migration, row: &AppliedMigration) -> State {
    if row.applied_at.is_some() {
        return if row.checksum == migration.checksum {
            State::Applied
        } else {
            State::Modified
        };
    }
    // A no-transaction migration part-way: the applied statements must be
    // unchanged; the rest may have been edited.
    let statements = migration.statements();
    let done = row
        .statements_done
        .map_or(0, |d| usize::try_from(d).unwrap_or(0));
    let intact = row.checksum == migration.checksum
        || (done <= statements.len()
            && row.progress_checksum.as_deref()
                == Some(statements_checksum(statements[..done].iter().map(|s| s.sql)).as_str()));
    if !intact || !migration.no_transaction {
        return State::Modified;
    }
    match row.statement_running {
        Some(running) => State::Interrupted {
            statement: usize::try_from(running).unwrap_or(0),
            total: statements.len(),
        },
        None => State::Partial {
            done,
            total: statements.len(),
        },
    }
}

/// Rule: `BEGIN`, `COMMIT` and the like would end the migrator's own
/// transaction (and commit the migration without its tracking row), so
/// they are refused before anything runs.
fn refuse_transaction_control(
    migration: &Migration,
    statements: &[Statement<'_>],
) -> Result<(), MigrateError> {
    for statement in statements {
        let mut words = statement
            .sql
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase);
        let first = words.next().unwrap_or_default();
        let second = words.next().unwrap_or_default();
        let controls = match first.as_str() {
            "begin" | "commit" | "end" | "abort" => true,
            "start" => second == "transaction",
            "rollback" => second != "to",
            _ => false,
        };
        if controls {
            return Err(MigrateError::TransactionControl {
                migration: migration.folder_name(),
                path: migration.up_path(),
                line: statement.line,
                statement: statement.sql.lines().next().unwrap_or_default().to_owned(),
            });
        }
    }
    Ok(())
}

/// One transaction: every statement, then the tracking row.
async fn apply_transactional(
    client: &Client,
    table: &TrackingTable,
    migration: &Migration,
) -> Result<(), MigrateError> {
    let statements = migration.statements();
    let label = migration.folder_name();
    let started = Instant::now();
    client
        .batch_execute("BEGIN")
        .await
        .map_err(db_error(format!(
            "start the transaction of migration {label}"
        )))?;
    for (index, statement) in statements.iter().enumerate() {
        if let Err(error) = client.batch_execute(statement.sql).await {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(statement_error(migration, &statements, index, &error, true));
        }
    }
    let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let recorded = client
        .execute(
            &format!(
                "INSERT INTO {} (version, name, checksum, no_transaction, applied_at, duration_ms) \
                 VALUES ($1, $2, $3, false, now(), $4)",
                table.quoted()
            ),
            &[
                &migration.version,
                &migration.name,
                &migration.checksum,
                &millis,
            ],
        )
        .await;
    if let Err(error) = recorded {
        let _ = client.batch_execute("ROLLBACK").await;
        return Err(db_error(format!("record migration {label} in {table}"))(
            error,
        ));
    }
    client
        .batch_execute("COMMIT")
        .await
        .map_err(db_error(format!(
            "commit migration {label} (nothing of it was applied)"
        )))?;
    client
        .batch_execute("RESET ALL")
        .await
        .map_err(db_error(format!(
            "reset the session after migration {label}"
        )))
}

/// Records `done` statements as completed (and none running).
async fn set_progress(
    client: &Client,
    table: &TrackingTable,
    migration: &Migration,
    statements: &[Statement<'_>],
    done: usize,
) -> Result<(), tokio_postgres::Error> {
    let progress = statements_checksum(
        statements[..done.min(statements.len())]
            .iter()
            .map(|s| s.sql),
    );
    let done = i32::try_from(done).unwrap_or(i32::MAX);
    client
        .execute(
            &format!(
                "UPDATE {} SET statements_done = $2, statement_running = NULL, progress_checksum = $3 \
                 WHERE version = $1",
                table.quoted()
            ),
            &[&migration.version, &done, &progress],
        )
        .await
        .map(drop)
}

/// Statement `index` of a no-transaction migration: in a transaction with
/// its progress when the server allows, else alone between an "in flight"
/// mark and the progress update.
async fn run_no_transaction_statement(
    client: &Client,
    table: &TrackingTable,
    migration: &Migration,
    statements: &[Statement<'_>],
    index: usize,
) -> Result<(), MigrateError> {
    let label = migration.folder_name();
    let progress_error = || db_error(format!("record the progress of migration {label}"));
    let statement = &statements[index];
    client
        .batch_execute("BEGIN")
        .await
        .map_err(progress_error())?;
    match client.batch_execute(statement.sql).await {
        Ok(()) => {
            let recorded = set_progress(client, table, migration, statements, index + 1).await;
            if let Err(error) = recorded {
                let _ = client.batch_execute("ROLLBACK").await;
                return Err(progress_error()(error));
            }
            client
                .batch_execute("COMMIT")
                .await
                .map_err(|error| statement_error(migration, statements, index, &error, false))?;
            return Ok(());
        }
        Err(error) => {
            let _ = client.batch_execute("ROLLBACK").await;
            let outside_only = matches!(
                error.code(),
                Some(code) if *code == SqlState::ACTIVE_SQL_TRANSACTION
                    || *code == SqlState::INVALID_TRANSACTION_TERMINATION
            );
            if !outside_only {
                return Err(statement_error(migration, statements, index, &error, false));
            }
        }
    }
    let running = i32::try_from(index).unwrap_or(i32::MAX);
    client
        .execute(
            &format!(
                "UPDATE {} SET statement_running = $2 WHERE version = $1",
                table.quoted()
            ),
            &[&migration.version, &running],
        )
        .await
        .map_err(progress_error())?;
    if let Err(error) = client.batch_execute(statement.sql).await {
        // It failed, so it did not take effect: no longer in flight.
        let _ = set_progress(client, table, migration, statements, index).await;
        return Err(statement_error(migration, statements, index, &error, false));
    }
    set_progress(client, table, migration, statements, index + 1)
        .await
        .map_err(progress_error())
}

fn statement_error(
    migration: &Migration,
    statements: &[Statement<'_>],
    index: usize,
    error: &tokio_postgres::Error,
    transactional: bool,
) -> MigrateError {
    let statement = &statements[index];
    let mut failure = StatementError {
        migration: migration.folder_name(),
        path: migration.up_path(),
        index: index + 1,
        count: statements.len(),
        statement: statement.sql.to_owned(),
        statement_start: (statement.line, statement.column),
        position: None,
        position_in_statement: None,
        code: None,
        message: String::new(),
        detail: None,
        hint: None,
        context: None,
        internal: None,
        transactional,
        applied_before: if transactional { 0 } else { index },
    };
    match error.as_db_error() {
        Some(db) => {
            failure.code = Some(db.code().code().to_owned());
            failure.message = db.message().to_owned();
            failure.detail = db.detail().map(str::to_owned);
            failure.hint = db.hint().map(str::to_owned);
            failure.context = db.where_().map(str::to_owned);
            match db.position() {
                Some(ErrorPosition::Original(position)) => {
                    // 1-based, in characters of the statement sent.
                    let chars = usize::try_from(*position).unwrap_or(1).saturating_sub(1);
                    let byte = statement
                        .sql
                        .char_indices()
                        .nth(chars)
                        .map_or(statement.sql.len(), |(i, _)| i);
                    failure.position_in_statement = Some(line_column(statement.sql, byte));
                    failure.position =
                        Some(line_column(&migration.up_sql, statement.offset + byte));
                }
                Some(ErrorPosition::Internal { position, query }) => {
                    failure.internal = Some((query.clone(), *position));
                }
                None => {}
            }
        }
        None => failure.message = describe(error),
    }
    MigrateError::Statement(Box::new(failure))
}

/// Maps a driver error to [`MigrateError::Database`] for `action`.
fn db_error(action: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> MigrateError {
    let action = action.into();
    move |error| MigrateError::Database {
        action,
        message: describe(&error),
    }
}

/// The server's message with its detail and hint, or the error's causes:
/// never tokio-postgres's bare "db error".
fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = db.message().to_owned();
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" (detail: {detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!(" (hint: {hint})"));
        }
        return text;
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_parsed_and_quoted() {
        let table = TrackingTable::parse("_schema_migrations").expect("plain");
        assert_eq!(table, TrackingTable::default());
        assert_eq!(table.quoted(), "\"public\".\"_schema_migrations\"");
        let table = TrackingTable::parse("Ops.Migrations").expect("qualified");
        assert_eq!((table.schema(), table.name()), ("Ops", "Migrations"));
        assert_eq!(table.to_string(), "Ops.Migrations");
        for bad in ["", "a.", ".b", "a.b.c", "a\"b", &"x".repeat(64)] {
            assert!(TrackingTable::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lock_keys_depend_on_the_table_only() {
        let a = TrackingTable::default().lock_key();
        assert_eq!(a, TrackingTable::default().lock_key());
        assert_ne!(a, TrackingTable::parse("other").expect("valid").lock_key());
    }

    fn migration(version: i64, up: &str, no_transaction: bool) -> Migration {
        Migration {
            id: version.to_string(),
            version,
            name: format!("m{version}"),
            dir: PathBuf::from(format!("/m/{version}_m{version}")),
            up_sql: up.to_owned(),
            down_sql: None,
            checksum: crate::migrations::checksum(up),
            no_transaction,
            parent: None,
        }
    }

    fn row(migration: &Migration) -> AppliedMigration {
        AppliedMigration {
            version: migration.version,
            name: migration.name.clone(),
            checksum: migration.checksum.clone(),
            no_transaction: migration.no_transaction,
            applied_at: Some("2024-01-01 00:00:00".into()),
            duration_ms: Some(1),
            statements_done: None,
            statement_running: None,
            progress_checksum: None,
        }
    }

    fn states(status: &Status<'_>) -> Vec<(String, State)> {
        status
            .entries
            .iter()
            .map(|e| (e.label(), e.state.clone()))
            .collect()
    }

    #[test]
    fn folders_and_rows_are_classified() {
        let disk = [
            migration(1, "SELECT 1;", false),
            migration(2, "SELECT 2;", false),
            migration(4, "SELECT 4;", false),
            migration(6, "SELECT 6;", false),
        ];
        let mut edited = row(&disk[1]);
        edited.checksum = "0".repeat(64);
        let gone = AppliedMigration {
            version: 3,
            name: "gone".into(),
            ..row(&disk[0])
        };
        let rows = vec![row(&disk[0]), edited, gone, row(&disk[3])];
        let status = classify(&disk, rows, TrackingTable::default(), true);
        assert_eq!(
            states(&status),
            [
                ("1_m1".into(), State::Applied),
                ("2_m2".into(), State::Modified),
                ("3_gone".into(), State::Missing),
                (
                    "4_m4".into(),
                    State::OutOfOrder {
                        last_applied: "6_m6".into()
                    }
                ),
                ("6_m6".into(), State::Applied),
            ]
        );
        assert!(!status.is_clean());
        let migrator = Migrator::new(&disk, MigrateOptions::default());
        let problems = migrator.problems(&status);
        assert_eq!(problems.len(), 3, "{problems:?}");
        let lenient = Migrator::new(
            &disk,
            MigrateOptions {
                allow_out_of_order: true,
                ..MigrateOptions::default()
            },
        );
        assert_eq!(lenient.problems(&status).len(), 2);
    }

    #[test]
    fn partial_no_transaction_migrations_may_change_after_the_applied_part() {
        let before = migration(
            1,
            "-- schema-cli: no-transaction\nSELECT 1;\nSELEC 2;",
            true,
        );
        let after = migration(
            1,
            "-- schema-cli: no-transaction\nSELECT 1;\nSELECT 2;",
            true,
        );
        let changed = migration(
            1,
            "-- schema-cli: no-transaction\nSELECT 10;\nSELECT 2;",
            true,
        );
        let partial = AppliedMigration {
            applied_at: None,
            statements_done: Some(1),
            progress_checksum: Some(statements_checksum(["SELECT 1"])),
            ..row(&before)
        };
        assert_eq!(
            applied_state(&after, &partial),
            State::Partial { done: 1, total: 2 }
        );
        assert_eq!(applied_state(&changed, &partial), State::Modified);
        let interrupted = AppliedMigration {
            statement_running: Some(1),
            ..partial
        };
        assert_eq!(
            applied_state(&after, &interrupted),
            State::Interrupted {
                statement: 1,
                total: 2
            }
        );
    }

    #[test]
    fn transaction_control_is_refused() {
        for (sql, refused) in [
            ("BEGIN;\nCREATE TABLE a ();\nCOMMIT;", true),
            ("START TRANSACTION;", true),
            ("rollback;", true),
            ("SAVEPOINT a; ROLLBACK TO a; RELEASE a;", false),
            ("CREATE TABLE begin_end (x int);", false),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
                false,
            ),
        ] {
            let m = migration(1, sql, false);
            let result = refuse_transaction_control(&m, &m.statements());
            assert_eq!(result.is_err(), refused, "{sql}");
        }
    }
}

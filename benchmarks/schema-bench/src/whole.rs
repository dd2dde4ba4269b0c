//! Whole-process benchmarks: `generate` from nothing, `generate` with
//! nothing changed, `push` to an empty database and `pull` of a database
//! holding the schema, for `schema-cli` and for drizzle-kit, on the same
//! synthetic schema and the same server.
//!
//! Per (tool, task, size): one warm-up run (skipped when the same cell at
//! the previous size already took over [`WARM_UP_LIMIT`]), then up to
//! [`runs_for`] timed runs, fewer when the cell's time passes [`CELL_BUDGET`].
//! A run past the cap is killed and the cell reported as "> cap"; larger
//! sizes of that tool and task are then reported "> cap" without running.
//! Every run's result is checked (files written, tables created or read),
//! outside the timing.
//!
//! `push` also gets two rows of the server's own floor: psql running, in one
//! transaction, the SQL schema-cli push runs ([`Tool::OursSql`], taken from
//! `push --dry-run` on an empty database) and the SQL drizzle-kit writes for
//! the same schema ([`Tool::DrizzleSql`], `drizzle-kit generate`'s migration;
//! its `--> statement-breakpoint` lines are SQL comments). Both are written
//! once per size, outside the timing, and timed like the tools. When the
//! server has `pg_stat_statements` loaded, every push-task run also reports
//! the server's execution time: the sum of `total_exec_time` over the
//! top-level statements run in the freshly created database (its own oid, so
//! no reset is needed and no other database's statements count); a run during
//! which the extension evicted entries reports none.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use schema_bench::{drizzle, synthetic};
use schema_core::sql::quote_ident;

use crate::measure::{self, Job, Outcome};

/// A cell's warm-up is skipped when the previous size took this long.
const WARM_UP_LIMIT: f64 = 2.0;
/// A cell stops adding runs once its runs took this long in total.
const CELL_BUDGET: f64 = 60.0;

fn runs_for(tables: usize) -> usize {
    match tables {
        0..=100 => 7,
        101..=1000 => 5,
        _ => 3,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tool {
    Ours,
    Drizzle,
    /// psql running the SQL schema-cli push runs (push only).
    OursSql,
    /// psql running drizzle-kit's SQL for the schema (push only).
    DrizzleSql,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Ours => "schema-cli",
            Tool::Drizzle => "drizzle-kit",
            Tool::OursSql => "psql-our-sql",
            Tool::DrizzleSql => "psql-drizzle-sql",
        }
    }

    /// The file in the project folder holding the SQL a floor row runs.
    fn sql_file(self) -> Option<&'static str> {
        match self {
            Tool::OursSql => Some("ours.sql"),
            Tool::DrizzleSql => Some("drizzle.sql"),
            Tool::Ours | Tool::Drizzle => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    GenerateFresh,
    GenerateUnchanged,
    Push,
    Pull,
}

pub const TASKS: [Task; 4] = [
    Task::GenerateFresh,
    Task::GenerateUnchanged,
    Task::Push,
    Task::Pull,
];

impl Task {
    /// The name `--tasks` takes.
    pub fn key(self) -> &'static str {
        match self {
            Task::GenerateFresh => "generate-fresh",
            Task::GenerateUnchanged => "generate-unchanged",
            Task::Push => "push",
            Task::Pull => "pull",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Task::GenerateFresh => "`generate` from nothing (no migrations yet)",
            Task::GenerateUnchanged => "`generate` with nothing changed (snapshot present)",
            Task::Push => "`push` to an empty database",
            Task::Pull => "`pull` of a database holding the schema",
        }
    }
}

/// What a cell measured.
#[derive(Clone, Debug)]
pub enum CellResult {
    Measured {
        median: f64,
        min: f64,
        max: f64,
        runs: usize,
        warmed: bool,
        /// Median of the runs' peak RSS, KiB.
        rss_kib: Option<f64>,
        /// Median of the runs' server execution time, seconds (push only,
        /// when every run had one; see the module comment).
        server_s: Option<f64>,
    },
    OverCap {
        ran: bool,
    },
    Failed(String),
}

impl CellResult {
    pub fn median(&self) -> Option<f64> {
        match self {
            CellResult::Measured { median, .. } => Some(*median),
            _ => None,
        }
    }

    pub fn rss(&self) -> Option<f64> {
        match self {
            CellResult::Measured { rss_kib, .. } => *rss_kib,
            _ => None,
        }
    }
}

/// Where the tools and the server are.
pub struct Setup {
    pub cli: PathBuf,
    pub node: PathBuf,
    pub node_modules: PathBuf,
    pub psql: PathBuf,
    pub server_url: String,
    pub cap: Duration,
    pub work: PathBuf,
    /// `pg_stat_statements` answers (see [`Setup::enable_server_time`]).
    pub server_time: bool,
}

impl Setup {
    fn drizzle_bin(&self) -> String {
        self.node_modules
            .join("drizzle-kit/bin.cjs")
            .display()
            .to_string()
    }

    fn url(&self, database: &str) -> String {
        with_database(&self.server_url, database)
    }

    fn psql(&self, database: &str, sql: &str) -> Result<String, String> {
        self.psql_with(database, sql, &[])
    }

    /// Runs `sql` in `database`; `:'name'` in it is the value of `vars`'
    /// `name`, which psql sends as a quoted literal (the SQL is read from
    /// stdin, as psql interpolates only there, not in `-c`).
    fn psql_with(
        &self,
        database: &str,
        sql: &str,
        vars: &[(&str, &str)],
    ) -> Result<String, String> {
        let mut command = Command::new(&self.psql);
        command
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url(database));
        for (name, value) in vars {
            command.arg("-v").arg(format!("{name}={value}"));
        }
        let mut child = command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.psql.display()))?;
        if let Some(mut stdin) = child.stdin.take() {
            std::io::Write::write_all(&mut stdin, sql.as_bytes())
                .map_err(|e| format!("psql stdin: {e}"))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| format!("waiting for psql: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "psql `{sql}`: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    fn server_database(&self) -> String {
        database_of(&self.server_url)
    }

    fn recreate(&self, database: &str) -> Result<(), String> {
        let admin = self.server_database();
        let name = quote_ident(database);
        self.psql(
            &admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )?;
        self.psql(&admin, &format!("CREATE DATABASE {name}"))?;
        Ok(())
    }

    fn drop(&self, database: &str) {
        let admin = self.server_database();
        let _ = self.psql(
            &admin,
            &format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(database)
            ),
        );
    }

    /// Makes `pg_stat_statements` readable in the server's database
    /// (`CREATE EXTENSION IF NOT EXISTS`), for the push rows' server time;
    /// `Err` says why not (it must be in `shared_preload_libraries`).
    pub fn enable_server_time(&mut self) -> Result<(), String> {
        let admin = self.server_database();
        self.psql(&admin, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")?;
        self.psql(&admin, "SELECT dealloc FROM pg_stat_statements_info")?;
        self.server_time = true;
        Ok(())
    }

    /// How many times `pg_stat_statements` has evicted entries.
    fn evictions(&self) -> Option<u64> {
        self.psql(
            &self.server_database(),
            "SELECT dealloc FROM pg_stat_statements_info",
        )
        .ok()?
        .parse()
        .ok()
    }

    /// The execution time of the top-level statements run in `database`,
    /// seconds; their entries are then removed, so that
    /// the runs of a whole benchmark do not fill the extension's table.
    fn execution_time(&self, database: &str) -> Option<f64> {
        let admin = self.server_database();
        let vars = [("db", database)];
        let answer = self
            .psql_with(
                &admin,
                "SELECT coalesce(sum(total_exec_time), 0) / 1000 FROM pg_stat_statements \
                 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = :'db')",
                &vars,
            )
            .ok()?;
        self.psql_with(
            &admin,
            "SELECT pg_stat_statements_reset(0, oid, 0) FROM pg_database WHERE datname = :'db'",
            &vars,
        )
        .ok()?;
        answer.parse().ok()
    }

    /// The server's version (`server_version`).
    pub fn server_version(&self) -> String {
        self.psql(&self.server_database(), "SHOW server_version")
            .unwrap_or_else(|e| format!("unknown ({e})"))
    }

    /// The server settings that matter for DDL speed.
    pub fn server_settings(&self) -> String {
        self.psql(
            &self.server_database(),
            "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings \
             WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'max_locks_per_transaction', 'shared_buffers', 'shared_preload_libraries')",
        )
        .unwrap_or_else(|e| format!("unknown ({e})"))
    }
}

/// `url` with its database (the path) replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

fn database_of(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    match base[authority_start..].find('/') {
        Some(slash) => base[authority_start + slash + 1..].to_owned(),
        None => "postgres".to_owned(),
    }
}

/// What the whole-process part measured.
#[derive(Debug, Default)]
pub struct Results {
    /// Every cell measured, by (tool, task, size).
    pub cells: HashMap<(Tool, Task, usize), CellResult>,
    /// The statements in the SQL a floor row ran, by (tool, size).
    pub statements: HashMap<(Tool, usize), usize>,
    /// Why the push rows have no server time, when they have none.
    pub no_server_time: Option<String>,
}

impl Results {
    pub fn get(&self, tool: Tool, task: Task, tables: usize) -> Option<&CellResult> {
        self.cells.get(&(tool, task, tables))
    }
}

/// The command lines each tool ran for each task (for the report).
pub fn command_lines() -> Vec<(Task, &'static str, &'static str)> {
    vec![
        (
            Task::GenerateFresh,
            "schema-cli generate",
            "node node_modules/drizzle-kit/bin.cjs generate --config drizzle.config.ts",
        ),
        (
            Task::GenerateUnchanged,
            "schema-cli generate",
            "node node_modules/drizzle-kit/bin.cjs generate --config drizzle.config.ts",
        ),
        (
            Task::Push,
            "schema-cli push --url $URL",
            "node node_modules/drizzle-kit/bin.cjs push --config drizzle.config.ts --force (BENCH_DATABASE_URL=$URL)",
        ),
        (
            Task::Pull,
            "schema-cli pull --url $URL --out pulled.rs --force",
            "node node_modules/drizzle-kit/bin.cjs pull --config drizzle.pull.config.ts (BENCH_DATABASE_URL=$URL)",
        ),
    ]
}

/// The command line of the push floor rows, and how each one's SQL file
/// was written (for the report).
pub fn floor_command_lines() -> Vec<(Tool, &'static str, &'static str)> {
    vec![
        (
            Tool::OursSql,
            "psql -X -q -1 -v ON_ERROR_STOP=1 -d $URL -f ours.sql",
            "`schema-cli push --dry-run --url $URL` on an empty database, before the runs",
        ),
        (
            Tool::DrizzleSql,
            "psql -X -q -1 -v ON_ERROR_STOP=1 -d $URL -f drizzle.sql",
            "`drizzle-kit generate --config drizzle.floor.config.ts`'s migration, before the runs",
        ),
    ]
}

/// Writes the project folder of one size: the schema as Rust and as
/// TypeScript, `schema.toml`, the two drizzle configs, and a link to the
/// cached `node_modules`.
fn write_project(setup: &Setup, tables: usize) -> Result<PathBuf, String> {
    let dir = setup.work.join(format!("project-{tables}"));
    write_project_to(&dir, &setup.node_modules, tables)?;
    Ok(dir)
}

/// Writes a benchmark project of `tables` tables into `dir` (replacing it),
/// `node_modules` linked to the given folder.
pub fn write_project_to(dir: &Path, node_modules: &Path, tables: usize) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let schema = synthetic::wide_schema(tables);
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    write(
        "schema.rs",
        &schema_core::syntax::render_schema(&schema, "Synthetic benchmark schema."),
    )?;
    write("schema.ts", &drizzle::render_schema(&schema)?)?;
    let mut filter = vec!["public".to_owned()];
    filter.extend(schema.namespaces.iter().cloned());
    let quoted: Vec<String> = filter.iter().map(|n| format!("{n:?}")).collect();
    write(
        "schema.toml",
        &format!(
            "schema = \"schema.rs\"\nout = \"migrations\"\nschema_filter = [{}]\n",
            quoted.join(", ")
        ),
    )?;
    write(
        "drizzle.config.ts",
        &drizzle::config("./schema.ts", "./drizzle", &schema.namespaces),
    )?;
    write(
        "drizzle.pull.config.ts",
        &drizzle::config("./schema.ts", "./pulled", &schema.namespaces),
    )?;
    write(
        "drizzle.floor.config.ts",
        &drizzle::config("./schema.ts", "./drizzle-floor", &schema.namespaces),
    )?;
    std::os::unix::fs::symlink(node_modules, dir.join("node_modules"))
        .map_err(|e| format!("linking node_modules: {e}"))?;
    Ok(())
}

fn count_entries(dir: &Path, suffix: &str) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
            .count()
    })
}

struct Cell<'a> {
    setup: &'a Setup,
    project: &'a Path,
    tool: Tool,
    task: Task,
    tables: usize,
    push_db: String,
    pull_db: String,
}

impl Cell<'_> {
    fn job(&self) -> Job {
        let drizzle = |args: &[&str]| {
            let mut job = Job::new(&self.setup.node, self.project).arg(self.setup.drizzle_bin());
            for a in args {
                job = job.arg(*a);
            }
            job
        };
        match (self.tool, self.task) {
            (Tool::Ours, Task::GenerateFresh | Task::GenerateUnchanged) => {
                Job::new(&self.setup.cli, self.project).arg("generate")
            }
            (Tool::Drizzle, Task::GenerateFresh | Task::GenerateUnchanged) => {
                drizzle(&["generate", "--config", "drizzle.config.ts"])
            }
            (Tool::Ours, Task::Push) => Job::new(&self.setup.cli, self.project)
                .arg("push")
                .arg("--url")
                .arg(self.setup.url(&self.push_db)),
            (Tool::Drizzle, Task::Push) => {
                drizzle(&["push", "--config", "drizzle.config.ts", "--force"])
                    .env("BENCH_DATABASE_URL", &self.setup.url(&self.push_db))
            }
            (Tool::Ours, Task::Pull) => Job::new(&self.setup.cli, self.project)
                .arg("pull")
                .arg("--url")
                .arg(self.setup.url(&self.pull_db))
                .arg("--out")
                .arg("pulled.rs")
                .arg("--force"),
            (Tool::Drizzle, Task::Pull) => drizzle(&["pull", "--config", "drizzle.pull.config.ts"])
                .env("BENCH_DATABASE_URL", &self.setup.url(&self.pull_db)),
            (Tool::OursSql | Tool::DrizzleSql, _) => Job::new(&self.setup.psql, self.project)
                .arg("-X")
                .arg("-q")
                .arg("-1")
                .arg("-v")
                .arg("ON_ERROR_STOP=1")
                .arg("-d")
                .arg(self.setup.url(&self.push_db))
                .arg("-f")
                .arg(self.tool.sql_file().unwrap_or_default()),
        }
    }

    fn out_dir(&self) -> PathBuf {
        self.project.join(match self.tool {
            Tool::Ours | Tool::OursSql => "migrations",
            Tool::Drizzle | Tool::DrizzleSql => "drizzle",
        })
    }

    /// Untimed preparation before each run.
    fn before_each(&self) -> Result<(), String> {
        match self.task {
            Task::GenerateFresh => {
                let _ = std::fs::remove_dir_all(self.out_dir());
            }
            Task::GenerateUnchanged => {}
            Task::Push => self.setup.recreate(&self.push_db)?,
            Task::Pull => {
                let _ = std::fs::remove_file(self.project.join("pulled.rs"));
                let _ = std::fs::remove_dir_all(self.project.join("pulled"));
            }
        }
        Ok(())
    }

    /// Checks a run did what it should, outside the timing.
    fn check(&self, output: &str) -> Result<(), String> {
        let n = self.tables;
        match self.task {
            Task::GenerateFresh | Task::GenerateUnchanged => {
                let written = match self.tool {
                    Tool::Ours | Tool::OursSql => count_entries(&self.out_dir(), ""),
                    Tool::Drizzle | Tool::DrizzleSql => count_entries(&self.out_dir(), ".sql"),
                };
                if written != 1 {
                    return Err(format!("{written} migrations after the run, expected 1"));
                }
                let said_nothing =
                    output.contains("nothing to generate") || output.contains("No schema changes");
                if (self.task == Task::GenerateUnchanged) != said_nothing {
                    return Err(format!("unexpected output: {}", output.trim()));
                }
            }
            Task::Push => {
                let count = self.setup.psql(
                    &self.push_db,
                    "SELECT count(*) FROM pg_tables WHERE tablename LIKE 't%'",
                )?;
                if count != n.to_string() {
                    return Err(format!("{count} tables after push, expected {n}"));
                }
            }
            Task::Pull => {
                let (file, patterns): (PathBuf, &[&str]) = match self.tool {
                    Tool::Ours | Tool::OursSql => (self.project.join("pulled.rs"), &["#[table"]),
                    Tool::Drizzle | Tool::DrizzleSql => (
                        self.project.join("pulled/schema.ts"),
                        &["pgTable(\"", ".table(\""],
                    ),
                };
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                let found: usize = patterns.iter().map(|p| text.matches(p).count()).sum();
                if found != n {
                    return Err(format!(
                        "{found} tables in {}, expected {n}",
                        file.display()
                    ));
                }
            }
        }
        Ok(())
    }

    fn measure(&self, warm_up: bool) -> CellResult {
        let log = self.setup.work.join(format!(
            "{}-{:?}-{}",
            self.tool.name(),
            self.task,
            self.tables
        ));
        let job = self.job();
        let timed_on_server = self.task == Task::Push && self.setup.server_time;
        let run = || -> Result<Option<(measure::Sample, Option<f64>)>, String> {
            self.before_each()?;
            let evictions = timed_on_server.then(|| self.setup.evictions()).flatten();
            match measure::run(&job, self.setup.cap, &log)? {
                Outcome::TimedOut => Ok(None),
                Outcome::Done(sample, output) => {
                    // Read before the check, whose query would count too.
                    let server = evictions.and_then(|before| {
                        let seconds = self.setup.execution_time(&self.push_db)?;
                        (self.setup.evictions()? == before).then_some(seconds)
                    });
                    self.check(&output).map_err(|e| {
                        format!("{} {:?} {}: {e}", self.tool.name(), self.task, self.tables)
                    })?;
                    Ok(Some((sample, server)))
                }
            }
        };
        if warm_up {
            match run() {
                Ok(Some(_)) => {}
                Ok(None) => return CellResult::OverCap { ran: true },
                Err(e) => return CellResult::Failed(e),
            }
        }
        let mut samples = Vec::new();
        let started = Instant::now();
        while samples.len() < runs_for(self.tables) {
            match run() {
                Ok(Some(sample)) => samples.push(sample),
                Ok(None) => return CellResult::OverCap { ran: true },
                Err(e) => return CellResult::Failed(e),
            }
            if started.elapsed().as_secs_f64() > CELL_BUDGET {
                break;
            }
        }
        let times: Vec<f64> = samples.iter().map(|(s, _)| s.seconds).collect();
        let rss: Vec<f64> = samples
            .iter()
            .filter_map(|(s, _)| s.rss_kib.map(|k| k as f64))
            .collect();
        // Only when every run has one: a median of some runs could mislead.
        let server: Option<Vec<f64>> = samples.iter().map(|(_, server)| *server).collect();
        CellResult::Measured {
            median: measure::median(&times).unwrap_or(f64::NAN),
            min: times.iter().copied().fold(f64::INFINITY, f64::min),
            max: times.iter().copied().fold(0.0, f64::max),
            runs: samples.len(),
            warmed: warm_up,
            rss_kib: measure::median(&rss),
            server_s: server.and_then(|s| measure::median(&s)),
        }
    }
}

/// Writes the SQL file a push floor row runs (see the module comment),
/// outside the timing; returns how many statements it holds.
fn write_floor_sql(
    setup: &Setup,
    project: &Path,
    tool: Tool,
    push_db: &str,
    tables: usize,
) -> Result<usize, String> {
    let log = setup
        .work
        .join(format!("floor-setup-{}-{tables}", tool.name()));
    let finished = |job: &Job| match measure::run(job, setup.cap, &log)? {
        Outcome::Done(..) => Ok(()),
        Outcome::TimedOut => Err(format!("`{}` passed the cap", job.display())),
    };
    let (sql, statements) = match tool {
        Tool::OursSql => {
            setup.recreate(push_db)?;
            finished(
                &Job::new(&setup.cli, project)
                    .arg("push")
                    .arg("--dry-run")
                    .arg("--url")
                    .arg(setup.url(push_db)),
            )?;
            let out = log.with_extension("out");
            let sql =
                std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            // "-- push --dry-run: N statements, nothing applied"
            let statements = sql
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("-- push --dry-run: "))
                .and_then(|l| l.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .ok_or("push --dry-run did not say how many statements it has")?;
            (sql, statements)
        }
        Tool::DrizzleSql => {
            let out = project.join("drizzle-floor");
            let _ = std::fs::remove_dir_all(&out);
            finished(
                &Job::new(&setup.node, project)
                    .arg(setup.drizzle_bin())
                    .arg("generate")
                    .arg("--config")
                    .arg("drizzle.floor.config.ts"),
            )?;
            let file = std::fs::read_dir(&out)
                .map_err(|e| format!("{}: {e}", out.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "sql"))
                .ok_or("drizzle-kit generate wrote no .sql file")?;
            let sql =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let statements = sql.matches("--> statement-breakpoint").count() + 1;
            (sql, statements)
        }
        Tool::Ours | Tool::Drizzle => return Err(format!("{} has no SQL file", tool.name())),
    };
    let file = project.join(tool.sql_file().unwrap_or_default());
    std::fs::write(&file, sql).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(statements)
}

/// Runs every cell of `tasks`: `both` sizes for both tools (and, for
/// `push`, the floor rows), `ours_only` sizes for schema-cli alone (and its
/// floor row). Progress goes to stderr.
pub fn run(setup: &Setup, tasks: &[Task], both: &[usize], ours_only: &[usize]) -> Results {
    let mut results = Results::default();
    let pid = std::process::id();
    let push_db = format!("bench_{pid}_push");
    let pull_db = format!("bench_{pid}_pull");
    let mut sizes: Vec<(usize, bool)> = both.iter().map(|&n| (n, true)).collect();
    sizes.extend(ours_only.iter().map(|&n| (n, false)));
    sizes.sort();
    let mut previous: HashMap<(Tool, Task), usize> = HashMap::new();
    for (tables, with_drizzle) in sizes {
        let project = match write_project(setup, tables) {
            Ok(dir) => dir,
            Err(e) => {
                eprintln!("error: {tables} tables: {e}");
                for &task in tasks {
                    results
                        .cells
                        .insert((Tool::Ours, task, tables), CellResult::Failed(e.clone()));
                }
                continue;
            }
        };
        // The database `pull` reads, filled by schema-cli push (untimed).
        let pull_ready = if !tasks.contains(&Task::Pull) {
            Ok(())
        } else {
            setup.recreate(&pull_db).and_then(|()| {
                let job = Job::new(&setup.cli, &project)
                    .arg("push")
                    .arg("--url")
                    .arg(setup.url(&pull_db));
                let log = setup.work.join(format!("pull-setup-{tables}"));
                match measure::run(&job, Duration::from_secs(3600), &log) {
                    Ok(Outcome::Done(..)) => Ok(()),
                    Ok(Outcome::TimedOut) => Err("filling the pull database timed out".to_owned()),
                    Err(e) => Err(format!("filling the pull database (schema-cli push): {e}")),
                }
            })
        };
        for &task in tasks {
            let tools: &[Tool] = match (task, with_drizzle) {
                (Task::Push, true) => &[Tool::Ours, Tool::OursSql, Tool::Drizzle, Tool::DrizzleSql],
                (Task::Push, false) => &[Tool::Ours, Tool::OursSql],
                (_, true) => &[Tool::Ours, Tool::Drizzle],
                (_, false) => &[Tool::Ours],
            };
            for &tool in tools {
                let key = (tool, task);
                let prior = previous
                    .get(&key)
                    .and_then(|&n| results.get(tool, task, n))
                    .cloned();
                // The floor rows' SQL, written before their runs (untimed).
                let mut floor = || -> Result<(), String> {
                    if tool.sql_file().is_some() {
                        let statements = write_floor_sql(setup, &project, tool, &push_db, tables)?;
                        results.statements.insert((tool, tables), statements);
                    }
                    Ok(())
                };
                let result = if let Some(CellResult::OverCap { .. }) = prior {
                    CellResult::OverCap { ran: false }
                } else if let (Task::Pull, Err(e)) = (task, &pull_ready) {
                    CellResult::Failed(e.clone())
                } else if let Err(e) = floor() {
                    CellResult::Failed(format!("writing the SQL of {}: {e}", tool.name()))
                } else {
                    let cell = |task| Cell {
                        setup,
                        project: &project,
                        tool,
                        task,
                        tables,
                        push_db: push_db.clone(),
                        pull_db: pull_db.clone(),
                    };
                    if task == Task::GenerateUnchanged {
                        // The snapshot `generate` compares against.
                        let fresh = cell(Task::GenerateFresh);
                        let log = setup.work.join(format!("unchanged-setup-{tables}"));
                        let _ = fresh.before_each();
                        let _ = measure::run(&fresh.job(), setup.cap, &log);
                    }
                    cell(task).measure(warm_up(prior.as_ref()))
                };
                eprintln!(
                    "{:>6} tables  {:<12} {:<18} {}",
                    tables,
                    tool.name(),
                    format!("{task:?}"),
                    crate::report::describe(&result)
                );
                results.cells.insert((tool, task, tables), result);
                previous.insert(key, tables);
            }
        }
        let _ = std::fs::remove_dir_all(&project);
    }
    setup.drop(&push_db);
    setup.drop(&pull_db);
    results
}

fn warm_up(prior: Option<&CellResult>) -> bool {
    match prior {
        Some(CellResult::Measured { median, .. }) => *median < WARM_UP_LIMIT,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_get_another_database() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h:5432/db?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(database_of("postgres://u@h:1/abc?x=1"), "abc");
        assert_eq!(database_of("postgres://u@h:1"), "postgres");
    }
}

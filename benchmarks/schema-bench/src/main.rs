//! `schema-bench`: runs the benchmark suite and writes its results into
//! BENCHMARKS.md. Normally started by `scripts/bench.sh`, which installs
//! what is missing, builds the release binaries, installs drizzle-kit at
//! pinned versions into a cache folder and starts a throwaway PostgreSQL.
//!
//! Parts (all by default; `--only whole,compile,micro` to choose):
//! - whole: `generate` / `push` / `pull` whole-process timings and peak
//!   memory, schema-cli against drizzle-kit (`whole.rs`);
//! - compile: `cargo check` cost of `#[table]` and the expansion's size
//!   (`compile.rs`);
//! - micro: the criterion benchmarks, run with `cargo bench` (`micro.rs`):
//!   parse / diff / render / codegen of the synthetic schema at each
//!   `--micro-sizes` size (`benches/stages.rs`), and building typed
//!   queries' SQL (`benches/queries.rs`); the tables are criterion's own
//!   estimates, read from its results under `$CARGO_TARGET_DIR/criterion`.
//!
//! `--tasks push,pull` runs only those whole-process tasks (all four by
//! default: generate-fresh, generate-unchanged, push, pull).

mod commit;
mod compile;
// The macro's own code generation, to measure its output (a proc-macro
// crate exports nothing else). Not built for this crate's unit tests,
// which would pick up expand.rs's snapshot tests: they get a stand-in.
#[cfg(not(test))]
#[path = "../../../schema-macros/src/expand.rs"]
#[allow(dead_code)] // only the attribute macros are measured, not `derive(FromRow)`
mod expand;
#[cfg(test)]
mod expand {
    use proc_macro2::TokenStream;

    pub fn table(_args: TokenStream, input: TokenStream) -> TokenStream {
        input
    }

    pub fn pg_enum(_args: TokenStream, input: TokenStream) -> TokenStream {
        input
    }
}
mod measure;
mod micro;
mod report;
mod whole;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: schema-bench [--database-url URL] [--cli PATH] [--node PATH] [--node-dir DIR] [--psql PATH]
                    [--sizes 10,100,1000] [--ours-sizes 10000] [--micro-sizes 1000,10000] [--cap SECONDS]
                    [--only whole,compile,micro] [--tasks generate-fresh,generate-unchanged,push,pull]
                    [--work DIR] [--compile-target DIR] [--out BENCHMARKS.md]
                    [--command TEXT]
       schema-bench --write-project TABLES DIR [--node-dir DIR]   (a project to profile by hand)

parts (--only): whole = generate/push/pull as whole processes against drizzle-kit;
  compile = cargo check cost of #[table]; micro = the criterion benchmarks, run with
  `cargo bench -p schema-bench --bench stages --bench queries` from the repository root
  (--micro-sizes: the stage benchmarks' tables, passed as SCHEMA_BENCH_TABLES), their
  results read from $CARGO_TARGET_DIR/criterion (target/criterion without it)";

struct Options {
    database_url: Option<String>,
    cli: PathBuf,
    node: PathBuf,
    node_dir: Option<PathBuf>,
    psql: Option<PathBuf>,
    sizes: Vec<usize>,
    ours_sizes: Vec<usize>,
    micro_sizes: Vec<usize>,
    cap: u64,
    parts: Vec<String>,
    tasks: Vec<whole::Task>,
    work: PathBuf,
    compile_target: Option<PathBuf>,
    out: Option<PathBuf>,
    command: String,
    write_project: Option<(usize, PathBuf)>,
}

fn sizes(text: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .map_err(|_| format!("not a size: {s}"))
        })
        .collect()
}

/// The whole-process tasks named in `text`, in the order they run.
fn tasks(text: &str) -> Result<Vec<whole::Task>, String> {
    let names: Vec<&str> = text.split(',').map(str::trim).collect();
    if let Some(unknown) = names
        .iter()
        .find(|n| !whole::TASKS.iter().any(|t| t.key() == **n))
    {
        return Err(format!("--tasks: no task {unknown}\n{USAGE}"));
    }
    Ok(whole::TASKS
        .into_iter()
        .filter(|t| names.contains(&t.key()))
        .collect())
}

fn parse_args() -> Result<Options, String> {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_owned))
        .unwrap_or_default();
    let mut options = Options {
        database_url: std::env::var("DATABASE_URL").ok(),
        cli: exe_dir.join("schema-cli"),
        node: PathBuf::from("node"),
        node_dir: None,
        psql: None,
        sizes: vec![10, 100, 1000],
        ours_sizes: vec![10_000],
        micro_sizes: schema_bench::in_process::DEFAULT_TABLES.to_vec(),
        cap: 300,
        parts: vec!["whole".into(), "compile".into(), "micro".into()],
        tasks: whole::TASKS.to_vec(),
        work: std::env::temp_dir().join(format!("schema-bench-{}", std::process::id())),
        compile_target: None,
        out: None,
        command: "scripts/bench.sh".to_owned(),
        write_project: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--write-project" {
            let tables = args.next().and_then(|n| n.parse().ok());
            let dir = args.next();
            let (Some(tables), Some(dir)) = (tables, dir) else {
                return Err(format!("--write-project TABLES DIR\n{USAGE}"));
            };
            options.write_project = Some((tables, dir.into()));
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_owned());
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--database-url" => options.database_url = Some(value),
            "--cli" => options.cli = value.into(),
            "--node" => options.node = value.into(),
            "--node-dir" => options.node_dir = Some(value.into()),
            "--psql" => options.psql = Some(value.into()),
            "--sizes" => options.sizes = sizes(&value)?,
            "--ours-sizes" => options.ours_sizes = sizes(&value)?,
            "--micro-sizes" => options.micro_sizes = sizes(&value)?,
            "--cap" => options.cap = value.parse().map_err(|_| "--cap: seconds")?,
            "--only" => options.parts = value.split(',').map(str::to_owned).collect(),
            "--tasks" => options.tasks = tasks(&value)?,
            "--work" => options.work = value.into(),
            "--compile-target" => options.compile_target = Some(value.into()),
            "--out" => options.out = Some(value.into()),
            "--command" => options.command = value,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(options)
}

/// The first line a command prints, or `unknown`.
fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(|l| l.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn package_version(node_modules: &Path, package: &str) -> String {
    let path = node_modules.join(package).join("package.json");
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| {
            let at = text.find("\"version\"")?;
            let rest = &text[at + 9..];
            let start = rest.find('"')? + 1;
            let end = start + rest[start..].find('"')?;
            Some(rest[start..end].to_owned())
        })
        .unwrap_or_else(|| "not installed".to_owned())
}

fn cpu_facts() -> Vec<(String, String)> {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown".to_owned(), |m| m.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    vec![
        (
            "machine".into(),
            format!("{cores} cores, {model}, {memory} RAM"),
        ),
        ("kernel".into(), first_line("uname", &["-sr"])),
    ]
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn find_psql() -> PathBuf {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.filter_map(Result::ok)
                .map(|d| d.path().join("bin/psql"))
                .filter(|p| p.exists())
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    candidates.pop().unwrap_or_else(|| PathBuf::from("psql"))
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    if let Some((tables, dir)) = &options.write_project {
        let node_dir = options.node_dir.clone().unwrap_or_default();
        whole::write_project_to(dir, &node_dir.join("node_modules"), *tables)?;
        eprintln!("wrote a project of {tables} tables to {}", dir.display());
        return Ok(());
    }
    let started = Instant::now();
    let started_utc = first_line("date", &["-u", "+%Y-%m-%d %H:%M"]);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .map_err(|e| format!("repository root: {e}"))?;
    std::fs::create_dir_all(&options.work)
        .map_err(|e| format!("{}: {e}", options.work.display()))?;
    let wants = |part: &str| options.parts.iter().any(|p| p == part);

    let mut facts = cpu_facts();
    facts.push(("load average at start".into(), load_average()));
    facts.push(("rustc".into(), first_line("rustc", &["-V"])));
    facts.push((
        "schema-cli".into(),
        format!(
            "{} (release build), commit {}",
            first_line(&options.cli.display().to_string(), &["--version"]),
            commit::head_commit(&repo)
        ),
    ));

    let mut whole_results = None;
    if wants("whole") {
        let url = options.database_url.clone().ok_or(
            "no server: pass --database-url or set DATABASE_URL (scripts/bench.sh starts one)",
        )?;
        let node_dir = options
            .node_dir
            .clone()
            .ok_or("--node-dir: the folder holding node_modules with drizzle-kit")?;
        let node_modules = node_dir.join("node_modules");
        let mut setup = whole::Setup {
            cli: options.cli.clone(),
            node: options.node.clone(),
            node_modules: node_modules.clone(),
            psql: options.psql.clone().unwrap_or_else(find_psql),
            server_url: url,
            cap: Duration::from_secs(options.cap),
            work: options.work.clone(),
            server_time: false,
        };
        let no_server_time = if options.tasks.contains(&whole::Task::Push) {
            setup.enable_server_time().err()
        } else {
            None
        };
        if let Some(why) = &no_server_time {
            eprintln!("push rows without the server's time: {why}");
        }
        facts.push((
            "node".into(),
            first_line(&options.node.display().to_string(), &["--version"]),
        ));
        facts.push((
            "drizzle-kit / drizzle-orm / pg".into(),
            format!(
                "{} / {} / {} (npm, in {})",
                package_version(&node_modules, "drizzle-kit"),
                package_version(&node_modules, "drizzle-orm"),
                package_version(&node_modules, "pg"),
                node_dir.display()
            ),
        ));
        facts.push(("PostgreSQL".into(), setup.server_version()));
        facts.push((
            "server".into(),
            format!("local, over TCP; {}", setup.server_settings()),
        ));
        eprintln!(
            "whole process: sizes {:?} (+ {:?} for schema-cli only)",
            options.sizes, options.ours_sizes
        );
        let mut results = whole::run(&setup, &options.tasks, &options.sizes, &options.ours_sizes);
        results.no_server_time = no_server_time;
        whole_results = Some(results);
    }

    let compile = wants("compile").then(|| {
        let target = options
            .compile_target
            .clone()
            .unwrap_or_else(|| options.work.join("compile-target"));
        compile::run(&repo, &options.work, &target)
    });
    if let Some(Err(e)) = &compile {
        eprintln!("compile cost failed: {e}");
    }
    let micro = wants("micro").then(|| micro::run(&repo, &options.micro_sizes));
    if let Some(Err(e)) = &micro {
        eprintln!("in-process benchmarks failed: {e}");
    }
    facts.push(("load average at end".into(), load_average()));

    let result = report::Run {
        started_utc,
        duration_s: started.elapsed().as_secs_f64(),
        command: options.command.clone(),
        facts,
        cap_s: options.cap,
        both: options.sizes.clone(),
        ours_only: options.ours_sizes.clone(),
        whole: whole_results,
        micro,
        compile,
    };
    let section = report::render(&result);
    print!("{section}");
    if let Some(out) = &options.out {
        let document = std::fs::read_to_string(out).unwrap_or_default();
        std::fs::write(out, report::splice(&document, &section))
            .map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("written to {}", out.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_run_in_their_usual_order() {
        assert_eq!(
            tasks("pull,push"),
            Ok(vec![whole::Task::Push, whole::Task::Pull])
        );
        assert!(matches!(tasks("push,pul"), Err(e) if e.starts_with("--tasks: no task pul")));
    }
}

//! Benchmark (not a timed test): `schema-cli migrate` with nothing pending
//! over 500 migrations on disk. Writes 500 trivial migrations (snapshots
//! growing by one table each, as generated ones do), applies them once, then
//! times no-op runs: the whole process through the built binary, and in
//! process (read + connect + migrator), with a breakdown. Results go to
//! `benchmarks/migrate.md`. Target: ≤ 50 ms per no-op run.
//!
//! Run: `DATABASE_URL=postgres://… cargo bench -p schema-cli --bench migrate`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use schema_core::migrations;
use schema_core::pg::{ConnectOptions, MigrateOptions, Migrator};
use schema_tests::pg::{block_on, fresh_database};

const MIGRATIONS: usize = 500;
const RUNS: usize = 21;

fn main() {
    if std::env::var("DATABASE_URL").is_err() {
        eprintln!("set DATABASE_URL to a PostgreSQL server (scripts/test.sh prints one)");
        std::process::exit(2);
    }
    let project = std::env::temp_dir().join(format!("schema-cli-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&project);
    write_project(&project);
    let disk_bytes = folder_size(&project.join("migrations"));
    let report = block_on(async { measure(&project, disk_bytes).await });
    let _ = std::fs::remove_dir_all(&project);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benchmarks/migrate.md");
    std::fs::create_dir_all(out.parent().unwrap_or(Path::new("."))).expect("create benchmarks/");
    std::fs::write(&out, &report).expect("write benchmarks/migrate.md");
    print!("{report}");
    eprintln!("written to {}", out.display());
}

/// schema.toml and 500 migration folders: each creates one small table; its
/// snapshot holds every table so far.
fn write_project(project: &Path) {
    std::fs::create_dir_all(project).expect("project dir");
    std::fs::write(project.join("schema.toml"), "schema = \"schema.rs\"\n").expect("schema.toml");
    std::fs::write(project.join("schema.rs"), "").expect("schema.rs");
    let mut tables: Vec<String> = Vec::new();
    let mut parent: Option<String> = None;
    for n in 1..=MIGRATIONS {
        let id = format!("{:017}", 20240101000000000u64 + n as u64);
        let dir = project.join("migrations").join(format!("{id}_table_{n}"));
        std::fs::create_dir_all(&dir).expect("migration dir");
        let up = format!(
            "CREATE TABLE \"t{n}\" (\n    \"id\" bigint PRIMARY KEY,\n    \"name\" text NOT NULL,\n    \"created_at\" timestamp NOT NULL DEFAULT now()\n);\n"
        );
        std::fs::write(dir.join("up.sql"), up).expect("up.sql");
        std::fs::write(dir.join("down.sql"), format!("DROP TABLE \"t{n}\";\n")).expect("down.sql");
        tables.push(format!(
            "      {{\n        \"schema\": \"public\",\n        \"name\": \"t{n}\",\n        \"columns\": [\n          {{ \"name\": \"id\", \"type\": {{ \"kind\": \"big_int\" }}, \"nullable\": false }},\n          {{ \"name\": \"name\", \"type\": {{ \"kind\": \"text\" }}, \"nullable\": false }},\n          {{ \"name\": \"created_at\", \"type\": {{ \"kind\": \"timestamp\" }}, \"nullable\": false, \"default\": {{ \"kind\": \"sql\", \"sql\": \"now()\" }} }}\n        ],\n        \"primary_key\": {{ \"name\": \"t{n}_pkey\", \"columns\": [\"id\"] }}\n      }}"
        ));
        let parent_json = parent
            .as_ref()
            .map_or_else(|| "null".to_owned(), |p| format!("\"{p}\""));
        let snapshot = format!(
            "{{\n  \"id\": \"{id}\",\n  \"parent\": {parent_json},\n  \"schema\": {{\n    \"tables\": [\n{}\n    ]\n  }}\n}}\n",
            tables.join(",\n")
        );
        std::fs::write(dir.join("snapshot.json"), snapshot).expect("snapshot.json");
        parent = Some(id);
    }
}

fn folder_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        total += if path.is_dir() {
            folder_size(&path)
        } else {
            entry.metadata().map_or(0, |m| m.len())
        };
    }
    total
}

struct Stats {
    median: Duration,
    min: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    Stats {
        median: samples[samples.len() / 2],
        min: samples[0],
        max: samples[samples.len() - 1],
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

fn binary_migrate(project: &Path, url: &str) -> Duration {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_schema-cli"))
        .args(["migrate", "--url", url])
        .current_dir(project)
        .output()
        .expect("run schema-cli");
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

async fn measure(project: &Path, disk_bytes: u64) -> String {
    let db = fresh_database().await;
    let url = db.url().to_owned();
    let folder: PathBuf = project.join("migrations");

    let first = binary_migrate(project, &url);
    let applied: i64 = db
        .client()
        .query_one("SELECT count(*) FROM _schema_migrations", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(applied, MIGRATIONS as i64);
    // Warm the page cache and the server before timing.
    binary_migrate(project, &url);

    let process = stats((0..RUNS).map(|_| binary_migrate(project, &url)).collect());

    let options = ConnectOptions::parse(&url).expect("url");
    let mut whole = Vec::new();
    let mut read_apply = Vec::new();
    let mut read_full = Vec::new();
    let mut connect = Vec::new();
    let mut run = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let list = migrations::read_dir_for_apply(&folder).expect("read");
        let client = options.connect().await.expect("connect");
        let report = Migrator::new(&list, MigrateOptions::default())
            .run(&client, |_| {})
            .await
            .expect("migrate");
        whole.push(started.elapsed());
        assert!(report.applied.is_empty());
        drop(client);

        let started = Instant::now();
        let list = migrations::read_dir_for_apply(&folder).expect("read");
        read_apply.push(started.elapsed());

        let started = Instant::now();
        let full = migrations::read_dir(&folder).expect("read");
        read_full.push(started.elapsed());
        assert_eq!(full.len(), list.len());

        let started = Instant::now();
        let client = options.connect().await.expect("connect");
        connect.push(started.elapsed());

        let started = Instant::now();
        Migrator::new(&list, MigrateOptions::default())
            .run(&client, |_| {})
            .await
            .expect("migrate");
        run.push(started.elapsed());
    }
    let version: String = db
        .client()
        .query_one("SHOW server_version", &[])
        .await
        .expect("version")
        .get(0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# `schema-cli migrate` with nothing pending, {MIGRATIONS} migrations on disk\n"
    );
    let _ = writeln!(
        out,
        "Written by `cargo bench -p schema-cli --bench migrate` (schema-cli/benches/migrate.rs). \
         Target: ≤ 50 ms per no-op run.\n"
    );
    let _ = writeln!(
        out,
        "Setup: {MIGRATIONS} migration folders (up.sql creating one table, down.sql, and a snapshot.json \
         holding every table so far: {:.1} MiB on disk), applied once; then {RUNS} timed no-op runs each. \
         PostgreSQL {version} on localhost over TCP, {cores} CPU cores, release build.\n",
        disk_bytes as f64 / (1024.0 * 1024.0)
    );
    let _ = writeln!(out, "| what | median ms | min ms | max ms |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let mut row = |what: &str, s: Stats| {
        let _ = writeln!(
            out,
            "| {what} | {} | {} | {} |",
            ms(s.median),
            ms(s.min),
            ms(s.max)
        );
    };
    row("**whole process**: `schema-cli migrate --url …` (spawn, read, connect, lock, compare, exit)", process);
    row(
        "**in process**: read + connect + `Migrator::run`",
        stats(whole),
    );
    row(
        "— read the folder as migrate does (`read_dir_for_apply`: up.sql, down.sql, checksums)",
        stats(read_apply),
    );
    row(
        "— connect (TCP, TLS negotiation with `sslmode=prefer`, startup)",
        stats(connect),
    );
    row(
        "— `Migrator::run` on an open connection (lock, tracking table, compare, unlock)",
        stats(run),
    );
    row(
        "(for comparison) `read_dir`, which also parses every snapshot.json header",
        stats(read_full),
    );
    let _ = writeln!(
        out,
        "\nApplying all {MIGRATIONS} the first time (whole process): {} ms.",
        ms(first)
    );
    out
}

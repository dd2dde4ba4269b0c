//! The in-process part: runs the criterion benchmarks with `cargo bench -p
//! schema-bench --bench stages --bench queries` from the repository root
//! (`benches/stages.rs`: parse, diff, render and codegen of the synthetic
//! schema at each size; `benches/queries.rs`: building typed queries' SQL),
//! then reads criterion's own results back: the median estimate and its
//! confidence interval from `<criterion home>/<group>/<id>/new/estimates.json`.
//! Criterion's home is `$CARGO_TARGET_DIR/criterion` (`target/criterion`
//! without it), passed to the benchmarks as `CRITERION_HOME` so both sides
//! agree; a result not written by this run is an error, not a stale number.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use schema_bench::in_process::{QUERIES, QUERY_GROUP, STAGES, TABLES_VAR};
use serde_json::Value;

/// One benchmark's criterion estimate of the time per run, seconds.
#[derive(Clone, Copy, Debug)]
pub struct Estimate {
    pub median: f64,
    /// The median's confidence interval (criterion's default level: 95 %).
    pub lower: f64,
    pub upper: f64,
    pub samples: usize,
}

/// One size's stage estimates.
#[derive(Clone, Debug)]
pub struct Stages {
    pub tables: usize,
    pub source_kib: usize,
    pub parse: Estimate,
    pub diff: Estimate,
    pub render: Estimate,
    pub codegen: Estimate,
}

/// Everything the in-process part found.
#[derive(Clone, Debug)]
pub struct Results {
    pub stages: Vec<Stages>,
    /// Each query's id, what it builds, and its estimate (in `QUERIES`
    /// order).
    pub queries: Vec<(&'static str, &'static str, Estimate)>,
}

/// Runs the benchmarks for `sizes` (tables) and reads their results.
pub fn run(repo: &Path, sizes: &[usize]) -> Result<Results, String> {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo.join("target"), PathBuf::from);
    let home = target.join("criterion");
    let mut args = vec!["bench", "-p", "schema-bench"];
    if !sizes.is_empty() {
        args.extend(["--bench", "stages"]);
    }
    args.extend(["--bench", "queries"]);
    let tables: Vec<String> = sizes.iter().map(usize::to_string).collect();
    eprintln!(
        "in process: cargo {} ({TABLES_VAR}={})",
        args.join(" "),
        tables.join(",")
    );
    // Criterion's report goes to our stderr: stdout is the results section.
    let stdout = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| format!("stderr: {e}"))?;
    let started = SystemTime::now();
    let status = Command::new("cargo")
        .args(&args)
        .current_dir(repo)
        .env(TABLES_VAR, tables.join(","))
        .env("CRITERION_HOME", &home)
        .stdin(Stdio::null())
        .stdout(stdout)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo {}` failed with {status}", args.join(" ")));
    }
    let read = |group: &str, id: &str| read_estimate(&home.join(group).join(id), started);
    let mut stages = Vec::new();
    for &n in sizes {
        let id = n.to_string();
        let [parse, diff, render, codegen] = STAGES;
        stages.push(Stages {
            tables: n,
            source_kib: source_bytes(&home.join(parse).join(&id), started)? / 1024,
            parse: read(parse, &id)?,
            diff: read(diff, &id)?,
            render: read(render, &id)?,
            codegen: read(codegen, &id)?,
        });
    }
    let queries = QUERIES
        .iter()
        .map(|&(id, what)| Ok((id, what, read(QUERY_GROUP, id)?)))
        .collect::<Result<_, String>>()?;
    Ok(Results { stages, queries })
}

/// A JSON file criterion wrote into `dir/new/` since `since`.
fn read_new(dir: &Path, file: &str, since: SystemTime) -> Result<Value, String> {
    let path = dir.join("new").join(file);
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|modified| modified >= since);
    if !fresh {
        return Err(format!("{}: not written by this run", path.display()));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The median estimate of the benchmark whose results are in `dir`.
fn read_estimate(dir: &Path, since: SystemTime) -> Result<Estimate, String> {
    let estimates = read_new(dir, "estimates.json", since)?;
    let sample = read_new(dir, "sample.json", since)?;
    let median = &estimates["median"];
    let interval = &median["confidence_interval"];
    let seconds = |value: &Value| value.as_f64().map(|ns| ns / 1e9);
    match (
        seconds(&median["point_estimate"]),
        seconds(&interval["lower_bound"]),
        seconds(&interval["upper_bound"]),
        sample["iters"].as_array(),
    ) {
        (Some(median), Some(lower), Some(upper), Some(iters)) => Ok(Estimate {
            median,
            lower,
            upper,
            samples: iters.len(),
        }),
        _ => Err(format!(
            "{}: no median estimate with its interval, or no samples",
            dir.display()
        )),
    }
}

/// The source size the parse benchmark in `dir` reported as its throughput.
fn source_bytes(dir: &Path, since: SystemTime) -> Result<usize, String> {
    let benchmark = read_new(dir, "benchmark.json", since)?;
    benchmark["throughput"]["Bytes"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("{}: no throughput in bytes", dir.display()))
}

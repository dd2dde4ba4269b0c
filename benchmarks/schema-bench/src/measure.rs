//! Timing one child process: wall-clock time from spawn to exit, and its
//! peak resident set size as `/usr/bin/time -f %M` reports it (the kernel's
//! `ru_maxrss` of the waited-for child, in KiB) and CPU time. The child runs in its own
//! process group, killed whole when it passes the time cap.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A command to time: program, arguments, working directory, extra
/// environment.
#[derive(Clone, Debug)]
pub struct Job {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Job {
    pub fn new(program: impl Into<PathBuf>, dir: &Path) -> Self {
        Job {
            program: program.into(),
            args: Vec::new(),
            dir: dir.to_owned(),
            env: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The command line, for the report and error messages.
    pub fn display(&self) -> String {
        let mut words = vec![self.program.display().to_string()];
        words.extend(self.args.iter().cloned());
        words.join(" ")
    }
}

/// One finished run.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub seconds: f64,
    /// Peak RSS in KiB (absent when `/usr/bin/time` could not say).
    pub rss_kib: Option<u64>,
    /// User + system CPU seconds of the child and its descendants.
    pub cpu_seconds: Option<f64>,
}

/// How a run ended, when it did not fail.
#[derive(Clone, Debug)]
pub enum Outcome {
    Done(Sample, String),
    /// Killed at the cap.
    TimedOut,
}

/// Runs `job` under `/usr/bin/time`, its output captured in `log` (stdout
/// then stderr), killed after `cap`. A non-zero exit is an error carrying
/// the end of the output.
pub fn run(job: &Job, cap: Duration, log: &Path) -> Result<Outcome, String> {
    let rss_file = log.with_extension("rss");
    let _ = std::fs::remove_file(&rss_file);
    let stdout = log.with_extension("out");
    let stderr = log.with_extension("err");
    let file = |p: &Path| std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut command = Command::new("/usr/bin/time");
    command
        .arg("-f")
        .arg("%M %U %S")
        .arg("-o")
        .arg(&rss_file)
        .arg(&job.program)
        .args(&job.args)
        .current_dir(&job.dir)
        .stdin(Stdio::null())
        .stdout(file(&stdout)?)
        .stderr(file(&stderr)?);
    for (k, v) in &job.env {
        command.env(k, v);
    }
    std::os::unix::process::CommandExt::process_group(&mut command, 0);

    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run /usr/bin/time {}: {e}", job.display()))?;
    let pid = child.id();
    let (done, watch) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if watch.recv_timeout(cap).is_err() {
            // The cap passed: the whole process group goes. bash's own
            // `kill` (procps' /usr/bin/kill is not on a minimal Debian).
            let _ = Command::new("bash")
                .args(["-c", "kill -KILL -- \"-$1\"", "kill", &pid.to_string()])
                .status();
            return true;
        }
        false
    });
    let status = child.wait().map_err(|e| format!("waiting: {e}"));
    let elapsed = started.elapsed();
    let _ = done.send(());
    let killed = watchdog.join().unwrap_or(false);
    let status = status?;
    let out = std::fs::read_to_string(&stdout).unwrap_or_default();
    let err = std::fs::read_to_string(&stderr).unwrap_or_default();
    if killed || elapsed >= cap {
        return Ok(Outcome::TimedOut);
    }
    if !status.success() {
        // The first lines of stderr say what went wrong (else stdout's last).
        let said: Vec<&str> = if err.trim().is_empty() {
            let lines: Vec<&str> = out.lines().collect();
            lines[lines.len().saturating_sub(5)..].to_vec()
        } else {
            err.lines().take(4).collect()
        };
        return Err(format!(
            "`{}` failed with {status}: {}",
            job.display(),
            said.join(" / ")
        ));
    }
    // The last line: "%M %U %S" (earlier lines may say the child failed).
    let report = std::fs::read_to_string(&rss_file).unwrap_or_default();
    let fields: Vec<&str> = report
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let rss_kib = fields.first().and_then(|f| f.parse().ok());
    let cpu_seconds = match (fields.get(1), fields.get(2)) {
        (Some(user), Some(system)) => user
            .parse::<f64>()
            .ok()
            .zip(system.parse::<f64>().ok())
            .map(|(u, s)| u + s),
        _ => None,
    };
    Ok(Outcome::Done(
        Sample {
            seconds: elapsed.as_secs_f64(),
            rss_kib,
            cpu_seconds,
        },
        format!("{out}{err}"),
    ))
}

/// The median of some numbers (the mean of the middle two for an even
/// count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

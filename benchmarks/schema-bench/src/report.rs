//! The results as Markdown: what ran where, the tables, and each target
//! met or missed, computed from the numbers of this run. Written into
//! BENCHMARKS.md between two marker lines; text outside them is kept.

use std::fmt::Write as _;

use crate::compile;
use crate::micro::{self, Estimate};
use crate::whole::{self, CellResult, Results, Task, Tool, TASKS};

pub const BEGIN: &str = "<!-- schema-bench results: begin (written by scripts/bench.sh; edits here are overwritten) -->";
pub const END: &str = "<!-- schema-bench results: end -->";

/// The query of `benches/queries.rs` the query-building target is read on
/// (the one `benchmarks/queries.md` set it for).
const TYPICAL_QUERY: &str = "typical_select";

/// Everything one run found.
pub struct Run {
    pub started_utc: String,
    pub duration_s: f64,
    pub command: String,
    pub facts: Vec<(String, String)>,
    pub cap_s: u64,
    pub both: Vec<usize>,
    pub ours_only: Vec<usize>,
    pub whole: Option<Results>,
    pub micro: Option<Result<micro::Results, String>>,
    pub compile: Option<Result<compile::Report, String>>,
}

pub fn time(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1000.0)
    } else {
        format!("{seconds:.2} s")
    }
}

fn mib(kib: f64) -> String {
    format!("{:.0} MiB", kib / 1024.0)
}

fn ratio(ours: f64, theirs: f64) -> String {
    let r = ours / theirs;
    if r >= 0.1 {
        format!("{r:.2} (1/{:.1})", 1.0 / r)
    } else {
        format!("{r:.4} (1/{:.0})", 1.0 / r)
    }
}

/// A one-line description of a cell, for progress output.
pub fn describe(result: &CellResult) -> String {
    match result {
        CellResult::Measured {
            median,
            min,
            max,
            runs,
            rss_kib,
            warmed,
            server_s,
        } => format!(
            "median {} of {runs} ({}–{}){}, peak {}{}",
            time(*median),
            time(*min),
            time(*max),
            if *warmed { "" } else { " (no warm-up)" },
            rss_kib.map_or("?".to_owned(), mib),
            server_s.map_or(String::new(), |s| format!(", server {}", time(s)))
        ),
        CellResult::OverCap { ran: true } => "> cap (killed)".to_owned(),
        CellResult::OverCap { ran: false } => "> cap (a smaller size already was)".to_owned(),
        CellResult::Failed(e) => format!("FAILED: {e}"),
    }
}

fn cell_time(result: Option<&CellResult>, cap_s: u64) -> String {
    match result {
        Some(CellResult::Measured {
            median,
            runs,
            warmed,
            ..
        }) => format!(
            "{} ×{runs}{}",
            time(*median),
            if *warmed { "" } else { "†" }
        ),
        Some(CellResult::OverCap { ran: true }) => format!("> {cap_s} s"),
        Some(CellResult::OverCap { ran: false }) => format!("> {cap_s} s‡"),
        Some(CellResult::Failed(_)) => "failed§".to_owned(),
        None => "—".to_owned(),
    }
}

fn cell_rss(result: Option<&CellResult>) -> String {
    result.and_then(CellResult::rss).map_or("—".to_owned(), mib)
}

fn whole_tables(out: &mut String, run: &Run, results: &Results) {
    let mut sizes: Vec<usize> = run.both.iter().chain(&run.ours_only).copied().collect();
    sizes.sort();
    sizes.dedup();
    let _ = writeln!(out, "### Whole process, median wall time and peak RSS\n");
    let _ = writeln!(
        out,
        "`×n`: timed runs after one warm-up run; † no warm-up (the previous size took over 2 s); \
         ‡ not run, a smaller size already passed the {} s cap; § failed, see the run's log. \
         Ratio: schema-cli ÷ drizzle-kit (below 1: schema-cli is faster or smaller).\n",
        run.cap_s
    );
    for task in tasks_run(results) {
        let _ = writeln!(out, "#### {}\n", task.title());
        let _ = writeln!(
            out,
            "| tables | schema-cli | peak RSS | drizzle-kit | peak RSS | time ratio | memory ratio |\n|---:|---:|---:|---:|---:|---:|---:|"
        );
        for &n in &sizes {
            let ours = results.get(Tool::Ours, task, n);
            let theirs = results.get(Tool::Drizzle, task, n);
            let time_ratio = match (ours.and_then(CellResult::median), theirs) {
                (Some(o), Some(CellResult::Measured { median, .. })) => ratio(o, *median),
                (Some(o), Some(CellResult::OverCap { .. })) => {
                    format!("< {}", ratio(o, run.cap_s as f64))
                }
                _ => "—".to_owned(),
            };
            let memory_ratio = match (
                ours.and_then(CellResult::rss),
                theirs.and_then(CellResult::rss),
            ) {
                (Some(o), Some(t)) => ratio(o, t),
                _ => "—".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {n} | {} | {} | {} | {} | {time_ratio} | {memory_ratio} |",
                cell_time(ours, run.cap_s),
                cell_rss(ours),
                if run.both.contains(&n) {
                    cell_time(theirs, run.cap_s)
                } else {
                    "not run".to_owned()
                },
                cell_rss(theirs),
            );
        }
        out.push('\n');
        if task == Task::Push {
            push_floor(out, run, results, &sizes);
        }
    }
    let failures: Vec<String> = results
        .cells
        .iter()
        .filter_map(|((tool, task, n), r)| match r {
            CellResult::Failed(e) => Some(format!("- {} {task:?} {n}: {e}", tool.name())),
            _ => None,
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "Failures:\n\n{}\n", failures.join("\n"));
    }
}

/// The tasks of `TASKS` that have a cell in `results`.
fn tasks_run(results: &Results) -> Vec<Task> {
    TASKS
        .into_iter()
        .filter(|&task| results.cells.keys().any(|&(_, t, _)| t == task))
        .collect()
}

/// The push floor tables: each tool's push next to psql running the same
/// SQL, and what the server spent.
fn push_floor(out: &mut String, run: &Run, results: &Results, sizes: &[usize]) {
    let _ = writeln!(
        out,
        "#### `push`: the server's floor\n\n\
         psql running the same schema's SQL in one transaction on a freshly created empty database, \
         timed like the tools (its own start is a few ms): the server's work for that SQL, with nothing \
         of a tool's own. Our SQL is what `schema-cli push` runs (its `--dry-run` on an empty database); \
         drizzle-kit's is its `generate` migration for the same schema (its push sends the same kind of \
         statements one by one, each in its own transaction). The last column is the ratio schema-cli \
         would reach if its push cost no more than psql running our SQL statement by statement.\n"
    );
    let _ = writeln!(
        out,
        "| tables | statements: ours / drizzle-kit's | schema-cli push | psql, our SQL | drizzle-kit push | psql, drizzle-kit's SQL | 1/5 of drizzle-kit push | psql, our SQL ÷ drizzle-kit push |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let cell = |tool, n| results.get(tool, Task::Push, n);
    let median = |tool, n| cell(tool, n).and_then(CellResult::median);
    for &n in sizes {
        let statements = |tool| {
            results
                .statements
                .get(&(tool, n))
                .map_or("—".to_owned(), usize::to_string)
        };
        let drizzle_ran = run.both.contains(&n);
        let theirs = |tool| {
            if drizzle_ran {
                cell_time(cell(tool, n), run.cap_s)
            } else {
                "not run".to_owned()
            }
        };
        let fifth = median(Tool::Drizzle, n).map_or("—".to_owned(), |t| time(t / 5.0));
        let floor_ratio = match (median(Tool::OursSql, n), median(Tool::Drizzle, n)) {
            (Some(o), Some(t)) => ratio(o, t),
            _ => "—".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {n} | {} / {} | {} | {} | {} | {} | {fifth} | {floor_ratio} |",
            statements(Tool::OursSql),
            statements(Tool::DrizzleSql),
            cell_time(cell(Tool::Ours, n), run.cap_s),
            cell_time(cell(Tool::OursSql, n), run.cap_s),
            theirs(Tool::Drizzle),
            theirs(Tool::DrizzleSql),
        );
    }
    out.push('\n');
    if let Some(why) = &results.no_server_time {
        let _ = writeln!(out, "No server time: {why}\n");
        return;
    }
    let _ = writeln!(
        out,
        "Server time of the same runs: the sum of `total_exec_time` in `pg_stat_statements` over the \
         top-level statements each run sent to its database (introspection, DDL, `BEGIN`/`COMMIT`; not \
         parsing, nor the commit of a statement run outside a transaction), median of the runs, and its \
         share of the run's wall time; — when the extension evicted entries during a run.\n"
    );
    let _ = writeln!(
        out,
        "| tables | schema-cli push | psql, our SQL | drizzle-kit push | psql, drizzle-kit's SQL |\n|---:|---:|---:|---:|---:|"
    );
    let server = |tool, n| match cell(tool, n) {
        Some(CellResult::Measured {
            median,
            server_s: Some(server),
            ..
        }) => format!("{} ({:.0} %)", time(*server), 100.0 * server / median),
        _ => "—".to_owned(),
    };
    for &n in sizes {
        let _ = writeln!(
            out,
            "| {n} | {} | {} | {} | {} |",
            server(Tool::Ours, n),
            server(Tool::OursSql, n),
            server(Tool::Drizzle, n),
            server(Tool::DrizzleSql, n),
        );
    }
    out.push('\n');
}

struct Target {
    what: String,
    wanted: String,
    measured: String,
    met: Option<bool>,
}

fn targets(run: &Run) -> Vec<Target> {
    let mut list = Vec::new();
    let get = |tool, task, n| {
        run.whole
            .as_ref()
            .and_then(|r| r.get(tool, task, n))
            .cloned()
    };
    let vs = |task: Task, n: usize, limit: f64, label: &str, memory: bool| -> Target {
        let ours = get(Tool::Ours, task, n);
        let theirs = get(Tool::Drizzle, task, n);
        let pick = |r: &CellResult| if memory { r.rss() } else { r.median() };
        let (measured, met) = match (ours.as_ref().and_then(pick), theirs.as_ref()) {
            (Some(o), Some(t @ CellResult::Measured { .. })) => match pick(t) {
                Some(t) => (ratio(o, t), Some(o / t <= limit)),
                None => ("no memory figure".to_owned(), None),
            },
            (Some(o), Some(CellResult::OverCap { .. })) if !memory => {
                let bound = o / run.cap_s as f64;
                (
                    format!(
                        "< {} (drizzle-kit over the cap)",
                        ratio(o, run.cap_s as f64)
                    ),
                    (bound <= limit).then_some(true),
                )
            }
            _ => ("not measured".to_owned(), None),
        };
        Target {
            what: label.to_owned(),
            wanted: format!("≤ 1/{:.0}", 1.0 / limit),
            measured,
            met,
        }
    };
    list.push(vs(
        Task::GenerateFresh,
        1000,
        1.0 / 25.0,
        "`generate` 1,000 tables (from nothing), time vs drizzle-kit",
        false,
    ));
    list.push(vs(
        Task::GenerateFresh,
        1000,
        1.0 / 5.0,
        "`generate` 1,000 tables (from nothing), peak memory vs drizzle-kit",
        true,
    ));
    list.push(vs(
        Task::GenerateUnchanged,
        1000,
        1.0 / 25.0,
        "`generate` 1,000 tables (nothing changed), time vs drizzle-kit",
        false,
    ));
    list.push(vs(
        Task::GenerateUnchanged,
        1000,
        1.0 / 5.0,
        "`generate` 1,000 tables (nothing changed), peak memory vs drizzle-kit",
        true,
    ));
    for task in [Task::GenerateFresh, Task::GenerateUnchanged] {
        let small = get(Tool::Ours, task, 1000).and_then(|r| r.median());
        let large = get(Tool::Ours, task, 10_000).and_then(|r| r.median());
        let (measured, met) = match (small, large) {
            (Some(s), Some(l)) => (format!("{:.1}×", l / s), Some(l / s <= 12.0)),
            _ => ("not measured".to_owned(), None),
        };
        list.push(Target {
            what: format!(
                "`generate` 10,000 tables ({}) vs our 1,000 tables",
                if task == Task::GenerateFresh {
                    "from nothing"
                } else {
                    "nothing changed"
                }
            ),
            wanted: "≤ 12×".to_owned(),
            measured,
            met,
        });
    }
    list.push(vs(
        Task::Pull,
        1000,
        1.0 / 50.0,
        "`pull` 1,000 tables, time vs drizzle-kit",
        false,
    ));
    let mut push = vs(
        Task::Push,
        1000,
        1.0 / 5.0,
        "`push` 1,000 tables to an empty database, time vs drizzle-kit",
        false,
    );
    let floor = |tool| get(tool, Task::Push, 1000).and_then(|r| r.median());
    if let (Some(t), Some(ours)) = (floor(Tool::Drizzle), floor(Tool::OursSql)) {
        let _ = write!(
            push.measured,
            "; the server's floor, psql running our SQL: {}",
            ratio(ours, t)
        );
        if let Some(theirs) = floor(Tool::DrizzleSql) {
            let _ = write!(push.measured, ", drizzle-kit's SQL: {}", ratio(theirs, t));
        }
    }
    list.push(push);
    let report = run.compile.as_ref().and_then(|c| c.as_ref().ok());
    let compile = report.and_then(|c| c.checks.iter().find(|p| p.name == "synthetic"));
    let floor = report
        .and_then(|c| c.floor.as_ref())
        .map_or(String::new(), |f| {
            format!(
                "; structs with accessors only, as source: {:.2}×",
                f.wall[1] / f.wall[0]
            )
        });
    list.push(Target {
        what: "`cargo check` of the 200-table crate vs plain structs (re-check after a touch, wall time)".to_owned(),
        wanted: "≤ 1.5×".to_owned(),
        measured: compile.map_or("not measured".to_owned(), |p| {
            format!(
                "{:.2}× (CPU time: {:.2}×{floor})",
                p.with_macro / p.plain,
                p.cpu[1] / p.cpu[0]
            )
        }),
        met: compile.map(|p| p.with_macro / p.plain <= 1.5),
    });
    let typical = run
        .micro
        .as_ref()
        .and_then(|m| m.as_ref().ok())
        .and_then(|m| m.queries.iter().find(|(id, ..)| *id == TYPICAL_QUERY))
        .map(|(.., e)| e);
    list.push(Target {
        what: "building a typical query's SQL (`select … filter … order by … limit`, `to_sql()`)"
            .to_owned(),
        wanted: "≤ 1 µs".to_owned(),
        measured: typical.map_or("not measured".to_owned(), estimate),
        met: typical.map(|e| e.median <= 1e-6),
    });
    list
}

/// A criterion estimate: the median, then its confidence interval in the
/// median's unit, to three significant digits (`33.4 ms (33.1–33.8)`).
fn estimate(e: &Estimate) -> String {
    let (scale, unit) = match e.median {
        m if m < 1e-6 => (1e9, "ns"),
        m if m < 1e-3 => (1e6, "µs"),
        m if m < 1.0 => (1e3, "ms"),
        _ => (1.0, "s"),
    };
    let median = e.median * scale;
    let decimals = if median >= 100.0 {
        0
    } else if median >= 10.0 {
        1
    } else {
        2
    };
    format!(
        "{median:.decimals$} {unit} ({:.decimals$}–{:.decimals$})",
        e.lower * scale,
        e.upper * scale
    )
}

/// The criterion tables: the stages at each size, then query building.
fn in_process_tables(out: &mut String, results: &micro::Results) {
    if !results.stages.is_empty() {
        let _ = writeln!(
            out,
            "### In process (stages of `generate` and `pull`)\n\n\
             criterion (`cargo bench -p schema-bench --bench stages`), in the benchmark's process with \
             mimalloc, like the CLI: criterion's estimate of the median time per run and its 95 % \
             confidence interval. parse = `syntax::parse_file` + `resolve` of the whole source; \
             diff = empty schema → the schema; render = the changes as SQL; codegen = the model back \
             to `#[table]` source (`pull`). Dropping a stage's result is not timed (the CLI leaves \
             its models to the process exit).\n\n\
             | tables | source KiB | samples | parse | diff | render | codegen |\n\
             |---:|---:|---:|---:|---:|---:|---:|"
        );
        for s in &results.stages {
            let stages = [&s.parse, &s.diff, &s.render, &s.codegen];
            let mut samples: Vec<String> = stages.iter().map(|e| e.samples.to_string()).collect();
            samples.dedup();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                s.tables,
                s.source_kib,
                samples.join(" / "),
                estimate(&s.parse),
                estimate(&s.diff),
                estimate(&s.render),
                estimate(&s.codegen)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "### Query building\n\n\
         criterion (`cargo bench -p schema-bench --bench queries`): building a typed query over \
         Vitaes' tables and rendering its SQL (`to_sql()`), no server; the values are built in the \
         run, as a caller would (the cases `tests/benches/queries.rs` runs against PostgreSQL, \
         `benchmarks/queries.md`). Median time per query and its 95 % confidence interval.\n\n\
         | query | median (95 % interval) | samples |\n|---|---:|---:|"
    );
    for (_, what, e) in &results.queries {
        let _ = writeln!(out, "| {what} | {} | {} |", estimate(e), e.samples);
    }
    out.push('\n');
}

/// The generated section, markers included.
pub fn render(run: &Run) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{BEGIN}\n");
    let _ = writeln!(
        out,
        "Run started {} UTC, took {:.1} min: `{}`.\n",
        run.started_utc,
        run.duration_s / 60.0,
        run.command
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    for (k, v) in &run.facts {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "### Targets\n\n| target | wanted | measured | |\n|---|---|---|---|"
    );
    for t in targets(run) {
        let verdict = match t.met {
            Some(true) => "**met**",
            Some(false) => "**missed**",
            None => "not measured",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {verdict} |",
            t.what, t.wanted, t.measured
        );
    }
    out.push('\n');

    if let Some(results) = &run.whole {
        whole_tables(&mut out, run, results);
        let _ = writeln!(out, "Commands, run in the project folder of each size:\n");
        let _ = writeln!(out, "| task | schema-cli | drizzle-kit |\n|---|---|---|");
        let ran = tasks_run(results);
        for (task, ours, theirs) in whole::command_lines() {
            if ran.contains(&task) {
                let _ = writeln!(out, "| {} | `{ours}` | `{theirs}` |", task.title());
            }
        }
        out.push('\n');
        if ran.contains(&Task::Push) {
            let _ = writeln!(
                out,
                "The push floor rows, run in the same folder:\n\n| row | command | its SQL |\n|---|---|---|"
            );
            for (tool, command, sql) in whole::floor_command_lines() {
                let row = match tool {
                    Tool::OursSql => "psql, our SQL",
                    _ => "psql, drizzle-kit's SQL",
                };
                let _ = writeln!(out, "| {row} | `{command}` | {sql} |");
            }
            out.push('\n');
        }
    }

    match &run.compile {
        Some(Ok(report)) => {
            let _ = writeln!(
                out,
                "### Compile cost of `#[table]`\n\n`cargo check -p <crate>` after touching the crate's sources, dependencies already built, median of the runs (the variants alternate). Every crate depends on schema-core with the README's Quick start features (`postgres`, `chrono`, `uuid`, `serde_json`), so row decoding is expanded and checked, and on rust_decimal with `db-tokio-postgres`. Re-check: cargo's default, incremental (the proc macro runs again; unchanged items come from the incremental cache). Full: `CARGO_INCREMENTAL=0`, the whole crate checked again. Plain: the same structs and enums with `#[table]`, `#[column]`, `#[pg_enum]` and `#[value]` removed. Expansion as source: the macro's output (from schema-macros' `expand`) written into the crate, so no proc macro runs. The target is read on the re-check ratio.\n"
            );
            let _ = writeln!(
                out,
                "| crate | tables | enums | runs | re-check: plain | re-check: `#[table]` | ratio | full: plain | full: `#[table]` | ratio | full: expansion as source |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            );
            for p in &report.checks {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {:.2}× | {} | {} | {:.2}× | {} |",
                    p.name,
                    p.tables,
                    p.enums,
                    p.runs,
                    time(p.plain),
                    time(p.with_macro),
                    p.with_macro / p.plain,
                    time(p.plain_full),
                    time(p.with_macro_full),
                    p.with_macro_full / p.plain_full,
                    time(p.expanded_full),
                );
            }
            let _ = writeln!(out, "\nCPU time (user + system, cargo and rustc) of the same runs, steadier than wall time on a busy machine:\n\n| crate | re-check: plain | re-check: `#[table]` | ratio | full: plain | full: `#[table]` | ratio | full: expansion as source |\n|---|---:|---:|---:|---:|---:|---:|---:|");
            for p in &report.checks {
                let [a, b, c, d, e] = p.cpu;
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {:.2}× | {} | {} | {:.2}× | {} |",
                    p.name,
                    time(a),
                    time(b),
                    b / a,
                    time(c),
                    time(d),
                    d / c,
                    time(e)
                );
            }
            if !report.parts.is_empty() {
                let _ = writeln!(
                    out,
                    "\nWhat each part of the 200-table expansion costs: the expansion written as source, parts added back one at a time, `CARGO_INCREMENTAL=0 cargo check`, CPU time, median:\n\n| expansion kept | CPU | step |\n|---|---:|---:|"
                );
                let mut previous: Option<f64> = None;
                for (label, cpu) in &report.parts {
                    let step = previous.map_or(String::new(), |p| format!("{:+.2} s", cpu - p));
                    let _ = writeln!(out, "| {label} | {} | {step} |", time(*cpu));
                    previous = Some(*cpu);
                }
            }
            if let Some(f) = &report.floor {
                let _ = writeln!(
                    out,
                    "\nThe least any expansion with typed column accessors can cost: the 200 synthetic structs with only their accessors (`impl T {{ pub const id: Column<T, i64> … }}`) and the enums' `PgEnum` impls, written as source (no proc macro runs; no `impl Table`, inserts or checks), re-checked like the crates above, alternating with the plain crate, median of {} runs:\n\n| crate | re-check wall | ratio | re-check CPU | ratio |\n|---|---:|---:|---:|---:|\n| synthetic, plain | {} | 1.00× | {} | 1.00× |\n| synthetic, structs with accessors only, as source | {} | {:.2}× | {} | {:.2}× |",
                    f.runs,
                    time(f.wall[0]),
                    time(f.cpu[0]),
                    time(f.wall[1]),
                    f.wall[1] / f.wall[0],
                    time(f.cpu[1]),
                    f.cpu[1] / f.cpu[0],
                );
            }
            let _ = writeln!(
                out,
                "\nExpanded code (each item expanded with schema-macros' `expand`, printed with prettyplease, non-blank lines):\n\n| crate | tables | struct lines per table | expanded lines per table (struct included) | generated lines per table | enums | expanded lines per enum |\n|---|---:|---:|---:|---:|---:|---:|"
            );
            for e in &report.expansions {
                let per = |lines: usize, n: usize| lines as f64 / n.max(1) as f64;
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.1} | {:.1} | {:.1} | {} | {:.1} |",
                    e.name,
                    e.tables,
                    per(e.struct_lines, e.tables),
                    per(e.expanded_lines, e.tables),
                    per(e.expanded_lines - e.struct_lines, e.tables),
                    e.enums,
                    per(e.enum_expanded_lines, e.enums)
                );
            }
            out.push('\n');
        }
        Some(Err(e)) => {
            let _ = writeln!(out, "### Compile cost of `#[table]`\n\nFailed: {e}\n");
        }
        None => {}
    }

    match &run.micro {
        Some(Ok(results)) => in_process_tables(&mut out, results),
        Some(Err(e)) => {
            let _ = writeln!(out, "### In process\n\nFailed: {e}\n");
        }
        None => {}
    }
    let _ = writeln!(out, "{END}");
    out
}

/// `document` with the section between the markers replaced (appended when
/// there are none).
pub fn splice(document: &str, section: &str) -> String {
    match (document.find(BEGIN), document.find(END)) {
        (Some(begin), Some(end)) if end > begin => {
            let after = &document[end + END.len()..];
            let after = after.strip_prefix('\n').unwrap_or(after);
            format!("{}{section}{after}", &document[..begin])
        }
        _ => {
            let mut out = document.to_owned();
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(section);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::micro::Stages;

    fn measured(median: f64, server_s: Option<f64>) -> CellResult {
        CellResult::Measured {
            median,
            min: median,
            max: median,
            runs: 5,
            warmed: true,
            rss_kib: Some(1024.0),
            server_s,
        }
    }

    #[test]
    fn the_push_target_shows_the_servers_floor() {
        let mut results = Results::default();
        for (tool, median, server) in [
            (Tool::Ours, 3.0, 2.5),
            (Tool::OursSql, 2.9, 2.6),
            (Tool::Drizzle, 5.0, 3.0),
            (Tool::DrizzleSql, 3.5, 3.1),
        ] {
            results
                .cells
                .insert((tool, Task::Push, 1000), measured(median, Some(server)));
        }
        results.statements.insert((Tool::OursSql, 1000), 2806);
        results.statements.insert((Tool::DrizzleSql, 1000), 4304);
        let run = Run {
            started_utc: String::new(),
            duration_s: 0.0,
            command: String::new(),
            facts: Vec::new(),
            cap_s: 300,
            both: vec![1000],
            ours_only: Vec::new(),
            whole: Some(results),
            micro: None,
            compile: None,
        };
        let text = render(&run);
        assert!(text.contains(
            "| `push` 1,000 tables to an empty database, time vs drizzle-kit | ≤ 1/5 | 0.60 (1/1.7); \
             the server's floor, psql running our SQL: 0.58 (1/1.7), drizzle-kit's SQL: 0.70 (1/1.4) | **missed** |"
        ));
        assert!(text.contains(
            "| 1000 | 2806 / 4304 | 3.00 s ×5 | 2.90 s ×5 | 5.00 s ×5 | 3.50 s ×5 | 1.00 s | 0.58 (1/1.7) |"
        ));
        assert!(text
            .contains("| 1000 | 2.50 s (83 %) | 2.60 s (90 %) | 3.00 s (60 %) | 3.10 s (89 %) |"));
        // Only the tasks that ran get a table.
        assert!(!text.contains("#### `pull`"));
    }

    #[test]
    fn criterion_estimates_keep_the_medians_unit() {
        let e = |median: f64, lower: f64, upper: f64| Estimate {
            median,
            lower,
            upper,
            samples: 10,
        };
        let stage = Stages {
            tables: 1000,
            source_kib: 924,
            parse: e(0.0334, 0.0331, 0.0338),
            diff: e(0.00182, 0.0018, 0.00185),
            render: e(0.0014, 0.0014, 0.0015),
            codegen: e(1.47, 1.45, 1.5),
        };
        let run = Run {
            started_utc: String::new(),
            duration_s: 0.0,
            command: String::new(),
            facts: Vec::new(),
            cap_s: 300,
            both: Vec::new(),
            ours_only: Vec::new(),
            whole: None,
            micro: Some(Ok(micro::Results {
                stages: vec![stage],
                queries: vec![(
                    TYPICAL_QUERY,
                    "a typical select",
                    e(3.12e-7, 3.09e-7, 3.16e-7),
                )],
            })),
            compile: None,
        };
        let text = render(&run);
        assert!(text.contains(
            "| 1000 | 924 | 10 | 33.4 ms (33.1–33.8) | 1.82 ms (1.80–1.85) | 1.40 ms (1.40–1.50) | 1.47 s (1.45–1.50) |"
        ));
        assert!(text.contains("| a typical select | 312 ns (309–316) | 10 |"));
        assert!(text.contains("| ≤ 1 µs | 312 ns (309–316) | **met** |"));
    }

    #[test]
    fn splicing_keeps_the_text_around_the_markers() {
        let doc = format!("# Title\n\nintro\n\n{BEGIN}\nold\n{END}\n\n## Reading\n");
        let new = format!("{BEGIN}\nnew\n{END}\n");
        assert_eq!(
            splice(&doc, &new),
            format!("# Title\n\nintro\n\n{BEGIN}\nnew\n{END}\n\n## Reading\n")
        );
        assert_eq!(splice("# T\n", &new), format!("# T\n\n{new}"));
    }
}

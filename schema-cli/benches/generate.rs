//! Benchmark (not a timed test): `schema-cli generate` on synthetic schemas
//! of 100, 1,000 and 10,000 tables (the introspection benchmark's generated
//! schema, rendered as `#[table]` source). Times the whole process through
//! the built binary — from nothing (every table created) and with nothing
//! changed (the snapshot present) — and, in process, parsing, diffing and
//! rendering. Results go to `benchmarks/generate.md`. Target: 1,000 tables
//! well under 100 ms, cost growing linearly with size.
//!
//! Run: `cargo bench -p schema-cli --bench generate`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use schema_bench::synthetic as wide_schema;
use schema_core::diff::{self, Hints};
use schema_core::model::Schema;
use schema_core::sql::changes;
use schema_core::syntax;

const SIZES: [usize; 3] = [100, 1_000, 10_000];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn runs(size: usize) -> usize {
    if size >= 10_000 {
        3
    } else {
        9
    }
}

fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    let started = Instant::now();
    std::hint::black_box(f());
    started.elapsed()
}

fn generate(project: &Path) -> Duration {
    time(|| {
        let output = Command::new(env!("CARGO_BIN_EXE_schema-cli"))
            .arg("generate")
            .current_dir(project)
            .output()
            .expect("run schema-cli");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    })
}

fn main() {
    let mut report = String::from(
        "# `schema-cli generate` on synthetic schemas\n\nWritten by `cargo bench -p schema-cli --bench generate` (schema-cli/benches/generate.rs). Target: 1,000 tables well under 100 ms, growing linearly.\n\n",
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(report, "Machine: {cores} cores, release build. Medians of 9 runs (3 for 10,000 tables). The schema: tables with identity/bigserial keys, foreign key chains (some across two namespaces), enums, numeric, jsonb, array and timestamp columns with defaults, checks, uniques, btree/expression/partial/gin indexes.\n");
    report.push_str("| tables | source KiB | parse ms | diff ms | render ms | `generate`, from nothing, ms | `generate`, nothing changed, ms | per table (nothing changed) µs |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for size in SIZES {
        let schema = wide_schema::wide_schema(size);
        let source = syntax::render_schema(&schema, "Synthetic benchmark schema.");
        let project = std::env::temp_dir().join(format!(
            "schema-cli-generate-bench-{}-{size}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&project);
        std::fs::create_dir_all(&project).expect("project dir");
        std::fs::write(project.join("schema.toml"), "schema = \"schema.rs\"\n")
            .expect("schema.toml");
        std::fs::write(project.join("schema.rs"), &source).expect("schema.rs");

        let n = runs(size);
        let parse = median(
            (0..n)
                .map(|_| {
                    time(|| {
                        let parsed = syntax::parse_file(&source).expect("parses");
                        syntax::resolve_owned(vec![parsed]).expect("resolves")
                    })
                })
                .collect(),
        );
        let parsed =
            syntax::resolve(&[syntax::parse_file(&source).expect("parses")]).expect("resolves");
        let empty = Schema::default();
        let diff_time = median(
            (0..n)
                .map(|_| time(|| diff::diff(&empty, &parsed, &Hints::default())))
                .collect(),
        );
        let plan = diff::diff(&empty, &parsed, &Hints::default());
        let render = median(
            (0..n)
                .map(|_| time(|| changes::render_script(&plan.changes)))
                .collect(),
        );

        let mut from_nothing = Vec::new();
        for _ in 0..n {
            let _ = std::fs::remove_dir_all(project.join("migrations"));
            from_nothing.push(generate(&project));
        }
        let unchanged = median((0..n).map(|_| generate(&project)).collect());
        let from_nothing = median(from_nothing);
        let _ = writeln!(
            report,
            "| {size} | {} | {} | {} | {} | {} | {} | {:.0} |",
            source.len() / 1024,
            ms(parse),
            ms(diff_time),
            ms(render),
            ms(from_nothing),
            ms(unchanged),
            unchanged.as_secs_f64() * 1e6 / size as f64
        );
        eprintln!("{size} tables done");
        let _ = std::fs::remove_dir_all(&project);
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benchmarks/generate.md");
    std::fs::write(&out, &report).expect("write benchmarks/generate.md");
    print!("{report}");
}

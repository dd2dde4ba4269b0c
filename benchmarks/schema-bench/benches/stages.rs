//! Criterion benchmarks of the stages `generate` and `pull` chain, on the
//! synthetic schema (`schema_bench::synthetic`) of 1,000 and 10,000 tables
//! (`SCHEMA_BENCH_TABLES=1000,10000`, the runner's `--micro-sizes`):
//!
//! - parse: `syntax::parse_file` + `resolve` of the whole `#[table]` source;
//! - diff: the empty schema → the schema;
//! - render: the changes as one SQL script;
//! - codegen: the model back to `#[table]` source (what `pull` writes).
//!
//! One group per stage, one benchmark per size (`criterion/parse/1000/…`).
//! A stage's result is dropped outside the timing: the CLI leaves its models
//! to the process exit. mimalloc is the allocator, as in the CLI.
//!
//! `cargo bench -p schema-bench --bench stages`; `scripts/bench.sh` runs it
//! and writes criterion's estimates into BENCHMARKS.md.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use schema_bench::in_process::{self, STAGES};
use schema_core::diff::{self, Diff, Hints};
use schema_core::model::Schema;
use schema_core::sql::changes;
use schema_core::syntax;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One size's input to every stage, each stage's input made by the stage
/// before it.
struct Input {
    tables: usize,
    source: String,
    parsed: Schema,
    plan: Diff,
}

fn parse(source: &str) -> Schema {
    let parsed = syntax::parse_file(source).expect("the synthetic source parses");
    syntax::resolve(&[parsed]).expect("the synthetic source resolves")
}

fn diff_from_empty(schema: &Schema) -> Diff {
    diff::diff(&Schema::default(), schema, &Hints::default())
}

impl Input {
    fn new(tables: usize) -> Self {
        let model = schema_bench::synthetic::wide_schema(tables);
        let source = syntax::render_schema(&model, "Synthetic benchmark schema.");
        let parsed = parse(&source);
        assert!(
            parsed.equivalent(&model),
            "{tables} tables: the parsed source differs from the model"
        );
        let plan = diff_from_empty(&parsed);
        Input {
            tables,
            source,
            parsed,
            plan,
        }
    }
}

/// Fewer, longer samples for the large schema (a 10,000-table codegen takes
/// over a second), so the whole benchmark stays a few minutes.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, tables: usize) {
    group.sampling_mode(SamplingMode::Flat);
    if tables >= 10_000 {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5));
    } else {
        group
            .sample_size(30)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
    }
}

/// One stage's group: `run` timed on each size's input. The parse group
/// also reports throughput in bytes of source, which the runner reads back
/// as the source's size.
fn stage<T>(
    c: &mut Criterion,
    name: &str,
    inputs: &[Input],
    per_source_byte: bool,
    run: impl Fn(&Input) -> T,
) {
    let mut group = c.benchmark_group(name);
    for input in inputs {
        configure(&mut group, input.tables);
        if per_source_byte {
            group.throughput(Throughput::Bytes(input.source.len() as u64));
        }
        group.bench_function(BenchmarkId::from_parameter(input.tables), |b| {
            b.iter_with_large_drop(|| run(input));
        });
    }
    group.finish();
}

fn stages(c: &mut Criterion) {
    let sizes = in_process::tables().expect("the sizes to measure");
    let inputs: Vec<Input> = sizes.into_iter().map(Input::new).collect();
    let [parse_stage, diff_stage, render_stage, codegen_stage] = STAGES;
    stage(c, parse_stage, &inputs, true, |i| parse(&i.source));
    stage(c, diff_stage, &inputs, false, |i| {
        diff_from_empty(&i.parsed)
    });
    stage(c, render_stage, &inputs, false, |i| {
        changes::render_script(&i.plan.changes)
    });
    stage(c, codegen_stage, &inputs, false, |i| {
        syntax::render_schema(&i.parsed, "Pulled.")
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);

//! In-process timings of the stages `generate` chains: parsing the
//! `#[table]` source into the model (`syntax::parse_file` + `resolve`),
//! diffing it against an empty schema, and rendering the changes as SQL;
//! and, for `pull`, rendering the model back to Rust source. Median of a
//! few runs after one warm-up, wall-clock, in this process (mimalloc, as in
//! the CLI).

use std::time::Instant;

use schema_core::diff::{self, Hints};
use schema_core::model::Schema;
use schema_core::sql::changes;
use schema_core::syntax;

use crate::measure::median;

/// One size's stage timings, seconds.
#[derive(Clone, Debug)]
pub struct Stages {
    pub tables: usize,
    pub source_kib: usize,
    pub runs: usize,
    pub parse: f64,
    pub diff: f64,
    pub render: f64,
    pub codegen: f64,
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    std::hint::black_box(f());
    let samples: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(f());
            started.elapsed().as_secs_f64()
        })
        .collect();
    median(&samples).unwrap_or(f64::NAN)
}

/// Measures every stage for each size.
pub fn run(sizes: &[usize]) -> Result<Vec<Stages>, String> {
    let mut out = Vec::new();
    for &tables in sizes {
        let runs = if tables >= 10_000 { 5 } else { 11 };
        let model = schema_bench::synthetic::wide_schema(tables);
        let source = syntax::render_schema(&model, "Synthetic benchmark schema.");
        let parse_once = || -> Result<Schema, String> {
            let parsed = syntax::parse_file(&source).map_err(|e| format!("{e:?}"))?;
            syntax::resolve(&[parsed]).map_err(|e| format!("{e:?}"))
        };
        let parsed = parse_once()?;
        if !parsed.equivalent(&model) {
            return Err(format!(
                "{tables} tables: the parsed source differs from the model"
            ));
        }
        let parse = time(runs, parse_once);
        let empty = Schema::default();
        let diff_time = time(runs, || diff::diff(&empty, &parsed, &Hints::default()));
        let plan = diff::diff(&empty, &parsed, &Hints::default());
        let render = time(runs, || changes::render_script(&plan.changes));
        let codegen = time(runs, || syntax::render_schema(&parsed, "Pulled."));
        eprintln!("in process: {tables} tables done");
        out.push(Stages {
            tables,
            source_kib: source.len() / 1024,
            runs,
            parse,
            diff: diff_time,
            render,
            codegen,
        });
    }
    Ok(out)
}

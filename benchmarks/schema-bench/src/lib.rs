//! The benchmark suite's library: [`synthetic`], the one generator of
//! synthetic schemas (used by every benchmark and the introspection tests),
//! [`drizzle`], the same schema as Drizzle TypeScript, and [`in_process`],
//! the names the criterion benchmarks (`benches/`) and the runner share.
//! The runner is `src/main.rs` (run it through `scripts/bench.sh`).

pub mod drizzle;
pub mod in_process;
pub mod synthetic;

//! The benchmark suite's library: [`synthetic`], the one generator of
//! synthetic schemas (used by every benchmark and the introspection tests),
//! and [`drizzle`], the same schema as Drizzle TypeScript. The runner is
//! `src/main.rs` (run it through `scripts/bench.sh`).

pub mod drizzle;
pub mod synthetic;

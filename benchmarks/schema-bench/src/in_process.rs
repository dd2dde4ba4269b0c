//! What the criterion benchmarks (`benches/stages.rs`, `benches/queries.rs`)
//! and the runner reading their results agree on: the environment variable
//! choosing the schema sizes, and the group and benchmark names criterion
//! files each result under (`<criterion home>/<group>/<id>/new/`).

/// The sizes (tables, comma-separated) `benches/stages.rs` measures; the
/// runner's `--micro-sizes` sets it.
pub const TABLES_VAR: &str = "SCHEMA_BENCH_TABLES";

/// The sizes measured when [`TABLES_VAR`] is not set.
pub const DEFAULT_TABLES: [usize; 2] = [1000, 10_000];

/// The stage groups of `benches/stages.rs`, in the order `generate` and
/// `pull` run them; each benchmark's id is its number of tables.
pub const STAGES: [&str; 4] = ["parse", "diff", "render", "codegen"];

/// The group of `benches/queries.rs`.
pub const QUERY_GROUP: &str = "query";

/// The benchmarks of [`QUERY_GROUP`]: id, and what it builds.
pub const QUERIES: [(&str, &str); 5] = [
    (
        "typical_select",
        "a typical select: `filter(user_email = $1) order by created_at desc limit $2`",
    ),
    ("select_by_key", "select by primary key"),
    (
        "left_join",
        "a user with their sessions: left join, filter by key",
    ),
    ("insert_returning", "insert returning"),
    ("update_views", "update `views + 1`, `updated_at` by key"),
];

/// The sizes in [`TABLES_VAR`], or [`DEFAULT_TABLES`] when it is not set.
pub fn tables() -> Result<Vec<usize>, String> {
    let Ok(text) = std::env::var(TABLES_VAR) else {
        return Ok(DEFAULT_TABLES.to_vec());
    };
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.replace('_', "")
                .parse()
                .map_err(|_| format!("{TABLES_VAR}: not a number of tables: {s}"))
        })
        .collect()
}

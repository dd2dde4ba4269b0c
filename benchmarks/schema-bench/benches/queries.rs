//! Criterion benchmarks of query building: a typed query over the Vitaes
//! tables built and its SQL rendered (`to_sql()`), no server involved. The
//! cases are the ones `tests/benches/queries.rs` runs against PostgreSQL
//! (which also times them with its own loop, next to its throughput
//! comparison with hand-written tokio-postgres), written the same way —
//! each builds its values, as a caller would — plus the seed's left join.
//! The system allocator, as an application using the builder would have.
//!
//! `cargo bench -p schema-bench --bench queries`; `scripts/bench.sh` runs it
//! and writes criterion's estimates into BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDateTime;
use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use example_vitaes::schema::app::{NewResume, Resume};
use example_vitaes::schema::auth::{Session, User};
use schema_bench::in_process::{QUERIES, QUERY_GROUP};
use schema_core::Table;

fn new_resume(id: String) -> NewResume {
    NewResume {
        name: format!("Resume {id}"),
        user_email: "new@example.com".into(),
        data: None,
        slug: format!("slug-{id}"),
        thumbnail_url: None,
        id,
    }
}

/// Times `build(i)` for a new `i` each run (ids and limits vary, as they
/// would between requests).
fn each_run(b: &mut Bencher<'_>, mut build: impl FnMut(u32)) {
    let mut i = 0_u32;
    b.iter(|| {
        i = i.wrapping_add(1);
        build(black_box(i));
    });
}

fn queries(c: &mut Criterion) {
    let now = NaiveDateTime::default();
    let mut group = c.benchmark_group(QUERY_GROUP);
    group
        .sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (id, _) in QUERIES {
        group.bench_function(id, |b| match id {
            "typical_select" => each_run(b, |i| {
                let query = Resume::select()
                    .filter(Resume::user_email.eq("ada@example.com"))
                    .order_by(Resume::created_at.desc())
                    .limit(i64::from(i % 100));
                black_box(black_box(&query).to_sql());
            }),
            "select_by_key" => each_run(b, |i| {
                let query = Resume::select().filter(Resume::id.eq(format!("r{:05}", i % 1000)));
                black_box(black_box(&query).to_sql());
            }),
            "left_join" => each_run(b, |i| {
                let query = User::select()
                    .left_join::<Session>(Session::user_id.eq(User::id))
                    .filter(User::id.eq(format!("u{:05}", i % 1000)));
                black_box(black_box(&query).to_sql());
            }),
            "insert_returning" => each_run(b, |i| {
                let query = Resume::insert(new_resume(format!("b{i}"))).returning();
                black_box(black_box(&query).to_sql());
            }),
            "update_views" => each_run(b, |i| {
                let query = Resume::update()
                    .set(Resume::views, Resume::views + 1)
                    .set(Resume::updated_at, now)
                    .filter(Resume::id.eq(format!("r{:05}", i % 1000)));
                black_box(black_box(&query).to_sql());
            }),
            other => panic!("no query case {other}"),
        });
    }
    group.finish();
}

criterion_group!(benches, queries);
criterion_main!(benches);

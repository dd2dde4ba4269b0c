//! Benchmark (not a timed test): typed queries against hand-written
//! tokio-postgres code doing the same work on the same connection.
//!
//! Connects to `$DATABASE_URL`, creates a fresh database with the Vitaes
//! schema and 1,000 resumes, then, for each workload (select by primary
//! key, select 100 rows, insert returning, update `views + 1`), runs
//! `ROUNDS` rounds of `BATCH` pairs of sequential queries, one through the
//! builder (`CachedClient`) and one hand-written (statements prepared once
//! up front, rows decoded by position), alternating on the one connection
//! so both sides see the same load. Each side's throughput is the median
//! of its rounds; the ratio is the median of the rounds' builder ÷
//! hand-written ratios. A fifth workload runs the select by primary key
//! `.prepare()`d. It also times building a typical query's SQL
//! (`to_sql()`, no server) and each workload's client-side build cost.
//! Results go to `benchmarks/queries.md`.
//!
//! Run the benchmark pinned to one core, the server on the other:
//! `cargo bench -p schema-tests --bench queries --no-run`, then
//! `DATABASE_URL=postgres://… taskset -c 0 target/release/deps/queries-…`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use example_vitaes::schema::app::{NewResume, Resume};
use schema_core::query::{placeholder, CachedClient};
use schema_core::sql::ddl;
use schema_core::Table;
use schema_tests::pg;
use tokio_postgres::{Client, Row, Statement};

const ROWS: usize = 1000;
const BATCH: usize = 200;
const ROUNDS: usize = 25;
const BUILD_ITERATIONS: u32 = 200_000;

const COLUMNS: &str = "id, name, user_email, data, created_at, updated_at, is_public, slug, \
                       views, downloads, thumbnail_url";

/// Hand-written decoding, by position.
fn decode(row: &Row) -> Resume {
    Resume {
        id: row.get(0),
        name: row.get(1),
        user_email: row.get(2),
        data: row.get(3),
        created_at: row.get(4),
        updated_at: row.get(5),
        is_public: row.get(6),
        slug: row.get(7),
        views: row.get(8),
        downloads: row.get(9),
        thumbnail_url: row.get(10),
    }
}

fn email(i: usize) -> String {
    format!("user{}@example.com", i % 10)
}

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

struct Hand {
    by_id: Statement,
    by_email: Statement,
    insert: Statement,
    update: Statement,
}

/// Queries per second of each side over `BATCH` pairs of runs: a
/// builder query and a hand-written one alternate (which goes first
/// alternates too), so both see the same load on a shared machine.
async fn pair<B, H>(mut builder: B, mut hand: H) -> (f64, f64)
where
    B: AsyncFnMut(usize),
    H: AsyncFnMut(usize),
{
    let (mut b, mut h) = (Duration::ZERO, Duration::ZERO);
    for i in 0..BATCH {
        if i % 2 == 0 {
            let started = Instant::now();
            builder(i).await;
            let middle = Instant::now();
            hand(i).await;
            b += middle - started;
            h += middle.elapsed();
        } else {
            let started = Instant::now();
            hand(i).await;
            let middle = Instant::now();
            builder(i).await;
            h += middle - started;
            b += middle.elapsed();
        }
    }
    (
        BATCH as f64 / b.as_secs_f64(),
        BATCH as f64 / h.as_secs_f64(),
    )
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

struct Result {
    name: &'static str,
    builder: f64,
    hand: f64,
    /// The median of the rounds' builder ÷ hand-written ratios (each
    /// round's two sides ran under the same load).
    ratio: f64,
    /// Each side's best round, divided: the least disturbed by other load.
    best_ratio: f64,
}

fn main() {
    pg::block_on(async {
        let db = pg::fresh_database().await;
        db.client()
            .batch_execute(&ddl::create_schema_script(&example_vitaes::schema()))
            .await
            .expect("schema");
        let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        let db_client = CachedClient::new(client);
        let client: &Client = &db_client;

        Resume::insert_many((0..ROWS).map(|i| NewResume {
            user_email: email(i),
            ..new_resume(format!("r{i:05}"))
        }))
        .execute(&db_client)
        .await
        .expect("rows");
        client
            .batch_execute("ANALYZE resume")
            .await
            .expect("analyze");

        let hand = Hand {
            by_id: client
                .prepare(&format!("SELECT {COLUMNS} FROM resume WHERE id = $1"))
                .await
                .expect("prepare"),
            by_email: client
                .prepare(&format!(
                    "SELECT {COLUMNS} FROM resume WHERE user_email = $1 ORDER BY id LIMIT $2"
                ))
                .await
                .expect("prepare"),
            insert: client
                .prepare(&format!(
                    "INSERT INTO resume (id, name, user_email, data, slug, thumbnail_url) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
                ))
                .await
                .expect("prepare"),
            update: client
                .prepare("UPDATE resume SET views = views + $1, updated_at = $2 WHERE id = $3")
                .await
                .expect("prepare"),
        };
        let now: NaiveDateTime = chrono::Utc::now().naive_utc();
        let db = &db_client;
        let hand = &hand;
        let mut inserted = 0_usize;
        let mut results = Vec::new();

        let id = placeholder::<String>("id");
        let by_id = Resume::select().filter(Resume::id.eq(id)).prepare();
        let by_id = &by_id;
        for name in [
            "select by primary key",
            "select by primary key, `.prepare()`d",
            "select 100 rows",
            "insert returning",
            "update views + 1",
        ] {
            let (mut builder, mut handwritten) = (Vec::new(), Vec::new());
            for round in 0..ROUNDS + 1 {
                // Round 0 warms up both sides (and prepares the builder's
                // statements); it is not counted.
                let (b, h) = match name {
                    "select by primary key" => {
                        pair(
                            async |i| {
                                let id = format!("r{:05}", i % ROWS);
                                let row = Resume::select()
                                    .filter(Resume::id.eq(id))
                                    .fetch_one(db)
                                    .await
                                    .expect("by id");
                                black_box(row);
                            },
                            async |i| {
                                let id = format!("r{:05}", i % ROWS);
                                let rows = client.query(&hand.by_id, &[&id]).await.expect("by id");
                                assert_eq!(rows.len(), 1);
                                black_box(decode(&rows[0]));
                            },
                        )
                        .await
                    }
                    "select by primary key, `.prepare()`d" => {
                        pair(
                            async |i| {
                                let wanted = format!("r{:05}", i % ROWS);
                                let row = by_id
                                    .fetch_one(db, &[id.bind(wanted)])
                                    .await
                                    .expect("by id");
                                black_box(row);
                            },
                            async |i| {
                                let id = format!("r{:05}", i % ROWS);
                                let rows = client.query(&hand.by_id, &[&id]).await.expect("by id");
                                assert_eq!(rows.len(), 1);
                                black_box(decode(&rows[0]));
                            },
                        )
                        .await
                    }
                    "select 100 rows" => {
                        pair(
                            async |i| {
                                let rows = Resume::select()
                                    .filter(Resume::user_email.eq(email(i)))
                                    .order_by(Resume::id)
                                    .limit(100)
                                    .fetch_all(db)
                                    .await
                                    .expect("100 rows");
                                assert_eq!(rows.len(), 100);
                                black_box(rows);
                            },
                            async |i| {
                                let rows = client
                                    .query(&hand.by_email, &[&email(i), &100_i64])
                                    .await
                                    .expect("100 rows");
                                let rows: Vec<Resume> = rows.iter().map(decode).collect();
                                assert_eq!(rows.len(), 100);
                                black_box(rows);
                            },
                        )
                        .await
                    }
                    "insert returning" => {
                        let start = inserted;
                        inserted += BATCH;
                        pair(
                            async |i| {
                                let row = Resume::insert(new_resume(format!("b{}", start + i)))
                                    .returning()
                                    .fetch_one(db)
                                    .await
                                    .expect("insert");
                                black_box(row);
                            },
                            async |i| {
                                let r = new_resume(format!("h{}", start + i));
                                let rows = client
                                    .query(
                                        &hand.insert,
                                        &[
                                            &r.id,
                                            &r.name,
                                            &r.user_email,
                                            &r.data,
                                            &r.slug,
                                            &r.thumbnail_url,
                                        ],
                                    )
                                    .await
                                    .expect("insert");
                                assert_eq!(rows.len(), 1);
                                black_box(decode(&rows[0]));
                            },
                        )
                        .await
                    }
                    _ => {
                        pair(
                            async |i| {
                                let n = Resume::update()
                                    .set(Resume::views, Resume::views + 1)
                                    .set(Resume::updated_at, now)
                                    .filter(Resume::id.eq(format!("r{:05}", i % ROWS)))
                                    .execute(db)
                                    .await
                                    .expect("update");
                                assert_eq!(n, 1);
                            },
                            async |i| {
                                let id = format!("r{:05}", (i + 500) % ROWS);
                                let n = client
                                    .execute(&hand.update, &[&1_i32, &now, &id])
                                    .await
                                    .expect("update");
                                assert_eq!(n, 1);
                            },
                        )
                        .await
                    }
                };
                if round > 0 {
                    builder.push(b);
                    handwritten.push(h);
                }
            }
            let mut ratios: Vec<f64> = builder
                .iter()
                .zip(&handwritten)
                .map(|(b, h)| b / h)
                .collect();
            let best = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
            let best_ratio = best(&builder) / best(&handwritten);
            let result = Result {
                name,
                builder: median(&mut builder),
                hand: median(&mut handwritten),
                ratio: median(&mut ratios),
                best_ratio,
            };
            eprintln!(
                "{name}: builder {:.0}/s, hand-written {:.0}/s, ratio {:.3}, best rounds {:.3}",
                result.builder, result.hand, result.ratio, result.best_ratio
            );
            results.push(result);
        }

        // Building a typical query's SQL: no server involved.
        let mut build_times = Vec::new();
        for _ in 0..7 {
            let started = Instant::now();
            for i in 0..BUILD_ITERATIONS {
                let query = Resume::select()
                    .filter(Resume::user_email.eq("ada@example.com"))
                    .order_by(Resume::created_at.desc())
                    .limit(i64::from(i % 100));
                black_box(black_box(&query).to_sql());
            }
            build_times.push(started.elapsed() / BUILD_ITERATIONS);
        }
        build_times.sort();
        let build = build_times[build_times.len() / 2];
        eprintln!("building a query's SQL: {build:?}");

        // Client-side cost of each workload's builder query: build and
        // render (the server round trip excluded).
        let mut client_side = Vec::new();
        for name in [
            "select by primary key",
            "insert returning",
            "update views + 1",
        ] {
            let started = Instant::now();
            for i in 0..BUILD_ITERATIONS / 10 {
                let i = i as usize;
                match name {
                    "select by primary key" => {
                        let q = Resume::select().filter(Resume::id.eq(format!("r{:05}", i % ROWS)));
                        black_box(black_box(&q).to_sql());
                    }
                    "insert returning" => {
                        let q = Resume::insert(new_resume(format!("b{i}"))).returning();
                        black_box(black_box(&q).to_sql());
                    }
                    _ => {
                        let q = Resume::update()
                            .set(Resume::views, Resume::views + 1)
                            .set(Resume::updated_at, now)
                            .filter(Resume::id.eq(format!("r{:05}", i % ROWS)));
                        black_box(black_box(&q).to_sql());
                    }
                }
            }
            let each = started.elapsed() / (BUILD_ITERATIONS / 10);
            eprintln!("{name}: building and rendering {each:?}");
            client_side.push((name, each));
        }

        write_report(&results, build, &client_side);
    });
}

fn write_report(results: &[Result], build: Duration, client_side: &[(&str, Duration)]) {
    let mut out = String::new();
    let _ = writeln!(out, "# Queries: builder vs hand-written tokio-postgres\n");
    let _ = writeln!(
        out,
        "`cargo bench -p schema-tests --bench queries` (`tests/benches/queries.rs`): the same \
         work on the same connection, {ROUNDS} rounds of {BATCH} pairs of sequential queries, \
         builder and hand-written alternating query by query; the median round's throughput per side, the median of the rounds' ratios, and the ratio of each side's best round. Hand-written code prepares its statements \
         once and decodes rows by position; the builder goes through `CachedClient`. Table: \
         Vitaes `resume`, {ROWS} rows. Target: ratio ≥ 0.97.\n"
    );
    let _ = writeln!(
        out,
        "| workload | builder (queries/s) | hand-written (queries/s) | ratio | best rounds' ratio |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    for r in results {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {:.3} | {:.3} |",
            r.name, r.builder, r.hand, r.ratio, r.best_ratio
        );
    }
    let _ = writeln!(
        out,
        "\nBuilding a typical query's SQL (`select … filter(user_email = $1) order by created_at \
         desc limit $2`, `to_sql()`): {} ns (target ≤ 1,000 ns).\n",
        build.as_nanos()
    );
    let _ = writeln!(
        out,
        "Client-side cost of the builder's query per workload (build the query, render its SQL; \
         no server):\n"
    );
    for (name, each) in client_side {
        let _ = writeln!(out, "- {name}: {} ns", each.as_nanos());
    }
    let _ = writeln!(
        out,
        "\nWhere the builder's time goes: per call it builds the query, renders its SQL (above) \
         and looks the prepared statement up by that text in the connection's cache (FxHash of \
         the text, one mutex); the rest of the path (bind, execute, decode by position) is \
         tokio-postgres's, as in the hand-written code. On a ~15 µs round trip a 3 % budget is \
         ~0.45 µs: the select by primary key's client-side cost is about a third of it. A \
         `.prepare()`d query renders its text once and only collects its values per run.\n\n\
         Changes made from this benchmark: identifiers copied whole unless they hold a quote, \
         `$n` written without the formatter, the text buffer sized up front, FxHash instead of \
         SipHash for the statement cache (select by primary key: rendering 659 → 435 ns, ratio \
         0.93 → 0.945), then each table's whole-row column list rendered once per program \
         (rendering 435 → 157 ns).\n\n\
         The machine this ran on is shared (2 cores, other engineers' builds and tests \
         running; load average 4–7): the same binary gave a select-by-primary-key ratio of \
         0.89, 0.95, 0.98 and 1.15 in consecutive runs, swings larger than the effect measured, \
         although the two sides alternate query by query. The deterministic numbers are the \
         client-side costs above; confirm the ratios on a quiet machine."
    );
    let _ = writeln!(out, "\nMachine: {}.", machine());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benchmarks/queries.md");
    std::fs::write(&path, out).expect("writing benchmarks/queries.md");
    eprintln!("wrote {}", path.display());
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores available to the benchmark, release build")
}

//! Diff fixtures: each folder of `tests/fixtures/diff/` holds `before.rs`
//! and `after.rs` (schema source, read by the same parser as the CLI), and
//! optionally `data.sql` (rows inserted into `before`) and `verify.sql` (a
//! query over the migrated data whose every row must be `true`).
//!
//! For each case: `up.sql` = diff(before → after) and `down.sql` =
//! diff(after → before, renames reversed) are insta snapshots in the case's
//! folder (`up.snap`, `down.snap`); then, on a fresh database, `before` is
//! created and filled, `up` applied (in one transaction unless the script
//! says otherwise, else statement by statement), and
//! - the catalog must equal `after`'s model (columns in any order: a
//!   migration appends columns) and `verify.sql` hold;
//! - every object of the database (see `describe`) must equal what creating
//!   `after` on an empty database gives: names of keys, indexes and
//!   sequences, sequence options, defaults, leftover types — "the result
//!   equals a fresh create";
//! - `down` applied, the catalog must equal `before`'s model and the
//!   database what `before` was when first created.
//!
//! A diff of a schema with itself must be empty. A case with an
//! `expect_candidates.txt` is a rename look-alike: the diff must report
//! exactly those candidates (one per line) and nothing is run.
//!
//! Cases run a few at a time, each on its own thread and databases; every
//! failure is reported, by case. `DIFF_FIXTURE=part_of_a_name` runs only the
//! matching cases; `INSTA_UPDATE=always` writes new snapshots (read each one
//! before keeping it).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use schema_core::diff::{self, Hints};
use schema_core::model::Schema;
use schema_core::sql::{changes, ddl};
use schema_core::syntax;
use schema_tests::pg;

pub(super) mod describe;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diff")
}

fn parse(path: &Path) -> Schema {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = syntax::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    syntax::resolve(&[parsed]).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
}

/// Every case folder, or those whose name contains `DIFF_FIXTURE` when set.
fn cases() -> Vec<PathBuf> {
    let only = std::env::var("DIFF_FIXTURE").unwrap_or_default();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures/diff exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.join("after.rs").is_file())
        .filter(|path| path.to_string_lossy().contains(&only))
        .collect();
    cases.sort();
    cases
}

async fn run_statements(
    client: &tokio_postgres::Client,
    statements: &[changes::Statement],
    transactional: bool,
    what: &str,
) {
    if transactional {
        let script: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
        let script = format!("BEGIN;\n{}\nCOMMIT;", script.join("\n"));
        if let Err(error) = client.batch_execute(&script).await {
            let _ = client.batch_execute("ROLLBACK").await;
            panic!("{what} fails: {error:?}\n{script}");
        }
    } else {
        for statement in statements {
            client
                .batch_execute(&statement.sql)
                .await
                .unwrap_or_else(|e| panic!("{what} fails at {}: {e:?}", statement.sql));
        }
    }
}

fn check_case(dir: &Path) -> Option<(Schema, Schema, diff::Diff, diff::Diff)> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("case")
        .to_owned();
    let before = parse(&dir.join("before.rs"));
    let after = parse(&dir.join("after.rs"));
    // `renamed_schemas.txt`: `old=new` lines, as `renamed_schemas` in schema.toml.
    let hints = Hints {
        schemas: std::fs::read_to_string(dir.join("renamed_schemas.txt"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(from, to)| diff::SchemaRename {
                from: from.trim().to_owned(),
                to: to.trim().to_owned(),
            })
            .collect(),
        ..Hints::default()
    };
    let forward = diff::diff(&before, &after, &hints);

    let expected_candidates = dir.join("expect_candidates.txt");
    if expected_candidates.is_file() {
        let expected = std::fs::read_to_string(&expected_candidates).expect("readable");
        let found: Vec<String> = forward.candidates.iter().map(ToString::to_string).collect();
        let expected: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(found, expected, "{name}: rename candidates");
        return None;
    }
    assert!(
        forward.candidates.is_empty(),
        "{name}: unexpected rename candidates {:?}",
        forward.candidates
    );
    assert!(
        !forward.is_empty(),
        "{name}: before and after do not differ"
    );
    let backward = diff::diff(&after, &before, &forward.reverse_hints());
    assert!(
        backward.candidates.is_empty(),
        "{name}: reverse diff has candidates {:?}",
        backward.candidates
    );
    for schema in [&before, &after] {
        assert!(
            diff::diff(schema, schema, &Hints::default()).is_empty(),
            "{name}: a schema differs from itself"
        );
    }

    insta::with_settings!({
        snapshot_path => dir,
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => name.clone(),
    }, {
        insta::assert_snapshot!("up", changes::render_script(&forward.changes));
        insta::assert_snapshot!("down", changes::render_script(&backward.changes));
    });
    Some((before, after, forward, backward))
}

/// Runs one case against its own databases; panics on the first problem.
/// The two databases a worker reuses from case to case: one migrated, one
/// for fresh creates. Both are emptied before use.
struct Databases {
    migrated: pg::TestDatabase,
    fresh: pg::TestDatabase,
}

/// Drops every user namespace (and so every table, type and sequence) and
/// gives back an empty `public`: as good as a new database for a case, and
/// much cheaper to get.
async fn empty(client: &tokio_postgres::Client) {
    client
        .batch_execute(
            "DO $$ DECLARE n text; BEGIN
               FOR n IN SELECT nspname FROM pg_namespace
                        WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
               LOOP EXECUTE format('DROP SCHEMA %I CASCADE', n); END LOOP;
             END $$;
             CREATE SCHEMA public;",
        )
        .await
        .unwrap_or_else(|e| panic!("emptying a test database: {e:?}"));
}

/// Runs one case; panics on the first problem.
async fn run_case(dir: PathBuf, databases: Arc<Databases>) {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("case")
        .to_owned();
    let Some((before, after, forward, backward)) = check_case(&dir) else {
        return;
    };
    let client = databases.migrated.client();
    empty(client).await;
    client
        .batch_execute(&ddl::create_schema_script(&before))
        .await
        .unwrap_or_else(|e| panic!("{name}: before does not apply: {e:?}"));
    let fresh_before = describe::describe(client).await;
    if let Ok(data) = std::fs::read_to_string(dir.join("data.sql")) {
        client
            .batch_execute(&data)
            .await
            .unwrap_or_else(|e| panic!("{name}: data.sql: {e:?}"));
    }
    let up = changes::render(&forward.changes);
    run_statements(
        client,
        &up,
        forward.is_transactional(),
        &format!("{name}: up"),
    )
    .await;
    super::catalog::assert_catalog_matches_any_column_order(client, &after).await;

    // The migrated database equals `after` created from scratch.
    let migrated = describe::describe(client).await;
    let fresh = databases.fresh.client();
    empty(fresh).await;
    fresh
        .batch_execute(&ddl::create_schema_script(&after))
        .await
        .unwrap_or_else(|e| panic!("{name}: after does not apply: {e:?}"));
    let fresh_after = describe::describe(fresh).await;
    assert!(
        migrated == fresh_after,
        "{name}: up does not give what a fresh create gives\n{}",
        describe::difference(&migrated, &fresh_after)
    );

    if let Ok(verify) = std::fs::read_to_string(dir.join("verify.sql")) {
        let rows = client
            .query(&verify, &[])
            .await
            .unwrap_or_else(|e| panic!("{name}: verify.sql: {e:?}"));
        assert!(!rows.is_empty(), "{name}: verify.sql returned no rows");
        for (i, row) in rows.iter().enumerate() {
            assert!(
                row.get::<_, Option<bool>>(0) == Some(true),
                "{name}: verify.sql row {} is not true",
                i + 1
            );
        }
    }
    let down = changes::render(&backward.changes);
    run_statements(
        client,
        &down,
        backward.is_transactional(),
        &format!("{name}: down"),
    )
    .await;
    super::catalog::assert_catalog_matches_any_column_order(client, &before).await;
    let reverted = describe::describe(client).await;
    assert!(
        reverted == fresh_before,
        "{name}: down does not give back what `before` was\n{}",
        describe::difference(&reverted, &fresh_before)
    );
}

/// Takes cases from `queue` until it is empty, on two databases of its
/// own (dropped at the end: the server may be shared); a failing case is
/// recorded in `failures` and the next one runs.
async fn worker(queue: &Mutex<std::vec::IntoIter<PathBuf>>, failures: &Mutex<Vec<String>>) {
    let databases = Arc::new(Databases {
        migrated: pg::fresh_database().await,
        fresh: pg::fresh_database().await,
    });
    loop {
        let next = queue.lock().expect("queue lock").next();
        let Some(dir) = next else { break };
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("case")
            .to_owned();
        match tokio::spawn(run_case(dir, databases.clone())).await {
            Ok(()) => eprintln!("diff fixture {name}: ok"),
            Err(error) => {
                let message = match error.try_into_panic() {
                    Ok(panic) => panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_else(|| "panicked".to_owned()),
                    Err(error) => error.to_string(),
                };
                failures
                    .lock()
                    .expect("failures lock")
                    .push(format!("{name}: {message}"));
            }
        }
    }
    if let Ok(databases) = Arc::try_unwrap(databases) {
        databases.migrated.drop_database().await;
        databases.fresh.drop_database().await;
    }
}

/// Every case, a few at a time; all failures are reported together, by case.
#[test]
fn diff_fixtures() {
    let cases = cases();
    assert!(!cases.is_empty(), "no diff fixtures found");
    let queue = Mutex::new(cases.into_iter());
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| pg::block_on(worker(&queue, &failures)));
        }
    });
    let failures = failures.into_inner().expect("failures lock");
    assert!(
        failures.is_empty(),
        "{} diff fixture(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

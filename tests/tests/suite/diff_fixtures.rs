//! Diff fixtures: each folder of `tests/fixtures/diff/` holds `before.rs`
//! and `after.rs` (schema source, read by the same parser as the CLI), and
//! optionally `data.sql` (rows inserted into `before`) and `verify.sql` (a
//! query over the migrated data whose every row must be `true`).
//!
//! For each case: `up.sql` = diff(before → after) and `down.sql` =
//! diff(after → before, renames reversed) are insta snapshots in the case's
//! folder; then, on a fresh database, `before` is created and filled, `up`
//! applied, the catalog must equal `after` exactly and `verify.sql` hold;
//! `down` applied, the catalog must equal `before`. A diff of a schema with
//! itself must be empty.
//!
//! A case with an `expect_candidates.txt` is a rename look-alike: the diff
//! must report exactly those candidates (one per line) and nothing is run.

use std::path::{Path, PathBuf};

use schema_core::diff::{self, Hints};
use schema_core::model::Schema;
use schema_core::sql::{changes, ddl};
use schema_core::syntax;
use schema_tests::pg;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diff")
}

fn parse(path: &Path) -> Schema {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = syntax::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    syntax::resolve(&[parsed]).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures/diff exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.join("after.rs").is_file())
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
    let forward = diff::diff(&before, &after, &Hints::default());

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

#[test]
fn diff_fixtures() {
    let cases = cases();
    assert!(!cases.is_empty(), "no diff fixtures found");
    pg::block_on(async {
        for dir in cases {
            let name = dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("case")
                .to_owned();
            let Some((before, after, forward, backward)) = check_case(&dir) else {
                continue;
            };
            let db = pg::fresh_database().await;
            let client = db.client();
            client
                .batch_execute(&ddl::create_schema_script(&before))
                .await
                .unwrap_or_else(|e| panic!("{name}: before does not apply: {e:?}"));
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
            if let Ok(verify) = std::fs::read_to_string(dir.join("verify.sql")) {
                let rows = client
                    .query(&verify, &[])
                    .await
                    .unwrap_or_else(|e| panic!("{name}: verify.sql: {e:?}"));
                assert!(!rows.is_empty(), "{name}: verify.sql returned no rows");
                for row in rows {
                    assert!(
                        row.get::<_, bool>(0),
                        "{name}: verify.sql found a row that is not true"
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
            eprintln!("diff fixture {name}: ok");
        }
    });
}

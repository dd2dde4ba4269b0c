//! Proves the PostgreSQL test harness (`schema_tests::pg`): every caller gets
//! its own database on the real server, and objects in one are invisible in
//! another. Both tests create the same table name and run in parallel, so a
//! shared database would make one of them fail.

use schema_tests::pg::{block_on, fresh_database, TestDatabase};

/// Creates `harness_probe`, inserts one row with bound parameters and returns
/// every row read back.
async fn round_trip(db: &TestDatabase, id: i32, label: &str) -> Vec<(i32, String)> {
    let client = db.client();
    client
        .batch_execute("CREATE TABLE harness_probe (id integer PRIMARY KEY, label text NOT NULL)")
        .await
        .expect("create table");
    client
        .execute(
            "INSERT INTO harness_probe (id, label) VALUES ($1, $2)",
            &[&id, &label],
        )
        .await
        .expect("insert");
    client
        .query("SELECT id, label FROM harness_probe ORDER BY id", &[])
        .await
        .expect("select")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

async fn current_database(db: &TestDatabase) -> String {
    db.client()
        .query_one("SELECT current_database()", &[])
        .await
        .expect("current_database()")
        .get(0)
}

#[tokio::test]
async fn fresh_databases_are_distinct_and_isolated() {
    let first = fresh_database().await;
    let second = fresh_database().await;
    assert_ne!(first.name(), second.name());
    assert_eq!(current_database(&first).await, first.name());
    assert_eq!(current_database(&second).await, second.name());

    assert_eq!(
        round_trip(&first, 1, "first").await,
        [(1, "first".to_owned())]
    );
    assert_eq!(
        round_trip(&second, 2, "second").await,
        [(2, "second".to_owned())]
    );
}

#[test]
fn block_on_supports_sync_tests_and_urls_reach_the_same_database() {
    block_on(async {
        let db = fresh_database().await;
        assert_eq!(round_trip(&db, 3, "sync").await, [(3, "sync".to_owned())]);

        // A second connection through `url()` sees the same data.
        let (other, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
            .await
            .expect("connect through TestDatabase::url");
        let task = tokio::spawn(connection);
        let label: String = other
            .query_one("SELECT label FROM harness_probe WHERE id = $1", &[&3_i32])
            .await
            .expect("select through url")
            .get(0);
        assert_eq!(label, "sync");

        // drop_database terminates that session and removes the database.
        let name = db.name().to_owned();
        db.drop_database().await;
        drop(other);
        let _ = task.await;
        let witness = fresh_database().await;
        let remaining: i64 = witness
            .client()
            .query_one(
                "SELECT count(*) FROM pg_database WHERE datname = $1",
                &[&name],
            )
            .await
            .expect("look up dropped database")
            .get(0);
        assert_eq!(remaining, 0, "{name} should be gone");
    });
}

//! The write side of typed queries against a real server: inserts of one
//! and many rows with database defaults left out (`New…` structs),
//! `ON CONFLICT … DO NOTHING / DO UPDATE SET … excluded`, each with its SQL
//! snapshot-tested and its stored rows read back; hostile strings through
//! insert many and upsert.

use chrono::NaiveDateTime;
use example_selfkit::schema::auth::{NewUser as NewSelfUser, User as SelfUser};
use example_vitaes::schema::app::{NewResume, Profile, Resume, ResumeData};
use schema_core::query::{
    excluded, placeholder, raw, transaction, CachedClient, PlaceholderError, QueryError,
};
use schema_core::sql::ddl;
use schema_core::{Json, Table};
use schema_tests::pg;

fn at(hour: u32) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .expect("valid date")
}

fn data(name: &str) -> Json<ResumeData> {
    Json(ResumeData {
        template: "classic".into(),
        language: Some("en".into()),
        profile: Profile {
            name: name.into(),
            ..Profile::default()
        },
        sections: vec![],
    })
}

/// A new resume: only the columns without a database default.
fn new_resume(id: &str, email: &str, slug: &str) -> NewResume {
    NewResume {
        id: id.into(),
        name: format!("Resume {id}"),
        user_email: email.into(),
        data: None,
        slug: slug.into(),
        thumbnail_url: None,
    }
}

async fn database(schema: &schema_core::model::Schema) -> pg::TestDatabase {
    let db = pg::fresh_database().await;
    db.client()
        .batch_execute(&ddl::create_schema_script(schema))
        .await
        .expect("creating the schema");
    db
}

#[test]
fn sql_of_inserts() {
    let one = Resume::insert(new_resume("r1", "ada@example.com", "my-resume")).returning();
    insta::assert_snapshot!("insert_new_row_defaults_left_out", one.to_sql());

    let many = Resume::insert_many([
        new_resume("r1", "ada@example.com", "a").with(Resume::views, 7),
        new_resume("r2", "ada@example.com", "b").with(Resume::created_at, at(8)),
        new_resume("r3", "ada@example.com", "c").into(),
    ]);
    insta::assert_snapshot!("insert_many_mixed_columns", many.to_sql());

    let none = Resume::insert_many(Vec::<NewResume>::new()).returning();
    insta::assert_snapshot!("insert_many_no_rows", none.to_sql());

    let all_defaults = SelfUser::insert_many([NewSelfUser {
        email: "a@x".into(),
        username: "a".into(),
        password_hash: "h".into(),
        recovery_code: vec![1],
    }
    .with(SelfUser::email_verified, true)]);
    insta::assert_snapshot!("insert_identity_always", all_defaults.to_sql());
}

#[test]
fn sql_of_upserts() {
    let ignore = Resume::insert(new_resume("r1", "a@x", "s")).on_conflict_do_nothing();
    insta::assert_snapshot!("insert_on_conflict_do_nothing", ignore.to_sql());

    let ignore_slug = Resume::insert(new_resume("r1", "a@x", "s"))
        .on_conflict(Resume::slug)
        .do_nothing()
        .returning();
    insta::assert_snapshot!("insert_on_conflict_slug_do_nothing", ignore_slug.to_sql());

    let upsert = Resume::insert_many([new_resume("r1", "a@x", "s"), new_resume("r2", "a@x", "t")])
        .on_conflict((Resume::name, Resume::user_email))
        .do_update_set(Resume::data, excluded(Resume::data))
        .set(Resume::views, Resume::views + 1)
        .set(Resume::updated_at, at(12))
        .filter(Resume::is_public.eq(false))
        .returning();
    insta::assert_snapshot!("upsert_excluded_and_filter", upsert.to_sql());
}

#[test]
fn inserts_run_against_postgres() {
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let client = db.client();

        // One new row: the database fills the defaulted columns.
        let before: NaiveDateTime = client
            .query_one("SELECT localtimestamp", &[])
            .await
            .expect("clock")
            .get(0);
        let mut row = new_resume("r1", "ada@example.com", "my-resume");
        row.data = Some(data("Ada"));
        let stored = Resume::insert(row)
            .returning()
            .fetch_one(client)
            .await
            .expect("insert returning");
        assert_eq!(
            (stored.views, stored.downloads, stored.is_public),
            (0, 0, false)
        );
        assert!(stored.created_at >= before && stored.updated_at == stored.created_at);
        assert_eq!(stored.data, Some(data("Ada")));

        // Many rows in one statement; `with` sets a defaulted column per row.
        let rows = Resume::insert_many([
            new_resume("r2", "ada@example.com", "a").with(Resume::views, 7),
            new_resume("r3", "ada@example.com", "b")
                .with(Resume::created_at, at(8))
                .with(Resume::is_public, true),
            new_resume("r4", "bob@example.com", "c").into(),
        ])
        .returning()
        .fetch_all(client)
        .await
        .expect("insert many");
        let summary: Vec<_> = rows
            .iter()
            .map(|r| (r.id.as_str(), r.views, r.is_public, r.created_at == at(8)))
            .collect();
        assert_eq!(
            summary,
            [
                ("r2", 7, false, false),
                ("r3", 0, true, true),
                ("r4", 0, false, false)
            ]
        );
        let count = Resume::insert_many(
            (5..8).map(|i| new_resume(&format!("r{i}"), "eve@example.com", &format!("s{i}"))),
        )
        .execute(client)
        .await
        .expect("insert many, no returning");
        assert_eq!(count, 3);

        // No rows: nothing inserted, nothing returned, no error.
        let nothing = Resume::insert_many(Vec::<NewResume>::new())
            .returning()
            .fetch_all(client)
            .await
            .expect("insert no rows");
        assert!(nothing.is_empty());
        assert_eq!(
            Resume::select().fetch_all(client).await.expect("all").len(),
            7
        );

        // The whole struct still inserts every column as given.
        let whole = Resume {
            views: 41,
            slug: "whole".into(),
            name: "Whole".into(),
            id: "w".into(),
            ..stored.clone()
        };
        let back = Resume::insert(whole.clone())
            .returning()
            .fetch_one(client)
            .await
            .expect("insert whole row");
        assert_eq!(back, whole);
    });
}

#[test]
fn identity_and_generated_columns_are_left_to_the_database() {
    pg::block_on(async {
        let db = database(&example_selfkit::schema()).await;
        let client = db.client();
        let new_user = |name: &str| NewSelfUser {
            email: format!("{name}@example.com"),
            username: name.into(),
            password_hash: "argon2id$…".into(),
            recovery_code: vec![0, 1, 2, 255],
        };
        let users = SelfUser::insert_many([
            new_user("ada").into(),
            new_user("bob").with(SelfUser::registered_totp, true),
        ])
        .returning()
        .fetch_all(client)
        .await
        .expect("insert users");
        let summary: Vec<_> = users
            .iter()
            .map(|u| {
                (
                    u.id,
                    u.username.as_str(),
                    u.registered_totp,
                    u.registered_2fa,
                )
            })
            .collect();
        assert_eq!(summary, [(1, "ada", false, false), (2, "bob", true, true)]);
        assert_eq!(users[0].recovery_code, vec![0, 1, 2, 255]);
    });
}

#[test]
fn upserts_run_against_postgres() {
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let client = db.client();
        Resume::insert(new_resume("r1", "ada@example.com", "taken"))
            .execute(client)
            .await
            .expect("first insert");

        // DO NOTHING: the conflicting row is skipped, the other inserted.
        let inserted = Resume::insert_many([
            new_resume("r2", "ada@example.com", "taken"),
            new_resume("r3", "ada@example.com", "free"),
        ])
        .on_conflict(Resume::slug)
        .do_nothing()
        .returning()
        .fetch_all(client)
        .await
        .expect("do nothing");
        assert_eq!(
            inserted.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["r3"]
        );
        let skipped = Resume::insert(new_resume("r9", "ada@example.com", "free"))
            .on_conflict_do_nothing()
            .execute(client)
            .await
            .expect("bare do nothing");
        assert_eq!(skipped, 0);

        // DO UPDATE: the stored row takes the proposed data and counts.
        let mut again = new_resume("r1-again", "ada@example.com", "other-slug");
        again.name = "Resume r1".into();
        again.data = Some(data("Grace"));
        let upserted = Resume::insert(again)
            .on_conflict((Resume::name, Resume::user_email))
            .do_update_set(Resume::data, excluded(Resume::data))
            .set(Resume::views, Resume::views + excluded(Resume::views) + 1)
            .set(Resume::updated_at, at(12))
            .returning()
            .fetch_one(client)
            .await
            .expect("do update");
        assert_eq!(
            (upserted.id.as_str(), upserted.slug.as_str(), upserted.views),
            ("r1", "taken", 1)
        );
        assert_eq!(upserted.data, Some(data("Grace")));
        assert_eq!(upserted.updated_at, at(12));

        // DO UPDATE … WHERE: a row the condition rejects stays as stored.
        Resume::update()
            .set(Resume::is_public, true)
            .filter(Resume::id.eq("r1"))
            .execute(client)
            .await
            .expect("publish");
        let mut frozen = new_resume("x", "ada@example.com", "x");
        frozen.name = "Resume r1".into();
        let untouched = Resume::insert(frozen)
            .on_conflict((Resume::name, Resume::user_email))
            .do_update_set(Resume::views, Resume::views + 100)
            .filter(Resume::is_public.eq(false))
            .returning()
            .fetch_all(client)
            .await
            .expect("do update where");
        assert!(untouched.is_empty());
        let stored = Resume::select()
            .filter(Resume::id.eq("r1"))
            .fetch_one(client)
            .await
            .expect("r1");
        assert_eq!(stored.views, 1);
    });
}

/// Opens a second connection to the test database, driven on this runtime.
async fn connect(db: &pg::TestDatabase) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
        .await
        .expect("second connection");
    tokio::spawn(connection);
    client
}

async fn resume_ids(client: &tokio_postgres::Client) -> Vec<String> {
    Resume::select()
        .order_by(Resume::id)
        .fetch_all(client)
        .await
        .expect("resumes")
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// Whether the session is outside any transaction block.
async fn idle(client: &tokio_postgres::Client) -> bool {
    // `now()` is the transaction's start: two statements outside a
    // transaction block see two different values.
    let first: chrono::DateTime<chrono::Utc> = client
        .query_one("SELECT now()", &[])
        .await
        .expect("now")
        .get(0);
    std::thread::sleep(std::time::Duration::from_millis(2));
    let second: chrono::DateTime<chrono::Utc> = client
        .query_one("SELECT now()", &[])
        .await
        .expect("now")
        .get(0);
    first != second
}

#[test]
fn transactions_commit_on_ok_and_roll_back_on_err() {
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let mut client = CachedClient::new(connect(&db).await);

        // Ok: both statements are committed, the value comes back.
        let views = client
            .transaction(async |tx| {
                Resume::insert(new_resume("r1", "ada@example.com", "a"))
                    .execute(tx)
                    .await?;
                let updated = Resume::update()
                    .set(Resume::views, Resume::views + 1)
                    .filter(Resume::id.eq("r1"))
                    .returning()
                    .fetch_one(tx)
                    .await?;
                Ok::<_, QueryError>(updated.views)
            })
            .await
            .expect("committed");
        assert_eq!(views, 1);
        assert_eq!(resume_ids(db.client()).await, ["r1"]);

        // Err: the insert before the failing statement is rolled back.
        let failed = client
            .transaction(async |tx| {
                Resume::insert(new_resume("r2", "ada@example.com", "b"))
                    .execute(tx)
                    .await?;
                // The same slug again: a unique violation.
                Resume::insert(new_resume("r3", "ada@example.com", "b"))
                    .execute(tx)
                    .await?;
                Ok::<_, QueryError>(())
            })
            .await
            .expect_err("unique violation");
        assert_eq!(failed.as_db_error().map(|e| e.code().code()), Some("23505"));
        assert_eq!(resume_ids(db.client()).await, ["r1"]);

        // An application error rolls back too, and comes back as it was.
        #[derive(Debug)]
        enum AppError {
            NotAllowed,
            Query(#[expect(dead_code, reason = "read through Debug only")] QueryError),
        }
        impl From<QueryError> for AppError {
            fn from(error: QueryError) -> Self {
                AppError::Query(error)
            }
        }
        let refused = client
            .transaction(async |tx| {
                Resume::delete().all_rows().execute(tx).await?;
                Err::<(), _>(AppError::NotAllowed)
            })
            .await;
        assert!(matches!(refused, Err(AppError::NotAllowed)), "{refused:?}");
        assert_eq!(resume_ids(db.client()).await, ["r1"]);
        assert!(idle(&client).await);

        // A plain tokio-postgres client.
        let mut plain = connect(&db).await;
        transaction(&mut plain, async |tx| {
            Resume::insert(new_resume("r4", "ada@example.com", "d"))
                .execute(tx)
                .await?;
            Ok::<_, QueryError>(())
        })
        .await
        .expect("plain client");
        let failed = transaction(&mut plain, async |tx| {
            Resume::insert(new_resume("r5", "ada@example.com", "e"))
                .execute(tx)
                .await?;
            Err::<(), _>(QueryError::NotFound { sql: "app".into() })
        })
        .await;
        assert!(failed.is_err());
        Resume::insert(new_resume("r6", "ada@example.com", "f"))
            .execute(&plain)
            .await
            .expect("after the rollback");
        assert_eq!(resume_ids(db.client()).await, ["r1", "r4", "r6"]);
    });
}

#[test]
fn a_panic_in_a_transaction_rolls_it_back() {
    // Its own runtime, so the panic can be caught around `block_on` and the
    // same connection used afterwards.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (db, mut client) = runtime.block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let client = CachedClient::new(connect(&db).await);
        (db, client)
    });
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(client.transaction(async |tx| -> Result<(), QueryError> {
            Resume::insert(new_resume("r1", "ada@example.com", "a"))
                .execute(tx)
                .await?;
            panic!("the application failed half-way");
        }))
    }));
    assert!(panicked.is_err(), "the panic reaches the caller");
    runtime.block_on(async {
        // Rolled back, seen from another connection and from this one,
        // and this connection is out of the transaction.
        assert!(resume_ids(db.client()).await.is_empty());
        assert!(resume_ids(&client).await.is_empty());
        assert!(idle(&client).await);
        Resume::insert(new_resume("r2", "ada@example.com", "b"))
            .execute(&client)
            .await
            .expect("the connection still works");
        assert_eq!(resume_ids(db.client()).await, ["r2"]);
    });
}

#[test]
fn transactions_run_in_spawned_tasks() {
    // The future of `transaction` is `Send` when the work's is: it can be
    // spawned (`tokio::spawn` asks for `Send` on any runtime).
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let mut client = CachedClient::new(connect(&db).await);
        let task = tokio::spawn(async move {
            client
                .transaction(async |tx| {
                    Resume::insert(new_resume("r1", "ada@example.com", "a"))
                        .execute(tx)
                        .await
                })
                .await
        });
        assert_eq!(task.await.expect("task").expect("insert"), 1);
        assert_eq!(resume_ids(db.client()).await, ["r1"]);
    });
}

#[test]
fn rows_stream_as_they_arrive() {
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let client = CachedClient::new(db.client());
        Resume::insert_many(
            (0..250).map(|i| new_resume(&format!("r{i:03}"), "ada@example.com", &format!("s{i}"))),
        )
        .execute(&client)
        .await
        .expect("insert many");

        let mut rows = Resume::select()
            .filter(Resume::user_email.eq("ada@example.com"))
            .order_by(Resume::id.desc())
            .fetch_stream(&client)
            .await
            .expect("stream");
        let mut ids = Vec::new();
        while let Some(row) = rows.next().await {
            ids.push(row.expect("row").id);
        }
        assert_eq!(ids.len(), 250);
        assert_eq!((ids[0].as_str(), ids[249].as_str()), ("r249", "r000"));
        assert_eq!(rows.rows_affected(), Some(250));

        // A stream of deleted rows: the statement runs as it is read.
        let mut deleted = Resume::delete()
            .filter(Resume::id.lt("r010"))
            .returning()
            .fetch_stream(&client)
            .await
            .expect("delete stream");
        let mut count = 0;
        while let Some(row) = deleted.next().await {
            assert!(row.expect("deleted row").id.as_str() < "r010");
            count += 1;
        }
        assert_eq!(count, 10);
        let left = Resume::select().fetch_all(&client).await.expect("left");
        assert_eq!(left.len(), 240);

        // A server error while streaming names the statement.
        Resume::update()
            .set(Resume::views, i32::MAX)
            .filter(Resume::id.eq("r200"))
            .execute(&client)
            .await
            .expect("views at the maximum");
        let mut overflowing = Resume::update()
            .set(Resume::views, Resume::views + 1)
            .all_rows()
            .returning()
            .fetch_stream(&client)
            .await
            .expect("the statement is valid");
        let mut error = None;
        while let Some(row) = overflowing.next().await {
            if let Err(e) = row {
                error = Some(e);
            }
        }
        let error = error.expect("integer out of range");
        assert_eq!(error.as_db_error().map(|e| e.code().code()), Some("22003"));
        assert!(
            error.to_string().starts_with("query failed: UPDATE"),
            "{error}"
        );
    });
}

#[test]
fn sql_of_prepared_and_raw_queries() {
    let id = placeholder::<String>("id");
    let by_id = Resume::select().filter(Resume::id.eq(id)).prepare();
    insta::assert_snapshot!("prepared_select_by_id", by_id.query().to_sql());
    assert_eq!(by_id.placeholders(), ["id"]);

    let bump = Resume::update()
        .set(Resume::views, Resume::views + placeholder::<i32>("step"))
        .filter(
            Resume::id
                .eq(id)
                .or(Resume::slug.eq(placeholder::<String>("slug"))),
        )
        .returning()
        .prepare();
    insta::assert_snapshot!("prepared_update_placeholders", bump.sql());
    assert_eq!(bump.placeholders(), ["step", "id", "slug"]);

    let counts = raw::<(i64, String)>(
        "SELECT count(*), user_email FROM resume WHERE user_email = $1 GROUP BY user_email",
    )
    .bind("ada@example.com".to_owned());
    insta::assert_snapshot!("raw_count_by_email", counts.to_sql());
}

#[test]
fn prepared_queries_run_with_placeholders() {
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        let client = CachedClient::new(client);
        Resume::insert_many((1..=3).map(|i| new_resume(&format!("r{i}"), "a@x", &format!("s{i}"))))
            .execute(&client)
            .await
            .expect("rows");

        // The seed's prepared statement: select by id with a placeholder.
        let id = placeholder::<String>("id");
        let get_resume_by_id = Resume::select().filter(Resume::id.eq(id)).prepare();
        for wanted in ["r1", "r3"] {
            let resume = get_resume_by_id
                .fetch_one(&client, &[id.bind(wanted)])
                .await
                .expect("by id");
            assert_eq!(resume.id, wanted);
        }
        let none = get_resume_by_id
            .fetch_optional(&client, &[id.bind("nope".to_owned())])
            .await
            .expect("missing id");
        assert_eq!(none, None);

        // Placeholders mixed with the query's own values, one used twice.
        let step = placeholder::<i32>("step");
        let bump = Resume::update()
            .set(Resume::views, Resume::views + step)
            .set(Resume::downloads, Resume::downloads + step)
            .filter(Resume::user_email.eq("a@x").and(Resume::id.ne(id)))
            .returning()
            .prepare();
        let bumped = bump
            .fetch_all(&client, &[step.bind(5), id.bind("r2")])
            .await
            .expect("bump");
        let mut seen: Vec<_> = bumped
            .iter()
            .map(|r| (r.id.as_str(), r.views, r.downloads))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, [("r1", 5, 5), ("r3", 5, 5)]);
        let affected = bump
            .execute(&client, &[id.bind("r1"), step.bind(-1)])
            .await
            .expect("bump again");
        assert_eq!(affected, 2);

        // Prepared once per connection, however often it runs.
        assert_eq!(client.cache().len(), 3);

        // What only a run can know, each error naming the placeholder.
        let missing = get_resume_by_id
            .fetch_all(&client, &[])
            .await
            .expect_err("missing");
        assert_eq!(
            missing.to_string(),
            "placeholder `id` has no value: bind it with `placeholder::<String>(\"id\").bind(…)`"
        );
        let unknown = get_resume_by_id
            .fetch_all(
                &client,
                &[id.bind("r1"), placeholder::<String>("slug").bind("s1")],
            )
            .await
            .expect_err("unknown");
        assert!(matches!(
            unknown,
            QueryError::Placeholder(PlaceholderError::Unknown { name: "slug", .. })
        ));
        assert_eq!(
            unknown.to_string(),
            "`slug` is not a placeholder of this statement (its placeholders: `id`)"
        );
        let wrong = get_resume_by_id
            .fetch_all(&client, &[placeholder::<i64>("id").bind(1)])
            .await
            .expect_err("wrong type");
        assert_eq!(
            wrong.to_string(),
            "placeholder `id` takes a `String`, but was bound a `i64`"
        );
        let twice = get_resume_by_id
            .fetch_all(&client, &[id.bind("r1"), id.bind("r2")])
            .await
            .expect_err("twice");
        assert_eq!(twice.to_string(), "placeholder `id` is bound twice");

        // Run without `.prepare()`, a placeholder is an error, never NULL.
        let unprepared = Resume::select()
            .filter(Resume::id.eq(id))
            .fetch_all(&client)
            .await
            .expect_err("unprepared");
        let chain = format!("{:?}", unprepared);
        assert!(chain.contains("placeholder `id` has no value"), "{chain}");
    });
}

#[test]
fn raw_statements_bind_and_decode_typed() {
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let client = CachedClient::new(db.client());
        Resume::insert_many([
            new_resume("r1", "a@x", "s1").with(Resume::views, 3),
            new_resume("r2", "a@x", "s2").with(Resume::views, 4),
            new_resume("r3", "b@x", "s3").into(),
        ])
        .execute(&client)
        .await
        .expect("rows");

        let counts: Vec<(String, i64, Option<i64>)> =
            raw("SELECT user_email, count(*), sum(views) FROM resume \
             WHERE views >= $1 GROUP BY user_email ORDER BY user_email")
            .bind(0_i32)
            .fetch_all(&client)
            .await
            .expect("counts");
        assert_eq!(
            counts,
            [
                ("a@x".to_owned(), 2, Some(7)),
                ("b@x".to_owned(), 1, Some(0))
            ]
        );

        // Whole rows into the table's struct.
        let row = raw::<Resume>("SELECT * FROM resume WHERE slug = $1")
            .bind("s2".to_owned())
            .fetch_one(&client)
            .await
            .expect("row");
        assert_eq!((row.id.as_str(), row.views), ("r2", 4));

        // One column: a 1-tuple; statements without rows: `execute`.
        let (total,) = raw::<(i64,)>("SELECT count(*) FROM resume")
            .fetch_one(&client)
            .await
            .expect("count");
        assert_eq!(total, 3);
        let deleted = raw::<()>("DELETE FROM resume WHERE user_email = $1")
            .bind("b@x".to_owned())
            .execute(&client)
            .await
            .expect("delete");
        assert_eq!(deleted, 1);
        let mut stream = raw::<(String,)>("SELECT id FROM resume ORDER BY id")
            .fetch_stream(&client)
            .await
            .expect("stream");
        let mut ids = Vec::new();
        while let Some(row) = stream.next().await {
            ids.push(row.expect("id").0);
        }
        assert_eq!(ids, ["r1", "r2"]);

        // A decode failure names the column and both types.
        let wrong = raw::<(i32,)>("SELECT count(*) AS how_many FROM resume")
            .fetch_one(&client)
            .await
            .expect_err("i32 from bigint");
        assert_eq!(
            wrong.to_string(),
            "cannot decode column `how_many` into `i32`: cannot convert between the Rust type `i32` and the Postgres type `int8`"
        );
        let short = raw::<(i64, String)>("SELECT count(*) FROM resume")
            .fetch_one(&client)
            .await
            .expect_err("too few columns");
        assert!(
            short
                .to_string()
                .starts_with("cannot decode column `#1 (the row has 1 columns)` into `String`"),
            "{short}"
        );
    });
}

const HOSTILE: &[&str] = &[
    "it's",
    "'; DROP TABLE resume; --",
    "\"resume\"",
    "$1",
    "back\\slash\\'",
    "-- comment",
    "/* open",
    ";",
    "ünïcödé 日本語 🎉 \u{202e}",
    "%_",
];

#[test]
fn hostile_strings_through_insert_many_upsert_raw_and_prepared() {
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let client = CachedClient::new(db.client());
        let rows = HOSTILE.iter().enumerate().map(|(i, &hostile)| NewResume {
            id: format!("{hostile}#{i}"),
            name: hostile.to_owned(),
            user_email: hostile.to_owned(),
            data: Some(data(hostile)),
            slug: format!("{hostile} {i}"),
            thumbnail_url: Some(hostile.to_owned()),
        });
        let stored = Resume::insert_many(rows)
            .returning()
            .fetch_all(&client)
            .await
            .expect("insert many");
        assert_eq!(stored.len(), HOSTILE.len());
        for (row, &hostile) in stored.iter().zip(HOSTILE) {
            assert_eq!(row.name, hostile);
            assert_eq!(row.user_email, hostile);
            assert_eq!(row.thumbnail_url.as_deref(), Some(hostile));
            assert_eq!(row.data, Some(data(hostile)));
        }

        // Upsert every row again: the hostile values go through
        // `excluded` and a bound `SET` value.
        let again = HOSTILE.iter().enumerate().map(|(i, &hostile)| {
            NewResume {
                id: format!("other {i}"),
                name: hostile.to_owned(),
                user_email: hostile.to_owned(),
                data: None,
                slug: format!("{hostile} {i}"),
                thumbnail_url: Some(format!("{hostile}{hostile}")),
            }
            .with(Resume::views, 1)
        });
        let upserted = Resume::insert_many(again)
            .on_conflict(Resume::slug)
            .do_update_set(Resume::thumbnail_url, excluded(Resume::thumbnail_url))
            .set(Resume::name, format!("{}!", HOSTILE[1]))
            .set(Resume::views, Resume::views + excluded(Resume::views))
            .returning()
            .fetch_all(&client)
            .await
            .expect("upsert");
        for (row, (i, &hostile)) in upserted.iter().zip(HOSTILE.iter().enumerate()) {
            assert_eq!(row.id, format!("{hostile}#{i}"));
            assert_eq!(row.thumbnail_url, Some(format!("{hostile}{hostile}")));
            assert_eq!(row.name, format!("{}!", HOSTILE[1]));
            assert_eq!(row.views, 1);
        }

        // Raw: bound values come back verbatim, and find the stored rows.
        for (i, &hostile) in HOSTILE.iter().enumerate() {
            let (echo, found): (String, Option<String>) =
                raw("SELECT $1::text, (SELECT slug FROM resume WHERE user_email = $1)")
                    .bind(hostile.to_owned())
                    .fetch_one(&client)
                    .await
                    .expect("raw");
            assert_eq!(echo, hostile);
            assert_eq!(found, Some(format!("{hostile} {i}")));
        }
        let (count,) = raw::<(i64,)>("SELECT count(*) FROM resume")
            .fetch_one(&client)
            .await
            .expect("count");
        assert_eq!(count, HOSTILE.len() as i64);

        // Prepared: hostile placeholder values find their rows.
        let email = placeholder::<String>("email");
        let by_email = Resume::select()
            .filter(Resume::user_email.eq(email))
            .prepare();
        for (i, &hostile) in HOSTILE.iter().enumerate() {
            let row = by_email
                .fetch_one(&client, &[email.bind(hostile)])
                .await
                .expect("prepared");
            assert_eq!(row.id, format!("{hostile}#{i}"));
        }
    });
}

#[test]
fn pooled_clients_run_queries_and_transactions() {
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let config: tokio_postgres::Config = db.url().parse().expect("config");
        let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(1)
            .build()
            .expect("pool");

        let mut pooled = pool.get().await.expect("pooled client");
        let inserted = transaction(&mut pooled, async |tx| {
            let a = Resume::insert(new_resume("r1", "a@x", "s1"))
                .returning()
                .fetch_one(tx)
                .await?;
            Resume::update()
                .set(Resume::views, Resume::views + 1)
                .filter(Resume::id.eq("r1"))
                .execute(tx)
                .await?;
            Ok::<_, QueryError>(a)
        })
        .await
        .expect("transaction on a pooled client");
        assert_eq!(inserted.id, "r1");
        let failed = transaction(&mut pooled, async |tx| {
            Resume::insert(new_resume("r2", "a@x", "s2"))
                .execute(tx)
                .await?;
            Err::<(), _>(QueryError::NotFound { sql: "app".into() })
        })
        .await;
        assert!(failed.is_err());
        drop(pooled);

        // The same connection again: its statements are still prepared.
        let pooled = pool.get().await.expect("pooled client again");
        let prepared = pooled.statement_cache.size();
        for _ in 0..3 {
            let rows = Resume::select()
                .filter(Resume::user_email.eq("a@x"))
                .fetch_all(&pooled)
                .await
                .expect("select");
            assert_eq!(
                rows.iter()
                    .map(|r| (r.id.as_str(), r.views))
                    .collect::<Vec<_>>(),
                [("r1", 1)]
            );
        }
        assert_eq!(pooled.statement_cache.size(), prepared + 1);
        let mut stream = Resume::select()
            .fetch_stream(&pooled)
            .await
            .expect("stream");
        assert!(stream.next().await.is_some());
    });
}

/// A table whose insert struct is renamed, next to an application type of
/// the default name.
mod renamed_insert_struct {
    use schema_macros::table;

    #[table(insert_struct = "CreateNote")]
    #[derive(Clone, Debug, PartialEq)]
    pub struct Note {
        #[column(primary_key, identity(always))]
        pub id: i64,
        pub body: String,
        #[column(default = 0)]
        pub likes: i32,
    }

    /// The application's own type named like the default insert struct.
    #[derive(Debug)]
    pub struct NewNote {
        pub draft: String,
    }
}

#[test]
fn the_insert_struct_can_be_renamed() {
    use renamed_insert_struct::{CreateNote, NewNote, Note};
    pg::block_on(async {
        let db = database(&schema_core::SchemaBuilder::new().table::<Note>().build()).await;
        let draft = NewNote {
            draft: "it's -- ; 日本".into(),
        };
        let note = Note::insert(CreateNote {
            body: draft.draft.clone(),
        })
        .returning()
        .fetch_one(db.client())
        .await
        .expect("insert");
        assert_eq!(
            note,
            Note {
                id: 1,
                body: draft.draft,
                likes: 0
            }
        );
    });
}

#[test]
fn generic_transactions_are_send() {
    // `transaction` over a pooled client and a plain client can be spawned
    // (`tokio::spawn` asks for `Send` on any runtime).
    pg::block_on(async {
        let db = database(&example_vitaes::schema()).await;
        let config: tokio_postgres::Config = db.url().parse().expect("config");
        let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(1)
            .build()
            .expect("pool");
        let pooled = tokio::spawn(async move {
            let mut pooled = pool.get().await.expect("pooled");
            transaction(&mut pooled, async |tx| {
                Resume::insert(new_resume("r1", "a@x", "s1"))
                    .execute(tx)
                    .await
            })
            .await
        });
        assert_eq!(pooled.await.expect("task").expect("insert"), 1);
        let mut plain = connect(&db).await;
        let plain = tokio::spawn(async move {
            transaction(&mut plain, async |tx| {
                Resume::insert(new_resume("r2", "a@x", "s2"))
                    .execute(tx)
                    .await
            })
            .await
        });
        assert_eq!(plain.await.expect("task").expect("insert"), 1);
        assert_eq!(resume_ids(db.client()).await, ["r1", "r2"]);
    });
}

mod wide_table {
    use schema_macros::table;

    /// More columns than one tuple of fields holds (16): the generated
    /// inserts bind them as two tuples.
    #[table]
    #[derive(Clone, Debug, PartialEq)]
    pub struct Wide {
        #[column(primary_key, identity)]
        pub id: i64,
        pub c01: i32,
        pub c02: i32,
        pub c03: i32,
        pub c04: i32,
        pub c05: i32,
        pub c06: i32,
        pub c07: i32,
        pub c08: i32,
        pub c09: i32,
        pub c10: i32,
        pub c11: i32,
        pub c12: i32,
        pub c13: i32,
        pub c14: i32,
        pub c15: i32,
        pub c16: String,
        #[column(default = 7)]
        pub c17: i32,
        pub c18: Option<String>,
    }
}

#[test]
fn a_table_wider_than_one_tuple_of_fields_inserts_every_column() {
    use wide_table::{NewWide, Wide};
    pg::block_on(async {
        let db = database(&schema_core::SchemaBuilder::new().table::<Wide>().build()).await;
        let new = NewWide {
            c01: 1,
            c02: 2,
            c03: 3,
            c04: 4,
            c05: 5,
            c06: 6,
            c07: 7,
            c08: 8,
            c09: 9,
            c10: 10,
            c11: 11,
            c12: 12,
            c13: 13,
            c14: 14,
            c15: 15,
            c16: "sixteen".into(),
            c18: Some("eighteen".into()),
        };
        let first = Wide::insert(new.clone())
            .returning()
            .fetch_one(db.client())
            .await
            .expect("insert the New struct");
        let expected = Wide {
            id: 1,
            c01: 1,
            c02: 2,
            c03: 3,
            c04: 4,
            c05: 5,
            c06: 6,
            c07: 7,
            c08: 8,
            c09: 9,
            c10: 10,
            c11: 11,
            c12: 12,
            c13: 13,
            c14: 14,
            c15: 15,
            c16: "sixteen".into(),
            c17: 7,
            c18: Some("eighteen".into()),
        };
        assert_eq!(first, expected);
        // `with` after the second tuple's columns, and the whole struct.
        let second = Wide::insert(new.with(Wide::c17, 70))
            .returning()
            .fetch_one(db.client())
            .await
            .expect("insert with a defaulted column");
        assert_eq!(
            (second.id, second.c17, second.c16),
            (2, 70, "sixteen".into())
        );
        let whole = Wide {
            id: 10,
            c01: -1,
            ..expected
        };
        let third = Wide::insert(whole.clone())
            .returning()
            .fetch_one(db.client())
            .await
            .expect("insert the whole struct");
        assert_eq!(third, whole);
    });
}

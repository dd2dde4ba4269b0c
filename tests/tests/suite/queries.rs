//! Typed queries (`schema_core::query`) against a real server: the Vitaes
//! resume queries from the seed (select by user email, by slug, insert
//! returning, update `views + 1` returning, delete), with their SQL
//! snapshot-tested; hostile strings through every query kind, stored and
//! read back verbatim; statements prepared once per connection.

use chrono::NaiveDateTime;
use example_vitaes::schema::app::{Profile, Resume, ResumeData};
use example_vitaes::schema::auth::User;
use schema_core::query::{CachedClient, QueryError};
use schema_core::sql::ddl;
use schema_core::{Json, Table};
use schema_tests::pg;

fn at(hour: u32) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .expect("valid date")
}

fn resume(id: &str, email: &str, slug: &str) -> Resume {
    Resume {
        id: id.into(),
        name: format!("Resume {id}"),
        user_email: email.into(),
        data: Some(Json(ResumeData {
            template: "classic".into(),
            language: Some("en".into()),
            profile: Profile {
                name: "Ada".into(),
                ..Profile::default()
            },
            sections: vec![],
        })),
        created_at: at(9),
        updated_at: at(9),
        is_public: false,
        slug: slug.into(),
        views: 0,
        downloads: 0,
        thumbnail_url: None,
    }
}

async fn vitaes_database() -> pg::TestDatabase {
    let db = pg::fresh_database().await;
    db.client()
        .batch_execute(&ddl::create_schema_script(&example_vitaes::schema()))
        .await
        .expect("creating the vitaes schema");
    db
}

#[test]
fn sql_of_the_seed_queries() {
    let by_email = Resume::select()
        .filter(Resume::user_email.eq("ada@example.com"))
        .order_by(Resume::created_at.desc());
    insta::assert_snapshot!("select_by_user_email", by_email.to_sql());

    let by_slug = Resume::select()
        .filter(Resume::slug.eq("my-resume"))
        .limit(1);
    insta::assert_snapshot!("select_by_slug", by_slug.to_sql());

    let insert = Resume::insert(resume("r1", "ada@example.com", "my-resume")).returning();
    insta::assert_snapshot!("insert_returning", insert.to_sql());

    let update = Resume::update()
        .set(Resume::views, Resume::views + 1)
        .set(Resume::updated_at, at(10))
        .filter(Resume::id.eq("r1"))
        .returning();
    insta::assert_snapshot!("update_views_returning", update.to_sql());

    let delete = Resume::delete().filter(Resume::id.eq("r1"));
    insta::assert_snapshot!("delete_by_id", delete.to_sql());
}

#[test]
fn sql_of_expressions() {
    let query = User::select()
        .filter(
            User::image
                .is_null()
                .or(User::name.like("A%"))
                .and(User::email_verified)
                .and(User::created_at.lt(User::updated_at).not()),
        )
        .order_by(User::name)
        .order_by(User::created_at.desc())
        .limit(10)
        .offset(20);
    insta::assert_snapshot!("select_with_expressions", query.to_sql());

    let every_row = Resume::update()
        .set(Resume::downloads, Resume::downloads - Resume::views)
        .all_rows();
    insta::assert_snapshot!("update_all_rows", every_row.to_sql());
}

#[test]
fn the_seed_queries_run_against_postgres() {
    pg::block_on(async {
        let db = vitaes_database().await;
        let client = CachedClient::new(db.client());

        // Insert returning: the stored row comes back.
        let first = resume("r1", "ada@example.com", "my-resume");
        let inserted = Resume::insert(first.clone())
            .returning()
            .fetch_one(&client)
            .await
            .expect("insert returning");
        assert_eq!(inserted, first);
        let mut second = resume("r2", "ada@example.com", "second");
        second.created_at = at(11);
        let other = resume("r3", "bob@example.com", "someone-else");
        for row in [second.clone(), other.clone()] {
            let affected = Resume::insert(row).execute(&client).await.expect("insert");
            assert_eq!(affected, 1);
        }

        // Select by user email, newest first.
        let mine = Resume::select()
            .filter(Resume::user_email.eq("ada@example.com"))
            .order_by(Resume::created_at.desc())
            .fetch_all(&client)
            .await
            .expect("select by email");
        assert_eq!(mine, vec![second.clone(), first.clone()]);

        // Comparisons, LIKE and IS NULL run as written.
        let matching = Resume::select()
            .filter(
                Resume::name
                    .like("Resume r%")
                    .and(Resume::views.ge(0))
                    .and(Resume::thumbnail_url.is_null())
                    .and(Resume::user_email.ne("bob@example.com"))
                    .and(
                        Resume::created_at
                            .gt(at(10))
                            .or(Resume::slug.eq("my-resume")),
                    ),
            )
            .order_by(Resume::id)
            .fetch_all(&client)
            .await
            .expect("expressions");
        assert_eq!(matching, vec![first.clone(), second.clone()]);

        // Select by slug.
        let by_slug = Resume::select()
            .filter(Resume::slug.eq("someone-else"))
            .fetch_optional(&client)
            .await
            .expect("select by slug");
        assert_eq!(by_slug, Some(other.clone()));
        let missing = Resume::select()
            .filter(Resume::slug.eq("nope"))
            .fetch_optional(&client)
            .await
            .expect("select missing slug");
        assert_eq!(missing, None);
        let not_found = Resume::select()
            .filter(Resume::slug.eq("nope"))
            .fetch_one(&client)
            .await;
        assert!(matches!(not_found, Err(QueryError::NotFound { .. })));
        let too_many = Resume::select().fetch_optional(&client).await;
        assert!(matches!(
            too_many,
            Err(QueryError::TooManyRows { count: 3, .. })
        ));

        // Update views + 1, returning the new row; twice.
        for expected_views in [1, 2] {
            let updated = Resume::update()
                .set(Resume::views, Resume::views + 1)
                .set(Resume::updated_at, at(12))
                .filter(Resume::id.eq("r1"))
                .returning()
                .fetch_all(&client)
                .await
                .expect("update returning");
            assert_eq!(
                updated,
                vec![Resume {
                    views: expected_views,
                    updated_at: at(12),
                    ..first.clone()
                }]
            );
        }

        // Limit and offset, bound.
        let page = Resume::select()
            .order_by(Resume::id.asc())
            .limit(1)
            .offset(1)
            .fetch_all(&client)
            .await
            .expect("page");
        assert_eq!(page, vec![second.clone()]);

        // Delete by id, then the rest explicitly.
        let deleted = Resume::delete()
            .filter(Resume::id.eq("r1"))
            .execute(&client)
            .await
            .expect("delete");
        assert_eq!(deleted, 1);
        let rest = Resume::delete()
            .all_rows()
            .returning()
            .fetch_all(&client)
            .await
            .expect("delete all rows");
        assert_eq!(rest.len(), 2);
        assert_eq!(
            Resume::select()
                .fetch_all(&client)
                .await
                .expect("empty")
                .len(),
            0
        );

        // Same query shape, same statement: the cache holds one per SQL text.
        let shapes = client.cache().len();
        for slug in ["a", "b", "c"] {
            Resume::select()
                .filter(Resume::slug.eq(slug))
                .fetch_optional(&client)
                .await
                .expect("select by slug again");
        }
        assert_eq!(client.cache().len(), shapes);
    });
}

#[test]
fn hostile_strings_are_bound_never_spliced() {
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
    pg::block_on(async {
        let db = vitaes_database().await;
        let client = db.client();
        for (i, &hostile) in HOSTILE.iter().enumerate() {
            let id = format!("{hostile}#{i}");
            let mut row = resume(&id, hostile, &format!("slug {hostile} {i}"));
            row.name = hostile.to_owned();
            row.thumbnail_url = Some(hostile.to_owned());

            let inserted = Resume::insert(row.clone())
                .returning()
                .fetch_one(client)
                .await
                .expect("insert");
            assert_eq!(inserted, row);

            let selected = Resume::select()
                .filter(Resume::id.eq(id.as_str()))
                .filter(Resume::user_email.eq(hostile))
                .filter(Resume::name.eq(hostile))
                .filter(Resume::thumbnail_url.is_not_null())
                .fetch_all(client)
                .await
                .expect("select");
            assert_eq!(selected, vec![row.clone()], "{hostile:?}");

            let renamed = format!("{hostile} (copy)");
            let updated = Resume::update()
                .set(Resume::name, renamed.as_str())
                .set(Resume::thumbnail_url, Some(hostile.to_owned()))
                .filter(Resume::id.eq(id.as_str()))
                .returning()
                .fetch_one(client)
                .await
                .expect("update");
            assert_eq!(updated.name, renamed);
            assert_eq!(updated.thumbnail_url.as_deref(), Some(hostile));

            let deleted = Resume::delete()
                .filter(Resume::id.eq(id.as_str()))
                .returning()
                .fetch_one(client)
                .await
                .expect("delete");
            assert_eq!(
                deleted,
                Resume {
                    name: renamed,
                    ..row
                }
            );
        }
        let left: i64 = client
            .query_one("SELECT count(*) FROM resume", &[])
            .await
            .expect("count")
            .get(0);
        assert_eq!(left, 0);
    });
}

#[test]
fn statements_are_prepared_once_per_connection() {
    pg::block_on(async {
        let db = vitaes_database().await;
        let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
            .await
            .expect("second connection");
        tokio::spawn(connection);
        let mut client = CachedClient::new(client);
        // The count's own statement is prepared while it runs: leave it out.
        let prepared = "SELECT count(*) FROM pg_prepared_statements \
                        WHERE statement NOT LIKE '%pg_prepared_statements%'";

        for email in ["a@x", "b@x", "c@x"] {
            Resume::select()
                .filter(Resume::user_email.eq(email))
                .fetch_all(&client)
                .await
                .expect("select");
        }
        assert_eq!(client.cache().len(), 1);
        let count: i64 = client.query_one(prepared, &[]).await.expect("count").get(0);
        assert_eq!(count, 1);

        // A transaction shares the connection's cache; a rollback keeps
        // the statements and undoes the rows.
        let tx = client.begin().await.expect("begin");
        Resume::insert(resume("t1", "a@x", "t1"))
            .execute(&tx)
            .await
            .expect("insert in transaction");
        let seen = Resume::select()
            .filter(Resume::user_email.eq("a@x"))
            .fetch_all(&tx)
            .await
            .expect("select in transaction");
        assert_eq!(seen.len(), 1);
        tx.rollback().await.expect("rollback");
        assert_eq!(client.cache().len(), 2);
        let after = Resume::select()
            .filter(Resume::user_email.eq("a@x"))
            .fetch_all(&client)
            .await
            .expect("select after rollback");
        assert!(after.is_empty());
        let count: i64 = client.query_one(prepared, &[]).await.expect("count").get(0);
        assert_eq!(count, 2);
    });
}

#[test]
fn server_errors_carry_the_sql_and_the_db_error() {
    pg::block_on(async {
        let db = vitaes_database().await;
        let client = db.client();
        Resume::insert(resume("r1", "a@x", "same"))
            .execute(client)
            .await
            .expect("first insert");
        let error = Resume::insert(resume("r2", "a@x", "same"))
            .execute(client)
            .await
            .expect_err("duplicate slug");
        let db_error = error.as_db_error().expect("a server error");
        assert_eq!(db_error.code().code(), "23505");
        assert!(error.to_string().starts_with("query failed: INSERT INTO"));
    });
}

//! The select side of typed queries against a real server: every kind of
//! expression (`in_list`, `in_select`, `between`, `ilike`, `not`,
//! `coalesce`, `nullable`, jsonb paths, array containment, `exists`),
//! chosen columns into tuples and `#[derive(FromRow)]` structs, `distinct`, `NULLS FIRST / LAST`,
//! `group by` / `having` with aggregates, inner and left joins over the
//! Vitaes auth tables (`(User, Option<Session>)`), and the job-queue
//! pattern with `FOR UPDATE SKIP LOCKED`. Each query's rows are checked and
//! its SQL snapshot-tested.

use chrono::NaiveDateTime;
use example_vitaes::schema::app::Resume;
use example_vitaes::schema::auth::{Account, Session, User};
use schema_core::query::{avg, count, count_all, count_distinct, exists, max, min, not, sum};
use schema_core::sql::ddl;
use schema_core::{SchemaBuilder, Table};
use schema_macros::{table, FromRow};
use schema_tests::pg;
use serde_json::json;

/// A job of a work queue: an array, a jsonb payload, nullable numbers.
#[table(name = "job")]
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    #[column(primary_key)]
    pub id: i64,
    pub queue: String,
    pub tags: Vec<String>,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub priority: Option<i32>,
    pub cost: f64,
    pub owner_id: Option<String>,
}

/// A user struct for chosen columns: a user's card with its session count.
#[derive(Debug, PartialEq, FromRow)]
pub struct UserCard {
    pub id: String,
    pub name: String,
    pub image: Option<String>,
    pub sessions: i64,
}

fn at(day: u32, hour: u32) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, day)
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .expect("valid date")
}

fn user(id: &str, name: &str, image: Option<&str>) -> User {
    User {
        id: id.into(),
        name: name.into(),
        email: format!("{id}@example.com"),
        email_verified: id != "carol",
        image: image.map(Into::into),
        created_at: at(1, 9),
        updated_at: at(1, 9),
    }
}

fn session(id: &str, user_id: &str, hour: u32, ip: Option<&str>) -> Session {
    Session {
        id: id.into(),
        expires_at: at(30, hour),
        token: format!("token-{id}"),
        created_at: at(2, hour),
        updated_at: at(2, hour),
        ip_address: ip.map(Into::into),
        user_agent: None,
        user_id: user_id.into(),
    }
}

fn account(id: &str, user_id: &str, provider: &str) -> Account {
    Account {
        id: id.into(),
        account_id: format!("{provider}-{user_id}"),
        provider_id: provider.into(),
        user_id: user_id.into(),
        access_token: None,
        refresh_token: None,
        id_token: None,
        access_token_expires_at: None,
        refresh_token_expires_at: None,
        scope: None,
        password: None,
        created_at: at(1, 10),
        updated_at: at(1, 10),
    }
}

#[expect(clippy::too_many_arguments, reason = "one line per test row")]
fn job(
    id: i64,
    queue: &str,
    tags: &[&str],
    payload: serde_json::Value,
    attempts: i32,
    priority: Option<i32>,
    cost: f64,
    owner_id: Option<&str>,
) -> Job {
    Job {
        id,
        queue: queue.into(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        payload,
        attempts,
        priority,
        cost,
        owner_id: owner_id.map(Into::into),
    }
}

fn users() -> Vec<User> {
    vec![
        user("ada", "Ada Lovelace", Some("ada.png")),
        user("bob", "Bob", None),
        user("carol", "Carol", None),
    ]
}

fn sessions() -> Vec<Session> {
    vec![
        session("s1", "ada", 9, Some("10.0.0.1")),
        session("s2", "ada", 11, None),
        session("s3", "bob", 10, Some("10.0.0.2")),
    ]
}

fn jobs() -> Vec<Job> {
    vec![
        job(
            1,
            "mail",
            &["urgent", "billing"],
            json!({"to": "ada", "retry": {"max": 3}}),
            0,
            Some(5),
            1.5,
            Some("ada"),
        ),
        job(
            2,
            "mail",
            &["billing"],
            json!({"to": "bob", "retry": {"max": 1}}),
            2,
            None,
            2.5,
            Some("bob"),
        ),
        job(
            3,
            "pdf",
            &["render"],
            json!({"resume": "r1", "pages": [1, 2]}),
            1,
            Some(1),
            4.0,
            None,
        ),
        job(4, "pdf", &[], json!({}), 0, Some(5), 0.0, Some("ada")),
    ]
}

/// A database with the Vitaes tables and `job`, holding [`users`],
/// [`sessions`], accounts for Ada (two providers) and Bob, and [`jobs`].
async fn database() -> pg::TestDatabase {
    let db = pg::fresh_database().await;
    let schema = SchemaBuilder::new()
        .table::<User>()
        .table::<Session>()
        .table::<Account>()
        .table::<Resume>()
        .table::<Job>()
        .build();
    db.client()
        .batch_execute(&ddl::create_schema_script(&schema))
        .await
        .expect("creating the tables");
    let client = db.client();
    for row in users() {
        User::insert(row).execute(client).await.expect("user");
    }
    for row in sessions() {
        Session::insert(row).execute(client).await.expect("session");
    }
    for row in [
        account("a1", "ada", "github"),
        account("a2", "ada", "google"),
        account("a3", "bob", "github"),
    ] {
        Account::insert(row).execute(client).await.expect("account");
    }
    for row in jobs() {
        Job::insert(row).execute(client).await.expect("job");
    }
    db
}

fn user_ids(rows: &[User]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn expressions() {
    let in_list = User::select()
        .filter(User::id.in_list(["ada", "carol"]))
        .order_by(User::id);
    insta::assert_snapshot!("select_in_list", in_list.to_sql());

    let in_select = User::select()
        .filter(User::id.in_select(Session::select().columns(Session::user_id)))
        .order_by(User::id);
    insta::assert_snapshot!("select_in_select", in_select.to_sql());

    let between = Session::select()
        .filter(Session::created_at.between(at(2, 9), at(2, 10)))
        .order_by(Session::id);
    insta::assert_snapshot!("select_between", between.to_sql());

    let ilike_not = User::select()
        .filter(User::name.ilike("%LOVE%").or(not(User::email_verified)))
        .order_by(User::id);
    insta::assert_snapshot!("select_ilike_not", ilike_not.to_sql());

    let coalesce = User::select()
        .filter(User::image.coalesce("none.png").eq("none.png"))
        .order_by(User::id);
    insta::assert_snapshot!("select_coalesce", coalesce.to_sql());

    let nullable = User::select()
        .filter(
            User::image
                .eq(User::name.nullable())
                .or(User::image.ne(Some("x".to_owned()))),
        )
        .order_by(User::id);
    insta::assert_snapshot!("select_nullable", nullable.to_sql());

    let json = Job::select()
        .filter(
            Job::payload
                .get("retry")
                .get_text("max")
                .eq(Some("3".to_owned())),
        )
        .filter(Job::payload.get_text("to").is_not_null());
    insta::assert_snapshot!("select_json_path", json.to_sql());

    let arrays = Job::select()
        .filter(Job::tags.contains(vec!["billing".to_owned()]))
        .filter(Job::tags.overlaps(vec!["urgent".to_owned(), "render".to_owned()]));
    insta::assert_snapshot!("select_array_contains", arrays.to_sql());

    let exists_subquery = User::select()
        .filter(exists(
            Account::select()
                .correlate::<User>()
                .filter(Account::user_id.eq(User::id))
                .filter(Account::provider_id.eq("google")),
        ))
        .order_by(User::id);
    insta::assert_snapshot!("select_exists", exists_subquery.to_sql());

    pg::block_on(async {
        let db = database().await;
        let client = db.client();

        let rows = in_list.fetch_all(client).await.expect("in_list");
        assert_eq!(user_ids(&rows), ["ada", "carol"]);
        // An empty list matches nothing, and needs no other statement.
        let none = User::select()
            .filter(User::id.in_list(Vec::<String>::new()))
            .fetch_all(client)
            .await
            .expect("empty in_list");
        assert!(none.is_empty());

        let rows = in_select.fetch_all(client).await.expect("in_select");
        assert_eq!(user_ids(&rows), ["ada", "bob"]);

        let rows = between.fetch_all(client).await.expect("between");
        let session_ids: Vec<&str> = rows.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(session_ids, ["s1", "s3"]);

        let rows = ilike_not.fetch_all(client).await.expect("ilike / not");
        assert_eq!(user_ids(&rows), ["ada", "carol"]);

        let rows = coalesce.fetch_all(client).await.expect("coalesce");
        assert_eq!(user_ids(&rows), ["bob", "carol"]);

        // NULL images compare as unknown: only Ada's image is not "x".
        let rows = nullable.fetch_all(client).await.expect("nullable");
        assert_eq!(user_ids(&rows), ["ada"]);

        let rows = json.fetch_all(client).await.expect("json path");
        assert_eq!(rows, vec![jobs()[0].clone()]);

        let rows = arrays.fetch_all(client).await.expect("array contains");
        assert_eq!(rows, vec![jobs()[0].clone()]);

        let rows = exists_subquery.fetch_all(client).await.expect("exists");
        assert_eq!(user_ids(&rows), ["ada"]);
        let without_accounts = User::select()
            .filter(not(exists(
                Account::select()
                    .correlate::<User>()
                    .filter(Account::user_id.eq(User::id)),
            )))
            .fetch_all(client)
            .await
            .expect("not exists");
        assert_eq!(user_ids(&without_accounts), ["carol"]);

        // JSON values come back as JSON, array elements by index.
        let pages = Job::select()
            .columns((
                Job::id,
                Job::payload.get("pages").get(1),
                Job::payload.get_text("to"),
            ))
            .filter(Job::queue.eq("pdf"))
            .order_by(Job::id)
            .fetch_all(client)
            .await
            .expect("json columns");
        assert_eq!(
            pages,
            vec![
                (3, Some(schema_core::Json(json!(2))), None),
                (4, None, None),
            ]
        );
    });
}

#[test]
fn chosen_columns_distinct_and_order() {
    let pairs = User::select()
        .columns((User::id, User::email, User::image))
        .order_by(User::id.desc());
    insta::assert_snapshot!("select_columns_tuple", pairs.to_sql());

    let queues = Job::select()
        .columns(Job::queue)
        .distinct()
        .order_by(Job::queue);
    insta::assert_snapshot!("select_distinct", queues.to_sql());

    let nulls_first = Job::select()
        .columns((Job::id, Job::priority))
        .order_by(Job::priority.asc().nulls_first())
        .order_by(Job::id);
    insta::assert_snapshot!("select_nulls_first", nulls_first.to_sql());

    let nulls_last = Job::select()
        .columns(Job::id)
        .order_by(Job::priority.desc().nulls_last())
        .order_by(Job::id.desc());
    insta::assert_snapshot!("select_nulls_last", nulls_last.to_sql());

    let computed = Job::select()
        .columns((Job::id, Job::attempts + 1, Job::cost - 0.5))
        .filter((Job::attempts + Job::attempts).ge(2))
        .order_by(Job::attempts + 0)
        .order_by(Job::id);
    insta::assert_snapshot!("select_arithmetic", computed.to_sql());

    pg::block_on(async {
        let db = database().await;
        let client = db.client();

        let rows: Vec<(String, String, Option<String>)> =
            pairs.fetch_all(client).await.expect("tuple");
        assert_eq!(
            rows,
            vec![
                ("carol".into(), "carol@example.com".into(), None),
                ("bob".into(), "bob@example.com".into(), None),
                (
                    "ada".into(),
                    "ada@example.com".into(),
                    Some("ada.png".into())
                ),
            ]
        );

        let rows: Vec<String> = queues.fetch_all(client).await.expect("distinct");
        assert_eq!(rows, ["mail", "pdf"]);

        let rows = nulls_first.fetch_all(client).await.expect("nulls first");
        assert_eq!(rows, [(2, None), (3, Some(1)), (1, Some(5)), (4, Some(5))]);

        let rows = nulls_last.fetch_all(client).await.expect("nulls last");
        assert_eq!(rows, [4, 1, 3, 2]);

        let rows = computed.fetch_all(client).await.expect("arithmetic");
        assert_eq!(rows, [(3, 2, 3.5), (2, 3, 2.0)]);

        let one: (i64, String) = Job::select()
            .columns((Job::id, Job::queue))
            .filter(Job::id.eq(3))
            .fetch_one(client)
            .await
            .expect("fetch_one of a tuple");
        assert_eq!(one, (3, "pdf".to_owned()));
    });
}

#[test]
fn chosen_columns_into_a_struct() {
    let cards = User::select()
        .left_join::<Session>(Session::user_id.eq(User::id))
        .columns((User::id, User::name, User::image, count(Session::id)))
        .into_struct::<UserCard>()
        .group_by((User::id, User::name, User::image))
        .order_by(User::id);
    insta::assert_snapshot!("select_into_struct", cards.to_sql());

    pg::block_on(async {
        let db = database().await;
        let rows = cards.fetch_all(db.client()).await.expect("cards");
        let card = |id: &str, name: &str, image: Option<&str>, sessions| UserCard {
            id: id.into(),
            name: name.into(),
            image: image.map(Into::into),
            sessions,
        };
        assert_eq!(
            rows,
            vec![
                card("ada", "Ada Lovelace", Some("ada.png"), 2),
                card("bob", "Bob", None, 1),
                card("carol", "Carol", None, 0),
            ]
        );
    });
}

#[test]
fn aggregates_group_by_and_having() {
    let per_queue = Job::select()
        .columns((
            Job::queue,
            count_all(),
            count(Job::priority),
            sum(Job::attempts),
            sum(Job::priority),
            avg(Job::attempts),
            avg(Job::cost),
            min(Job::priority),
            max(Job::cost),
        ))
        .group_by(Job::queue)
        .order_by(Job::queue);
    insta::assert_snapshot!("select_group_by_aggregates", per_queue.to_sql());

    let busy_users = Session::select()
        .columns((Session::user_id, count_all()))
        .group_by(Session::user_id)
        .having(count_all().gt(1));
    insta::assert_snapshot!("select_having", busy_users.to_sql());

    let by_count = Account::select()
        .columns((
            Account::provider_id,
            count(Account::id),
            count_distinct(Account::user_id),
        ))
        .group_by(Account::provider_id)
        .order_by(count(Account::id).desc());
    insta::assert_snapshot!("select_order_by_aggregate", by_count.to_sql());

    pg::block_on(async {
        let db = database().await;
        let client = db.client();

        let rows = per_queue.fetch_all(client).await.expect("group by");
        assert_eq!(
            rows,
            vec![
                (
                    "mail".to_owned(),
                    2,
                    1,
                    Some(2),
                    Some(5),
                    Some(1.0),
                    Some(2.0),
                    Some(5),
                    Some(2.5)
                ),
                (
                    "pdf".to_owned(),
                    2,
                    2,
                    Some(1),
                    Some(6),
                    Some(0.5),
                    Some(2.0),
                    Some(1),
                    Some(4.0)
                ),
            ]
        );

        let rows = busy_users.fetch_all(client).await.expect("having");
        assert_eq!(rows, vec![("ada".to_owned(), 2)]);

        let rows = by_count.fetch_all(client).await.expect("order by count");
        assert_eq!(
            rows,
            vec![("github".to_owned(), 2, 2), ("google".to_owned(), 1, 1)]
        );

        // Over no rows: count is 0, the others are NULL.
        let empty = Job::select()
            .columns((
                count_all(),
                sum(Job::attempts),
                avg(Job::cost),
                max(Job::id),
            ))
            .filter(Job::queue.eq("none"))
            .fetch_one(client)
            .await
            .expect("aggregates of nothing");
        assert_eq!(empty, (0, None, None, None));
    });
}

#[test]
fn joins() {
    // The seed's query: users with their sessions, typed (User, Option<Session>).
    let with_sessions = User::select()
        .left_join::<Session>(Session::user_id.eq(User::id))
        .order_by(User::id)
        .order_by(Session::id);
    insta::assert_snapshot!("select_left_join", with_sessions.to_sql());

    let inner = User::select()
        .inner_join::<Session>(Session::user_id.eq(User::id))
        .filter(Session::ip_address.is_not_null())
        .order_by(Session::id);
    insta::assert_snapshot!("select_inner_join", inner.to_sql());

    // A left-joined table's columns read as Option: `is_null` finds users
    // without sessions even though `session.id` is NOT NULL.
    let without_session = User::select()
        .left_join::<Session>(Session::user_id.eq(User::id))
        .filter(Session::id.is_null())
        .columns(User::id);
    insta::assert_snapshot!("select_anti_join", without_session.to_sql());

    let three = User::select()
        .inner_join::<Account>(Account::user_id.eq(User::id))
        .left_join::<Session>(
            Session::user_id
                .eq(User::id)
                .and(Session::ip_address.is_not_null()),
        )
        .columns((
            User::id,
            Account::provider_id,
            Session::id,
            Session::ip_address,
        ))
        .filter(Account::provider_id.ne("google"))
        .order_by(User::id)
        .order_by(Session::id.asc().nulls_last());
    insta::assert_snapshot!("select_three_tables", three.to_sql());

    let per_user = User::select()
        .left_join::<Session>(Session::user_id.eq(User::id))
        .columns((User::id, count(Session::id), max(Session::created_at)))
        .group_by(User::id)
        .order_by(User::id);
    insta::assert_snapshot!("select_join_group_by", per_user.to_sql());

    pg::block_on(async {
        let db = database().await;
        let client = db.client();
        let [ada, bob, carol] = <[User; 3]>::try_from(users()).expect("three users");
        let [s1, s2, s3] = <[Session; 3]>::try_from(sessions()).expect("three sessions");

        let rows: Vec<(User, Option<Session>)> =
            with_sessions.fetch_all(client).await.expect("left join");
        assert_eq!(
            rows,
            vec![
                (ada.clone(), Some(s1.clone())),
                (ada.clone(), Some(s2.clone())),
                (bob.clone(), Some(s3.clone())),
                (carol.clone(), None),
            ]
        );

        let rows: Vec<(User, Session)> = inner.fetch_all(client).await.expect("inner join");
        assert_eq!(
            rows,
            vec![(ada.clone(), s1.clone()), (bob.clone(), s3.clone())]
        );

        let rows = without_session.fetch_all(client).await.expect("anti join");
        assert_eq!(rows, ["carol"]);

        let rows = three.fetch_all(client).await.expect("three tables");
        assert_eq!(
            rows,
            vec![
                (
                    "ada".to_owned(),
                    "github".to_owned(),
                    Some("s1".to_owned()),
                    Some("10.0.0.1".to_owned())
                ),
                (
                    "bob".to_owned(),
                    "github".to_owned(),
                    Some("s3".to_owned()),
                    Some("10.0.0.2".to_owned())
                ),
            ]
        );

        let rows = per_user.fetch_all(client).await.expect("join group by");
        assert_eq!(
            rows,
            vec![
                ("ada".to_owned(), 2, Some(s2.created_at)),
                ("bob".to_owned(), 1, Some(s3.created_at)),
                ("carol".to_owned(), 0, None),
            ]
        );

        // Filtering by a left-joined column compares with an Option.
        let by_ip: Vec<(User, Option<Session>)> = User::select()
            .left_join::<Session>(Session::user_id.eq(User::id))
            .filter(Session::ip_address.eq(Some("10.0.0.2".to_owned())))
            .fetch_all(client)
            .await
            .expect("filter on a left-joined column");
        assert_eq!(by_ip, vec![(bob, Some(s3))]);
    });
}

#[test]
fn job_queue_skips_locked_rows() {
    let next_job = Job::select()
        .filter(Job::queue.eq("mail"))
        .order_by(Job::id)
        .limit(1)
        .for_update()
        .skip_locked();
    insta::assert_snapshot!("select_for_update_skip_locked", next_job.to_sql());
    let share = Job::select().filter(Job::id.eq(1)).for_share().no_wait();
    insta::assert_snapshot!("select_for_share_nowait", share.to_sql());

    pg::block_on(async {
        let db = database().await;
        let (other, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
            .await
            .expect("second connection");
        tokio::spawn(connection);
        let first = db.client();

        // Worker 1 takes the first mail job and holds its lock …
        first.batch_execute("BEGIN").await.expect("begin 1");
        let taken = next_job.fetch_one(first).await.expect("worker 1");
        assert_eq!(taken.id, 1);

        // … so worker 2 skips it and takes the next one …
        other.batch_execute("BEGIN").await.expect("begin 2");
        let taken = next_job.fetch_one(&other).await.expect("worker 2");
        assert_eq!(taken.id, 2);

        // … while worker 1, looking again, sees its own job and skips
        // the one worker 2 holds.
        let mine = Job::select()
            .columns(Job::id)
            .filter(Job::queue.eq("mail"))
            .for_update()
            .skip_locked()
            .fetch_all(first)
            .await
            .expect("worker 1 again");
        assert_eq!(mine, [1]);

        // NOWAIT fails at once on the row worker 1 holds.
        let error = share.fetch_one(&other).await.expect_err("locked row");
        assert_eq!(error.as_db_error().map(|e| e.code().code()), Some("55P03"));

        first.batch_execute("COMMIT").await.expect("commit 1");
        other.batch_execute("ROLLBACK").await.expect("rollback 2");
    });
}

#[test]
fn hostile_strings_are_bound_in_every_select_expression() {
    const HOSTILE: &[&str] = &[
        "it's",
        "'; DROP TABLE \"user\"; --",
        "\"user\"",
        "$1",
        "back\\slash\\'",
        "/* open",
        "ünïcödé 日本語 🎉 \u{202e}",
        "%_",
    ];
    pg::block_on(async {
        let db = database().await;
        let client = db.client();
        for (i, &hostile) in HOSTILE.iter().enumerate() {
            let id = format!("{hostile}#{i}");
            let mut row = user(&id, hostile, Some(hostile));
            row.email = format!("{hostile}@{i}");
            User::insert(row.clone())
                .execute(client)
                .await
                .expect("user");
            Job::insert(job(
                100 + i as i64,
                hostile,
                &[hostile],
                json!({ hostile: hostile }),
                0,
                None,
                0.0,
                Some(&id),
            ))
            .execute(client)
            .await
            .expect("job");

            let found = User::select()
                .filter(User::id.in_list([id.as_str(), "nobody"]))
                .filter(User::name.between(hostile, hostile))
                .filter(User::image.coalesce("").eq(hostile))
                .filter(User::name.ilike(hostile).or(User::name.eq(hostile)))
                .filter(User::id.in_select(Job::select().columns(Job::owner_id.coalesce(""))))
                .filter(exists(
                    Job::select()
                        .correlate::<User>()
                        .filter(Job::owner_id.eq(User::id.nullable()))
                        .filter(Job::tags.contains(vec![hostile.to_owned()]))
                        .filter(Job::payload.get_text(hostile).eq(Some(hostile.to_owned()))),
                ))
                .fetch_all(client)
                .await
                .expect("select");
            assert_eq!(found, vec![row.clone()], "{hostile:?}");

            let chosen = User::select()
                .inner_join::<Job>(Job::owner_id.eq(User::id.nullable()))
                .columns((User::name, Job::queue, Job::payload.get(hostile)))
                .filter(Job::queue.eq(hostile))
                .fetch_one(client)
                .await
                .expect("join");
            assert_eq!(
                chosen,
                (
                    hostile.to_owned(),
                    hostile.to_owned(),
                    Some(schema_core::Json(json!(hostile)))
                )
            );
        }
    });
}

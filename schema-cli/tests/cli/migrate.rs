//! `schema-cli migrate` and `status` against a real PostgreSQL: each test
//! gets a fresh database and a project with hand-written migration folders.
//! Output is snapshot-tested with the project path, the database URL,
//! durations and timestamps filtered out.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use schema_tests::pg::{block_on, fresh_database, TestDatabase};

use super::Project;

impl Project {
    /// Writes migration folder `folder` (`<id>_<name>`) with `up` as up.sql
    /// and a snapshot naming `parent`.
    fn migration(&self, folder: &str, up: &str, parent: Option<&str>) -> &Project {
        let id = folder.split('_').next().expect("id");
        let parent = parent.map_or_else(|| "null".to_owned(), |p| format!("\"{p}\""));
        self.file(&format!("migrations/{folder}/up.sql"), up).file(
            &format!("migrations/{folder}/snapshot.json"),
            &format!("{{\n  \"id\": \"{id}\",\n  \"parent\": {parent},\n  \"schema\": {{}}\n}}\n"),
        )
    }

    /// A project with `schema.toml` and the given migrations, chained.
    fn with_migrations(name: &str, migrations: &[(&str, &str)]) -> Project {
        let project = Project::new(name);
        project
            .file("schema.toml", "schema = \"schema.rs\"\n")
            .file("schema.rs", "");
        let mut parent = None;
        for (folder, up) in migrations {
            project.migration(folder, up, parent);
            parent = folder.split('_').next();
        }
        project
    }

    /// Runs the CLI with `--url` of `db` and scrubs the output.
    fn db_run(&self, db: &TestDatabase, args: &[&str]) -> String {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--url", db.url()]);
        scrub(&self.run(&all).replace(db.url(), "[DATABASE_URL]"))
    }

    /// Starts the CLI in the background with `--url` of `db`.
    fn spawn(&self, db: &TestDatabase, args: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_schema-cli"))
            .args(args)
            .args(["--url", db.url()])
            .current_dir(&self.dir)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start schema-cli")
    }
}

/// Replaces durations (`12 ms`) with `[N] ms` and timestamps
/// (`2024-05-01 12:00:00`) with `[TIME]`.
fn scrub(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let is_timestamp = chars.len() - i >= 19
            && chars[i..i + 19].iter().enumerate().all(|(k, c)| match k {
                4 | 7 => *c == '-',
                10 => *c == ' ',
                13 | 16 => *c == ':',
                _ => c.is_ascii_digit(),
            });
        if is_timestamp {
            out.push_str("[TIME]");
            i += 19;
            continue;
        }
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let end = (i..chars.len())
                .find(|&k| !chars[k].is_ascii_digit())
                .unwrap_or(chars.len());
            let rest: String = chars[end..chars.len().min(end + 3)].iter().collect();
            if rest == " ms" {
                out.push_str("[N]");
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

async fn query_strings(db: &TestDatabase, sql: &str) -> Vec<String> {
    db.client()
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect()
}

async fn tables(db: &TestDatabase) -> Vec<String> {
    query_strings(
        db,
        "SELECT schemaname || '.' || tablename FROM pg_tables \
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    )
    .await
}

async fn applied(db: &TestDatabase) -> Vec<String> {
    query_strings(
        db,
        "SELECT version || '_' || name FROM _schema_migrations WHERE applied_at IS NOT NULL ORDER BY version",
    )
    .await
}

const USERS: (&str, &str) = (
    "20240501120000000_create_users",
    "CREATE TABLE users (\n    id bigint PRIMARY KEY,\n    email text NOT NULL UNIQUE\n);\n",
);
const POSTS: (&str, &str) = (
    "20240501120000001_create_posts",
    "CREATE TABLE posts (\n    id bigint PRIMARY KEY,\n    author_id bigint NOT NULL REFERENCES users (id),\n    title text NOT NULL\n);\r\nCREATE INDEX posts_author_id_idx ON posts (author_id);\r\n",
);
const TAGS: (&str, &str) = (
    "20240501120000002_create_tags",
    "CREATE TABLE tags (name text PRIMARY KEY);\n",
);
const SEED: (&str, &str) = (
    "20240501120000002_seed",
    "INSERT INTO users (id, email) VALUES (1, 'a@example.com'), (2, 'b@example.com');\n\
     INSERT INTO posts (id, author_id, title) VALUES (1, 1, 'it''s; tricky');\n",
);

#[test]
fn migrate_applies_pending_migrations_once_and_status_reports_them() {
    block_on(async {
        let db = fresh_database().await;
        let project = Project::with_migrations("happy", &[USERS, POSTS, SEED]);
        let first = project.db_run(&db, &["migrate"]);
        let second = project.db_run(&db, &["migrate"]);
        let status = project.db_run(&db, &["status"]);
        insta::assert_snapshot!("happy_first_run", first);
        insta::assert_snapshot!("happy_second_run", second);
        insta::assert_snapshot!("happy_status", status);
        assert_eq!(
            tables(&db).await,
            ["public._schema_migrations", "public.posts", "public.users"]
        );
        assert_eq!(
            query_strings(&db, "SELECT title FROM posts").await,
            ["it's; tricky"]
        );
        let rows = db
            .client()
            .query(
                "SELECT version, name, checksum, no_transaction, duration_ms FROM _schema_migrations ORDER BY version",
                &[],
            )
            .await
            .expect("tracking rows");
        assert_eq!(rows.len(), 3);
        let version: i64 = rows[1].get(0);
        let checksum: String = rows[1].get(2);
        assert_eq!(version, 20240501120000001);
        // The checksum is over up.sql with CRLF normalised to LF.
        assert_eq!(
            checksum,
            schema_core::migrations::checksum(&POSTS.1.replace("\r\n", "\n"))
        );
        assert!(!rows[1].get::<_, bool>(3));
        assert!(rows[1].get::<_, Option<i64>>(4).is_some());
    });
}

#[test]
fn dry_run_prints_the_sql_and_changes_nothing() {
    block_on(async {
        let db = fresh_database().await;
        let project = Project::with_migrations("dry-run", &[USERS, POSTS]);
        insta::assert_snapshot!(project.db_run(&db, &["migrate", "--dry-run"]));
        assert!(tables(&db).await.is_empty(), "dry run created tables");
        project.db_run(&db, &["migrate"]);
        project.migration(SEED.0, SEED.1, Some("20240501120000001"));
        insta::assert_snapshot!(
            "dry_run_with_one_pending",
            project.db_run(&db, &["migrate", "--dry-run"])
        );
        assert_eq!(applied(&db).await.len(), 2);
    });
}

#[test]
fn status_on_an_empty_database_lists_everything_pending_and_exits_1() {
    block_on(async {
        let db = fresh_database().await;
        let project = Project::with_migrations("status-empty", &[USERS, POSTS]);
        insta::assert_snapshot!(project.db_run(&db, &["status"]));
        assert!(tables(&db).await.is_empty(), "status created tables");
    });
}

#[test]
fn edited_deleted_and_out_of_order_migrations_are_refused_by_name() {
    block_on(async {
        let db = fresh_database().await;
        let project = Project::with_migrations("refusals", &[USERS, TAGS]);
        let output = project.db_run(&db, &["migrate"]);
        assert!(output.starts_with("exit: 0\n"), "{output}");

        // Edited.
        project.file(
            &format!("migrations/{}/up.sql", USERS.0),
            "CREATE TABLE users (id bigint PRIMARY KEY);\n",
        );
        insta::assert_snapshot!("refused_edited", project.db_run(&db, &["migrate"]));
        project.file(&format!("migrations/{}/up.sql", USERS.0), USERS.1);

        // Out of order: a branch merged a migration older than the last applied one.
        project.migration(POSTS.0, POSTS.1, Some("20240501120000000"));
        insta::assert_snapshot!("refused_out_of_order", project.db_run(&db, &["migrate"]));
        insta::assert_snapshot!("status_out_of_order", project.db_run(&db, &["status"]));
        insta::assert_snapshot!(
            "applied_out_of_order",
            project.db_run(&db, &["migrate", "--allow-out-of-order"])
        );
        assert_eq!(applied(&db).await.len(), 3);

        // Deleted.
        std::fs::remove_dir_all(project.dir.join("migrations").join(TAGS.0)).expect("rm");
        insta::assert_snapshot!("refused_deleted", project.db_run(&db, &["migrate"]));

        // All at once, with status showing each.
        project.file(
            &format!("migrations/{}/up.sql", USERS.0),
            &("-- reworded\n".to_owned() + USERS.1),
        );
        project.migration(
            "20240501120000009_later",
            "SELECT 1;\n",
            Some("20240501120000002"),
        );
        project.migration("20240501119999999_a_merged_branch", "SELECT 1;\n", None);
        insta::assert_snapshot!("refused_all", project.db_run(&db, &["migrate"]));
        insta::assert_snapshot!("status_all", project.db_run(&db, &["status"]));
        assert_eq!(applied(&db).await.len(), 3, "nothing ran while refused");
    });
}

#[test]
fn a_failing_statement_rolls_its_migration_back_and_is_reported_with_the_server_error() {
    block_on(async {
        let db = fresh_database().await;
        let project = Project::with_migrations(
            "failure",
            &[
                USERS,
                (
                    "20240501120000001_broken",
                    "-- creates a table, then fails\nCREATE TABLE half (id int);\n\
                     INSERT INTO half (id) VALUES (1);\n\
                     UPDATE users\n    SET email = emial;\n",
                ),
            ],
        );
        insta::assert_snapshot!(project.db_run(&db, &["migrate"]));
        assert_eq!(
            tables(&db).await,
            ["public._schema_migrations", "public.users"],
            "the failed migration left nothing"
        );
        assert_eq!(applied(&db).await, ["20240501120000000_create_users"]);

        // A failure without a position, with DETAIL (a unique violation).
        project.file(
            "migrations/20240501120000001_broken/up.sql",
            "INSERT INTO users (id, email) VALUES (1, 'a'), (2, 'a');\n",
        );
        insta::assert_snapshot!("failure_with_detail", project.db_run(&db, &["migrate"]));

        // Fixed: the next run applies it.
        project.file(
            "migrations/20240501120000001_broken/up.sql",
            "INSERT INTO users (id, email) VALUES (1, 'a');\n",
        );
        let fixed = project.db_run(&db, &["migrate"]);
        assert!(fixed.starts_with("exit: 0\n"), "{fixed}");
    });
}

#[test]
fn transaction_control_in_a_migration_is_refused_before_it_runs() {
    block_on(async {
        let db = fresh_database().await;
        let project = Project::with_migrations(
            "tx-control",
            &[(
                "1_own_transaction",
                "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n",
            )],
        );
        insta::assert_snapshot!(project.db_run(&db, &["migrate"]));
        assert_eq!(tables(&db).await, ["public._schema_migrations"]);
    });
}

#[test]
fn no_transaction_migrations_run_statement_by_statement() {
    block_on(async {
        let db = fresh_database().await;
        let project = Project::with_migrations(
            "no-tx",
            &[
                (
                    "1_setup",
                    "CREATE TYPE mood AS ENUM ('sad', 'ok');\n\
                     CREATE TABLE people (id int PRIMARY KEY, name text, feeling mood);\n\
                     INSERT INTO people SELECT g, 'p' || g, 'ok' FROM generate_series(1, 1000) g;\n",
                ),
                (
                    "2_concurrently",
                    "-- schema-cli: no-transaction\n-- builds without locking writes\n\
                     CREATE INDEX CONCURRENTLY people_name_idx ON people (name);\n",
                ),
                (
                    "3_enum_value",
                    "-- schema-cli: no-transaction\n\
                     ALTER TYPE mood ADD VALUE 'happy';\n\
                     UPDATE people SET feeling = 'happy' WHERE id <= 10;\n\
                     ALTER TABLE people ALTER COLUMN feeling SET DEFAULT 'happy';\n",
                ),
            ],
        );
        insta::assert_snapshot!(project.db_run(&db, &["migrate"]));
        let valid: bool = db
            .client()
            .query_one(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = 'people_name_idx'::regclass",
                &[],
            )
            .await
            .expect("index")
            .get(0);
        assert!(valid, "the concurrent index is valid");
        assert_eq!(
            query_strings(
                &db,
                "SELECT count(*)::text FROM people WHERE feeling = 'happy'"
            )
            .await,
            ["10"]
        );
        let progress = db
            .client()
            .query(
                "SELECT statements_done, statement_running, applied_at IS NOT NULL \
                 FROM _schema_migrations WHERE no_transaction ORDER BY version",
                &[],
            )
            .await
            .expect("progress");
        let progress: Vec<(Option<i32>, Option<i32>, bool)> = progress
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        assert_eq!(progress, [(Some(1), None, true), (Some(3), None, true)]);
        insta::assert_snapshot!("no_tx_status", project.db_run(&db, &["status"]));
    });
}

#[test]
fn a_failed_no_transaction_migration_resumes_at_the_failed_statement() {
    block_on(async {
        let db = fresh_database().await;
        let project = Project::with_migrations(
            "no-tx-resume",
            &[(
                "1_steps",
                "-- schema-cli: no-transaction\n\
                 CREATE TABLE steps (n int);\n\
                 INSERT INTO steps VALUES (1);\n\
                 INSERT INTO steps VALUES ('two');\n\
                 INSERT INTO steps VALUES (3);\n",
            )],
        );
        insta::assert_snapshot!(project.db_run(&db, &["migrate"]));
        insta::assert_snapshot!("no_tx_partial_status", project.db_run(&db, &["status"]));
        // Editing an applied statement is refused…
        project.file(
            "migrations/1_steps/up.sql",
            "-- schema-cli: no-transaction\nCREATE TABLE steps (n bigint);\nINSERT INTO steps VALUES (1);\nINSERT INTO steps VALUES (2);\nINSERT INTO steps VALUES (3);\n",
        );
        insta::assert_snapshot!(
            "no_tx_applied_part_edited",
            project.db_run(&db, &["migrate"])
        );
        // …fixing the failed one is not: the run resumes there.
        project.file(
            "migrations/1_steps/up.sql",
            "-- schema-cli: no-transaction\nCREATE TABLE steps (n int);\nINSERT INTO steps VALUES (1);\nINSERT INTO steps VALUES (2);\nINSERT INTO steps VALUES (3);\n",
        );
        insta::assert_snapshot!("no_tx_resumed", project.db_run(&db, &["migrate"]));
        assert_eq!(
            query_strings(&db, "SELECT string_agg(n::text, ',' ORDER BY n) FROM steps").await,
            ["1,2,3"]
        );
    });
}

#[test]
fn an_interrupted_no_transaction_statement_needs_a_decision() {
    block_on(async {
        let db = fresh_database().await;
        let up = "-- schema-cli: no-transaction\n\
                  CREATE TABLE items (id int);\n\
                  CREATE INDEX CONCURRENTLY items_id_idx ON items (id);\n\
                  INSERT INTO items VALUES (1);\n";
        let project = Project::with_migrations("interrupted", &[("1_items", up)]);
        // What a crash during statement 2 (outside a transaction) leaves.
        let client = db.client();
        client
            .batch_execute(&schema_core::pg::TrackingTable::default().create_sql())
            .await
            .expect("tracking table");
        client
            .batch_execute("CREATE TABLE items (id int)")
            .await
            .expect("statement 1");
        let progress =
            schema_core::migrations::statements_checksum(["CREATE TABLE items (id int)"]);
        client
            .execute(
                "INSERT INTO _schema_migrations (version, name, checksum, no_transaction, statements_done, statement_running, progress_checksum) \
                 VALUES (1, 'items', $1, true, 1, 1, $2)",
                &[&schema_core::migrations::checksum(up), &progress],
            )
            .await
            .expect("progress row");
        insta::assert_snapshot!(project.db_run(&db, &["migrate"]));
        insta::assert_snapshot!("interrupted_status", project.db_run(&db, &["status"]));
        insta::assert_snapshot!(
            "interrupted_retried",
            project.db_run(&db, &["migrate", "--resume", "retry"])
        );
        assert_eq!(
            query_strings(&db, "SELECT id::text FROM items").await,
            ["1"]
        );
        let valid: bool = client
            .query_one(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_id_idx'::regclass",
                &[],
            )
            .await
            .expect("index")
            .get(0);
        assert!(valid);
    });
}

#[test]
fn the_tracking_table_name_comes_from_the_flag_or_the_config() {
    block_on(async {
        let db = fresh_database().await;
        let project = Project::with_migrations("table-name", &[USERS]);
        let output = project.db_run(&db, &["migrate", "--table", "ops.Applied Migrations"]);
        assert!(output.starts_with("exit: 0\n"), "{output}");
        project.file(
            "schema.toml",
            "schema = \"schema.rs\"\nmigrations_table = \"ops.Applied Migrations\"\n",
        );
        insta::assert_snapshot!(project.db_run(&db, &["status"]));
        assert_eq!(
            tables(&db).await,
            ["ops.Applied Migrations", "public.users"]
        );
        project.file(
            "schema.toml",
            "schema = \"schema.rs\"\nmigrations_table = \"a.b.c\"\n",
        );
        insta::assert_snapshot!("bad_table_name", project.db_run(&db, &["status"]));
    });
}

/// 20 migrations, each creating a table and logging its number; the first
/// creates the log.
fn numbered_migrations(rows_per_table: u32) -> Vec<(String, String)> {
    (1..=20)
        .map(|n| {
            let mut up = String::new();
            if n == 1 {
                up.push_str("CREATE TABLE log (n int NOT NULL);\n");
            }
            up.push_str(&format!(
                "CREATE TABLE t{n} AS SELECT g AS x, md5(g::text) AS h FROM generate_series(1, {rows_per_table}) g;\n\
                 CREATE INDEX t{n}_h_idx ON t{n} (h);\n\
                 INSERT INTO log VALUES ({n});\n"
            ));
            (format!("{n:03}_step_{n}"), up)
        })
        .collect()
}

fn numbered_project(name: &str, rows_per_table: u32) -> Project {
    let migrations = numbered_migrations(rows_per_table);
    let refs: Vec<(&str, &str)> = migrations
        .iter()
        .map(|(f, u)| (f.as_str(), u.as_str()))
        .collect();
    Project::with_migrations(name, &refs)
}

#[test]
fn concurrent_migrators_apply_each_migration_exactly_once() {
    block_on(async {
        let db = fresh_database().await;
        let project = numbered_project("concurrent", 2_000);
        let children: Vec<Child> = (0..8).map(|_| project.spawn(&db, &["migrate"])).collect();
        let mut applied_by = Vec::new();
        for child in children {
            let output = child.wait_with_output().expect("wait");
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            assert!(
                output.status.success(),
                "exit {:?}\n{stdout}\n{}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            );
            applied_by.push(stdout.matches(" ... ok").count());
        }
        assert_eq!(
            applied_by.iter().sum::<usize>(),
            20,
            "each migration reported applied once: {applied_by:?}"
        );
        assert_eq!(
            query_strings(&db, "SELECT string_agg(n::text, ',' ORDER BY n) FROM log").await,
            [(1..=20)
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(",")]
        );
        assert_eq!(applied(&db).await.len(), 20);
    });
}

/// A small deterministic generator for kill delays (seeded from the clock,
/// printed so a failure can be replayed).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Waits until no session but ours is connected to the database, so a
/// killed migrator's backend has finished (committed or rolled back).
async fn wait_for_other_sessions(db: &TestDatabase) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let others: i64 = db
            .client()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                &[],
            )
            .await
            .expect("pg_stat_activity")
            .get(0);
        if others == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "a killed migrator's session lingers"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn a_migrator_killed_at_random_points_leaves_the_database_at_a_migration_boundary() {
    const TRIALS: usize = 24;
    let seed = std::env::var("KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    eprintln!("kill delays seeded with KILL_SEED={seed}");
    let mut random = XorShift(seed);
    let project = numbered_project("killed", 20_000);
    // How long an uninterrupted run takes, to spread the kills over it.
    let full = block_on(async {
        let db = fresh_database().await;
        let started = Instant::now();
        let output = project.db_run(&db, &["migrate"]);
        assert!(output.starts_with("exit: 0\n"), "{output}");
        started.elapsed()
    });
    let span = u64::try_from(full.as_millis()).unwrap_or(1000).max(50) + 50;
    let mut boundaries = Vec::new();
    for trial in 0..TRIALS {
        let delay = Duration::from_millis(random.next() % span);
        block_on(async {
            let db = fresh_database().await;
            let mut child = project.spawn(&db, &["migrate"]);
            std::thread::sleep(delay);
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            wait_for_other_sessions(&db).await;

            // The tracking table (if any) is a prefix of the migrations,
            // and the objects are exactly those of that prefix.
            let has_table = !query_strings(
                &db,
                "SELECT relname::text FROM pg_class WHERE relname = '_schema_migrations'",
            )
            .await
            .is_empty();
            let recorded = if has_table {
                query_strings(
                    &db,
                    "SELECT m.version::text FROM _schema_migrations m ORDER BY m.version",
                )
                .await
            } else {
                Vec::new()
            };
            let k = recorded.len();
            let prefix: Vec<String> = (1..=k).map(|n| n.to_string()).collect();
            assert_eq!(
                recorded, prefix,
                "trial {trial} (delay {delay:?}): not a prefix"
            );
            let mut expected: Vec<String> = (1..=k).map(|n| format!("public.t{n}")).collect();
            if k > 0 {
                expected.push("public.log".into());
            }
            if has_table {
                expected.push("public._schema_migrations".into());
            }
            expected.sort();
            assert_eq!(
                tables(&db).await,
                expected,
                "trial {trial} (delay {delay:?})"
            );
            if k > 0 {
                assert_eq!(
                    query_strings(&db, "SELECT l.n::text FROM log l ORDER BY l.n").await,
                    prefix,
                    "trial {trial}: the log matches the tracking table"
                );
            }
            boundaries.push(k);

            // The next run completes.
            let output = project.db_run(&db, &["migrate"]);
            assert!(output.starts_with("exit: 0\n"), "trial {trial}: {output}");
            assert_eq!(applied(&db).await.len(), 20, "trial {trial}");
        });
    }
    eprintln!("migrations applied when killed, per trial: {boundaries:?}");
    assert!(
        boundaries.iter().any(|&k| k > 0 && k < 20),
        "some kill landed mid-run: {boundaries:?} (seed {seed})"
    );
}

//! `push` and `pull` against a real PostgreSQL, and the idempotence of the
//! whole toolchain over a schema with every column type, constraint and
//! index kind: generate → migrate → push plans nothing; a second generate
//! has nothing to do; pull → generate has nothing to do.

use std::path::Path;

use schema_tests::pg::{block_on, fresh_database};

use super::Project;

fn every_feature() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/tests/suite/fixtures/every_feature.rs");
    std::fs::read_to_string(path).expect("every_feature fixture")
}

fn ok(out: &str) {
    assert!(out.starts_with("exit: 0\n"), "{out}");
}

#[test]
fn the_toolchain_is_idempotent_over_every_feature() {
    block_on(async {
        let db = fresh_database().await;
        let url = db.url().to_owned();
        let project = Project::new("idempotent");
        project
            .file("schema.toml", "schema = \"schema.rs\"\n")
            .file("schema.rs", &every_feature());
        ok(&project.run(&["generate"]));
        ok(&project.run(&["migrate", "--url", &url]));
        let push = project.run(&["push", "--url", &url, "--dry-run"]);
        ok(&push);
        assert!(
            push.contains("nothing to push"),
            "push plans something after migrate:\n{push}"
        );
        let again = project.run(&["generate"]);
        assert!(again.contains("nothing to generate"), "{again}");
        ok(&project.run(&["check"]));

        // Pull into a second project, adopt the database with a baseline,
        // and the code it wrote has nothing to generate or push.
        let pulled = Project::new("idempotent-pulled");
        pulled
            .file("schema.toml", "schema = \"src\"\n")
            .file("src/.keep", "");
        let out = pulled.run(&["pull", "--url", &url, "--baseline"]);
        ok(&out);
        let source =
            std::fs::read_to_string(pulled.dir.join("src/pulled.rs")).expect("pulled source");
        assert!(source.contains("#[table"), "{source}");
        let out = pulled.run(&["generate"]);
        assert!(
            out.contains("nothing to generate"),
            "pull then generate:\n{out}\n{source}"
        );
        let out = pulled.run(&["push", "--url", &url]);
        assert!(out.contains("nothing to push"), "pull then push:\n{out}");
        ok(&pulled.run(&["check"]));
    });
}

const TABLES: &str = r#"
use schema_macros::{pg_enum, table};

#[pg_enum]
pub enum Role { Admin, Member }

#[table]
pub struct Team {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    pub motto: Option<String>,
    pub role: Role,
}

#[table]
pub struct Member {
    #[column(primary_key)]
    pub id: i64,
    #[column(references(Team::id))]
    pub team_id: i64,
    pub email: String,
}
"#;

#[test]
fn push_refuses_every_destructive_change_on_rows_and_keeps_them() {
    block_on(async {
        let db = fresh_database().await;
        let url = db.url().to_owned();
        let project = Project::new("push-refuses");
        project
            .file("schema.toml", "schema = \"schema.rs\"\n")
            .file("schema.rs", TABLES);
        ok(&project.run(&["push", "--url", &url]));
        let client = db.client();
        client
            .batch_execute(
                "INSERT INTO team VALUES (1, 'a', NULL, 'admin'), (2, 'a', 'go', 'member');
                 INSERT INTO member VALUES (1, 1, 'x@y.z'), (2, 2, 'x@y.z');",
            )
            .await
            .expect("rows");
        let count = || async {
            let teams: i64 = client
                .query_one("SELECT count(*) FROM team", &[])
                .await
                .expect("count")
                .get(0);
            let members: i64 = client
                .query_one("SELECT count(*) FROM member", &[])
                .await
                .expect("count")
                .get(0);
            (teams, members)
        };
        let cases: [(&str, &str, &str); 6] = [
            (
                "drop table",
                "pub struct Member {",
                "drops table `member` holding 2 row(s)",
            ),
            (
                "drop column",
                "pub motto: Option<String>,",
                "drops column `team.motto` holding 1 non-NULL value(s)",
            ),
            (
                "set not null",
                "pub motto: Option<String>,",
                "becomes NOT NULL but 1 row(s) hold NULL",
            ),
            (
                "unique",
                "pub email: String,",
                "1 group(s) of duplicate rows",
            ),
            (
                "narrowing",
                "pub email: String,",
                "`member.email` changes from text to varchar(3): 2 value(s) longer than 3 character(s)",
            ),
            (
                "enum label",
                "pub enum Role { Admin, Member }",
                "hold enum label(s) that are dropped: member",
            ),
        ];
        for (what, find, expected) in cases {
            let changed = match what {
                "drop table" => {
                    let start = TABLES.find("#[table]\npub struct Member").expect("member");
                    TABLES[..start].to_owned()
                }
                "drop column" => TABLES.replace(find, ""),
                "set not null" => TABLES.replace(find, "pub motto: String,"),
                "unique" => TABLES.replace(find, "#[column(unique)]\n    pub email: String,"),
                "narrowing" => TABLES.replace(
                    find,
                    "#[column(sql_type = \"varchar(3)\")]\n    pub email: String,",
                ),
                _ => TABLES.replace(find, "pub enum Role { Admin }"),
            };
            project.file("schema.rs", &changed);
            let out = project.run(&["push", "--url", &url]);
            assert!(out.starts_with("exit: 1\n"), "{what}: {out}");
            assert!(
                out.contains(expected),
                "{what}: expected `{expected}` in\n{out}"
            );
            assert_eq!(count().await, (2, 2), "{what}: rows must be intact");
        }
        project.file("schema.rs", TABLES);
        let out = project.run(&["push", "--url", &url]);
        assert!(out.contains("nothing to push"), "{out}");
        // --force applies.
        project.file(
            "schema.rs",
            &TABLES.replace("pub motto: Option<String>,", ""),
        );
        ok(&project.run(&["push", "--url", &url, "--force"]));
        let motto: i64 = client
            .query_one("SELECT count(*) FROM pg_attribute WHERE attrelid = 'team'::regclass AND attname = 'motto' AND NOT attisdropped", &[])
            .await
            .expect("catalog")
            .get(0);
        assert_eq!(motto, 0);
    });
}

const READINGS: &str = r#"
use schema_macros::table;

#[table]
pub struct Reading {
    #[column(primary_key)]
    pub id: i64,
    pub code: String,
    pub amount: i64,
    #[column(sql_type = "numeric(12, 3)")]
    pub price: String,
}
"#;

#[test]
fn narrowing_that_fits_the_rows_pushes_and_what_does_not_fit_is_counted() {
    block_on(async {
        let db = fresh_database().await;
        let url = db.url().to_owned();
        let project = Project::new("push-narrowing");
        project
            .file("schema.toml", "schema = \"schema.rs\"\n")
            .file("schema.rs", READINGS);
        ok(&project.run(&["push", "--url", &url]));
        let client = db.client();
        client
            .batch_execute(
                "INSERT INTO reading VALUES (1, 'ab', 5, 12.5), (2, 'abcd', 3000000000, 123.456), (3, 'abc', -40000, 0.001)",
            )
            .await
            .expect("rows");
        let narrowed = |from: &str, to: &str| READINGS.replace(from, to);

        // Each narrowing: (what is written, what the refusal says).
        let refused = [
            (
                narrowed("pub code: String,", "#[column(sql_type = \"varchar(3)\")]\n    pub code: String,"),
                "`reading.code` changes from text to varchar(3): 1 value(s) longer than 3 character(s)",
            ),
            (
                narrowed("pub amount: i64,", "pub amount: i32,"),
                "`reading.amount` changes from bigint to integer: 1 value(s) outside -2147483648..=2147483647",
            ),
            (
                narrowed("pub amount: i64,", "pub amount: i16,"),
                "`reading.amount` changes from bigint to smallint: 2 value(s) outside -32768..=32767",
            ),
            (
                narrowed("numeric(12, 3)", "numeric(12, 2)"),
                "`reading.price` changes from numeric(12, 3) to numeric(12, 2): 2 value(s) with more than 10 digit(s) before the point or 2 after it",
            ),
            (
                narrowed("numeric(12, 3)", "numeric(4, 3)"),
                "2 value(s) with more than 1 digit(s) before the point or 3 after it",
            ),
        ];
        for (schema, expected) in refused {
            project.file("schema.rs", &schema);
            let out = project.run(&["push", "--url", &url]);
            assert!(out.starts_with("exit: 1\n"), "{expected}: {out}");
            assert!(out.contains(expected), "expected `{expected}` in\n{out}");
        }

        // Narrowings every row fits are applied without --force.
        for schema in [
            narrowed(
                "pub code: String,",
                "#[column(sql_type = \"varchar(4)\")]\n    pub code: String,",
            ),
            narrowed("numeric(12, 3)", "numeric(6, 3)"),
        ] {
            project.file("schema.rs", &schema);
            ok(&project.run(&["push", "--url", &url]));
        }
        let row = client
            .query_one("SELECT code, price::text FROM reading WHERE id = 2", &[])
            .await
            .expect("row");
        assert_eq!(row.get::<_, String>(0), "abcd");
        assert_eq!(row.get::<_, String>(1), "123.456");
    });
}

#[test]
fn push_without_a_terminal_refuses_look_alike_renames() {
    block_on(async {
        let db = fresh_database().await;
        let url = db.url().to_owned();
        let project = Project::new("push-rename");
        project
            .file("schema.toml", "schema = \"schema.rs\"\n")
            .file("schema.rs", TABLES);
        ok(&project.run(&["push", "--url", &url]));
        project.file(
            "schema.rs",
            &TABLES.replace("pub email: String,", "pub address: String,"),
        );
        let out = project.run(&["push", "--url", &url]);
        assert!(out.starts_with("exit: 1\n"), "{out}");
        assert!(out.contains("#[column(renamed_from = \"email\")]"), "{out}");
        ok(&project.run(&[
            "push",
            "--url",
            &url,
            "--rename-column",
            "member.email=address",
        ]));
    });
}

#[test]
fn pull_never_overwrites_code_without_force() {
    block_on(async {
        let db = fresh_database().await;
        let url = db.url().to_owned();
        let project = Project::new("pull-overwrite");
        project
            .file("schema.toml", "schema = \"schema.rs\"\n")
            .file("schema.rs", TABLES);
        let out = project.run(&["pull", "--url", &url]);
        assert!(
            out.starts_with("exit: 2\n") && out.contains("never overwrites"),
            "{out}"
        );
        assert_eq!(
            std::fs::read_to_string(project.dir.join("schema.rs")).expect("kept"),
            TABLES
        );
    });
}

/// A push runs its statements as one message; when one fails, they run again
/// one by one so the error names it, and nothing stays applied.
#[test]
fn a_failing_push_names_the_statement_and_applies_nothing() {
    block_on(async {
        let db = fresh_database().await;
        let url = db.url().to_owned();
        let client = db.client();
        // Takes the name of `member`'s primary key index.
        client
            .batch_execute("CREATE SEQUENCE member_pkey")
            .await
            .expect("sequence");
        let project = Project::new("push-fails");
        project
            .file("schema.toml", "schema = \"schema.rs\"\n")
            .file("schema.rs", TABLES);
        insta::assert_snapshot!(project.run(&["push", "--url", &url]));
        let tables: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                &[],
            )
            .await
            .expect("count")
            .get(0);
        assert_eq!(tables, 0, "a table of the failed push stayed");
    });
}

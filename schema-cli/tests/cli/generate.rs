//! `schema-cli generate`, `check` and `drop`: folders written atomically and
//! deterministically, renames asked for (never guessed), the snapshot chain
//! checked, and the whole workflow against a real PostgreSQL.

use std::path::{Path, PathBuf};

use schema_tests::pg::{block_on, fresh_database};

use super::Project;

const V1: &str = r#"
use schema_macros::{pg_enum, table};

#[pg_enum]
pub enum Plan { Free, Pro }

#[table(name = "user")]
pub struct User {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(unique)]
    pub email: String,
    pub nickname: String,
    #[column(default = "free")]
    pub plan: Plan,
}
"#;

/// V1 with `nickname` renamed to `handle` without saying so, and a new table.
const V2_LOOK_ALIKE: &str = r#"
use schema_macros::{pg_enum, table};

#[pg_enum]
pub enum Plan { Free, Pro }

#[table(name = "user")]
pub struct User {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(unique)]
    pub email: String,
    pub handle: String,
    #[column(default = "free")]
    pub plan: Plan,
}

#[table]
pub struct Post {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(references(User::id), on_delete = "cascade")]
    pub author_id: i64,
    pub body: String,
}
"#;

/// Ids and parents replaced, so snapshots do not depend on the clock.
fn scrub_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for ch in text.chars().chain(std::iter::once('\0')) {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        if digits.len() == 17 {
            out.push_str("[ID]");
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        if ch != '\0' {
            out.push(ch);
        }
    }
    out
}

fn folders(dir: &Path) -> Vec<PathBuf> {
    let mut list: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    list.sort();
    list
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn project(name: &str, schema: &str) -> Project {
    let project = Project::new(name);
    project
        .file("schema.toml", "schema = \"schema.rs\"\n")
        .file("schema.rs", schema);
    project
}

#[test]
fn generate_writes_a_migration_then_has_nothing_to_do() {
    let project = project("generate-first", V1);
    insta::assert_snapshot!("first", scrub_ids(&project.run(&["generate"])));
    let written = folders(&project.dir.join("migrations"));
    assert_eq!(written.len(), 1);
    let dir = &written[0];
    assert!(
        dir.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("_create_plan_and_create_user")),
        "{dir:?}"
    );
    insta::assert_snapshot!("first_up", read(&dir.join("up.sql")));
    insta::assert_snapshot!("first_down", read(&dir.join("down.sql")));
    insta::assert_snapshot!(
        "first_snapshot",
        scrub_ids(&read(&dir.join("snapshot.json")))
    );
    insta::assert_snapshot!("nothing", project.run(&["generate"]));
    assert_eq!(folders(&project.dir.join("migrations")).len(), 1);
    assert!(project.run(&["check"]).starts_with("exit: 0\n"));
}

#[test]
fn look_alike_renames_are_refused_without_a_terminal_and_answered_by_flags() {
    let project = project("generate-rename", V1);
    project.run(&["generate"]);
    project.file("schema.rs", V2_LOOK_ALIKE);
    insta::assert_snapshot!("refused", project.run(&["generate"]));
    assert_eq!(
        folders(&project.dir.join("migrations")).len(),
        1,
        "nothing written"
    );

    let out = project.run(&[
        "generate",
        "--rename-column",
        "user.nickname=handle",
        "--name",
        "Rename nick & add posts",
    ]);
    assert!(out.starts_with("exit: 0\n"), "{out}");
    let written = folders(&project.dir.join("migrations"));
    let newest = written.last().expect("a migration");
    assert!(newest.ends_with(newest.file_name().expect("name")));
    assert!(
        newest.to_string_lossy().ends_with("_rename_nick_add_posts"),
        "{newest:?}"
    );
    insta::assert_snapshot!("renamed_up", read(&newest.join("up.sql")));
    insta::assert_snapshot!("renamed_down", read(&newest.join("down.sql")));
}

#[test]
fn not_renamed_drops_with_a_warning_and_answers_files_work() {
    let project = project("generate-drop", V1);
    project.run(&["generate"]);
    project.file("schema.rs", V2_LOOK_ALIKE).file(
        "answers.txt",
        "# the nickname really goes\n--not-renamed user.nickname\n",
    );
    let out = project.run(&["generate", "--answers", "answers.txt"]);
    insta::assert_snapshot!("dropped", scrub_ids(&out));
    let newest = folders(&project.dir.join("migrations"))
        .pop()
        .expect("a migration");
    insta::assert_snapshot!("dropped_up", read(&newest.join("up.sql")));
    insta::assert_snapshot!("dropped_down", read(&newest.join("down.sql")));
}

#[test]
fn the_same_change_gives_the_same_bytes() {
    let one = project("generate-same-1", V1);
    let two = project("generate-same-2", V1);
    let file = |p: &Project, name: &str| {
        let dir = folders(&p.dir.join("migrations"))
            .pop()
            .expect("a migration");
        scrub_ids(&read(&dir.join(name)))
    };
    one.run(&["generate"]);
    two.run(&["generate"]);
    one.file("schema.rs", V2_LOOK_ALIKE);
    two.file("schema.rs", V2_LOOK_ALIKE);
    one.run(&["generate", "--rename-column", "user.nickname=handle"]);
    two.run(&["generate", "--rename-column", "user.nickname=handle"]);
    for name in ["up.sql", "down.sql", "snapshot.json"] {
        assert_eq!(file(&one, name), file(&two, name), "{name}");
    }
}

#[test]
fn ids_increase_strictly_even_within_one_millisecond() {
    let project = project("generate-ids", V1);
    for i in 0..5 {
        let out = project.run(&["generate", "--custom", "--name", &format!("backfill {i}")]);
        assert!(out.starts_with("exit: 0\n"), "{out}");
    }
    let ids: Vec<i64> = folders(&project.dir.join("migrations"))
        .iter()
        .map(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).expect("name");
            name.split('_')
                .next()
                .expect("id")
                .parse()
                .expect("numeric id")
        })
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn custom_migrations_keep_the_snapshot_chain() {
    let project = project("generate-custom", V1);
    project.run(&["generate"]);
    project.file("schema.rs", V2_LOOK_ALIKE);
    project.run(&["generate", "--custom", "--name", "backfill"]);
    let list = folders(&project.dir.join("migrations"));
    let first = read(&list[0].join("snapshot.json"));
    let custom = read(&list[1].join("snapshot.json"));
    let schema_of = |text: &str| text[text.find("\"schema\"").expect("schema")..].to_owned();
    assert_eq!(
        schema_of(&first),
        schema_of(&custom),
        "a custom migration keeps the previous schema"
    );
    insta::assert_snapshot!("custom_up", read(&list[1].join("up.sql")));
    // The code still differs from the chain: check says so.
    insta::assert_snapshot!("custom_check", project.run(&["check"]));
}

#[test]
fn check_finds_edits_and_branches() {
    let project = project("check-findings", V1);
    project.run(&["generate"]);
    let first = folders(&project.dir.join("migrations"))
        .pop()
        .expect("first");
    // Two branches each add a migration on top of the first.
    project.file("schema.rs", V2_LOOK_ALIKE);
    project.run(&[
        "generate",
        "--rename-column",
        "user.nickname=handle",
        "--name",
        "branch a",
    ]);
    let branch_a = folders(&project.dir.join("migrations")).pop().expect("a");
    let first_id = first
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('_').next())
        .expect("id")
        .to_owned();
    let a_id: i64 = branch_a
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('_').next())
        .expect("id")
        .parse()
        .expect("id");
    let b_folder = format!("{}_branch_b", a_id + 1);
    let snapshot = read(&branch_a.join("snapshot.json")).replace(
        &format!("\"id\": \"{a_id}\""),
        &format!("\"id\": \"{}\"", a_id + 1),
    );
    assert!(snapshot.contains(&format!("\"parent\": \"{first_id}\"")));
    project
        .file(
            &format!("migrations/{b_folder}/up.sql"),
            &read(&branch_a.join("up.sql")),
        )
        .file(&format!("migrations/{b_folder}/snapshot.json"), &snapshot);
    // And someone edited the first migration.
    let up = first.join("up.sql");
    std::fs::write(&up, read(&up) + "\n-- edited\n").expect("edit");
    insta::assert_snapshot!("findings", scrub_ids(&project.run(&["check"])));
}

#[test]
fn drop_removes_the_newest_unapplied_migration_only() {
    block_on(async {
        let db = fresh_database().await;
        let project = project("drop", V1);
        project.run(&["generate"]);
        project.file("schema.rs", V2_LOOK_ALIKE);
        project.run(&["generate", "--rename-column", "user.nickname=handle"]);
        let url = db.url().to_owned();
        let out = project.run(&["migrate", "--url", &url]);
        assert!(out.starts_with("exit: 0\n"), "{out}");
        let refused = project.run(&["drop", "--url", &url]);
        assert!(refused.starts_with("exit: 1\n"), "{refused}");
        assert!(refused.contains("is applied"), "{refused}");
        assert_eq!(folders(&project.dir.join("migrations")).len(), 2);

        project.run(&["generate", "--custom", "--name", "later"]);
        let out = project.run(&["drop", "--url", &url]);
        assert!(
            out.starts_with("exit: 0\n") && out.contains("Dropped"),
            "{out}"
        );
        assert_eq!(folders(&project.dir.join("migrations")).len(), 2);
        let out = project.run(&["drop", "--no-db"]);
        assert!(out.starts_with("exit: 0\n"), "{out}");
        assert_eq!(folders(&project.dir.join("migrations")).len(), 1);
    });
}

#[test]
fn generate_then_migrate_lands_on_the_code_and_the_down_script_goes_back() {
    block_on(async {
        let db = fresh_database().await;
        let url = db.url().to_owned();
        let project = project("workflow", V1);
        project.run(&["generate"]);
        project.file("schema.rs", V2_LOOK_ALIKE);
        project.run(&["generate", "--rename-column", "user.nickname=handle"]);
        let out = project.run(&["migrate", "--url", &url]);
        assert!(out.starts_with("exit: 0\n"), "{out}");
        let client = db.client();
        client
            .batch_execute("INSERT INTO \"user\" (email, handle) VALUES ('a@b.c', 'ab'); INSERT INTO post (author_id, body) VALUES (1, 'hi')")
            .await
            .expect("the migrated schema takes rows");
        // The newest down.sql undoes the newest up.sql.
        let newest = folders(&project.dir.join("migrations"))
            .pop()
            .expect("newest");
        client
            .batch_execute(&read(&newest.join("down.sql")))
            .await
            .expect("down applies");
        let nickname: String = client
            .query_one("SELECT nickname FROM \"user\"", &[])
            .await
            .expect("renamed back")
            .get(0);
        assert_eq!(nickname, "ab");
        let out = project.run(&["status", "--url", &url]);
        assert!(out.starts_with("exit: 0\n"), "{out}");
    });
}

/// The README's main command, on a copy of the Vitaes example: the first run
/// writes the initial migration, the second has nothing to do.
#[test]
fn the_readme_main_command_generates_the_vitaes_migration() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/vitaes/src/schema");
    let project = Project::new("readme-vitaes");
    project.file("schema.toml", "schema = \"schema\"\n");
    for entry in std::fs::read_dir(&example).expect("vitaes schema") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_owned();
        project.file(&format!("schema/{name}"), &read(&path));
    }
    let out = project.run(&["generate"]);
    insta::assert_snapshot!("vitaes_first", scrub_ids(&out));
    let dir = folders(&project.dir.join("migrations"))
        .pop()
        .expect("migration");
    insta::assert_snapshot!("vitaes_up", read(&dir.join("up.sql")));
    assert!(project.run(&["generate"]).contains("nothing to generate"));
}

/// In a terminal, a look-alike rename is asked about (dialoguer); answering
/// yes renames. The terminal is `script(1)` from util-linux, part of every
/// Debian system.
#[test]
fn in_a_terminal_renames_are_asked() {
    let project = project("generate-prompt", V1);
    project.run(&["generate"]);
    project.file("schema.rs", &V1.replace("nickname", "handle"));
    let command = format!("{} generate", env!("CARGO_BIN_EXE_schema-cli"));
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(&project.dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux runs the CLI in a terminal");
    std::thread::sleep(std::time::Duration::from_millis(500));
    {
        use std::io::Write as _;
        let stdin = child.stdin.as_mut().expect("stdin");
        stdin.write_all(b"y\n").expect("answer");
    }
    let output = child.wait_with_output().expect("finishes");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(
        screen.contains("Was column `user.nickname` renamed to `handle`?"),
        "{screen}"
    );
    let newest = folders(&project.dir.join("migrations"))
        .pop()
        .expect("a migration");
    assert_eq!(
        read(&newest.join("up.sql")),
        "ALTER TABLE \"public\".\"user\" RENAME COLUMN \"nickname\" TO \"handle\";\n"
    );
}

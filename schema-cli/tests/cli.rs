//! The `schema-cli` binary, run as a user runs it: output and exit codes
//! snapshot-tested, temporary paths filtered out.

#[path = "cli/connection.rs"]
mod connection;
#[path = "cli/generate.rs"]
mod generate;
#[path = "cli/migrate.rs"]
mod migrate;
#[path = "cli/push_pull.rs"]
mod push_pull;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A throwaway project folder.
struct Project {
    dir: PathBuf,
}

impl Project {
    fn new(name: &str) -> Project {
        let dir =
            std::env::temp_dir().join(format!("schema-cli-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create project dir");
        Project { dir }
    }

    fn file(&self, path: &str, text: &str) -> &Project {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create dirs");
        std::fs::write(path, text).expect("write file");
        self
    }

    /// Runs the CLI in `cwd` (relative to the project) and renders exit
    /// code, stdout and stderr with the project path replaced by `[PROJECT]`.
    fn run_in(&self, cwd: &str, args: &[&str]) -> String {
        let output = Command::new(env!("CARGO_BIN_EXE_schema-cli"))
            .args(args)
            .current_dir(self.dir.join(cwd))
            .env_remove("DATABASE_URL")
            .output()
            .expect("run schema-cli");
        let text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        text.replace(&self.dir.display().to_string(), "[PROJECT]")
    }

    fn run(&self, args: &[&str]) -> String {
        self.run_in(".", args)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const USER: &str = r#"
use schema_macros::table;

#[table(name = "user")]
pub struct User {
    #[column(primary_key)]
    pub id: String,
    #[column(unique)]
    pub email: String,
}
"#;

const POST: &str = r#"
use schema_macros::table;

#[table]
pub struct Post {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(references(User::id), on_delete = "cascade")]
    pub author_id: String,
}
"#;

#[test]
fn export_prints_the_ddl_of_a_schema_folder() {
    let project = Project::new("export");
    project
        .file("schema.toml", "schema = \"src/schema\"\n")
        .file("src/schema/user.rs", USER)
        .file("src/schema/blog/post.rs", POST);
    insta::assert_snapshot!(project.run(&["export"]));
}

#[test]
fn export_finds_the_config_from_a_subfolder_and_prints_json() {
    let project = Project::new("json");
    project
        .file("schema.toml", "schema = \"schema.rs\"\n")
        .file("schema.rs", USER)
        .file("deep/inside/.keep", "");
    insta::assert_snapshot!(project.run_in("deep/inside", &["export", "--format", "json"]));
}

#[test]
fn dsl_errors_point_at_file_line_and_column() {
    let project = Project::new("dsl-errors");
    project
        .file("schema.toml", "schema = \"src/schema\"\n")
        .file(
            "src/schema/user.rs",
            r#"
use schema_macros::table;

#[table(name = "user")]
pub struct User {
    #[column(primay_key)]
    pub id: String,
    #[column(on_delete = "explode")]
    pub email: String,
}
"#,
        );
    insta::assert_snapshot!(project.run(&["export"]));
}

#[test]
fn rust_syntax_errors_point_at_file_line_and_column() {
    let project = Project::new("syntax");
    project
        .file("schema.toml", "schema = \"src/schema\"\n")
        .file(
            "src/schema/user.rs",
            "pub struct User {\n    id: String,,\n}\n",
        );
    insta::assert_snapshot!(project.run(&["export"]));
}

#[test]
fn unresolved_references_are_reported_where_they_are_written() {
    let project = Project::new("unresolved");
    project
        .file("schema.toml", "schema = \"src/schema\"\n")
        .file("src/schema/post.rs", POST);
    insta::assert_snapshot!(project.run(&["export"]));
}

#[test]
fn a_name_used_twice_across_files_points_at_its_second_table() {
    let project = Project::new("duplicate-names");
    project
        .file("schema.toml", "schema = \"src/schema\"\n")
        .file(
            "src/schema/a.rs",
            "use schema_macros::table;\n\n#[table(index(name = \"by_email\", columns(email)))]\npub struct Account {\n    #[column(primary_key)]\n    pub id: i64,\n    pub email: String,\n}\n",
        )
        .file(
            "src/schema/b.rs",
            "use schema_macros::table;\n\n/// Members.\n#[table(index(name = \"by_email\", columns(email)))]\npub struct Member {\n    #[column(primary_key)]\n    pub id: i64,\n    pub email: String,\n}\n",
        );
    insta::assert_snapshot!(project.run(&["export"]));
}

#[test]
fn a_missing_config_is_one_line_with_a_hint() {
    let project = Project::new("no-config");
    insta::assert_snapshot!(project.run(&["export"]));
}

#[test]
fn a_missing_schema_path_is_one_line_with_a_hint() {
    let project = Project::new("no-schema");
    project.file("schema.toml", "schema = \"src/nowhere\"\n");
    insta::assert_snapshot!(project.run(&["export"]));
}

#[test]
fn an_explicit_config_that_does_not_exist_is_an_error() {
    let project = Project::new("bad-flag");
    insta::assert_snapshot!(project.run(&["export", "--config", "elsewhere/schema.toml"]));
}

#[test]
fn unknown_config_keys_are_named_with_their_line() {
    let project = Project::new("bad-key");
    project.file(
        "schema.toml",
        "schema = \"s.rs\"\nout = \"m\"\ndialekt = \"postgresql\"\n",
    );
    insta::assert_snapshot!(project.run(&["export"]));
}

#[test]
fn an_unreadable_schema_file_is_an_error() {
    let project = Project::new("unreadable");
    project
        .file("schema.toml", "schema = \"src/schema\"\n")
        .file("src/schema/bad.rs", "");
    std::fs::write(project.dir.join("src/schema/bad.rs"), [0xff, 0xfe, 0x00]).expect("write");
    insta::assert_snapshot!(project.run(&["export"]));
}

#[test]
fn usage_errors_exit_2() {
    let project = Project::new("usage");
    let output = project.run(&["explode"]);
    assert!(output.starts_with("exit: 2\n"), "{output}");
}

#[test]
fn the_project_path_is_filtered() {
    // The filter above must hide the machine's temp dir from snapshots.
    let project = Project::new("filter");
    assert!(Path::new(&project.dir).is_absolute());
}

/// The CLI, reading an example's schema files with the shared parser, sees
/// exactly the model the `#[table]` macro compiled into the example crate.
#[test]
fn the_cli_model_equals_the_macro_model_for_every_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let examples = [
        ("selfkit", example_selfkit::schema()),
        ("apexkit", example_apexkit::schema()),
        ("dbkeep", example_dbkeep::schema()),
        ("tskit", example_tskit::schema()),
        ("vitaes", example_vitaes::schema()),
    ];
    for (name, schema) in examples {
        let config = root.join(name).join("schema.toml");
        let output = Command::new(env!("CARGO_BIN_EXE_schema-cli"))
            .args([
                "--config",
                config.to_str().expect("utf-8 path"),
                "export",
                "--format",
                "json",
            ])
            .output()
            .expect("run schema-cli");
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let cli = String::from_utf8(output.stdout).expect("utf-8 output");
        assert_eq!(
            cli,
            schema.to_snapshot_json(),
            "{name}: CLI and macro models differ"
        );
        assert!(!schema.tables.is_empty(), "{name} has tables");
    }
}

#[test]
fn an_enum_default_that_is_not_a_label_is_an_error() {
    let project = Project::new("enum-default");
    project
        .file("schema.toml", "schema = \"schema.rs\"\n")
        .file(
            "schema.rs",
            r#"
use schema_macros::{pg_enum, table};

#[pg_enum]
pub enum Status { Pending, Done }

#[table]
pub struct Task {
    #[column(primary_key)]
    pub id: i64,
    #[column(default = "bogus")]
    pub status: Status,
}
"#,
        );
    insta::assert_snapshot!(project.run(&["export"]));
}

//! Where the database URL comes from, and what a failed connection says:
//! one line, the password masked, exit 2.

use std::process::Command;

use schema_tests::pg::{block_on, fresh_database};

use super::Project;

/// A role that `scripts/test.sh`'s cluster authenticates by password
/// (scram-sha-256) while every other role is trusted.
const PASSWORD_ROLE: &str = "schema_cli_password_test";

impl Project {
    /// Runs the CLI with `DATABASE_URL` set to `env` (or unset).
    fn run_with_env(&self, args: &[&str], env: Option<&str>) -> String {
        let mut command = Command::new(env!("CARGO_BIN_EXE_schema-cli"));
        command.args(args).current_dir(&self.dir);
        match env {
            Some(url) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        };
        let output = command.output().expect("run schema-cli");
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .replace(&self.dir.display().to_string(), "[PROJECT]")
    }
}

fn project(name: &str, config: &str) -> Project {
    let project = Project::new(name);
    project
        .file("schema.toml", config)
        .file("schema.rs", "")
        .file("migrations/.keep", "");
    project
}

/// Asserts the failure is exit 2 with exactly one stderr line, no password.
fn assert_one_line_exit_2(output: &str, secret: &str) {
    assert!(
        output.starts_with("exit: 2\n--- stdout\n--- stderr\n"),
        "{output}"
    );
    let stderr = output.split("--- stderr\n").nth(1).unwrap_or_default();
    assert_eq!(stderr.lines().count(), 1, "one line: {output}");
    assert!(!output.contains(secret), "password shown: {output}");
    assert!(output.contains("****"), "password masked: {output}");
}

#[test]
fn the_url_comes_from_the_flag_the_config_the_environment_then_dotenv() {
    // Nothing listens on port 1, so each attempt fails fast and names its URL.
    let with_url =
        "schema = \"schema.rs\"\nurl = \"postgres://config:pw@127.0.0.1:1/from_config\"\n";
    let without_url = "schema = \"schema.rs\"\n";
    let project = project("url-order", with_url);
    project.file(
        ".env",
        "# local settings\nexport DATABASE_URL=\"postgres://dotenv:pw@127.0.0.1:1/from_dotenv\"\n",
    );
    let env = Some("postgres://env:pw@127.0.0.1:1/from_env");
    let flag = [
        "status",
        "--url",
        "postgres://flag:pw@127.0.0.1:1/from_flag",
    ];

    let picked = |output: String| {
        ["from_flag", "from_config", "from_env", "from_dotenv"]
            .into_iter()
            .find(|name| output.contains(name))
            .map_or_else(|| output.clone(), str::to_owned)
    };
    assert_eq!(picked(project.run_with_env(&flag, env)), "from_flag");
    assert_eq!(
        picked(project.run_with_env(&["status"], env)),
        "from_config"
    );
    project.file("schema.toml", without_url);
    assert_eq!(picked(project.run_with_env(&["migrate"], env)), "from_env");
    assert_eq!(
        picked(project.run_with_env(&["migrate"], None)),
        "from_dotenv"
    );
    std::fs::remove_file(project.dir.join(".env")).expect("remove .env");
    insta::assert_snapshot!(project.run_with_env(&["migrate"], None));
}

#[test]
fn a_wrong_port_is_one_line_with_the_password_masked() {
    let project = project("wrong-port", "schema = \"schema.rs\"\n");
    let output = project.run(&["migrate", "--url", "postgres://me:s3cret@127.0.0.1:1/app"]);
    assert_one_line_exit_2(&output, "s3cret");
    insta::assert_snapshot!(output);
}

#[test]
fn bad_urls_are_one_line_with_the_password_masked() {
    let project = project("bad-url", "schema = \"schema.rs\"\n");
    let cases = [
        "postgres://me:s3cret@db:notaport/app",
        "postgres://me:s3cret@db/app?sslmode=sometimes",
        "postgres://me:s3cret@/app",
    ];
    let mut outputs = String::new();
    for url in cases {
        let output = project.run(&["status", "--url", url]);
        assert_one_line_exit_2(&output, "s3cret");
        outputs.push_str(&output);
    }
    insta::assert_snapshot!(outputs);
}

#[test]
fn a_wrong_password_or_unknown_role_is_one_line_with_the_password_masked() {
    block_on(async {
        let db = fresh_database().await;
        let config: tokio_postgres::Config = db.url().parse().expect("DATABASE_URL");
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        // scripts/test.sh's cluster asks PASSWORD_ROLE for a password; a
        // server that trusts every local role (a developer's DATABASE_URL)
        // cannot refuse a password, so there an unknown role stands in.
        let by_password: i64 = db
            .client()
            .query_one(
                "SELECT count(*) FROM pg_hba_file_rules \
                 WHERE $1 = ANY(user_name) AND auth_method IN ('scram-sha-256', 'md5', 'password')",
                &[&PASSWORD_ROLE],
            )
            .await
            .expect("pg_hba_file_rules")
            .get(0);
        let project = project("wrong-password", "schema = \"schema.rs\"\n");
        let (url, expected) = if by_password > 0 {
            db.client()
                .batch_execute(&format!(
                    "DO $$ BEGIN CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'right-one'; \
                     EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                ))
                .await
                .expect("create role");
            (
                format!(
                    "postgres://{PASSWORD_ROLE}:wr0ng-s3cret@{host}:{port}/{}",
                    db.name()
                ),
                format!("password authentication failed for user \"{PASSWORD_ROLE}\""),
            )
        } else {
            eprintln!("the server trusts every role: checking an unknown role instead of a wrong password");
            (
                format!(
                    "postgres://no_such_role:wr0ng-s3cret@{host}:{port}/{}",
                    db.name()
                ),
                "role \"no_such_role\" does not exist".to_owned(),
            )
        };
        let output = project.run(&["status", "--url", &url]);
        assert_one_line_exit_2(&output, "wr0ng-s3cret");
        assert!(output.contains(&expected), "{output}");

        // A database that does not exist.
        let url = format!("postgres://postgres:s3cret@{host}:{port}/no_such_database");
        let output = project.run(&["migrate", "--url", &url]);
        assert_one_line_exit_2(&output, "s3cret");
        assert!(
            output.contains("database \"no_such_database\" does not exist"),
            "{output}"
        );
    });
}

/// The CA certificate of `scripts/test.sh`'s TLS-serving cluster, whose
/// certificate names `localhost` only. Unset (a developer's own
/// `DATABASE_URL`): a failure under CI, a note otherwise.
fn tls_root_cert() -> Option<String> {
    const VAR: &str = "SCHEMA_TEST_SSLROOTCERT";
    let path = std::env::var(VAR).ok();
    if path.is_none() {
        let why =
            format!("{VAR} is not set: run the tests through scripts/test.sh without DATABASE_URL");
        if matches!(std::env::var("CI").as_deref(), Ok("true" | "1")) {
            panic!("{why} (CI is set: the TLS tests must not be skipped)");
        }
        eprintln!("note: TLS test not run: {why}");
    }
    path
}

#[test]
fn a_certificate_for_another_host_name_is_one_line_with_the_password_masked() {
    let Some(root_cert) = tls_root_cert() else {
        return;
    };
    block_on(async {
        let db = fresh_database().await;
        let config: tokio_postgres::Config = db.url().parse().expect("DATABASE_URL");
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let project = project("tls-host-name", "schema = \"schema.rs\"\n");
        // The server's certificate names `localhost`, not 127.0.0.1.
        let url = format!(
            "postgres://postgres:s3cret@127.0.0.1:{port}/{}?sslmode=verify-full&sslrootcert={root_cert}",
            db.name()
        );
        let output = project.run(&["status", "--url", &url]);
        assert_one_line_exit_2(&output, "s3cret");
        let output = output
            .replace(&root_cert, "[CA]")
            .replace(db.name(), "[DB]")
            .replace(&format!(":{port}"), ":[PORT]");
        insta::assert_snapshot!(output);
    });
}

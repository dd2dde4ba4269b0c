//! PostgreSQL support for tests that need a real server.
//!
//! Contract: the server comes from `DATABASE_URL`, which `scripts/test.sh`
//! always provides (it starts a throwaway cluster when the variable is unset).
//! A missing or unreachable server is a test failure, never a silent skip.
//! [`fresh_database`] creates a new, uniquely named database on that server
//! for each caller, so tests running in parallel never see each other's
//! objects. Dropping a [`TestDatabase`] drops its database, so a suite run
//! against a long-lived server (`DATABASE_URL` given) leaves nothing behind.

use std::future::Future;
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::{Client, NoTls};

/// Message used whenever the suite runs without a server.
const NO_SERVER: &str =
    "DATABASE_URL is not set: run the suite through scripts/test.sh, which starts PostgreSQL";

/// A database created for one test, with an open connection to it.
///
/// The connection is driven by a task on the tokio runtime that was current
/// when [`fresh_database`] ran, so use the value inside that runtime only.
#[derive(Debug)]
pub struct TestDatabase {
    /// `None` only while being dropped.
    client: Option<Client>,
    url: String,
    name: String,
    server_url: String,
}

impl TestDatabase {
    /// The open connection to this database.
    pub fn client(&self) -> &Client {
        self.client
            .as_ref()
            .unwrap_or_else(|| unreachable!("the client is taken only when dropped"))
    }

    /// A connection string for this database (the server's `DATABASE_URL`
    /// with the database name replaced), e.g. for tools under test.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name (unquoted).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Closes this connection, terminates any other sessions on the database
    /// and drops it, reporting a failure as a panic (dropping the value does
    /// the same but only prints a failure).
    pub async fn drop_database(mut self) {
        drop(self.client.take());
        let name = std::mem::take(&mut self.name);
        remove(&self.server_url, &name).await;
    }
}

impl Drop for TestDatabase {
    /// Drops the database, on a thread and runtime of its own (the test's
    /// runtime may be busy or gone).
    fn drop(&mut self) {
        if self.name.is_empty() {
            return;
        }
        drop(self.client.take());
        let server_url = self.server_url.clone();
        let name = std::mem::take(&mut self.name);
        let removed = std::thread::spawn(move || block_on(remove(&server_url, &name))).join();
        if removed.is_err() {
            eprintln!("warning: a test database was left on the server (see the panic above)");
        }
    }
}

/// Terminates the sessions on database `name` and drops it.
async fn remove(server_url: &str, name: &str) {
    let admin = connect(server_url).await;
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&name],
        )
        .await
        .unwrap_or_else(|e| {
            panic!(
                "terminating sessions on test database {name}: {}",
                chain(&e)
            )
        });
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(name)))
        .await
        .unwrap_or_else(|e| panic!("dropping test database {name}: {}", chain(&e)));
}

/// Creates a new, uniquely named database on the `DATABASE_URL` server and
/// returns a connection to it.
///
/// Must be called inside a tokio runtime (`#[tokio::test]` or [`block_on`]).
///
/// # Panics
///
/// When `DATABASE_URL` is unset (whether or not `CI` is set: the suite never
/// skips silently), or when the server cannot be reached or refuses to create
/// the database.
pub async fn fresh_database() -> TestDatabase {
    let server_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        let ci = matches!(std::env::var("CI").as_deref(), Ok("true" | "1"));
        if ci {
            panic!("{NO_SERVER} (CI is set: tests needing PostgreSQL must not be skipped)");
        }
        panic!("{NO_SERVER}");
    });
    let name = unique_name();
    let admin = connect(&server_url).await;
    admin
        .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
        .await
        .unwrap_or_else(|e| panic!("creating test database {name}: {}", chain(&e)));
    drop(admin);

    let url = with_database(&server_url, &name);
    let client = connect(&url).await;
    TestDatabase {
        client: Some(client),
        url,
        name,
        server_url,
    }
}

/// Runs a future to completion on a new current-thread tokio runtime, for
/// synchronous tests. A [`TestDatabase`] must not outlive the call that
/// created it: its connection task stops with the runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building a tokio runtime for a test")
        .block_on(future)
}

/// Connects without TLS and spawns the connection task on the current runtime.
async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to PostgreSQL at {}: {}", redact(url), chain(&e)));
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("PostgreSQL connection error: {}", chain(&e));
        }
    });
    client
}

/// An error with its causes (`tokio_postgres::Error`'s own message omits
/// them, e.g. "db error" without the server's message).
fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// `schema_test_<pid>_<counter>_<nanos>`: unique per process and call, and
/// unlikely to collide across runs sharing a server.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("schema_test_{}_{counter}_{nanos}", process::id())
}

/// Quotes an identifier for SQL: always double-quoted, inner quotes doubled.
fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Returns `url` pointing at database `name`. Handles both URL form
/// (`postgres://user@host:port/db?opts`) and key/value form (`host=... dbname=...`,
/// where a later `dbname` overrides an earlier one). `name` must need no
/// escaping, which holds for [`unique_name`].
fn with_database(url: &str, name: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return format!("{url} dbname={name}");
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let after_authority = &rest[authority_end..];
    let query = after_authority
        .find('?')
        .map_or("", |i| &after_authority[i..]);
    format!("{}/{name}{query}", &url[..rest_start + authority_end])
}

/// Hides a password in URL-form connection strings for error messages.
fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            let start = scheme_end + 3;
            format!("{}:***{}", &url[..start + colon], &url[start + at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{quote_ident, redact, with_database};

    #[test]
    fn replaces_the_database_in_urls() {
        let cases = [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@127.0.0.1:5432/db",
            ),
            ("postgres://u@h:1", "postgres://u@h:1/db"),
            (
                "postgresql://u@h/x?sslmode=disable",
                "postgresql://u@h/db?sslmode=disable",
            ),
            (
                "postgres://u@h?sslmode=disable",
                "postgres://u@h/db?sslmode=disable",
            ),
            ("host=h user=u dbname=x", "host=h user=u dbname=x dbname=db"),
        ];
        for (url, expected) in cases {
            assert_eq!(with_database(url, "db"), expected, "{url}");
        }
    }

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("a"), "\"a\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}

//! TLS against a real server: every `sslmode` of
//! `schema_core::pg::ConnectOptions`, proved on the server's side through
//! `pg_stat_ssl`. `scripts/test.sh` makes its cluster serve a certificate for
//! `localhost` only (not 127.0.0.1), signed by a throwaway CA whose
//! certificate it names in `SCHEMA_TEST_SSLROOTCERT`; the `host` lines of its
//! pg_hba.conf accept plain connections too. Without that variable these
//! tests fail when CI is set, and print a note and pass otherwise (a
//! developer's own `DATABASE_URL` server need not serve TLS).
//!
//! Every URL carries a password (the trusted roles never need it): no
//! message may show it. Refusals are one line and snapshot-tested, with the
//! port, database name and CA path filtered out.

use std::path::PathBuf;

use schema_core::pg::ConnectOptions;
use schema_tests::pg::{fresh_database, TestDatabase};
use tokio_postgres::Client;

/// The CA certificate of the test server's TLS certificate.
const ROOT_CERT_VAR: &str = "SCHEMA_TEST_SSLROOTCERT";

/// In every URL; must never appear in a message.
const SECRET: &str = "tls-s3cret";

/// The role `scripts/test.sh`'s cluster authenticates by password
/// (scram-sha-256, over 127.0.0.1) while every other role is trusted; the
/// CLI's connection tests use it too, with the same password.
const PASSWORD_ROLE: &str = "schema_cli_password_test";
const PASSWORD: &str = "right-one";

/// A self-signed CA certificate that signed nothing the server has (its key
/// was thrown away): a root store in which the server's issuer is unknown.
const UNRELATED_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBsDCCAVWgAwIBAgIUNEPBZqMrpxqjhMXYJHxXTrRu11MwCgYIKoZIzj0EAwIw
JDEiMCAGA1UEAwwZc2NoZW1hLXRlc3RzIHVucmVsYXRlZCBDQTAgFw0yNjExMjMx
MzIwMDZaGA8yMTI2MTAzMDEzMjAwNlowJDEiMCAGA1UEAwwZc2NoZW1hLXRlc3Rz
IHVucmVsYXRlZCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHbj3s1rgddd
GCKKA+QQwgQQ/4vQPDIzXNnstQ04s5NVVMIP4lPjKDJGiNq1n4LHoyGHkeI7L07o
LkeI4lUvd7ajYzBhMB0GA1UdDgQWBBSrYA9m1JSqCFtY0qTYaW6ew+QXLzAfBgNV
HSMEGDAWgBSrYA9m1JSqCFtY0qTYaW6ew+QXLzAPBgNVHRMBAf8EBTADAQH/MA4G
A1UdDwEB/wQEAwIBBjAKBggqhkjOPQQDAgNJADBGAiEAo69Nh0rJ9O7vqPbeg6Je
S9n59qqJyalhT4O8n+bg6LwCIQDwtgmqmdKpAp43ewKdBYyTc3M7IC5v+nRJqavs
xPleIQ==
-----END CERTIFICATE-----
";

/// A fresh database on the TLS-serving test server.
struct TlsServer {
    db: TestDatabase,
    port: u16,
    user: String,
    root_cert: String,
}

impl TlsServer {
    /// `postgres://<the server's user>:SECRET@host:port/db?query`.
    fn url(&self, host: &str, query: &str) -> String {
        self.url_as(&self.user, SECRET, host, query)
    }

    /// `postgres://user:password@host:port/db?query`.
    fn url_as(&self, user: &str, password: &str, host: &str, query: &str) -> String {
        let mut url = format!(
            "postgres://{user}:{password}@{host}:{}/{}",
            self.port,
            self.db.name()
        );
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url
    }

    /// `sslmode=<mode>&sslrootcert=<path>`, for a query string.
    fn verify(&self, mode: &str, root_cert: &str) -> String {
        format!("sslmode={mode}&sslrootcert={}", percent_encode(root_cert))
    }

    /// Connects to `url` and returns whether the session uses TLS, as the
    /// server sees it; panics (with the one-line error) when refused.
    async fn tls_in_use(&self, url: &str) -> bool {
        let client = ConnectOptions::parse(url)
            .unwrap_or_else(|e| panic!("{e}"))
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let database: String = client
            .query_one("SELECT current_database()", &[])
            .await
            .expect("current_database()")
            .get(0);
        assert_eq!(database, self.db.name(), "connected to the test database");
        server_sees_tls(&client).await
    }

    /// Connects to `url`, expecting a refusal, and checks the message: one
    /// line, the masked URL, no password. Returns it with the port, the
    /// database name and the CA's path filtered out, for a snapshot.
    async fn refused(&self, url: &str) -> String {
        let options = ConnectOptions::parse(url).unwrap_or_else(|e| panic!("{e}"));
        let text = match options.connect().await {
            Ok(client) => panic!(
                "{}: connected (TLS: {}), expected a refusal",
                options.masked_url(),
                server_sees_tls(&client).await
            ),
            Err(error) => error.to_string(),
        };
        assert!(!text.contains('\n'), "one line: {text}");
        assert!(!text.contains(SECRET), "password shown: {text}");
        assert!(
            options.masked_url().contains(":****@") && text.contains(options.masked_url()),
            "masked URL `{}` in: {text}",
            options.masked_url()
        );
        text.replace(&percent_encode(&self.root_cert), "[CA]")
            .replace(&self.root_cert, "[CA]")
            .replace(self.db.name(), "[DB]")
            .replace(&format!(":{}", self.port), ":[PORT]")
    }
}

/// `SELECT ssl FROM pg_stat_ssl` for this session.
async fn server_sees_tls(client: &Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .expect("pg_stat_ssl")
        .get(0)
}

/// A fresh database on the test server and the path of its CA certificate,
/// or `None` (after a note) when the server is not known to serve TLS and
/// CI is not set.
async fn tls_server() -> Option<TlsServer> {
    let Some(root_cert) = std::env::var_os(ROOT_CERT_VAR) else {
        let ci = matches!(std::env::var("CI").as_deref(), Ok("true" | "1"));
        let why = format!(
            "{ROOT_CERT_VAR} is not set: run the suite through scripts/test.sh without \
             DATABASE_URL (its cluster serves TLS), or set {ROOT_CERT_VAR} to the CA \
             certificate of the DATABASE_URL server, whose certificate must name \
             `localhost` and not 127.0.0.1"
        );
        if ci {
            panic!("{why} (CI is set: the TLS tests must not be skipped)");
        }
        eprintln!("note: TLS test not run: {why}");
        return None;
    };
    let root_cert = root_cert
        .into_string()
        .unwrap_or_else(|path| panic!("{ROOT_CERT_VAR} is not UTF-8: {path:?}"));
    assert!(
        std::path::Path::new(&root_cert).is_file(),
        "{ROOT_CERT_VAR}={root_cert} is not a file"
    );
    let db = fresh_database().await;
    let config: tokio_postgres::Config = db.url().parse().expect("DATABASE_URL parses");
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("postgres").to_owned();
    Some(TlsServer {
        db,
        port,
        user,
        root_cert,
    })
}

/// [`UNRELATED_CA`] in a file of its own, deleted on drop.
struct UnrelatedCa(PathBuf);

impl UnrelatedCa {
    fn new(test: &str) -> UnrelatedCa {
        let path = std::env::temp_dir().join(format!(
            "schema-tests-unrelated-ca-{}-{test}.crt",
            std::process::id()
        ));
        std::fs::write(&path, UNRELATED_CA).expect("write the unrelated CA");
        UnrelatedCa(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp dir")
    }
}

impl Drop for UnrelatedCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Percent-encodes all but unreserved characters and `/`, for a path in a
/// URL's query string.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn disable_connects_without_tls() {
    let Some(server) = tls_server().await else {
        return;
    };
    let url = server.url("127.0.0.1", "sslmode=disable");
    assert!(!server.tls_in_use(&url).await, "{url}");
}

#[tokio::test]
async fn prefer_and_the_default_use_tls_when_the_server_offers_it() {
    let Some(server) = tls_server().await else {
        return;
    };
    for query in ["sslmode=prefer", ""] {
        let url = server.url("127.0.0.1", query);
        assert!(server.tls_in_use(&url).await, "{url}");
    }
}

#[tokio::test]
async fn require_uses_tls_and_accepts_any_certificate() {
    let Some(server) = tls_server().await else {
        return;
    };
    // Neither the issuer (no sslrootcert) nor the name (an IP) is checked.
    for host in ["127.0.0.1", "localhost"] {
        let url = server.url(host, "sslmode=require");
        assert!(server.tls_in_use(&url).await, "{url}");
    }
}

#[tokio::test]
async fn require_with_sslrootcert_checks_the_chain_as_libpq_does() {
    let Some(server) = tls_server().await else {
        return;
    };
    let url = server.url("127.0.0.1", &server.verify("require", &server.root_cert));
    assert!(server.tls_in_use(&url).await, "{url}");

    let unrelated = UnrelatedCa::new("require");
    let url = server.url("127.0.0.1", &server.verify("require", unrelated.path()));
    let text = server
        .refused(&url)
        .await
        .replace(unrelated.path(), "[UNRELATED]");
    insta::assert_snapshot!(text, @"could not connect to 127.0.0.1:[PORT]: invalid peer certificate: UnknownIssuer (the server's certificate is not signed by a CA of sslrootcert `[UNRELATED]`) (URL `postgres://postgres:****@127.0.0.1:[PORT]/[DB]?sslmode=require&sslrootcert=[UNRELATED]`)");
}

#[tokio::test]
async fn verify_full_with_the_ca_and_the_certificates_host_name_uses_tls() {
    let Some(server) = tls_server().await else {
        return;
    };
    let url = server.url(
        "localhost",
        &server.verify("verify-full", &server.root_cert),
    );
    assert!(server.tls_in_use(&url).await, "{url}");
}

#[tokio::test]
async fn verify_full_refuses_a_host_the_certificate_does_not_name() {
    let Some(server) = tls_server().await else {
        return;
    };
    let url = server.url(
        "127.0.0.1",
        &server.verify("verify-full", &server.root_cert),
    );
    insta::assert_snapshot!(server.refused(&url).await, @r#"could not connect to 127.0.0.1:[PORT]: invalid peer certificate: certificate not valid for name "127.0.0.1"; certificate is only valid for DnsName("localhost") (URL `postgres://postgres:****@127.0.0.1:[PORT]/[DB]?sslmode=verify-full&sslrootcert=[CA]`)"#);
}

#[tokio::test]
async fn verify_ca_checks_the_chain_but_not_the_host_name() {
    let Some(server) = tls_server().await else {
        return;
    };
    let url = server.url("127.0.0.1", &server.verify("verify-ca", &server.root_cert));
    assert!(server.tls_in_use(&url).await, "{url}");
}

#[tokio::test]
async fn verify_full_and_verify_ca_without_sslrootcert_refuse_an_unknown_issuer() {
    let Some(server) = tls_server().await else {
        return;
    };
    // The public roots of webpki-roots do not include the throwaway CA.
    let mut texts = Vec::new();
    for mode in ["verify-full", "verify-ca"] {
        let url = server.url("localhost", &format!("sslmode={mode}"));
        texts.push(server.refused(&url).await);
    }
    insta::assert_snapshot!(texts.join("\n"), @r"
    could not connect to localhost:[PORT]: invalid peer certificate: UnknownIssuer (the server's certificate is not signed by a public CA: give its CA certificate with sslrootcert=PATH) (URL `postgres://postgres:****@localhost:[PORT]/[DB]?sslmode=verify-full`)
    could not connect to localhost:[PORT]: invalid peer certificate: UnknownIssuer (the server's certificate is not signed by a public CA: give its CA certificate with sslrootcert=PATH) (URL `postgres://postgres:****@localhost:[PORT]/[DB]?sslmode=verify-ca`)
    ");
}

#[tokio::test]
async fn verify_full_and_verify_ca_refuse_a_ca_that_did_not_sign_the_certificate() {
    let Some(server) = tls_server().await else {
        return;
    };
    let unrelated = UnrelatedCa::new("verify");
    for mode in ["verify-full", "verify-ca"] {
        let url = server.url("localhost", &server.verify(mode, unrelated.path()));
        let text = server.refused(&url).await;
        assert!(
            text.contains("UnknownIssuer") && text.contains(unrelated.path()),
            "{text}"
        );
    }
}

#[tokio::test]
async fn an_unreadable_sslrootcert_is_one_line_with_the_password_masked() {
    let Some(server) = tls_server().await else {
        return;
    };
    let url = server.url(
        "localhost",
        &server.verify("verify-full", "/nonexistent/root.crt"),
    );
    insta::assert_snapshot!(server.refused(&url).await, @"could not connect to localhost:[PORT]: cannot read sslrootcert `/nonexistent/root.crt`: I/O error: No such file or directory (os error 2) (URL `postgres://postgres:****@localhost:[PORT]/[DB]?sslmode=verify-full&sslrootcert=/nonexistent/root.crt`)");
    // Nothing is verified with `disable`: the file is not even opened.
    let url = server.url(
        "127.0.0.1",
        "sslmode=disable&sslrootcert=/nonexistent/root.crt",
    );
    assert!(!server.tls_in_use(&url).await, "{url}");
}

#[tokio::test]
async fn scram_with_channel_binding_works_over_verified_tls() {
    let Some(server) = tls_server().await else {
        return;
    };
    let client = server.db.client();
    let by_password: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_hba_file_rules \
             WHERE $1 = ANY(user_name) AND auth_method = 'scram-sha-256'",
            &[&PASSWORD_ROLE],
        )
        .await
        .expect("pg_hba_file_rules")
        .get(0);
    if by_password == 0 {
        eprintln!("note: the server does not ask {PASSWORD_ROLE} for a password: SCRAM over TLS not checked");
        return;
    }
    client
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .await
        .expect("create role");
    // `channel_binding=require` fails unless SCRAM-SHA-256-PLUS binds the
    // session to the server's certificate (tls-server-end-point).
    let query = format!(
        "{}&channel_binding=require",
        server.verify("verify-full", &server.root_cert)
    );
    let url = server.url_as(PASSWORD_ROLE, PASSWORD, "localhost", &query);
    assert!(server.tls_in_use(&url).await, "{url}");

    let url = server.url_as(PASSWORD_ROLE, SECRET, "localhost", &query);
    insta::assert_snapshot!(server.refused(&url).await, @r#"could not connect to localhost:[PORT]: password authentication failed for user "schema_cli_password_test" (URL `postgres://schema_cli_password_test:****@localhost:[PORT]/[DB]?sslmode=verify-full&sslrootcert=[CA]&channel_binding=require`)"#);
}

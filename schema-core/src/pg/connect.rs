//! Connecting to PostgreSQL: a URL (or libpq key=value string) with
//! `sslmode=disable|prefer|require|verify-ca|verify-full` honoured through
//! rustls, a connect timeout, and one clear error when it fails — the URL
//! always shown with its password masked. As in libpq, a Unix socket never
//! carries TLS, and `require` verifies the chain when `sslrootcert` is given.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::{Host, SslMode as DriverSslMode};
use tokio_postgres::{Client, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long connecting (TCP, TLS, authentication) may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// libpq's `sslmode`, as far as it concerns a client without client
/// certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// TLS when the server offers it, plain otherwise (libpq's default).
    Prefer,
    /// TLS, the certificate not verified — unless `sslrootcert` is given:
    /// then its chain is, as with `VerifyCa` (libpq's rule).
    Require,
    /// TLS, the certificate chain verified against the root certificates.
    VerifyCa,
    /// TLS, the chain and the host name verified.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// A connection target: the driver's config plus what this module handles itself.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    config: Config,
    ssl_mode: SslMode,
    root_cert: Option<String>,
    masked: String,
    timeout: Duration,
}

/// Why a connection could not be made. Every message shows the masked URL.
#[derive(Debug)]
pub enum ConnectError {
    /// The URL could not be read.
    BadUrl {
        /// The URL, password masked.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not be reached or refused the session.
    Failed {
        /// The URL, password masked.
        url: String,
        /// `host:port` (or the socket path) tried.
        target: String,
        /// The cause, in one line.
        reason: String,
    },
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::BadUrl { url, reason } => {
                write!(f, "invalid database URL `{url}`: {reason}")
            }
            ConnectError::Failed {
                url,
                target,
                reason,
            } => write!(f, "could not connect to {target}: {reason} (URL `{url}`)"),
        }
    }
}

impl std::error::Error for ConnectError {}

impl ConnectOptions {
    /// Reads a `postgres://` URL or a key=value connection string.
    pub fn parse(url: &str) -> Result<ConnectOptions, ConnectError> {
        let masked = mask_password(url);
        let bad = |reason: String| ConnectError::BadUrl {
            url: masked.clone(),
            reason,
        };
        let (rest, extracted) = extract_params(url, &["sslmode", "sslrootcert"]);
        // As in libpq, a key given twice takes its last value.
        let ssl_mode = match extracted.iter().rev().find(|(k, _)| k == "sslmode") {
            None => SslMode::Prefer,
            Some((_, value)) => SslMode::parse(value).ok_or_else(|| {
                bad(format!(
                    "unknown sslmode `{value}` (expected disable, prefer, require, verify-ca or verify-full)"
                ))
            })?,
        };
        let root_cert = extracted
            .into_iter()
            .rev()
            .find(|(k, _)| k == "sslrootcert")
            .map(|(_, v)| v);
        let mut config: Config = rest.parse().map_err(|error: tokio_postgres::Error| {
            let reason = std::error::Error::source(&error)
                .map_or_else(|| error.to_string(), ToString::to_string);
            bad(reason)
        })?;
        if config.get_hosts().is_empty() {
            return Err(bad("no host given".into()));
        }
        if config.get_user().is_none() {
            return Err(bad("no user given".into()));
        }
        // libpq never uses TLS over a Unix socket, whatever the sslmode (the
        // server refuses it there): a socket-only target connects in plain.
        let sockets_only = config.get_hostaddrs().is_empty()
            && config
                .get_hosts()
                .iter()
                .all(|host| matches!(host, Host::Unix(_)));
        config.ssl_mode(match ssl_mode {
            _ if sockets_only => DriverSslMode::Disable,
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Prefer => DriverSslMode::Prefer,
            _ => DriverSslMode::Require,
        });
        let timeout = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        config.connect_timeout(timeout);
        if config.get_application_name().is_none() {
            config.application_name("schema-cli");
        }
        Ok(ConnectOptions {
            config,
            ssl_mode,
            root_cert,
            masked,
            timeout,
        })
    }

    /// Overrides the connect timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.config.connect_timeout(timeout);
        self
    }

    /// The URL with its password masked, for messages and logs.
    pub fn masked_url(&self) -> &str {
        &self.masked
    }

    /// The driver's config (host, port, user, database…).
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn target(&self) -> String {
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        match self.config.get_hosts().first() {
            Some(Host::Tcp(host)) => format!("{host}:{port}"),
            Some(Host::Unix(path)) => format!("{}/.s.PGSQL.{port}", path.display()),
            None => format!("localhost:{port}"),
        }
    }

    /// Connects, spawning the connection task on the current tokio runtime.
    pub async fn connect(&self) -> Result<Client, ConnectError> {
        let failed = |reason: String| ConnectError::Failed {
            url: self.masked.clone(),
            target: self.target(),
            reason,
        };
        let tls = MakeRustlsConnect::new(self.tls_config().map_err(failed)?);
        let attempt = self.config.connect(tls);
        let (client, connection) = match tokio::time::timeout(self.timeout, attempt).await {
            Err(_) => {
                return Err(failed(format!(
                    "timed out after {} s",
                    self.timeout.as_secs_f32()
                )))
            }
            Ok(Err(error)) => return Err(failed(self.describe(&error))),
            Ok(Ok(pair)) => pair,
        };
        tokio::spawn(async move {
            // The connection ends when the client is dropped; errors after
            // that surface on the client's next call.
            let _ = connection.await;
        });
        Ok(client)
    }

    /// [`describe`], plus what to do when the server's certificate was
    /// signed by a CA that is not trusted.
    fn describe(&self, error: &tokio_postgres::Error) -> String {
        let mut reason = describe(error);
        if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) =
            tls_error(error)
        {
            match &self.root_cert {
                Some(path) => reason.push_str(&format!(
                    " (the server's certificate is not signed by a CA of sslrootcert `{path}`)"
                )),
                None => reason.push_str(
                    " (the server's certificate is not signed by a public CA: give its CA certificate with sslrootcert=PATH)",
                ),
            }
        }
        reason
    }

    /// What the server's certificate is checked against: `sslmode`, except
    /// that `require` with an `sslrootcert` checks the chain as `verify-ca`
    /// does (libpq's rule when a root certificate file is present).
    fn verification(&self) -> SslMode {
        match (self.ssl_mode, &self.root_cert) {
            (SslMode::Require, Some(_)) => SslMode::VerifyCa,
            (mode, _) => mode,
        }
    }

    fn tls_config(&self) -> Result<rustls::ClientConfig, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?;
        // Root certificates are read only when something is verified: with
        // `disable` or `prefer`, an sslrootcert is not even opened.
        let config = match self.verification() {
            SslMode::VerifyFull => builder
                .with_root_certificates(Arc::new(self.root_store()?))
                .with_no_client_auth(),
            SslMode::VerifyCa => {
                let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(self.root_store()?),
                    provider.clone(),
                )
                .build()
                .map_err(|e| format!("TLS setup: {e}"))?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(IgnoreHostName(inner)))
                    .with_no_client_auth()
            }
            SslMode::Disable | SslMode::Prefer | SslMode::Require => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
                .with_no_client_auth(),
        };
        Ok(config)
    }

    fn root_store(&self) -> Result<RootCertStore, String> {
        let mut store = RootCertStore::empty();
        match &self.root_cert {
            Some(path) => {
                use rustls::pki_types::pem::PemObject as _;
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| format!("cannot read sslrootcert `{path}`: {e}"))?;
                for cert in certs {
                    let cert =
                        cert.map_err(|e| format!("cannot read sslrootcert `{path}`: {e}"))?;
                    store
                        .add(cert)
                        .map_err(|e| format!("bad certificate in `{path}`: {e}"))?;
                }
            }
            None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        Ok(store)
    }
}

/// Connects to `url`: shorthand for [`ConnectOptions::parse`] + `connect`.
pub async fn connect(url: &str) -> Result<Client, ConnectError> {
    ConnectOptions::parse(url)?.connect().await
}

/// The rustls error behind a failed TLS handshake, if that is what failed.
fn tls_error(error: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(found) = cause.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        // tokio-rustls wraps the rustls error in an io::Error, whose
        // `source` skips the wrapped error itself.
        if let Some(found) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(found);
        }
        source = cause.source();
    }
    None
}

/// One line for a driver error: the server's message for a database error
/// (wrong password, missing database), the OS's for an I/O error.
fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return db.message().to_owned();
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message = cause.to_string();
        source = cause.source();
    }
    lowercase_first(&message)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Replaces the password of a URL or key=value string with `****`.
pub fn mask_password(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let after = &url[scheme_end + 3..];
        // The user info ends at the last `@` before the query: a password
        // holding an unencoded `/` must not end the authority early (when
        // unsure, more is masked, never less).
        let head_end = after.find('?').unwrap_or(after.len());
        if let Some(at) = after[..head_end].rfind('@') {
            let userinfo = &after[..at];
            if let Some(colon) = userinfo.find(':') {
                return format!(
                    "{}{}:****{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &after[at..]
                );
            }
        }
        let (_, params) = extract_params(url, &["password"]);
        if !params.is_empty() {
            return mask_query_password(url);
        }
        return url.to_owned();
    }
    mask_key_value_password(url)
}

/// Masks every `password = value` of a key=value string, the value bare or
/// in single quotes (with `\'` and `\\` escapes), keeping the rest as is.
fn mask_key_value_password(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(value_start) = find_password_value(rest) {
        out.push_str(&rest[..value_start]);
        out.push_str("****");
        let value = &rest[value_start..];
        let mut end = value.find(char::is_whitespace).unwrap_or(value.len());
        if value.starts_with('\'') {
            end = value.len();
            let mut escaped = false;
            for (i, ch) in value.char_indices().skip(1) {
                match ch {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '\'' => {
                        end = i + 1;
                        break;
                    }
                    _ => {}
                }
            }
        }
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// The byte offset of the value of the first `password` key of `text`.
fn find_password_value(text: &str) -> Option<usize> {
    const KEY: &str = "password";
    let mut from = 0;
    while let Some(found) = text[from..].find(KEY) {
        let start = from + found;
        from = start + KEY.len();
        let at_key_start = text[..start]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        let after_key = text[from..].trim_start();
        if at_key_start {
            if let Some(value) = after_key.strip_prefix('=') {
                let value = value.trim_start();
                return Some(text.len() - value.len());
            }
        }
    }
    None
}

fn mask_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let query = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("password", _)) => "password=****".to_owned(),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{base}?{query}")
}

/// Removes `keys` from a URL's query string (or a key=value string) and
/// returns the rest and the removed pairs.
fn extract_params(url: &str, keys: &[&str]) -> (String, Vec<(String, String)>) {
    let mut taken = Vec::new();
    if url.contains("://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_owned(), taken);
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some((key, value)) if keys.contains(&key) => {
                    taken.push((key.to_owned(), percent_decode(value)))
                }
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return (rest, taken);
    }
    // Cut the taken pairs out and keep everything else byte for byte: quoted
    // values (a password with two spaces) must reach the driver unchanged.
    let mut rest = String::with_capacity(url.len());
    let mut from = 0;
    for (range, key, value) in key_value_pairs(url) {
        if keys.contains(&key) {
            rest.push_str(&url[from..range.start]);
            from = range.end;
            taken.push((key.to_owned(), value));
        }
    }
    rest.push_str(&url[from..]);
    (rest.trim().to_owned(), taken)
}

/// The `key = value` pairs of a key=value connection string, by libpq's
/// rules: a value is bare (up to whitespace) or single-quoted, and `\`
/// escapes the next character in both. Each pair comes with its byte range
/// and its value unquoted. Reading stops at the first malformed pair,
/// leaving the rest for the driver to report.
fn key_value_pairs(text: &str) -> Vec<(std::ops::Range<usize>, &str, String)> {
    let mut pairs = Vec::new();
    let mut chars = text.char_indices().peekable();
    let skip_blanks = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        while chars.next_if(|(_, ch)| ch.is_whitespace()).is_some() {}
    };
    loop {
        skip_blanks(&mut chars);
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        while chars
            .next_if(|&(_, ch)| ch != '=' && !ch.is_whitespace())
            .is_some()
        {}
        let key_end = chars.peek().map_or(text.len(), |&(i, _)| i);
        skip_blanks(&mut chars);
        if chars.next_if(|&(_, ch)| ch == '=').is_none() {
            break;
        }
        skip_blanks(&mut chars);
        let mut value = String::new();
        let quoted = chars.next_if(|&(_, ch)| ch == '\'').is_some();
        let mut end = text.len();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '\\' => value.extend(chars.next().map(|(_, next)| next)),
                '\'' if quoted => {
                    end = i + 1;
                    break;
                }
                _ if !quoted && ch.is_whitespace() => {
                    end = i;
                    break;
                }
                _ => value.push(ch),
            }
        }
        pairs.push((start..end, &text[start..key_end], value));
    }
    pairs
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            if let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `sslmode=require`: encrypt, but accept any certificate (libpq's meaning).
#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must verify; the host name may differ.
#[derive(Debug)]
struct IgnoreHostName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for IgnoreHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            mask_password("postgres://me:s3cr%40t@db:5432/app?sslmode=require"),
            "postgres://me:****@db:5432/app?sslmode=require"
        );
        assert_eq!(
            mask_password("postgresql://me@db/app?password=hunter2&x=1"),
            "postgresql://me@db/app?password=****&x=1"
        );
        assert_eq!(
            mask_password("host=db user=me password=hunter2 dbname=app"),
            "host=db user=me password=**** dbname=app"
        );
        assert_eq!(
            mask_password("postgres://me@db/app"),
            "postgres://me@db/app"
        );
    }

    #[test]
    fn unusual_passwords_are_masked_too() {
        // An unencoded `/` in the password.
        assert_eq!(
            mask_password("postgres://me:se/cret@db:5432/app"),
            "postgres://me:****@db:5432/app"
        );
        // Quoted values with spaces and escapes in key=value strings.
        assert_eq!(
            mask_password("host=db password = 'a b\\' c' user=me"),
            "host=db password = **** user=me"
        );
        assert_eq!(
            mask_password("password=x  dbname=mypassword"),
            "password=****  dbname=mypassword"
        );
    }

    #[test]
    fn sslmode_is_read_here_and_hidden_from_the_driver() {
        let options =
            ConnectOptions::parse("postgres://me:pw@db/app?sslmode=verify-full&application_name=x")
                .expect("valid");
        assert_eq!(options.ssl_mode, SslMode::VerifyFull);
        assert_eq!(options.config().get_application_name(), Some("x"));
        assert_eq!(
            options.masked_url(),
            "postgres://me:****@db/app?sslmode=verify-full&application_name=x"
        );
    }

    #[test]
    fn bad_urls_are_one_line_errors_with_the_password_masked() {
        let error = ConnectOptions::parse("postgres://me:pw@db/app?sslmode=sometimes")
            .expect_err("bad sslmode");
        let text = error.to_string();
        assert!(
            text.contains("sometimes") && text.contains("me:****@"),
            "{text}"
        );
        assert!(!text.contains("pw@"), "{text}");
        let error = ConnectOptions::parse("postgres://me:pw@db:notaport/app").expect_err("port");
        assert!(!error.to_string().contains("pw@"), "{error}");
        assert!(!error.to_string().contains('\n'), "{error}");
    }

    #[test]
    fn key_value_strings_keep_quoted_values_intact() {
        let options = ConnectOptions::parse(
            "host=db user=me password='a  b\\' c' sslrootcert = '/my certs/ca.crt' sslmode=verify-ca dbname=app",
        )
        .expect("valid");
        assert_eq!(options.config().get_password(), Some(&b"a  b' c"[..]));
        assert_eq!(options.config().get_dbname(), Some("app"));
        assert_eq!(options.root_cert.as_deref(), Some("/my certs/ca.crt"));
        assert_eq!(options.ssl_mode, SslMode::VerifyCa);

        // `sslmode=` inside a quoted value is part of that value.
        let options =
            ConnectOptions::parse("host=db user=me password='x sslmode=disable'").expect("valid");
        assert_eq!(options.ssl_mode, SslMode::Prefer);
        assert_eq!(
            options.config().get_password(),
            Some(&b"x sslmode=disable"[..])
        );
    }

    #[test]
    fn the_last_sslmode_and_sslrootcert_win() {
        for url in [
            "postgres://me@db/app?sslmode=disable&sslrootcert=a&sslmode=verify-full&sslrootcert=b",
            "host=db user=me sslmode=disable sslrootcert=a sslmode=verify-full sslrootcert=b",
        ] {
            let options = ConnectOptions::parse(url).expect("valid");
            assert_eq!(options.ssl_mode, SslMode::VerifyFull, "{url}");
            assert_eq!(options.root_cert.as_deref(), Some("b"), "{url}");
        }
    }

    #[test]
    fn require_with_sslrootcert_verifies_the_chain() {
        let verification = |url: &str| ConnectOptions::parse(url).expect("valid").verification();
        assert_eq!(
            verification("postgres://me@db/app?sslmode=require"),
            SslMode::Require
        );
        assert_eq!(
            verification("postgres://me@db/app?sslmode=require&sslrootcert=/ca.crt"),
            SslMode::VerifyCa
        );
        assert_eq!(
            verification("postgres://me@db/app?sslmode=verify-full&sslrootcert=/ca.crt"),
            SslMode::VerifyFull
        );
        assert_eq!(
            verification("postgres://me@db/app?sslrootcert=/ca.crt"),
            SslMode::Prefer
        );
    }

    #[test]
    fn sslrootcert_is_read_only_when_something_is_verified() {
        let tls = |mode: &str| {
            ConnectOptions::parse(&format!(
                "postgres://me@db/app?sslmode={mode}&sslrootcert=/nonexistent/ca.crt"
            ))
            .expect("valid")
            .tls_config()
        };
        for mode in ["disable", "prefer"] {
            assert!(tls(mode).is_ok(), "{mode}");
        }
        for mode in ["require", "verify-ca", "verify-full"] {
            let error = tls(mode).expect_err(mode);
            assert!(
                error.starts_with("cannot read sslrootcert `/nonexistent/ca.crt`"),
                "{error}"
            );
        }
    }

    #[test]
    fn unix_sockets_never_use_tls() {
        let driver_mode = |url: &str| {
            ConnectOptions::parse(url)
                .expect("valid")
                .config()
                .get_ssl_mode()
        };
        for mode in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
            assert_eq!(
                driver_mode(&format!("host=/run/postgresql user=me sslmode={mode}")),
                DriverSslMode::Disable,
                "{mode}"
            );
        }
        // A TCP host among them still gets the sslmode asked for.
        assert_eq!(
            driver_mode("host=/run/postgresql,db user=me sslmode=verify-full"),
            DriverSslMode::Require
        );
        assert_eq!(
            driver_mode("postgres://me@db/app?sslmode=require"),
            DriverSslMode::Require
        );
    }
}

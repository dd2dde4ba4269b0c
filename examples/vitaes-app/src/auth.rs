//! Email + password authentication on SelfKit's schema, Lucia-style: a
//! session token is 20 random bytes the browser keeps; the database keeps
//! only its SHA-256 as the session's id, so a leaked table holds no usable
//! token.
//!
//! Passwords are hashed with SHA-256 and a per-user salt to keep the
//! example free of dependencies; a real application uses argon2id.

use chrono::{DateTime, Duration, Utc};
use example_selfkit::schema::auth::{NewSession, NewUser, Session, User};
use schema_core::query::{Executor, QueryError};
use schema_core::Table;
use sha2::{Digest, Sha256};

/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::days(30);

/// Why signing up or in failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Another account has this email.
    #[error("an account with this email exists")]
    EmailTaken,
    /// No account has this email, or the password is wrong (not told apart).
    #[error("wrong email or password")]
    WrongCredentials,
    /// The database failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The system's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `salt$sha256(salt + password)`, both hex.
fn hash_password(password: &str, salt: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(salt)
        .chain_update(password.as_bytes())
        .finalize();
    format!("{}${}", hex(salt), hex(&digest))
}

fn verify_password(password: &str, stored: &str) -> bool {
    let Some((salt, _)) = stored.split_once('$') else {
        return false;
    };
    let salt: Option<Vec<u8>> = (0..salt.len())
        .step_by(2)
        .map(|i| {
            salt.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect();
    salt.is_some_and(|salt| hash_password(password, &salt) == stored)
}

/// The session id stored for a token: its SHA-256, hex.
fn session_id(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Creates an account. `EmailTaken` when the email is in use: the insert
/// says `ON CONFLICT (email) DO NOTHING` and returns no row.
pub async fn sign_up(
    db: &impl Executor,
    email: &str,
    username: &str,
    password: &str,
) -> Result<User, AuthError> {
    let salt = random_bytes::<16>()?;
    let user = User::insert(NewUser {
        email: email.to_owned(),
        username: username.to_owned(),
        password_hash: hash_password(password, &salt),
        recovery_code: random_bytes::<16>()?.to_vec(),
    })
    .on_conflict(User::email)
    .do_nothing()
    .returning()
    .fetch_optional(db)
    .await?;
    user.ok_or(AuthError::EmailTaken)
}

/// A signed-in session and the token to hand to the browser (stored only
/// as its hash).
#[derive(Debug)]
pub struct SignedIn {
    /// The stored session.
    pub session: Session,
    /// The token for the cookie.
    pub token: String,
}

/// Checks the password and opens a session.
pub async fn sign_in(
    db: &impl Executor,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<SignedIn, AuthError> {
    let user = User::select()
        .filter(User::email.eq(email))
        .fetch_optional(db)
        .await?;
    let user = match user {
        Some(user) if verify_password(password, &user.password_hash) => user,
        _ => return Err(AuthError::WrongCredentials),
    };
    let token = hex(&random_bytes::<20>()?);
    let session = Session::insert(NewSession {
        id: session_id(&token),
        user_id: user.id,
        expires_at: now + SESSION_LIFETIME,
    })
    .returning()
    .fetch_one(db)
    .await?;
    Ok(SignedIn { session, token })
}

/// The user and session of a token, when the session exists and has not
/// expired: one `session ⋈ user` query.
pub async fn validate_session(
    db: &impl Executor,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(User, Session)>, QueryError> {
    User::select()
        .inner_join::<Session>(Session::user_id.eq(User::id))
        .filter(Session::id.eq(session_id(token)))
        .filter(Session::expires_at.gt(now))
        .fetch_optional(db)
        .await
}

/// Ends the session of a token; whether there was one.
pub async fn sign_out(db: &impl Executor, token: &str) -> Result<bool, QueryError> {
    let deleted = Session::delete()
        .filter(Session::id.eq(session_id(token)))
        .execute(db)
        .await?;
    Ok(deleted == 1)
}

/// Ends every session of a user (after a password change); how many.
pub async fn sign_out_everywhere(db: &impl Executor, user_id: i32) -> Result<u64, QueryError> {
    Session::delete()
        .filter(Session::user_id.eq(user_id))
        .execute(db)
        .await
}

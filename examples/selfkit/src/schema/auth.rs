//! Authentication: users, sessions, email verification, password reset and
//! the three second factors (TOTP, passkeys, security keys), Lucia-style.

use chrono::{DateTime, Utc};
use schema_macros::table;

/// A user registered in the app.
#[table(
    name = "user",
    index(name = "user_username_lower_key", columns("lower(username)"), unique)
)]
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    #[column(primary_key, identity(always))]
    pub id: i32,
    #[column(unique)]
    pub email: String,
    pub username: String,
    pub password_hash: String,
    #[column(default = false)]
    pub email_verified: bool,
    /// The recovery code, encrypted.
    pub recovery_code: Vec<u8>,
    #[column(default = false)]
    pub registered_totp: bool,
    #[column(default = false)]
    pub registered_passkey: bool,
    #[column(default = false)]
    pub registered_security_key: bool,
    /// Whether any second factor is set up.
    #[column(generated = "registered_totp OR registered_passkey OR registered_security_key")]
    pub registered_2fa: bool,
    #[column(default_sql = "now()")]
    pub created_at: DateTime<Utc>,
}

/// An authenticated session; `id` is the SHA-256 of the session token.
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    #[column(primary_key)]
    pub id: String,
    #[column(references(User::id), on_delete = "cascade", index)]
    pub user_id: i32,
    pub expires_at: DateTime<Utc>,
    #[column(default = false)]
    pub two_factor_verified: bool,
}

/// The code sent to verify an email address.
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct EmailVerificationRequest {
    #[column(primary_key)]
    pub id: String,
    #[column(references(User::id), on_delete = "cascade", index)]
    pub user_id: i32,
    pub email: String,
    #[column(check = "char_length(code) = 8")]
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// A password reset in progress.
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct PasswordResetSession {
    #[column(primary_key)]
    pub id: String,
    #[column(references(User::id), on_delete = "cascade", index)]
    pub user_id: i32,
    pub email: String,
    #[column(check = "char_length(code) = 8")]
    pub code: String,
    pub expires_at: DateTime<Utc>,
    #[column(default = false)]
    pub email_verified: bool,
    #[column(default = false)]
    pub two_factor_verified: bool,
}

/// The TOTP key of a user who enabled two-factor authentication.
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct TotpCredential {
    #[column(primary_key, serial)]
    pub id: i32,
    #[column(unique, references(User::id), on_delete = "cascade")]
    pub user_id: i32,
    /// The TOTP secret, encrypted.
    pub key: Vec<u8>,
}

/// A passkey (WebAuthn platform credential).
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct PasskeyCredential {
    /// The WebAuthn credential id.
    #[column(primary_key)]
    pub id: Vec<u8>,
    #[column(references(User::id), on_delete = "cascade", index)]
    pub user_id: i32,
    pub name: String,
    /// COSE algorithm identifier (-7 ES256, -257 RS256).
    pub algorithm: i32,
    pub public_key: Vec<u8>,
    #[column(default_sql = "now()")]
    pub created_at: DateTime<Utc>,
}

/// A security key (WebAuthn roaming credential).
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct SecurityKeyCredential {
    /// The WebAuthn credential id.
    #[column(primary_key)]
    pub id: Vec<u8>,
    #[column(references(User::id), on_delete = "cascade", index)]
    pub user_id: i32,
    pub name: String,
    /// COSE algorithm identifier (-7 ES256, -257 RS256).
    pub algorithm: i32,
    pub public_key: Vec<u8>,
    #[column(default_sql = "now()")]
    pub created_at: DateTime<Utc>,
}

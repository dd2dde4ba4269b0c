//! Authentication: the `user` table of the kit's docs, and the session,
//! account and verification tables Better Auth expects next to it.

use chrono::NaiveDateTime;
use schema_macros::table;

/// A user; Better Auth expects a text id.
#[table(name = "user")]
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    #[column(primary_key)]
    pub id: String,
    pub name: String,
    /// One account per email.
    #[column(unique)]
    pub email: String,
    /// Nullable with a default, as in the kit's `boolean().default(false)`.
    #[column(default = false)]
    pub email_verified: Option<bool>,
    pub image: Option<String>,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
    #[column(default_sql = "now()")]
    pub updated_at: NaiveDateTime,
}

/// A signed-in session.
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    #[column(primary_key)]
    pub id: String,
    pub expires_at: NaiveDateTime,
    #[column(unique)]
    pub token: String,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    #[column(
        references(User::id),
        on_delete = "cascade",
        index(name = "session_userId_idx")
    )]
    pub user_id: String,
}

/// A sign-in method of a user: an OAuth provider or a password.
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    #[column(primary_key)]
    pub id: String,
    pub account_id: String,
    pub provider_id: String,
    #[column(
        references(User::id),
        on_delete = "cascade",
        index(name = "account_userId_idx")
    )]
    pub user_id: String,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub access_token_expires_at: Option<NaiveDateTime>,
    pub refresh_token_expires_at: Option<NaiveDateTime>,
    pub scope: Option<String>,
    pub password: Option<String>,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A pending verification (email link, password reset, OTP).
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct Verification {
    #[column(primary_key)]
    pub id: String,
    #[column(index(name = "verification_identifier_idx"))]
    pub identifier: String,
    pub value: String,
    pub expires_at: NaiveDateTime,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
    #[column(default_sql = "now()")]
    pub updated_at: NaiveDateTime,
}

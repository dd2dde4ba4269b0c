//! Authentication (Better Auth): users, sessions, OAuth accounts and
//! verification tokens. Columns the kit's docs show are kept as shown; the
//! ones its docs elide (`// ... other OAuth fields`) are Better Auth's.

use chrono::NaiveDateTime;
use schema_macros::table;

/// A user.
#[table(name = "user")]
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    #[column(primary_key)]
    pub id: String,
    pub name: String,
    #[column(unique)]
    pub email: String,
    #[column(default = false)]
    pub email_verified: bool,
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
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    #[column(references(User::id))]
    pub user_id: String,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
    #[column(default_sql = "now()")]
    pub updated_at: NaiveDateTime,
}

/// An OAuth account (or the password credential) of a user.
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    #[column(primary_key)]
    pub id: String,
    pub account_id: String,
    pub provider_id: String,
    #[column(references(User::id))]
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
    #[column(default_sql = "now()")]
    pub updated_at: NaiveDateTime,
}

/// A pending verification (email link, password reset).
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct Verification {
    #[column(primary_key)]
    pub id: String,
    pub identifier: String,
    pub value: String,
    pub expires_at: NaiveDateTime,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

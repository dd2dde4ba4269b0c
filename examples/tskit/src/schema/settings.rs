//! Per-user settings, one row per user.

use chrono::NaiveDateTime;
use schema_macros::{pg_enum, table};
use uuid::Uuid;

use super::auth::User;

/// The color scheme of the app.
#[pg_enum]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    System,
}

/// A user's preferences.
#[table(name = "user_settings")]
#[derive(Clone, Debug, PartialEq)]
pub struct UserSettings {
    #[column(primary_key, references(User::id), on_delete = "cascade")]
    pub user_id: Uuid,
    #[column(default = "system")]
    pub theme: Theme,
    #[column(default = "en")]
    pub locale: String,
    #[column(default = "UTC")]
    pub timezone: String,
    #[column(default = true)]
    pub email_notifications: bool,
    #[column(default = false)]
    pub marketing_emails: bool,
    #[column(default_sql = "now()")]
    pub updated_at: NaiveDateTime,
}

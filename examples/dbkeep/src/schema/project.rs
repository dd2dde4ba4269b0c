//! The app's data: a project is one database schema being designed.

use chrono::NaiveDateTime;
use schema_macros::table;

use super::auth::User;

/// A schema project. `data` holds the designed schema (tables, relations,
/// positions on the canvas) as free-form JSON.
#[table(index(
    name = "project_data_idx",
    columns(data(opclass = "jsonb_path_ops")),
    method = "gin"
))]
#[derive(Clone, Debug, PartialEq)]
pub struct Project {
    #[column(primary_key)]
    pub id: String,
    pub name: String,
    #[column(default = "postgresql")]
    pub engine: String,
    pub data: Option<serde_json::Value>,
    #[column(references(User::id), index)]
    pub user_id: String,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
    #[column(default_sql = "now()")]
    pub updated_at: NaiveDateTime,
}

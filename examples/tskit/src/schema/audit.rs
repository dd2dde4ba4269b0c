//! The audit log: who did what, in which organization, from where.

use std::net::IpAddr;

use chrono::NaiveDateTime;
use schema_macros::table;
use uuid::Uuid;

use super::auth::{Organization, User};

/// One audited action. Entries outlive the user who acted.
#[table(
    name = "audit_logs",
    index(
        name = "audit_logs_organization_id_created_at_idx",
        columns(organization_id, created_at(desc))
    )
)]
#[derive(Clone, Debug, PartialEq)]
pub struct AuditLog {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    #[column(references(Organization::id), on_delete = "cascade")]
    pub organization_id: Option<Uuid>,
    #[column(references(User::id), on_delete = "set null", index)]
    pub user_id: Option<Uuid>,
    /// What happened, e.g. `member.invited`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub ip_address: Option<IpAddr>,
    pub user_agent: Option<String>,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
}

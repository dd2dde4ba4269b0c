//! TSKit's database schema, written with `#[table]`.
//!
//! TSKit is a TypeScript SaaS starter kit (Better Auth with organizations
//! and two-factor, Stripe billing); its database documentation is
//! `shared/seeds/003_63087a338bd734bb.txt`. The tables are split by domain
//! in [`schema`] (auth, billing, settings, audit) as in the kit's
//! `database/schemas/`; `schema.toml` points `schema-cli` at the same folder.

pub mod schema;

use schema::audit::AuditLog;
use schema::auth::{
    Account, Invitation, InvitationStatus, Member, Organization, Session, TwoFactor, User,
    Verification,
};
use schema::billing::{
    Customer, Plan, PlanInterval, PlanPrice, Subscription, SubscriptionStatus, Usage, WebhookEvent,
};
use schema::settings::{Theme, UserSettings};

/// The whole schema: every table and enum type of the kit.
pub fn schema() -> schema_core::model::Schema {
    schema_core::SchemaBuilder::new()
        .pg_enum::<InvitationStatus>()
        .pg_enum::<PlanInterval>()
        .pg_enum::<SubscriptionStatus>()
        .pg_enum::<Theme>()
        // auth
        .table::<User>()
        .table::<Session>()
        .table::<Account>()
        .table::<Verification>()
        .table::<TwoFactor>()
        .table::<Organization>()
        .table::<Member>()
        .table::<Invitation>()
        // billing
        .table::<Plan>()
        .table::<PlanPrice>()
        .table::<Customer>()
        .table::<Subscription>()
        .table::<Usage>()
        .table::<WebhookEvent>()
        // settings
        .table::<UserSettings>()
        // audit
        .table::<AuditLog>()
        .build()
}

//! SelfKit's database schema, written with `#[table]`.
//!
//! SelfKit is a SvelteKit starter kit with Lucia-style authentication
//! (email + password, TOTP, passkeys, security keys) and Lemon Squeezy
//! billing; its database documentation is `shared/seeds/000_5b2ebad1ee5297c9.txt`.
//! The ten tables live in [`schema`], one module per domain; `schema.toml`
//! points `schema-cli` at the same folder.

pub mod schema;

use schema::auth::{
    EmailVerificationRequest, PasskeyCredential, PasswordResetSession, SecurityKeyCredential,
    Session, TotpCredential, User,
};
use schema::billing::{BillingInterval, Product, ProductVariant, Subscription, SubscriptionStatus};

/// The whole schema: every table and enum type of the kit.
pub fn schema() -> schema_core::model::Schema {
    schema_core::SchemaBuilder::new()
        .pg_enum::<BillingInterval>()
        .pg_enum::<SubscriptionStatus>()
        .table::<User>()
        .table::<Session>()
        .table::<EmailVerificationRequest>()
        .table::<PasswordResetSession>()
        .table::<TotpCredential>()
        .table::<PasskeyCredential>()
        .table::<SecurityKeyCredential>()
        .table::<Product>()
        .table::<ProductVariant>()
        .table::<Subscription>()
        .build()
}

//! Billing: products and variants mirrored from the payment processor
//! (Lemon Squeezy), and each user's subscription.

use chrono::{DateTime, Utc};
use schema_macros::{pg_enum, table};

use super::auth::User;

/// How often a variant bills; `NULL` on a variant means a one-time purchase.
#[pg_enum]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BillingInterval {
    Day,
    Week,
    Month,
    Year,
}

/// A subscription's state, as the payment processor reports it.
#[pg_enum]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionStatus {
    OnTrial,
    Active,
    Paused,
    PastDue,
    Unpaid,
    Cancelled,
    Expired,
}

/// A product added in the payment processor.
#[table]
#[derive(Clone, Debug, PartialEq)]
pub struct Product {
    /// The processor's product id.
    #[column(primary_key)]
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[column(default = true)]
    pub active: bool,
    #[column(default_sql = "now()")]
    pub created_at: DateTime<Utc>,
    #[column(default_sql = "now()")]
    pub updated_at: DateTime<Utc>,
}

/// A product variant (a price and billing interval) added in the payment processor.
#[table(check(name = "product_variant_price_check", sql = "price >= 0"))]
#[derive(Clone, Debug, PartialEq)]
pub struct ProductVariant {
    /// The processor's variant id.
    #[column(primary_key)]
    pub id: String,
    #[column(references(Product::id), on_delete = "cascade", index)]
    pub product_id: String,
    pub name: String,
    pub description: Option<String>,
    /// Price in the currency's minor unit (cents).
    pub price: i32,
    #[column(sql_type = "char(3)", default = "USD")]
    pub currency: String,
    pub billing_interval: Option<BillingInterval>,
    #[column(default = 1, check = "interval_count > 0")]
    pub interval_count: i16,
    #[column(default = 0)]
    pub trial_days: i16,
    #[column(default = true)]
    pub active: bool,
    #[column(default_sql = "now()")]
    pub created_at: DateTime<Utc>,
    #[column(default_sql = "now()")]
    pub updated_at: DateTime<Utc>,
}

/// The subscription of a user (one per user).
#[table(index(
    name = "subscription_active_renews_at_idx",
    columns(renews_at),
    where = "status = 'active'"
))]
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    /// The processor's subscription id.
    #[column(primary_key)]
    pub id: String,
    #[column(unique, references(User::id), on_delete = "cascade")]
    pub user_id: i32,
    #[column(references(ProductVariant::id), on_delete = "restrict", index)]
    pub variant_id: String,
    /// The processor's customer id.
    #[column(index)]
    pub customer_id: String,
    pub status: SubscriptionStatus,
    #[column(sql_type = "varchar(4)")]
    pub card_last_four: Option<String>,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub renews_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    #[column(default_sql = "now()")]
    pub created_at: DateTime<Utc>,
    #[column(default_sql = "now()")]
    pub updated_at: DateTime<Utc>,
}

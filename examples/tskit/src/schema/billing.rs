//! Billing: plans and their prices, Stripe customers and subscriptions,
//! metered usage and the webhook events received from the provider.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use schema_core::Json;
use schema_macros::{pg_enum, table};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::User;

/// How often a price bills.
#[pg_enum]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanInterval {
    Month,
    Year,
}

/// A subscription's state, as Stripe reports it.
#[pg_enum]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Incomplete,
    IncompleteExpired,
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Paused,
}

/// One entitlement of a plan: a feature flag or a numeric limit
/// (`Record<string, boolean | number>` in the TypeScript kit).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Entitlement {
    Enabled(bool),
    Limit(f64),
}

/// What a plan grants, by feature key, e.g. `{"api": true, "seats": 5}`.
pub type Entitlements = BTreeMap<String, Entitlement>;

/// A plan, as in the kit's docs.
#[table(name = "plans")]
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    #[column(unique)]
    pub slug: String,
    pub name: String,
    #[column(default = 0)]
    pub price: i32,
    #[column(default = "{}")]
    pub entitlements: Json<Entitlements>,
    #[column(default = true)]
    pub active: bool,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
}

/// A price of a plan, per interval and currency.
#[table(
    name = "plan_prices",
    unique(columns(plan_id, interval, currency)),
    check(name = "plan_prices_amount_check", sql = "amount >= 0")
)]
#[derive(Clone, Debug, PartialEq)]
pub struct PlanPrice {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    #[column(references(Plan::id), on_delete = "cascade")]
    pub plan_id: Uuid,
    pub interval: PlanInterval,
    /// In the currency's minor unit (cents).
    pub amount: i32,
    #[column(sql_type = "varchar(3)", default = "usd")]
    pub currency: String,
    #[column(unique)]
    pub stripe_price_id: Option<String>,
    #[column(default = true)]
    pub active: bool,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
}

/// The payment provider's customer for a user.
#[table(name = "customers")]
#[derive(Clone, Debug, PartialEq)]
pub struct Customer {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    #[column(unique, references(User::id), on_delete = "cascade")]
    pub user_id: Uuid,
    #[column(unique)]
    pub stripe_customer_id: String,
    pub email: String,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
    #[column(default_sql = "now()")]
    pub updated_at: NaiveDateTime,
}

/// A customer's subscription to a plan.
#[table(name = "subscriptions")]
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    #[column(references(Customer::id), on_delete = "cascade", index)]
    pub customer_id: Uuid,
    #[column(references(Plan::id), on_delete = "restrict", index)]
    pub plan_id: Uuid,
    /// The price subscribed to; kept when the price is removed.
    #[column(references(PlanPrice::id), on_delete = "set null")]
    pub plan_price_id: Option<Uuid>,
    #[column(unique)]
    pub stripe_subscription_id: String,
    #[column(default = "incomplete")]
    pub status: SubscriptionStatus,
    #[column(default = 1, check = "quantity > 0")]
    pub quantity: i32,
    pub current_period_start: Option<NaiveDateTime>,
    pub current_period_end: Option<NaiveDateTime>,
    #[column(default = false)]
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<NaiveDateTime>,
    pub trial_ends_at: Option<NaiveDateTime>,
    #[column(default_sql = "now()")]
    pub created_at: NaiveDateTime,
    #[column(default_sql = "now()")]
    pub updated_at: NaiveDateTime,
}

/// Metered usage of one metric by a customer in one billing period.
#[table(name = "usage", unique(columns(customer_id, metric, period_start)))]
#[derive(Clone, Debug, PartialEq)]
pub struct Usage {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    #[column(references(Customer::id), on_delete = "cascade")]
    pub customer_id: Uuid,
    /// The metered feature, e.g. `api_calls`.
    pub metric: String,
    #[column(default = 0, check = "quantity >= 0")]
    pub quantity: i64,
    pub period_start: NaiveDateTime,
    pub period_end: NaiveDateTime,
    #[column(default_sql = "now()")]
    pub updated_at: NaiveDateTime,
}

/// A webhook event received from the payment provider, stored once (the
/// provider's event id is unique) and marked when processed.
#[table(
    name = "webhook_events",
    index(
        name = "webhook_events_unprocessed_idx",
        columns(received_at),
        where = "processed_at IS NULL"
    )
)]
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookEvent {
    #[column(primary_key, default_sql = "gen_random_uuid()")]
    pub id: Uuid,
    #[column(default = "stripe")]
    pub provider: String,
    #[column(unique)]
    pub provider_event_id: String,
    /// The event type, e.g. `customer.subscription.updated`.
    #[column(name = "type")]
    pub event_type: String,
    pub payload: serde_json::Value,
    pub processed_at: Option<NaiveDateTime>,
    pub error: Option<String>,
    #[column(default_sql = "now()")]
    pub received_at: NaiveDateTime,
}

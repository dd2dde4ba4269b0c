//! SelfKit's tables, one module per domain (`src/lib/server/database/schemas/`
//! in the original kit).

pub mod auth;
pub mod billing;

//! TSKit's tables, split by domain as in the kit's `database/schemas/`.

pub mod audit;
pub mod auth;
pub mod billing;
pub mod settings;

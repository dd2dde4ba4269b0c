//! Apexkit's tables (`src/db/schema/` in the original kit).

pub mod auth;

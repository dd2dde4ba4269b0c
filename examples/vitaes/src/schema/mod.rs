//! Vitaes' tables, as in the kit's `packages/db/src/schema/`: the auth
//! schema and the app schema.

pub mod app;
pub mod auth;

//! DBKeep's tables (`server/database/schema.ts` in the original kit), split
//! into authentication and the app's own data.

pub mod auth;
pub mod project;

//! DBKeep's database schema, written with `#[table]`.
//!
//! DBKeep is a Nuxt app for designing database schemas, on Better Auth; its
//! database documentation (tables, push vs generate vs migrate, Drizzle
//! Studio) is `shared/seeds/002_d4aeeb999546e58d.txt`. The tables live in
//! [`schema`]; `schema.toml` points `schema-cli` at the same folder.

pub mod schema;

use schema::auth::{Account, Session, User, Verification};
use schema::project::Project;

/// The whole schema: every table of the kit.
pub fn schema() -> schema_core::model::Schema {
    schema_core::SchemaBuilder::new()
        .table::<User>()
        .table::<Session>()
        .table::<Account>()
        .table::<Verification>()
        .table::<Project>()
        .build()
}

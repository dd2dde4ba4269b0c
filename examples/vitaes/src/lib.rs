//! Vitaes' database schema, written with `#[table]`.
//!
//! Vitaes is a resume builder (PostgreSQL 17, Better Auth); its database
//! documentation (auth schema with cascades, the resume table with its
//! indexes and composite unique, queries, troubleshooting) is
//! `shared/seeds/004_007c1ae8c51bb820.txt`. The tables live in [`schema`],
//! split as in the kit's `packages/db/src/schema/` (auth, app);
//! `schema.toml` points `schema-cli` at the same folder.

pub mod schema;

use schema::app::Resume;
use schema::auth::{Account, Session, User, Verification};

/// The whole schema: every table of the kit.
pub fn schema() -> schema_core::model::Schema {
    schema_core::SchemaBuilder::new()
        .table::<User>()
        .table::<Session>()
        .table::<Account>()
        .table::<Verification>()
        .table::<Resume>()
        .build()
}

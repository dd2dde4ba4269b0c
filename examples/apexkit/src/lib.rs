//! Apexkit's database schema, written with `#[table]`.
//!
//! Apexkit is a Next.js starter kit on Better Auth; its database
//! documentation (drizzle.config, the `user` table, the db:gen / db:push /
//! db:migrate scripts) is `shared/seeds/001_76421bcfdde2572e.txt`. The
//! tables live in [`schema`]; `schema.toml` points `schema-cli` at the same
//! folder, as `drizzle.config.ts` pointed drizzle-kit at `src/db/schema/`.

pub mod schema;

use schema::auth::{Account, Session, User, Verification};

/// The whole schema: every table of the kit.
pub fn schema() -> schema_core::model::Schema {
    schema_core::SchemaBuilder::new()
        .table::<User>()
        .table::<Session>()
        .table::<Account>()
        .table::<Verification>()
        .build()
}

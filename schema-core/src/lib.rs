//! schema-core: the model, DDL rendering and runtime of a code-first
//! PostgreSQL schema toolkit.
//!
//! - [`model`]: plain data for schemas, tables, columns, constraints, indexes;
//! - [`naming`]: PostgreSQL's own rules for generated names;
//! - [`normalize`]: one form for defaults, identities and SQL expressions,
//!   shared by the parser and introspection; schema comparison by meaning;
//! - [`sql`]: the one SQL writer and DDL rendering;
//! - [`query`]: typed select / insert / update / delete over the column
//!   accessors, executed with tokio-postgres under feature `postgres`;
//! - [`Table`], [`Column`], [`PgEnum`]: what `#[table]` and `#[pg_enum]` implement;
//! - `syntax` (feature `syntax`): the one parser from `#[table]` items to the model;
//! - `migrations` (feature `migrations`): reading migration folders;
//! - `pg` (feature `postgres`): tokio-postgres integration, the migrator.

pub mod diff;
pub mod model;
pub mod naming;
pub mod normalize;
pub mod query;
pub mod sql;
pub mod types;

mod json;
mod table;

#[cfg(feature = "migrations")]
pub mod migrations;
#[cfg(feature = "postgres")]
pub mod pg;
#[cfg(feature = "syntax")]
pub mod syntax;

pub use json::Json;
pub use table::{Column, NotNull, Null, PgEnum, ReferenceCompatible, SchemaBuilder, Table};

#[doc(hidden)]
pub mod __private;

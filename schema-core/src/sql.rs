//! Rendering the model as PostgreSQL text. Knows nothing about how a schema
//! or a change was found; only how to write it.

pub mod changes;
pub mod ddl;
mod writer;

pub use writer::{quote_ident, quote_literal, SqlWriter};

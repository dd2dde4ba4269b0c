//! The cross-crate suite: one test binary (see STYLE.md), one module per
//! concern. Tests that need PostgreSQL get a fresh database each from
//! `schema_tests::pg` and fail, never skip, when the server is missing.

mod catalog;
mod codegen;
mod diff_fixtures;
mod diff_properties;
mod every_feature;
mod example_app;
mod examples;
mod introspect;
mod names;
mod pg_harness;
mod queries;
mod queries_select;
mod queries_write;
mod runtime;
mod tls;

//! An example application on schema-core's typed queries.
//!
//! - [`resumes`]: every Vitaes query from the kit's database documentation
//!   (`shared/seeds/004_007c1ae8c51bb820.txt`) — select by column and by
//!   slug, insert returning, `views = views + 1` returning, delete, a
//!   prepared statement with a placeholder, a transaction over two
//!   statements — on the Vitaes schema (`example-vitaes`).
//! - [`auth`]: sign up, sign in to a session, validate the session, sign
//!   out, on SelfKit's Lucia-style schema (`example-selfkit`): a session's
//!   id is the SHA-256 of the token the browser holds.
//!
//! Every function takes any [`Executor`](schema_core::query::Executor): a
//! tokio-postgres client, a [`CachedClient`](schema_core::query::CachedClient),
//! a transaction, or a pooled client. The tests (in the workspace's
//! `tests/` suite, module `example_app`) run them against PostgreSQL.

pub mod auth;
pub mod resumes;

//! Shared support for the cross-crate suites.

pub mod pg;

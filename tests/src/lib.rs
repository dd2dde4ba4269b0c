//! Shared support for the cross-crate suites.

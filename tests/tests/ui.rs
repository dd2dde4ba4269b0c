//! Compile-fail suite for `#[table]` and `#[pg_enum]` (trybuild).
//!
//! One case per file under `tests/ui/<failure-class>/`: a minimal item and
//! `fn main() {}`, with the compiler's expected output next to it in a
//! `.stderr` file. Each case answers one question: is the error under the
//! erroneous tokens, and does it say how to fix it?
//!
//! The glob is relative to this crate's root (`tests/`), so `ui/*/*.rs` is
//! the workspace's `tests/ui/`.
//!
//! Bless after a parser or compiler change with
//! `TRYBUILD=overwrite cargo test -p schema-tests --test ui`, then read every
//! changed `.stderr`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*/*.rs");
}

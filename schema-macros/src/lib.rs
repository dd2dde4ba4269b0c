//! The `#[table]` and `#[pg_enum]` attribute macros. Thin: parsing and every
//! rule live in `schema_core::syntax` (shared with the CLI); this crate only
//! turns the parsed model into tokens. See `expand.rs`.

mod expand;

use proc_macro::TokenStream;

/// Maps a struct to a PostgreSQL table: typed column accessors
/// (`User::email`), `impl Table` with the table's full model as constant
/// data, and row decoding. See the README's attribute reference.
#[proc_macro_attribute]
pub fn table(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::table(args.into(), item.into()).into()
}

/// Maps a fieldless enum to a PostgreSQL enum type (`CREATE TYPE … AS ENUM`),
/// with `ToSql` / `FromSql` through its labels.
#[proc_macro_attribute]
pub fn pg_enum(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::pg_enum(args.into(), item.into()).into()
}

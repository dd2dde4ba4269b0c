//! The `#[table]` and `#[pg_enum]` attribute macros and `#[derive(FromRow)]`. Thin: parsing and every
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

/// Decodes the rows of a select's chosen columns into a struct:
/// `.columns((Resume::id, Resume::name)).into_struct::<ResumeCard>()`. The
/// fields take the selected values by position, so their types, in order,
/// must be the selection's (checked at compile time by `into_struct`).
#[proc_macro_derive(FromRow)]
pub fn derive_from_row(item: TokenStream) -> TokenStream {
    expand::from_row(item.into()).into()
}

//! The ONE parser from `#[table]` structs and `#[pg_enum]` enums to the
//! model (feature `syntax`), shared by the proc macro and the CLI.
//!
//! - `attr`: typed attribute parsing; `symbol`: attribute keywords;
//! - `rust_types`: the Rust → PostgreSQL type mapping;
//! - `ast`: builds [`TableDef`] / [`EnumDef`]; `check`: cross-attribute rules;
//! - `file`: walks a whole source file and resolves references (CLI).
//!
//! Errors are collected, never returned one at a time: a struct with three
//! mistakes yields three spanned errors in one build.

mod ast;
mod attr;
mod check;
mod codegen;
mod file;
mod rust_types;
mod symbol;

pub use ast::{enum_def, snake_case, table_def, EnumDef, FieldDef, ForeignKeyDef, TableDef};
pub use codegen::render_schema;
pub use file::{
    parse_file, parse_files, resolve, resolve_owned, EnumColumn, EnumItem, ForeignKeyItem,
    ParsedFile, Position, ResolveError, SourceError, SourceErrors, TableItem,
};

use proc_macro2::Span;

/// Errors gathered while parsing one item.
#[derive(Default)]
pub(crate) struct Errors {
    list: Vec<syn::Error>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records an error at `span`.
    pub(crate) fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.list.push(syn::Error::new(span, message));
    }

    /// Records an error from syn.
    pub(crate) fn push_error(&mut self, error: syn::Error) {
        self.list.push(error);
    }

    /// How many errors were recorded so far: an attribute that already
    /// reported a bad key skips its "missing …" follow-up error.
    pub(crate) fn count(&self) -> usize {
        self.list.len()
    }

    /// Records an error spanning all of `tokens` (a whole type or expression,
    /// not just its first token).
    pub(crate) fn push_spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.list.push(syn::Error::new_spanned(tokens, message));
    }

    /// All errors combined into one, or `Ok` when there were none.
    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        let mut iter = self.list.into_iter();
        let Some(mut first) = iter.next() else {
            return Ok(());
        };
        for error in iter {
            first.combine(error);
        }
        Err(first)
    }
}

/// Is this attribute `#[table]` / `#[schema_macros::table]`?
pub fn is_attribute(attr: &syn::Attribute, name: &str) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == name)
}

/// The arguments of an attribute: `#[table(a, b)]` → `a, b`; `#[table]` → nothing.
pub fn attribute_args(attr: &syn::Attribute) -> proc_macro2::TokenStream {
    match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => proc_macro2::TokenStream::new(),
    }
}

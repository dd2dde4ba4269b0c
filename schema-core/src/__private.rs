//! Items used by code that `#[table]` and `#[pg_enum]` generate. Not public
//! API: names here may change in any release.
//!
//! Generated code must not contain `cfg(feature = …)`, as it would be
//! evaluated in the user's crate. Whatever depends on this crate's features
//! is therefore written as a `macro_rules!` macro whose body is chosen here,
//! where the features are known; generated code only invokes it.

pub use std::borrow::Cow;
pub use std::option::Option::{self, None, Some};

pub use crate::model::{
    Check, Column as ColumnModel, DefaultValue, Enum, ForeignKey, Identity, Index, IndexKey,
    IndexTarget, Literal, NullsOrder, PrimaryKey, ReferentialAction, RenamedValue, SqlType,
    Table as TableModel, Unique,
};
pub use crate::query::insert::RequiredColumnsMustBeSet;
pub use crate::query::{ColumnOf, Fields, Insertable, IntoValue, Value, Values};
pub use crate::table::{
    __ModelCell as ModelCell, __check_reference as check_reference, __has_label as has_label,
    __is_key_of as is_key_of,
};
pub use crate::{Column, Null, PgEnum, Table};
pub use std::boxed::Box;
pub use std::vec::Vec;

#[cfg(feature = "postgres")]
pub use crate::pg::__private::*;

pub use crate::__impl_from_row as impl_from_row;
pub use crate::__impl_pg_enum_sql as impl_pg_enum_sql;

/// Implements row decoding for a `#[table]` struct when the `postgres`
/// feature is on; expands to nothing otherwise.
#[cfg(not(feature = "postgres"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_from_row {
    ($($tokens:tt)*) => {};
}

/// Implements `ToSql` / `FromSql` for a `#[pg_enum]` when the `postgres`
/// feature is on; expands to nothing otherwise.
#[cfg(not(feature = "postgres"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_pg_enum_sql {
    ($($tokens:tt)*) => {};
}

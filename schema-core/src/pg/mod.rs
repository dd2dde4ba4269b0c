//! tokio-postgres integration (feature `postgres`): connecting
//! ([`connect`]), reading a database into the model ([`introspect`]),
//! decoding rows into `#[table]` structs, `ToSql` / `FromSql`
//! for `#[pg_enum]` types and [`Json`](crate::Json), applying migrations
//! ([`Migrator`]).

mod connect;
mod introspect;
mod migrate;

pub use connect::{connect, mask_password, ConnectError, ConnectOptions, SslMode};
#[doc(hidden)]
pub use introspect::catalog_queries as __catalog_queries;
pub use introspect::{
    introspect, IntrospectError, IntrospectOptions, Introspection, UnmanagedKind, UnmanagedObject,
};
pub use migrate::{
    AppliedMigration, Entry, Event, MigrateError, MigrateOptions, Migrator, Problem, Report,
    Resume, State, StatementError, Status, TableNameError, TrackingTable, DEFAULT_TABLE,
};

use std::error::Error as StdError;
use std::fmt;

use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, Kind, ToSql, Type};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use tokio_postgres::Row;

use crate::{Json, PgEnum};

/// Decodes a value from a row of a query over a `#[table]`'s columns.
pub trait FromRow: Sized {
    /// Decodes the columns starting at position `offset`.
    fn from_row_at(row: &Row, offset: usize) -> Result<Self, DecodeError>;

    /// Decodes the whole row.
    fn from_row(row: &Row) -> Result<Self, DecodeError> {
        Self::from_row_at(row, 0)
    }
}

/// A row value that could not be decoded: names the column and both types.
#[derive(Debug)]
pub struct DecodeError {
    column: String,
    rust_type: &'static str,
    source: tokio_postgres::Error,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // tokio-postgres's own message is only "error deserializing column
        // N"; the cause says which types did not match.
        let cause = self
            .source
            .source()
            .map_or_else(|| self.source.to_string(), ToString::to_string);
        write!(
            f,
            "cannot decode column `{}` into `{}`: {}",
            self.column,
            short_type_name(self.rust_type),
            cause
        )
    }
}

impl StdError for DecodeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

/// Decodes column `index` of a row whose columns are not known in advance
/// (a raw statement's), naming the column as the server does.
pub(crate) fn decode_at<T: for<'a> FromSql<'a>>(row: &Row, index: usize) -> Result<T, DecodeError> {
    row.try_get(index).map_err(|source| DecodeError {
        column: row.columns().get(index).map_or_else(
            || format!("#{index} (the row has {} columns)", row.len()),
            |c| c.name().to_owned(),
        ),
        rust_type: std::any::type_name::<T>(),
        source,
    })
}

/// `core::option::Option<alloc::string::String>` → `Option<String>`.
fn short_type_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, part) in name.split("::").enumerate() {
        // Before each `::`, drop the module name just written.
        if i > 0 {
            if let Some(at) = out.rfind(|c: char| !(c.is_alphanumeric() || c == '_')) {
                out.truncate(at + 1);
            } else {
                out.clear();
            }
        }
        out.push_str(part);
    }
    out
}

#[doc(hidden)]
pub mod __private {
    pub use bytes::BytesMut;
    pub use postgres_types::{to_sql_checked, FromSql, IsNull, ToSql, Type};

    pub use super::{enum_accepts, enum_from_sql, enum_to_sql, FromRow, Row};

    use super::DecodeError;

    /// Decodes column `index` of `row`, naming `column` in the error.
    pub fn decode<'a, T: FromSql<'a>>(
        row: &'a Row,
        index: usize,
        column: &'static str,
    ) -> Result<T, DecodeError> {
        row.try_get(index).map_err(|source| DecodeError {
            column: column.to_owned(),
            rust_type: std::any::type_name::<T>(),
            source,
        })
    }

    /// Row decoding for a `#[table]` struct, by column position.
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __impl_from_row {
        ($ty:ty { $($field:ident : $index:expr => $column:expr),* $(,)? }) => {
            #[allow(unused_qualifications)]
            impl $crate::__private::FromRow for $ty {
                fn from_row_at(
                    row: &$crate::__private::Row,
                    offset: usize,
                ) -> ::core::result::Result<Self, $crate::pg::DecodeError> {
                    ::core::result::Result::Ok(Self {
                        $($field: $crate::__private::decode(row, offset + $index, $column)?,)*
                    })
                }
            }
        };
    }

    /// `ToSql` / `FromSql` for a `#[pg_enum]`, through its labels.
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __impl_pg_enum_sql {
        ($ty:ty) => {
            #[allow(unused_qualifications)]
            impl<'a> $crate::__private::FromSql<'a> for $ty {
                fn from_sql(
                    _ty: &$crate::__private::Type,
                    raw: &'a [u8],
                ) -> ::core::result::Result<
                    Self,
                    ::std::boxed::Box<dyn ::std::error::Error + Sync + Send>,
                > {
                    $crate::__private::enum_from_sql::<Self>(raw)
                }

                fn accepts(ty: &$crate::__private::Type) -> bool {
                    $crate::__private::enum_accepts::<Self>(ty)
                }
            }

            #[allow(unused_qualifications)]
            impl $crate::__private::ToSql for $ty {
                fn to_sql(
                    &self,
                    _ty: &$crate::__private::Type,
                    out: &mut $crate::__private::BytesMut,
                ) -> ::core::result::Result<
                    $crate::__private::IsNull,
                    ::std::boxed::Box<dyn ::std::error::Error + Sync + Send>,
                > {
                    $crate::__private::enum_to_sql(self, out)
                }

                fn accepts(ty: &$crate::__private::Type) -> bool {
                    $crate::__private::enum_accepts::<Self>(ty)
                }

                $crate::__private::to_sql_checked!();
            }
        };
    }
}

/// Whether a server type can hold the labels of `E`: the enum type itself, or text.
#[doc(hidden)]
pub fn enum_accepts<E: PgEnum>(ty: &Type) -> bool {
    match ty.kind() {
        Kind::Enum(_) => ty.name() == E::NAME,
        _ => matches!(
            *ty,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::UNKNOWN
        ),
    }
}

#[doc(hidden)]
pub fn enum_from_sql<E: PgEnum>(raw: &[u8]) -> Result<E, BoxError> {
    let label = std::str::from_utf8(raw)?;
    E::from_label(label).ok_or_else(|| {
        format!(
            "`{label}` is not a label of enum `{}.{}` known to this program",
            E::SCHEMA,
            E::NAME
        )
        .into()
    })
}

#[doc(hidden)]
pub fn enum_to_sql<E: PgEnum>(value: &E, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    out.put_slice(value.label().as_bytes());
    Ok(IsNull::No)
}

const JSONB_VERSION: u8 = 1;

impl<'a, T: DeserializeOwned> FromSql<'a> for Json<T> {
    fn from_sql(ty: &Type, mut raw: &'a [u8]) -> Result<Self, BoxError> {
        if *ty == Type::JSONB {
            match raw.split_first() {
                Some((&JSONB_VERSION, rest)) => raw = rest,
                _ => return Err("unsupported jsonb encoding version".into()),
            }
        }
        Ok(Json(serde_json::from_slice(raw)?))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::JSON | Type::JSONB)
    }
}

impl<T: Serialize + fmt::Debug> ToSql for Json<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        if *ty == Type::JSONB {
            out.put_u8(JSONB_VERSION);
        }
        serde_json::to_writer(out.writer(), &self.0)?;
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::JSON | Type::JSONB)
    }

    postgres_types::to_sql_checked!();
}

#[cfg(test)]
mod tests {
    #[test]
    fn type_names_lose_their_module_paths() {
        assert_eq!(
            super::short_type_name("core::option::Option<alloc::vec::Vec<my::Enum>>"),
            "Option<Vec<Enum>>"
        );
        assert_eq!(
            super::short_type_name("(i32, alloc::string::String)"),
            "(i32, String)"
        );
    }
}

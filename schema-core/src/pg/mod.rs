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

/// Decodes a value from consecutive columns of a row, by position: a
/// `#[table]` struct from all its columns, a single value (`i64`,
/// `String`, a `#[pg_enum]`, …) from one, a tuple from its members' in
/// turn, and `Option<T>` as `None` when all of `T`'s columns are NULL (a
/// left join that found no row).
///
/// For a type of your own that implements tokio-postgres's `FromSql`,
/// [`scalar_from_row!`](crate::scalar_from_row) implements this trait.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a query's row",
    label = "rows cannot decode into this type",
    note = "a row decodes into a `#[table]` struct, a column value (`i64`, `String`, `Json<T>`, a `#[pg_enum]`, …), an `Option` of one, or a tuple of them",
    note = "for a type of your own that implements `FromSql`, add `schema_core::scalar_from_row!(YourType);`"
)]
pub trait FromRow: Sized {
    /// How many columns the value reads.
    const WIDTH: usize;

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
    pub use crate::scalar_from_row;

    use super::DecodeError;

    /// Decodes column `index` of `row`, naming `column` in the error.
    fn decode<'a, T: FromSql<'a>>(
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

    /// A tuple of up to 16 field types ([`crate::query::FIELDS_PER_TUPLE`])
    /// decoded from `N` consecutive columns, each by its `FromSql`.
    /// `#[table]` and `derive(FromRow)` decode a struct in chunks of at
    /// most that many fields, one
    /// [`decode_fields`] call each, rather than one generic call and one
    /// error conversion per field: less for the compiler to check in every
    /// user crate.
    pub trait DecodeFields<'a, const N: usize>: Sized {
        /// Decodes the columns from `offset` on; `columns` name them in
        /// errors.
        fn decode_fields(
            row: &'a Row,
            offset: usize,
            columns: &[&'static str; N],
        ) -> Result<Self, DecodeError>;
    }

    /// Decodes `N` consecutive columns from `offset` on into a tuple of
    /// field types; an error names the column from `columns`.
    #[inline]
    pub fn decode_fields<'a, T: DecodeFields<'a, N>, const N: usize>(
        row: &'a Row,
        offset: usize,
        columns: &[&'static str; N],
    ) -> Result<T, DecodeError> {
        T::decode_fields(row, offset, columns)
    }

    macro_rules! decode_fields_tuples {
        ($(($n:literal: $($t:ident $i:tt),+))+) => {$(
            impl<'a, $($t: FromSql<'a>),+> DecodeFields<'a, $n> for ($($t,)+) {
                fn decode_fields(
                    row: &'a Row,
                    offset: usize,
                    columns: &[&'static str; $n],
                ) -> Result<Self, DecodeError> {
                    Ok(($(decode::<$t>(row, offset + $i, columns[$i])?,)+))
                }
            }
        )+};
    }

    decode_fields_tuples! {
        (1: A 0)
        (2: A 0, B 1)
        (3: A 0, B 1, C 2)
        (4: A 0, B 1, C 2, D 3)
        (5: A 0, B 1, C 2, D 3, E 4)
        (6: A 0, B 1, C 2, D 3, E 4, F 5)
        (7: A 0, B 1, C 2, D 3, E 4, F 5, G 6)
        (8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
        (9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
        (10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
        (11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
        (12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
        (13: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12)
        (14: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13)
        (15: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14)
        (16: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15)
    }

    /// Row decoding for a `#[table]` struct, by column position: the
    /// struct's width, then its fields in chunks of at most 16, each chunk
    /// with its first column's position, each field with the name of its
    /// local binding (prefixed and hygienic, so that no constant in scope
    /// is taken for a pattern) and its column's name.
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __impl_from_row {
        ($ty:ty, $width:literal {
            $($start:literal => ($($field:ident as $binding:ident = $column:literal),+)),+ $(,)?
        }) => {
            #[allow(unused_qualifications)]
            impl $crate::__private::FromRow for $ty {
                const WIDTH: usize = $width;

                fn from_row_at(
                    row: &$crate::__private::Row,
                    offset: usize,
                ) -> ::core::result::Result<Self, $crate::pg::DecodeError> {
                    $(
                        let ($($binding,)+) =
                            $crate::__private::decode_fields(row, offset + $start, &[$($column),+])?;
                    )+
                    ::core::result::Result::Ok(Self { $($($field: $binding,)+)+ })
                }
            }
        };
    }

    /// Decodes column `index` of `row` as one value, naming the row's
    /// column in the error.
    pub fn decode_value<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> Result<T, DecodeError> {
        row.try_get(index).map_err(|source| DecodeError {
            column: row.columns().get(index).map_or_else(
                || format!("#{index} (the row has {} columns)", row.len()),
                |c| c.name().to_owned(),
            ),
            rust_type: std::any::type_name::<T>(),
            source,
        })
    }

    /// `ToSql` / `FromSql` for a `#[pg_enum]`, through its labels.
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __impl_pg_enum_sql {
        ($ty:ty) => {
            $crate::scalar_from_row!($ty);

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

/// Implements [`FromRow`] for types that decode from one column with
/// tokio-postgres's `FromSql` (every column type schema-core maps has it
/// already): `schema_core::scalar_from_row!(Money, Point);`.
#[macro_export]
macro_rules! scalar_from_row {
    ($($ty:ty),+ $(,)?) => {
        $(
            #[allow(unused_qualifications)]
            impl $crate::pg::FromRow for $ty {
                const WIDTH: usize = 1;

                fn from_row_at(
                    row: &$crate::pg::Row,
                    offset: usize,
                ) -> ::core::result::Result<Self, $crate::pg::DecodeError> {
                    $crate::__private::decode_value(row, offset)
                }
            }
        )+
    };
}

scalar_from_row!(
    bool,
    i8,
    i16,
    i32,
    i64,
    u32,
    f32,
    f64,
    String,
    std::net::IpAddr
);
scalar_from_row!(std::time::SystemTime);

#[cfg(feature = "chrono")]
scalar_from_row!(
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Local>,
    chrono::DateTime<chrono::FixedOffset>,
);

#[cfg(feature = "time")]
scalar_from_row!(
    time::Date,
    time::Time,
    time::PrimitiveDateTime,
    time::OffsetDateTime,
);

#[cfg(feature = "uuid")]
scalar_from_row!(uuid::Uuid);

#[cfg(feature = "serde_json")]
scalar_from_row!(serde_json::Value);

impl<T> FromRow for Vec<T>
where
    for<'a> Vec<T>: FromSql<'a>,
{
    const WIDTH: usize = 1;

    fn from_row_at(row: &Row, offset: usize) -> Result<Self, DecodeError> {
        __private::decode_value(row, offset)
    }
}

impl<T: DeserializeOwned> FromRow for Json<T> {
    const WIDTH: usize = 1;

    fn from_row_at(row: &Row, offset: usize) -> Result<Self, DecodeError> {
        __private::decode_value(row, offset)
    }
}

/// Reads whether a column is NULL, whatever its type.
struct IsNullProbe(bool);

impl<'a> FromSql<'a> for IsNullProbe {
    fn from_sql(_: &Type, _: &'a [u8]) -> Result<Self, BoxError> {
        Ok(IsNullProbe(false))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(IsNullProbe(true))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

impl<T: FromRow> FromRow for Option<T> {
    const WIDTH: usize = T::WIDTH;

    /// `None` when every one of `T`'s columns is NULL.
    fn from_row_at(row: &Row, offset: usize) -> Result<Self, DecodeError> {
        for index in offset..offset + T::WIDTH {
            let IsNullProbe(null) = __private::decode_value(row, index)?;
            if !null {
                return T::from_row_at(row, offset).map(Some);
            }
        }
        Ok(None)
    }
}

macro_rules! tuple_from_row {
    ($($item:ident),+) => {
        impl<$($item: FromRow),+> FromRow for ($($item,)+) {
            const WIDTH: usize = 0 $(+ $item::WIDTH)+;

            fn from_row_at(row: &Row, offset: usize) -> Result<Self, DecodeError> {
                let mut _at = offset;
                Ok(($(
                    {
                        let value = $item::from_row_at(row, _at)?;
                        _at += $item::WIDTH;
                        value
                    },
                )+))
            }
        }
    };
}

tuple_from_row!(A);
tuple_from_row!(A, B);
tuple_from_row!(A, B, C);
tuple_from_row!(A, B, C, D);
tuple_from_row!(A, B, C, D, E);
tuple_from_row!(A, B, C, D, E, F);
tuple_from_row!(A, B, C, D, E, F, G);
tuple_from_row!(A, B, C, D, E, F, G, H);
tuple_from_row!(A, B, C, D, E, F, G, H, J);
tuple_from_row!(A, B, C, D, E, F, G, H, J, K);
tuple_from_row!(A, B, C, D, E, F, G, H, J, K, L);
tuple_from_row!(A, B, C, D, E, F, G, H, J, K, L, M);

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

//! The raw-SQL escape hatch: SQL text written by hand, with typed bound
//! parameters and typed row decoding.
//!
//! Contract: the text is sent as written (it is the caller's SQL, never
//! built from values); each value is bound to the next `$n` with
//! [`Raw::bind`]. Rows decode by position into a tuple of column values
//! (`raw::<(i64, String)>`) or a `#[table]` struct; a failure names the
//! column and both types.

use std::borrow::Cow;
use std::marker::PhantomData;

use super::value::{Param, Value};
use super::Sql;

/// A hand-written statement: see [`raw`].
#[must_use = "a query does nothing until it is executed"]
pub struct Raw<R> {
    text: Cow<'static, str>,
    params: Vec<Param>,
    marker: PhantomData<fn() -> R>,
}

/// A hand-written statement whose rows decode to `R`, for what the builder
/// cannot say: `raw::<(i64, String)>("SELECT id, name FROM t WHERE id = $1").bind(id)`.
/// `R` is a tuple of column values, a `#[table]` struct, or `()` for a
/// statement run with `execute`.
pub fn raw<R>(sql: impl Into<Cow<'static, str>>) -> Raw<R> {
    Raw {
        text: sql.into(),
        params: Vec::new(),
        marker: PhantomData,
    }
}

impl<R> Raw<R> {
    /// Binds `value` to the next parameter: `$1`, then `$2`, ….
    pub fn bind(mut self, value: impl Value) -> Self {
        self.params.push(Box::new(value));
        self
    }

    /// The SQL text and the bound parameters.
    pub fn to_sql(&self) -> Sql<'_> {
        Sql {
            text: self.text.clone().into_owned(),
            params: self.params.iter().map(|p| &**p as &dyn Value).collect(),
        }
    }
}

impl<R> std::fmt::Debug for Raw<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Raw")
            .field("text", &self.text)
            .field("params", &self.params)
            .finish()
    }
}

#[cfg(feature = "postgres")]
mod exec {
    use postgres_types::{FromSql, ToSql};

    use super::super::exec::{self as run, RowStream};
    use super::super::{Executor, QueryError};
    use super::Raw;
    use crate::pg::{DecodeError, FromRow, Row};
    use crate::Table;

    /// What a row of a [`raw`](super::raw) statement decodes to.
    #[diagnostic::on_unimplemented(
        message = "rows of a raw statement cannot decode into `{Self}`",
        label = "not a row type",
        note = "a raw statement's rows decode into a tuple of column values, `(i64, String)` (one column: `(i64,)`), or a `#[table]` struct"
    )]
    pub trait FromRawRow: Sized {
        /// Decodes the row by column position.
        fn from_raw_row(row: &Row) -> Result<Self, DecodeError>;
    }

    // Not suggested when a type does not fit: "`Table` is not implemented
    // for `String`" would hide the trait's own message.
    #[diagnostic::do_not_recommend]
    impl<T: Table + FromRow> FromRawRow for T {
        fn from_raw_row(row: &Row) -> Result<Self, DecodeError> {
            T::from_row(row)
        }
    }

    macro_rules! tuples {
        ($(($($t:ident $i:tt),+))*) => {$(
            impl<$($t: for<'a> FromSql<'a>),+> FromRawRow for ($($t,)+) {
                fn from_raw_row(row: &Row) -> Result<Self, DecodeError> {
                    Ok(($(crate::pg::__private::decode_value::<$t>(row, $i)?,)+))
                }
            }
        )*};
    }

    tuples! {
        (A 0)
        (A 0, B 1)
        (A 0, B 1, C 2)
        (A 0, B 1, C 2, D 3)
        (A 0, B 1, C 2, D 3, E 4)
        (A 0, B 1, C 2, D 3, E 4, F 5)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
    }

    impl<R> Raw<R> {
        fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
            self.params.iter().map(|p| p.as_to_sql()).collect()
        }

        /// Runs the statement and decodes every row.
        pub async fn fetch_all<E: Executor>(&self, db: &E) -> Result<Vec<R>, QueryError>
        where
            R: FromRawRow,
        {
            run::fetch_all_with(db, &self.text, &self.params(), R::from_raw_row).await
        }

        /// Runs the statement and decodes its one row: an error when it
        /// returns none or several.
        pub async fn fetch_one<E: Executor>(&self, db: &E) -> Result<R, QueryError>
        where
            R: FromRawRow,
        {
            run::fetch_one_with(db, &self.text, &self.params(), R::from_raw_row).await
        }

        /// Runs the statement and decodes its row, if any: an error when it
        /// returns several.
        pub async fn fetch_optional<E: Executor>(&self, db: &E) -> Result<Option<R>, QueryError>
        where
            R: FromRawRow,
        {
            run::fetch_optional_with(db, &self.text, &self.params(), R::from_raw_row).await
        }

        /// Runs the statement; its rows one by one as they arrive.
        pub async fn fetch_stream<E: Executor>(&self, db: &E) -> Result<RowStream<R>, QueryError>
        where
            R: FromRawRow,
        {
            run::fetch_stream_with(db, &self.text, &self.params(), R::from_raw_row).await
        }

        /// Runs the statement; the number of rows it affected.
        pub async fn execute<E: Executor>(&self, db: &E) -> Result<u64, QueryError> {
            run::execute_with(db, &self.text, &self.params()).await
        }
    }
}

#[cfg(feature = "postgres")]
pub use exec::FromRawRow;

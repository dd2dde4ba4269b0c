//! Typed queries over the column accessors of `#[table]` structs.
//!
//! # Contract
//!
//! - A query is plain data (expression trees and bound values) until it is
//!   rendered; [`Query::write_sql`] renders it through the one
//!   [`SqlWriter`](crate::sql::SqlWriter): every identifier quoted with
//!   `push_ident`, every value bound with `push_bind` (`$n`), never spliced
//!   into the text. [`Sql`] (from `to_sql()`) shows the text and the
//!   parameters, for logs and snapshot tests.
//! - Typing: an expression over table `T` of Rust type `V` is an
//!   [`Expr<T, V>`]; a column accessor is a `Column<T, V>`. An operand must
//!   be an [`Operand<T, V>`]: a value of exactly `V` (`&str` for `String`)
//!   or a column / expression of the same `T` and `V`. `is_null` needs
//!   `V: Nullable` (an `Option`), `+` / `-` need `V: Numeric`, `like` needs
//!   `V: Text`. A query over `T` takes conditions that are
//!   [`Predicate<T>`]s, so a column of another table does not compile.
//!   Each of these traits carries a `#[diagnostic::on_unimplemented]` message.
//! - Single-table statements: [`Select`] (whole rows), [`Insert`] (one or
//!   many rows: the struct, its generated `New…` struct that leaves
//!   defaulted columns to the database, or [`Values`]; `ON CONFLICT` with
//!   [`OnConflict`] / [`Upsert`] and [`excluded`]), [`Update`], [`Delete`];
//!   update and delete are typestates that only execute after `.filter(…)`
//!   or an explicit `.all_rows()`. `returning()` makes rows come back as
//!   the table's struct. `.prepare()` renders any of them once into a
//!   [`Prepared`] query run with values for its [`placeholder`]s; [`raw`]
//!   is the hand-written escape hatch.
//! - The builder needs no driver. With the `postgres` feature, `fetch_all`,
//!   `fetch_one`, `fetch_optional` and `execute` run a query on any
//!   [`Executor`] (a tokio-postgres `Client` or `Transaction`, or a
//!   [`CachedClient`] / [`CachedTransaction`], which prepare each SQL text
//!   once per connection and reuse the statement); rows decode by position
//!   with [`FromRow`](crate::pg::FromRow). `fetch_stream` gives a
//!   `RowStream`; `transaction` / `CachedClient::transaction` commit on
//!   `Ok` and roll back on `Err` or panic; feature `deadpool` adds pooled
//!   clients.
//!
//! # How joins will fit (not built yet)
//!
//! The `T` of `Expr<T, V>` and `Predicate<T>` is the *source* of a query. A
//! join's source will be a tuple, `(User, Option<Session>)`, and a column of
//! table `U` is accepted in a query over source `S` when `U: InSource<S, I>`
//! (an index type-parameter, as in frunk's `Selector`, picks the tuple
//! position, so `(User, Session)` needs no overlapping impls). The `Operand`,
//! `Predicate` and `OrderTerm` impls then become
//! `impl<S, U: InSource<S, I>, V, I> Operand<S, V> for Column<U, V>`; the
//! single-table impls are the case `S = U`. Left-joined columns compare as
//! `Option<V>`, and rows decode with `FromRow::from_row_at(row, offset)` per
//! table (already there).
//!
//! # Not yet
//!
//! - joins typed as `(User, Option<Session>)` (see above), `exists`, subqueries;
//! - chosen columns into tuples / user structs, `distinct`, `group by` /
//!   `having` and aggregates (`count`, `sum`, `avg`, `min`, `max`);
//! - `in` lists, `between`, `ilike`, `coalesce`, jsonb paths, array contains;
//!   comparing a nullable with a non-nullable *column* (`Option<V>` vs `V`);
//! - `NULLS FIRST` / `LAST`, `FOR UPDATE` / `SKIP LOCKED`;
//! - `returning` chosen columns (inserts, updates and deletes return whole
//!   rows);
//!   an update with no `set` is an SQL syntax error at run time, not a
//!   compile error;
//! - `ON CONFLICT ON CONSTRAINT name` and checking at compile time that a
//!   conflict target is a key (the server checks it);
//! - savepoints through the `transaction` helper (a transaction inside a
//!   transaction; `Begin` needs a `'static` connection);
//! - building each query shape's SQL once for non-prepared queries (today
//!   the text is rebuilt per call and the prepared statement looked up by
//!   text in the cache; `.prepare()` renders once).

mod expr;
pub(crate) mod insert;
mod prepare;
mod raw;
mod statement;
mod value;

#[cfg(feature = "postgres")]
mod exec;
#[cfg(feature = "deadpool")]
mod pool;

use std::fmt;

pub use expr::{ColumnOf, Expr, Nullable, Numeric, Operand, Order, OrderTerm, Predicate, Text};
pub use insert::{excluded, ConflictTarget, Insert, Insertable, OnConflict, Upsert, Values};
pub use prepare::{placeholder, Bound, Placeholder, PlaceholderError, Prepared};
pub use raw::{raw, Raw};
pub use statement::{
    AllRows, Delete, FilterState, Filtered, NoFilter, Returning, RowsChosen, Select, Update,
};
pub use value::{IntoValue, Value};

#[doc(hidden)]
pub use expr::OperandNode;
#[doc(hidden)]
pub use value::__param;

#[cfg(feature = "postgres")]
pub use exec::{
    transaction, Begin, CachedClient, CachedTransaction, Executor, QueryError, RowStream,
    StatementCache,
};
#[cfg(feature = "postgres")]
pub use raw::FromRawRow;

use crate::sql::SqlWriter;
use crate::Table;

/// `SELECT` whole rows of `T` (also `T::select()`).
pub fn select<T: Table>() -> Select<T> {
    Select::new()
}

/// `INSERT` one row of `T` (also `T::insert(row)`): a `T`, its `New…`
/// struct, or [`Values<T>`].
pub fn insert<T: Table>(row: impl Insertable<T>) -> Insert<T> {
    Insert::new([row])
}

/// `INSERT` many rows of `T` in one statement (also `T::insert_many(rows)`).
pub fn insert_many<T: Table, I>(rows: I) -> Insert<T>
where
    I: IntoIterator,
    I::Item: Insertable<T>,
{
    Insert::new(rows)
}

/// `UPDATE` rows of `T` (also `T::update()`).
pub fn update<T: Table>() -> Update<T> {
    Update::new()
}

/// `DELETE` rows of `T` (also `T::delete()`).
pub fn delete<T: Table>() -> Delete<T> {
    Delete::new()
}

/// A rendered query: the SQL text and the values bound to `$1`, `$2`, ….
pub struct Sql<'q> {
    /// The SQL text, with `$n` placeholders.
    pub text: String,
    /// The bound values, in placeholder order.
    pub params: Vec<&'q dyn Value>,
}

impl fmt::Debug for Sql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sql")
            .field("text", &self.text)
            .field("params", &self.params)
            .finish()
    }
}

impl fmt::Display for Sql<'_> {
    /// The text, then one `-- $n = value` line per parameter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        for (i, param) in self.params.iter().enumerate() {
            write!(f, "\n-- ${} = {:?}", i + 1, param)?;
        }
        Ok(())
    }
}

/// A statement that can be rendered to SQL; `Row` is what each returned
/// row decodes to (`()` when it returns none).
pub trait Query {
    /// The Rust type of one returned row.
    type Row;

    /// Writes the statement's SQL, binding its values.
    fn write_sql<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>);

    /// The SQL text and parameters.
    fn to_sql(&self) -> Sql<'_> {
        // Room for a typical statement (every column listed, qualified),
        // so the text is not copied as it grows.
        let mut w = SqlWriter::with_capacity(512);
        self.write_sql(&mut w);
        let (text, params) = w.finish();
        Sql { text, params }
    }
}

/// Inherent `to_sql` / execution methods, so they need no import and an
/// unfiltered update reports [`RowsChosen`]'s message at the call.
macro_rules! query_methods {
    ([$($gen:tt)*] $ty:ty => $row:ty, [$($chosen:tt)*]) => {
        impl<$($gen)*> $ty {
            /// The SQL text and the bound parameters (for logs and snapshots).
            pub fn to_sql(&self) -> Sql<'_>
            where
                $($chosen)*
            {
                Query::to_sql(self)
            }

            /// Renders the SQL once, for many runs with new values for its
            /// [`placeholder`]s (see [`Prepared`]).
            pub fn prepare(self) -> Prepared<Self>
            where
                $($chosen)*
            {
                Prepared::new(self)
            }

            /// Runs the query and decodes every returned row.
            #[cfg(feature = "postgres")]
            pub async fn fetch_all<E: Executor>(&self, db: &E) -> Result<Vec<$row>, QueryError>
            where
                $($chosen)*
                $row: crate::pg::FromRow,
            {
                exec::fetch_all(self, db).await
            }

            /// Runs the query and decodes its one row: an error when it
            /// returns none ([`QueryError::NotFound`]) or several.
            #[cfg(feature = "postgres")]
            pub async fn fetch_one<E: Executor>(&self, db: &E) -> Result<$row, QueryError>
            where
                $($chosen)*
                $row: crate::pg::FromRow,
            {
                exec::fetch_one(self, db).await
            }

            /// Runs the query and decodes its row, if any: an error when it
            /// returns several.
            #[cfg(feature = "postgres")]
            pub async fn fetch_optional<E: Executor>(&self, db: &E) -> Result<Option<$row>, QueryError>
            where
                $($chosen)*
                $row: crate::pg::FromRow,
            {
                exec::fetch_optional(self, db).await
            }

            /// Runs the query; its rows one by one as they arrive, for
            /// results too large to collect (see [`RowStream`]).
            #[cfg(feature = "postgres")]
            pub async fn fetch_stream<E: Executor>(&self, db: &E) -> Result<RowStream<$row>, QueryError>
            where
                $($chosen)*
                $row: crate::pg::FromRow,
            {
                exec::fetch_stream(self, db).await
            }

            /// Runs the query; the number of rows it selected, inserted,
            /// updated or deleted.
            #[cfg(feature = "postgres")]
            pub async fn execute<E: Executor>(&self, db: &E) -> Result<u64, QueryError>
            where
                $($chosen)*
            {
                exec::execute(self, db).await
            }
        }
    };
}

query_methods!([T: Table] Select<T> => T, []);
query_methods!([T: Table, R: Returning] Insert<T, R> => R, []);
query_methods!([T: Table, R: Returning] Upsert<T, R> => R, []);
query_methods!([T: Table, W, R: Returning] Update<T, W, R> => R, [W: RowsChosen,]);
query_methods!([T: Table, W, R: Returning] Delete<T, W, R> => R, [W: RowsChosen,]);

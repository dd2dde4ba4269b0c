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
//! - Typing: an expression of a query over source `S` (a table, or the
//!   tuple of a join, see below) of Rust type `V` is an [`Expr<S, V>`]; a
//!   column accessor is a `Column<T, V, N>` (`N`: [`NotNull`] or [`Null`]).
//!   Column methods (`User::email.eq(…)`) leave `S` to inference: the
//!   expression's destination (`.filter(…)` of a query over `S`) fixes it,
//!   and the column's table must then be in `S` ([`InSource`]). In `S` a
//!   column reads as [`Expression::Value`]: its own `V`, or `Option<V>` when
//!   its table is left-joined. An operand must be an [`Operand<S, V, I>`]:
//!   a value of exactly `V` (`&str` for `String`, `Some(…)` for an
//!   `Option`) or a column / expression of type `V`, so a nullable and a
//!   non-nullable column only compare when said (`column.nullable()`,
//!   `nullable.coalesce(fallback)`). `is_null` / `coalesce` need
//!   `V: Nullable`, `+` / `-` need `V: Numeric`, `like` / `ilike` need
//!   `V: Text`, `get` / `get_text` (`->` / `->>`) need `V: JsonType`,
//!   `contains` / `overlaps` (`@>` / `&&`) need `V: Array`, `sum` / `avg`
//!   need `V: Summable` / `Averageable`. Conditions are [`Predicate`]s,
//!   orderings [`OrderTerm`]s, selected columns [`Selection`]s. Each of
//!   these traits carries a `#[diagnostic::on_unimplemented]` message.
//! - The trailing `I` / `J` type parameters on these traits and methods are
//!   indices the compiler infers (never written by users): where a table
//!   sits in a join's tuple ([`index::At0`] …, [`index::Single`]), or that
//!   an operand is a value ([`index::Bound`]) or an expression
//!   ([`index::Computed`]). They keep the impls for columns, values and
//!   expressions from overlapping.
//! - [`Select`] reads whole rows (`Vec<User>`, `Vec<(User, Option<Session>)>`)
//!   or, after [`columns`](Select::columns), chosen columns, expressions and
//!   aggregates into a value or tuple (`(String, i64)`), or with
//!   [`into_struct`](Select::into_struct) into a `#[derive(FromRow)]`
//!   struct whose field types must match ([`FromColumns`]); `distinct`,
//!   `group_by` / `having`, `order_by` with `nulls_first` / `nulls_last`,
//!   `limit` / `offset`, `for_update` / `for_share` with `skip_locked` /
//!   `no_wait`. Subqueries: `in_select`, [`exists`], with
//!   [`correlate`](Select::correlate) to refer to the outer query's tables.
//!   `in_list` binds one array parameter (`= ANY($1)`), so every list
//!   length shares one statement.
//! - Writes: [`Insert`] (one or many rows: the struct, its generated
//!   `New…` struct that leaves defaulted columns to the database, or
//!   [`Values`]; `ON CONFLICT` with
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
//! # Example
//!
//! With the Vitaes tables (`tests/tests/suite/queries_select.rs` runs
//! these and more against PostgreSQL):
//!
//! ```text
//! // The seed's join: every user with their sessions, or `None`.
//! let rows: Vec<(User, Option<Session>)> = User::select()
//!     .left_join::<Session>(Session::user_id.eq(User::id))
//!     .filter(User::id.eq(user_id))
//!     .fetch_all(&db)
//!     .await?;
//!
//! // Chosen columns and an aggregate, into a tuple.
//! let per_user: Vec<(String, i64)> = User::select()
//!     .left_join::<Session>(Session::user_id.eq(User::id))
//!     .columns((User::id, count(Session::id)))
//!     .group_by(User::id)
//!     .having(count(Session::id).gt(1))
//!     .fetch_all(&db)
//!     .await?;
//!
//! // A job queue: take the next job no other worker holds.
//! let job = Job::select()
//!     .filter(Job::queue.eq("mail"))
//!     .order_by(Job::id)
//!     .limit(1)
//!     .for_update()
//!     .skip_locked()
//!     .fetch_optional(&tx)
//!     .await?;
//! ```
//!
//! # How joins fit
//!
//! The `S` of `Expr<S, V>`, `Predicate<S, I>` and `Select<S, R>` is the
//! *source* of a query: a table, or a tuple grown by each join —
//! `.inner_join::<Session>(on)` appends `Session`, `.left_join::<Session>(on)`
//! appends `Option<Session>` — up to five tables. A column of table `U` is
//! accepted in a query over `S` when `U: InSource<S, I>`: an index
//! type-parameter (as in frunk's `Selector`) names the tuple position, one
//! impl per position, so `(User, Session)` needs no overlapping impls and
//! the compiler infers `I` (a table joined twice is ambiguous: no self
//! joins). The slot says whether the table is [`Required`] or [`Optional`]
//! (left-joined); [`Lift`] then reads its columns as `Option<V>` (or as
//! themselves when already nullable — what the column's `N` marker is
//! for). A join's `ON` condition is typed over the source with the new
//! table required (`(User, Session)`), since it compares candidate rows.
//! Whole rows decode table by table with `FromRow::from_row_at(row,
//! offset)`; `Option<T>` is `None` when all of `T`'s columns are NULL.
//!
//! # Not yet
//!
//! - self joins (a table twice, which needs aliases), right / full joins,
//!   `DISTINCT ON`, `UNION`, window functions, CTEs;
//! - checking at compile time that a grouped query selects only grouped
//!   columns and aggregates (the server reports it), and that a correlated
//!   subquery's outer table is in the enclosing query;
//! - arithmetic on nullable or left-joined columns (`Numeric` is for
//!   non-null numbers), `min` / `max` of expressions (columns only);
//!   `avg` of integers and `sum` of `i64` are cast to `double precision` /
//!   `bigint` (no decimal type yet);
//! - left-joined tables in `update` / `delete` (`FROM` / `USING`);
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
mod source;
mod statement;
mod value;

#[cfg(feature = "postgres")]
mod exec;
#[cfg(feature = "deadpool")]
mod pool;

use std::fmt;

pub use crate::{NotNull, Null};
pub use expr::{
    avg, count, count_all, count_distinct, exists, max, min, not, sum, Accepts, Arith, Array,
    Averageable, ColumnOf, Expr, Expression, JsonKey, JsonType, ListItem, Nullable, Numeric,
    Operand, Order, OrderTerm, Predicate, SameType, Selection, Summable, Text,
};
pub use insert::{excluded, ConflictTarget, Insert, Insertable, OnConflict, Upsert, Values};
pub use prepare::{placeholder, Bound, Placeholder, PlaceholderError, Prepared};
pub use raw::{raw, Raw};
pub use source::{InSource, Join, Lift, Optional, Required, Slot, Source};

/// The type-level indices that keep the impls for columns, values and
/// expressions apart; the compiler infers them, users never write them.
pub mod index {
    pub use super::source::{At0, At1, At2, At3, At4, Bound, Computed, Named, Position, Single};
}
pub use statement::{
    All, AllRows, Chosen, Delete, FilterState, Filtered, FromColumns, NoFilter, Returning,
    RowsChosen, Select, Update,
};
pub use value::{IntoValue, Value};

#[doc(hidden)]
pub use expr::OperandNode;
#[doc(hidden)]
pub use insert::{Fields, FIELDS_PER_TUPLE};

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

query_methods!([S: Source] Select<S, All> => S, []);
query_methods!([S: Source, R] Select<S, Chosen<R>> => R, []);
query_methods!([T: Table, R: Returning] Insert<T, R> => R, []);
query_methods!([T: Table, R: Returning] Upsert<T, R> => R, []);
query_methods!([T: Table, W, R: Returning] Update<T, W, R> => R, [W: RowsChosen,]);
query_methods!([T: Table, W, R: Returning] Delete<T, W, R> => R, [W: RowsChosen,]);

//! `INSERT`: one row or many in one statement, columns left to their
//! database default, `ON CONFLICT … DO NOTHING / DO UPDATE SET`, and
//! `RETURNING`.
//!
//! Contract: a row to insert is an [`Insertable<T>`]: the `#[table]` struct
//! itself (every column but generated ones), the `New…` struct `#[table]`
//! generates next to it (every column without a database default, so a
//! missing required column is a missing field), or a [`Values<T>`] built
//! from either with `.with(column, value)`. The statement lists the union
//! of the rows' columns in table order; a row without one of them gets
//! `DEFAULT` there. Everything is bound, everything quoted, through the one
//! [`SqlWriter`] in [`Query::write_sql`].

use std::marker::PhantomData;

use super::expr::{ColumnOf, Expr, Node, Operand, Predicate};
use super::statement::{write_returning, write_table, Returning};
use super::value::{IntoValue, Param, Value};
use super::Query;
use crate::sql::SqlWriter;
use crate::{Column, Table};

/// A row that can be inserted into `T`.
///
/// Implemented by `#[table]` for the table's struct (every column but
/// generated ones; not for tables with an `identity(always)` or generated
/// column, which the database fills) and for its `New…` struct (every
/// column without a database default), and by [`Values<T>`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a row that can be inserted into `{T}`",
    label = "expected a `{T}`, or the `New{T}` struct `#[table]` generates for it",
    note = "`New{T}` has a field for every column of `{T}` without a database default; set a defaulted column with `New{T} {{ … }}.with({T}::column, value)`",
    note = "a table with an `identity(always)` or generated column can only take `New{T}` rows: the database fills those columns"
)]
pub trait Insertable<T: Table> {
    /// The row's values by column position.
    #[doc(hidden)]
    fn __into_values(self) -> Values<T>;
}

/// Up to 16 [`Value`]s of a row's fields, as a tuple (the generated code's
/// way to bind a whole row with one bound).
#[doc(hidden)]
pub trait Fields {
    /// Pushes each value with its column position.
    fn __push(self, positions: &[usize], out: &mut Vec<(usize, Param)>);
}

macro_rules! fields_tuple {
    ($($v:ident $i:tt),*) => {
        impl<$($v: Value),*> Fields for ($($v,)*) {
            #[allow(unused_variables)]
            fn __push(self, positions: &[usize], out: &mut Vec<(usize, Param)>) {
                $(out.push((positions[$i], Box::new(self.$i)));)*
            }
        }
    };
}

fields_tuple!();
fields_tuple!(A 0);
fields_tuple!(A 0, B 1);
fields_tuple!(A 0, B 1, C 2);
fields_tuple!(A 0, B 1, C 2, D 3);
fields_tuple!(A 0, B 1, C 2, D 3, E 4);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
fields_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

/// How many fields one tuple of a row's fields holds: the widest tuple that
/// [`Fields`] (binding an insert's values) and, with the `postgres` feature,
/// `__private::DecodeFields` (decoding a row) are implemented for.
#[doc(hidden)]
pub const FIELDS_PER_TUPLE: usize = 16;

/// Implemented by no type: the bound of the `Default` impl of `New…`
/// structs, which can therefore never be used.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no default: its fields are the columns without a database default, and each must be set",
    label = "every field of `{Self}` must be given",
    note = "the columns the database fills are not fields of `{Self}`; set one with `.with(column, value)`"
)]
pub trait RequiredColumnsMustBeSet {}

/// Values for some columns of a row of `T`; the other columns get their
/// database default. Built with `.with(column, value)` on a `New…` struct.
pub struct Values<T> {
    /// (column position, value), in column order, one per column.
    values: Vec<(usize, Param)>,
    marker: PhantomData<fn() -> T>,
}

impl<T: Table> Values<T> {
    /// Values of the columns at `positions` (ascending), from `#[table]`'s
    /// generated code: a tuple of fields, so that the generated `Insertable`
    /// impl needs one bound and one call, not one per column (which made
    /// the impls a large part of a table's compile time).
    #[doc(hidden)]
    pub fn __from_fields<F: Fields>(fields: F, positions: &[usize]) -> Self {
        Values {
            values: Vec::with_capacity(positions.len()),
            marker: PhantomData,
        }
        .__and_fields(fields, positions)
    }

    /// More fields, at positions after the earlier ones (a table with more
    /// columns than one tuple of [`Fields`] holds).
    #[doc(hidden)]
    pub fn __and_fields<F: Fields>(mut self, fields: F, positions: &[usize]) -> Self {
        fields.__push(positions, &mut self.values);
        self
    }

    /// Sets `column` to `value` (a column with a database default, or any
    /// other; a second value for the same column replaces the first).
    pub fn with<C: ColumnOf<T>>(mut self, column: C, value: impl IntoValue<C::Value>) -> Self {
        let name = column.__name();
        let Some(index) = T::model().columns.iter().position(|c| c.name == name) else {
            // A column accessor of `T` always names a column of `T`.
            return self;
        };
        let value = value.__into_param();
        match self.values.binary_search_by_key(&index, |(i, _)| *i) {
            Ok(at) => self.values[at].1 = value,
            Err(at) => self.values.insert(at, (index, value)),
        }
        self
    }
}

impl<T> std::fmt::Debug for Values<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.values.iter()).finish()
    }
}

impl<T: Table> Insertable<T> for Values<T> {
    fn __into_values(self) -> Values<T> {
        self
    }
}

/// The columns an `ON CONFLICT (…)` names: a column of `T` or a tuple of
/// them, matching a primary key, unique constraint or unique index.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a conflict target of `{T}`",
    label = "expected a column of `{T}`, or a tuple of columns of `{T}`",
    note = "`on_conflict` names the columns of a primary key or unique constraint of `{T}`, e.g. `on_conflict({T}::id)` or `on_conflict(({T}::a, {T}::b))`"
)]
pub trait ConflictTarget<T> {
    /// The columns' names.
    #[doc(hidden)]
    fn __columns(self) -> Vec<&'static str>;
}

impl<T: Table, V, N> ConflictTarget<T> for Column<T, V, N> {
    fn __columns(self) -> Vec<&'static str> {
        vec![self.name()]
    }
}

macro_rules! conflict_target_tuples {
    ($(($($v:ident $n:ident $c:ident),+))*) => {$(
        impl<T: Table, $($v, $n),+> ConflictTarget<T> for ($(Column<T, $v, $n>,)+) {
            fn __columns(self) -> Vec<&'static str> {
                let ($($c,)+) = self;
                vec![$($c.name()),+]
            }
        }
    )*};
}

conflict_target_tuples! {
    (A NA a)
    (A NA a, B NB b)
    (A NA a, B NB b, C NC c)
    (A NA a, B NB b, C NC c, D ND d)
    (A NA a, B NB b, C NC c, D ND d, E NE e)
}

/// `excluded."column"`: in `ON CONFLICT … DO UPDATE SET`, the value the
/// conflicting row proposed for `column`.
///
/// ```text
/// User::insert(row)
///     .on_conflict(User::email)
///     .do_update_set(User::name, excluded(User::name))
/// ```
pub fn excluded<T: Table, V, N>(column: Column<T, V, N>) -> Expr<T, V> {
    Expr::new(Node::Column {
        table: "excluded",
        column: column.name(),
    })
}

/// `ON CONFLICT (target) DO UPDATE SET … [WHERE …]`.
struct DoUpdate {
    target: Vec<&'static str>,
    sets: Vec<(&'static str, Node)>,
    filter: Option<Node>,
}

/// `INSERT` of one or more rows of `T`: `Resume::insert(NewResume { … })`,
/// `Resume::insert_many(rows)`; `R` is what each returned row decodes to
/// (`()` until [`Insert::returning`]).
#[must_use = "a query does nothing until it is executed"]
pub struct Insert<T, R = ()> {
    /// The statement's columns, by position, in column order.
    columns: Vec<usize>,
    rows: Vec<Values<T>>,
    /// `ON CONFLICT [(target)] DO NOTHING`: the target's columns, empty for
    /// none.
    do_nothing: Option<Vec<&'static str>>,
    marker: PhantomData<fn() -> R>,
}

impl<T: Table> Insert<T> {
    pub(crate) fn new(rows: impl IntoIterator<Item = impl Insertable<T>>) -> Self {
        let rows: Vec<Values<T>> = rows.into_iter().map(Insertable::__into_values).collect();
        let mut columns: Vec<usize> = rows
            .iter()
            .flat_map(|row| row.values.iter().map(|(i, _)| *i))
            .collect();
        columns.sort_unstable();
        columns.dedup();
        Insert {
            columns,
            rows,
            do_nothing: None,
            marker: PhantomData,
        }
    }
}

impl<T: Table, R> Insert<T, R> {
    fn cast<R2>(self) -> Insert<T, R2> {
        Insert {
            columns: self.columns,
            rows: self.rows,
            do_nothing: self.do_nothing,
            marker: PhantomData,
        }
    }

    /// `RETURNING` every column: the stored rows, defaults and triggers applied.
    pub fn returning(self) -> Insert<T, T> {
        self.cast()
    }

    /// `ON CONFLICT DO NOTHING`: a row that would violate any unique
    /// constraint is skipped (and not returned).
    pub fn on_conflict_do_nothing(mut self) -> Self {
        self.do_nothing = Some(Vec::new());
        self
    }

    /// `ON CONFLICT (columns)`: what to do when a row has the same key as a
    /// stored one; finish with [`OnConflict::do_nothing`] or
    /// [`OnConflict::do_update_set`].
    pub fn on_conflict(self, target: impl ConflictTarget<T>) -> OnConflict<T, R> {
        OnConflict {
            target: target.__columns(),
            insert: self,
        }
    }
}

/// An insert with `ON CONFLICT (columns)` and no action yet.
#[must_use = "say what to do on a conflict: `.do_nothing()` or `.do_update_set(…)`"]
pub struct OnConflict<T, R> {
    insert: Insert<T, R>,
    target: Vec<&'static str>,
}

impl<T: Table, R> OnConflict<T, R> {
    /// `DO NOTHING`: a conflicting row is skipped (and not returned).
    pub fn do_nothing(mut self) -> Insert<T, R> {
        self.insert.do_nothing = Some(self.target);
        self.insert
    }

    /// `DO UPDATE SET column = value`: the stored row is updated instead;
    /// the value may use the stored row's columns (`Resume::views + 1`) and
    /// the proposed row's values ([`excluded`]`(Resume::views)`). Add more
    /// columns with [`Upsert::set`].
    pub fn do_update_set<C: ColumnOf<T>, I>(
        self,
        column: C,
        value: impl Operand<T, C::Value, I>,
    ) -> Upsert<T, R> {
        let mut insert = self.insert;
        // One conflict clause: the last one said.
        insert.do_nothing = None;
        Upsert {
            insert,
            update: DoUpdate {
                target: self.target,
                sets: vec![(column.__name(), value.__node().0)],
                filter: None,
            },
        }
    }
}

/// `INSERT … ON CONFLICT (…) DO UPDATE SET …`: an insert that updates the
/// stored row when the key is taken.
#[must_use = "a query does nothing until it is executed"]
pub struct Upsert<T, R = ()> {
    insert: Insert<T, R>,
    update: DoUpdate,
}

impl<T: Table, R> Upsert<T, R> {
    /// Also `SET column = value` on a conflict.
    pub fn set<C: ColumnOf<T>, I>(
        mut self,
        column: C,
        value: impl Operand<T, C::Value, I>,
    ) -> Self {
        self.update.sets.push((column.__name(), value.__node().0));
        self
    }

    /// `WHERE condition` on the update: a conflicting row the condition
    /// rejects is left as stored (and not returned). A second call adds
    /// `AND condition`.
    pub fn filter<I>(mut self, condition: impl Predicate<T, I>) -> Self {
        let condition = condition.__node().0;
        let filter = &mut self.update.filter;
        *filter = Some(match filter.take() {
            Some(previous) => Node::Binary(Box::new(previous), "AND", Box::new(condition)),
            None => condition,
        });
        self
    }

    /// `RETURNING` every column of the inserted or updated rows.
    pub fn returning(self) -> Upsert<T, T> {
        Upsert {
            insert: self.insert.cast(),
            update: self.update,
        }
    }
}

impl<T: Table, R: Returning> Insert<T, R> {
    /// Writes the statement, with `update` as its conflict clause when
    /// it is an upsert.
    fn write_with<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>, update: Option<&'q DoUpdate>) {
        w.push_sql("INSERT INTO ");
        write_table::<T>(w);
        if self.rows.is_empty() {
            // No row: a statement that inserts nothing, and still returns
            // (no) rows of the right shape.
            w.push_sql(" SELECT WHERE false");
        } else {
            // Rows with no value at all still need one column to say
            // `DEFAULT` in.
            let first = [0];
            let columns = if self.columns.is_empty() {
                &first[..]
            } else {
                &self.columns
            };
            w.push_sql(" (");
            w.push_ident_list(columns.iter().map(|&i| &*T::model().columns[i].name));
            w.push_sql(") VALUES ");
            for (r, row) in self.rows.iter().enumerate() {
                w.push_sql(if r == 0 { "(" } else { ", (" });
                let mut values = row.values.iter().peekable();
                for (c, &column) in columns.iter().enumerate() {
                    if c > 0 {
                        w.push_sql(", ");
                    }
                    match values.next_if(|(i, _)| *i == column) {
                        Some((_, value)) => {
                            w.push_bind(&**value);
                        }
                        None => {
                            w.push_sql("DEFAULT");
                        }
                    }
                }
                w.push_sql(")");
            }
        }
        let write_target = |w: &mut SqlWriter<&'q dyn Value>, target: &'q [&'static str]| {
            w.push_sql(" ON CONFLICT");
            if !target.is_empty() {
                w.push_sql(" (");
                w.push_ident_list(target.iter().copied());
                w.push_sql(")");
            }
        };
        if let Some(target) = &self.do_nothing {
            write_target(w, target);
            w.push_sql(" DO NOTHING");
        }
        if let Some(update) = update {
            write_target(w, &update.target);
            w.push_sql(" DO UPDATE SET ");
            for (i, (column, value)) in update.sets.iter().enumerate() {
                if i > 0 {
                    w.push_sql(", ");
                }
                w.push_ident(column).push_sql(" = ");
                value.write(w);
            }
            if let Some(filter) = &update.filter {
                w.push_sql(" WHERE ");
                filter.write(w);
            }
        }
        write_returning::<T>(w, R::RETURNING);
    }
}

impl<T: Table, R: Returning> Query for Insert<T, R> {
    type Row = R;

    fn write_sql<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        self.write_with(w, None);
    }
}

impl<T: Table, R: Returning> Query for Upsert<T, R> {
    type Row = R;

    fn write_sql<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        self.insert.write_with(w, Some(&self.update));
    }
}

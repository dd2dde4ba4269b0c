//! The statements over one table: [`Select`], [`Update`], [`Delete`]
//! (`Insert` is in `insert.rs`). Each keeps its parts as plain data (expression trees, bound
//! values) and renders them through the one [`SqlWriter`] in
//! [`Query::write_sql`].

use std::marker::PhantomData;

use super::expr::{ColumnOf, Node, Operand, Order, OrderTerm, Predicate};
use super::value::{Param, Value};
use super::Query;
use crate::sql::SqlWriter;
use crate::Table;

/// The types an update or delete carries but does not hold.
type Marker<T, W, R> = PhantomData<fn() -> (T, W, R)>;

/// Writes `"schema"."table"`.
pub(super) fn write_table<T: Table>(w: &mut SqlWriter<&dyn Value>) {
    w.push_qualified(T::SCHEMA, T::NAME);
}

/// Writes every column of `T`, qualified, in declaration order (the order
/// [`FromRow`](crate::pg::FromRow) decodes by position).
fn write_columns<T: Table>(w: &mut SqlWriter<&dyn Value>) {
    w.push_sql(column_list::<T>());
}

/// `"table"."a", "table"."b", …` for `T`: rendered the first time a query
/// over `T` needs it and kept for the life of the program (one short string
/// per table type), since every whole-row select and `RETURNING` writes it.
fn column_list<T: Table>() -> &'static str {
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::{PoisonError, RwLock};

    static LISTS: RwLock<Option<HashMap<TypeId, &'static str>>> = RwLock::new(None);
    let key = TypeId::of::<T>();
    if let Some(list) = LISTS
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|lists| lists.get(&key))
    {
        return list;
    }
    let mut w = SqlWriter::<()>::new();
    for (i, column) in T::TABLE.columns.iter().enumerate() {
        if i > 0 {
            w.push_sql(", ");
        }
        w.push_ident(T::NAME).push_sql(".").push_ident(&column.name);
    }
    let mut lists = LISTS.write().unwrap_or_else(PoisonError::into_inner);
    lists
        .get_or_insert_with(HashMap::new)
        .entry(key)
        .or_insert_with(|| Box::leak(w.finish().0.into_boxed_str()))
}

fn write_filter<'q>(w: &mut SqlWriter<&'q dyn Value>, filter: Option<&'q Node>) {
    if let Some(filter) = filter {
        w.push_sql(" WHERE ");
        filter.write(w);
    }
}

pub(super) fn write_returning<T: Table>(w: &mut SqlWriter<&dyn Value>, returning: bool) {
    if returning {
        w.push_sql(" RETURNING ");
        write_columns::<T>(w);
    }
}

/// Adds a condition, combining it with an earlier one by `AND`.
fn and_filter(filter: &mut Option<Node>, condition: Node) {
    *filter = Some(match filter.take() {
        Some(previous) => Node::Binary(Box::new(previous), "AND", Box::new(condition)),
        None => condition,
    });
}

/// `SELECT` of whole rows of `T`: `Resume::select().filter(…).order_by(…).limit(…)`.
#[must_use = "a query does nothing until it is executed"]
pub struct Select<T> {
    filter: Option<Node>,
    order: Vec<Order<T>>,
    limit: Option<Param>,
    offset: Option<Param>,
}

impl<T: Table> Select<T> {
    pub(crate) fn new() -> Self {
        Select {
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
        }
    }

    /// `WHERE condition`; a second call adds `AND condition`.
    pub fn filter(mut self, condition: impl Predicate<T>) -> Self {
        and_filter(&mut self.filter, condition.__node().0);
        self
    }

    /// `ORDER BY term`; later calls add terms after it.
    pub fn order_by(mut self, term: impl OrderTerm<T>) -> Self {
        self.order.push(term.__order());
        self
    }

    /// `LIMIT $n`: at most `count` rows (bound, so every limit shares one statement).
    pub fn limit(mut self, count: i64) -> Self {
        self.limit = Some(Box::new(count));
        self
    }

    /// `OFFSET $n`: skip `count` rows.
    pub fn offset(mut self, count: i64) -> Self {
        self.offset = Some(Box::new(count));
        self
    }
}

impl<T: Table> Query for Select<T> {
    type Row = T;

    fn write_sql<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        w.push_sql("SELECT ");
        write_columns::<T>(w);
        w.push_sql(" FROM ");
        write_table::<T>(w);
        write_filter(w, self.filter.as_ref());
        for (i, term) in self.order.iter().enumerate() {
            w.push_sql(if i == 0 { " ORDER BY " } else { ", " });
            term.node.write(w);
            w.push_sql(if term.descending { " DESC" } else { " ASC" });
        }
        if let Some(limit) = &self.limit {
            w.push_sql(" LIMIT ").push_bind(&**limit);
        }
        if let Some(offset) = &self.offset {
            w.push_sql(" OFFSET ").push_bind(&**offset);
        }
    }
}

/// What a statement's rows decode to: `()` (no `RETURNING`) or the table's
/// struct (`RETURNING` every column).
pub trait Returning {
    /// Whether the statement has a `RETURNING` clause.
    const RETURNING: bool;
}

impl Returning for () {
    const RETURNING: bool = false;
}

impl<T: Table> Returning for T {
    const RETURNING: bool = true;
}

/// The state of an update or delete that has no `WHERE` yet: it cannot be
/// executed until [`Update::filter`] or [`Update::all_rows`] (or the same
/// on [`Delete`]) says which rows it touches.
#[derive(Debug)]
pub enum NoFilter {}

/// The state of an update or delete with a `WHERE` clause.
#[derive(Debug)]
pub enum Filtered {}

/// The state of an update or delete that touches every row, on purpose.
#[derive(Debug)]
pub enum AllRows {}

/// Holds when an update or delete says which rows it touches.
#[diagnostic::on_unimplemented(
    message = "this statement has no `.filter(…)`: it would touch every row of the table",
    label = "no `.filter(…)` before this call",
    note = "add `.filter(…)` to say which rows to change, or `.all_rows()` to change every row on purpose"
)]
pub trait RowsChosen {}

impl RowsChosen for Filtered {}
impl RowsChosen for AllRows {}

/// `UPDATE` of table `T`: `Resume::update().set(Resume::views, Resume::views + 1).filter(…)`.
///
/// `W` records whether rows were chosen ([`NoFilter`], [`Filtered`],
/// [`AllRows`]); `R` is what returned rows decode to.
#[must_use = "a query does nothing until it is executed"]
pub struct Update<T, W = NoFilter, R = ()> {
    sets: Vec<(&'static str, Node)>,
    filter: Option<Node>,
    marker: Marker<T, W, R>,
}

impl<T: Table> Update<T> {
    pub(crate) fn new() -> Self {
        Update {
            sets: Vec::new(),
            filter: None,
            marker: PhantomData,
        }
    }
}

impl<T: Table, W, R> Update<T, W, R> {
    fn cast<W2, R2>(self) -> Update<T, W2, R2> {
        Update {
            sets: self.sets,
            filter: self.filter,
            marker: PhantomData,
        }
    }

    /// `SET column = value`, the value a `V` (bound) or an expression over
    /// `T` (`Resume::views + 1`).
    pub fn set<C: ColumnOf<T>>(mut self, column: C, value: impl Operand<T, C::Value>) -> Self {
        self.sets.push((column.__name(), value.__node().0));
        self
    }

    /// `RETURNING` every column of the updated rows.
    pub fn returning(self) -> Update<T, W, T> {
        self.cast()
    }
}

impl<T: Table, R> Update<T, NoFilter, R> {
    /// Updates every row of the table, on purpose.
    pub fn all_rows(self) -> Update<T, AllRows, R> {
        self.cast()
    }
}

impl<T: Table, W, R> Update<T, W, R>
where
    W: FilterState,
{
    /// `WHERE condition`; a second call adds `AND condition`.
    pub fn filter(mut self, condition: impl Predicate<T>) -> Update<T, Filtered, R> {
        and_filter(&mut self.filter, condition.__node().0);
        self.cast()
    }
}

/// [`NoFilter`] or [`Filtered`]: the states `.filter(…)` may follow.
pub trait FilterState {}

impl FilterState for NoFilter {}
impl FilterState for Filtered {}

impl<T: Table, W: RowsChosen, R: Returning> Query for Update<T, W, R> {
    type Row = R;

    fn write_sql<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        w.push_sql("UPDATE ");
        write_table::<T>(w);
        w.push_sql(" SET ");
        for (i, (column, value)) in self.sets.iter().enumerate() {
            if i > 0 {
                w.push_sql(", ");
            }
            w.push_ident(column).push_sql(" = ");
            value.write(w);
        }
        write_filter(w, self.filter.as_ref());
        write_returning::<T>(w, R::RETURNING);
    }
}

/// `DELETE` from table `T`: `Resume::delete().filter(…)`.
#[must_use = "a query does nothing until it is executed"]
pub struct Delete<T, W = NoFilter, R = ()> {
    filter: Option<Node>,
    marker: Marker<T, W, R>,
}

impl<T: Table> Delete<T> {
    pub(crate) fn new() -> Self {
        Delete {
            filter: None,
            marker: PhantomData,
        }
    }
}

impl<T: Table, W, R> Delete<T, W, R> {
    fn cast<W2, R2>(self) -> Delete<T, W2, R2> {
        Delete {
            filter: self.filter,
            marker: PhantomData,
        }
    }

    /// `RETURNING` every column of the deleted rows.
    pub fn returning(self) -> Delete<T, W, T> {
        self.cast()
    }
}

impl<T: Table, R> Delete<T, NoFilter, R> {
    /// Deletes every row of the table, on purpose.
    pub fn all_rows(self) -> Delete<T, AllRows, R> {
        self.cast()
    }
}

impl<T: Table, W: FilterState, R> Delete<T, W, R> {
    /// `WHERE condition`; a second call adds `AND condition`.
    pub fn filter(mut self, condition: impl Predicate<T>) -> Delete<T, Filtered, R> {
        and_filter(&mut self.filter, condition.__node().0);
        self.cast()
    }
}

impl<T: Table, W: RowsChosen, R: Returning> Query for Delete<T, W, R> {
    type Row = R;

    fn write_sql<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        w.push_sql("DELETE FROM ");
        write_table::<T>(w);
        write_filter(w, self.filter.as_ref());
        write_returning::<T>(w, R::RETURNING);
    }
}

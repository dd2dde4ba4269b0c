//! The statements over one table: [`Select`], [`Update`], [`Delete`]
//! (`Insert` is in `insert.rs`). Each keeps its parts as plain data (expression trees, bound
//! values) and renders them through the one [`SqlWriter`] in
//! [`Query::write_sql`].

use std::marker::PhantomData;

use super::expr::{ColumnOf, Expr, Node, Operand, OrderBy, OrderTerm, Predicate, Selection};
use super::source::{Join, Source};
use super::value::{Param, Value};
use super::Query;
use crate::model;
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
    for (i, column) in T::model().columns.iter().enumerate() {
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

/// A table as a statement names it.
#[derive(Clone, Copy)]
struct TableRef {
    schema: &'static str,
    name: &'static str,
    model: &'static model::Table,
}

impl TableRef {
    fn of<T: Table>() -> Self {
        TableRef {
            schema: T::SCHEMA,
            name: T::NAME,
            model: T::model(),
        }
    }

    /// Every column, qualified, in declaration order (the order
    /// [`FromRow`](crate::pg::FromRow) decodes by position).
    fn write_columns(&self, w: &mut SqlWriter<&dyn Value>) {
        for (i, column) in self.model.columns.iter().enumerate() {
            if i > 0 {
                w.push_sql(", ");
            }
            w.push_ident(self.name)
                .push_sql(".")
                .push_ident(&column.name);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JoinKind {
    Inner,
    Left,
    /// A table of the enclosing query, in scope for a subquery: typed like
    /// an inner join, not written.
    Correlated,
}

struct JoinClause {
    kind: JoinKind,
    table: TableRef,
    on: Option<Node>,
}

/// `FOR UPDATE` / `FOR SHARE` and how to treat rows locked by others.
struct Lock {
    strength: &'static str,
    wait: &'static str,
}

/// The parts of a `SELECT`, untyped: [`Select`] is its typed face, and a
/// subquery (`in_select`, `exists`) keeps one inside an expression.
pub(crate) struct SelectCore {
    distinct: bool,
    /// `None`: every column of every table read, in source order.
    columns: Option<Vec<Node>>,
    from: TableRef,
    joins: Vec<JoinClause>,
    filter: Option<Node>,
    group_by: Vec<Node>,
    having: Option<Node>,
    order: Vec<OrderBy>,
    limit: Option<Param>,
    offset: Option<Param>,
    lock: Option<Lock>,
}

impl SelectCore {
    /// Writes the statement; `exists` writes `SELECT 1` for `EXISTS (…)`.
    pub(crate) fn write<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>, exists: bool) {
        w.push_sql("SELECT ");
        if self.distinct {
            w.push_sql("DISTINCT ");
        }
        match &self.columns {
            _ if exists => {
                w.push_sql("1");
            }
            Some(columns) => write_list(w, columns),
            None => {
                self.from.write_columns(w);
                for join in self.joins.iter().filter(|j| j.kind != JoinKind::Correlated) {
                    w.push_sql(", ");
                    join.table.write_columns(w);
                }
            }
        }
        w.push_sql(" FROM ");
        w.push_qualified(self.from.schema, self.from.name);
        for join in &self.joins {
            let keyword = match join.kind {
                JoinKind::Inner => " INNER JOIN ",
                JoinKind::Left => " LEFT JOIN ",
                JoinKind::Correlated => continue,
            };
            w.push_sql(keyword);
            w.push_qualified(join.table.schema, join.table.name);
            if let Some(on) = &join.on {
                w.push_sql(" ON ");
                on.write(w);
            }
        }
        write_filter(w, self.filter.as_ref());
        if !self.group_by.is_empty() {
            w.push_sql(" GROUP BY ");
            write_list(w, &self.group_by);
        }
        if let Some(having) = &self.having {
            w.push_sql(" HAVING ");
            having.write(w);
        }
        for (i, term) in self.order.iter().enumerate() {
            w.push_sql(if i == 0 { " ORDER BY " } else { ", " });
            term.write(w);
        }
        if let Some(limit) = &self.limit {
            w.push_sql(" LIMIT ").push_bind(&**limit);
        }
        if let Some(offset) = &self.offset {
            w.push_sql(" OFFSET ").push_bind(&**offset);
        }
        if let Some(lock) = &self.lock {
            w.push_sql(" FOR ")
                .push_sql(lock.strength)
                .push_sql(lock.wait);
        }
    }
}

fn write_list<'q>(w: &mut SqlWriter<&'q dyn Value>, nodes: &'q [Node]) {
    for (i, node) in nodes.iter().enumerate() {
        if i > 0 {
            w.push_sql(", ");
        }
        node.write(w);
    }
}

/// The selection of a query that returns whole rows: the source's tables,
/// each decoded into its struct (`User`, `(User, Option<Session>)`).
#[derive(Debug)]
pub enum All {}

/// The selection of a query that returns chosen columns, decoded into `R`
/// (a value or a tuple).
pub struct Chosen<R>(PhantomData<fn() -> R>);

/// `SELECT` over the source `S` (a table, or the tuple of a join):
/// `Resume::select().filter(…).order_by(…).limit(…)`.
///
/// `R` is the selection: [`All`] returns whole rows (the source itself,
/// `User` or `(User, Option<Session>)`), [`Chosen<R>`] the values chosen
/// with [`columns`](Select::columns).
#[must_use = "a query does nothing until it is executed"]
pub struct Select<S, R = All> {
    core: SelectCore,
    marker: PhantomData<fn() -> (S, R)>,
}

impl<T: Table> Select<T> {
    pub(crate) fn new() -> Self {
        Select {
            core: SelectCore {
                distinct: false,
                columns: None,
                from: TableRef::of::<T>(),
                joins: Vec::new(),
                filter: None,
                group_by: Vec::new(),
                having: None,
                order: Vec::new(),
                limit: None,
                offset: None,
                lock: None,
            },
            marker: PhantomData,
        }
    }
}

impl<S: Source, R> Select<S, R> {
    fn cast<S2, R2>(self) -> Select<S2, R2> {
        Select {
            core: self.core,
            marker: PhantomData,
        }
    }

    pub(crate) fn into_core(self) -> SelectCore {
        self.core
    }

    fn join<T: Table, S2>(mut self, kind: JoinKind, on: Option<Node>) -> Select<S2, R> {
        self.core.joins.push(JoinClause {
            kind,
            table: TableRef::of::<T>(),
            on,
        });
        self.cast()
    }

    /// `INNER JOIN t ON condition`: rows of `T` matching the condition;
    /// the source grows by `T` (`User` → `(User, Session)`).
    pub fn inner_join<T: Table>(
        self,
        on: Expr<<S as Join<T>>::Inner, bool>,
    ) -> Select<<S as Join<T>>::Inner, R>
    where
        S: Join<T>,
    {
        self.join::<T, _>(JoinKind::Inner, Some(on.node))
    }

    /// `LEFT JOIN t ON condition`: rows of `T` matching the condition, or
    /// none; the source grows by `Option<T>` (`User` → `(User,
    /// Option<Session>)`), so `T`'s columns read as `Option<…>` in the rest
    /// of the query. In the condition itself they read as declared.
    pub fn left_join<T: Table>(
        self,
        on: Expr<<S as Join<T>>::Inner, bool>,
    ) -> Select<<S as Join<T>>::Left, R>
    where
        S: Join<T>,
    {
        self.join::<T, _>(JoinKind::Left, Some(on.node))
    }

    /// Brings table `T` of the enclosing query into scope, for a subquery
    /// of [`exists`](super::exists) or [`in_select`](super::Expr::in_select)
    /// that refers to it: `Session::select().correlate::<User>().filter(Session::user_id.eq(User::id))`.
    /// The subquery does not read `T` itself, so it only makes sense inside
    /// the enclosing query (run alone, the server rejects it).
    pub fn correlate<T: Table>(self) -> Select<<S as Join<T>>::Inner, R>
    where
        S: Join<T>,
    {
        self.join::<T, _>(JoinKind::Correlated, None)
    }

    /// `SELECT column, …`: the rows decode into the selection's Rust types —
    /// `.columns((User::id, User::email))` into `(String, String)`, a
    /// left-joined table's columns into `Option<…>`, aggregates into their
    /// result type (`count_all()` into `i64`).
    pub fn columns<C, I>(mut self, selection: C) -> Select<S, Chosen<C::Row>>
    where
        C: Selection<S, I>,
    {
        let mut columns = Vec::new();
        selection.__push(&mut columns);
        self.core.columns = Some(columns.into_iter().map(|c| c.0).collect());
        self.cast()
    }

    /// `SELECT DISTINCT`: each distinct row once.
    pub fn distinct(mut self) -> Self {
        self.core.distinct = true;
        self
    }

    /// `WHERE condition`; a second call adds `AND condition`.
    pub fn filter<I>(mut self, condition: impl Predicate<S, I>) -> Self {
        and_filter(&mut self.core.filter, condition.__node().0);
        self
    }

    /// `GROUP BY column, …`: a column, expression, or tuple of them.
    pub fn group_by<C, I>(mut self, columns: C) -> Self
    where
        C: Selection<S, I>,
    {
        let mut nodes = Vec::new();
        columns.__push(&mut nodes);
        self.core.group_by.extend(nodes.into_iter().map(|c| c.0));
        self
    }

    /// `HAVING condition` (on groups, usually over aggregates:
    /// `count_all().gt(1)`); a second call adds `AND condition`.
    pub fn having<I>(mut self, condition: impl Predicate<S, I>) -> Self {
        and_filter(&mut self.core.having, condition.__node().0);
        self
    }

    /// `ORDER BY term`; later calls add terms after it.
    pub fn order_by<I>(mut self, term: impl OrderTerm<S, I>) -> Self {
        self.core.order.push(term.__order().term);
        self
    }

    /// `LIMIT $n`: at most `count` rows (bound, so every limit shares one statement).
    pub fn limit(mut self, count: i64) -> Self {
        self.core.limit = Some(Box::new(count));
        self
    }

    /// `OFFSET $n`: skip `count` rows.
    pub fn offset(mut self, count: i64) -> Self {
        self.core.offset = Some(Box::new(count));
        self
    }

    /// `FOR UPDATE`: lock the selected rows until the transaction ends.
    pub fn for_update(mut self) -> Self {
        self.core.lock = Some(Lock {
            strength: "UPDATE",
            wait: "",
        });
        self
    }

    /// `FOR SHARE`: lock the selected rows against changes until the
    /// transaction ends, letting others read and share-lock them.
    pub fn for_share(mut self) -> Self {
        self.core.lock = Some(Lock {
            strength: "SHARE",
            wait: "",
        });
        self
    }

    /// `SKIP LOCKED`: leave out rows another transaction has locked (the
    /// job-queue pattern: `.for_update().skip_locked().limit(1)`). Implies
    /// `FOR UPDATE` unless [`for_share`](Self::for_share) was said.
    pub fn skip_locked(mut self) -> Self {
        self.core
            .lock
            .get_or_insert(Lock {
                strength: "UPDATE",
                wait: "",
            })
            .wait = " SKIP LOCKED";
        self
    }

    /// `NOWAIT`: fail at once instead of waiting for a row another
    /// transaction has locked. Implies `FOR UPDATE` unless
    /// [`for_share`](Self::for_share) was said.
    pub fn no_wait(mut self) -> Self {
        self.core
            .lock
            .get_or_insert(Lock {
                strength: "UPDATE",
                wait: "",
            })
            .wait = " NOWAIT";
        self
    }
}

/// A struct that holds the chosen columns `R` (a value or a tuple), field
/// by field: implemented by `#[derive(FromRow)]` for the tuple of its field
/// types.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold the selected columns `{R}`",
    label = "the selection's row is `{R}`",
    note = "`into_struct` needs `#[derive(FromRow)]` on `{Self}`, whose fields have, in order, exactly the selected columns' types `{R}`"
)]
pub trait FromColumns<R> {}

impl<S: Source, R> Select<S, Chosen<R>> {
    /// Decodes each row of the chosen columns into the struct `T`
    /// (`#[derive(FromRow)]`), field by field in order:
    /// `.columns((Resume::id, Resume::name)).into_struct::<ResumeCard>()`.
    pub fn into_struct<T: FromColumns<R>>(self) -> Select<S, Chosen<T>> {
        self.cast()
    }
}

impl<S: Source> Query for Select<S, All> {
    type Row = S;

    fn write_sql<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        self.core.write(w, false);
    }
}

impl<S: Source, R> Query for Select<S, Chosen<R>> {
    type Row = R;

    fn write_sql<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        self.core.write(w, false);
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
    pub fn set<C: ColumnOf<T>, I>(
        mut self,
        column: C,
        value: impl Operand<T, C::Value, I>,
    ) -> Self {
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
    pub fn filter<I>(mut self, condition: impl Predicate<T, I>) -> Update<T, Filtered, R> {
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
    pub fn filter<I>(mut self, condition: impl Predicate<T, I>) -> Delete<T, Filtered, R> {
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

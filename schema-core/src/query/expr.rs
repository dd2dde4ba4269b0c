//! Typed expressions over the column accessors.
//!
//! An [`Expr<S, V>`] is an SQL expression over the query source `S` (a
//! table, or the tuple of a join) whose value has the Rust type `V`; a
//! condition is an `Expr<S, bool>`. Every value is bound (`$n`), every
//! identifier quoted, both through the one [`SqlWriter`].
//!
//! The methods of a column (`User::email.eq(…)`) do not name the source:
//! it is inferred from where the expression goes (`.filter(…)` of a query
//! over `S`), and the column is then checked to be in `S`
//! ([`InSource`]) and read as its type there ([`Expression::Value`],
//! `Option<V>` for a left-joined table). Operators (`Resume::views + 1`)
//! build an [`Arith`], checked the same way where it is used.

use std::marker::PhantomData;
use std::ops::{Add, Sub};

use super::source::{Bound, Computed, InSource, Lift, Optional, Position, Source};
use super::statement::{Chosen, Select, SelectCore};
use super::value::{Param, Value};
use crate::sql::SqlWriter;
use crate::{Column, Json, Table};

/// An expression tree, rendered by [`Node::write`].
pub(crate) enum Node {
    /// `"table"."column"`.
    Column {
        table: &'static str,
        column: &'static str,
    },
    /// A bound value.
    Bind(Param),
    /// Trusted constant SQL text (`*`, `1`).
    Raw(&'static str),
    /// `lhs op rhs`.
    Binary(Box<Node>, &'static str, Box<Node>),
    /// `NOT operand`.
    Not(Box<Node>),
    /// `operand IS NULL` and friends.
    Postfix(Box<Node>, &'static str),
    /// `name(arg, …)`.
    Call(&'static str, Vec<Node>),
    /// `DISTINCT operand`, as an aggregate's argument.
    Distinct(Box<Node>),
    /// `CAST(operand AS type)`.
    Cast(Box<Node>, &'static str),
    /// `lhs = ANY(array)`.
    Any(Box<Node>, Box<Node>),
    /// `operand BETWEEN low AND high`.
    Between(Box<Node>, Box<Node>, Box<Node>),
    /// `lhs IN (SELECT …)`.
    InSelect(Box<Node>, Box<SelectCore>),
    /// `EXISTS (SELECT 1 …)`.
    Exists(Box<SelectCore>),
}

impl Node {
    pub(crate) fn column<T: Table, V, N>(column: Column<T, V, N>) -> Self {
        Node::Column {
            table: T::NAME,
            column: column.name(),
        }
    }

    fn binary(lhs: Node, op: &'static str, rhs: Node) -> Self {
        Node::Binary(Box::new(lhs), op, Box::new(rhs))
    }

    /// Writes the expression; nested operators are parenthesized, so the
    /// text never depends on SQL's precedence rules.
    pub(crate) fn write<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        match self {
            Node::Column { table, column } => {
                w.push_ident(table).push_sql(".").push_ident(column);
            }
            Node::Bind(value) => {
                w.push_bind(&**value);
            }
            Node::Raw(sql) => {
                w.push_sql(sql);
            }
            Node::Binary(lhs, op, rhs) => {
                lhs.write_operand(w);
                w.push_sql(" ").push_sql(op).push_sql(" ");
                rhs.write_operand(w);
            }
            Node::Not(operand) => {
                w.push_sql("NOT ");
                operand.write_operand(w);
            }
            Node::Postfix(operand, op) => {
                operand.write_operand(w);
                w.push_sql(" ").push_sql(op);
            }
            Node::Call(name, args) => {
                w.push_sql(name).push_sql("(");
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        w.push_sql(", ");
                    }
                    arg.write(w);
                }
                w.push_sql(")");
            }
            Node::Distinct(operand) => {
                w.push_sql("DISTINCT ");
                operand.write(w);
            }
            Node::Cast(operand, ty) => {
                w.push_sql("CAST(");
                operand.write(w);
                w.push_sql(" AS ").push_sql(ty).push_sql(")");
            }
            Node::Any(lhs, array) => {
                lhs.write_operand(w);
                w.push_sql(" = ANY(");
                array.write(w);
                w.push_sql(")");
            }
            Node::Between(operand, low, high) => {
                operand.write_operand(w);
                w.push_sql(" BETWEEN ");
                low.write_operand(w);
                w.push_sql(" AND ");
                high.write_operand(w);
            }
            Node::InSelect(lhs, select) => {
                lhs.write_operand(w);
                w.push_sql(" IN (");
                select.write(w, false);
                w.push_sql(")");
            }
            Node::Exists(select) => {
                w.push_sql("EXISTS (");
                select.write(w, true);
                w.push_sql(")");
            }
        }
    }

    fn write_operand<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        if matches!(
            self,
            Node::Column { .. }
                | Node::Bind(_)
                | Node::Raw(_)
                | Node::Call(..)
                | Node::Cast(..)
                | Node::Exists(_)
        ) {
            self.write(w);
        } else {
            w.push_sql("(");
            self.write(w);
            w.push_sql(")");
        }
    }
}

/// An SQL expression over the query source `S`, of Rust type `V`.
pub struct Expr<S, V> {
    pub(crate) node: Node,
    marker: PhantomData<fn() -> (S, V)>,
}

impl<S, V> Expr<S, V> {
    pub(crate) fn new(node: Node) -> Self {
        Expr {
            node,
            marker: PhantomData,
        }
    }
}

impl<S, V> std::fmt::Debug for Expr<S, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut w = SqlWriter::new();
        self.node.write(&mut w);
        let (sql, params) = w.finish();
        f.debug_struct("Expr")
            .field("sql", &sql)
            .field("params", &params)
            .finish()
    }
}

/// `lhs + rhs` or `lhs - rhs` on numbers (`Resume::views + 1`), typed
/// where it is used: in a query over `S`, its value is `L`'s.
pub struct Arith<L, R> {
    lhs: L,
    op: &'static str,
    rhs: R,
}

/// The opaque expression behind an [`Operand`].
#[doc(hidden)]
pub struct OperandNode(pub(crate) Node);

/// An expression of a query over source `S`: a column of a table in `S`,
/// an [`Expr<S, V>`], or an [`Arith`] of them. `I` is where the column's
/// table sits in `S` (see [`InSource`]); the compiler infers it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an expression of a query over `{S}`",
    label = "not an expression over `{S}`",
    note = "use a column of a table the query reads, or an expression built from one"
)]
pub trait Expression<S, I> {
    /// The Rust type of the expression's value in this query (a
    /// left-joined table's columns read as `Option<…>`).
    type Value;

    #[doc(hidden)]
    fn __node(self) -> OperandNode;
}

impl<S, I, U, V, N> Expression<S, I> for Column<U, V, N>
where
    I: Position,
    U: InSource<S, I>,
    V: Lift<U::Presence, N>,
{
    type Value = V::Out;

    fn __node(self) -> OperandNode {
        OperandNode(Node::column(self))
    }
}

impl<S, V> Expression<S, Computed> for Expr<S, V> {
    type Value = V;

    fn __node(self) -> OperandNode {
        OperandNode(self.node)
    }
}

impl<S, IL, IR, L, R> Expression<S, (IL, IR)> for Arith<L, R>
where
    L: Expression<S, IL>,
    L::Value: Numeric,
    R: Operand<S, L::Value, IR>,
{
    type Value = L::Value;

    fn __node(self) -> OperandNode {
        OperandNode(Node::binary(self.lhs.__node().0, self.op, node(self.rhs)))
    }
}

/// What may stand on the right of a comparison with, or be assigned to, an
/// expression of type `V` in a query over `S`: a value of type `V` (bound as
/// `$n`; `&str` for `String`), or a column or expression of type `V`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used where a `{V}` is expected",
    label = "expected a `{V}` value, or a `{V}` column or expression",
    note = "a value must have exactly the expression's Rust type `{V}` (a `&str` is accepted for `String`, `Some(…)` is needed for `Option<…>`); convert it first",
    note = "a nullable and a non-nullable column only compare when said: `column.nullable()` reads a column as `Option<…>`, `nullable_column.coalesce(fallback)` as the plain type"
)]
pub trait Operand<S, V, I> {
    #[doc(hidden)]
    fn __node(self) -> OperandNode;
}

impl<S, V0: Value, V: Accepts<V0>> Operand<S, V, Bound> for V0 {
    fn __node(self) -> OperandNode {
        OperandNode(Node::Bind(Box::new(self)))
    }
}

impl<S> Operand<S, String, Bound> for &str {
    fn __node(self) -> OperandNode {
        OperandNode(Node::Bind(Box::new(self.to_owned())))
    }
}

impl<S, I, U, V0, N, V> Operand<S, V, I> for Column<U, V0, N>
where
    I: Position,
    U: InSource<S, I>,
    V0: Lift<U::Presence, N>,
    V0::Out: SameType<V>,
{
    fn __node(self) -> OperandNode {
        OperandNode(Node::column(self))
    }
}

impl<S, V0: SameType<V>, V> Operand<S, V, Computed> for Expr<S, V0> {
    fn __node(self) -> OperandNode {
        OperandNode(self.node)
    }
}

impl<S, V, IL, IR, L, R> Operand<S, V, (IL, IR)> for Arith<L, R>
where
    Arith<L, R>: Expression<S, (IL, IR)>,
    <Arith<L, R> as Expression<S, (IL, IR)>>::Value: SameType<V>,
{
    fn __node(self) -> OperandNode {
        Expression::__node(self)
    }
}

/// An element of `in_list(…)` for an expression of type `V`: a `V`, or a
/// `&str` for `String`.
#[diagnostic::on_unimplemented(
    message = "a list of `{Self}` cannot be matched against a `{V}`",
    label = "expected a list of `{V}` values",
    note = "`in_list` takes values of exactly the expression's Rust type `{V}` (`&str` is accepted for `String`)"
)]
pub trait ListItem<V> {
    #[doc(hidden)]
    fn __into(self) -> V;
}

impl<V> ListItem<V> for V {
    fn __into(self) -> V {
        self
    }
}

impl ListItem<String> for &str {
    fn __into(self) -> String {
        self.to_owned()
    }
}

/// Holds when `Self` and `V` are the same type: how a column or expression
/// operand is checked, so that a mismatch is reported in these words.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used where a `{V}` is expected",
    label = "expected `{V}`, found `{Self}`",
    note = "both sides of a comparison or assignment must have the same Rust type (a `&str` is accepted for `String`, `Some(…)` is needed for `Option<…>`)",
    note = "a nullable and a non-nullable column only compare when said: `column.nullable()` reads a column as `Option<…>`, `nullable_column.coalesce(fallback)` as the plain type"
)]
pub trait SameType<V> {}

impl<V> SameType<V> for V {}

/// Holds when a value of type `X` can stand where a `Self` is expected:
/// when they are the same type. (The expected type comes first so that the
/// check waits until the query's source, and so the expected type, is
/// known.)
#[diagnostic::on_unimplemented(
    message = "`{X}` cannot be used where a `{Self}` is expected",
    label = "expected `{Self}`, found `{X}`",
    note = "a value must have exactly the expression's Rust type `{Self}` (a `&str` is accepted for `String`, `Some(…)` is needed for `Option<…>`); convert it first"
)]
pub trait Accepts<X> {}

impl<V> Accepts<V> for V {}

fn node<S, V, I>(operand: impl Operand<S, V, I>) -> Node {
    operand.__node().0
}

/// A condition usable in `.filter(…)` of a query over `S`: a boolean
/// expression or a `bool` column of a table in `S`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a condition of a query over `{S}`",
    label = "expected a condition over `{S}`",
    note = "a condition may only use columns of the tables the query reads (`{S}`); join a table to use its columns",
    note = "build a condition with `eq`, `lt`, `is_null`, `and`, …, e.g. `Table::column.eq(…)`"
)]
pub trait Predicate<S, I> {
    #[doc(hidden)]
    fn __node(self) -> OperandNode;
}

impl<S> Predicate<S, Computed> for Expr<S, bool> {
    fn __node(self) -> OperandNode {
        OperandNode(self.node)
    }
}

impl<S, I, U, N> Predicate<S, I> for Column<U, bool, N>
where
    I: Position,
    U: InSource<S, I>,
    bool: Lift<U::Presence, N>,
    <bool as Lift<U::Presence, N>>::Out: SameType<bool>,
{
    fn __node(self) -> OperandNode {
        OperandNode(Node::column(self))
    }
}

/// A nullable type: `Option<…>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not nullable: this applies to `Option<…>` columns only",
    label = "this can never be NULL",
    note = "the expression's Rust type is `{Self}`; only a field of type `Option<…>`, or a column of a left-joined table, can be NULL"
)]
pub trait Nullable {
    /// The type without its `Option`.
    type Inner;
}

impl<V> Nullable for Option<V> {
    type Inner = V;
}

/// A numeric column type, for `+` and `-`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a numeric type: arithmetic applies to number columns only",
    label = "not a number",
    note = "`+` and `-` work on `i16`, `i32`, `i64`, `f32` and `f64` columns that are not NULL"
)]
pub trait Numeric {}

impl Numeric for i16 {}
impl Numeric for i32 {}
impl Numeric for i64 {}
impl Numeric for f32 {}
impl Numeric for f64 {}

/// A text type, for `like` / `ilike`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a text type: `like` / `ilike` apply to `String` columns only",
    label = "not text"
)]
pub trait Text {}

impl Text for String {}
impl Text for Option<String> {}

/// A JSON type (`Json<T>`, `serde_json::Value`, or an `Option` of one),
/// for `get` (`->`) and `get_text` (`->>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a JSON type: `get` / `get_text` apply to `json` / `jsonb` columns only",
    label = "not JSON",
    note = "a JSON column has the Rust type `Json<T>` or `serde_json::Value`"
)]
pub trait JsonType {}

impl<T> JsonType for Json<T> {}
impl<T> JsonType for Option<Json<T>> {}
impl JsonType for serde_json::Value {}
impl JsonType for Option<serde_json::Value> {}

/// A key of a JSON path step: an object key (`&str`, `String`) or an
/// array index (`i32`).
pub trait JsonKey {
    #[doc(hidden)]
    fn __node(self) -> OperandNode;
}

impl JsonKey for &str {
    fn __node(self) -> OperandNode {
        JsonKey::__node(self.to_owned())
    }
}

impl JsonKey for String {
    fn __node(self) -> OperandNode {
        // Typed, so the server picks `jsonb -> text` and not `-> integer`.
        OperandNode(Node::Cast(Box::new(Node::Bind(Box::new(self))), "text"))
    }
}

impl JsonKey for i32 {
    fn __node(self) -> OperandNode {
        OperandNode(Node::Cast(Box::new(Node::Bind(Box::new(self))), "integer"))
    }
}

/// An array type (`Vec<T>`, or an `Option` of one), for `contains` (`@>`)
/// and `overlaps` (`&&`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an array type: `contains` / `overlaps` apply to `Vec<…>` columns only",
    label = "not an array"
)]
pub trait Array {}

impl<T> Array for Vec<T> {}
impl<T> Array for Option<Vec<T>> {}

/// What `sum` returns for a column of this type (PostgreSQL's result
/// types; `None` when no row has a value).
#[diagnostic::on_unimplemented(
    message = "`sum` cannot add up `{Self}` values",
    label = "not a number",
    note = "`sum` applies to `i16`, `i32`, `i64`, `f32` and `f64` columns (nullable or not)"
)]
pub trait Summable {
    /// The sum's Rust type.
    type Sum;
    #[doc(hidden)]
    const CAST: Option<&'static str>;
}

/// What `avg` returns for a column of this type.
#[diagnostic::on_unimplemented(
    message = "`avg` cannot average `{Self}` values",
    label = "not a number",
    note = "`avg` applies to `i16`, `i32`, `i64`, `f32` and `f64` columns (nullable or not)"
)]
pub trait Averageable {
    /// The average's Rust type.
    type Avg;
    #[doc(hidden)]
    const CAST: Option<&'static str>;
}

macro_rules! aggregates {
    ($($ty:ty => sum $sum:ty, $sum_cast:expr; avg $avg:ty, $avg_cast:expr;)*) => {
        $(
            impl Summable for $ty {
                type Sum = $sum;
                const CAST: Option<&'static str> = $sum_cast;
            }
            impl Summable for Option<$ty> {
                type Sum = $sum;
                const CAST: Option<&'static str> = $sum_cast;
            }
            impl Averageable for $ty {
                type Avg = $avg;
                const CAST: Option<&'static str> = $avg_cast;
            }
            impl Averageable for Option<$ty> {
                type Avg = $avg;
                const CAST: Option<&'static str> = $avg_cast;
            }
        )*
    };
}

// PostgreSQL sums `smallint` / `integer` as `bigint`, `real` / `double` as
// themselves, and `bigint` as `numeric` (cast back to `bigint`: an overflow
// is an error, never a rounded value); it averages integers as `numeric`
// (cast to `double precision`) and floats as `double precision`.
aggregates! {
    i16 => sum Option<i64>, None; avg Option<f64>, Some("double precision");
    i32 => sum Option<i64>, None; avg Option<f64>, Some("double precision");
    i64 => sum Option<i64>, Some("bigint"); avg Option<f64>, Some("double precision");
    f32 => sum Option<f32>, None; avg Option<f64>, None;
    f64 => sum Option<f64>, None; avg Option<f64>, None;
}

/// One `ORDER BY` term, as the statement keeps it.
pub(crate) struct OrderBy {
    pub(crate) node: Node,
    pub(crate) descending: bool,
    /// `Some(true)` for `NULLS FIRST`, `Some(false)` for `NULLS LAST`.
    pub(crate) nulls_first: Option<bool>,
}

impl OrderBy {
    pub(crate) fn write<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        self.node.write(w);
        w.push_sql(if self.descending { " DESC" } else { " ASC" });
        match self.nulls_first {
            Some(true) => {
                w.push_sql(" NULLS FIRST");
            }
            Some(false) => {
                w.push_sql(" NULLS LAST");
            }
            None => {}
        }
    }
}

/// One `ORDER BY` term of a query over `S`: `column.asc()`,
/// `column.desc().nulls_last()`, ….
pub struct Order<S> {
    pub(crate) term: OrderBy,
    marker: PhantomData<fn() -> S>,
}

impl<S> Order<S> {
    fn new(node: Node, descending: bool) -> Self {
        Order {
            term: OrderBy {
                node,
                descending,
                nulls_first: None,
            },
            marker: PhantomData,
        }
    }

    /// `NULLS FIRST`: rows where the value is NULL come first.
    pub fn nulls_first(mut self) -> Self {
        self.term.nulls_first = Some(true);
        self
    }

    /// `NULLS LAST`: rows where the value is NULL come last.
    pub fn nulls_last(mut self) -> Self {
        self.term.nulls_first = Some(false);
        self
    }
}

/// What `.order_by(…)` takes in a query over `S`: `column.asc()`,
/// `column.desc()`, or a bare column or expression (ascending).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot order a query over `{S}`",
    label = "expected `column.asc()` or `column.desc()` of a table in `{S}`",
    note = "a query can only order by columns of the tables it reads (`{S}`)"
)]
pub trait OrderTerm<S, I> {
    #[doc(hidden)]
    fn __order(self) -> Order<S>;
}

impl<S> OrderTerm<S, Computed> for Order<S> {
    fn __order(self) -> Order<S> {
        self
    }
}

impl<S, I, U, V, N> OrderTerm<S, I> for Column<U, V, N>
where
    Column<U, V, N>: Expression<S, I>,
{
    fn __order(self) -> Order<S> {
        Order::new(Expression::__node(self).0, false)
    }
}

impl<S, V> OrderTerm<S, (Computed, Computed)> for Expr<S, V> {
    fn __order(self) -> Order<S> {
        Order::new(self.node, false)
    }
}

impl<S, IL, IR, L, R> OrderTerm<S, (IL, IR)> for Arith<L, R>
where
    Arith<L, R>: Expression<S, (IL, IR)>,
{
    fn __order(self) -> Order<S> {
        Order::new(Expression::__node(self).0, false)
    }
}

/// A column of table `T`, for `set(…)` of an update.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column of `{T}`",
    label = "expected a column of `{T}`",
    note = "an update of `{T}` can only set columns of `{T}`"
)]
pub trait ColumnOf<T> {
    /// The column's Rust type.
    type Value;
    #[doc(hidden)]
    fn __name(&self) -> &'static str;
}

impl<T: Table, V, N> ColumnOf<T> for Column<T, V, N> {
    type Value = V;
    fn __name(&self) -> &'static str {
        self.name()
    }
}

/// What `.columns(…)` of a select takes: a column, an expression, an
/// aggregate, or a tuple of them (up to 12); `Row` is what each returned row
/// decodes to.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be selected in a query over `{S}`",
    label = "expected columns or expressions of the tables in `{S}`",
    note = "select a column (`User::email`), an expression or aggregate (`count_all()`), or a tuple of them; every column must belong to a table the query reads"
)]
pub trait Selection<S, I> {
    /// The Rust type of one selected row.
    type Row;

    #[doc(hidden)]
    fn __push(self, columns: &mut Vec<OperandNode>);
}

impl<S, I, U, V, N> Selection<S, I> for Column<U, V, N>
where
    Column<U, V, N>: Expression<S, I>,
{
    type Row = <Self as Expression<S, I>>::Value;

    fn __push(self, columns: &mut Vec<OperandNode>) {
        columns.push(Expression::__node(self));
    }
}

impl<S, V> Selection<S, Computed> for Expr<S, V> {
    type Row = V;

    fn __push(self, columns: &mut Vec<OperandNode>) {
        columns.push(OperandNode(self.node));
    }
}

impl<S, I, L, R> Selection<S, I> for Arith<L, R>
where
    Arith<L, R>: Expression<S, I>,
{
    type Row = <Self as Expression<S, I>>::Value;

    fn __push(self, columns: &mut Vec<OperandNode>) {
        columns.push(Expression::__node(self));
    }
}

macro_rules! tuple_selection {
    ($(($item:ident, $index:ident)),+) => {
        impl<S, $($item: Selection<S, $index>, $index),+> Selection<S, ($($index,)+)> for ($($item,)+) {
            type Row = ($($item::Row,)+);

            #[expect(non_snake_case, reason = "the tuple's items are named like their types")]
            fn __push(self, columns: &mut Vec<OperandNode>) {
                let ($($item,)+) = self;
                $($item.__push(columns);)+
            }
        }
    };
}

tuple_selection!((A, IA));
tuple_selection!((A, IA), (B, IB));
tuple_selection!((A, IA), (B, IB), (C, IC));
tuple_selection!((A, IA), (B, IB), (C, IC), (D, ID));
tuple_selection!((A, IA), (B, IB), (C, IC), (D, ID), (E, IE));
tuple_selection!((A, IA), (B, IB), (C, IC), (D, ID), (E, IE), (F, IF));
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM)
);

/// Comparison, text, JSON, array and ordering methods, shared by
/// [`Column`], [`Expr`] and [`Arith`]. Each method names the query source
/// `S` and the index `I` as type parameters the compiler infers.
macro_rules! expression_methods {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> $ty {
            /// `self = rhs`.
            pub fn eq<S, I, J>(self, rhs: impl Operand<S, <Self as Expression<S, I>>::Value, J>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
            {
                compare(self, "=", rhs)
            }

            /// `self <> rhs`.
            pub fn ne<S, I, J>(self, rhs: impl Operand<S, <Self as Expression<S, I>>::Value, J>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
            {
                compare(self, "<>", rhs)
            }

            /// `self < rhs`.
            pub fn lt<S, I, J>(self, rhs: impl Operand<S, <Self as Expression<S, I>>::Value, J>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
            {
                compare(self, "<", rhs)
            }

            /// `self <= rhs`.
            pub fn le<S, I, J>(self, rhs: impl Operand<S, <Self as Expression<S, I>>::Value, J>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
            {
                compare(self, "<=", rhs)
            }

            /// `self > rhs`.
            pub fn gt<S, I, J>(self, rhs: impl Operand<S, <Self as Expression<S, I>>::Value, J>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
            {
                compare(self, ">", rhs)
            }

            /// `self >= rhs`.
            pub fn ge<S, I, J>(self, rhs: impl Operand<S, <Self as Expression<S, I>>::Value, J>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
            {
                compare(self, ">=", rhs)
            }

            /// `self BETWEEN low AND high` (both ends included).
            pub fn between<S, I, J, K>(
                self,
                low: impl Operand<S, <Self as Expression<S, I>>::Value, J>,
                high: impl Operand<S, <Self as Expression<S, I>>::Value, K>,
            ) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
            {
                Expr::new(Node::Between(
                    Box::new(<Self as Expression<S, I>>::__node(self).0),
                    Box::new(node(low)),
                    Box::new(node(high)),
                ))
            }

            /// `self = ANY($1)`, the values bound as one array parameter (the
            /// same statement for any number of values; none matches no row).
            pub fn in_list<S, I, X>(self, values: impl IntoIterator<Item = X>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
                X: ListItem<<Self as Expression<S, I>>::Value>,
                Vec<<Self as Expression<S, I>>::Value>: Value,
            {
                let values: Vec<<Self as Expression<S, I>>::Value> =
                    values.into_iter().map(ListItem::__into).collect();
                Expr::new(Node::Any(
                    Box::new(<Self as Expression<S, I>>::__node(self).0),
                    Box::new(Node::Bind(Box::new(values))),
                ))
            }

            /// `self IN (SELECT …)`: the subquery selects one column of the
            /// same type (`.columns(Session::user_id)`).
            pub fn in_select<S, I, S2: Source>(
                self,
                subquery: Select<S2, Chosen<<Self as Expression<S, I>>::Value>>,
            ) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
            {
                Expr::new(Node::InSelect(
                    Box::new(<Self as Expression<S, I>>::__node(self).0),
                    Box::new(subquery.into_core()),
                ))
            }

            /// `self IS NULL` (nullable expressions only).
            pub fn is_null<S, I>(self) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
                <Self as Expression<S, I>>::Value: Nullable,
            {
                Expr::new(Node::Postfix(Box::new(<Self as Expression<S, I>>::__node(self).0), "IS NULL"))
            }

            /// `self IS NOT NULL` (nullable expressions only).
            pub fn is_not_null<S, I>(self) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
                <Self as Expression<S, I>>::Value: Nullable,
            {
                Expr::new(Node::Postfix(Box::new(<Self as Expression<S, I>>::__node(self).0), "IS NOT NULL"))
            }

            /// Reads a non-nullable expression as `Option<V>`, to compare it
            /// with a nullable one: `User::image.eq(User::name.nullable())`.
            pub fn nullable<S, I>(self) -> Expr<S, Option<<Self as Expression<S, I>>::Value>>
            where
                Self: Expression<S, I>,
            {
                Expr::new(<Self as Expression<S, I>>::__node(self).0)
            }

            /// `coalesce(self, fallback)`: a nullable expression read as its
            /// plain type, `fallback` where it is NULL.
            pub fn coalesce<S, I, J>(
                self,
                fallback: impl Operand<S, <<Self as Expression<S, I>>::Value as Nullable>::Inner, J>,
            ) -> Expr<S, <<Self as Expression<S, I>>::Value as Nullable>::Inner>
            where
                Self: Expression<S, I>,
                <Self as Expression<S, I>>::Value: Nullable,
            {
                Expr::new(Node::Call("coalesce", vec![<Self as Expression<S, I>>::__node(self).0, node(fallback)]))
            }

            /// `self LIKE pattern`, the pattern bound as a parameter (text only).
            pub fn like<S, I>(self, pattern: impl Into<String>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
                <Self as Expression<S, I>>::Value: Text,
            {
                let pattern: String = pattern.into();
                Expr::new(Node::binary(<Self as Expression<S, I>>::__node(self).0, "LIKE", Node::Bind(Box::new(pattern))))
            }

            /// `self ILIKE pattern`: `like`, ignoring case.
            pub fn ilike<S, I>(self, pattern: impl Into<String>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
                <Self as Expression<S, I>>::Value: Text,
            {
                let pattern: String = pattern.into();
                Expr::new(Node::binary(<Self as Expression<S, I>>::__node(self).0, "ILIKE", Node::Bind(Box::new(pattern))))
            }

            /// `self -> key`: a JSON object's field (`"name"`) or an array's
            /// element (`0`), as JSON; NULL when missing.
            pub fn get<S, I>(self, key: impl JsonKey) -> Expr<S, Option<Json<serde_json::Value>>>
            where
                Self: Expression<S, I>,
                <Self as Expression<S, I>>::Value: JsonType,
            {
                Expr::new(Node::binary(<Self as Expression<S, I>>::__node(self).0, "->", key.__node().0))
            }

            /// `self ->> key`: a JSON field or element as text; NULL when missing.
            pub fn get_text<S, I>(self, key: impl JsonKey) -> Expr<S, Option<String>>
            where
                Self: Expression<S, I>,
                <Self as Expression<S, I>>::Value: JsonType,
            {
                Expr::new(Node::binary(<Self as Expression<S, I>>::__node(self).0, "->>", key.__node().0))
            }

            /// `self @> rhs`: the array holds every element of `rhs`.
            pub fn contains<S, I, J>(self, rhs: impl Operand<S, <Self as Expression<S, I>>::Value, J>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
                <Self as Expression<S, I>>::Value: Array,
            {
                compare(self, "@>", rhs)
            }

            /// `self && rhs`: the arrays have an element in common.
            pub fn overlaps<S, I, J>(self, rhs: impl Operand<S, <Self as Expression<S, I>>::Value, J>) -> Expr<S, bool>
            where
                Self: Expression<S, I>,
                <Self as Expression<S, I>>::Value: Array,
            {
                compare(self, "&&", rhs)
            }

            /// `self ASC` for `order_by`.
            pub fn asc<S, I>(self) -> Order<S>
            where
                Self: Expression<S, I>,
            {
                Order::new(<Self as Expression<S, I>>::__node(self).0, false)
            }

            /// `self DESC` for `order_by`.
            pub fn desc<S, I>(self) -> Order<S>
            where
                Self: Expression<S, I>,
            {
                Order::new(<Self as Expression<S, I>>::__node(self).0, true)
            }
        }
    };
}

fn compare<S, I, J, E: Expression<S, I>>(
    lhs: E,
    op: &'static str,
    rhs: impl Operand<S, E::Value, J>,
) -> Expr<S, bool> {
    Expr::new(Node::binary(lhs.__node().0, op, node(rhs)))
}

expression_methods!([U, V, N] Column<U, V, N>);
expression_methods!([S0, V] Expr<S0, V>);
expression_methods!([L, R] Arith<L, R>);

impl<U, V: Numeric, N, R> Add<R> for Column<U, V, N> {
    type Output = Arith<Self, R>;

    /// `self + rhs` (numeric columns only).
    fn add(self, rhs: R) -> Arith<Self, R> {
        Arith {
            lhs: self,
            op: "+",
            rhs,
        }
    }
}

impl<U, V: Numeric, N, R> Sub<R> for Column<U, V, N> {
    type Output = Arith<Self, R>;

    /// `self - rhs` (numeric columns only).
    fn sub(self, rhs: R) -> Arith<Self, R> {
        Arith {
            lhs: self,
            op: "-",
            rhs,
        }
    }
}

impl<S, V: Numeric, R> Add<R> for Expr<S, V> {
    type Output = Arith<Self, R>;

    /// `self + rhs` (numeric expressions only).
    fn add(self, rhs: R) -> Arith<Self, R> {
        Arith {
            lhs: self,
            op: "+",
            rhs,
        }
    }
}

impl<S, V: Numeric, R> Sub<R> for Expr<S, V> {
    type Output = Arith<Self, R>;

    /// `self - rhs` (numeric expressions only).
    fn sub(self, rhs: R) -> Arith<Self, R> {
        Arith {
            lhs: self,
            op: "-",
            rhs,
        }
    }
}

impl<L, R, R2> Add<R2> for Arith<L, R> {
    type Output = Arith<Self, R2>;

    /// `self + rhs`.
    fn add(self, rhs: R2) -> Arith<Self, R2> {
        Arith {
            lhs: self,
            op: "+",
            rhs,
        }
    }
}

impl<L, R, R2> Sub<R2> for Arith<L, R> {
    type Output = Arith<Self, R2>;

    /// `self - rhs`.
    fn sub(self, rhs: R2) -> Arith<Self, R2> {
        Arith {
            lhs: self,
            op: "-",
            rhs,
        }
    }
}

impl<S> Expr<S, bool> {
    /// `self AND other`.
    pub fn and<I>(self, other: impl Predicate<S, I>) -> Expr<S, bool> {
        Expr::new(Node::binary(self.node, "AND", other.__node().0))
    }

    /// `self OR other`.
    pub fn or<I>(self, other: impl Predicate<S, I>) -> Expr<S, bool> {
        Expr::new(Node::binary(self.node, "OR", other.__node().0))
    }

    /// `NOT self`.
    #[expect(clippy::should_implement_trait, reason = "reads as SQL's NOT")]
    pub fn not(self) -> Expr<S, bool> {
        Expr::new(Node::Not(Box::new(self.node)))
    }
}

/// `NOT condition`.
pub fn not<S, I>(condition: impl Predicate<S, I>) -> Expr<S, bool> {
    Expr::new(Node::Not(Box::new(condition.__node().0)))
}

/// `EXISTS (SELECT 1 FROM …)`: whether the subquery returns a row. A
/// subquery refers to the outer query's tables after
/// [`correlate`](Select::correlate).
pub fn exists<S, S2: Source, R>(subquery: Select<S2, R>) -> Expr<S, bool> {
    Expr::new(Node::Exists(Box::new(subquery.into_core())))
}

/// `count(*)`: the number of rows (of each group).
pub fn count_all<S>() -> Expr<S, i64> {
    Expr::new(Node::Call("count", vec![Node::Raw("*")]))
}

/// `count(expr)`: the number of rows where `expr` is not NULL.
pub fn count<S, I>(expr: impl Expression<S, I>) -> Expr<S, i64> {
    Expr::new(Node::Call("count", vec![expr.__node().0]))
}

/// `count(DISTINCT expr)`: the number of distinct values of `expr` that
/// are not NULL.
pub fn count_distinct<S, I>(expr: impl Expression<S, I>) -> Expr<S, i64> {
    Expr::new(Node::Call(
        "count",
        vec![Node::Distinct(Box::new(expr.__node().0))],
    ))
}

/// `sum(expr)`: `i16` / `i32` / `i64` add up to `Option<i64>`, floats to
/// their own type; `None` when no row has a value.
pub fn sum<S, I, E>(expr: E) -> Expr<S, <E::Value as Summable>::Sum>
where
    E: Expression<S, I>,
    E::Value: Summable,
{
    let call = Node::Call("sum", vec![expr.__node().0]);
    Expr::new(match <E::Value as Summable>::CAST {
        Some(ty) => Node::Cast(Box::new(call), ty),
        None => call,
    })
}

/// `avg(expr)` as `Option<f64>` (integers average to `numeric` in
/// PostgreSQL, read as `double precision`); `None` when no row has a value.
pub fn avg<S, I, E>(expr: E) -> Expr<S, <E::Value as Averageable>::Avg>
where
    E: Expression<S, I>,
    E::Value: Averageable,
{
    let call = Node::Call("avg", vec![expr.__node().0]);
    Expr::new(match <E::Value as Averageable>::CAST {
        Some(ty) => Node::Cast(Box::new(call), ty),
        None => call,
    })
}

/// `min(column)`: `Option<V>`, `None` when no row has a value.
pub fn min<S, I, U, V, N>(column: Column<U, V, N>) -> Expr<S, <V as Lift<Optional, N>>::Out>
where
    Column<U, V, N>: Expression<S, I>,
    V: Lift<Optional, N>,
{
    Expr::new(Node::Call("min", vec![Expression::__node(column).0]))
}

/// `max(column)`: `Option<V>`, `None` when no row has a value.
pub fn max<S, I, U, V, N>(column: Column<U, V, N>) -> Expr<S, <V as Lift<Optional, N>>::Out>
where
    Column<U, V, N>: Expression<S, I>,
    V: Lift<Optional, N>,
{
    Expr::new(Node::Call("max", vec![Expression::__node(column).0]))
}

//! Typed expressions over the column accessors.
//!
//! An [`Expr<T, V>`] is an SQL expression over the columns of table `T`
//! whose value has the Rust type `V`; a condition is an `Expr<T, bool>`.
//! Every value is bound (`$n`), every identifier quoted, both through the
//! one [`SqlWriter`]. The type parameters are the checks: an operand must be
//! an [`Operand<T, V>`] (a `V`, or a `V` column or expression of `T`).

use std::marker::PhantomData;
use std::ops::{Add, Sub};

use super::value::{Param, Value};
use crate::sql::SqlWriter;
use crate::{Column, Table};

/// An expression tree, rendered by [`Node::write`].
pub(crate) enum Node {
    /// `"table"."column"`.
    Column {
        table: &'static str,
        column: &'static str,
    },
    /// A bound value.
    Bind(Param),
    /// `lhs op rhs`.
    Binary(Box<Node>, &'static str, Box<Node>),
    /// `NOT operand`.
    Not(Box<Node>),
    /// `operand IS NULL` and friends.
    Postfix(Box<Node>, &'static str),
}

impl Node {
    pub(crate) fn column<T: Table, V>(column: Column<T, V>) -> Self {
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
        }
    }

    fn write_operand<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        if matches!(self, Node::Column { .. } | Node::Bind(_)) {
            self.write(w);
        } else {
            w.push_sql("(");
            self.write(w);
            w.push_sql(")");
        }
    }
}

/// An SQL expression over the columns of table `T`, of Rust type `V`.
pub struct Expr<T, V> {
    pub(crate) node: Node,
    marker: PhantomData<fn() -> (T, V)>,
}

impl<T, V> Expr<T, V> {
    pub(crate) fn new(node: Node) -> Self {
        Expr {
            node,
            marker: PhantomData,
        }
    }
}

impl<T, V> std::fmt::Debug for Expr<T, V> {
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

/// The opaque expression behind an [`Operand`].
#[doc(hidden)]
pub struct OperandNode(pub(crate) Node);

/// What may stand on the right of a comparison with, or be assigned to, a
/// column of type `V` in a query over `T`: a value of type `V` (bound as
/// `$n`; `&str` for `String`), or a column or expression of `T` of type `V`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used where a `{V}` of table `{T}` is expected",
    label = "expected a `{V}` value, or a `{V}` column of `{T}`",
    note = "a value must have exactly the column's Rust type `{V}` (a `&str` is accepted for `String`); convert it first",
    note = "a column must have the type `{V}` and belong to `{T}`, the table this query is over (joins are not supported yet)"
)]
pub trait Operand<T, V> {
    #[doc(hidden)]
    fn __node(self) -> OperandNode;
}

impl<T, V: Value> Operand<T, V> for V {
    fn __node(self) -> OperandNode {
        OperandNode(Node::Bind(Box::new(self)))
    }
}

impl<T> Operand<T, String> for &str {
    fn __node(self) -> OperandNode {
        OperandNode(Node::Bind(Box::new(self.to_owned())))
    }
}

impl<T: Table, V> Operand<T, V> for Column<T, V> {
    fn __node(self) -> OperandNode {
        OperandNode(Node::column(self))
    }
}

impl<T, V> Operand<T, V> for Expr<T, V> {
    fn __node(self) -> OperandNode {
        OperandNode(self.node)
    }
}

fn node<T, V>(operand: impl Operand<T, V>) -> Node {
    operand.__node().0
}

/// A condition usable in `.filter(…)` of a query over `T`: a boolean
/// expression or a `bool` column of `T`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a condition over the columns of `{T}`",
    label = "expected a condition over `{T}`",
    note = "a query over `{T}` can only filter on columns of `{T}` (joins are not supported yet)",
    note = "build a condition with `eq`, `lt`, `is_null`, `and`, …, e.g. `{T}::id.eq(…)`"
)]
pub trait Predicate<T> {
    #[doc(hidden)]
    fn __node(self) -> OperandNode;
}

impl<T> Predicate<T> for Expr<T, bool> {
    fn __node(self) -> OperandNode {
        OperandNode(self.node)
    }
}

impl<T: Table> Predicate<T> for Column<T, bool> {
    fn __node(self) -> OperandNode {
        OperandNode(Node::column(self))
    }
}

/// A nullable column type: `Option<…>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not nullable: `is_null` / `is_not_null` apply to `Option<…>` columns only",
    label = "this column can never be NULL",
    note = "the column's Rust type is `{Self}`; only a field of type `Option<…>` maps to a nullable column"
)]
pub trait Nullable {}

impl<V> Nullable for Option<V> {}

/// A numeric column type, for `+` and `-`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a numeric type: arithmetic applies to number columns only",
    label = "not a number",
    note = "`+` and `-` work on `i16`, `i32`, `i64`, `f32` and `f64` columns"
)]
pub trait Numeric {}

impl Numeric for i16 {}
impl Numeric for i32 {}
impl Numeric for i64 {}
impl Numeric for f32 {}
impl Numeric for f64 {}

/// A text column type, for `like`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a text type: `like` applies to `String` columns only",
    label = "not text"
)]
pub trait Text {}

impl Text for String {}
impl Text for Option<String> {}

/// One `ORDER BY` term over table `T`.
pub struct Order<T> {
    pub(crate) node: Node,
    pub(crate) descending: bool,
    marker: PhantomData<fn() -> T>,
}

/// What `.order_by(…)` takes for a query over `T`: `column.asc()`,
/// `column.desc()`, or a bare column of `T` (ascending).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot order a query over `{T}`",
    label = "expected `column.asc()` or `column.desc()` of `{T}`",
    note = "a query over `{T}` can only order by columns of `{T}` (joins are not supported yet)"
)]
pub trait OrderTerm<T> {
    #[doc(hidden)]
    fn __order(self) -> Order<T>;
}

impl<T> OrderTerm<T> for Order<T> {
    fn __order(self) -> Order<T> {
        self
    }
}

impl<T: Table, V> OrderTerm<T> for Column<T, V> {
    fn __order(self) -> Order<T> {
        self.asc()
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

impl<T: Table, V> ColumnOf<T> for Column<T, V> {
    type Value = V;
    fn __name(&self) -> &'static str {
        self.name()
    }
}

/// Comparison and text methods, shared by [`Column`] and [`Expr`].
macro_rules! expression_methods {
    ($ty:ident, [$($bounds:tt)*], $self:ident => $node:expr) => {
        impl<T: $($bounds)*, V> $ty<T, V> {
            /// `self = rhs`.
            pub fn eq(self, rhs: impl Operand<T, V>) -> Expr<T, bool> {
                self.compare("=", rhs)
            }

            /// `self <> rhs`.
            pub fn ne(self, rhs: impl Operand<T, V>) -> Expr<T, bool> {
                self.compare("<>", rhs)
            }

            /// `self < rhs`.
            pub fn lt(self, rhs: impl Operand<T, V>) -> Expr<T, bool> {
                self.compare("<", rhs)
            }

            /// `self <= rhs`.
            pub fn le(self, rhs: impl Operand<T, V>) -> Expr<T, bool> {
                self.compare("<=", rhs)
            }

            /// `self > rhs`.
            pub fn gt(self, rhs: impl Operand<T, V>) -> Expr<T, bool> {
                self.compare(">", rhs)
            }

            /// `self >= rhs`.
            pub fn ge(self, rhs: impl Operand<T, V>) -> Expr<T, bool> {
                self.compare(">=", rhs)
            }

            /// `self IS NULL` (nullable columns only).
            pub fn is_null(self) -> Expr<T, bool>
            where
                V: Nullable,
            {
                let $self = self;
                Expr::new(Node::Postfix(Box::new($node), "IS NULL"))
            }

            /// `self IS NOT NULL` (nullable columns only).
            pub fn is_not_null(self) -> Expr<T, bool>
            where
                V: Nullable,
            {
                let $self = self;
                Expr::new(Node::Postfix(Box::new($node), "IS NOT NULL"))
            }

            /// `self LIKE pattern`, the pattern bound as a parameter (text columns only).
            pub fn like(self, pattern: impl Into<String>) -> Expr<T, bool>
            where
                V: Text,
            {
                let $self = self;
                let pattern: String = pattern.into();
                Expr::new(Node::binary($node, "LIKE", Node::Bind(Box::new(pattern))))
            }

            /// `self ASC` for `order_by`.
            pub fn asc(self) -> Order<T> {
                let $self = self;
                Order { node: $node, descending: false, marker: PhantomData }
            }

            /// `self DESC` for `order_by`.
            pub fn desc(self) -> Order<T> {
                let $self = self;
                Order { node: $node, descending: true, marker: PhantomData }
            }

            fn compare(self, op: &'static str, rhs: impl Operand<T, V>) -> Expr<T, bool> {
                let $self = self;
                Expr::new(Node::binary($node, op, node(rhs)))
            }
        }

        impl<T: $($bounds)*, V: Numeric, R: Operand<T, V>> Add<R> for $ty<T, V> {
            type Output = Expr<T, V>;

            /// `self + rhs` (numeric columns only).
            fn add(self, rhs: R) -> Expr<T, V> {
                let $self = self;
                Expr::new(Node::binary($node, "+", node(rhs)))
            }
        }

        impl<T: $($bounds)*, V: Numeric, R: Operand<T, V>> Sub<R> for $ty<T, V> {
            type Output = Expr<T, V>;

            /// `self - rhs` (numeric columns only).
            fn sub(self, rhs: R) -> Expr<T, V> {
                let $self = self;
                Expr::new(Node::binary($node, "-", node(rhs)))
            }
        }
    };
}

expression_methods!(Column, [Table], column => Node::column(column));
expression_methods!(Expr, [Sized], expr => expr.node);

impl<T> Expr<T, bool> {
    /// `self AND other`.
    pub fn and(self, other: impl Predicate<T>) -> Expr<T, bool> {
        Expr::new(Node::binary(self.node, "AND", other.__node().0))
    }

    /// `self OR other`.
    pub fn or(self, other: impl Predicate<T>) -> Expr<T, bool> {
        Expr::new(Node::binary(self.node, "OR", other.__node().0))
    }

    /// `NOT self`.
    #[expect(clippy::should_implement_trait, reason = "reads as SQL's NOT")]
    pub fn not(self) -> Expr<T, bool> {
        Expr::new(Node::Not(Box::new(self.node)))
    }
}

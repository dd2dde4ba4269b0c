//! What a query reads from: its *source*, at the type level.
//!
//! A single-table query's source is the table, `User`. Each join appends
//! a slot: an inner join the table, `(User, Session)`; a left join an
//! `Option` of it, `(User, Option<Session>)`. The whole-row result of a
//! query is its source (`Vec<(User, Option<Session>)>`).
//!
//! A column of table `U` is accepted in a query over source `S` when
//! `U: InSource<S, I>`. The index `I` names the slot (as frunk's
//! `Selector` does): each tuple position has its own impl, told apart by
//! `I`, so `(User, Session)` needs no overlapping impls, and the compiler
//! infers `I` from the one impl that fits. A table joined twice (a self
//! join) is ambiguous and does not compile.
//!
//! How a column reads in a source is [`Lift`]: as declared in a `FROM` or
//! inner-joined table, as `Option<V>` in a left-joined one (and still
//! `Option<V>`, not `Option<Option<V>>`, for a nullable column: the column
//! carries its nullability as [`NotNull`] / [`Null`]).

use crate::{NotNull, Null, Table};

/// The index of the only table of a single-table query.
#[derive(Debug)]
pub enum Single {}

/// Tuple positions of a joined query's tables (type-level indices).
#[derive(Debug)]
pub enum At0 {}
/// See [`At0`].
#[derive(Debug)]
pub enum At1 {}
/// See [`At0`].
#[derive(Debug)]
pub enum At2 {}
/// See [`At0`].
#[derive(Debug)]
pub enum At3 {}
/// See [`At0`].
#[derive(Debug)]
pub enum At4 {}

/// The index of an expression already built over the query's source
/// ([`Expr`](super::Expr), [`Order`](super::Order)).
#[derive(Debug)]
pub enum Computed {}

/// The index of a plain value, bound as a parameter.
#[derive(Debug)]
pub enum Bound {}

/// The index of a named placeholder of a prepared statement (a value
/// supplied when it runs), kept apart from [`Bound`] values.
#[derive(Debug)]
pub enum Named {}

/// The indices of a table in a source ([`Single`], [`At0`] …): kept apart
/// from [`Computed`] and [`Bound`] so that a column, an expression and a
/// value are never two ways of reading the same operand.
pub trait Position {}

impl Position for Single {}
impl Position for At0 {}
impl Position for At1 {}
impl Position for At2 {}
impl Position for At3 {}
impl Position for At4 {}

/// A table read in every row: `FROM` or an inner join.
#[derive(Debug)]
pub enum Required {}

/// A left-joined table: a row may have none of it (its columns NULL).
#[derive(Debug)]
pub enum Optional {}

/// One slot of a joined source: a table `T` (inner join) or `Option<T>`
/// (left join).
pub trait Slot {
    /// The table in the slot.
    type Table: Table;
    /// [`Required`] or [`Optional`].
    type Presence;
}

impl<T: Table> Slot for T {
    type Table = T;
    type Presence = Required;
}

impl<T: Table> Slot for Option<T> {
    type Table = T;
    type Presence = Optional;
}

/// What a query reads from: a `#[table]` struct, or a tuple of slots
/// built by joins (up to five tables).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a query source",
    label = "expected a `#[table]` struct or a tuple of joined tables",
    note = "a query reads from a `#[table]` struct; `inner_join` / `left_join` turn it into a tuple such as `(User, Option<Session>)`"
)]
pub trait Source: 'static {}

impl<T: Table> Source for T {}

/// `Self`, a table, is in source `S` at index `I`.
#[diagnostic::on_unimplemented(
    message = "table `{Self}` is not part of this query",
    label = "a column of `{Self}`, which this query does not read",
    note = "the query reads from `{S}`; a column can only be used when its table is in the query's FROM or joined",
    note = "join `{Self}` first: `.inner_join::<{Self}>(…)` or `.left_join::<{Self}>(…)`"
)]
pub trait InSource<S, I>: Table {
    /// [`Required`], or [`Optional`] when left-joined.
    type Presence;
}

impl<T: Table> InSource<T, Single> for T {
    type Presence = Required;
}

/// The type a column of Rust type `Self` and nullability `N` reads as in a
/// table of presence `P`: itself when required; `Option<Self>` when
/// left-joined, unless it already is an `Option`.
pub trait Lift<P, N> {
    /// The column's type in the query.
    type Out;
}

impl<V, N> Lift<Required, N> for V {
    type Out = V;
}

impl<V> Lift<Optional, NotNull> for V {
    type Out = Option<V>;
}

impl<V> Lift<Optional, Null> for V {
    type Out = V;
}

/// Appending table `T` to a source: the source after an inner join
/// ([`Join::Inner`]) and after a left join ([`Join::Left`]).
#[diagnostic::on_unimplemented(
    message = "cannot join `{T}` to a query over `{Self}`",
    label = "a query joins at most five tables",
    note = "`{T}` must be a `#[table]` struct"
)]
pub trait Join<T> {
    /// The source with `T` inner-joined.
    type Inner: Source;
    /// The source with `T` left-joined.
    type Left: Source;
}

impl<A: Table, T: Table> Join<T> for A {
    type Inner = (A, T);
    type Left = (A, Option<T>);
}

/// `Source` impls for tuples of slots; `Join` impls appending one more.
macro_rules! tuple_source {
    ($($slot:ident),+) => {
        impl<$($slot: Slot + 'static),+> Source for ($($slot,)+) {}
    };
    ($($slot:ident),+ => $next:ident) => {
        tuple_source!($($slot),+);

        impl<$($slot: Slot + 'static,)+ $next: Table> Join<$next> for ($($slot,)+) {
            type Inner = ($($slot,)+ $next,);
            type Left = ($($slot,)+ Option<$next>,);
        }
    };
}

/// The `InSource` impl of one position of a tuple source.
macro_rules! in_source {
    ([$($all:ident),+] $slot:ident at $index:ident) => {
        impl<U: Table, $($all: Slot + 'static),+> InSource<($($all,)+), $index> for U
        where
            $slot: Slot<Table = U>,
        {
            type Presence = <$slot as Slot>::Presence;
        }
    };
}

tuple_source!(A, B => C);
tuple_source!(A, B, C => D);
tuple_source!(A, B, C, D => E);
tuple_source!(A, B, C, D, E);

in_source!([A, B] A at At0);
in_source!([A, B] B at At1);
in_source!([A, B, C] A at At0);
in_source!([A, B, C] B at At1);
in_source!([A, B, C] C at At2);
in_source!([A, B, C, D] A at At0);
in_source!([A, B, C, D] B at At1);
in_source!([A, B, C, D] C at At2);
in_source!([A, B, C, D] D at At3);
in_source!([A, B, C, D, E] A at At0);
in_source!([A, B, C, D, E] B at At1);
in_source!([A, B, C, D, E] C at At2);
in_source!([A, B, C, D, E] D at At3);
in_source!([A, B, C, D, E] E at At4);

//! Bound values: what a query may send to PostgreSQL as a `$n` parameter.
//!
//! [`Value`] is `Debug + Send + Sync + 'static`, plus tokio-postgres's
//! `ToSql` when the `postgres` feature is on, so the builder compiles
//! without the driver and executes with it. The extra bound comes from the
//! sealed [`MaybeToSql`](sealed::MaybeToSql) supertrait, chosen here where
//! the features are known.

use std::fmt;

/// A Rust value that can be bound as a query parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent to PostgreSQL as a query parameter",
    label = "not a query parameter",
    note = "a parameter must be `Debug + Send + Sync + 'static` and, with the `postgres` feature, implement tokio-postgres's `ToSql`"
)]
pub trait Value: fmt::Debug + Send + Sync + 'static + sealed::MaybeToSql + sealed::AsAny {}

impl<T: fmt::Debug + Send + Sync + 'static + sealed::MaybeToSql> Value for T {}

pub(crate) mod sealed {
    /// The value as `Any`, so a placeholder can be told from a value.
    pub trait AsAny {
        /// `self` as `Any`.
        fn __as_any(&self) -> &dyn std::any::Any;
    }

    impl<T: 'static> AsAny for T {
        fn __as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    /// `ToSql` when the `postgres` feature is on, nothing otherwise.
    #[cfg(feature = "postgres")]
    pub trait MaybeToSql {
        /// The value as tokio-postgres takes it.
        fn as_to_sql(&self) -> &(dyn postgres_types::ToSql + Sync);
    }

    #[cfg(feature = "postgres")]
    impl<T: postgres_types::ToSql + Sync> MaybeToSql for T {
        fn as_to_sql(&self) -> &(dyn postgres_types::ToSql + Sync) {
            self
        }
    }

    /// `ToSql` when the `postgres` feature is on, nothing otherwise.
    #[cfg(not(feature = "postgres"))]
    pub trait MaybeToSql {}

    #[cfg(not(feature = "postgres"))]
    impl<T: ?Sized> MaybeToSql for T {}
}

/// A value kept by a query until it is rendered.
pub(crate) type Param = Box<dyn Value>;

/// A value for a column whose Rust type is `V`: a `V` itself, or a `&str`
/// for a `String` column. Used where only a value makes sense (an insert's
/// `with`, a placeholder's `bind`), not a column or an expression.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value of type `{V}`",
    label = "expected a `{V}` here",
    note = "the value must have exactly the column's Rust type `{V}` (a `&str` is accepted for `String`); convert it first"
)]
pub trait IntoValue<V> {
    /// The value, boxed for binding.
    #[doc(hidden)]
    fn __into_param(self) -> Param;
}

impl<V: Value> IntoValue<V> for V {
    fn __into_param(self) -> Param {
        Box::new(self)
    }
}

impl IntoValue<String> for &str {
    fn __into_param(self) -> Param {
        Box::new(self.to_owned())
    }
}

//! Prepared queries with named placeholders.
//!
//! Contract: [`placeholder::<V>("name")`](placeholder) stands where a value
//! of type `V` goes (`Resume::id.eq(placeholder::<String>("id"))`), so its
//! type is checked like any operand's. `.prepare()` renders the query's SQL
//! once into a [`Prepared`]; each run takes [`Bound`] values made by
//! `Placeholder::bind`, whose argument is checked against `V` at compile
//! time. What only a run can know is checked then, each error naming the
//! placeholder: a placeholder left without a value, a value for a name the
//! statement does not have, a value of another type than the placeholder's
//! (two placeholders of one name but different types).

use std::any::TypeId;
use std::fmt;
use std::marker::PhantomData;

use super::expr::{Node, Operand, OperandNode};
use super::value::{IntoValue, Param, Value};
use super::Query;

/// A named value left open until the query runs: see [`placeholder`].
pub struct Placeholder<V> {
    name: &'static str,
    marker: PhantomData<fn() -> V>,
}

impl<V> Clone for Placeholder<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Placeholder<V> {}

impl<V> fmt::Debug for Placeholder<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "placeholder {}: {}", self.name, short_name::<V>())
    }
}

/// A placeholder named `name` for a value of type `V`, usable wherever a
/// `V` value is: `Resume::id.eq(placeholder::<String>("id"))`. Give it a
/// value per run with [`Placeholder::bind`] on a [`Prepared`] query.
pub fn placeholder<V: Value>(name: &'static str) -> Placeholder<V> {
    Placeholder {
        name,
        marker: PhantomData,
    }
}

impl<V: Value> Placeholder<V> {
    /// The placeholder's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// This placeholder's value for one run (`&str` for a `String` one).
    pub fn bind(self, value: impl IntoValue<V>) -> Bound {
        Bound {
            slot: Slot::of::<V>(self.name),
            value: value.__into_param(),
        }
    }
}

impl<S, V0: Value, V: super::Accepts<V0>> Operand<S, V, super::index::Named> for Placeholder<V0> {
    fn __node(self) -> OperandNode {
        OperandNode(Node::Bind(Box::new(Slot::of::<V0>(self.name))))
    }
}

/// A placeholder's name and type, kept in the query where its value goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    name: &'static str,
    type_id: TypeId,
    type_name: &'static str,
}

impl Slot {
    fn of<V: 'static>(name: &'static str) -> Self {
        Slot {
            name,
            type_id: TypeId::of::<V>(),
            type_name: std::any::type_name::<V>(),
        }
    }
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "placeholder {}: {}",
            self.name,
            short_type_name(self.type_name)
        )
    }
}

/// Sent without a value (a query with placeholders run without
/// `.prepare()`): an error that says so, never a NULL.
#[cfg(feature = "postgres")]
impl postgres_types::ToSql for Slot {
    fn to_sql(
        &self,
        _ty: &postgres_types::Type,
        _out: &mut bytes::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Err(format!(
            "placeholder `{}` has no value: run the query through `.prepare()` and bind it",
            self.name
        )
        .into())
    }

    fn accepts(_ty: &postgres_types::Type) -> bool {
        true
    }

    postgres_types::to_sql_checked!();
}

/// A placeholder's value for one run of a [`Prepared`] query.
pub struct Bound {
    slot: Slot,
    value: Param,
}

impl fmt::Debug for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {:?}", self.slot.name, self.value)
    }
}

/// Why a run's values do not fit a prepared query's placeholders.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceholderError {
    /// A placeholder got no value.
    #[error("placeholder `{name}` has no value: bind it with `placeholder::<{type_name}>(\"{name}\").bind(…)`")]
    Missing {
        /// The placeholder's name.
        name: &'static str,
        /// The placeholder's Rust type.
        type_name: String,
    },
    /// A value was bound to a name the statement has no placeholder for.
    #[error("`{name}` is not a placeholder of this statement (its placeholders: {known})")]
    Unknown {
        /// The name the value was bound to.
        name: &'static str,
        /// The statement's placeholders, listed.
        known: String,
    },
    /// A placeholder got a value of another type.
    #[error("placeholder `{name}` takes a `{expected}`, but was bound a `{found}`")]
    WrongType {
        /// The placeholder's name.
        name: &'static str,
        /// The placeholder's Rust type.
        expected: String,
        /// The bound value's Rust type.
        found: String,
    },
    /// A placeholder got two values.
    #[error("placeholder `{name}` is bound twice")]
    Duplicate {
        /// The placeholder's name.
        name: &'static str,
    },
}

/// A query whose SQL is rendered once, run many times with new values for
/// its placeholders (from `.prepare()` on any query).
///
/// ```text
/// let id = placeholder::<String>("id");
/// let get_resume_by_id = Resume::select().filter(Resume::id.eq(id)).prepare();
/// let resume = get_resume_by_id.fetch_one(&db, &[id.bind("123")]).await?;
/// ```
#[must_use = "a prepared query does nothing until it is run"]
pub struct Prepared<Q> {
    query: Q,
    text: String,
    /// Per parameter position: the placeholder there, if it is one.
    slots: Vec<Option<Slot>>,
}

impl<Q: fmt::Debug> fmt::Debug for Prepared<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("sql", &self.text)
            .field("slots", &self.slots)
            .finish_non_exhaustive()
    }
}

impl<Q: Query> Prepared<Q> {
    pub(crate) fn new(query: Q) -> Self {
        let sql = query.to_sql();
        let slots = sql
            .params
            .iter()
            .map(|p| p.__as_any().downcast_ref::<Slot>().copied())
            .collect();
        let text = sql.text;
        Prepared { query, text, slots }
    }

    /// The SQL text, rendered once.
    pub fn sql(&self) -> &str {
        &self.text
    }

    /// The placeholders' names, each once, in the order they appear.
    pub fn placeholders(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for slot in self.slots.iter().flatten() {
            if !names.contains(&slot.name) {
                names.push(slot.name);
            }
        }
        names
    }

    /// The query this was prepared from.
    pub fn query(&self) -> &Q {
        &self.query
    }

    /// The query's own values and the bound ones, in parameter order.
    #[cfg(feature = "postgres")]
    pub(crate) fn values<'a>(
        &'a self,
        bound: &'a [Bound],
    ) -> Result<Vec<&'a dyn Value>, PlaceholderError> {
        for (i, b) in bound.iter().enumerate() {
            if bound[..i].iter().any(|o| o.slot.name == b.slot.name) {
                return Err(PlaceholderError::Duplicate { name: b.slot.name });
            }
            if !self.slots.iter().flatten().any(|s| s.name == b.slot.name) {
                let known = self.placeholders();
                let known = if known.is_empty() {
                    "none".to_owned()
                } else {
                    known
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return Err(PlaceholderError::Unknown {
                    name: b.slot.name,
                    known,
                });
            }
        }
        // The query's own values, without rendering its text again.
        let mut w = crate::sql::SqlWriter::params_only();
        self.query.write_sql(&mut w);
        let (_, own) = w.finish();
        own.into_iter()
            .zip(&self.slots)
            .map(|(value, slot)| match slot {
                None => Ok(value),
                Some(slot) => {
                    let b = bound
                        .iter()
                        .find(|b| b.slot.name == slot.name)
                        .ok_or_else(|| PlaceholderError::Missing {
                            name: slot.name,
                            type_name: short_type_name(slot.type_name),
                        })?;
                    if b.slot.type_id != slot.type_id {
                        return Err(PlaceholderError::WrongType {
                            name: slot.name,
                            expected: short_type_name(slot.type_name),
                            found: short_type_name(b.slot.type_name),
                        });
                    }
                    Ok(&*b.value)
                }
            })
            .collect()
    }
}

fn short_name<V>() -> String {
    short_type_name(std::any::type_name::<V>())
}

/// `alloc::string::String` → `String`, `core::option::Option<i64>` → `Option<i64>`.
fn short_type_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut word = String::new();
    for ch in name.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == ':' {
            word.push(ch);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(&word));
            word.clear();
            out.push(ch);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(&word));
    out
}

#[cfg(feature = "postgres")]
mod exec {
    use postgres_types::ToSql;

    use super::super::exec::{self as run, RowStream};
    use super::super::{Executor, Query, QueryError};
    use super::{Bound, Prepared};
    use crate::pg::FromRow;

    impl<Q: Query> Prepared<Q> {
        fn params<'a>(
            &'a self,
            bound: &'a [Bound],
        ) -> Result<Vec<&'a (dyn ToSql + Sync)>, QueryError> {
            let values = self.values(bound)?;
            Ok(values.into_iter().map(|v| v.as_to_sql()).collect())
        }

        /// Runs the query with these placeholder values; every row decoded.
        pub async fn fetch_all<E: Executor>(
            &self,
            db: &E,
            bound: &[Bound],
        ) -> Result<Vec<Q::Row>, QueryError>
        where
            Q::Row: FromRow,
        {
            let params = self.params(bound)?;
            run::fetch_all_with(db, &self.text, &params, Q::Row::from_row).await
        }

        /// Runs the query with these placeholder values; its one row
        /// (an error when it returns none or several).
        pub async fn fetch_one<E: Executor>(
            &self,
            db: &E,
            bound: &[Bound],
        ) -> Result<Q::Row, QueryError>
        where
            Q::Row: FromRow,
        {
            let params = self.params(bound)?;
            run::fetch_one_with(db, &self.text, &params, Q::Row::from_row).await
        }

        /// Runs the query with these placeholder values; its row, if any
        /// (an error when it returns several).
        pub async fn fetch_optional<E: Executor>(
            &self,
            db: &E,
            bound: &[Bound],
        ) -> Result<Option<Q::Row>, QueryError>
        where
            Q::Row: FromRow,
        {
            let params = self.params(bound)?;
            run::fetch_optional_with(db, &self.text, &params, Q::Row::from_row).await
        }

        /// Runs the query with these placeholder values; its rows as they arrive.
        pub async fn fetch_stream<E: Executor>(
            &self,
            db: &E,
            bound: &[Bound],
        ) -> Result<RowStream<Q::Row>, QueryError>
        where
            Q::Row: FromRow,
        {
            let params = self.params(bound)?;
            run::fetch_stream_with(db, &self.text, &params, Q::Row::from_row).await
        }

        /// Runs the query with these placeholder values; the number of rows
        /// it affected.
        pub async fn execute<E: Executor>(
            &self,
            db: &E,
            bound: &[Bound],
        ) -> Result<u64, QueryError> {
            let params = self.params(bound)?;
            run::execute_with(db, &self.text, &params).await
        }
    }
}

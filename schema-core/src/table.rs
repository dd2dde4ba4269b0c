//! The runtime face of `#[table]` and `#[pg_enum]`: the traits the macros
//! implement and the typed column accessor. Everything here is plain data so
//! a table's whole model is a constant, built at compile time.

use std::fmt;
use std::marker::PhantomData;

use crate::model;

/// A Rust struct mapped to a PostgreSQL table by `#[table]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `#[table]` struct",
    label = "expected a `#[table]` struct here",
    note = "put `#[table]` on `{Self}` to map it to a PostgreSQL table, or name a struct that has it"
)]
pub trait Table: Sized + 'static {
    /// The table's namespace.
    const SCHEMA: &'static str;
    /// The table's name.
    const NAME: &'static str;
    /// The table's full model: columns, keys, constraints, indexes.
    const TABLE: &'static model::Table;
    /// The PostgreSQL enum types the table's columns use, for
    /// [`crate::SchemaBuilder`] to include alongside the table.
    const ENUMS: &'static [&'static model::Enum];

    /// `SELECT` whole rows of this table (see [`crate::query`]).
    fn select() -> crate::query::Select<Self> {
        crate::query::select()
    }

    /// `INSERT` one row of this table: the struct itself, or its `New…`
    /// struct that leaves defaulted columns to the database.
    fn insert(row: impl crate::query::Insertable<Self>) -> crate::query::Insert<Self> {
        crate::query::insert(row)
    }

    /// `INSERT` many rows of this table in one statement.
    fn insert_many<I>(rows: I) -> crate::query::Insert<Self>
    where
        I: IntoIterator,
        I::Item: crate::query::Insertable<Self>,
    {
        crate::query::insert_many(rows)
    }

    /// `UPDATE` rows of this table; runs only after `.filter(…)` or `.all_rows()`.
    fn update() -> crate::query::Update<Self> {
        crate::query::update()
    }

    /// `DELETE` rows of this table; runs only after `.filter(…)` or `.all_rows()`.
    fn delete() -> crate::query::Delete<Self> {
        crate::query::delete()
    }
}

/// A Rust enum mapped to a PostgreSQL enum type by `#[pg_enum]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no PostgreSQL column type",
    label = "schema-core cannot map this type to a PostgreSQL type",
    note = "give the column an explicit type: `#[column(sql_type = \"…\")]`",
    note = "or, if `{Self}` is an enum stored as a PostgreSQL enum, put `#[pg_enum]` on it",
    note = "the supported Rust types are listed in the README under \"Type mapping\""
)]
pub trait PgEnum: Sized + 'static {
    /// The type's namespace.
    const SCHEMA: &'static str;
    /// The type's name.
    const NAME: &'static str;
    /// The type's model (labels in order).
    const ENUM: &'static model::Enum;

    /// The label of this value.
    fn label(&self) -> &'static str;

    /// The value with this label.
    fn from_label(label: &str) -> Option<Self>;
}

/// A typed column accessor: `User::email` is a `Column<User, String>`.
///
/// The first parameter is the table, the second the column's Rust type, so
/// the compiler rejects comparing a column with a value of another type or
/// using a column of a table that is not part of a query. The third says
/// whether the column is nullable ([`NotNull`], or [`Null`] for an
/// `Option<…>` field): a column of a left-joined table reads as
/// `Option<V>`, and this marker keeps that `Option<V>` for a column that
/// already is one (no `Option<Option<…>>`).
pub struct Column<T, V, N = NotNull> {
    index: usize,
    name: &'static str,
    marker: ColumnMarker<T, V, N>,
}

/// The types a [`Column`] carries but does not hold.
type ColumnMarker<T, V, N> = PhantomData<fn() -> (T, V, N)>;

/// The nullability marker of a column whose field is not an `Option`.
#[derive(Debug)]
pub enum NotNull {}

/// The nullability marker of a column whose field is an `Option<…>`.
#[derive(Debug)]
pub enum Null {}

impl<T, V, N> Column<T, V, N> {
    #[doc(hidden)]
    pub const fn __new(index: usize, name: &'static str) -> Self {
        Column {
            index,
            name,
            marker: PhantomData,
        }
    }

    /// The column's SQL name.
    pub const fn name(self) -> &'static str {
        self.name
    }

    /// The column's position in the table (and in a decoded row).
    pub const fn index(self) -> usize {
        self.index
    }
}

impl<T: Table, V, N> Column<T, V, N> {
    /// The column's model.
    pub fn model(self) -> &'static model::Column {
        &T::TABLE.columns[self.index]
    }
}

impl<T, V, N> Clone for Column<T, V, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, V, N> Copy for Column<T, V, N> {}

impl<T: Table, V, N> fmt::Debug for Column<T, V, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", T::NAME, self.name)
    }
}

/// Holds when a column of Rust type `Self` may reference a column of Rust
/// type `V` with a foreign key: the same type, nullable or not on either side.
#[diagnostic::on_unimplemented(
    message = "a foreign key column of type `{Self}` cannot reference a column of type `{V}`",
    label = "the referenced column has type `{V}`",
    note = "a foreign key column must have the same Rust type as the column it references (`Option<…>` aside)",
    note = "change the field's type to `{V}` (or `Option<{V}>`), or reference a column of type `{Self}`"
)]
pub trait ReferenceCompatible<V> {}

impl<V> ReferenceCompatible<V> for V {}
// Not suggested by the compiler when a pair does not fit: "implemented for
// `Option<V>`" would read as advice to make the column nullable.
#[diagnostic::do_not_recommend]
impl<V> ReferenceCompatible<V> for Option<V> {}

/// Checks a foreign key's column types. The referencing column is an
/// argument, not a turbofish: were `F` known before the referenced column's
/// `V`, rustc would infer `V = F` from the one impl that fits and report a
/// bare type mismatch instead of [`ReferenceCompatible`]'s message.
#[doc(hidden)]
pub const fn __check_reference<T, V, N, U, F, M>(
    _referenced: Column<T, V, N>,
    _referencing: Column<U, F, M>,
) where
    F: ReferenceCompatible<V>,
{
}

/// Compares two strings in a constant context.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The text of a model string in a constant context (macro-built models
/// only hold borrowed strings).
const fn borrowed(s: &model::Str) -> &str {
    match s {
        std::borrow::Cow::Borrowed(s) => s,
        std::borrow::Cow::Owned(_) => "",
    }
}

const fn borrowed_list<T: Clone>(list: &model::List<T>) -> &[T] {
    match list {
        std::borrow::Cow::Borrowed(list) => list,
        std::borrow::Cow::Owned(_) => &[],
    }
}

/// Whether `key` holds exactly the names in `columns`, in any order.
const fn same_columns(key: &[model::Str], columns: &[&str]) -> bool {
    if key.len() != columns.len() {
        return false;
    }
    let mut i = 0;
    while i < columns.len() {
        let mut found = false;
        let mut j = 0;
        while j < key.len() {
            if str_eq(borrowed(&key[j]), columns[i]) {
                found = true;
            }
            j += 1;
        }
        if !found {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `columns` are the primary key or a unique constraint of `table`
/// (a foreign key must reference one, or PostgreSQL rejects it). Evaluated
/// at compile time for every `references(…)`.
#[doc(hidden)]
pub const fn __is_key_of(table: &model::Table, columns: &[&str]) -> bool {
    // A table whose own definition failed to compile gets an empty model:
    // its errors are reported there, not again here.
    if borrowed_list(&table.columns).is_empty() {
        return true;
    }
    if let Some(pk) = &table.primary_key {
        if same_columns(borrowed_list(&pk.columns), columns) {
            return true;
        }
    }
    let uniques = borrowed_list(&table.uniques);
    let mut i = 0;
    while i < uniques.len() {
        if same_columns(borrowed_list(&uniques[i].columns), columns) {
            return true;
        }
        i += 1;
    }
    let indexes = borrowed_list(&table.indexes);
    let mut i = 0;
    while i < indexes.len() {
        let index = &indexes[i];
        let keys = borrowed_list(&index.keys);
        if index.unique && index.predicate.is_none() && keys.len() == columns.len() {
            let mut all = true;
            let mut k = 0;
            while k < keys.len() {
                let matched = match &keys[k].target {
                    model::IndexTarget::Column(name) => {
                        let mut m = false;
                        let mut c = 0;
                        while c < columns.len() {
                            if str_eq(borrowed(name), columns[c]) {
                                m = true;
                            }
                            c += 1;
                        }
                        m
                    }
                    model::IndexTarget::Expression(_) => false,
                };
                if !matched {
                    all = false;
                }
                k += 1;
            }
            if all {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Whether `label` is one of the enum's labels. Evaluated at compile time
/// for every `default = "…"` on a `#[pg_enum]` column.
#[doc(hidden)]
pub const fn __has_label(enum_type: &model::Enum, label: &str) -> bool {
    let values = borrowed_list(&enum_type.values);
    let mut i = 0;
    while i < values.len() {
        if str_eq(borrowed(&values[i]), label) {
            return true;
        }
        i += 1;
    }
    false
}

/// Collects `#[table]` types into a [`model::Schema`], with the enum types
/// and namespaces they use.
#[derive(Debug, Default)]
pub struct SchemaBuilder {
    schema: model::Schema,
    /// (schema, name) of the tables and enums added, so adding stays linear.
    tables: std::collections::HashSet<(String, String)>,
    enums: std::collections::HashSet<(String, String)>,
}

impl SchemaBuilder {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the table `T` and the enum types its columns use.
    pub fn table<T: Table>(mut self) -> Self {
        self.add_table(T::TABLE, T::ENUMS);
        self
    }

    /// Adds the enum type `E`, even when no table uses it.
    pub fn pg_enum<E: PgEnum>(mut self) -> Self {
        self.add_enum(E::ENUM);
        self
    }

    /// Adds a table model and its enums (for code that holds models, not types).
    pub fn add_table(&mut self, table: &model::Table, enums: &[&model::Enum]) {
        self.add_namespace(&table.schema);
        if self
            .tables
            .insert((table.schema.to_string(), table.name.to_string()))
        {
            self.schema.tables.push(table.clone());
        }
        for enum_type in enums {
            self.add_enum(enum_type);
        }
    }

    /// Adds an enum model.
    pub fn add_enum(&mut self, enum_type: &model::Enum) {
        self.add_namespace(&enum_type.schema);
        if self
            .enums
            .insert((enum_type.schema.to_string(), enum_type.name.to_string()))
        {
            self.schema.enums.push(enum_type.clone());
        }
    }

    fn add_namespace(&mut self, namespace: &str) {
        if namespace != model::DEFAULT_SCHEMA
            && !self.schema.namespaces.iter().any(|n| n == namespace)
        {
            self.schema.namespaces.push(namespace.to_owned());
        }
    }

    /// The finished schema, in canonical order.
    pub fn build(mut self) -> model::Schema {
        self.schema.normalize();
        self.schema
    }
}

//! The runtime face of `#[table]` and `#[pg_enum]`: the traits the macros
//! implement and the typed column accessor. A table's model is decoded on
//! first use from a compact description the macro writes (one string and
//! the names it takes from other types); an enum's model is constant data.

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
    /// The PostgreSQL enum types the table's columns use, for
    /// [`crate::SchemaBuilder`] to include alongside the table.
    const ENUMS: &'static [&'static model::Enum];
    /// The column sets a foreign key may reference (primary key, unique
    /// constraints, plain unique indexes), for the compile-time check of
    /// `references(…)`; `None` when the table's definition did not compile.
    #[doc(hidden)]
    const __KEYS: Option<&'static [&'static [&'static str]]>;

    /// The table's full model: columns, keys, constraints, indexes. Built on
    /// first use from the compact description `#[table]` generates (a model
    /// written out as constant data made every table cost several times
    /// its struct to compile).
    fn model() -> &'static model::Table;

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
        &T::model().columns[self.index]
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

/// The text of a model string in a constant context (macro-built enum
/// models only hold borrowed strings).
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
const fn same_columns(key: &[&str], columns: &[&str]) -> bool {
    if key.len() != columns.len() {
        return false;
    }
    let mut i = 0;
    while i < columns.len() {
        let mut found = false;
        let mut j = 0;
        while j < key.len() {
            if str_eq(key[j], columns[i]) {
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

/// Whether `columns` are one of a table's `keys` ([`Table::__KEYS`]: a
/// foreign key must reference one, or PostgreSQL rejects it). Evaluated at
/// compile time for every `references(…)`.
#[doc(hidden)]
pub const fn __is_key_of(keys: Option<&[&[&str]]>, columns: &[&str]) -> bool {
    // A table whose own definition failed to compile has no keys: its
    // errors are reported there, not again here.
    let Some(keys) = keys else {
        return true;
    };
    let mut i = 0;
    while i < keys.len() {
        if same_columns(keys[i], columns) {
            return true;
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

/// A foreign key's target as generated code names it: the referenced
/// table's namespace and name, and the referenced columns.
#[doc(hidden)]
pub type __Reference<'a> = (&'a str, &'a str, &'a [&'a str]);

/// Where a `#[table]` struct keeps its model: a `static` in the generated
/// [`Table::model`], filled on first use.
#[doc(hidden)]
pub struct __ModelCell(std::sync::OnceLock<model::Table>);

impl __ModelCell {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        __ModelCell(std::sync::OnceLock::new())
    }

    /// The model, decoded the first time from `description` (the model as
    /// JSON, with its foreign keys' targets and its enum columns' types
    /// left blank: they are names of other Rust types, known to the
    /// compiler, not to the macro). `references` gives the foreign keys'
    /// targets in order, `enum_types` the enum columns' types as (column
    /// index, namespace, name).
    pub fn get(
        &'static self,
        description: &str,
        references: &[__Reference<'_>],
        enum_types: &[(usize, &str, &str)],
    ) -> &'static model::Table {
        self.0
            .get_or_init(|| decode_model(description, references, enum_types))
    }
}

fn decode_model(
    description: &str,
    references: &[__Reference<'_>],
    enum_types: &[(usize, &str, &str)],
) -> model::Table {
    let mut table: model::Table = serde_json::from_str(description).unwrap_or_else(|error| {
        panic!("a `#[table]` model does not decode ({error}): schema-macros and schema-core come from different versions")
    });
    let owned = |s: &str| model::Str::Owned(s.to_owned());
    let foreign_keys = table.foreign_keys.to_mut();
    assert_eq!(
        foreign_keys.len(),
        references.len(),
        "`{}`: one target per foreign key",
        table.name
    );
    for (key, &(schema, name, columns)) in foreign_keys.iter_mut().zip(references) {
        key.references_schema = owned(schema);
        key.references_table = owned(name);
        key.references_columns = columns.iter().map(|c| owned(c)).collect();
    }
    let columns = table.columns.to_mut();
    for &(index, schema, name) in enum_types {
        columns[index].sql_type = model::SqlType::Enum {
            schema: owned(schema),
            name: owned(name),
        };
    }
    table
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
        self.add_table(T::model(), T::ENUMS);
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

#[cfg(test)]
mod tests {
    use super::*;

    const POST: &str = r#"{"schema":"public","name":"post","columns":[
        {"name":"id","type":{"kind":"big_int"},"nullable":false},
        {"name":"author","type":{"kind":"big_int"},"nullable":false},
        {"name":"state","type":{"kind":"enum","schema":"","name":""},"nullable":false}],
        "foreign_keys":[{"name":"post_author_fkey","columns":["author"],
        "references_schema":"","references_table":"","references_columns":[],"on_delete":"cascade"}]}"#;

    #[test]
    fn a_model_is_decoded_once_with_the_names_other_types_give() {
        static MODEL: __ModelCell = __ModelCell::new();
        let references: &[__Reference<'_>] = &[("auth", "user", &["id"])];
        let model = MODEL.get(POST, references, &[(2, "public", "post_state")]);
        let key = &model.foreign_keys[0];
        assert_eq!(
            (
                &*key.references_schema,
                &*key.references_table,
                &key.references_columns[..]
            ),
            ("auth", "user", &[model::Str::from("id")][..])
        );
        assert_eq!(key.on_delete, model::ReferentialAction::Cascade);
        assert_eq!(
            model.columns[2].sql_type,
            model::SqlType::Enum {
                schema: "public".into(),
                name: "post_state".into()
            }
        );
        // Later calls return the same model without decoding again.
        assert!(std::ptr::eq(model, MODEL.get("not read", &[], &[])));
    }

    #[test]
    #[should_panic(expected = "one target per foreign key")]
    fn a_model_without_a_target_for_each_foreign_key_is_a_bug() {
        decode_model(POST, &[], &[]);
    }

    #[test]
    fn keys_decide_what_a_foreign_key_may_reference() {
        const KEYS: &[&[&str]] = &[&["id"], &["org", "slug"]];
        assert!(__is_key_of(Some(KEYS), &["id"]));
        assert!(__is_key_of(Some(KEYS), &["slug", "org"]));
        assert!(!__is_key_of(Some(KEYS), &["org"]));
        assert!(!__is_key_of(Some(KEYS), &["id", "org"]));
        // A table whose definition failed is not blamed again.
        assert!(__is_key_of(None, &["anything"]));
    }
}

//! The diff engine: `(old, new, hints) → changes`, plain data in an order
//! the server accepts. Knows nothing about SQL text (see
//! `crate::sql::changes`).
//!
//! Renames are never guessed. A table, column, enum or enum label is renamed
//! when the new model says so (`renamed_from`) or the caller's [`Hints`] do;
//! a drop and an add that merely look alike (same columns, same type) are
//! reported as [`RenameCandidate`]s for the caller to resolve — ask, or
//! refuse — and are otherwise left as a drop and an add.
//!
//! Constraints and indexes are matched by what they do, not by name: when a
//! key's content is unchanged but its name is not (its table or column was
//! renamed, so PostgreSQL's default name changed) it is renamed, so that the
//! result equals a fresh create. Expressions (checks, index expressions and
//! predicates, generated columns) are compared with column renames applied,
//! as the server rewrites them on a rename.
//!
//! What rests on a column whose type changes is rebuilt around the change:
//! foreign keys over it (either side), and checks, expression or partial
//! indexes and generated columns whose SQL mentions it (the server would
//! re-check them as written against the old type, or refuses the change).
//! A column converted by a recreated enum counts as changing type.
//!
//! The order of the changes, phase by phase:
//! 1. create namespaces; create, rename and extend enums;
//! 2. drop foreign keys that change or depend on anything that changes;
//! 3. drop indexes and constraints that change or go (by the table's old
//!    name);
//! 4. drop tables;
//! 5. rename tables and columns (and their owned sequences);
//! 6. drop generation expressions and generated columns (dropped, or to
//!    be added back), then the other columns (a generated column depends
//!    on the columns it reads); recreate enums whose labels were dropped
//!    or reordered (the old type set aside);
//! 7. create tables, add columns, alter columns; add generated columns
//!    back, after the columns they read;
//! 8. drop enums and the types set aside;
//! 9. rename constraints and indexes, add keys, uniques and checks;
//! 10. create indexes; add foreign keys; drop namespaces.

mod change;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

pub use change::{
    narrowing, transactional, Change, ColumnType, ConstraintKind, EnumUsage, TableRef,
};

use crate::model::{
    Column, ForeignKey, Index, IndexTarget, Schema, SqlType, Str, Table, DEFAULT_SCHEMA,
};
use crate::naming::make_object_name;
use crate::sql::ddl;

/// Renames the caller knows about beyond the model's `renamed_from`
/// (answers to prompts, an answers file), and look-alikes confirmed as a
/// drop and an add.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hints {
    /// Tables renamed: in `schema`, `from` → `to`.
    pub tables: Vec<Rename>,
    /// Columns renamed: in the table (by its NEW name), `from` → `to`.
    pub columns: Vec<ColumnRename>,
    /// Enum types renamed: in `schema`, `from` → `to`.
    pub enums: Vec<Rename>,
    /// Look-alikes that are really a drop and an add.
    pub not_renames: Vec<RenameCandidate>,
    /// Namespaces renamed, `from` → `to` (declared in schema.toml, as code
    /// has no item for a namespace).
    pub schemas: Vec<SchemaRename>,
}

/// A namespace rename.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaRename {
    /// Old name.
    pub from: String,
    /// New name.
    pub to: String,
}

/// A rename within a namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rename {
    /// Namespace.
    pub schema: String,
    /// Old name.
    pub from: String,
    /// New name.
    pub to: String,
}

/// A column rename.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnRename {
    /// The table, by its new name.
    pub table: TableRef,
    /// Old column name.
    pub from: String,
    /// New column name.
    pub to: String,
}

/// A dropped and an added object that look like one renamed object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RenameCandidate {
    /// A table dropped and one with the same columns added.
    Table {
        /// Namespace.
        schema: String,
        /// The dropped table.
        dropped: String,
        /// The added table.
        added: String,
    },
    /// A column dropped and one of the same type added in the same table.
    Column {
        /// The table (new name).
        table: TableRef,
        /// The dropped column.
        dropped: String,
        /// The added column.
        added: String,
    },
}

impl RenameCandidate {
    /// The attribute that makes the rename explicit in code.
    pub fn attribute(&self) -> String {
        match self {
            RenameCandidate::Table { dropped, .. } => {
                format!("#[table(renamed_from = \"{dropped}\")]")
            }
            RenameCandidate::Column { dropped, .. } => {
                format!("#[column(renamed_from = \"{dropped}\")]")
            }
        }
    }
}

impl std::fmt::Display for RenameCandidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenameCandidate::Table {
                schema,
                dropped,
                added,
            } => {
                let prefix = if schema == DEFAULT_SCHEMA {
                    String::new()
                } else {
                    format!("{schema}.")
                };
                write!(
                    f,
                    "table `{prefix}{dropped}` dropped and `{prefix}{added}` added"
                )
            }
            RenameCandidate::Column {
                table,
                dropped,
                added,
            } => write!(
                f,
                "column `{table}.{dropped}` dropped and `{table}.{added}` added"
            ),
        }
    }
}

/// The result of a diff.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// The changes, in order.
    pub changes: Vec<Change>,
    /// Every rename applied (from the model and from hints), for the reverse
    /// diff and for messages.
    pub renames: Hints,
    /// Drops and adds that look like renames and were not resolved by a
    /// hint. The changes treat them as drop + add; a caller must not apply
    /// them without asking.
    pub candidates: Vec<RenameCandidate>,
}

impl Diff {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Hints for the reverse diff (new → old): every rename turned around.
    pub fn reverse_hints(&self) -> Hints {
        let table_new_name = |table: &TableRef| -> TableRef {
            // Column renames name the table by its new name; in reverse, by
            // its old one.
            let renamed = self
                .renames
                .tables
                .iter()
                .find(|r| r.schema == *table.schema && r.to == *table.name);
            match renamed {
                Some(r) => TableRef {
                    schema: Cow::Owned(r.schema.clone()),
                    name: Cow::Owned(r.from.clone()),
                },
                None => table.clone(),
            }
        };
        // Renames are recorded under the new namespace names; the reverse
        // diff renames namespaces back first, so it names them the old way.
        let old_namespace = |schema: &str| -> String {
            self.renames
                .schemas
                .iter()
                .find(|r| r.to == schema)
                .map_or_else(|| schema.to_owned(), |r| r.from.clone())
        };
        let table_new_name = |table: &TableRef| -> TableRef {
            let table = table_new_name(table);
            TableRef {
                schema: Cow::Owned(old_namespace(&table.schema)),
                name: table.name,
            }
        };
        let reversed = |rename: &Rename| -> Rename {
            let mut rename = rename.reversed();
            rename.schema = old_namespace(&rename.schema);
            rename
        };
        Hints {
            tables: self.renames.tables.iter().map(reversed).collect(),
            columns: self
                .renames
                .columns
                .iter()
                .map(|c| ColumnRename {
                    table: table_new_name(&c.table),
                    from: c.to.clone(),
                    to: c.from.clone(),
                })
                .collect(),
            enums: self.renames.enums.iter().map(reversed).collect(),
            schemas: self
                .renames
                .schemas
                .iter()
                .map(|r| SchemaRename {
                    from: r.to.clone(),
                    to: r.from.clone(),
                })
                .collect(),
            not_renames: Vec::new(),
        }
    }

    /// Whether the changes can run in one transaction (see [`transactional`]).
    pub fn is_transactional(&self) -> bool {
        transactional(&self.changes)
    }
}

impl Rename {
    fn reversed(&self) -> Rename {
        Rename {
            schema: self.schema.clone(),
            from: self.to.clone(),
            to: self.from.clone(),
        }
    }
}

/// The changes that turn `old` into `new`.
pub fn diff(old: &Schema, new: &Schema, hints: &Hints) -> Diff {
    // Equal models have nothing to change, whatever the hints say: every
    // rename hint names something missing from one side.
    if old == new {
        return Diff::default();
    }
    // Copies only when the models need normalizing or a namespace rename.
    let mut old = old.normalized();
    let new = new.normalized();
    let mut renamed = Vec::new();
    for rename in &hints.schemas {
        let in_old = |schema: &Schema, name: &str| {
            schema.namespaces.iter().any(|n| n == name)
                || schema.tables.iter().any(|t| t.schema == name)
                || schema.enums.iter().any(|e| e.schema == name)
        };
        if rename.from != rename.to
            && rename.from != DEFAULT_SCHEMA
            && in_old(&old, &rename.from)
            && !in_old(&new, &rename.from)
            && !in_old(&old, &rename.to)
        {
            rename_namespace(old.to_mut(), &rename.from, &rename.to);
            renamed.push(rename.clone());
        }
    }
    if !renamed.is_empty() {
        old.to_mut().normalize();
    }
    let mut result = Differ::new(&old, &new, hints).run();
    let mut changes: Vec<Change> = renamed
        .iter()
        .map(|r| Change::RenameSchema {
            from: r.from.clone(),
            to: r.to.clone(),
        })
        .collect();
    changes.append(&mut result.changes);
    result.changes = changes;
    result.renames.schemas = renamed;
    result
}

/// Moves everything of namespace `from` to `to` in the model, as `ALTER
/// SCHEMA … RENAME` does in the database.
fn rename_namespace(schema: &mut Schema, from: &str, to: &str) {
    let rename = |name: &mut Str| {
        if *name == from {
            *name = Cow::Owned(to.to_owned());
        }
    };
    for namespace in &mut schema.namespaces {
        if namespace == from {
            to.clone_into(namespace);
        }
    }
    for enum_type in &mut schema.enums {
        rename(&mut enum_type.schema);
    }
    for table in &mut schema.tables {
        rename(&mut table.schema);
        for column in table.columns.to_mut() {
            if let SqlType::Enum { schema, .. } = &mut column.sql_type {
                rename(schema);
            }
        }
        for fk in table.foreign_keys.to_mut() {
            rename(&mut fk.references_schema);
        }
    }
}

/// Changes collected per phase, concatenated at the end.
#[derive(Default)]
struct Phases {
    create_namespaces: Vec<Change>,
    enums: Vec<Change>,
    drop_foreign_keys: Vec<Change>,
    drop_indexes: Vec<Change>,
    drop_constraints: Vec<Change>,
    drop_tables: Vec<Change>,
    renames: Vec<Change>,
    drop_generated: Vec<Change>,
    drop_columns: Vec<Change>,
    recreate_enums: Vec<Change>,
    create_tables: Vec<Change>,
    columns: Vec<Change>,
    drop_enums: Vec<Change>,
    rename_constraints: Vec<Change>,
    add_constraints: Vec<Change>,
    create_indexes: Vec<Change>,
    add_foreign_keys: Vec<Change>,
    drop_namespaces: Vec<Change>,
}

impl Phases {
    fn finish(self) -> Vec<Change> {
        [
            self.create_namespaces,
            self.enums,
            self.drop_foreign_keys,
            self.drop_indexes,
            self.drop_constraints,
            self.drop_tables,
            self.renames,
            self.drop_generated,
            self.drop_columns,
            // Before anything is created: a renamed table's or column's
            // generated names may be taken by a new one.
            self.rename_constraints,
            self.recreate_enums,
            self.create_tables,
            self.columns,
            self.drop_enums,
            self.add_constraints,
            self.create_indexes,
            self.add_foreign_keys,
            self.drop_namespaces,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

type Key = (String, String);

fn key(schema: &str, name: &str) -> Key {
    (schema.to_owned(), name.to_owned())
}

struct Differ<'a> {
    old: &'a Schema,
    new: &'a Schema,
    /// (schema, name) → table, for lookups that stay cheap at 10,000 tables.
    old_tables: std::collections::HashMap<(&'a str, &'a str), &'a Table>,
    new_tables: std::collections::HashMap<(&'a str, &'a str), &'a Table>,
    hints: &'a Hints,
    out: Phases,
    renames: Hints,
    candidates: Vec<RenameCandidate>,
    /// Old table key → new table key, for matched tables.
    table_map: BTreeMap<Key, Key>,
    /// Old table key → (old column → new column), for matched columns.
    column_map: BTreeMap<Key, BTreeMap<String, String>>,
    /// Old enum key → new enum key.
    enum_map: BTreeMap<Key, Key>,
    /// Old tables whose (old) key columns lose their key: foreign keys
    /// referencing them must be dropped first.
    dropped_keys: BTreeSet<(Key, Vec<String>)>,
    /// Old (table, column) whose type changes in place (`ALTER COLUMN …
    /// TYPE`, or a conversion to its recreated enum): foreign keys over
    /// them, and checks, index expressions and predicates and generated
    /// columns that mention them, are dropped and added back around the
    /// change.
    retyped_columns: BTreeSet<(Key, String)>,
    /// Old (table, column) dropped and added back under the same name (a
    /// generated column whose expression or inputs change): every key,
    /// constraint and index over them is created again.
    recreated_columns: BTreeSet<(Key, String)>,
    /// Enums (by new key) recreated because labels were dropped or
    /// reordered, with the name the old type is set aside under.
    recreated_enums: BTreeMap<Key, Str>,
    /// Generated columns added back at the end of their table's changes.
    deferred_columns: Vec<Change>,
}

impl<'a> Differ<'a> {
    fn new(old: &'a Schema, new: &'a Schema, hints: &'a Hints) -> Self {
        let index = |schema: &'a Schema| {
            schema
                .tables
                .iter()
                .map(|t| ((&*t.schema, &*t.name), t))
                .collect::<std::collections::HashMap<_, _>>()
        };
        Differ {
            old,
            new,
            old_tables: index(old),
            new_tables: index(new),
            hints,
            out: Phases::default(),
            renames: Hints::default(),
            candidates: Vec::new(),
            table_map: BTreeMap::new(),
            column_map: BTreeMap::new(),
            enum_map: BTreeMap::new(),
            dropped_keys: BTreeSet::new(),
            retyped_columns: BTreeSet::new(),
            recreated_columns: BTreeSet::new(),
            recreated_enums: BTreeMap::new(),
            deferred_columns: Vec::new(),
        }
    }

    fn run(mut self) -> Diff {
        self.namespaces();
        self.match_enums();
        self.match_tables();
        self.enums();
        let matched: Vec<(Key, Key)> = self
            .table_map
            .iter()
            .map(|(o, n)| (o.clone(), n.clone()))
            .collect();
        for (old_key, new_key) in &matched {
            self.match_columns(old_key, new_key);
        }
        for (old_key, new_key) in &matched {
            self.table(old_key, new_key);
        }
        self.recreated_enum_usages();
        self.foreign_keys();
        self.created_and_dropped_tables();
        self.dropped_enums();
        self.out.rename_constraints =
            order_renames(std::mem::take(&mut self.out.rename_constraints));
        Diff {
            changes: self.out.finish(),
            renames: self.renames,
            candidates: self.candidates,
        }
    }

    fn old_table(&self, key: &Key) -> &'a Table {
        self.old_tables
            .get(&(key.0.as_str(), key.1.as_str()))
            .copied()
            .unwrap_or_else(|| unreachable!("matched tables exist"))
    }

    fn new_table(&self, key: &Key) -> &'a Table {
        self.new_tables
            .get(&(key.0.as_str(), key.1.as_str()))
            .copied()
            .unwrap_or_else(|| unreachable!("matched tables exist"))
    }

    // --- namespaces -------------------------------------------------------

    fn namespaces(&mut self) {
        for name in &self.new.namespaces {
            if !self.old.namespaces.contains(name) {
                self.out
                    .create_namespaces
                    .push(Change::CreateSchema { name: name.clone() });
            }
        }
        for name in &self.old.namespaces {
            if !self.new.namespaces.contains(name) {
                self.out
                    .drop_namespaces
                    .push(Change::DropSchema { name: name.clone() });
            }
        }
    }

    // --- enums ------------------------------------------------------------

    fn match_enums(&mut self) {
        let old_keys: BTreeSet<Key> = self
            .old
            .enums
            .iter()
            .map(|e| key(&e.schema, &e.name))
            .collect();
        let new_keys: BTreeSet<Key> = self
            .new
            .enums
            .iter()
            .map(|e| key(&e.schema, &e.name))
            .collect();
        for new_enum in &self.new.enums {
            let new_key = key(&new_enum.schema, &new_enum.name);
            if old_keys.contains(&new_key) {
                self.enum_map.insert(new_key.clone(), new_key);
                continue;
            }
            let hinted = self
                .hints
                .enums
                .iter()
                .find(|r| r.schema == *new_enum.schema && r.to == *new_enum.name)
                .map(|r| r.from.clone());
            let from = hinted.or_else(|| new_enum.renamed_from.as_ref().map(|s| s.to_string()));
            if let Some(from) = from {
                let old_key = key(&new_enum.schema, &from);
                if old_keys.contains(&old_key)
                    && !new_keys.contains(&old_key)
                    && !self.enum_map.contains_key(&old_key)
                {
                    self.enum_map.insert(old_key, new_key);
                    self.renames.enums.push(Rename {
                        schema: new_enum.schema.to_string(),
                        from,
                        to: new_enum.name.to_string(),
                    });
                }
            }
        }
    }

    /// Enum creations, renames, label renames and appended labels; labels
    /// dropped or reordered recreate the type (see `recreated_enum_usages`).
    fn enums(&mut self) {
        let matched_new: BTreeSet<Key> = self.enum_map.values().cloned().collect();
        for new_enum in &self.new.enums {
            let new_key = key(&new_enum.schema, &new_enum.name);
            if !matched_new.contains(&new_key) {
                self.out.enums.push(Change::CreateEnum(new_enum.clone()));
            }
        }
        let pairs: Vec<(Key, Key)> = self
            .enum_map
            .iter()
            .map(|(o, n)| (o.clone(), n.clone()))
            .collect();
        for (old_key, new_key) in pairs {
            let (Some(old_enum), Some(new_enum)) = (
                self.old.enum_type(&old_key.0, &old_key.1),
                self.new.enum_type(&new_key.0, &new_key.1),
            ) else {
                continue;
            };
            if old_key != new_key {
                self.out.enums.push(Change::RenameEnum {
                    schema: old_enum.schema.clone(),
                    from: old_enum.name.clone(),
                    to: new_enum.name.clone(),
                });
            }
            let mut current: Vec<Str> = old_enum.values.to_vec();
            // Label renames declared by the new model, then those declared
            // by the old model and undone by the new one (the reverse diff
            // of a label rename: the old model still names both labels).
            let declared = new_enum
                .renamed_values
                .iter()
                .map(|r| (r.from.clone(), r.to.clone()));
            let undone = old_enum
                .renamed_values
                .iter()
                .filter(|r| {
                    new_enum.values.contains(&r.from)
                        && !new_enum.values.contains(&r.to)
                        && !new_enum.renamed_values.iter().any(|n| n.to == r.from)
                })
                .map(|r| (r.to.clone(), r.from.clone()));
            for (from, to) in declared.chain(undone).collect::<Vec<_>>() {
                if current.contains(&from) && !current.contains(&to) {
                    self.out.enums.push(Change::RenameEnumValue {
                        schema: new_enum.schema.clone(),
                        name: new_enum.name.clone(),
                        from: from.clone(),
                        to: to.clone(),
                    });
                    for value in &mut current {
                        if *value == from {
                            *value = to.clone();
                        }
                    }
                }
            }
            let target: &[Str] = &new_enum.values;
            if current.as_slice() == target {
                continue;
            }
            if is_subsequence(&current, target) {
                for (i, value) in target.iter().enumerate() {
                    if current.contains(value) {
                        continue;
                    }
                    let before = target[i + 1..]
                        .iter()
                        .find(|v| current.contains(v))
                        .cloned();
                    self.out.enums.push(Change::AddEnumValue {
                        schema: new_enum.schema.clone(),
                        name: new_enum.name.clone(),
                        value: value.clone(),
                        before,
                    });
                }
            } else {
                let mut old_renamed = old_enum.clone();
                old_renamed.name = new_enum.name.clone();
                old_renamed.values = Cow::Owned(current);
                let aside: Str = Cow::Owned(self.aside_name(&new_enum.schema, &new_enum.name));
                self.recreated_enums.insert(new_key.clone(), aside.clone());
                self.out.recreate_enums.push(Change::RecreateEnum {
                    old: old_renamed,
                    new: new_enum.clone(),
                    aside: aside.clone(),
                    columns: Vec::new(),
                });
                self.out.drop_enums.push(Change::DropReplacedEnum {
                    schema: new_enum.schema.clone(),
                    name: aside,
                });
            }
        }
    }

    /// A name for an enum being recreated to step aside to: `<name>_old`,
    /// or `<name>_old1`, `<name>_old2`… when a type, table or another enum
    /// set aside already has it in the namespace.
    fn aside_name(&self, schema: &str, name: &str) -> String {
        let taken = |candidate: &str| {
            let in_schema = |s: &Schema| {
                s.enums
                    .iter()
                    .any(|e| e.schema == schema && e.name == candidate)
                    || s.tables
                        .iter()
                        .any(|t| t.schema == schema && t.name == candidate)
            };
            in_schema(self.old)
                || in_schema(self.new)
                || self.out.recreate_enums.iter().any(|c| {
                    matches!(c, Change::RecreateEnum { new, aside, .. }
                        if new.schema == schema && aside == candidate)
                })
        };
        let mut pass = 0;
        loop {
            let label = if pass == 0 {
                "old".to_owned()
            } else {
                format!("old{pass}")
            };
            let candidate = make_object_name(name, None, Some(&label));
            if !taken(&candidate) {
                return candidate;
            }
            pass += 1;
        }
    }

    /// Fills in the columns each recreated enum must convert: every column
    /// of the old schema, kept in the new one, whose type is the enum before
    /// and after. (Columns that leave the type are converted by the column
    /// phase, from the type set aside; columns that come to it, after it is
    /// created again.)
    fn recreated_enum_usages(&mut self) {
        let mut recreated = std::mem::take(&mut self.out.recreate_enums);
        for change in &mut recreated {
            let Change::RecreateEnum { new, columns, .. } = change else {
                continue;
            };
            let old_key = self
                .enum_map
                .iter()
                .find(|(_, n)| **n == key(&new.schema, &new.name))
                .map(|(o, _)| o.clone());
            let Some(old_key) = old_key else { continue };
            for table in &self.old.tables {
                let table_key = key(&table.schema, &table.name);
                let Some(new_table_key) = self.table_map.get(&table_key) else {
                    continue;
                };
                let new_table = self.new_table(new_table_key);
                for column in table.columns.iter() {
                    let SqlType::Enum { schema, name } = &column.sql_type else {
                        continue;
                    };
                    if key(schema, name) != old_key {
                        continue;
                    }
                    let Some(new_name) = self
                        .column_map
                        .get(&table_key)
                        .and_then(|m| m.get(&*column.name))
                    else {
                        continue;
                    };
                    let Some(new_column) = new_table.column(new_name) else {
                        continue;
                    };
                    if self.mapped_type(column) != ColumnType::of(new_column) {
                        continue;
                    }
                    // The default comes back when it does not change; the
                    // column phase sets any other.
                    let default = new_column
                        .default
                        .clone()
                        .filter(|_| column.default == new_column.default);
                    columns.push(EnumUsage {
                        table: TableRef::of(new_table),
                        column: Cow::Owned(new_name.clone()),
                        array_dims: column.array_dims,
                        had_default: column.default.is_some(),
                        default,
                    });
                }
            }
        }
        self.out.recreate_enums = recreated;
    }

    /// Whether `old` (a column of the old schema) keeps an enum type that is
    /// recreated, so the recreation converts it.
    fn on_recreated_enum(&self, old: &Column, new: &Column) -> bool {
        let old_type = self.mapped_type(old);
        match &old_type.sql_type {
            SqlType::Enum { schema, name } => {
                self.recreated_enums.contains_key(&key(schema, name))
                    && old_type == ColumnType::of(new)
            }
            _ => false,
        }
    }

    fn dropped_enums(&mut self) {
        let matched_old: BTreeSet<Key> = self.enum_map.keys().cloned().collect();
        for old_enum in &self.old.enums {
            if !matched_old.contains(&key(&old_enum.schema, &old_enum.name)) {
                self.out.drop_enums.push(Change::DropEnum {
                    schema: old_enum.schema.clone(),
                    name: old_enum.name.clone(),
                });
            }
        }
    }

    /// The old column type, with enum renames applied, as the new model names it.
    fn mapped_type(&self, column: &Column) -> ColumnType {
        let sql_type = match &column.sql_type {
            SqlType::Enum { schema, name } => match self.enum_map.get(&key(schema, name)) {
                Some((s, n)) => SqlType::Enum {
                    schema: Cow::Owned(s.clone()),
                    name: Cow::Owned(n.clone()),
                },
                None => column.sql_type.clone(),
            },
            other => other.clone(),
        };
        ColumnType {
            sql_type,
            array_dims: column.array_dims,
        }
    }

    // --- tables -----------------------------------------------------------

    fn match_tables(&mut self) {
        let old_keys: BTreeSet<Key> = self
            .old
            .tables
            .iter()
            .map(|t| key(&t.schema, &t.name))
            .collect();
        // Declared renames first: a table renamed away frees its name for a
        // new table (`event` → `event_archive`, then a new `event`).
        // A `renamed_from` counts only for a table that is new (the
        // attribute stays in the code after its rename has been applied); a
        // hint is an answer about this diff and counts as given.
        for table in &self.new.tables {
            let new_key = key(&table.schema, &table.name);
            let hinted = self
                .hints
                .tables
                .iter()
                .find(|r| r.schema == *table.schema && r.to == *table.name)
                .map(|r| r.from.clone());
            let from = match hinted {
                Some(from) => Some(from),
                None if !old_keys.contains(&new_key) => {
                    table.renamed_from.as_ref().map(|s| s.to_string())
                }
                None => None,
            };
            if let Some(from) = from {
                let old_key = key(&table.schema, &from);
                if old_key != new_key
                    && old_keys.contains(&old_key)
                    && !self.table_map.contains_key(&old_key)
                {
                    self.table_map.insert(old_key, new_key);
                    self.renames.tables.push(Rename {
                        schema: table.schema.to_string(),
                        from,
                        to: table.name.to_string(),
                    });
                }
            }
        }
        let renamed_to: BTreeSet<Key> = self.table_map.values().cloned().collect();
        for table in &self.new.tables {
            let new_key = key(&table.schema, &table.name);
            if old_keys.contains(&new_key)
                && !self.table_map.contains_key(&new_key)
                && !renamed_to.contains(&new_key)
            {
                self.table_map.insert(new_key.clone(), new_key);
            }
        }
        // Look-alikes: a dropped and an added table with the same columns.
        let matched_new: BTreeSet<Key> = self.table_map.values().cloned().collect();
        let dropped: Vec<&Table> = self
            .old
            .tables
            .iter()
            .filter(|t| !self.table_map.contains_key(&key(&t.schema, &t.name)))
            .collect();
        for added in self
            .new
            .tables
            .iter()
            .filter(|t| !matched_new.contains(&key(&t.schema, &t.name)))
        {
            for old_table in &dropped {
                if old_table.schema == added.schema && same_columns(old_table, added) {
                    let candidate = RenameCandidate::Table {
                        schema: added.schema.to_string(),
                        dropped: old_table.name.to_string(),
                        added: added.name.to_string(),
                    };
                    if !self.hints.not_renames.contains(&candidate) {
                        self.candidates.push(candidate);
                    }
                }
            }
        }
    }

    fn created_and_dropped_tables(&mut self) {
        let matched_new: BTreeSet<Key> = self.table_map.values().cloned().collect();
        let created: Vec<&Table> = ddl::creation_order(
            &self
                .new
                .tables
                .iter()
                .filter(|t| !matched_new.contains(&key(&t.schema, &t.name)))
                .collect::<Vec<_>>(),
        );
        for (&table, (inline, after)) in created.iter().zip(ddl::split_foreign_keys(&created)) {
            // Indexes and the other foreign keys are changes of their own.
            let created = Table {
                schema: table.schema.clone(),
                name: table.name.clone(),
                columns: table.columns.clone(),
                primary_key: table.primary_key.clone(),
                uniques: table.uniques.clone(),
                foreign_keys: Cow::Owned(inline),
                checks: table.checks.clone(),
                indexes: Cow::Owned(Vec::new()),
                renamed_from: None,
            };
            let table_ref = TableRef::of(table);
            self.out.create_tables.push(Change::CreateTable(created));
            for index in table.indexes.iter() {
                self.out.create_indexes.push(Change::CreateIndex {
                    table: table_ref.clone(),
                    index: index.clone(),
                });
            }
            for foreign_key in after {
                self.out.add_foreign_keys.push(Change::AddForeignKey {
                    table: table_ref.clone(),
                    foreign_key,
                });
            }
        }
        for table in &self.old.tables {
            if !self
                .table_map
                .contains_key(&key(&table.schema, &table.name))
            {
                // Its foreign keys go first, so dropped tables that reference
                // each other can be dropped in any order.
                for fk in table.foreign_keys.iter() {
                    self.out.drop_foreign_keys.push(Change::DropConstraint {
                        table: TableRef::of(table),
                        name: fk.name.clone(),
                        kind: ConstraintKind::ForeignKey,
                    });
                }
                self.out
                    .drop_tables
                    .push(Change::DropTable(TableRef::of(table)));
            }
        }
    }

    fn match_columns(&mut self, old_key: &Key, new_key: &Key) {
        let old_table = self.old_table(old_key);
        let new_table = self.new_table(new_key);
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        let old_names: BTreeSet<&str> = old_table.columns.iter().map(|c| &*c.name).collect();
        let table_ref = TableRef::of(new_table);
        // As for tables: `renamed_from` only for a new column, a hint as given.
        for column in new_table.columns.iter() {
            let hinted = self
                .hints
                .columns
                .iter()
                .find(|r| r.table == table_ref && r.to == *column.name)
                .map(|r| r.from.clone());
            let from = match hinted {
                Some(from) => Some(from),
                None if !old_names.contains(&*column.name) => {
                    column.renamed_from.as_ref().map(|s| s.to_string())
                }
                None => None,
            };
            if let Some(from) = from {
                if from != *column.name
                    && old_names.contains(from.as_str())
                    && !map.contains_key(&from)
                {
                    map.insert(from.clone(), column.name.to_string());
                    self.renames.columns.push(ColumnRename {
                        table: table_ref.clone(),
                        from,
                        to: column.name.to_string(),
                    });
                }
            }
        }
        // Then same names, unless renamed away (a new column may take the
        // name of one renamed: `code` → `legacy_code`, then a new `code`).
        let renamed_to: BTreeSet<String> = map.values().cloned().collect();
        for column in new_table.columns.iter() {
            if old_names.contains(&*column.name)
                && !map.contains_key(&*column.name)
                && !renamed_to.contains(&*column.name)
            {
                map.insert(column.name.to_string(), column.name.to_string());
            }
        }
        // Look-alikes: a dropped and an added column of the same type.
        let mapped_new: BTreeSet<&String> = map.values().collect();
        for added in new_table
            .columns
            .iter()
            .filter(|c| !mapped_new.contains(&c.name.to_string()))
        {
            for dropped in old_table
                .columns
                .iter()
                .filter(|c| !map.contains_key(&*c.name))
            {
                if self.mapped_type(dropped) == ColumnType::of(added) {
                    let candidate = RenameCandidate::Column {
                        table: table_ref.clone(),
                        dropped: dropped.name.to_string(),
                        added: added.name.to_string(),
                    };
                    if !self.hints.not_renames.contains(&candidate) {
                        self.candidates.push(candidate);
                    }
                }
            }
        }
        self.column_map.insert(old_key.clone(), map);
    }

    /// Everything inside a matched table: its name, columns, keys,
    /// constraints and indexes.
    fn table(&mut self, old_key: &Key, new_key: &Key) {
        let old_table = self.old_table(old_key);
        let new_table = self.new_table(new_key);
        let old_ref = TableRef::of(old_table);
        let new_ref = TableRef::of(new_table);
        if old_key != new_key {
            self.out.renames.push(Change::RenameTable {
                table: old_ref.clone(),
                to: new_table.name.clone(),
            });
        }
        let map = self.column_map.get(old_key).cloned().unwrap_or_default();
        self.mark_unstable_columns(old_key, old_table, new_table, &map);

        // Columns. A column dropped whose name another takes by a rename
        // goes first, so the name is free.
        let renamed_to: BTreeSet<&str> = map
            .iter()
            .filter(|(old, new)| old != new)
            .map(|(_, new)| new.as_str())
            .collect();
        for column in old_table.columns.iter() {
            if !map.contains_key(&*column.name) && renamed_to.contains(&*column.name) {
                self.out.renames.push(Change::DropColumn {
                    table: new_ref.clone(),
                    column: column.name.clone(),
                });
            }
        }
        for column in old_table.columns.iter() {
            match map.get(&*column.name) {
                Some(new_name) => {
                    if *new_name != *column.name {
                        self.out.renames.push(Change::RenameColumn {
                            table: new_ref.clone(),
                            from: column.name.clone(),
                            to: Cow::Owned(new_name.clone()),
                        });
                    }
                    let has_sequence =
                        column.identity.is_some() || column.sql_type.serial_base().is_some();
                    let old_sequence =
                        make_object_name(&old_table.name, Some(&column.name), Some("seq"));
                    let new_sequence =
                        make_object_name(&new_table.name, Some(new_name), Some("seq"));
                    if has_sequence && old_sequence != new_sequence {
                        self.out.renames.push(Change::RenameSequence {
                            table: new_ref.clone(),
                            column: Cow::Owned(new_name.clone()),
                            from: old_sequence,
                            to: new_sequence,
                        });
                    }
                }
                None if renamed_to.contains(&*column.name) => {}
                None => {
                    let drop = Change::DropColumn {
                        table: new_ref.clone(),
                        column: column.name.clone(),
                    };
                    if column.generated.is_some() {
                        self.out.drop_generated.push(drop);
                    } else {
                        self.out.drop_columns.push(drop);
                    }
                }
            }
        }
        let reverse: BTreeMap<&str, &str> =
            map.iter().map(|(o, n)| (n.as_str(), o.as_str())).collect();
        for column in new_table.columns.iter() {
            match reverse.get(&*column.name) {
                None => {
                    let add = Change::AddColumn {
                        table: new_ref.clone(),
                        column: without_hints(column),
                    };
                    // A generated column may read columns changed below.
                    if column.generated.is_some() {
                        self.deferred_columns.push(add);
                    } else {
                        self.out.columns.push(add);
                    }
                }
                Some(old_name) => {
                    let Some(old_column) = old_table.column(old_name) else {
                        continue;
                    };
                    self.column(old_key, &new_ref, new_table, old_column, column);
                }
            }
        }
        let deferred = std::mem::take(&mut self.deferred_columns);
        self.out.columns.extend(deferred);

        self.primary_key(old_key, old_table, new_table, &map);
        self.uniques(old_key, old_table, new_table, &map);
        self.checks(old_key, old_table, new_table, &new_ref, &map);
        self.indexes(old_table, new_table, &map);
    }

    /// Records the columns of a matched table whose type changes in place
    /// (`retyped_columns`), then the generated columns that must be dropped
    /// and added back (`recreated_columns`): a plain column becoming
    /// generated, a changed expression or type, or an expression that
    /// mentions a retyped column (PostgreSQL refuses to change the type of
    /// a column a generated column reads).
    fn mark_unstable_columns(
        &mut self,
        old_key: &Key,
        old_table: &Table,
        new_table: &Table,
        map: &BTreeMap<String, String>,
    ) {
        let pairs: Vec<(&Column, &Column)> = old_table
            .columns
            .iter()
            .filter_map(|old| {
                let new = new_table.column(map.get(&*old.name)?)?;
                Some((old, new))
            })
            .collect();
        for (old, new) in &pairs {
            if base_type(&self.mapped_type(old)) != base_type(&ColumnType::of(new))
                || self.on_recreated_enum(old, new)
            {
                self.retyped_columns
                    .insert((old_key.clone(), old.name.to_string()));
            }
        }
        for (old, new) in &pairs {
            let retyped = self
                .retyped_columns
                .contains(&(old_key.clone(), old.name.to_string()));
            let recreate = match (&old.generated, &new.generated) {
                (None, None) | (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some(a), Some(b)) => {
                    renamed_in(a, map) != **b || retyped || self.mentions_unstable(old_key, a)
                }
            };
            if recreate {
                self.recreated_columns
                    .insert((old_key.clone(), old.name.to_string()));
            }
        }
    }

    /// Whether an SQL expression of an old table mentions one of its
    /// columns whose type changes or that is created again.
    fn mentions_unstable(&self, old_key: &Key, expression: &str) -> bool {
        self.retyped_columns
            .iter()
            .chain(self.recreated_columns.iter())
            .any(|(table, column)| table == old_key && mentions(expression, column))
    }

    /// Whether any of `columns` (old names) of an old table is created again.
    fn any_recreated<'c>(&self, old_key: &Key, mut columns: impl Iterator<Item = &'c str>) -> bool {
        columns.any(|c| {
            self.recreated_columns
                .contains(&(old_key.clone(), c.to_owned()))
        })
    }

    /// One matched column: type, serial/identity, generation, nullability,
    /// default — in the order the server needs.
    fn column(
        &mut self,
        old_key: &Key,
        table: &TableRef,
        new_table: &Table,
        old: &Column,
        new: &Column,
    ) {
        let name = new.name.clone();
        let old_type = self.mapped_type(old);
        let new_type = ColumnType::of(new);
        let old_serial = old.sql_type.serial_base().is_some();
        let new_serial = new.sql_type.serial_base().is_some();
        let retyped = base_type(&old_type) != base_type(&new_type);
        let on_recreated_enum = self.on_recreated_enum(old, new);

        // Generated columns: a new or changed expression, or one whose
        // inputs change type, means the column is dropped and added back,
        // once every other column of the table has changed.
        if self
            .recreated_columns
            .contains(&(old_key.clone(), old.name.to_string()))
        {
            if old.generated.is_some() {
                self.out.drop_generated.push(Change::DropGeneratedColumn {
                    table: table.clone(),
                    column: name.clone(),
                });
            } else {
                self.out.drop_columns.push(Change::DropColumn {
                    table: table.clone(),
                    column: name.clone(),
                });
            }
            self.deferred_columns.push(Change::AddColumn {
                table: table.clone(),
                column: without_hints(new),
            });
            return;
        }
        if old.generated.is_some() && new.generated.is_none() {
            // Before any input of the expression changes type or goes.
            self.out.drop_generated.push(Change::DropExpression {
                table: table.clone(),
                column: name.clone(),
            });
        }

        // A column leaving a recreated enum has, by then, the type set aside.
        let mut from = base_type(&old_type);
        if let SqlType::Enum { schema, name } = &mut from.sql_type {
            if let Some(aside) = self.recreated_enums.get(&key(schema, name)) {
                *name = aside.clone();
            }
        }

        let out = &mut self.out.columns;
        let default_changes = old.default != new.default;
        // The old default goes before a type change (it may not convert)
        // and when there is no new one (`SET DEFAULT` replaces it
        // otherwise). A recreated enum drops the default of the columns it
        // converts; dropping a serial drops its default.
        if old.default.is_some()
            && !old_serial
            && !on_recreated_enum
            && (retyped || (default_changes && new.default.is_none()))
        {
            out.push(Change::DropDefault {
                table: table.clone(),
                column: name.clone(),
            });
        }
        if old.identity.is_some() && new.identity.is_none() {
            out.push(Change::DropIdentity {
                table: table.clone(),
                column: name.clone(),
            });
        }
        if old_serial && !new_serial {
            out.push(Change::DropSerial {
                table: table.clone(),
                column: name.clone(),
            });
        }
        if retyped {
            out.push(Change::AlterColumnType {
                table: table.clone(),
                column: name.clone(),
                from,
                to: base_type(&new_type),
            });
            if old_serial && new_serial {
                out.push(Change::AlterSerialType {
                    table: table.clone(),
                    column: name.clone(),
                    sql_type: base_type(&new_type).sql_type,
                });
            }
        }
        let new_not_null = !new.nullable || new.identity.is_some();
        let old_not_null = !old.nullable || old.identity.is_some();
        if old_not_null && !new_not_null {
            out.push(Change::DropNotNull {
                table: table.clone(),
                column: name.clone(),
            });
        }
        if !old_not_null && new_not_null {
            out.push(Change::SetNotNull {
                table: table.clone(),
                column: name.clone(),
            });
        }
        match (&old.identity, &new.identity) {
            (None, Some(identity)) => out.push(Change::AddIdentity {
                table: table.clone(),
                column: name.clone(),
                identity: identity.clone(),
            }),
            (Some(a), Some(b)) if a != b => out.push(Change::AlterIdentity {
                table: table.clone(),
                column: name.clone(),
                from: a.clone(),
                identity: b.clone(),
            }),
            _ => {}
        }
        if !old_serial && new_serial {
            out.push(Change::AddSerial {
                table: table.clone(),
                column: name.clone(),
                sequence: make_object_name(&new_table.name, Some(&name), Some("seq")),
                sql_type: base_type(&new_type).sql_type,
            });
        }
        if let Some(default) = &new.default {
            if retyped || default_changes || old_serial {
                out.push(Change::SetDefault {
                    table: table.clone(),
                    column: name.clone(),
                    default: default.clone(),
                });
            }
        }
    }

    // --- keys, constraints, indexes -----------------------------------------

    fn map_columns(map: &BTreeMap<String, String>, columns: &[Str]) -> Option<Vec<String>> {
        columns
            .iter()
            .map(|c| map.get(&**c).cloned())
            .collect::<Option<Vec<_>>>()
    }

    fn primary_key(
        &mut self,
        old_key: &Key,
        old: &Table,
        new: &Table,
        map: &BTreeMap<String, String>,
    ) {
        let table = TableRef::of(new);
        let old_mapped = old
            .primary_key
            .as_ref()
            .map(|pk| (pk, Self::map_columns(map, &pk.columns)));
        let new_columns = new
            .primary_key
            .as_ref()
            .map(|pk| pk.columns.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        // A key over a column created again is created again; a key over a
        // column whose type changes is rebuilt by the server in place.
        let retyped = old
            .primary_key
            .as_ref()
            .is_some_and(|pk| self.any_recreated(old_key, pk.columns.iter().map(|c| &**c)));
        match (old_mapped, &new.primary_key) {
            (None, None) => {}
            (Some((old_pk, Some(mapped))), Some(new_pk))
                if Some(&mapped) == new_columns.as_ref() && !retyped =>
            {
                if old_pk.name != new_pk.name {
                    self.out.rename_constraints.push(Change::RenameConstraint {
                        table,
                        from: old_pk.name.clone(),
                        to: new_pk.name.clone(),
                    });
                }
            }
            (old_pk, new_pk) => {
                if let Some((old_pk, _)) = old_pk {
                    self.dropped_keys.insert((
                        old_key.clone(),
                        old_pk.columns.iter().map(|c| c.to_string()).collect(),
                    ));
                    // Drops run before renames: the table has its old name.
                    self.out.drop_constraints.push(Change::DropConstraint {
                        table: TableRef::of(old),
                        name: old_pk.name.clone(),
                        kind: ConstraintKind::PrimaryKey,
                    });
                }
                if let Some(new_pk) = new_pk {
                    self.out.add_constraints.push(Change::AddPrimaryKey {
                        table,
                        key: new_pk.clone(),
                    });
                }
            }
        }
    }

    fn uniques(&mut self, old_key: &Key, old: &Table, new: &Table, map: &BTreeMap<String, String>) {
        let table = TableRef::of(new);
        let mut unmatched_new: Vec<&crate::model::Unique> = new.uniques.iter().collect();
        for unique in old.uniques.iter() {
            let retyped = self.any_recreated(old_key, unique.columns.iter().map(|c| &**c));
            let mapped = Self::map_columns(map, &unique.columns);
            let found = mapped.filter(|_| !retyped).and_then(|mapped| {
                unmatched_new.iter().position(|n| {
                    n.nulls_not_distinct == unique.nulls_not_distinct
                        && n.columns.iter().map(|c| c.to_string()).collect::<Vec<_>>() == mapped
                })
            });
            match found {
                Some(i) => {
                    let new_unique = unmatched_new.remove(i);
                    if new_unique.name != unique.name {
                        self.out.rename_constraints.push(Change::RenameConstraint {
                            table: table.clone(),
                            from: unique.name.clone(),
                            to: new_unique.name.clone(),
                        });
                    }
                }
                None => {
                    self.dropped_keys.insert((
                        old_key.clone(),
                        unique.columns.iter().map(|c| c.to_string()).collect(),
                    ));
                    self.out.drop_constraints.push(Change::DropConstraint {
                        table: TableRef::of(old),
                        name: unique.name.clone(),
                        kind: ConstraintKind::Unique,
                    });
                }
            }
        }
        for unique in unmatched_new {
            self.out.add_constraints.push(Change::AddUnique {
                table: table.clone(),
                unique: unique.clone(),
            });
        }
    }

    /// Checks are matched by expression; one that mentions a column whose
    /// type changes is dropped and added back (the server would re-check
    /// it as it was written against the old type, e.g. an enum label cast
    /// to the type set aside).
    fn checks(
        &mut self,
        old_key: &Key,
        old: &Table,
        new: &Table,
        table: &TableRef,
        map: &BTreeMap<String, String>,
    ) {
        let mut unmatched_new: Vec<&crate::model::Check> = new.checks.iter().collect();
        for check in old.checks.iter() {
            let unstable = self.mentions_unstable(old_key, &check.expression);
            let expression = renamed_in(&check.expression, map);
            let found = unmatched_new
                .iter()
                .position(|n| *n.expression == expression)
                .filter(|_| !unstable);
            match found {
                Some(i) => {
                    let new_check = unmatched_new.remove(i);
                    if new_check.name != check.name {
                        self.out.rename_constraints.push(Change::RenameConstraint {
                            table: table.clone(),
                            from: check.name.clone(),
                            to: new_check.name.clone(),
                        });
                    }
                }
                None => self.out.drop_constraints.push(Change::DropConstraint {
                    table: TableRef::of(old),
                    name: check.name.clone(),
                    kind: ConstraintKind::Check,
                }),
            }
        }
        for check in unmatched_new {
            self.out.add_constraints.push(Change::AddCheck {
                table: table.clone(),
                check: check.clone(),
            });
        }
    }

    fn indexes(&mut self, old: &Table, new: &Table, map: &BTreeMap<String, String>) {
        let table = TableRef::of(new);
        let old_key = key(&old.schema, &old.name);
        let mut unmatched_new: Vec<&Index> = new.indexes.iter().collect();
        for index in old.indexes.iter() {
            // Created again: over a column created again, or with an
            // expression or predicate mentioning a column whose type changes.
            let retyped = index.keys.iter().any(|k| match &k.target {
                IndexTarget::Column(c) => self
                    .recreated_columns
                    .contains(&(old_key.clone(), c.to_string())),
                IndexTarget::Expression(e) => self.mentions_unstable(&old_key, e),
            }) || index
                .predicate
                .as_deref()
                .is_some_and(|p| self.mentions_unstable(&old_key, p));
            let mapped = (!retyped).then(|| map_index(index, map)).flatten();
            let found =
                mapped.and_then(|mapped| unmatched_new.iter().position(|n| same_index(&mapped, n)));
            match found {
                Some(i) => {
                    let new_index = unmatched_new.remove(i);
                    if new_index.name != index.name {
                        self.out.rename_constraints.push(Change::RenameIndex {
                            schema: new.schema.clone(),
                            from: index.name.clone(),
                            to: new_index.name.clone(),
                        });
                    }
                }
                None => {
                    if index.unique {
                        self.dropped_keys.insert((
                            old_key.clone(),
                            index
                                .keys
                                .iter()
                                .filter_map(|k| match &k.target {
                                    IndexTarget::Column(c) => Some(c.to_string()),
                                    IndexTarget::Expression(_) => None,
                                })
                                .collect(),
                        ));
                    }
                    self.out.drop_indexes.push(Change::DropIndex {
                        schema: old.schema.clone(),
                        name: index.name.clone(),
                    });
                }
            }
        }
        for index in unmatched_new {
            self.out.create_indexes.push(Change::CreateIndex {
                table: table.clone(),
                index: index.clone(),
            });
        }
    }

    /// Foreign keys of matched tables: kept (maybe renamed), or dropped
    /// first and added last when they change or anything they rest on does.
    fn foreign_keys(&mut self) {
        let pairs: Vec<(Key, Key)> = self
            .table_map
            .iter()
            .map(|(o, n)| (o.clone(), n.clone()))
            .collect();
        for (old_key, new_key) in pairs {
            let old = self.old_table(&old_key);
            let new = self.new_table(&new_key);
            let table = TableRef::of(new);
            let mut unmatched_new: Vec<&ForeignKey> = new.foreign_keys.iter().collect();
            for fk in old.foreign_keys.iter() {
                let fragile = self.fk_is_fragile(&old_key, fk);
                let mapped = (!fragile)
                    .then(|| self.map_foreign_key(&old_key, fk))
                    .flatten();
                let found = mapped.and_then(|mapped| {
                    unmatched_new
                        .iter()
                        .position(|n| same_foreign_key(&mapped, n))
                });
                match found {
                    Some(i) => {
                        let new_fk = unmatched_new.remove(i);
                        if new_fk.name != fk.name {
                            self.out.rename_constraints.push(Change::RenameConstraint {
                                table: table.clone(),
                                from: fk.name.clone(),
                                to: new_fk.name.clone(),
                            });
                        }
                    }
                    None => self.out.drop_foreign_keys.push(Change::DropConstraint {
                        table: TableRef::of(old),
                        name: fk.name.clone(),
                        kind: ConstraintKind::ForeignKey,
                    }),
                }
            }
            for fk in unmatched_new {
                self.out.add_foreign_keys.push(Change::AddForeignKey {
                    table: table.clone(),
                    foreign_key: fk.clone(),
                });
            }
        }
    }

    /// A foreign key must be dropped and re-added when its target key is
    /// dropped or re-created, or a column on either side changes type.
    fn fk_is_fragile(&self, old_key: &Key, fk: &ForeignKey) -> bool {
        let target = key(&fk.references_schema, &fk.references_table);
        let target_columns: Vec<String> = fk
            .references_columns
            .iter()
            .map(|c| c.to_string())
            .collect();
        let mut sorted_target = target_columns.clone();
        sorted_target.sort();
        let key_dropped = self.dropped_keys.iter().any(|(table, columns)| {
            let mut columns = columns.clone();
            columns.sort();
            *table == target && columns == sorted_target
        });
        let unstable = |table: &Key, column: &str| {
            let entry = (table.clone(), column.to_owned());
            self.retyped_columns.contains(&entry) || self.recreated_columns.contains(&entry)
        };
        let retyped = fk.columns.iter().any(|c| unstable(old_key, c))
            || target_columns.iter().any(|c| unstable(&target, c));
        let target_gone = !self.table_map.contains_key(&target);
        key_dropped || retyped || target_gone
    }

    /// An old foreign key with table and column renames applied.
    fn map_foreign_key(&self, old_key: &Key, fk: &ForeignKey) -> Option<ForeignKey> {
        let columns = Self::map_columns(self.column_map.get(old_key)?, &fk.columns)?;
        let target_old = key(&fk.references_schema, &fk.references_table);
        let target_new = self.table_map.get(&target_old)?;
        let target_columns =
            Self::map_columns(self.column_map.get(&target_old)?, &fk.references_columns)?;
        let mut mapped = fk.clone();
        mapped.columns = columns.into_iter().map(Cow::Owned).collect();
        mapped.references_schema = Cow::Owned(target_new.0.clone());
        mapped.references_table = Cow::Owned(target_new.1.clone());
        mapped.references_columns = target_columns.into_iter().map(Cow::Owned).collect();
        Some(mapped)
    }
}

/// A column type with serial types replaced by their integer type.
fn base_type(t: &ColumnType) -> ColumnType {
    ColumnType {
        sql_type: t
            .sql_type
            .serial_base()
            .unwrap_or_else(|| t.sql_type.clone()),
        array_dims: t.array_dims,
    }
}

/// Whether an SQL expression may refer to `column`: the name appears as a
/// whole word, case-insensitively (unquoted identifiers fold to lower
/// case), or quoted. Errs on the side of yes: a false match only rebuilds
/// a constraint or index that did not need it.
fn mentions(expression: &str, column: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    if column.is_empty() || !column.chars().all(is_word) {
        return true;
    }
    let haystack = expression.to_lowercase();
    let needle = column.to_lowercase();
    let mut from = 0;
    while let Some(at) = haystack[from..].find(&needle) {
        let start = from + at;
        let end = start + needle.len();
        let before = haystack[..start].chars().next_back();
        let after = haystack[end..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return true;
        }
        from = end;
    }
    false
}

/// `expression` with its column references renamed by `map` (old name →
/// new name), the way the server rewrites a stored expression when a
/// column is renamed: unquoted words (folded to lower case) and quoted
/// identifiers are renamed; string constants are left alone. Used to
/// recognise a check, index expression or generation expression that only
/// follows a column rename.
fn renamed_in(expression: &str, map: &BTreeMap<String, String>) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let simple = |name: &str| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit() || c == '$')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let spelled = |name: &str| {
        if simple(name) {
            name.to_owned()
        } else {
            crate::sql::quote_ident(name)
        }
    };
    let renamed = |name: &str| map.get(name).filter(|new| *new != name);
    let mut out = String::with_capacity(expression.len());
    let chars: Vec<char> = expression.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A string constant, copied as is ('' inside; backslash escapes
            // in E'…' constants).
            let escapes = out.ends_with(['E', 'e']) && !out[..out.len() - 1].ends_with(is_word);
            out.push(c);
            i += 1;
            while i < chars.len() {
                let d = chars[i];
                out.push(d);
                i += 1;
                if escapes && d == '\\' && i < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                } else if d == '\'' {
                    if chars.get(i) == Some(&'\'') {
                        out.push('\'');
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
        } else if c == '"' {
            let mut name = String::new();
            let mut j = i + 1;
            while j < chars.len() {
                if chars[j] == '"' {
                    if chars.get(j + 1) == Some(&'"') {
                        name.push('"');
                        j += 2;
                        continue;
                    }
                    break;
                }
                name.push(chars[j]);
                j += 1;
            }
            match renamed(&name) {
                Some(new) => out.push_str(&spelled(new)),
                None => out.extend(&chars[i..(j + 1).min(chars.len())]),
            }
            i = j + 1;
        } else if is_word(c) {
            let start = i;
            while i < chars.len() && is_word(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let folded = word.to_lowercase();
            match renamed(&folded).filter(|_| simple(&folded)) {
                Some(new) => out.push_str(&spelled(new)),
                None => out.push_str(&word),
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Orders renames of constraints and indexes so that none takes a name
/// another one still holds: a rename waits for the rename that frees its
/// target (an index taking the generated name a dropped sibling's counter
/// left), and a cycle (two indexes trading names) goes through a free
/// temporary name. Names are compared per namespace, constraints and
/// relations together: keys and uniques are both, and a wait too many is
/// harmless.
fn order_renames(mut pending: Vec<Change>) -> Vec<Change> {
    fn names(change: &Change) -> (&str, &str, &str) {
        match change {
            Change::RenameIndex { schema, from, to } => (schema, from, to),
            Change::RenameConstraint { table, from, to } => (&table.schema, from, to),
            _ => ("", "", ""),
        }
    }
    fn renamed(change: &Change, from: &str, to: &str) -> Change {
        let (from, to) = (Cow::Owned(from.to_owned()), Cow::Owned(to.to_owned()));
        match change {
            Change::RenameIndex { schema, .. } => Change::RenameIndex {
                schema: schema.clone(),
                from,
                to,
            },
            Change::RenameConstraint { table, .. } => Change::RenameConstraint {
                table: table.clone(),
                from,
                to,
            },
            other => other.clone(),
        }
    }
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let free = (0..pending.len()).find(|&i| {
            let (schema, _, to) = names(&pending[i]);
            !pending.iter().enumerate().any(|(j, other)| {
                let (other_schema, other_from, _) = names(other);
                j != i && other_schema == schema && other_from == to
            })
        });
        if let Some(i) = free {
            out.push(pending.remove(i));
            continue;
        }
        // Every pending rename waits for another: a cycle. The first one
        // steps aside under a name nobody holds or wants.
        let first = pending.remove(0);
        let (schema, from, to) = names(&first);
        let taken = |name: &str| {
            pending.iter().any(|c| {
                let (s, f, t) = names(c);
                s == schema && (f == name || t == name)
            }) || name == from
                || name == to
        };
        let mut pass = 0;
        let temporary = loop {
            let label = if pass == 0 {
                "tmp".to_owned()
            } else {
                format!("tmp{pass}")
            };
            let candidate = make_object_name(from, None, Some(&label));
            if !taken(&candidate) {
                break candidate;
            }
            pass += 1;
        };
        out.push(renamed(&first, from, &temporary));
        pending.push(renamed(&first, &temporary, to));
    }
    out
}

fn without_hints(column: &Column) -> Column {
    let mut column = column.clone();
    column.renamed_from = None;
    column
}

/// Whether every element of `a` appears in `b`, in the same order.
fn is_subsequence(a: &[Str], b: &[Str]) -> bool {
    let mut rest = b.iter();
    a.iter().all(|value| rest.any(|v| v == value))
}

fn same_columns(a: &Table, b: &Table) -> bool {
    let columns = |t: &Table| {
        t.columns
            .iter()
            .map(|c| (c.name.to_string(), ColumnType::of(c), c.nullable))
            .collect::<Vec<_>>()
    };
    columns(a) == columns(b)
}

/// An old index with column renames applied to its keys, expressions and
/// predicate; `None` when a key column is gone.
fn map_index(index: &Index, map: &BTreeMap<String, String>) -> Option<Index> {
    let mut mapped = index.clone();
    let keys: Option<Vec<_>> = index
        .keys
        .iter()
        .map(|k| {
            let mut k = k.clone();
            k.target = match &k.target {
                IndexTarget::Column(c) => IndexTarget::Column(Cow::Owned(map.get(&**c)?.clone())),
                IndexTarget::Expression(e) => {
                    IndexTarget::Expression(Cow::Owned(renamed_in(e, map)))
                }
            };
            Some(k)
        })
        .collect();
    mapped.keys = Cow::Owned(keys?);
    mapped.predicate = index
        .predicate
        .as_ref()
        .map(|p| Cow::Owned(renamed_in(p, map)));
    Some(mapped)
}

fn same_index(a: &Index, b: &Index) -> bool {
    a.unique == b.unique
        && a.method == b.method
        && a.keys == b.keys
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.predicate == b.predicate
}

fn same_foreign_key(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.references_schema == b.references_schema
        && a.references_table == b.references_table
        && a.references_columns == b.references_columns
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Check, Enum, RenamedValue};

    fn column(name: &str, sql_type: SqlType) -> Column {
        Column {
            name: Cow::Owned(name.to_owned()),
            sql_type,
            array_dims: 0,
            nullable: false,
            default: None,
            identity: None,
            generated: None,
            renamed_from: None,
        }
    }

    fn table(name: &str, columns: Vec<Column>) -> Table {
        Table {
            schema: Cow::Borrowed(DEFAULT_SCHEMA),
            name: Cow::Owned(name.to_owned()),
            columns: Cow::Owned(columns),
            primary_key: None,
            uniques: Cow::Owned(Vec::new()),
            foreign_keys: Cow::Owned(Vec::new()),
            checks: Cow::Owned(Vec::new()),
            indexes: Cow::Owned(Vec::new()),
            renamed_from: None,
        }
    }

    fn status_enum(values: &[&str]) -> Enum {
        Enum {
            schema: Cow::Borrowed(DEFAULT_SCHEMA),
            name: Cow::Borrowed("status"),
            values: values.iter().map(|v| Cow::Owned((*v).to_owned())).collect(),
            renamed_from: None,
            renamed_values: Cow::Owned(Vec::new()),
        }
    }

    fn status() -> SqlType {
        SqlType::Enum {
            schema: Cow::Borrowed(DEFAULT_SCHEMA),
            name: Cow::Borrowed("status"),
        }
    }

    fn schema(enums: Vec<Enum>, tables: Vec<Table>) -> Schema {
        Schema {
            namespaces: Vec::new(),
            enums,
            tables,
        }
    }

    fn kinds(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| {
                let json = serde_json::to_value(c).unwrap_or_default();
                json["change"].as_str().unwrap_or_default().to_owned()
            })
            .collect()
    }

    #[test]
    fn a_renamed_from_left_in_the_code_does_not_rename_again() {
        // `event` was renamed to `event_archive` and its `code` to
        // `legacy_code` by earlier migrations, then a new `event` table and a
        // new `code` column took the old names; the attributes stay.
        let old = schema(
            Vec::new(),
            vec![
                table("event", vec![column("id", SqlType::BigInt)]),
                table(
                    "event_archive",
                    vec![
                        column("code", SqlType::Text),
                        column("legacy_code", SqlType::Text),
                    ],
                ),
            ],
        );
        let mut legacy = column("legacy_code", SqlType::Text);
        legacy.renamed_from = Some(Cow::Borrowed("code"));
        let mut archive = table("event_archive", vec![column("code", SqlType::Text), legacy]);
        archive.renamed_from = Some(Cow::Borrowed("event"));
        let new = schema(
            Vec::new(),
            vec![table("event", vec![column("id", SqlType::BigInt)]), archive],
        );
        let plan = diff(&old, &new, &Hints::default());
        assert!(plan.changes.is_empty(), "{:?}", kinds(&plan.changes));
    }

    #[test]
    fn a_rename_frees_its_name_for_a_new_column() {
        let old = schema(
            Vec::new(),
            vec![table("product", vec![column("code", SqlType::Text)])],
        );
        let mut legacy = column("legacy_code", SqlType::Text);
        legacy.renamed_from = Some(Cow::Borrowed("code"));
        let mut code = column("code", SqlType::Integer);
        code.nullable = true;
        let new = schema(Vec::new(), vec![table("product", vec![legacy, code])]);
        let plan = diff(&old, &new, &Hints::default());
        assert_eq!(kinds(&plan.changes), ["rename_column", "add_column"]);
        // And back: the new `code` goes before `legacy_code` takes its name.
        let back = diff(&new, &old, &plan.reverse_hints());
        assert_eq!(kinds(&back.changes), ["drop_column", "rename_column"]);
    }

    #[test]
    fn mentions_finds_whole_words_in_any_case() {
        assert!(mentions("price > 0", "price"));
        assert!(mentions("PRICE * quantity", "price"));
        assert!(mentions("(\"price\")::numeric", "price"));
        assert!(!mentions("unit_price > 0", "price"));
        assert!(!mentions("prices > 0", "price"));
        // Names that need quoting are assumed to be mentioned.
        assert!(mentions("anything", "Mixed Case"));
    }

    #[test]
    fn renamed_in_follows_column_renames_outside_string_constants() {
        let map: BTreeMap<String, String> = [
            ("points", "story_points"),
            ("team", "team_id"),
            ("Odd", "odd name"),
            ("kept", "kept"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        assert_eq!(renamed_in("points > 0", &map), "story_points > 0");
        assert_eq!(renamed_in("POINTS > 0", &map), "story_points > 0");
        assert_eq!(
            renamed_in("team <> 'team' AND kept", &map),
            "team_id <> 'team' AND kept"
        );
        assert_eq!(renamed_in("\"Odd\" IS NULL", &map), "\"odd name\" IS NULL");
        assert_eq!(renamed_in("\"team\" = 1", &map), "team_id = 1");
        assert_eq!(
            renamed_in("E'it\\'s team' || team", &map),
            "E'it\\'s team' || team_id"
        );
        assert_eq!(
            renamed_in("'it''s team' || team", &map),
            "'it''s team' || team_id"
        );
        assert_eq!(renamed_in("points_total + 1", &map), "points_total + 1");
    }

    #[test]
    fn a_label_rename_declared_by_the_old_model_is_undone_in_reverse() {
        let mut renamed = status_enum(&["todo", "doing", "done"]);
        renamed.renamed_values = Cow::Owned(vec![RenamedValue {
            from: Cow::Borrowed("in_progress"),
            to: Cow::Borrowed("doing"),
        }]);
        let before = schema(
            vec![status_enum(&["todo", "in_progress", "done"])],
            Vec::new(),
        );
        let after = schema(vec![renamed], Vec::new());
        let forward = diff(&before, &after, &Hints::default());
        let backward = diff(&after, &before, &forward.reverse_hints());
        let rename = |from: &str, to: &str| Change::RenameEnumValue {
            schema: Cow::Borrowed(DEFAULT_SCHEMA),
            name: Cow::Borrowed("status"),
            from: Cow::Owned(from.to_owned()),
            to: Cow::Owned(to.to_owned()),
        };
        assert_eq!(forward.changes, vec![rename("in_progress", "doing")]);
        assert_eq!(backward.changes, vec![rename("doing", "in_progress")]);
        // The next diff, with the attribute still in code, has nothing to do.
        assert!(diff(&after, &after, &Hints::default()).is_empty());
    }

    #[test]
    fn a_recreated_enum_steps_aside_to_a_free_name() {
        let uses = |values: &[&str]| {
            schema(
                vec![status_enum(values)],
                vec![
                    table("task", vec![column("status", status())]),
                    // A table's row type takes the name `status_old`.
                    table("status_old", vec![column("id", SqlType::Integer)]),
                ],
            )
        };
        let changes = diff(
            &uses(&["a", "b", "c"]),
            &uses(&["c", "a"]),
            &Hints::default(),
        )
        .changes;
        let Some(Change::RecreateEnum { aside, columns, .. }) = changes.first() else {
            panic!("expected a recreation first: {changes:?}");
        };
        assert_eq!(aside, "status_old1");
        assert_eq!(columns.len(), 1);
        assert_eq!(
            changes.last(),
            Some(&Change::DropReplacedEnum {
                schema: Cow::Borrowed(DEFAULT_SCHEMA),
                name: Cow::Borrowed("status_old1"),
            })
        );
    }

    #[test]
    fn a_column_leaving_a_recreated_enum_is_converted_before_the_old_type_goes() {
        let before = schema(
            vec![status_enum(&["a", "b", "c"])],
            vec![table(
                "task",
                vec![column("status", status()), column("legacy", status())],
            )],
        );
        let after = schema(
            vec![status_enum(&["a", "b"])],
            vec![table(
                "task",
                vec![column("status", status()), column("legacy", SqlType::Text)],
            )],
        );
        let changes = diff(&before, &after, &Hints::default()).changes;
        assert_eq!(
            kinds(&changes),
            ["recreate_enum", "alter_column_type", "drop_replaced_enum"]
        );
        let Change::RecreateEnum { columns, .. } = &changes[0] else {
            unreachable!()
        };
        let converted: Vec<&str> = columns.iter().map(|u| &*u.column).collect();
        assert_eq!(converted, ["status"]);
    }

    #[test]
    fn generated_columns_and_checks_over_a_retyped_column_are_rebuilt_around_it() {
        let mut total = column("total", SqlType::BigInt);
        total.nullable = true;
        total.generated = Some(Cow::Borrowed("price * 2"));
        let build = |price: SqlType| {
            let mut t = table("item", vec![column("price", price), total.clone()]);
            t.checks = Cow::Owned(vec![
                Check {
                    name: Cow::Borrowed("item_price_check"),
                    expression: Cow::Borrowed("price > 0"),
                },
                Check {
                    name: Cow::Borrowed("item_other_check"),
                    expression: Cow::Borrowed("true"),
                },
            ]);
            schema(Vec::new(), vec![t])
        };
        let changes = diff(
            &build(SqlType::Integer),
            &build(SqlType::BigInt),
            &Hints::default(),
        )
        .changes;
        assert_eq!(
            kinds(&changes),
            [
                "drop_constraint",
                "drop_generated_column",
                "alter_column_type",
                "add_column",
                "add_check"
            ]
        );
        assert!(changes.iter().all(|c| c.data_loss().is_none()));
    }

    #[test]
    fn a_check_that_only_follows_a_column_rename_is_kept() {
        let build = |name: &str, renamed_from: Option<&'static str>| {
            let mut points = column(name, SqlType::Integer);
            points.renamed_from = renamed_from.map(Cow::Borrowed);
            let mut t = table("ticket", vec![points]);
            t.checks = Cow::Owned(vec![Check {
                name: Cow::Owned(format!("ticket_{name}_check")),
                expression: Cow::Owned(format!("{name} > 0 AND kind <> 'points'")),
            }]);
            schema(Vec::new(), vec![t])
        };
        let changes = diff(
            &build("points", None),
            &build("story_points", Some("points")),
            &Hints::default(),
        )
        .changes;
        assert_eq!(kinds(&changes), ["rename_column", "rename_constraint"]);
    }

    // See: #4 (found by the property test).
    #[test]
    fn renames_never_take_a_name_still_held() {
        let rename = |from: &str, to: &str| Change::RenameIndex {
            schema: Cow::Borrowed(DEFAULT_SCHEMA),
            from: Cow::Owned(from.to_owned()),
            to: Cow::Owned(to.to_owned()),
        };
        let pairs = |changes: &[Change]| {
            changes
                .iter()
                .map(|c| match c {
                    Change::RenameIndex { from, to, .. } => format!("{from}>{to}"),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
        };
        // A chain: `t_a_idx1` waits for `t_a_idx` to be renamed away.
        let chain = order_renames(vec![rename("t_a_idx1", "t_a_idx"), rename("t_a_idx", "k")]);
        assert_eq!(pairs(&chain), ["t_a_idx>k", "t_a_idx1>t_a_idx"]);
        // A cycle: one steps aside under a free name.
        let cycle = order_renames(vec![rename("x", "y"), rename("y", "x")]);
        assert_eq!(pairs(&cycle), ["x>x_tmp", "y>x", "x_tmp>y"]);
    }
}

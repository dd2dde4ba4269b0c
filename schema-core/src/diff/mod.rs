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
//! result equals a fresh create.
//!
//! The order of the changes, phase by phase:
//! 1. create namespaces; create, rename and extend enums;
//! 2. drop foreign keys that change or depend on anything that changes;
//! 3. drop indexes and constraints that change or go;
//! 4. drop tables;
//! 5. rename tables and columns (and their owned sequences);
//! 6. drop columns; recreate enums whose labels were dropped or reordered;
//! 7. create tables, add columns, alter columns;
//! 8. drop enums;
//! 9. rename constraints and indexes, add keys, uniques and checks;
//! 10. create indexes; add foreign keys; drop namespaces.

mod change;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

pub use change::{narrowing, Change, ColumnType, ConstraintKind, EnumUsage, TableRef};

use crate::model::{
    Column, ForeignKey, Index, IndexTarget, Schema, SqlType, Str, Table, DEFAULT_SCHEMA,
};
use crate::naming::make_object_name;

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
        Hints {
            tables: self.renames.tables.iter().map(Rename::reversed).collect(),
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
            enums: self.renames.enums.iter().map(Rename::reversed).collect(),
            not_renames: Vec::new(),
        }
    }

    /// Whether the changes can run in one transaction.
    pub fn is_transactional(&self) -> bool {
        self.changes.iter().all(Change::is_transactional)
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
    let mut old = old.clone();
    let mut new = new.clone();
    old.normalize();
    new.normalize();
    Differ::new(&old, &new, hints).run()
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
            self.drop_columns,
            self.recreate_enums,
            self.create_tables,
            self.columns,
            self.drop_enums,
            self.rename_constraints,
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
    /// Old (table, column) whose type changes: foreign keys over them are
    /// dropped and re-added around the change.
    retyped_columns: BTreeSet<(Key, String)>,
}

impl<'a> Differ<'a> {
    fn new(old: &'a Schema, new: &'a Schema, hints: &'a Hints) -> Self {
        Differ {
            old,
            new,
            hints,
            out: Phases::default(),
            renames: Hints::default(),
            candidates: Vec::new(),
            table_map: BTreeMap::new(),
            column_map: BTreeMap::new(),
            enum_map: BTreeMap::new(),
            dropped_keys: BTreeSet::new(),
            retyped_columns: BTreeSet::new(),
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
        Diff {
            changes: self.out.finish(),
            renames: self.renames,
            candidates: self.candidates,
        }
    }

    fn old_table(&self, key: &Key) -> &'a Table {
        self.old
            .table(&key.0, &key.1)
            .unwrap_or_else(|| unreachable!("matched tables exist"))
    }

    fn new_table(&self, key: &Key) -> &'a Table {
        self.new
            .table(&key.0, &key.1)
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
            for rename in new_enum.renamed_values.iter() {
                let from_present = current.contains(&rename.from);
                let to_present = current.contains(&rename.to);
                if from_present && !to_present {
                    self.out.enums.push(Change::RenameEnumValue {
                        schema: new_enum.schema.clone(),
                        name: new_enum.name.clone(),
                        from: rename.from.clone(),
                        to: rename.to.clone(),
                    });
                    for value in &mut current {
                        if *value == rename.from {
                            *value = rename.to.clone();
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
                self.out.recreate_enums.push(Change::RecreateEnum {
                    old: old_renamed,
                    new: new_enum.clone(),
                    columns: Vec::new(),
                });
            }
        }
    }

    /// Fills in the columns each recreated enum must convert: every column
    /// of the old schema, kept in the new one, whose old type is the enum.
    fn recreated_enum_usages(&mut self) {
        let mut recreated = std::mem::take(&mut self.out.recreate_enums);
        for change in &mut recreated {
            let Change::RecreateEnum { old, new, columns } = change else {
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
                    // Keep the old default when its label survives; the
                    // column phase sets any other.
                    let default = column.default.clone().filter(|d| match d {
                        crate::model::DefaultValue::Literal(crate::model::Literal::String(
                            label,
                        )) => new.values.contains(label),
                        _ => true,
                    });
                    columns.push(EnumUsage {
                        table: TableRef::of(new_table),
                        column: Cow::Owned(new_name.clone()),
                        array_dims: column.array_dims,
                        had_default: column.default.is_some(),
                        default,
                    });
                }
            }
            let _ = old;
        }
        self.out.recreate_enums = recreated;
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
        let new_keys: BTreeSet<Key> = self
            .new
            .tables
            .iter()
            .map(|t| key(&t.schema, &t.name))
            .collect();
        for table in &self.new.tables {
            let new_key = key(&table.schema, &table.name);
            if old_keys.contains(&new_key) {
                self.table_map.insert(new_key.clone(), new_key);
            }
        }
        for table in &self.new.tables {
            let new_key = key(&table.schema, &table.name);
            if old_keys.contains(&new_key) {
                continue;
            }
            let hinted = self
                .hints
                .tables
                .iter()
                .find(|r| r.schema == *table.schema && r.to == *table.name)
                .map(|r| r.from.clone());
            let from = hinted.or_else(|| table.renamed_from.as_ref().map(|s| s.to_string()));
            if let Some(from) = from {
                let old_key = key(&table.schema, &from);
                if old_keys.contains(&old_key)
                    && !new_keys.contains(&old_key)
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
        for table in &self.new.tables {
            if matched_new.contains(&key(&table.schema, &table.name)) {
                continue;
            }
            let mut created = table.clone();
            created.foreign_keys = Cow::Owned(Vec::new());
            created.indexes = Cow::Owned(Vec::new());
            created.renamed_from = None;
            let table_ref = TableRef::of(table);
            self.out.create_tables.push(Change::CreateTable(created));
            for index in table.indexes.iter() {
                self.out.create_indexes.push(Change::CreateIndex {
                    table: table_ref.clone(),
                    index: index.clone(),
                });
            }
            for foreign_key in table.foreign_keys.iter() {
                self.out.add_foreign_keys.push(Change::AddForeignKey {
                    table: table_ref.clone(),
                    foreign_key: foreign_key.clone(),
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
        let new_names: BTreeSet<&str> = new_table.columns.iter().map(|c| &*c.name).collect();
        for column in new_table.columns.iter() {
            if old_names.contains(&*column.name) {
                map.insert(column.name.to_string(), column.name.to_string());
            }
        }
        let table_ref = TableRef::of(new_table);
        for column in new_table.columns.iter() {
            if old_names.contains(&*column.name) {
                continue;
            }
            let hinted = self
                .hints
                .columns
                .iter()
                .find(|r| r.table == table_ref && r.to == *column.name)
                .map(|r| r.from.clone());
            let from = hinted.or_else(|| column.renamed_from.as_ref().map(|s| s.to_string()));
            if let Some(from) = from {
                if old_names.contains(from.as_str())
                    && !new_names.contains(from.as_str())
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

        // Columns.
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
                            schema: new_table.schema.clone(),
                            from: old_sequence,
                            to: new_sequence,
                        });
                    }
                }
                None => self.out.drop_columns.push(Change::DropColumn {
                    table: new_ref.clone(),
                    column: column.name.clone(),
                }),
            }
        }
        let reverse: BTreeMap<&str, &str> =
            map.iter().map(|(o, n)| (n.as_str(), o.as_str())).collect();
        for column in new_table.columns.iter() {
            match reverse.get(&*column.name) {
                None => self.out.columns.push(Change::AddColumn {
                    table: new_ref.clone(),
                    column: without_hints(column),
                }),
                Some(old_name) => {
                    let Some(old_column) = old_table.column(old_name) else {
                        continue;
                    };
                    self.column(old_key, &new_ref, new_table, old_column, column);
                }
            }
        }

        self.primary_key(old_key, old_table, new_table, &map);
        self.uniques(old_key, old_table, new_table, &map);
        self.checks(old_table, new_table, &new_ref);
        self.indexes(old_table, new_table, &map);
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
        let base = |t: &ColumnType| ColumnType {
            sql_type: t
                .sql_type
                .serial_base()
                .unwrap_or_else(|| t.sql_type.clone()),
            array_dims: t.array_dims,
        };
        let old_serial = old.sql_type.serial_base().is_some();
        let new_serial = new.sql_type.serial_base().is_some();
        let retyped = base(&old_type) != base(&new_type);

        // Generated columns: a new or changed expression means a new column.
        match (&old.generated, &new.generated) {
            (Some(a), Some(b)) if a == b && !retyped => {}
            (Some(_), None) => {
                self.out.columns.push(Change::DropExpression {
                    table: table.clone(),
                    column: name.clone(),
                });
            }
            (None, None) => {}
            _ => {
                self.out.drop_columns.push(Change::DropColumn {
                    table: table.clone(),
                    column: name.clone(),
                });
                self.out.columns.push(Change::AddColumn {
                    table: table.clone(),
                    column: without_hints(new),
                });
                return;
            }
        }

        let out = &mut self.out.columns;
        let default_changes = old.default != new.default;
        if old.default.is_some() && !old_serial && (retyped || default_changes) {
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
            self.retyped_columns
                .insert((old_key.clone(), old.name.to_string()));
            out.push(Change::AlterColumnType {
                table: table.clone(),
                column: name.clone(),
                from: base(&old_type),
                to: base(&new_type),
            });
            if old_serial && new_serial {
                out.push(Change::AlterSerialType {
                    table: table.clone(),
                    column: name.clone(),
                    sql_type: base(&new_type).sql_type,
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
                identity: b.clone(),
            }),
            _ => {}
        }
        if !old_serial && new_serial {
            out.push(Change::AddSerial {
                table: table.clone(),
                column: name.clone(),
                sequence: make_object_name(&new_table.name, Some(&name), Some("seq")),
                sql_type: base(&new_type).sql_type,
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
        let retyped = old.primary_key.as_ref().is_some_and(|pk| {
            pk.columns.iter().any(|c| {
                self.retyped_columns
                    .contains(&(old_key.clone(), c.to_string()))
            })
        });
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
                    self.out.drop_constraints.push(Change::DropConstraint {
                        table: table.clone(),
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
            let retyped = unique.columns.iter().any(|c| {
                self.retyped_columns
                    .contains(&(old_key.clone(), c.to_string()))
            });
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
                        table: table.clone(),
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

    fn checks(&mut self, old: &Table, new: &Table, table: &TableRef) {
        let mut unmatched_new: Vec<&crate::model::Check> = new.checks.iter().collect();
        for check in old.checks.iter() {
            let found = unmatched_new
                .iter()
                .position(|n| n.expression == check.expression);
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
                    table: table.clone(),
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
            let retyped = index.keys.iter().any(|k| match &k.target {
                IndexTarget::Column(c) => self
                    .retyped_columns
                    .contains(&(old_key.clone(), c.to_string())),
                IndexTarget::Expression(_) => false,
            });
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
        let retyped = fk.columns.iter().any(|c| {
            self.retyped_columns
                .contains(&(old_key.clone(), c.to_string()))
        }) || target_columns
            .iter()
            .any(|c| self.retyped_columns.contains(&(target.clone(), c.clone())));
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

fn map_index(index: &Index, map: &BTreeMap<String, String>) -> Option<Index> {
    let mut mapped = index.clone();
    let keys: Option<Vec<_>> = index
        .keys
        .iter()
        .map(|k| {
            let mut k = k.clone();
            if let IndexTarget::Column(c) = &k.target {
                k.target = IndexTarget::Column(Cow::Owned(map.get(&**c)?.clone()));
            }
            Some(k)
        })
        .collect();
    mapped.keys = Cow::Owned(keys?);
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

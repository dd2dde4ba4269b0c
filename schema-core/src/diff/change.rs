//! The changes a diff produces: plain data, one per DDL step, in the order
//! the server must run them. No SQL text here; `crate::sql::changes`
//! renders them.

use serde::Serialize;

use crate::model::{
    Check, Column, DefaultValue, Enum, ForeignKey, Identity, Index, PrimaryKey, SqlType, Str,
    Table, Unique,
};

/// A table, by namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TableRef {
    /// Namespace.
    pub schema: Str,
    /// Name.
    pub name: Str,
}

impl TableRef {
    /// The table's reference.
    pub fn of(table: &Table) -> TableRef {
        TableRef {
            schema: table.schema.clone(),
            name: table.name.clone(),
        }
    }
}

impl std::fmt::Display for TableRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.schema == crate::model::DEFAULT_SCHEMA {
            write!(f, "{}", self.name)
        } else {
            write!(f, "{}.{}", self.schema, self.name)
        }
    }
}

/// A column's type with its array dimensions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ColumnType {
    /// Element type.
    pub sql_type: SqlType,
    /// Array dimensions.
    pub array_dims: u8,
}

impl ColumnType {
    /// The type of `column`.
    pub fn of(column: &Column) -> ColumnType {
        ColumnType {
            sql_type: column.sql_type.clone(),
            array_dims: column.array_dims,
        }
    }
}

/// One schema change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// `CREATE SCHEMA`.
    CreateSchema {
        /// Namespace.
        name: String,
    },
    /// `DROP SCHEMA` (never `CASCADE`: unmanaged objects are never dropped).
    DropSchema {
        /// Namespace.
        name: String,
    },
    /// `CREATE TYPE … AS ENUM`.
    CreateEnum(Enum),
    /// `DROP TYPE`.
    DropEnum {
        /// Namespace.
        schema: Str,
        /// Type name.
        name: Str,
    },
    /// `ALTER TYPE … RENAME TO`.
    RenameEnum {
        /// Namespace.
        schema: Str,
        /// Old name.
        from: Str,
        /// New name.
        to: Str,
    },
    /// `ALTER TYPE … ADD VALUE … [BEFORE …]`. The new label cannot be used
    /// in the transaction that adds it, so a migration holding this change
    /// runs without one.
    AddEnumValue {
        /// Namespace.
        schema: Str,
        /// Type name.
        name: Str,
        /// The new label.
        value: Str,
        /// The label it goes before; `None` appends.
        before: Option<Str>,
    },
    /// `ALTER TYPE … RENAME VALUE`.
    RenameEnumValue {
        /// Namespace.
        schema: Str,
        /// Type name.
        name: Str,
        /// Old label.
        from: Str,
        /// New label.
        to: Str,
    },
    /// Labels dropped or reordered: the type is renamed aside, created anew,
    /// every column using it converted through text, the old type dropped.
    RecreateEnum {
        /// The type as it was (after any rename).
        old: Enum,
        /// The type as it must be.
        new: Enum,
        /// Columns of this type (after renames), with their new defaults.
        columns: Vec<EnumUsage>,
    },
    /// `CREATE TABLE` with columns, primary key, uniques and checks
    /// (foreign keys and indexes are separate changes).
    CreateTable(Table),
    /// `DROP TABLE`.
    DropTable(TableRef),
    /// `ALTER TABLE … RENAME TO`.
    RenameTable {
        /// The table under its old name.
        table: TableRef,
        /// The new name.
        to: Str,
    },
    /// `ALTER TABLE … ADD COLUMN`.
    AddColumn {
        /// Table.
        table: TableRef,
        /// The column.
        column: Column,
    },
    /// `ALTER TABLE … DROP COLUMN`.
    DropColumn {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
    },
    /// `ALTER TABLE … RENAME COLUMN`.
    RenameColumn {
        /// Table.
        table: TableRef,
        /// Old name.
        from: Str,
        /// New name.
        to: Str,
    },
    /// `ALTER COLUMN … TYPE … USING …`.
    AlterColumnType {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
        /// The type before.
        from: ColumnType,
        /// The type after.
        to: ColumnType,
    },
    /// `ALTER COLUMN … SET NOT NULL`.
    SetNotNull {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
    },
    /// `ALTER COLUMN … DROP NOT NULL`.
    DropNotNull {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
    },
    /// `ALTER COLUMN … SET DEFAULT`.
    SetDefault {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
        /// The default.
        default: DefaultValue,
    },
    /// `ALTER COLUMN … DROP DEFAULT`.
    DropDefault {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
    },
    /// `ALTER COLUMN … ADD GENERATED … AS IDENTITY`, the sequence started
    /// past the column's current maximum.
    AddIdentity {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
        /// Identity options.
        identity: Identity,
    },
    /// `ALTER COLUMN … SET GENERATED … / SET sequence options`.
    AlterIdentity {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
        /// New identity options.
        identity: Identity,
    },
    /// `ALTER COLUMN … DROP IDENTITY`.
    DropIdentity {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
    },
    /// A plain integer column becomes serial: an owned sequence, started
    /// past the current maximum, as its default.
    AddSerial {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
        /// The sequence's name.
        sequence: String,
        /// The sequence's type (`smallint`, `integer`, `bigint`).
        sql_type: SqlType,
    },
    /// A serial column loses its default and its owned sequence.
    DropSerial {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
    },
    /// `ALTER SEQUENCE … AS …` for a serial column whose integer type changed.
    AlterSerialType {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
        /// The new integer type.
        sql_type: SqlType,
    },
    /// `ALTER SEQUENCE … RENAME TO`: the owned sequence of a serial or
    /// identity column follows its table's and column's names.
    RenameSequence {
        /// Namespace.
        schema: Str,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `ALTER COLUMN … DROP EXPRESSION`: a generated column becomes plain.
    DropExpression {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
    },
    /// `ADD CONSTRAINT … PRIMARY KEY`.
    AddPrimaryKey {
        /// Table.
        table: TableRef,
        /// The key.
        key: PrimaryKey,
    },
    /// `ADD CONSTRAINT … UNIQUE`.
    AddUnique {
        /// Table.
        table: TableRef,
        /// The constraint.
        unique: Unique,
    },
    /// `ADD CONSTRAINT … CHECK`.
    AddCheck {
        /// Table.
        table: TableRef,
        /// The constraint.
        check: Check,
    },
    /// `ADD CONSTRAINT … FOREIGN KEY`.
    AddForeignKey {
        /// Table.
        table: TableRef,
        /// The constraint.
        foreign_key: ForeignKey,
    },
    /// `DROP CONSTRAINT` (primary key, unique, check or foreign key).
    DropConstraint {
        /// Table.
        table: TableRef,
        /// Constraint name.
        name: Str,
        /// What kind it is, for messages.
        kind: ConstraintKind,
    },
    /// `RENAME CONSTRAINT` (the backing index of a key follows).
    RenameConstraint {
        /// Table.
        table: TableRef,
        /// Old name.
        from: Str,
        /// New name.
        to: Str,
    },
    /// `CREATE INDEX`.
    CreateIndex {
        /// Table.
        table: TableRef,
        /// The index.
        index: Index,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// Namespace.
        schema: Str,
        /// Index name.
        name: Str,
    },
    /// `ALTER INDEX … RENAME TO`.
    RenameIndex {
        /// Namespace.
        schema: Str,
        /// Old name.
        from: Str,
        /// New name.
        to: Str,
    },
}

/// A column whose type is an enum being recreated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnumUsage {
    /// Table.
    pub table: TableRef,
    /// Column.
    pub column: Str,
    /// Array dimensions of the column.
    pub array_dims: u8,
    /// Whether the column has a default that must be dropped for the conversion.
    pub had_default: bool,
    /// The default re-set after the conversion.
    pub default: Option<DefaultValue>,
}

/// The kind of a constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    /// Primary key.
    PrimaryKey,
    /// Unique.
    Unique,
    /// Check.
    Check,
    /// Foreign key.
    ForeignKey,
}

impl Change {
    /// What data the change can lose, in words, or `None` when it cannot
    /// lose any. Each such change is preceded in the SQL by a comment.
    pub fn data_loss(&self) -> Option<String> {
        match self {
            Change::DropTable(table) => {
                Some(format!("drops table `{table}` and every row in it"))
            }
            Change::DropColumn { table, column } => Some(format!(
                "drops column `{table}.{column}` and every value in it"
            )),
            Change::DropEnum { schema, name } => {
                Some(format!("drops enum type `{schema}.{name}`"))
            }
            Change::RecreateEnum { old, new, .. } => {
                let dropped: Vec<&str> = old
                    .values
                    .iter()
                    .filter(|v| !new.values.contains(v))
                    .map(|v| &**v)
                    .collect();
                (!dropped.is_empty()).then(|| {
                    format!(
                        "drops label(s) {} of enum `{}`: rows holding them make this migration fail until they are changed",
                        dropped
                            .iter()
                            .map(|v| format!("'{v}'"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        new.name
                    )
                })
            }
            Change::AlterColumnType {
                table,
                column,
                from,
                to,
            } => narrowing(from, to).then(|| {
                format!(
                    "changes `{table}.{column}` from {} to {}: values that do not fit make this migration fail, and converted values may lose precision",
                    crate::types::type_sql(&from.sql_type, from.array_dims),
                    crate::types::type_sql(&to.sql_type, to.array_dims)
                )
            }),
            Change::SetNotNull { table, column } => Some(format!(
                "makes `{table}.{column}` NOT NULL: rows holding NULL make this migration fail until they are filled"
            )),
            Change::AddUnique { table, unique } => Some(format!(
                "adds unique constraint `{}` on `{table}`: duplicate rows make this migration fail",
                unique.name
            )),
            Change::AddPrimaryKey { table, key } => Some(format!(
                "adds primary key `{}` on `{table}`: duplicate or NULL keys make this migration fail",
                key.name
            )),
            _ => None,
        }
    }

    /// Whether the change can run inside a transaction with others.
    pub fn is_transactional(&self) -> bool {
        !matches!(self, Change::AddEnumValue { .. })
    }
}

/// Whether changing `from` into `to` can lose information or fail on
/// existing values (anything but a known widening).
pub fn narrowing(from: &ColumnType, to: &ColumnType) -> bool {
    use SqlType::*;
    if from.array_dims != to.array_dims {
        return true;
    }
    let (a, b) = (&from.sql_type, &to.sql_type);
    let widening = match (a, b) {
        (SmallInt | SmallSerial, Integer | BigInt | Serial | BigSerial) => true,
        (Integer | Serial, BigInt | BigSerial) => true,
        (
            SmallInt | Integer | BigInt,
            Numeric {
                precision: None, ..
            },
        ) => true,
        (Real, DoublePrecision) => true,
        (Varchar { length: Some(m) }, Varchar { length: Some(n) }) => n >= m,
        (Varchar { .. } | Char { .. }, Text | Varchar { length: None }) => true,
        (Char { length: Some(m) }, Varchar { length: Some(n) }) => n >= m,
        (
            Numeric {
                precision: Some(p1),
                scale: s1,
            },
            Numeric {
                precision: Some(p2),
                scale: s2,
            },
        ) => {
            let (s1, s2) = (s1.unwrap_or(0), s2.unwrap_or(0));
            s2 >= s1 && p2 - s2 >= p1 - s1
        }
        (
            Numeric { .. },
            Numeric {
                precision: None, ..
            },
        ) => true,
        (Json, Jsonb) | (Jsonb, Json) => true,
        (
            Timestamp {
                with_time_zone: false,
                ..
            },
            Timestamp {
                with_time_zone: true,
                precision,
            },
        ) => precision.is_none(),
        (_, Text) => true,
        (Enum { .. }, Varchar { length: None }) => true,
        _ => a == b,
    };
    !widening
}

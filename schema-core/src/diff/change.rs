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
    /// `ALTER SCHEMA … RENAME TO` (everything in it follows).
    RenameSchema {
        /// Old name.
        from: String,
        /// New name.
        to: String,
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
    /// `DROP TYPE` of the type a [`Change::RecreateEnum`] set aside, once no
    /// column uses it: nothing is lost.
    DropReplacedEnum {
        /// Namespace.
        schema: Str,
        /// The name the type was set aside under.
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
    /// in the transaction that adds it, so a migration that also uses it
    /// runs without one (see [`transactional`]).
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
    /// Labels dropped or reordered: the type is renamed aside (to `aside`),
    /// created anew, and every column that keeps the type converted through
    /// text. The type left aside is dropped by a later [`Change::DropEnum`],
    /// once the columns that leave the type have been converted too.
    RecreateEnum {
        /// The type as it was (after any rename).
        old: Enum,
        /// The type as it must be.
        new: Enum,
        /// The free name, in the same namespace, the old type is renamed to.
        aside: Str,
        /// Columns of this type (after renames) that keep it, with the
        /// default each gets back after the conversion.
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
    /// `ALTER COLUMN … SET GENERATED … / SET sequence options`: only the
    /// options that differ from `from` are set. The sequence keeps its
    /// position (a new `START WITH` applies to a later `RESTART`).
    AlterIdentity {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
        /// Identity options before.
        from: Identity,
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
    /// A serial column loses its default and its owned sequence (found by
    /// `pg_get_serial_sequence`, whatever its name).
    DropSerial {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
    },
    /// `ALTER SEQUENCE … AS …` for a serial column whose integer type
    /// changed (the sequence found by `pg_get_serial_sequence`).
    AlterSerialType {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
        /// The new integer type.
        sql_type: SqlType,
    },
    /// `ALTER SEQUENCE … RENAME TO`: the owned sequence of a serial or
    /// identity column follows its table's and column's names. Runs after
    /// the table and column renames; the sequence is found through the
    /// column (`pg_get_serial_sequence`), so a sequence that never had the
    /// expected name is renamed too.
    RenameSequence {
        /// The table, by its new name.
        table: TableRef,
        /// The column, by its new name.
        column: Str,
        /// The name the sequence is expected to have (for messages).
        from: String,
        /// New name.
        to: String,
    },
    /// `ALTER TABLE … DROP COLUMN` of a generated column that is added back
    /// later in the same migration (its expression changed, or a column it
    /// reads changes type): nothing is lost, the values are computed again.
    DropGeneratedColumn {
        /// Table.
        table: TableRef,
        /// Column.
        column: Str,
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
            } => {
                let (from_sql, to_sql) = (
                    crate::types::type_sql(&from.sql_type, from.array_dims),
                    crate::types::type_sql(&to.sql_type, to.array_dims),
                );
                if from.array_dims > 0 && to.array_dims == 0 {
                    Some(format!(
                        "changes `{table}.{column}` from {from_sql} to {to_sql}: only the first element of each array is kept"
                    ))
                } else {
                    narrowing(from, to).then(|| format!(
                        "changes `{table}.{column}` from {from_sql} to {to_sql}: values that do not fit make this migration fail, and converted values may lose precision"
                    ))
                }
            }
            Change::AddColumn { table, column }
                if !column.nullable
                    && column.default.is_none()
                    && column.identity.is_none()
                    && column.generated.is_none()
                    && column.sql_type.serial_base().is_none() =>
            {
                Some(format!(
                    "adds `{table}.{}` NOT NULL without a default: rows already in the table make this migration fail",
                    column.name
                ))
            }
            Change::CreateIndex { table, index } if index.unique => Some(format!(
                "creates unique index `{}` on `{table}`: duplicate rows make this migration fail",
                index.name
            )),
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

    /// Whether the change can run inside a transaction together with the
    /// changes that use what it creates. `ALTER TYPE … ADD VALUE` can run
    /// in a transaction, but the new label cannot be used before the
    /// transaction commits; see [`transactional`] for a whole list.
    pub fn is_transactional(&self) -> bool {
        !matches!(self, Change::AddEnumValue { .. })
    }
}

/// Whether `changes` can run in one transaction: true unless a label added
/// by `ALTER TYPE … ADD VALUE` is used by a later change (a default, a
/// conversion to the type, or any SQL expression quoting the label —
/// checked conservatively by text). Such a migration must run statement by
/// statement, each committed before the next.
pub fn transactional(changes: &[Change]) -> bool {
    for (i, change) in changes.iter().enumerate() {
        let Change::AddEnumValue {
            schema,
            name,
            value,
            ..
        } = change
        else {
            continue;
        };
        let enum_type = SqlType::Enum {
            schema: schema.clone(),
            name: name.clone(),
        };
        if changes[i + 1..]
            .iter()
            .any(|later| uses_label(later, &enum_type, value))
        {
            return false;
        }
    }
    true
}

/// Whether `change` may use the label `value` of `enum_type`.
fn uses_label(change: &Change, enum_type: &SqlType, value: &str) -> bool {
    let quoted = crate::sql::quote_literal(value);
    let in_text = |text: &str| text.contains(&quoted);
    let in_default = |default: &DefaultValue| match default {
        DefaultValue::Literal(crate::model::Literal::String(s)) => s == value,
        DefaultValue::Literal(_) => false,
        DefaultValue::Sql(sql) => in_text(sql),
    };
    let in_column = |column: &Column| {
        column.default.as_ref().is_some_and(in_default)
            || column.generated.as_deref().is_some_and(in_text)
    };
    let in_index = |index: &Index| {
        index.predicate.as_deref().is_some_and(in_text)
            || index.keys.iter().any(|k| match &k.target {
                crate::model::IndexTarget::Expression(e) => in_text(e),
                crate::model::IndexTarget::Column(_) => false,
            })
    };
    match change {
        Change::CreateTable(table) => {
            table.columns.iter().any(in_column)
                || table.checks.iter().any(|c| in_text(&c.expression))
        }
        Change::AddColumn { column, .. } => in_column(column),
        Change::SetDefault { default, .. } => in_default(default),
        Change::AlterColumnType { to, .. } => to.sql_type == *enum_type,
        Change::AddCheck { check, .. } => in_text(&check.expression),
        Change::CreateIndex { index, .. } => in_index(index),
        Change::RecreateEnum { new, .. } => {
            SqlType::Enum {
                schema: new.schema.clone(),
                name: new.name.clone(),
            } == *enum_type
        }
        _ => false,
    }
}

/// Whether changing `from` into `to` can fail on existing values or lose
/// information: anything but a conversion known to keep every value
/// (integer widening, longer strings, more precision, anything to text,
/// a scalar wrapped into an array, …). Serial types are compared by their
/// integer type. Between two array types only the element types count:
/// PostgreSQL does not enforce declared dimensions, so `int[][]` and
/// `int[]` hold the same values.
pub fn narrowing(from: &ColumnType, to: &ColumnType) -> bool {
    if from.array_dims > 0 && to.array_dims == 0 {
        return true;
    }
    let base = |t: &SqlType| t.serial_base().unwrap_or_else(|| t.clone());
    !keeps_every_value(&base(&from.sql_type), &base(&to.sql_type))
}

/// Whether every value of `a` converts to `b` exactly.
fn keeps_every_value(a: &SqlType, b: &SqlType) -> bool {
    use SqlType::*;
    // Digits before the decimal point a numeric type holds; `None` = any.
    let integer_digits = |t: &SqlType| match t {
        Numeric {
            precision: Some(p),
            scale,
        } => Some(p.saturating_sub(scale.unwrap_or(0))),
        _ => None,
    };
    let precision_kept = |p: &Option<u8>, q: &Option<u8>| match (p, q) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(p), Some(q)) => q >= p,
    };
    if a == b {
        return true;
    }
    match (a, b) {
        (_, Text | Varchar { length: None }) => true,
        (Varchar { length: Some(m) } | Char { length: Some(m) }, Varchar { length: Some(n) }) => {
            n >= m
        }
        (Char { length: m }, Char { length: n }) => n.unwrap_or(1) >= m.unwrap_or(1),
        (Boolean, SmallInt | Integer | BigInt) => true,
        // `true` is 1: a numeric without a digit before the point cannot
        // hold it.
        (Boolean, Numeric { .. }) => integer_digits(b).is_none_or(|d| d >= 1),
        (SmallInt, Integer | BigInt | Real | DoublePrecision) => true,
        (Integer, BigInt | DoublePrecision) => true,
        (SmallInt, Numeric { .. }) => integer_digits(b).is_none_or(|d| d >= 5),
        (Integer, Numeric { .. }) => integer_digits(b).is_none_or(|d| d >= 10),
        (BigInt, Numeric { .. }) => integer_digits(b).is_none_or(|d| d >= 19),
        (Real, DoublePrecision) => true,
        (
            Numeric {
                precision: p1,
                scale: s1,
            },
            Numeric {
                precision: p2,
                scale: s2,
            },
        ) => match (p1, p2) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(_), Some(_)) => {
                s2.unwrap_or(0) >= s1.unwrap_or(0) && integer_digits(b) >= integer_digits(a)
            }
        },
        (Json, Jsonb) | (Jsonb, Json) => true,
        // Dropping the time zone is not exact: local times repeat when
        // clocks go back.
        (
            Timestamp {
                precision: p,
                with_time_zone: tz,
            },
            Timestamp {
                precision: q,
                with_time_zone: to_tz,
            },
        ) => precision_kept(p, q) && (*to_tz || !*tz),
        (
            Time {
                precision: p,
                with_time_zone: false,
            },
            Time {
                precision: q,
                with_time_zone: _,
            },
        ) => precision_kept(p, q),
        (Date, Timestamp { .. }) => true,
        (Cidr, Inet) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::model::{IndexKey, IndexTarget, Literal};

    fn ty(sql_type: SqlType) -> ColumnType {
        ColumnType {
            sql_type,
            array_dims: 0,
        }
    }

    fn numeric(precision: u16, scale: u16) -> SqlType {
        SqlType::Numeric {
            precision: Some(precision),
            scale: Some(scale),
        }
    }

    fn varchar(n: u32) -> SqlType {
        SqlType::Varchar { length: Some(n) }
    }

    fn timestamp(precision: Option<u8>, with_time_zone: bool) -> SqlType {
        SqlType::Timestamp {
            precision,
            with_time_zone,
        }
    }

    #[test]
    fn conversions_that_keep_every_value_are_not_narrowing() {
        use SqlType::*;
        let widening = [
            (SmallInt, Integer),
            (Integer, BigInt),
            (Serial, BigSerial),
            (Integer, DoublePrecision),
            (SmallInt, Real),
            (Boolean, SmallInt),
            (Boolean, BigInt),
            (Boolean, numeric(1, 0)),
            (Integer, numeric(10, 0)),
            (BigInt, numeric(20, 1)),
            (numeric(10, 2), numeric(14, 4)),
            (
                numeric(10, 2),
                Numeric {
                    precision: None,
                    scale: None,
                },
            ),
            (varchar(10), varchar(20)),
            (varchar(10), Text),
            (Char { length: Some(3) }, varchar(3)),
            (Uuid, Text),
            (Jsonb, Json),
            (Json, Jsonb),
            (Date, timestamp(None, false)),
            (timestamp(Some(0), false), timestamp(Some(6), false)),
            (timestamp(None, false), timestamp(None, true)),
            (Cidr, Inet),
        ];
        for (from, to) in widening {
            assert!(
                !narrowing(&ty(from.clone()), &ty(to.clone())),
                "{from:?} → {to:?} keeps every value"
            );
        }
    }

    #[test]
    fn conversions_that_can_fail_or_lose_are_narrowing() {
        use SqlType::*;
        let narrowing_pairs = [
            (Integer, SmallInt),
            (BigInt, DoublePrecision),
            (Integer, Real),
            (Integer, numeric(9, 0)),
            (Boolean, numeric(1, 1)),
            (Integer, Boolean),
            (Text, Integer),
            (Text, Uuid),
            (Text, varchar(8)),
            (varchar(20), varchar(10)),
            (numeric(12, 4), numeric(10, 2)),
            (numeric(10, 2), numeric(10, 4)),
            (
                Numeric {
                    precision: None,
                    scale: None,
                },
                numeric(20, 6),
            ),
            (DoublePrecision, Real),
            (Real, numeric(10, 2)),
            (timestamp(None, true), timestamp(None, false)),
            (timestamp(Some(6), false), timestamp(Some(0), false)),
            (timestamp(None, false), timestamp(Some(3), false)),
            (timestamp(None, false), Date),
            (Inet, Cidr),
        ];
        for (from, to) in narrowing_pairs {
            assert!(
                narrowing(&ty(from.clone()), &ty(to.clone())),
                "{from:?} → {to:?} can fail or lose"
            );
        }
    }

    #[test]
    fn arrays_narrow_when_they_lose_dimensions() {
        let scalar = ty(SqlType::Text);
        let array = ColumnType {
            sql_type: SqlType::Text,
            array_dims: 1,
        };
        assert!(!narrowing(&scalar, &array), "wrapping keeps the value");
        assert!(narrowing(&array, &scalar), "only the first element is kept");
        let change = Change::AlterColumnType {
            table: TableRef {
                schema: Cow::Borrowed("public"),
                name: Cow::Borrowed("t"),
            },
            column: Cow::Borrowed("tags"),
            from: array,
            to: scalar,
        };
        let loss = change.data_loss().unwrap_or_default();
        assert!(loss.contains("only the first element"), "{loss}");
    }

    fn add_value(value: &str) -> Change {
        Change::AddEnumValue {
            schema: Cow::Borrowed("public"),
            name: Cow::Borrowed("status"),
            value: Cow::Owned(value.to_owned()),
            before: None,
        }
    }

    fn table_ref() -> TableRef {
        TableRef {
            schema: Cow::Borrowed("public"),
            name: Cow::Borrowed("task"),
        }
    }

    fn status() -> SqlType {
        SqlType::Enum {
            schema: Cow::Borrowed("public"),
            name: Cow::Borrowed("status"),
        }
    }

    #[test]
    fn an_added_label_left_unused_keeps_the_transaction() {
        let changes = [
            add_value("archived"),
            Change::SetDefault {
                table: table_ref(),
                column: Cow::Borrowed("status"),
                default: DefaultValue::Literal(Literal::String(Cow::Borrowed("draft"))),
            },
        ];
        assert!(transactional(&changes));
        assert!(!changes[0].is_transactional());
    }

    #[test]
    fn an_added_label_used_later_needs_statements_committed_one_by_one() {
        let uses = [
            Change::SetDefault {
                table: table_ref(),
                column: Cow::Borrowed("status"),
                default: DefaultValue::Literal(Literal::String(Cow::Borrowed("archived"))),
            },
            Change::AlterColumnType {
                table: table_ref(),
                column: Cow::Borrowed("status"),
                from: ty(SqlType::Text),
                to: ty(status()),
            },
            Change::AddCheck {
                table: table_ref(),
                check: Check {
                    name: Cow::Borrowed("task_status_check"),
                    expression: Cow::Borrowed("status <> 'archived'"),
                },
            },
            Change::CreateIndex {
                table: table_ref(),
                index: Index {
                    name: Cow::Borrowed("task_open_idx"),
                    unique: false,
                    method: Cow::Borrowed("btree"),
                    keys: Cow::Owned(vec![IndexKey {
                        target: IndexTarget::Column(Cow::Borrowed("id")),
                        opclass: None,
                        descending: false,
                        nulls: None,
                    }]),
                    nulls_not_distinct: false,
                    predicate: Some(Cow::Borrowed("status = 'archived'")),
                },
            },
        ];
        for used in uses {
            assert!(
                !transactional(&[add_value("archived"), used.clone()]),
                "{used:?} uses the new label"
            );
            // A use before the label exists is not a use of it.
            assert!(transactional(&[used, add_value("archived")]));
        }
    }
}

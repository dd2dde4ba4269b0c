//! Rendering diff changes as PostgreSQL statements, in the order given. A
//! change that can lose data is preceded in the script by a comment saying
//! what it loses. Knows nothing about how the changes were found.

use std::borrow::Cow;

use crate::diff::{Change, ColumnType, TableRef};
use crate::model::{Enum, Identity, SqlType};
use crate::sql::{ddl, quote_ident, quote_literal, SqlWriter};
use crate::types::type_sql;

/// The marker a migration's `up.sql` starts with when its statements must
/// run outside a transaction.
pub const NO_TRANSACTION_MARKER: &str = "-- schema-cli: no-transaction";

/// One statement, with what it can lose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The SQL, ending in `;`.
    pub sql: String,
    /// What data the statement can lose, if any.
    pub data_loss: Option<String>,
}

/// The statements for `changes`, in order.
pub fn render(changes: &[Change]) -> Vec<Statement> {
    let mut out = Vec::new();
    for change in changes {
        let loss = change.data_loss();
        for (i, sql) in change_sql(change).into_iter().enumerate() {
            out.push(Statement {
                sql,
                data_loss: if i == 0 { loss.clone() } else { None },
            });
        }
    }
    out
}

/// `changes` as a script: statements separated by blank lines, each
/// destructive one preceded by `-- DESTRUCTIVE: …`, and the no-transaction
/// marker on top when the changes cannot run in one transaction (see
/// [`crate::diff::transactional`]).
pub fn render_script(changes: &[Change]) -> String {
    script(&render(changes), crate::diff::transactional(changes))
}

/// Rendered `statements` as a script (see [`render_script`]);
/// `transactional` as [`crate::diff::transactional`] says of their changes.
pub fn script(statements: &[Statement], transactional: bool) -> String {
    // Sized up front: the script of a new schema is about a megabyte per
    // 1,000 tables, and growing it would copy it again and again.
    let capacity: usize = statements
        .iter()
        .map(|s| s.sql.len() + 2 + s.data_loss.as_ref().map_or(0, |l| l.len() + 20))
        .sum();
    let mut script = String::with_capacity(capacity + 256);
    if !transactional {
        script.push_str(NO_TRANSACTION_MARKER);
        script.push_str(
            "\n-- ALTER TYPE … ADD VALUE: the new label cannot be used in the transaction that adds it,\n-- so these statements run one by one.\n\n",
        );
    }
    for (i, statement) in statements.iter().enumerate() {
        if i > 0 {
            script.push('\n');
        }
        if let Some(loss) = &statement.data_loss {
            script.push_str("-- DESTRUCTIVE: ");
            script.push_str(loss);
            script.push('\n');
        }
        script.push_str(&statement.sql);
        script.push('\n');
    }
    script
}

fn alter_table(table: &TableRef) -> SqlWriter {
    let mut w = SqlWriter::new();
    w.push_sql("ALTER TABLE ")
        .push_qualified(&table.schema, &table.name)
        .push_sql(" ");
    w
}

fn alter_column(table: &TableRef, column: &str) -> SqlWriter {
    let mut w = alter_table(table);
    w.push_sql("ALTER COLUMN ").push_ident(column).push_sql(" ");
    w
}

fn done(mut w: SqlWriter) -> String {
    w.push_sql(";");
    w.finish().0
}

/// `'"schema"."table"'`: a table name as the text argument of functions
/// such as `pg_get_serial_sequence`.
fn table_name_literal(table: &TableRef) -> String {
    let mut w = SqlWriter::<()>::new();
    w.push_qualified(&table.schema, &table.name);
    quote_literal(w.sql())
}

fn qualified(schema: &str, name: &str) -> String {
    let mut w = SqlWriter::<()>::new();
    w.push_qualified(schema, name);
    w.finish().0
}

/// `SELECT setval(…)` moving a column's sequence past the values it holds:
/// its next value is the sequence's first (`start`) or, when the column
/// already holds values beyond it, the one after them (above the largest
/// going up, below the smallest going down).
fn sequence_past_values(table: &TableRef, column: &str, start: i64, ascending: bool) -> String {
    let (greatest, aggregate, step) = if ascending {
        ("GREATEST", "max", "+ 1")
    } else {
        ("LEAST", "min", "- 1")
    };
    let mut w = SqlWriter::<()>::new();
    w.push_sql("SELECT setval(pg_get_serial_sequence(")
        .push_sql(&table_name_literal(table))
        .push_sql(", ")
        .push_literal(column)
        .push_sql("), ")
        .push_sql(greatest)
        .push_sql("(COALESCE((SELECT ")
        .push_sql(aggregate)
        .push_sql("(")
        .push_ident(column)
        .push_sql(") FROM ")
        .push_qualified(&table.schema, &table.name)
        .push_sql("), 0) ")
        .push_sql(step)
        .push_sql(", ")
        .push_sql(&start.to_string())
        .push_sql("), false);");
    w.finish().0
}

/// The first value of an identity's sequence: `START`, or PostgreSQL's
/// default, the minimum going up and the maximum going down.
fn identity_start(identity: &Identity) -> (i64, bool) {
    let ascending = identity.increment.unwrap_or(1) > 0;
    let start = identity.start.unwrap_or(if ascending {
        identity.min_value.unwrap_or(1)
    } else {
        identity.max_value.unwrap_or(-1)
    });
    (start, ascending)
}

/// The `USING` expression that converts a column to a new type. Always
/// given: PostgreSQL refuses conversions it cannot do implicitly (text to
/// integer, anything to an enum) without one. Rules:
/// - a scalar becoming an array is wrapped (`ARRAY[x]`, NULL stays NULL);
///   an array becoming a scalar keeps its first element; an array of
///   other declared dimensions is cast as it is (PostgreSQL does not
///   enforce declared dimensions: `int[]` and `int[][]` are one type, and
///   `x[1]` of a two-dimensional array is NULL);
/// - enums convert through `text` (unless one side is text already);
/// - booleans and numbers convert through `integer`, the one number type
///   PostgreSQL casts to and from `boolean`; a number becomes a boolean as
///   `x <> 0`;
/// - anything else is a plain cast where PostgreSQL has one (see
///   [`has_cast`]), and goes through `text` where it has none (`smallint`
///   to `bytea`, `uuid` to `inet`, …): every type converts to and from
///   text.
fn using(column: &str, from: &ColumnType, to: &ColumnType) -> String {
    let ident = quote_ident(column);
    if from.array_dims == 0 && to.array_dims > 0 {
        let element = ColumnType {
            sql_type: to.sql_type.clone(),
            array_dims: from.array_dims,
        };
        let mut wrapped = same_dims_conversion(&ident, from, &element);
        for _ in from.array_dims..to.array_dims {
            wrapped = format!("ARRAY[{wrapped}]");
        }
        return format!("CASE WHEN {ident} IS NULL THEN NULL ELSE {wrapped} END");
    }
    if from.array_dims > 0 && to.array_dims == 0 {
        let first = format!(
            "({ident}){}",
            "[1]".repeat(usize::from(from.array_dims - to.array_dims))
        );
        let element = ColumnType {
            sql_type: from.sql_type.clone(),
            array_dims: to.array_dims,
        };
        return same_dims_conversion(&first, &element, to);
    }
    same_dims_conversion(&ident, from, to)
}

/// `expression` (of type `from`) as `to`, both with the same dimensions.
fn same_dims_conversion(expression: &str, from: &ColumnType, to: &ColumnType) -> String {
    if from.sql_type == to.sql_type {
        return expression.to_owned();
    }
    let dims = to.array_dims;
    let target = type_sql(&to.sql_type, dims);
    let is_string = |t: &SqlType| {
        matches!(
            t,
            SqlType::Text | SqlType::Varchar { .. } | SqlType::Char { .. }
        )
    };
    let is_enum = |t: &SqlType| matches!(t, SqlType::Enum { .. });
    let through = |via: SqlType| format!("{expression}::{}::{target}", type_sql(&via, dims));
    // An explicit cast to `varchar(n)` or `char(n)` silently cuts longer
    // values; the assignment to the column that `USING` ends with raises
    // an error instead. So strings are left as they are, other types made
    // text.
    if matches!(
        to.sql_type,
        SqlType::Varchar { length: Some(_) } | SqlType::Char { .. }
    ) {
        return if is_string(&from.sql_type) {
            expression.to_owned()
        } else {
            format!("{expression}::{}", type_sql(&SqlType::Text, dims))
        };
    }
    match (&from.sql_type, &to.sql_type) {
        (a, b) if (is_enum(a) || is_enum(b)) && !is_string(a) && !is_string(b) => {
            through(SqlType::Text)
        }
        (SqlType::Boolean, b) if b.is_numeric() && *b != SqlType::Integer => {
            through(SqlType::Integer)
        }
        (a, SqlType::Boolean) if a.is_numeric() && *a != SqlType::Integer => {
            if dims == 0 {
                format!("({expression} <> 0)")
            } else {
                through(SqlType::Integer)
            }
        }
        (a, b) if has_cast(a, b) => format!("{expression}::{target}"),
        _ => through(SqlType::Text),
    }
}

/// Whether PostgreSQL casts `a` to `b` directly: a cast of `pg_cast`
/// between the model's types, or the conversion through input and output
/// functions every type has to and from the string types. Serial types
/// stand for their integer type; unknown types are left to the server.
fn has_cast(a: &SqlType, b: &SqlType) -> bool {
    use SqlType::*;
    let string = |t: &SqlType| matches!(t, Text | Varchar { .. } | Char { .. });
    let base = |t: &SqlType| t.serial_base().unwrap_or_else(|| t.clone());
    let (a, b) = (base(a), base(b));
    if a == b || string(&a) || string(&b) || (a.is_numeric() && b.is_numeric()) {
        return true;
    }
    match (&a, &b) {
        (Boolean, Integer) | (Integer, Boolean) => true,
        (Json, Jsonb) | (Jsonb, Json | Boolean) => true,
        (Jsonb, b) => b.is_numeric(),
        (Date, Timestamp { .. }) | (Timestamp { .. }, Date | Timestamp { .. }) => true,
        (
            Timestamp {
                with_time_zone: false,
                ..
            },
            Time {
                with_time_zone: false,
                ..
            },
        ) => true,
        (
            Timestamp {
                with_time_zone: true,
                ..
            },
            Time { .. },
        ) => true,
        (Time { .. }, Time { .. }) => true,
        (
            Time {
                with_time_zone: false,
                ..
            },
            Interval,
        )
        | (
            Interval,
            Time {
                with_time_zone: false,
                ..
            },
        ) => true,
        (Inet, Cidr) | (Cidr, Inet) => true,
        (Other { .. }, _) | (_, Other { .. }) => true,
        _ => false,
    }
}

/// A `DO` block running `sql_expression` (an SQL text expression building
/// a statement) with `EXECUTE`, dollar-quoted with a tag the body lacks.
fn execute(sql_expression: &str) -> String {
    let body = format!(" BEGIN EXECUTE {sql_expression}; END ");
    let mut tag = String::new();
    let mut n = 0;
    while body.contains(&format!("${tag}$")) {
        n += 1;
        tag = format!("ddl{n}");
    }
    format!("DO ${tag}${body}${tag}$;")
}

/// `pg_get_serial_sequence('"schema"."table"', 'column')`: the sequence a
/// serial or identity column owns, quoted and qualified, whatever its name.
fn owned_sequence(table: &TableRef, column: &str) -> String {
    format!(
        "pg_get_serial_sequence({}, {})",
        table_name_literal(table),
        quote_literal(column)
    )
}

/// The clauses that turn identity `from` into `to`, only for the options
/// that differ (an option left out means PostgreSQL's default), and
/// whether the sequence's range or first value moves. When it does, the
/// sequence restarts (PostgreSQL refuses bounds its current value lies
/// outside of, even on a sequence never used) and the caller moves it past
/// the column's values. A sequence that turns direction gets its bounds
/// and start anew: their defaults depend on the direction.
fn identity_options(from: &Identity, to: &Identity) -> (String, bool) {
    let mut parts = Vec::new();
    let (from_start, from_up) = identity_start(from);
    let (to_start, to_up) = identity_start(to);
    let turned = from_up != to_up;
    if from.always != to.always {
        parts.push(if to.always {
            "SET GENERATED ALWAYS".to_owned()
        } else {
            "SET GENERATED BY DEFAULT".to_owned()
        });
    }
    if from.increment != to.increment {
        parts.push(format!("SET INCREMENT BY {}", to.increment.unwrap_or(1)));
    }
    let min_moves = from.min_value != to.min_value || turned;
    if min_moves {
        parts.push(match to.min_value {
            Some(n) => format!("SET MINVALUE {n}"),
            None => "SET NO MINVALUE".to_owned(),
        });
    }
    let max_moves = from.max_value != to.max_value || turned;
    if max_moves {
        parts.push(match to.max_value {
            Some(n) => format!("SET MAXVALUE {n}"),
            None => "SET NO MAXVALUE".to_owned(),
        });
    }
    // Without a start, a sequence starts at its minimum (1 going up, the
    // maximum going down).
    let start_moves = from_start != to_start;
    if start_moves || turned {
        parts.push(format!("SET START WITH {to_start}"));
    }
    if from.cache != to.cache {
        parts.push(format!("SET CACHE {}", to.cache.unwrap_or(1)));
    }
    if from.cycle != to.cycle {
        parts.push(if to.cycle {
            "SET CYCLE".to_owned()
        } else {
            "SET NO CYCLE".to_owned()
        });
    }
    let moved = min_moves || max_moves || start_moves;
    if moved {
        parts.push("RESTART".to_owned());
    }
    (parts.join(" "), moved)
}

fn recreate_enum(
    old: &Enum,
    new: &Enum,
    aside: &str,
    columns: &[crate::diff::EnumUsage],
) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!(
        "ALTER TYPE {} RENAME TO {};",
        qualified(&old.schema, &old.name),
        quote_ident(aside)
    ));
    out.push(ddl::create_enum(new));
    for usage in columns {
        if usage.had_default {
            let mut w = alter_column(&usage.table, &usage.column);
            w.push_sql("DROP DEFAULT");
            out.push(done(w));
        }
        let to = ColumnType {
            sql_type: SqlType::Enum {
                schema: new.schema.clone(),
                name: new.name.clone(),
            },
            array_dims: usage.array_dims,
        };
        let from = ColumnType {
            sql_type: SqlType::Enum {
                schema: old.schema.clone(),
                name: Cow::Owned(aside.to_owned()),
            },
            array_dims: usage.array_dims,
        };
        let mut w = alter_column(&usage.table, &usage.column);
        w.push_sql("TYPE ")
            .push_sql(&type_sql(&to.sql_type, to.array_dims))
            .push_sql(" USING ")
            .push_sql(&using(&usage.column, &from, &to));
        out.push(done(w));
        if let Some(default) = &usage.default {
            let mut w = alter_column(&usage.table, &usage.column);
            w.push_sql("SET DEFAULT ");
            ddl::push_default(&mut w, default);
            out.push(done(w));
        }
    }
    out
}

/// The statements of one change.
pub fn change_sql(change: &Change) -> Vec<String> {
    match change {
        Change::CreateSchema { name } => vec![format!("CREATE SCHEMA {};", quote_ident(name))],
        Change::RenameSchema { from, to } => vec![format!(
            "ALTER SCHEMA {} RENAME TO {};",
            quote_ident(from),
            quote_ident(to)
        )],
        Change::DropSchema { name } => vec![format!("DROP SCHEMA {};", quote_ident(name))],
        Change::CreateEnum(enum_type) => vec![ddl::create_enum(enum_type)],
        Change::DropEnum { schema, name } | Change::DropReplacedEnum { schema, name } => {
            vec![format!("DROP TYPE {};", qualified(schema, name))]
        }
        Change::RenameEnum { schema, from, to } => vec![format!(
            "ALTER TYPE {} RENAME TO {};",
            qualified(schema, from),
            quote_ident(to)
        )],
        Change::AddEnumValue {
            schema,
            name,
            value,
            before,
        } => {
            let mut sql = format!(
                "ALTER TYPE {} ADD VALUE {}",
                qualified(schema, name),
                quote_literal(value)
            );
            if let Some(before) = before {
                sql.push_str(" BEFORE ");
                sql.push_str(&quote_literal(before));
            }
            sql.push(';');
            vec![sql]
        }
        Change::RenameEnumValue {
            schema,
            name,
            from,
            to,
        } => vec![format!(
            "ALTER TYPE {} RENAME VALUE {} TO {};",
            qualified(schema, name),
            quote_literal(from),
            quote_literal(to)
        )],
        Change::RecreateEnum {
            old,
            new,
            aside,
            columns,
        } => recreate_enum(old, new, aside, columns),
        Change::CreateTable(table) => vec![ddl::create_table(table)],
        Change::DropTable(table) => vec![format!(
            "DROP TABLE {};",
            qualified(&table.schema, &table.name)
        )],
        Change::RenameTable { table, to } => {
            let mut w = alter_table(table);
            w.push_sql("RENAME TO ").push_ident(to);
            vec![done(w)]
        }
        Change::AddColumn { table, column } => {
            let mut w = alter_table(table);
            w.push_sql("ADD COLUMN ");
            ddl::push_column(&mut w, column);
            vec![done(w)]
        }
        Change::DropColumn { table, column } => {
            let mut w = alter_table(table);
            w.push_sql("DROP COLUMN ").push_ident(column);
            vec![done(w)]
        }
        Change::RenameColumn { table, from, to } => {
            let mut w = alter_table(table);
            w.push_sql("RENAME COLUMN ")
                .push_ident(from)
                .push_sql(" TO ")
                .push_ident(to);
            vec![done(w)]
        }
        Change::AlterColumnType {
            table,
            column,
            from,
            to,
        } => {
            let mut w = alter_column(table, column);
            w.push_sql("TYPE ")
                .push_sql(&type_sql(&to.sql_type, to.array_dims))
                .push_sql(" USING ")
                .push_sql(&using(column, from, to));
            vec![done(w)]
        }
        Change::SetNotNull { table, column } => {
            let mut w = alter_column(table, column);
            w.push_sql("SET NOT NULL");
            vec![done(w)]
        }
        Change::DropNotNull { table, column } => {
            let mut w = alter_column(table, column);
            w.push_sql("DROP NOT NULL");
            vec![done(w)]
        }
        Change::SetDefault {
            table,
            column,
            default,
        } => {
            let mut w = alter_column(table, column);
            w.push_sql("SET DEFAULT ");
            ddl::push_default(&mut w, default);
            vec![done(w)]
        }
        Change::DropDefault { table, column } => {
            let mut w = alter_column(table, column);
            w.push_sql("DROP DEFAULT");
            vec![done(w)]
        }
        Change::AddIdentity {
            table,
            column,
            identity,
        } => {
            let mut w = alter_column(table, column);
            w.push_sql("ADD");
            ddl::push_identity(&mut w, identity);
            let (start, ascending) = identity_start(identity);
            vec![
                done(w),
                sequence_past_values(table, column, start, ascending),
            ]
        }
        Change::AlterIdentity {
            table,
            column,
            from,
            identity,
        } => {
            let (options, moved) = identity_options(from, identity);
            let mut w = alter_column(table, column);
            w.push_sql(&options);
            let mut out = vec![done(w)];
            if moved {
                let (start, ascending) = identity_start(identity);
                out.push(sequence_past_values(table, column, start, ascending));
            }
            out
        }
        Change::DropIdentity { table, column } => {
            let mut w = alter_column(table, column);
            w.push_sql("DROP IDENTITY");
            vec![done(w)]
        }
        Change::AddSerial {
            table,
            column,
            sequence,
            sql_type,
        } => {
            let sequence_name = qualified(&table.schema, sequence);
            let mut owner = SqlWriter::<()>::new();
            owner
                .push_qualified(&table.schema, &table.name)
                .push_sql(".")
                .push_ident(column);
            let mut w = alter_column(table, column);
            w.push_sql("SET DEFAULT nextval(")
                .push_literal(&sequence_name)
                .push_sql("::regclass)");
            vec![
                format!(
                    "CREATE SEQUENCE {sequence_name} AS {} OWNED BY {};",
                    type_sql(sql_type, 0),
                    owner.sql()
                ),
                done(w),
                sequence_past_values(table, column, 1, true),
            ]
        }
        Change::DropSerial { table, column } => {
            let mut w = alter_column(table, column);
            w.push_sql("DROP DEFAULT");
            vec![
                done(w),
                execute(&format!(
                    "'DROP SEQUENCE ' || {}",
                    owned_sequence(table, column)
                )),
            ]
        }
        Change::AlterSerialType {
            table,
            column,
            sql_type,
        } => vec![execute(&format!(
            "'ALTER SEQUENCE ' || {} || {}",
            owned_sequence(table, column),
            quote_literal(&format!(" AS {}", type_sql(sql_type, 0)))
        ))],
        Change::RenameSequence {
            table, column, to, ..
        } => vec![execute(&format!(
            "'ALTER SEQUENCE ' || {} || {}",
            owned_sequence(table, column),
            quote_literal(&format!(" RENAME TO {}", quote_ident(to)))
        ))],
        Change::DropGeneratedColumn { table, column } => {
            let mut w = alter_table(table);
            w.push_sql("DROP COLUMN ").push_ident(column);
            vec![done(w)]
        }
        Change::DropExpression { table, column } => {
            let mut w = alter_column(table, column);
            w.push_sql("DROP EXPRESSION");
            vec![done(w)]
        }
        Change::AddPrimaryKey { table, key } => {
            let mut w = alter_table(table);
            w.push_sql("ADD ");
            ddl::push_primary_key(&mut w, key);
            vec![done(w)]
        }
        Change::AddUnique { table, unique } => {
            let mut w = alter_table(table);
            w.push_sql("ADD ");
            ddl::push_unique(&mut w, unique);
            vec![done(w)]
        }
        Change::AddCheck { table, check } => {
            let mut w = alter_table(table);
            w.push_sql("ADD ");
            ddl::push_check(&mut w, check);
            vec![done(w)]
        }
        Change::AddForeignKey { table, foreign_key } => {
            vec![ddl::add_foreign_key(
                &table.schema,
                &table.name,
                foreign_key,
            )]
        }
        Change::DropConstraint { table, name, .. } => {
            let mut w = alter_table(table);
            w.push_sql("DROP CONSTRAINT ").push_ident(name);
            vec![done(w)]
        }
        Change::RenameConstraint { table, from, to } => {
            let mut w = alter_table(table);
            w.push_sql("RENAME CONSTRAINT ")
                .push_ident(from)
                .push_sql(" TO ")
                .push_ident(to);
            vec![done(w)]
        }
        Change::CreateIndex { table, index } => {
            vec![ddl::create_index(&table.schema, &table.name, index)]
        }
        Change::DropIndex { schema, name } => {
            vec![format!("DROP INDEX {};", qualified(schema, name))]
        }
        Change::RenameIndex { schema, from, to } => vec![format!(
            "ALTER INDEX {} RENAME TO {};",
            qualified(schema, from),
            quote_ident(to)
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(sql_type: SqlType, array_dims: u8) -> ColumnType {
        ColumnType {
            sql_type,
            array_dims,
        }
    }

    #[test]
    fn conversions_take_a_path_the_server_has() {
        use SqlType::*;
        let status = Enum {
            schema: Cow::Borrowed("public"),
            name: Cow::Borrowed("status"),
        };
        let cases = [
            (ty(Text, 0), ty(Integer, 0), r#""c"::integer"#),
            (ty(Boolean, 0), ty(SmallInt, 0), r#""c"::integer::smallint"#),
            (ty(Boolean, 0), ty(Integer, 0), r#""c"::integer"#),
            (ty(BigInt, 0), ty(Boolean, 0), r#"("c" <> 0)"#),
            (ty(Integer, 0), ty(Boolean, 0), r#""c"::boolean"#),
            (
                ty(BigInt, 1),
                ty(Boolean, 1),
                r#""c"::integer[]::boolean[]"#,
            ),
            (ty(Json, 0), ty(Jsonb, 0), r#""c"::jsonb"#),
            (ty(status.clone(), 0), ty(Text, 0), r#""c"::text"#),
            (
                ty(Text, 1),
                ty(status.clone(), 1),
                r#""c"::"public"."status"[]"#,
            ),
            (
                ty(status.clone(), 0),
                ty(Integer, 0),
                r#""c"::text::integer"#,
            ),
            (ty(Text, 0), ty(Varchar { length: Some(8) }, 0), r#""c""#),
            (
                ty(Integer, 0),
                ty(Char { length: Some(2) }, 0),
                r#""c"::text"#,
            ),
            (
                ty(Text, 0),
                ty(Text, 1),
                r#"CASE WHEN "c" IS NULL THEN NULL ELSE ARRAY["c"] END"#,
            ),
            (
                ty(Integer, 0),
                ty(BigInt, 1),
                r#"CASE WHEN "c" IS NULL THEN NULL ELSE ARRAY["c"::bigint] END"#,
            ),
            (ty(Integer, 1), ty(Integer, 0), r#"("c")[1]"#),
            (ty(SmallInt, 0), ty(Bytea, 0), r#""c"::text::bytea"#),
            (ty(Uuid, 1), ty(Inet, 1), r#""c"::text[]::inet[]"#),
            (
                ty(Date, 0),
                ty(
                    Timestamp {
                        precision: None,
                        with_time_zone: true,
                    },
                    0,
                ),
                r#""c"::timestamp with time zone"#,
            ),
            (ty(Integer, 2), ty(Integer, 0), r#"("c")[1][1]"#),
            (ty(SmallInt, 1), ty(BigInt, 2), r#""c"::bigint[][]"#),
            (ty(BigInt, 2), ty(SmallInt, 1), r#""c"::smallint[]"#),
            (ty(Text, 1), ty(Integer, 0), r#"("c")[1]::integer"#),
        ];
        for (from, to, expected) in cases {
            assert_eq!(using("c", &from, &to), expected, "{from:?} → {to:?}");
        }
    }

    #[test]
    fn do_blocks_use_a_dollar_tag_their_body_lacks() {
        assert_eq!(
            execute("'SELECT 1'"),
            "DO $$ BEGIN EXECUTE 'SELECT 1'; END $$;"
        );
        assert_eq!(
            execute("'SELECT $$x$$'"),
            "DO $ddl1$ BEGIN EXECUTE 'SELECT $$x$$'; END $ddl1$;"
        );
    }

    #[test]
    fn sequences_are_found_through_their_column() {
        let table = TableRef {
            schema: Cow::Borrowed("public"),
            name: Cow::Borrowed("it's"),
        };
        let sql = change_sql(&Change::RenameSequence {
            table,
            column: Cow::Borrowed("id"),
            from: "x".to_owned(),
            to: "its_id_seq".to_owned(),
        });
        assert_eq!(
            sql,
            [
                r#"DO $$ BEGIN EXECUTE 'ALTER SEQUENCE ' || pg_get_serial_sequence('"public"."it''s"', 'id') || ' RENAME TO "its_id_seq"'; END $$;"#
            ]
        );
    }

    #[test]
    fn identity_changes_set_only_what_differs() {
        let from = Identity::default();
        let to = Identity {
            always: true,
            increment: Some(5),
            ..Identity::default()
        };
        assert_eq!(
            identity_options(&from, &to),
            ("SET GENERATED ALWAYS SET INCREMENT BY 5".to_owned(), false)
        );
        let back = identity_options(
            &Identity {
                start: Some(100),
                cycle: true,
                ..Identity::default()
            },
            &from,
        );
        assert_eq!(
            back,
            ("SET START WITH 1 SET NO CYCLE RESTART".to_owned(), true)
        );
        // A new minimum moves the default start with it.
        let raised = identity_options(
            &from,
            &Identity {
                min_value: Some(5),
                ..Identity::default()
            },
        );
        assert_eq!(
            raised,
            ("SET MINVALUE 5 SET START WITH 5 RESTART".to_owned(), true)
        );
        // Turning direction sets the bounds and start anew.
        let down = identity_options(
            &from,
            &Identity {
                increment: Some(-1),
                ..Identity::default()
            },
        );
        assert_eq!(
            down,
            (
                "SET INCREMENT BY -1 SET NO MINVALUE SET NO MAXVALUE SET START WITH -1 RESTART"
                    .to_owned(),
                true
            )
        );
    }
}

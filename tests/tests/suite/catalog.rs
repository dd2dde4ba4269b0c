//! Checks, through `pg_catalog`, that a database holds exactly what a schema
//! model declares: every table; every column with its type, array
//! dimensions, nullability, default, identity and generation expression;
//! every constraint under the name we computed, with its columns, target and
//! actions; every index with its method, uniqueness and keys. Nothing more,
//! nothing less.

use std::collections::{BTreeMap, BTreeSet};

use schema_core::model::{DefaultValue, IndexTarget, ReferentialAction, Schema, SqlType, Table};
use schema_core::sql::{ddl, SqlWriter};
use tokio_postgres::Client;

/// Applies the schema's DDL in one transaction, then checks the catalog.
pub async fn apply_and_check(client: &Client, schema: &Schema) {
    let script = ddl::create_schema_script(schema);
    client
        .batch_execute(&format!("BEGIN;\n{script}\nCOMMIT;"))
        .await
        .unwrap_or_else(|e| panic!("the DDL does not apply: {e:?}\n{script}"));
    assert_catalog_matches(client, schema).await;
}

/// Asserts the database holds exactly `schema` (in the namespaces it uses),
/// columns in the declared order.
pub async fn assert_catalog_matches(client: &Client, schema: &Schema) {
    check_catalog(client, schema, ColumnOrder::Declared).await;
}

/// As [`assert_catalog_matches`], but columns may come in any order: a
/// migration can only append columns, never reorder them.
pub async fn assert_catalog_matches_any_column_order(client: &Client, schema: &Schema) {
    check_catalog(client, schema, ColumnOrder::Any).await;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ColumnOrder {
    Declared,
    Any,
}

async fn check_catalog(client: &Client, schema: &Schema, order: ColumnOrder) {
    let namespaces: Vec<String> = schema
        .tables
        .iter()
        .map(|t| t.schema.to_string())
        .chain(schema.enums.iter().map(|e| e.schema.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    // Enums, labels in order.
    let rows = client
        .query(
            "SELECT n.nspname::text, t.typname::text,
                    array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             JOIN pg_enum e ON e.enumtypid = t.oid
             WHERE n.nspname = ANY($1) GROUP BY 1, 2 ORDER BY 1, 2",
            &[&namespaces],
        )
        .await
        .expect("enum query");
    let server_enums: Vec<(String, String, Vec<String>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let our_enums: Vec<(String, String, Vec<String>)> = schema
        .enums
        .iter()
        .map(|e| {
            (
                e.schema.to_string(),
                e.name.to_string(),
                e.values.iter().map(|v| v.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(server_enums, our_enums, "enum types");

    // Tables.
    let rows = client
        .query(
            "SELECT n.nspname::text, c.relname::text FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND n.nspname = ANY($1) ORDER BY 1, 2",
            &[&namespaces],
        )
        .await
        .expect("table query");
    let server_tables: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let our_tables: Vec<(String, String)> = schema
        .tables
        .iter()
        .map(|t| (t.schema.to_string(), t.name.to_string()))
        .collect();
    assert_eq!(server_tables, our_tables, "tables");

    for table in &schema.tables {
        let mut table = table.clone();
        if order == ColumnOrder::Any {
            let mut columns = table.columns.to_vec();
            columns.sort_by(|a, b| a.name.cmp(&b.name));
            table.columns = columns.into();
        }
        let table = &table;
        check_columns(client, table, order).await;
        check_constraints(client, table).await;
        check_indexes(client, table).await;
    }
}

fn regclass(table: &Table) -> String {
    let mut w = SqlWriter::<()>::new();
    w.push_qualified(&table.schema, &table.name);
    w.sql().to_owned()
}

/// A default as text to compare: a string constant is decoded (`E'…'` and
/// `'…'` alike) and stripped of any trailing cast; numbers lose their quotes.
fn strip_cast(text: &str) -> String {
    let text = text.trim();
    let (escaped, body) = match text.strip_prefix("E'") {
        Some(rest) => (true, Some(rest)),
        None => (false, text.strip_prefix('\'')),
    };
    if let Some(body) = body {
        let mut value = String::new();
        let mut chars = body.chars().peekable();
        while let Some(ch) = chars.next() {
            match ch {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' if escaped => value.extend(chars.next()),
                other => value.push(other),
            }
        }
        if value.parse::<f64>().is_ok() {
            return value;
        }
        return format!("'{value}'");
    }
    let unparenthesized = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(text);
    match unparenthesized.rfind("::") {
        Some(end) if unparenthesized[..end].parse::<f64>().is_ok() => {
            unparenthesized[..end].to_owned()
        }
        _ => unparenthesized.to_owned(),
    }
}

fn expected_default(default: &DefaultValue) -> String {
    let mut w = SqlWriter::<()>::new();
    ddl::push_default(&mut w, default);
    strip_cast(&w.finish().0)
}

async fn check_columns(client: &Client, table: &Table, order: ColumnOrder) {
    let rows = client
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attndims::int4,
                    a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text,
                    a.attgenerated::text, t.typtype::text,
                    COALESCE(et.typtype, ' ')::text
             FROM pg_attribute a
             JOIN pg_type t ON t.oid = a.atttypid
             LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY CASE WHEN $2 THEN a.attname::text END, a.attnum",
            &[&regclass(table), &(order == ColumnOrder::Any)],
        )
        .await
        .expect("column query");
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let ours: Vec<String> = table.columns.iter().map(|c| c.name.to_string()).collect();
    assert_eq!(names, ours, "columns of {}", table.name);
    for (row, column) in rows.iter().zip(table.columns.iter()) {
        let at = format!("{}.{}", table.name, column.name);
        let format: String = row.get(1);
        let dims: i32 = row.get(2);
        let not_null: bool = row.get(3);
        let default: Option<String> = row.get(4);
        let identity: String = row.get(5);
        let generated: String = row.get(6);
        let is_enum = row.get::<_, String>(7) == "e" || row.get::<_, String>(8) == "e";

        // The type: read back with the same type parser the DSL uses.
        let (server_type, server_dims) = SqlType::parse(&format).expect("server type parses");
        let declared = column
            .sql_type
            .serial_base()
            .unwrap_or(column.sql_type.clone());
        match &declared {
            SqlType::Enum { name, .. } => {
                assert!(is_enum, "{at}: expected enum {name}, server has {format}");
                assert!(
                    format
                        .trim_end_matches("[]")
                        .trim_matches('"')
                        .ends_with(&**name),
                    "{at}: expected enum {name}, server has {format}"
                );
            }
            _ => assert_eq!(server_type, declared, "{at}: type (server: {format})"),
        }
        let declared_dims = i32::from(column.array_dims);
        assert_eq!(
            i32::from(server_dims).min(1),
            declared_dims.min(1),
            "{at}: array"
        );
        assert_eq!(dims, declared_dims, "{at}: array dimensions");
        assert_eq!(not_null, !column.nullable, "{at}: NOT NULL");

        // Identity, generation, default.
        let expected_identity = match &column.identity {
            Some(i) if i.always => "a",
            Some(_) => "d",
            None => "",
        };
        assert_eq!(identity, expected_identity, "{at}: identity");
        assert_eq!(
            generated == "s",
            column.generated.is_some(),
            "{at}: generated"
        );
        if let Some(expression) = &column.generated {
            let server = default.clone().unwrap_or_default();
            assert_eq!(
                squash(&server),
                squash(expression),
                "{at}: generation expression"
            );
            continue;
        }
        if column.sql_type.serial_base().is_some() {
            let server = default.unwrap_or_default();
            assert!(
                server.starts_with("nextval(") && server.contains("_seq'"),
                "{at}: serial default, server has {server}"
            );
            continue;
        }
        let expected = column.default.as_ref().map(expected_default);
        assert_eq!(
            default.as_deref().map(strip_cast),
            expected,
            "{at}: default"
        );
    }
}

/// Lowercase, without spaces, parentheses or `::type` casts: the server
/// reformats expressions and adds casts.
fn squash(text: &str) -> String {
    let mut without_casts = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("::") {
        without_casts.push_str(&rest[..at]);
        rest = rest[at + 2..]
            .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_' || c == ' ');
    }
    without_casts.push_str(rest);
    without_casts
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .flat_map(char::to_lowercase)
        .collect()
}

fn action_code(action: ReferentialAction) -> &'static str {
    match action {
        ReferentialAction::NoAction => "a",
        ReferentialAction::Restrict => "r",
        ReferentialAction::Cascade => "c",
        ReferentialAction::SetNull => "n",
        ReferentialAction::SetDefault => "d",
    }
}

async fn check_constraints(client: &Client, table: &Table) {
    let rows = client
        .query(
            "SELECT c.conname::text, c.contype::text,
                    ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                          ORDER BY k.i),
                    COALESCE(fn.nspname::text, ''), COALESCE(ft.relname::text, ''),
                    ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                          ORDER BY k.i),
                    c.confdeltype::text, c.confupdtype::text,
                    COALESCE(i.indnullsnotdistinct, false)
             FROM pg_constraint c
             LEFT JOIN pg_class ft ON ft.oid = c.confrelid
             LEFT JOIN pg_namespace fn ON fn.oid = ft.relnamespace
             LEFT JOIN pg_index i ON i.indexrelid = c.conindid AND c.contype = 'u'
             WHERE c.conrelid = $1::text::regclass AND c.contype IN ('p', 'u', 'f', 'c')",
            &[&regclass(table)],
        )
        .await
        .expect("constraint query");
    type Described = (
        String,
        Vec<String>,
        String,
        String,
        Vec<String>,
        String,
        String,
        bool,
    );
    let server: BTreeMap<String, Described> = rows
        .iter()
        .map(|r| {
            (
                r.get::<_, String>(0),
                (
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                    r.get(8),
                ),
            )
        })
        .collect();
    let strings = |list: &[std::borrow::Cow<'static, str>]| {
        list.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let empty = || {
        (
            String::new(),
            String::new(),
            Vec::new(),
            " ".to_owned(),
            " ".to_owned(),
        )
    };
    let mut ours: BTreeMap<String, Described> = BTreeMap::new();
    if let Some(pk) = &table.primary_key {
        let (s, t, fc, d, u) = empty();
        ours.insert(
            pk.name.to_string(),
            ("p".into(), strings(&pk.columns), s, t, fc, d, u, false),
        );
    }
    for unique in table.uniques.iter() {
        let (s, t, fc, d, u) = empty();
        ours.insert(
            unique.name.to_string(),
            (
                "u".into(),
                strings(&unique.columns),
                s,
                t,
                fc,
                d,
                u,
                unique.nulls_not_distinct,
            ),
        );
    }
    for fk in table.foreign_keys.iter() {
        ours.insert(
            fk.name.to_string(),
            (
                "f".into(),
                strings(&fk.columns),
                fk.references_schema.to_string(),
                fk.references_table.to_string(),
                strings(&fk.references_columns),
                action_code(fk.on_delete).into(),
                action_code(fk.on_update).into(),
                false,
            ),
        );
    }
    // Check constraints: only the name and kind (the server rewrites the expression).
    let mut server = server;
    for check in table.checks.iter() {
        let found = server.remove(&*check.name);
        assert!(
            matches!(&found, Some((kind, ..)) if kind == "c"),
            "{}: check constraint `{}` missing (server has {found:?})",
            table.name,
            check.name
        );
    }
    assert_eq!(server, ours, "constraints of {}", table.name);
}

async fn check_indexes(client: &Client, table: &Table) {
    let rows = client
        .query(
            "SELECT ic.relname::text, i.indisunique, am.amname::text, i.indnullsnotdistinct,
                    i.indpred IS NOT NULL,
                    ARRAY(SELECT COALESCE(a.attname::text, '<expr>')
                          FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                          LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
                          ORDER BY k.o),
                    ARRAY(SELECT (opt & 1) = 1 FROM unnest(i.indoption::int2[]) WITH ORDINALITY k(opt, o) ORDER BY o)
             FROM pg_index i
             JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_am am ON am.oid = ic.relam
             WHERE i.indrelid = $1::text::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))",
            &[&regclass(table)],
        )
        .await
        .expect("index query");
    type Described = (bool, String, bool, bool, Vec<String>, Vec<bool>);
    let server: BTreeMap<String, Described> = rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                (r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)),
            )
        })
        .collect();
    let ours: BTreeMap<String, Described> = table
        .indexes
        .iter()
        .map(|index| {
            (
                index.name.to_string(),
                (
                    index.unique,
                    index.method.to_string(),
                    index.nulls_not_distinct,
                    index.predicate.is_some(),
                    index
                        .keys
                        .iter()
                        .map(|k| match &k.target {
                            IndexTarget::Column(c) => c.to_string(),
                            IndexTarget::Expression(_) => "<expr>".to_owned(),
                        })
                        .collect(),
                    index.keys.iter().map(|k| k.descending).collect(),
                ),
            )
        })
        .collect();
    assert_eq!(server, ours, "indexes of {}", table.name);
}

//! Introspection against a real server: a code schema's DDL applied to a
//! fresh database and read back through `pg_catalog` equals the code model —
//! exactly for names, types, nullability, keys, foreign keys, indexes and
//! enums; SQL expressions through `normalize::expressions_equivalent`. Also:
//! objects the model does not manage are reported and kept out of the
//! schema, the namespace filter holds, and the number of queries does not
//! depend on the number of tables.

use std::borrow::Cow;

use schema_bench::synthetic as wide_schema;
use schema_core::model::{DefaultValue, IndexTarget, Schema, Table};
use schema_core::normalize::expressions_equivalent;
use schema_core::pg::{introspect, IntrospectOptions, Introspection, UnmanagedKind};
use schema_core::sql::ddl;
use schema_core::syntax;
use schema_tests::pg;
use tokio_postgres::Client;

fn examples() -> [(&'static str, Schema); 5] {
    [
        ("selfkit", example_selfkit::schema()),
        ("apexkit", example_apexkit::schema()),
        ("dbkeep", example_dbkeep::schema()),
        ("tskit", example_tskit::schema()),
        ("vitaes", example_vitaes::schema()),
    ]
}

/// The every-feature schema, read by the parser (equal to the macro's
/// model: see `every_feature::the_parser_reads_what_the_macro_built`).
fn every_feature() -> Schema {
    let parsed = syntax::parse_file(include_str!("fixtures/every_feature.rs")).expect("parses");
    syntax::resolve(&[parsed]).expect("resolves")
}

async fn apply(client: &Client, schema: &Schema) {
    let script = ddl::create_schema_script(schema);
    client
        .batch_execute(&format!("BEGIN;\n{script}\nCOMMIT;"))
        .await
        .unwrap_or_else(|e| panic!("the DDL does not apply: {e:?}\n{script}"));
}

async fn read(client: &Client, options: &IntrospectOptions) -> Introspection {
    introspect(client, options)
        .await
        .unwrap_or_else(|e| panic!("introspection failed: {e}"))
}

/// Without the code-only hints (`renamed_from`, renamed enum labels), which
/// a database cannot hold.
fn without_hints(schema: &Schema) -> Schema {
    let mut schema = schema.clone();
    for e in &mut schema.enums {
        e.renamed_from = None;
        e.renamed_values = Cow::Borrowed(&[]);
    }
    for table in &mut schema.tables {
        table.renamed_from = None;
        for column in table.columns.to_mut() {
            column.renamed_from = None;
        }
    }
    schema.normalize();
    schema
}

/// Where the server's expression text is equivalent to the code's, takes
/// the code's text, so that what remains can be compared exactly. Collects
/// the expressions that are not equivalent.
fn align_expressions(code: &Schema, db: &mut Schema, mismatches: &mut Vec<String>) {
    let mut check = |what: String, ours: &str, theirs: &mut Cow<'static, str>| {
        if expressions_equivalent(ours, theirs) {
            *theirs = Cow::Owned(ours.to_owned());
        } else {
            mismatches.push(format!("{what}: code `{ours}`, database `{theirs}`"));
        }
    };
    for table in &mut db.tables {
        let Some(ours) = code.table(&table.schema, &table.name) else {
            continue;
        };
        let at = format!("{}.{}", table.schema, table.name);
        align_table(&at, ours, table, &mut check);
    }
}

fn align_table(
    at: &str,
    ours: &Table,
    table: &mut Table,
    check: &mut impl FnMut(String, &str, &mut Cow<'static, str>),
) {
    for column in table.columns.to_mut() {
        let Some(code_column) = ours.column(&column.name) else {
            continue;
        };
        let what = format!("{at}.{}", column.name);
        if let (Some(a), Some(b)) = (&code_column.generated, &mut column.generated) {
            check(format!("{what} generated"), a, b);
        }
        if let (Some(DefaultValue::Sql(a)), Some(DefaultValue::Sql(b))) =
            (&code_column.default, &mut column.default)
        {
            check(format!("{what} default"), a, b);
        }
    }
    for c in table.checks.to_mut() {
        if let Some(code_check) = ours.checks.iter().find(|x| x.name == c.name) {
            check(
                format!("{at} check {}", c.name),
                &code_check.expression,
                &mut c.expression,
            );
        }
    }
    for index in table.indexes.to_mut() {
        let Some(code_index) = ours.indexes.iter().find(|x| x.name == index.name) else {
            continue;
        };
        if let (Some(a), Some(b)) = (&code_index.predicate, &mut index.predicate) {
            check(format!("{at} index {} predicate", index.name), a, b);
        }
        for (k, (a, b)) in code_index
            .keys
            .iter()
            .zip(index.keys.to_mut().iter_mut())
            .enumerate()
        {
            if let (IndexTarget::Expression(a), IndexTarget::Expression(b)) =
                (&a.target, &mut b.target)
            {
                check(format!("{at} index {} key {}", index.name, k + 1), a, b);
            }
        }
    }
}

/// Asserts the introspected schema is the code schema; on failure prints
/// the differences and a line diff of the two snapshots.
fn assert_round_trip(name: &str, code: &Schema, db: &Schema) {
    let code = without_hints(code);
    let mut aligned = db.clone();
    let mut mismatches = Vec::new();
    align_expressions(&code, &mut aligned, &mut mismatches);
    let exact = aligned == code;
    let differences = code.differences(db);
    if exact && mismatches.is_empty() && differences.is_empty() {
        return;
    }
    let mut report = format!("{name}: the database does not read back as the code schema\n");
    for m in &mismatches {
        report.push_str(&format!("  expression differs: {m}\n"));
    }
    for d in &differences {
        report.push_str(&format!("  {d}\n"));
    }
    report.push_str("--- code\n+++ database (expressions aligned)\n");
    report.push_str(&line_diff(
        &code.to_snapshot_json(),
        &aligned.to_snapshot_json(),
    ));
    panic!("{report}");
}

/// A minimal line diff (longest common subsequence), changed lines only
/// with one line of context.
fn line_diff(a: &str, b: &str) -> String {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut lines: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            lines.push(('+', b[j]));
            j += 1;
        } else {
            lines.push(('-', a[i]));
            i += 1;
        }
    }
    let changed = |k: usize| lines.get(k).is_some_and(|(c, _)| *c != ' ');
    let mut out = String::new();
    for (k, (c, line)) in lines.iter().enumerate() {
        if *c != ' ' || changed(k + 1) || (k > 0 && changed(k - 1)) {
            out.push_str(&format!("{c} {line}\n"));
        }
    }
    out
}

#[test]
fn every_example_round_trips() {
    pg::block_on(async {
        for (name, schema) in examples() {
            let db = pg::fresh_database().await;
            apply(db.client(), &schema).await;
            let read = read(db.client(), &IntrospectOptions::default()).await;
            assert_round_trip(name, &schema, &read.schema);
            assert!(read.unmanaged.is_empty(), "{name}: {:?}", read.unmanaged);
        }
    });
}

#[test]
fn the_every_feature_schema_round_trips() {
    pg::block_on(async {
        let code = every_feature();
        let db = pg::fresh_database().await;
        apply(db.client(), &code).await;
        let read = read(db.client(), &IntrospectOptions::default()).await;
        assert_round_trip("every feature", &code, &read.schema);
        assert!(read.unmanaged.is_empty(), "{:?}", read.unmanaged);
    });
}

#[test]
fn server_spellings_read_back_in_model_form() {
    pg::block_on(async {
        let db = pg::fresh_database().await;
        apply(db.client(), &every_feature()).await;
        let read = read(db.client(), &IntrospectOptions::default()).await;
        let columns: Vec<String> = ["everything", "customer"]
            .iter()
            .filter_map(|name| read.schema.tables.iter().find(|t| t.name == *name))
            .flat_map(|t| t.columns.iter())
            .filter(|c| {
                c.default.is_some() || c.identity.is_some() || c.sql_type.serial_base().is_some()
            })
            .map(|c| {
                format!(
                    "{}: {:?} {:?} {:?}",
                    c.name, c.sql_type, c.default, c.identity
                )
            })
            .collect();
        insta::assert_snapshot!(columns.join("\n"));
        let order = read.schema.table("shop", "order").expect("table");
        insta::assert_snapshot!(
            "order_expressions",
            format!(
                "checks: {:?}\ngenerated: {:?}\nindexes: {:#?}",
                order.checks,
                order
                    .column("double_total")
                    .and_then(|c| c.generated.clone()),
                order.indexes
            )
        );
    });
}

#[test]
fn unmanaged_objects_are_reported_and_left_out() {
    pg::block_on(async {
        let code = example_selfkit::schema();
        let db = pg::fresh_database().await;
        let client = db.client();
        apply(client, &code).await;
        let has_pgcrypto: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto')",
                &[],
            )
            .await
            .expect("pg_available_extensions")
            .get(0);
        client
            .batch_execute(
                r#"
                CREATE VIEW "active_user" AS SELECT * FROM "public"."user";
                CREATE MATERIALIZED VIEW "user_count" AS SELECT count(*) FROM "public"."user";
                CREATE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql
                    AS $$ BEGIN RETURN NEW; END $$;
                CREATE FUNCTION "add"(a integer, b integer) RETURNS integer
                    LANGUAGE sql AS 'SELECT a + b';
                CREATE TRIGGER "user_touch" BEFORE UPDATE ON "public"."user"
                    FOR EACH ROW EXECUTE FUNCTION "touch"();
                CREATE SEQUENCE "invoice_number";
                CREATE DOMAIN "positive" AS integer CHECK (VALUE > 0);
                CREATE TABLE "event" (at date NOT NULL) PARTITION BY RANGE (at);
                CREATE TABLE "event_2024" PARTITION OF "event"
                    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
                CREATE SCHEMA "legacy";
                CREATE TABLE "legacy"."old_user" (id integer PRIMARY KEY);
                CREATE TYPE "legacy"."old_state" AS ENUM ('a');
                "#,
            )
            .await
            .expect("creating unmanaged objects");
        if has_pgcrypto {
            client
                .batch_execute("CREATE EXTENSION pgcrypto")
                .await
                .expect("pgcrypto");
        }

        let options = IntrospectOptions::namespaces(["public"]);
        let read = read(client, &options).await;
        // The schema is exactly the code's: nothing unmanaged leaked in.
        assert_round_trip("selfkit with unmanaged objects", &code, &read.schema);

        let listed: Vec<(UnmanagedKind, String, String, Option<String>)> = read
            .unmanaged
            .iter()
            .map(|o| (o.kind, o.schema.clone(), o.name.clone(), o.table.clone()))
            .collect();
        let has = |kind: UnmanagedKind, schema: &str, name: &str| {
            listed
                .iter()
                .any(|(k, s, n, _)| *k == kind && s == schema && n == name)
        };
        for (kind, schema, name) in [
            (UnmanagedKind::View, "public", "active_user"),
            (UnmanagedKind::MaterializedView, "public", "user_count"),
            (UnmanagedKind::Function, "public", "touch()"),
            (
                UnmanagedKind::Function,
                "public",
                "add(a integer, b integer)",
            ),
            (UnmanagedKind::Sequence, "public", "invoice_number"),
            (UnmanagedKind::Domain, "public", "positive"),
            (UnmanagedKind::PartitionedTable, "public", "event"),
            (UnmanagedKind::Partition, "public", "event_2024"),
            (UnmanagedKind::Schema, "legacy", "legacy"),
            (UnmanagedKind::Table, "legacy", "old_user"),
            (UnmanagedKind::Enum, "legacy", "old_state"),
        ] {
            assert!(
                has(kind, schema, name),
                "{kind} {schema}.{name} missing from {listed:#?}"
            );
        }
        assert!(
            listed
                .iter()
                .any(|(k, _, n, t)| *k == UnmanagedKind::Trigger
                    && n == "user_touch"
                    && t.as_deref() == Some("user")),
            "trigger missing from {listed:#?}"
        );
        if has_pgcrypto {
            assert!(
                has(UnmanagedKind::Extension, "public", "pgcrypto"),
                "{listed:#?}"
            );
            // An extension's own functions are covered by the extension.
            assert!(
                !listed.iter().any(|(_, _, n, _)| n.starts_with("gen_salt(")),
                "{listed:#?}"
            );
        } else {
            eprintln!("pgcrypto is not available on this server: extension not checked");
        }
        // The serial sequences of the code schema are part of their columns.
        assert!(
            !listed
                .iter()
                .any(|(k, _, n, _)| *k == UnmanagedKind::Sequence && n != "invoice_number"),
            "{listed:#?}"
        );
        // Every line says what and where.
        let shown: Vec<String> = read.unmanaged.iter().map(ToString::to_string).collect();
        assert!(
            shown.contains(&r#"trigger "user_touch" on "public"."user""#.to_owned()),
            "{shown:#?}"
        );
    });
}

#[test]
fn the_namespace_filter_decides_what_is_managed() {
    pg::block_on(async {
        let code = every_feature();
        let db = pg::fresh_database().await;
        apply(db.client(), &code).await;

        let shop = read(db.client(), &IntrospectOptions::namespaces(["shop"])).await;
        let mut expected = code.clone();
        expected.tables.retain(|t| t.schema == "shop");
        expected.enums.retain(|e| e.schema == "shop");
        assert_round_trip("shop only", &expected, &shop.schema);
        // A managed column may still use a type of an unmanaged namespace.
        assert!(shop
            .schema
            .table("shop", "customer")
            .and_then(|t| t.column("mood"))
            .is_some_and(|c| matches!(&c.sql_type, schema_core::model::SqlType::Enum { schema, name } if schema == "public" && name == "mood")));
        let unmanaged: Vec<String> = shop.unmanaged.iter().map(ToString::to_string).collect();
        assert_eq!(
            unmanaged,
            [
                r#"schema "public""#,
                r#"table "public"."everything""#,
                r#"enum "public"."mood""#,
            ],
        );

        // A namespace that does not exist is simply absent.
        let none = read(db.client(), &IntrospectOptions::namespaces(["nowhere"])).await;
        assert_eq!(none.schema, Schema::default());
        let everything = read(db.client(), &IntrospectOptions::default()).await;
        assert_eq!(everything.queries, shop.queries);
    });
}

#[test]
fn the_query_count_does_not_grow_with_the_number_of_tables() {
    pg::block_on(async {
        let mut counts = Vec::new();
        for tables in [10, 1000] {
            let code = wide_schema::wide_schema(tables);
            let db = pg::fresh_database().await;
            apply(db.client(), &code).await;
            let read = read(db.client(), &IntrospectOptions::default()).await;
            assert_eq!(read.schema.tables.len(), tables);
            assert_round_trip(&format!("{tables} tables"), &code, &read.schema);
            counts.push(read.queries);
            db.drop_database().await;
        }
        assert_eq!(counts[0], counts[1], "queries for 10 vs 1,000 tables");
        assert!(counts[0] <= 20, "{} queries", counts[0]);
    });
}

#[test]
fn queries_for_older_servers_run() {
    // Only PostgreSQL 15 may run here: the queries written for 12 to 14
    // (without `indnullsnotdistinct`) must at least be valid on it.
    pg::block_on(async {
        let db = pg::fresh_database().await;
        let namespaces = vec!["public".to_owned()];
        for version in [120_000, 140_000, 150_000] {
            for (name, sql) in schema_core::pg::__catalog_queries(version) {
                let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = if sql.contains("$1")
                {
                    vec![&namespaces]
                } else {
                    vec![]
                };
                db.client()
                    .query(sql.as_str(), &params)
                    .await
                    .unwrap_or_else(|e| panic!("{name} for {version}: {e:?}"));
            }
        }
    });
}

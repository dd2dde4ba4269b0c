//! The runtime side of the macros against a real server: typed column
//! accessors, rows decoded into `#[table]` structs by position, `#[pg_enum]`
//! values bound and read through their labels, `Json<T>` through serde, and
//! a decode failure that names the column and both types.

use schema_core::pg::FromRow;
use schema_core::sql::ddl;
use schema_core::{Column, Json, PgEnum, SchemaBuilder, Table};
use schema_macros::{pg_enum, table};
use schema_tests::pg;
use serde::{Deserialize, Serialize};

#[pg_enum(name = "plan_interval")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    Month,
    #[value(name = "per year")]
    Year,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entitlements {
    pub seats: u32,
    pub sso: bool,
}

#[table(name = "plan")]
#[derive(Debug, PartialEq)]
pub struct Plan {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(unique)]
    pub slug: String,
    pub interval: Interval,
    pub intervals: Vec<Interval>,
    #[column(default_sql = "'{\"seats\": 1, \"sso\": false}'::jsonb")]
    pub entitlements: Json<Entitlements>,
    pub note: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

#[test]
fn accessors_are_typed_and_carry_their_column() {
    let slug: Column<Plan, String> = Plan::slug;
    assert_eq!(slug.name(), "slug");
    assert_eq!(slug.index(), 1);
    assert!(Plan::note.model().nullable);
    assert_eq!(Plan::NAME, "plan");
    assert_eq!(Plan::ENUMS.len(), 1);
    assert_eq!(Interval::ENUM.values.len(), 2);
    assert_eq!(Interval::from_label("per year"), Some(Interval::Year));
    assert_eq!(Interval::from_label("year"), None);
}

#[test]
fn rows_decode_into_structs_and_enums_round_trip() {
    pg::block_on(async {
        let db = pg::fresh_database().await;
        let client = db.client();
        let schema = SchemaBuilder::new().table::<Plan>().build();
        client
            .batch_execute(&ddl::create_schema_script(&schema))
            .await
            .expect("ddl");
        let created_at = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("date");
        let hostile = "it's -- \"quoted\"; DROP TABLE plan; \\ ünïcödé";
        client
            .execute(
                "INSERT INTO plan (slug, interval, intervals, entitlements, note, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &"pro",
                    &Interval::Year,
                    &vec![Interval::Month, Interval::Year],
                    &Json(Entitlements {
                        seats: 5,
                        sso: true,
                    }),
                    &hostile,
                    &created_at,
                ],
            )
            .await
            .expect("insert");
        client
            .execute(
                "INSERT INTO plan (slug, interval, intervals, note, created_at) VALUES ($1, $2, $3, NULL, $4)",
                &[&"free", &Interval::Month, &Vec::<Interval>::new(), &created_at],
            )
            .await
            .expect("insert with defaults");

        let rows = client
            .query(
                "SELECT id, slug, interval, intervals, entitlements, note, created_at FROM plan ORDER BY id",
                &[],
            )
            .await
            .expect("select");
        let plans: Vec<Plan> = rows
            .iter()
            .map(|row| Plan::from_row(row).expect("decodes"))
            .collect();
        assert_eq!(
            plans,
            vec![
                Plan {
                    id: 1,
                    slug: "pro".into(),
                    interval: Interval::Year,
                    intervals: vec![Interval::Month, Interval::Year],
                    entitlements: Json(Entitlements {
                        seats: 5,
                        sso: true
                    }),
                    note: Some(hostile.into()),
                    created_at,
                },
                Plan {
                    id: 2,
                    slug: "free".into(),
                    interval: Interval::Month,
                    intervals: vec![],
                    entitlements: Json(Entitlements {
                        seats: 1,
                        sso: false
                    }),
                    note: None,
                    created_at,
                },
            ]
        );

        // The label is what the server stores.
        let label: String = client
            .query_one("SELECT interval::text FROM plan WHERE id = 1", &[])
            .await
            .expect("label")
            .get(0);
        assert_eq!(label, "per year");

        // Decoding a row whose column has another type names the column.
        let row = client
            .query_one(
                "SELECT id, slug, interval, intervals, entitlements, 42 AS note, created_at FROM plan LIMIT 1",
                &[],
            )
            .await
            .expect("select");
        let error = Plan::from_row(&row).expect_err("note is an integer here");
        let message = error.to_string();
        assert!(message.contains("`note`"), "{message}");
        assert!(message.contains("`Option<String>`"), "{message}");
        assert!(message.contains("int4"), "{message}");
    });
}

/// Generated code reaches schema-core only through the crate path, which
/// `crate = "…"` overrides (as serde's does), e.g. for a re-export.
mod reexport {
    pub use schema_core as core_again;
}

#[pg_enum(crate = "crate::runtime::reexport::core_again")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Red,
}

#[table(crate = "crate::runtime::reexport::core_again")]
pub struct Renamed {
    #[column(primary_key)]
    pub id: i64,
    pub color: Color,
    #[column(references(Plan::id))]
    pub plan_id: i64,
}

#[test]
fn the_crate_path_can_be_overridden() {
    assert_eq!(Renamed::NAME, "renamed");
    assert_eq!(Renamed::ENUMS[0].name, "color");
    assert_eq!(Renamed::model().foreign_keys[0].references_table, "plan");
    assert_eq!(Color::Red.label(), "red");
}

/// A table wider than one decoding chunk (16 fields, one `decode_fields`
/// call each), with a raw identifier and field names that are also a
/// constant's and a static's in scope: the generated decoding must not
/// take those for patterns.
mod wide {
    use schema_macros::{table, FromRow};

    #[expect(non_upper_case_globals, dead_code)]
    const id: i64 = -1;
    #[expect(non_upper_case_globals, dead_code)]
    static label: &str = "a static";

    #[table(name = "wide")]
    #[derive(Debug, PartialEq)]
    pub struct Wide {
        #[column(primary_key)]
        pub id: i64,
        pub label: String,
        pub r#type: String,
        pub c03: i32,
        pub c04: i32,
        pub c05: i32,
        pub c06: i32,
        pub c07: i32,
        pub c08: i32,
        pub c09: i32,
        pub c10: i32,
        pub c11: i32,
        pub c12: i32,
        pub c13: i32,
        pub c14: i32,
        pub c15: i32,
        pub c16: Option<String>,
        pub c17: i32,
    }

    #[derive(FromRow, Debug, PartialEq)]
    pub struct WideRow {
        pub id: i64,
        pub label: String,
        pub r#type: String,
        pub c03: i32,
        pub c04: i32,
        pub c05: i32,
        pub c06: i32,
        pub c07: i32,
        pub c08: i32,
        pub c09: i32,
        pub c10: i32,
        pub c11: i32,
        pub c12: i32,
        pub c13: i32,
        pub c14: i32,
        pub c15: i32,
        pub c16: Option<String>,
        pub c17: i32,
    }
}

#[test]
fn rows_wider_than_a_decoding_chunk_decode_by_position() {
    use wide::{Wide, WideRow};

    pg::block_on(async {
        let db = pg::fresh_database().await;
        let client = db.client();
        let numbers: String = (3..=15).map(|i| format!(", {i} AS c{i:02}")).collect();
        let select = |c16: &str, c17: &str| {
            format!("SELECT 7::int8 AS id, 'l' AS label, 't' AS type{numbers}, {c16} AS c16{c17}")
        };
        let row = client
            .query_one(&select("'sixteen'", ", 17 AS c17"), &[])
            .await
            .expect("select");
        let wide = Wide::from_row(&row).expect("decodes");
        assert_eq!(Wide::WIDTH, 18);
        assert_eq!(
            (wide.id, &*wide.label, &*wide.r#type, wide.c03, wide.c15),
            (7, "l", "t", 3, 15)
        );
        assert_eq!((wide.c16.as_deref(), wide.c17), (Some("sixteen"), 17));
        let derived = WideRow::from_row(&row).expect("decodes");
        assert_eq!(
            (derived.r#type, derived.c16, derived.c17),
            ("t".into(), Some("sixteen".into()), 17)
        );

        // An error in the second chunk names its column, for both.
        let row = client
            .query_one(&select("NULL", ", 'x' AS c17"), &[])
            .await
            .expect("select");
        let message = Wide::from_row(&row).expect_err("c17 is text").to_string();
        assert!(
            message.starts_with("cannot decode column `c17` into `i32`"),
            "{message}"
        );
        let message = WideRow::from_row(&row)
            .expect_err("c17 is text")
            .to_string();
        assert!(
            message.starts_with("cannot decode column `c17` into `i32`"),
            "{message}"
        );

        // A row one column short: the missing column is named.
        let row = client
            .query_one(&select("NULL", ""), &[])
            .await
            .expect("select");
        let message = Wide::from_row(&row).expect_err("no c17").to_string();
        assert!(
            message.starts_with("cannot decode column `c17` into `i32`"),
            "{message}"
        );
    });
}

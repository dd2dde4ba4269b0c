//! The five seed schemas: their DDL is snapshot-tested, and applied to a
//! fresh database it lands exactly as declared (checked through the catalog:
//! every table, column, constraint under our computed name, and index).

use schema_core::model::Schema;
use schema_core::sql::ddl;
use schema_tests::pg;

fn examples() -> [(&'static str, Schema); 5] {
    [
        ("selfkit", example_selfkit::schema()),
        ("apexkit", example_apexkit::schema()),
        ("dbkeep", example_dbkeep::schema()),
        ("tskit", example_tskit::schema()),
        ("vitaes", example_vitaes::schema()),
    ]
}

#[test]
fn ddl_snapshots() {
    for (name, schema) in examples() {
        insta::assert_snapshot!(format!("ddl_{name}"), ddl::create_schema_script(&schema));
    }
}

#[test]
fn every_example_applies_and_lands_as_declared() {
    pg::block_on(async {
        for (name, schema) in examples() {
            let db = pg::fresh_database().await;
            eprintln!("checking {name} in {}", db.name());
            super::catalog::apply_and_check(db.client(), &schema).await;
        }
    });
}

#[test]
fn ddl_is_deterministic() {
    for (name, schema) in examples() {
        let mut reversed = schema.clone();
        reversed.tables.reverse();
        reversed.enums.reverse();
        assert_eq!(
            ddl::create_schema_script(&schema),
            ddl::create_schema_script(&reversed),
            "{name}"
        );
    }
}

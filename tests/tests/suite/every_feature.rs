//! The every-feature schema: its DDL is snapshot-tested, applies to a real
//! server and lands exactly as declared (checked through the catalog), and
//! the CLI's parser reads the same model as the macro produced.

#[path = "fixtures/every_feature.rs"]
mod fixture;

use fixture::*;
use schema_core::model::Schema;
use schema_core::sql::ddl;
use schema_core::{syntax, SchemaBuilder};
use schema_tests::pg;

fn macro_schema() -> Schema {
    SchemaBuilder::new()
        .table::<Customer>()
        .table::<Order>()
        .table::<Everything>()
        .build()
}

#[test]
fn ddl_snapshot() {
    insta::assert_snapshot!(ddl::create_schema_script(&macro_schema()));
}

#[test]
fn the_parser_reads_what_the_macro_built() {
    let parsed = syntax::parse_file(include_str!("fixtures/every_feature.rs")).expect("parses");
    let from_source = syntax::resolve(&[parsed]).expect("resolves");
    assert_eq!(from_source, macro_schema());
}

#[test]
fn snapshots_round_trip_byte_for_byte() {
    let json = macro_schema().to_snapshot_json();
    let back = Schema::from_snapshot_json(&json).expect("snapshot reads back");
    assert_eq!(back, macro_schema());
    assert_eq!(back.to_snapshot_json(), json);
}

#[test]
fn applies_and_lands_as_declared() {
    pg::block_on(async {
        let db = pg::fresh_database().await;
        super::catalog::apply_and_check(db.client(), &macro_schema()).await;
    });
}

//! The model back to Rust source (what `pull` writes): for every example
//! schema and the every-feature schema, the rendered source parses back
//! into exactly the same model.

use schema_core::model::Schema;
use schema_core::syntax;

fn without_hints(mut schema: Schema) -> Schema {
    for table in &mut schema.tables {
        table.renamed_from = None;
        for column in table.columns.to_mut() {
            column.renamed_from = None;
        }
    }
    for enum_type in &mut schema.enums {
        enum_type.renamed_from = None;
        enum_type.renamed_values = Vec::new().into();
    }
    schema
}

fn schemas() -> Vec<(&'static str, Schema)> {
    let every = syntax::resolve(&[
        syntax::parse_file(include_str!("fixtures/every_feature.rs"))
            .expect("every_feature parses"),
    ])
    .expect("every_feature resolves");
    vec![
        ("every_feature", every),
        ("selfkit", example_selfkit::schema()),
        ("apexkit", example_apexkit::schema()),
        ("dbkeep", example_dbkeep::schema()),
        ("tskit", example_tskit::schema()),
        ("vitaes", example_vitaes::schema()),
    ]
}

#[test]
fn rendered_rust_parses_back_to_the_same_model() {
    for (name, schema) in schemas() {
        let schema = without_hints(schema);
        let source = syntax::render_schema(&schema, "Generated for a test.");
        let parsed = syntax::parse_file(&source)
            .unwrap_or_else(|e| panic!("{name}: rendered source does not parse: {e}\n{source}"));
        let back = syntax::resolve(&[parsed]).unwrap_or_else(|e| {
            panic!("{name}: rendered source does not resolve: {e:?}\n{source}")
        });
        if back != schema {
            let ours = schema.to_snapshot_json();
            let theirs = back.to_snapshot_json();
            let first = ours
                .lines()
                .zip(theirs.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{name}: round trip differs near line {first}:\n  before: {}\n  after:  {}\n{source}",
                ours.lines().nth(first).unwrap_or_default(),
                theirs.lines().nth(first).unwrap_or_default()
            );
        }
    }
}

#[test]
fn rendered_rust_snapshot() {
    insta::assert_snapshot!(syntax::render_schema(
        &example_vitaes::schema(),
        "Vitaes, pulled."
    ));
}

//! The one synthetic schema generator, used by every benchmark and by the
//! introspection tests: a deterministic, seeded schema of any number of
//! tables, as a plain [`Schema`] model. The same value is rendered as
//! `#[table]` Rust source (`schema_core::syntax::render_schema`) and as a
//! Drizzle TypeScript schema ([`crate::drizzle`]), so every tool sees the
//! same tables.
//!
//! Each table has 8 to 12 columns of mixed types (bigint identity or
//! bigserial key, varchar, a shared enum with a default, numeric, timestamptz,
//! jsonb, text[], boolean, integer, smallint, double precision, uuid, date,
//! text, timestamp), a primary key, one or two foreign keys to earlier tables
//! (every tenth table lives in a second namespace, so some keys cross
//! namespaces), one or two indexes (btree descending, expression, partial or
//! gin), a unique constraint (some `NULLS NOT DISTINCT`) and a check. Five
//! enums are shared by all tables. Every constraint and index is named
//! explicitly, so the model is exactly what the catalog will hold.
//!
//! Table `i` depends only on `i` and [`SEED`]: the schema of N tables is the
//! first N tables of any larger one.

use std::borrow::Cow;

use schema_core::model::{
    Check, Column, DefaultValue, Enum, ForeignKey, Identity, Index, IndexKey, IndexTarget, Literal,
    PrimaryKey, ReferentialAction, Schema, SqlType, Table, Unique,
};

/// The second namespace every tenth table lives in.
pub const OTHER_NAMESPACE: &str = "wide_b";

/// The seed of every random choice (column count and kinds, second foreign
/// key targets).
pub const SEED: u64 = 0x5eed_0006;

const ENUMS: usize = 5;

fn s(text: impl Into<String>) -> Cow<'static, str> {
    Cow::Owned(text.into())
}

/// splitmix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn for_table(i: usize) -> Self {
        let mut rng = Rng(SEED ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn column(name: &str, sql_type: SqlType, nullable: bool) -> Column {
    Column {
        name: s(name),
        sql_type,
        array_dims: 0,
        nullable,
        default: None,
        identity: None,
        generated: None,
        renamed_from: None,
    }
}

fn with_default(mut column: Column, default: DefaultValue) -> Column {
    column.default = Some(default);
    column
}

fn key(name: &str) -> IndexKey {
    IndexKey {
        target: IndexTarget::Column(s(name)),
        opclass: None,
        descending: false,
        nulls: None,
    }
}

fn index(name: String, keys: Vec<IndexKey>) -> Index {
    Index {
        name: s(name),
        unique: false,
        method: s("btree"),
        keys: Cow::Owned(keys),
        nulls_not_distinct: false,
        predicate: None,
    }
}

fn namespace_of(i: usize) -> &'static str {
    if i % 10 == 9 {
        OTHER_NAMESPACE
    } else {
        "public"
    }
}

fn table_name(i: usize) -> String {
    format!("t{i:04}")
}

/// The columns a table may add to reach its column count, in a fixed order
/// the table's random offset rotates.
fn extra_column(kind: usize) -> Column {
    let number = |n: &str| DefaultValue::Literal(Literal::Number(s(n)));
    match kind {
        0 => column("email", SqlType::Text, true),
        1 => with_default(
            column("is_active", SqlType::Boolean, false),
            DefaultValue::Literal(Literal::Bool(true)),
        ),
        2 => with_default(column("score", SqlType::Integer, false), number("0")),
        3 => column("ratio", SqlType::DoublePrecision, true),
        4 => with_default(
            column("external_id", SqlType::Uuid, false),
            DefaultValue::Sql(s("gen_random_uuid()")),
        ),
        5 => column("birth_date", SqlType::Date, true),
        6 => with_default(column("counter", SqlType::SmallInt, false), number("0")),
        7 => column("note", SqlType::Text, true),
        _ => column(
            "updated_at",
            SqlType::Timestamp {
                precision: None,
                with_time_zone: false,
            },
            true,
        ),
    }
}

const EXTRA_KINDS: usize = 9;

fn foreign_key(
    table: &str,
    column: &str,
    target: usize,
    on_delete: ReferentialAction,
) -> ForeignKey {
    ForeignKey {
        name: s(format!("{table}_{column}_fkey")),
        columns: Cow::Owned(vec![s(column)]),
        references_schema: s(namespace_of(target)),
        references_table: s(table_name(target)),
        references_columns: Cow::Owned(vec![s("id")]),
        on_delete,
        on_update: ReferentialAction::NoAction,
    }
}

fn synthetic_table(i: usize) -> Table {
    let mut rng = Rng::for_table(i);
    let name = table_name(i);
    let mut columns = Vec::new();
    let mut id = column("id", SqlType::BigInt, false);
    if i % 2 == 0 {
        id.identity = Some(Identity {
            always: i % 4 == 0,
            start: (i % 8 == 0).then_some(1000),
            ..Identity::default()
        });
    } else {
        id.sql_type = SqlType::BigSerial;
    }
    columns.push(id);
    columns.push(column(
        "name",
        SqlType::Varchar {
            length: Some(64 + (i % 50) as u32),
        },
        false,
    ));
    columns.push(with_default(
        column(
            "status",
            SqlType::Enum {
                schema: s("public"),
                name: s(format!("wide_status_{}", i % ENUMS)),
            },
            false,
        ),
        DefaultValue::Literal(Literal::String(s("state 0"))),
    ));
    columns.push(with_default(
        column(
            "amount",
            SqlType::Numeric {
                precision: Some(12),
                scale: Some(2),
            },
            true,
        ),
        DefaultValue::Literal(Literal::Number(s("0"))),
    ));
    columns.push(with_default(
        column(
            "created_at",
            SqlType::Timestamp {
                precision: None,
                with_time_zone: true,
            },
            false,
        ),
        DefaultValue::Sql(s("now()")),
    ));
    columns.push(with_default(
        column("data", SqlType::Jsonb, true),
        DefaultValue::Literal(Literal::String(s("{}"))),
    ));
    let with_tags = i % 4 == 1;
    if with_tags {
        let mut tags = column("tags", SqlType::Text, false);
        tags.array_dims = 1;
        tags.default = Some(DefaultValue::Literal(Literal::String(s("{}"))));
        columns.push(tags);
    }

    // One foreign key to the previous table; half the tables past the
    // second have another to a table further back, picked at random.
    let mut foreign_keys = Vec::new();
    if i > 0 {
        columns.push(column("parent_id", SqlType::BigInt, true));
        let on_delete = if i % 2 == 0 {
            ReferentialAction::Cascade
        } else {
            ReferentialAction::SetNull
        };
        foreign_keys.push(foreign_key(&name, "parent_id", i - 1, on_delete));
    }
    if i > 1 && rng.below(2) == 0 {
        let target = rng.below(i - 1);
        columns.push(column("owner_id", SqlType::BigInt, true));
        foreign_keys.push(foreign_key(
            &name,
            "owner_id",
            target,
            ReferentialAction::Restrict,
        ));
    }

    // 8 to 12 columns in all.
    let wanted = 8 + rng.below(5);
    let offset = rng.below(EXTRA_KINDS);
    let extras = wanted.saturating_sub(columns.len()).min(EXTRA_KINDS);
    columns.extend((0..extras).map(|k| extra_column((offset + k) % EXTRA_KINDS)));

    // A descending btree index, and for most tables a second one: gin on
    // the array, a partial index, or an expression index.
    let mut indexes = vec![index(
        format!("{name}_created_at_idx"),
        vec![IndexKey {
            descending: true,
            ..key("created_at")
        }],
    )];
    if with_tags {
        indexes.push(Index {
            method: s("gin"),
            ..index(format!("{name}_tags_idx"), vec![key("tags")])
        });
    } else if i % 5 == 0 {
        indexes.push(Index {
            predicate: Some(s("status <> 'state 1'")),
            ..index(
                format!("{name}_status_idx"),
                vec![key("status"), key("amount")],
            )
        });
    } else if i % 2 == 0 {
        indexes.push(index(
            format!("{name}_lower_name_idx"),
            vec![IndexKey {
                target: IndexTarget::Expression(s("lower(name)")),
                ..key("")
            }],
        ));
    }

    Table {
        schema: s(namespace_of(i)),
        name: s(name.clone()),
        columns: Cow::Owned(columns),
        primary_key: Some(PrimaryKey {
            name: s(format!("{name}_pkey")),
            columns: Cow::Owned(vec![s("id")]),
        }),
        uniques: Cow::Owned(vec![Unique {
            name: s(format!("{name}_name_key")),
            columns: Cow::Owned(vec![s("name")]),
            nulls_not_distinct: i % 3 == 0,
        }]),
        foreign_keys: Cow::Owned(foreign_keys),
        checks: Cow::Owned(vec![Check {
            name: s(format!("{name}_amount_check")),
            expression: s("amount >= 0"),
        }]),
        indexes: Cow::Owned(indexes),
        renamed_from: None,
    }
}

/// A schema of `tables` tables (and five enums), in canonical form.
pub fn wide_schema(tables: usize) -> Schema {
    let enums: Vec<Enum> = (0..ENUMS)
        .map(|e| Enum {
            schema: s("public"),
            name: s(format!("wide_status_{e}")),
            values: (0..3 + e).map(|v| s(format!("state {v}"))).collect(),
            renamed_from: None,
            renamed_values: Cow::Borrowed(&[]),
        })
        .collect();
    let tables = (0..tables).map(synthetic_table).collect::<Vec<_>>();
    let mut namespaces = Vec::new();
    if tables.iter().any(|t| t.schema == OTHER_NAMESPACE) {
        namespaces.push(OTHER_NAMESPACE.to_owned());
    }
    let mut schema = Schema {
        namespaces,
        enums,
        tables,
    };
    schema.normalize();
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_the_promised_shape() {
        let schema = wide_schema(300);
        assert_eq!(schema.tables.len(), 300);
        for table in schema.tables.iter() {
            let columns = table.columns.len();
            assert!((8..=12).contains(&columns), "{}: {columns}", table.name);
            assert!((1..=2).contains(&table.indexes.len()), "{}", table.name);
            assert!(table.foreign_keys.len() <= 2, "{}", table.name);
            assert_eq!(table.uniques.len(), 1);
        }
        let two_keys = schema
            .tables
            .iter()
            .filter(|t| t.foreign_keys.len() == 2)
            .count();
        assert!(two_keys > 100, "{two_keys} tables with two foreign keys");
    }

    #[test]
    fn smaller_schemas_are_prefixes_of_larger_ones() {
        let small = wide_schema(40);
        let large = wide_schema(400);
        for table in small.tables.iter() {
            let same = large
                .tables
                .iter()
                .find(|t| t.name == table.name)
                .expect("in the larger schema");
            assert_eq!(same, table);
        }
    }
}

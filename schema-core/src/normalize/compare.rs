//! Comparing two schemas by meaning: [`Schema::equivalent`] and
//! [`Schema::differences`]. Everything is compared exactly — names, types,
//! nullability, keys, foreign keys, indexes, enum labels and their order —
//! except what has more than one spelling:
//! - SQL expressions (checks, generated columns, index expressions and
//!   predicates, [`DefaultValue::Sql`] defaults) through
//!   [`expressions_equivalent`](super::expressions_equivalent);
//! - defaults and identities through the shared normaliser, so a model that
//!   was not built by the parser or by introspection compares fairly too;
//! - typmods PostgreSQL fills in: `char` is `char(1)`, `numeric(p)` is
//!   `numeric(p, 0)`; [`SqlType::Other`] names modulo case and spaces;
//! - index key `NULLS FIRST`/`LAST` equal to the default for the direction;
//!   index methods and opclasses modulo case and a `pg_catalog.` prefix.
//!
//! Code-only hints (`renamed_from`) are ignored. Constraints and indexes are
//! paired by name; columns by position.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{
    Check, Column, DefaultValue, ForeignKey, Index, IndexKey, IndexTarget, NullsOrder, Schema,
    SqlType, Table, Unique,
};
use crate::types::type_sql;

use super::{default_value, expressions_equivalent, identity};

/// One way two schemas differ: where, and what each side has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The object, e.g. `table "public"."user" column "email"`.
    pub path: String,
    /// What the left schema (`self`) has there.
    pub left: String,
    /// What the right schema has there.
    pub right: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ≠ {}", self.path, self.left, self.right)
    }
}

impl Schema {
    /// Whether the two schemas mean the same database (see
    /// [`Schema::differences`]).
    pub fn equivalent(&self, other: &Schema) -> bool {
        self.differences(other).is_empty()
    }

    /// Every difference between the two schemas, in a stable order, with
    /// equivalent spellings (SQL expressions, defaults, typmod defaults)
    /// counted as equal.
    pub fn differences(&self, other: &Schema) -> Vec<Difference> {
        let mut out = Diffs::default();
        let (mut left, mut right) = (self.clone(), other.clone());
        left.normalize();
        right.normalize();
        out.eq("namespaces", &left.namespaces, &right.namespaces);

        let enums = |s: &Schema| {
            s.enums
                .iter()
                .map(|e| {
                    (
                        format!("enum {}", qualified(&e.schema, &e.name)),
                        e.values.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    )
                })
                .collect::<BTreeMap<_, _>>()
        };
        out.pair_up(enums(&left), enums(&right), |out, path, a, b| {
            out.eq(path, a, b)
        });

        let tables = |s: &Schema| {
            s.tables
                .iter()
                .map(|t| {
                    (
                        format!("table {}", qualified(&t.schema, &t.name)),
                        t.clone(),
                    )
                })
                .collect::<BTreeMap<_, _>>()
        };
        out.pair_up(tables(&left), tables(&right), compare_table);
        out.0
    }
}

#[derive(Default)]
struct Diffs(Vec<Difference>);

impl Diffs {
    fn push(&mut self, path: &str, left: impl fmt::Display, right: impl fmt::Display) {
        self.0.push(Difference {
            path: path.to_owned(),
            left: left.to_string(),
            right: right.to_string(),
        });
    }

    fn eq<T: PartialEq + fmt::Debug>(&mut self, path: &str, left: &T, right: &T) {
        if left != right {
            self.push(path, format!("{left:?}"), format!("{right:?}"));
        }
    }

    /// Pairs objects by key; reports the unpaired and compares the pairs.
    fn pair_up<T>(
        &mut self,
        left: BTreeMap<String, T>,
        mut right: BTreeMap<String, T>,
        compare: impl Fn(&mut Diffs, &str, &T, &T),
    ) {
        for (key, a) in left {
            match right.remove(&key) {
                Some(b) => compare(self, &key, &a, &b),
                None => self.push(&key, "present", "absent"),
            }
        }
        for key in right.into_keys() {
            self.push(&key, "absent", "present");
        }
    }
}

fn qualified(schema: &str, name: &str) -> String {
    format!(
        "{}.{}",
        crate::sql::quote_ident(schema),
        crate::sql::quote_ident(name)
    )
}

fn compare_table(out: &mut Diffs, path: &str, left: &Table, right: &Table) {
    let names = |t: &Table| {
        t.columns
            .iter()
            .map(|c| c.name.to_string())
            .collect::<Vec<_>>()
    };
    if names(left) != names(right) {
        out.push(
            &format!("{path} columns"),
            names(left).join(", "),
            names(right).join(", "),
        );
    } else {
        for (a, b) in left.columns.iter().zip(right.columns.iter()) {
            compare_column(out, &format!("{path} column {:?}", &*a.name), a, b);
        }
    }
    out.eq(
        &format!("{path} primary key"),
        &left.primary_key,
        &right.primary_key,
    );

    let by_name = |items: &[Unique]| {
        items
            .iter()
            .map(|u| (format!("{path} unique {:?}", &*u.name), u.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    out.pair_up(
        by_name(&left.uniques),
        by_name(&right.uniques),
        |out, p, a, b| out.eq(p, a, b),
    );

    let by_name = |items: &[ForeignKey]| {
        items
            .iter()
            .map(|f| (format!("{path} foreign key {:?}", &*f.name), f.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    out.pair_up(
        by_name(&left.foreign_keys),
        by_name(&right.foreign_keys),
        |out, p, a, b| out.eq(p, a, b),
    );

    let by_name = |items: &[Check]| {
        items
            .iter()
            .map(|c| (format!("{path} check {:?}", &*c.name), c.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    out.pair_up(
        by_name(&left.checks),
        by_name(&right.checks),
        |out, p, a, b| {
            if !expressions_equivalent(&a.expression, &b.expression) {
                out.push(p, &a.expression, &b.expression);
            }
        },
    );

    let by_name = |items: &[Index]| {
        items
            .iter()
            .map(|i| (format!("{path} index {:?}", &*i.name), i.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    out.pair_up(
        by_name(&left.indexes),
        by_name(&right.indexes),
        compare_index,
    );
}

fn compare_column(out: &mut Diffs, path: &str, left: &Column, right: &Column) {
    let (lt, rt) = (
        comparable_type(&left.sql_type),
        comparable_type(&right.sql_type),
    );
    if lt != rt || left.array_dims != right.array_dims {
        out.push(
            &format!("{path} type"),
            type_sql(&left.sql_type, left.array_dims),
            type_sql(&right.sql_type, right.array_dims),
        );
    }
    out.eq(&format!("{path} nullable"), &left.nullable, &right.nullable);

    let default = |c: &Column| {
        c.default
            .clone()
            .and_then(|d| default_value(d, &c.sql_type, c.array_dims))
    };
    match (default(left), default(right)) {
        (Some(DefaultValue::Sql(a)), Some(DefaultValue::Sql(b))) => {
            if !expressions_equivalent(&a, &b) {
                out.push(&format!("{path} default"), a, b);
            }
        }
        (a, b) => out.eq(&format!("{path} default"), &a, &b),
    }

    let ident = |c: &Column| c.identity.clone().map(|i| identity(i, &c.sql_type));
    out.eq(&format!("{path} identity"), &ident(left), &ident(right));

    match (&left.generated, &right.generated) {
        (Some(a), Some(b)) if expressions_equivalent(a, b) => {}
        (None, None) => {}
        (a, b) => out.push(
            &format!("{path} generated"),
            a.as_deref().unwrap_or("none"),
            b.as_deref().unwrap_or("none"),
        ),
    }
}

impl Schema {
    /// This schema (read from a database) with every spelling that means the
    /// same as `code`'s replaced by `code`'s spelling: SQL expressions of
    /// checks, generated columns, defaults, index keys and predicates; types
    /// with typmods PostgreSQL fills in; index methods and key options. What
    /// differs in meaning is left alone, so the diff engine, which compares
    /// text, then sees exactly the real changes (what `push` needs).
    pub fn aligned_to(&self, code: &Schema) -> Schema {
        let mut aligned = self.clone();
        for table in &mut aligned.tables {
            let Some(theirs) = code.table(&table.schema, &table.name) else {
                continue;
            };
            for column in table.columns.to_mut() {
                let Some(their_column) = theirs.column(&column.name) else {
                    continue;
                };
                if comparable_type(&column.sql_type) == comparable_type(&their_column.sql_type) {
                    column.sql_type = their_column.sql_type.clone();
                }
                if let (Some(DefaultValue::Sql(a)), Some(DefaultValue::Sql(b))) =
                    (&column.default, &their_column.default)
                {
                    if expressions_equivalent(a, b) {
                        column.default = their_column.default.clone();
                    }
                }
                if let (Some(a), Some(b)) = (&column.generated, &their_column.generated) {
                    if expressions_equivalent(a, b) {
                        column.generated = their_column.generated.clone();
                    }
                }
            }
            for check in table.checks.to_mut() {
                let same = theirs.checks.iter().find(|c| {
                    c.name == check.name && expressions_equivalent(&c.expression, &check.expression)
                });
                if let Some(same) = same {
                    check.expression = same.expression.clone();
                }
            }
            for index in table.indexes.to_mut() {
                let Some(same) = theirs.indexes.iter().find(|i| i.name == index.name) else {
                    continue;
                };
                if index.method.eq_ignore_ascii_case(&same.method) {
                    index.method = same.method.clone();
                }
                if let (Some(a), Some(b)) = (&index.predicate, &same.predicate) {
                    if expressions_equivalent(a, b) {
                        index.predicate = same.predicate.clone();
                    }
                }
                if index.keys.len() == same.keys.len() {
                    let keys = index.keys.to_mut();
                    for (key, their_key) in keys.iter_mut().zip(same.keys.iter()) {
                        if keys_equivalent(key, their_key) {
                            *key = their_key.clone();
                        }
                    }
                }
            }
        }
        aligned
    }
}

/// The type with the typmods PostgreSQL fills in made explicit.
fn comparable_type(ty: &SqlType) -> SqlType {
    match ty {
        SqlType::Char { length: None } => SqlType::Char { length: Some(1) },
        SqlType::Numeric {
            precision: Some(p),
            scale: None,
        } => SqlType::Numeric {
            precision: Some(*p),
            scale: Some(0),
        },
        SqlType::Other { name } => SqlType::Other {
            name: name
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase()
                .into(),
        },
        other => other.clone(),
    }
}

fn compare_index(out: &mut Diffs, path: &str, left: &Index, right: &Index) {
    out.eq(&format!("{path} unique"), &left.unique, &right.unique);
    if !left.method.eq_ignore_ascii_case(&right.method) {
        out.push(&format!("{path} method"), &left.method, &right.method);
    }
    out.eq(
        &format!("{path} nulls not distinct"),
        &left.nulls_not_distinct,
        &right.nulls_not_distinct,
    );
    match (&left.predicate, &right.predicate) {
        (Some(a), Some(b)) if expressions_equivalent(a, b) => {}
        (None, None) => {}
        (a, b) => out.push(
            &format!("{path} predicate"),
            a.as_deref().unwrap_or("none"),
            b.as_deref().unwrap_or("none"),
        ),
    }
    if left.keys.len() != right.keys.len() {
        out.push(
            &format!("{path} keys"),
            format!("{} keys", left.keys.len()),
            format!("{} keys", right.keys.len()),
        );
        return;
    }
    for (i, (a, b)) in left.keys.iter().zip(right.keys.iter()).enumerate() {
        if !keys_equivalent(a, b) {
            out.push(
                &format!("{path} key {}", i + 1),
                format!("{a:?}"),
                format!("{b:?}"),
            );
        }
    }
}

fn keys_equivalent(a: &IndexKey, b: &IndexKey) -> bool {
    let target = match (&a.target, &b.target) {
        (IndexTarget::Column(x), IndexTarget::Column(y)) => x == y,
        (IndexTarget::Expression(x), IndexTarget::Expression(y)) => expressions_equivalent(x, y),
        _ => false,
    };
    let opclass = |k: &IndexKey| {
        k.opclass.as_ref().map(|o| {
            let lower = o.to_ascii_lowercase();
            lower
                .strip_prefix("pg_catalog.")
                .map_or(lower.clone(), str::to_owned)
        })
    };
    // Without an explicit order, NULLS LAST goes with ASC and FIRST with DESC.
    let nulls = |k: &IndexKey| {
        let default = if k.descending {
            NullsOrder::First
        } else {
            NullsOrder::Last
        };
        k.nulls.filter(|n| *n != default)
    };
    target && opclass(a) == opclass(b) && a.descending == b.descending && nulls(a) == nulls(b)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::model::{Literal, PrimaryKey};

    fn table() -> Table {
        Table {
            schema: "public".into(),
            name: "t".into(),
            columns: Cow::Owned(vec![Column {
                name: "a".into(),
                sql_type: SqlType::Integer,
                array_dims: 0,
                nullable: false,
                default: Some(DefaultValue::Literal(Literal::Number("-1".into()))),
                identity: None,
                generated: None,
                renamed_from: None,
            }]),
            primary_key: Some(PrimaryKey {
                name: "t_pkey".into(),
                columns: Cow::Owned(vec!["a".into()]),
            }),
            uniques: Cow::Borrowed(&[]),
            foreign_keys: Cow::Borrowed(&[]),
            checks: Cow::Owned(vec![Check {
                name: "t_a_check".into(),
                expression: "a BETWEEN 0 AND 10".into(),
            }]),
            indexes: Cow::Borrowed(&[]),
            renamed_from: None,
        }
    }

    fn schema(table: Table) -> Schema {
        Schema {
            namespaces: Vec::new(),
            enums: Vec::new(),
            tables: vec![table],
        }
    }

    #[test]
    fn spellings_of_one_meaning_are_equivalent() {
        let code = schema(table());
        let mut server = table();
        server.checks.to_mut()[0].expression = "a >= 0 AND a <= 10".into();
        server.columns.to_mut()[0].default = Some(DefaultValue::Sql("'-1'::integer".into()));
        server.renamed_from = Some("old".into());
        assert_eq!(code.differences(&schema(server)), Vec::new());
    }

    #[test]
    fn real_changes_are_reported() {
        let code = schema(table());
        let mut server = table();
        server.checks.to_mut()[0].expression = "a >= 0 AND a <= 11".into();
        server.columns.to_mut()[0].nullable = true;
        let differences = code.differences(&schema(server));
        let paths: Vec<&str> = differences.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                r#"table "public"."t" column "a" nullable"#,
                r#"table "public"."t" check "t_a_check""#
            ]
        );
        assert!(!code.equivalent(&Schema::default()));
    }
}

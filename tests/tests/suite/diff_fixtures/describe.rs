//! A database's user objects described as sorted lines of text, from
//! `pg_catalog` and the server's own deparsers (`pg_get_constraintdef`,
//! `pg_get_indexdef`, `pg_get_expr`), so that two databases compare equal
//! exactly when a fresh create and a migration left the same objects:
//! namespaces, enum labels in order, relations of every kind (leftover
//! sequences and types included), columns with type, array dimensions,
//! nullability, default, identity and generation, constraints, indexes, and
//! sequences with their type, options and owning column.
//!
//! Column order is left out (a migration appends columns; it cannot reorder
//! them), and so is anything that depends on the data (sequence positions).

use tokio_postgres::Client;

/// Namespaces that are the server's own.
const USER_NAMESPACES: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

/// Every user object of the database, one sorted line each.
pub async fn describe(client: &Client) -> Vec<String> {
    let queries = [
        format!("SELECT 'namespace ' || n.nspname FROM pg_namespace n WHERE {USER_NAMESPACES}"),
        format!(
            "SELECT 'enum ' || n.nspname || '.' || t.typname || ' ('
                    || string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) || ')'
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             JOIN pg_enum e ON e.enumtypid = t.oid
             WHERE {USER_NAMESPACES} GROUP BY n.nspname, t.typname"
        ),
        format!(
            "SELECT 'type ' || n.nspname || '.' || t.typname || ' kind ' || t.typtype::text
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE {USER_NAMESPACES} AND t.typtype NOT IN ('b', 'c', 'e', 'p')"
        ),
        format!(
            "SELECT 'relation ' || n.nspname || '.' || c.relname || ' kind ' || c.relkind::text
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE {USER_NAMESPACES} AND c.relkind <> 't'"
        ),
        format!(
            "SELECT 'column ' || n.nspname || '.' || c.relname || '.' || quote_ident(a.attname)
                    || ' ' || format_type(a.atttypid, a.atttypmod)
                    || ' dims ' || a.attndims
                    || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                    || CASE a.attidentity WHEN 'a' THEN ' identity always'
                                          WHEN 'd' THEN ' identity by default' ELSE '' END
                    || CASE WHEN a.attgenerated = 's' THEN ' generated ' ELSE '' END
                    || COALESCE(CASE WHEN a.attgenerated = 's' THEN '' ELSE ' default ' END
                                || pg_get_expr(d.adbin, d.adrelid), '')
             FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE {USER_NAMESPACES} AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
        ),
        format!(
            "SELECT 'constraint ' || n.nspname || '.' || c.relname || ' ' || quote_ident(k.conname)
                    || ' ' || pg_get_constraintdef(k.oid)
             FROM pg_constraint k
             JOIN pg_class c ON c.oid = k.conrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE {USER_NAMESPACES}"
        ),
        format!(
            "SELECT 'index ' || pg_get_indexdef(i.indexrelid)
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE {USER_NAMESPACES}"
        ),
        format!(
            "SELECT 'sequence ' || n.nspname || '.' || c.relname
                    || ' as ' || format_type(s.seqtypid, NULL)
                    || ' start ' || s.seqstart || ' increment ' || s.seqincrement
                    || ' min ' || s.seqmin || ' max ' || s.seqmax || ' cache ' || s.seqcache
                    || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END
                    || COALESCE((SELECT ' owned by ' || oc.relname || '.' || quote_ident(oa.attname)
                                        || ' (' || dep.deptype::text || ')'
                                 FROM pg_depend dep
                                 JOIN pg_class oc ON oc.oid = dep.refobjid
                                 JOIN pg_attribute oa ON oa.attrelid = dep.refobjid
                                      AND oa.attnum = dep.refobjsubid
                                 WHERE dep.classid = 'pg_class'::regclass
                                   AND dep.objid = c.oid
                                   AND dep.refclassid = 'pg_class'::regclass
                                   AND dep.deptype IN ('a', 'i')), '')
             FROM pg_sequence s
             JOIN pg_class c ON c.oid = s.seqrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE {USER_NAMESPACES}"
        ),
    ];
    let mut lines = Vec::new();
    for query in &queries {
        let rows = client
            .query(query.as_str(), &[])
            .await
            .unwrap_or_else(|e| panic!("describing the database: {e:?}\n{query}"));
        lines.extend(rows.iter().map(|row| row.get::<_, String>(0)));
    }
    lines.sort();
    lines
}

/// The lines only in `left` and only in `right`, for a readable failure.
pub fn difference(left: &[String], right: &[String]) -> String {
    let only = |a: &[String], b: &[String]| {
        a.iter()
            .filter(|line| !b.contains(line))
            .map(|line| format!("  - {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "  only after migrating:\n{}\n  only in a fresh create:\n{}",
        only(left, right),
        only(right, left)
    )
}

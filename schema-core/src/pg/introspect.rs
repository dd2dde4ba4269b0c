//! Reading a live database back into the schema model.
//!
//! Contract: [`introspect`] reads `pg_catalog` only (never
//! `information_schema`) in a constant number of queries whatever the number
//! of tables — today seven: the server version with the namespace list, then
//! enums, tables with their columns, constraints, indexes, non-default
//! operator classes and unmanaged objects, those six pipelined on the one
//! connection. Key columns travel as attribute numbers and are named in
//! Rust, which is cheaper than a correlated subquery per constraint. Every query goes
//! through one counting executor, so [`Introspection::queries`] is exact.
//! Namespaces are bound as a `text[]` parameter; no name is ever spliced
//! into SQL text.
//!
//! The result is in the model's canonical form, the one the `#[table]`
//! parser produces, so that introspecting what the DDL of a code schema
//! created gives back that schema: types through [`SqlType::parse`] of
//! `format_type` (array dimensions from `attndims`, at least 1 for an array
//! type); a column whose default is `nextval` of a sequence it owns, with
//! that sequence's default options, is `serial` / `bigserial` /
//! `smallserial` with no default; identity options and defaults through
//! [`crate::normalize`]. SQL expressions (checks, generated columns, index
//! expressions and predicates, expression defaults) are kept as the server
//! prints them (`pg_get_expr(…, true)`); compare them with
//! [`crate::normalize::expressions_equivalent`] or compare whole schemas with
//! [`Schema::equivalent`]. Constraint and index names are the catalog's.
//!
//! Objects the model does not describe — views, materialized views,
//! functions, procedures, triggers, rules, policies, extensions, domains and
//! other types, sequences no column owns as a serial, partitioned tables and
//! partitions, exclusion constraints, and everything in namespaces that are
//! not managed — are listed in [`Introspection::unmanaged`] and never appear
//! in the schema. Objects that belong to an extension are covered by the
//! extension's entry. Not modelled and silently left out: column collations,
//! `INCLUDE` columns and storage parameters of indexes, deferrability and
//! `MATCH` type of foreign keys.
//!
//! The queries are separate statements: when DDL may run concurrently, call
//! this inside a `REPEATABLE READ` transaction for one consistent picture.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use postgres_types::{FromSql, ToSql, Type};
use tokio_postgres::{Client, Row};

use crate::model::{
    Check, Column, Enum, ForeignKey, Identity, Index, IndexKey, IndexTarget, List, NullsOrder,
    PrimaryKey, ReferentialAction, Schema, SqlType, Str, Table, Unique, DEFAULT_SCHEMA,
};
use crate::normalize;

/// What to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntrospectOptions {
    /// The managed namespaces. `None` manages every namespace except the
    /// system ones (`pg_catalog`, `information_schema`, `pg_toast*`,
    /// `pg_temp*`). Namespaces listed here that do not exist are ignored.
    pub namespaces: Option<Vec<String>>,
}

impl IntrospectOptions {
    /// Manages exactly these namespaces.
    pub fn namespaces<S: Into<String>>(namespaces: impl IntoIterator<Item = S>) -> Self {
        IntrospectOptions {
            namespaces: Some(namespaces.into_iter().map(Into::into).collect()),
        }
    }
}

/// A database read into the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Introspection {
    /// The managed namespaces (every one that exists, empty or not,
    /// `public` aside as always), their enums and tables, normalized.
    pub schema: Schema,
    /// Objects present in the database that the model does not manage,
    /// sorted by kind, namespace and name.
    pub unmanaged: Vec<UnmanagedObject>,
    /// How many SQL statements introspection sent.
    pub queries: usize,
    /// The server's `server_version_num`, e.g. `150004`.
    pub server_version_num: u32,
}

/// An object that exists in the database but is not part of the model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnmanagedObject {
    /// What it is.
    pub kind: UnmanagedKind,
    /// Its namespace (for a schema: its own name).
    pub schema: String,
    /// Its name; functions carry their argument types, `f(integer, text)`.
    pub name: String,
    /// For triggers, rules, policies and constraints: the table they are on.
    pub table: Option<String>,
}

impl fmt::Display for UnmanagedObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::sql::quote_ident;
        match (&self.kind, &self.table) {
            (UnmanagedKind::Schema, _) => write!(f, "schema {}", quote_ident(&self.name)),
            (kind, Some(table)) => write!(
                f,
                "{kind} {} on {}.{}",
                quote_ident(&self.name),
                quote_ident(&self.schema),
                quote_ident(table)
            ),
            (kind, None) if self.name.ends_with(')') => {
                write!(f, "{kind} {}.{}", quote_ident(&self.schema), self.name)
            }
            (kind, None) => write!(
                f,
                "{kind} {}.{}",
                quote_ident(&self.schema),
                quote_ident(&self.name)
            ),
        }
    }
}

/// The kinds of [`UnmanagedObject`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnmanagedKind {
    /// A namespace that is not managed.
    Schema,
    /// A table in a namespace that is not managed.
    Table,
    /// A partitioned table.
    PartitionedTable,
    /// A partition of a partitioned table.
    Partition,
    /// A view.
    View,
    /// A materialized view.
    MaterializedView,
    /// A foreign table.
    ForeignTable,
    /// A sequence not owned by a serial column of a managed table.
    Sequence,
    /// A composite type.
    CompositeType,
    /// A domain.
    Domain,
    /// A range type.
    RangeType,
    /// A base type.
    BaseType,
    /// An enum type in a namespace that is not managed.
    Enum,
    /// A function.
    Function,
    /// A procedure.
    Procedure,
    /// An aggregate function.
    Aggregate,
    /// A window function.
    WindowFunction,
    /// A trigger.
    Trigger,
    /// A rewrite rule.
    Rule,
    /// A row-level security policy.
    Policy,
    /// An exclusion constraint.
    ExclusionConstraint,
    /// An installed extension.
    Extension,
}

impl UnmanagedKind {
    const ALL: [(UnmanagedKind, &'static str); 22] = [
        (UnmanagedKind::Schema, "schema"),
        (UnmanagedKind::Table, "table"),
        (UnmanagedKind::PartitionedTable, "partitioned table"),
        (UnmanagedKind::Partition, "partition"),
        (UnmanagedKind::View, "view"),
        (UnmanagedKind::MaterializedView, "materialized view"),
        (UnmanagedKind::ForeignTable, "foreign table"),
        (UnmanagedKind::Sequence, "sequence"),
        (UnmanagedKind::CompositeType, "composite type"),
        (UnmanagedKind::Domain, "domain"),
        (UnmanagedKind::RangeType, "range type"),
        (UnmanagedKind::BaseType, "base type"),
        (UnmanagedKind::Enum, "enum"),
        (UnmanagedKind::Function, "function"),
        (UnmanagedKind::Procedure, "procedure"),
        (UnmanagedKind::Aggregate, "aggregate"),
        (UnmanagedKind::WindowFunction, "window function"),
        (UnmanagedKind::Trigger, "trigger"),
        (UnmanagedKind::Rule, "rule"),
        (UnmanagedKind::Policy, "policy"),
        (UnmanagedKind::ExclusionConstraint, "exclusion constraint"),
        (UnmanagedKind::Extension, "extension"),
    ];

    /// The kind in words, as the catalog query spells it.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("object", |(_, name)| name)
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(kind, _)| *kind)
    }
}

impl fmt::Display for UnmanagedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why introspection failed.
#[derive(Debug)]
pub enum IntrospectError {
    /// A catalog query failed, or one of its rows could not be read.
    Query {
        /// Which query (`"columns"`, `"indexes"`, …).
        query: &'static str,
        /// The driver's error.
        source: tokio_postgres::Error,
    },
    /// A catalog query answered in a shape it never does.
    Unexpected {
        /// Which query.
        query: &'static str,
        /// What was wrong.
        what: &'static str,
    },
    /// The server is older than PostgreSQL 12.
    UnsupportedServer {
        /// Its `server_version_num`.
        server_version_num: u32,
    },
}

impl fmt::Display for IntrospectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntrospectError::Query { query, source } => {
                write!(f, "reading the {query} from the catalog failed: ")?;
                match source.as_db_error() {
                    Some(db) => {
                        write!(f, "{}", db.message())?;
                        if let Some(detail) = db.detail() {
                            write!(f, " (detail: {detail})")?;
                        }
                        if let Some(hint) = db.hint() {
                            write!(f, " (hint: {hint})")?;
                        }
                        Ok(())
                    }
                    None => match std::error::Error::source(source) {
                        Some(cause) => write!(f, "{source}: {cause}"),
                        None => write!(f, "{source}"),
                    },
                }
            }
            IntrospectError::Unexpected { query, what } => {
                write!(f, "reading the {query} from the catalog failed: {what}")
            }
            IntrospectError::UnsupportedServer { server_version_num } => write!(
                f,
                "PostgreSQL {}.{} is not supported: introspection needs PostgreSQL 12 or newer",
                server_version_num / 10000,
                server_version_num % 10000 / 100
            ),
        }
    }
}

impl std::error::Error for IntrospectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IntrospectError::Query { source, .. } => Some(source),
            IntrospectError::Unexpected { .. } | IntrospectError::UnsupportedServer { .. } => None,
        }
    }
}

/// The one way introspection talks to the server: counts every statement.
struct Catalog<'a> {
    client: &'a Client,
    queries: AtomicUsize,
}

impl Catalog<'_> {
    async fn query(
        &self,
        name: &'static str,
        sql: &str,
        params: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<Vec<Row>, IntrospectError> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        self.client
            .query_typed(sql, params)
            .await
            .map_err(|source| IntrospectError::Query {
                query: name,
                source,
            })
    }
}

/// Reads one value of a catalog row.
fn get<'a, T: FromSql<'a>>(
    row: &'a Row,
    index: usize,
    query: &'static str,
) -> Result<T, IntrospectError> {
    row.try_get(index)
        .map_err(|source| IntrospectError::Query { query, source })
}

/// A namespace that is not a system one. Shared by the queries below.
macro_rules! user_namespace {
    ($n:literal) => {
        concat!(
            "(",
            $n,
            ".nspname <> 'information_schema' AND ",
            $n,
            ".nspname !~ '^pg_')"
        )
    };
}

/// Whether an object of catalog `$catalog` with oid `$oid` belongs to an extension.
macro_rules! extension_member {
    ($catalog:literal, $oid:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext WHERE ext.classid = '",
            $catalog,
            "'::regclass AND ext.objid = ",
            $oid,
            " AND ext.deptype = 'e')"
        )
    };
}

const SETUP: &str = concat!(
    "SELECT current_setting('server_version_num')::int4,
            ARRAY(SELECT n.nspname::text FROM pg_catalog.pg_namespace n
                  WHERE ",
    user_namespace!("n"),
    " ORDER BY 1)"
);

const ENUMS: &str = concat!(
    "SELECT n.nspname::text, t.typname::text,
            ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                  WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
     FROM pg_catalog.pg_type t
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typtype = 'e' AND n.nspname = ANY($1) AND NOT ",
    extension_member!("pg_catalog.pg_type", "t.oid")
);

/// Managed tables with their columns (a table without columns gives one
/// row of NULLs), each column's owned or identity sequence, and the enum
/// behind an enum (or enum array) type. Unordered: sorting by `attnum` is
/// cheaper in Rust than in a sort that spills to disk.
const COLUMNS: &str = concat!(
    "WITH owned AS (
        SELECT DISTINCT ON (d.refobjid, d.refobjsubid)
               d.refobjid, d.refobjsubid, d.deptype, s.oid::regclass::text AS regclass,
               sn.nspname AS seq_schema, s.relname AS seq_name, q.seqtypid,
               q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
        JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid
        WHERE d.classid = 'pg_catalog.pg_class'::regclass
          AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
        ORDER BY d.refobjid, d.refobjsubid, d.deptype DESC
     )
     SELECT c.oid, n.nspname::text, c.relname::text, a.attnum,
            a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
            a.attndims::int4, a.attnotnull, a.attidentity::text, a.attgenerated::text,
            pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true),
            en.nspname::text, et.typname::text,
            o.deptype::text, o.regclass, o.seq_schema::text, o.seq_name::text,
            o.seqtypid = a.atttypid, o.seqstart, o.seqincrement, o.seqmin, o.seqmax,
            o.seqcache, o.seqcycle
     FROM pg_catalog.pg_class c
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_attribute a
            ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_catalog.pg_type et
            ON et.typtype = 'e' AND et.oid = CASE WHEN t.typtype = 'e' THEN t.oid ELSE t.typelem END
     LEFT JOIN pg_catalog.pg_namespace en ON en.oid = et.typnamespace
     LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
     LEFT JOIN owned o ON o.refobjid = c.oid AND o.refobjsubid = a.attnum
     WHERE c.relkind = 'r' AND NOT c.relispartition AND n.nspname = ANY($1)
       AND NOT ",
    extension_member!("pg_catalog.pg_class", "c.oid")
);

/// Primary keys, uniques, foreign keys, checks and exclusion constraints of
/// managed tables. Key columns come as attribute numbers, resolved through
/// the columns query; only a foreign key to a table that is not managed gets
/// its referenced column names here.
const CONSTRAINTS_HEAD: &str = concat!(
    "
     SELECT con.conrelid, con.conname::text, con.contype::text, con.conkey, con.confrelid,
            con.confkey, fn.nspname::text, fc.relname::text,
            CASE WHEN con.contype = 'f'
                  AND NOT (fc.relkind = 'r' AND NOT fc.relispartition AND fn.nspname = ANY($1)
                           AND NOT ",
    extension_member!("pg_catalog.pg_class", "fc.oid"),
    ")
                 THEN ARRAY(SELECT a.attname::text
                            FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                            JOIN pg_catalog.pg_attribute a
                              ON a.attrelid = con.confrelid AND a.attnum = k.num
                            ORDER BY k.ord) END,
            con.confdeltype::text, con.confupdtype::text,
            CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid, true) END,
            "
);

const CONSTRAINTS_TAIL: &str = "
     FROM pg_catalog.pg_constraint con
     JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
     LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
     LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid
     WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND c.relkind = 'r' AND n.nspname = ANY($1)";

/// `NULLS NOT DISTINCT` of a unique constraint's index (PostgreSQL 15+).
const CONSTRAINT_NULLS_15: &str = "COALESCE(con.contype = 'u' AND i.indnullsnotdistinct, false)";
const CONSTRAINT_NULLS_12: &str = "false";

/// Indexes of managed tables that back no primary key, unique or exclusion
/// constraint: key attribute numbers (0 for an expression), operator class
/// oids and `indoption` bits as arrays, resolved in Rust; the text of
/// expression keys, in key order, for indexes that have any.
const INDEXES_HEAD: &str = "
     SELECT i.indrelid, ic.relname::text, i.indisunique, am.amname::text,
            pg_catalog.pg_get_expr(i.indpred, i.indrelid, true),
            i.indnkeyatts::int4, i.indkey::int2[], i.indclass::oid[], i.indoption::int2[],
            CASE WHEN i.indexprs IS NOT NULL THEN
                 ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k.ord, true)
                       FROM generate_series(1, i.indnkeyatts) k(ord)
                       WHERE i.indkey[k.ord - 1] = 0 ORDER BY k.ord) END,
            ";

/// Operator classes that are not the default for their type, by oid, named
/// as `CREATE INDEX` needs them (schema-qualified when not visible).
const OPCLASSES: &str = "
     SELECT oc.oid,
            CASE WHEN pg_catalog.pg_opclass_is_visible(oc.oid) THEN oc.opcname::text
                 ELSE n.nspname::text || '.' || oc.opcname::text END
     FROM pg_catalog.pg_opclass oc
     JOIN pg_catalog.pg_namespace n ON n.oid = oc.opcnamespace
     WHERE NOT oc.opcdefault";

const INDEXES_TAIL: &str = "
     FROM pg_catalog.pg_index i
     JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
     JOIN pg_catalog.pg_am am ON am.oid = ic.relam
     WHERE c.relkind = 'r' AND n.nspname = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                       WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                         AND con.contype IN ('p', 'u', 'x'))";

const INDEX_NULLS_15: &str = "i.indnullsnotdistinct";
const INDEX_NULLS_12: &str = "false";

/// Everything the model does not manage: (kind, namespace, name, table).
const UNMANAGED: &str = concat!(
    "SELECT 'schema', n.nspname::text, n.nspname::text, NULL::text
     FROM pg_catalog.pg_namespace n
     WHERE ",
    user_namespace!("n"),
    " AND NOT n.nspname = ANY($1)
     UNION ALL
     SELECT CASE c.relkind
              WHEN 'r' THEN CASE WHEN c.relispartition THEN 'partition' ELSE 'table' END
              WHEN 'p' THEN CASE WHEN c.relispartition THEN 'partition' ELSE 'partitioned table' END
              WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
              WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence'
              ELSE 'composite type' END,
            n.nspname::text, c.relname::text, NULL
     FROM pg_catalog.pg_class c
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ",
    user_namespace!("n"),
    " AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
       AND NOT (c.relkind = 'r' AND NOT c.relispartition AND n.nspname = ANY($1))
       AND NOT (c.relkind = 'S' AND EXISTS (
             SELECT 1 FROM pg_catalog.pg_depend d
             WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
               AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')))
       AND NOT ",
    extension_member!("pg_catalog.pg_class", "c.oid"),
    "
     UNION ALL
     SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                           WHEN 'w' THEN 'window function' ELSE 'function' END,
            n.nspname::text,
            p.proname::text || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
            NULL
     FROM pg_catalog.pg_proc p
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE ",
    user_namespace!("n"),
    " AND NOT ",
    extension_member!("pg_catalog.pg_proc", "p.oid"),
    "
     UNION ALL
     SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range type'
                           WHEN 'e' THEN 'enum' ELSE 'base type' END,
            n.nspname::text, t.typname::text, NULL
     FROM pg_catalog.pg_type t
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
     WHERE ",
    user_namespace!("n"),
    " AND t.typtype IN ('b', 'd', 'r', 'e')
       AND NOT (t.typtype = 'e' AND n.nspname = ANY($1))
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type el WHERE el.typarray = t.oid)
       AND NOT ",
    extension_member!("pg_catalog.pg_type", "t.oid"),
    "
     UNION ALL
     SELECT 'trigger', n.nspname::text, tg.tgname::text, c.relname::text
     FROM pg_catalog.pg_trigger tg
     JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT tg.tgisinternal AND ",
    user_namespace!("n"),
    "
     UNION ALL
     SELECT 'rule', n.nspname::text, r.rulename::text, c.relname::text
     FROM pg_catalog.pg_rewrite r
     JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE r.rulename <> '_RETURN' AND ",
    user_namespace!("n"),
    "
     UNION ALL
     SELECT 'policy', n.nspname::text, pol.polname::text, c.relname::text
     FROM pg_catalog.pg_policy pol
     JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE ",
    user_namespace!("n"),
    "
     UNION ALL
     SELECT 'extension', n.nspname::text, e.extname::text, NULL
     FROM pg_catalog.pg_extension e
     JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
     WHERE ",
    user_namespace!("n")
);

/// The catalog queries for a server version, by name: what [`introspect`]
/// sends (the first, the setup query, runs before the version is known).
#[doc(hidden)]
pub fn catalog_queries(server_version_num: u32) -> Vec<(&'static str, String)> {
    let pg15 = server_version_num >= 150_000;
    vec![
        ("server version and namespaces", SETUP.to_owned()),
        ("enums", ENUMS.to_owned()),
        ("columns", COLUMNS.to_owned()),
        (
            "constraints",
            [
                CONSTRAINTS_HEAD,
                if pg15 {
                    CONSTRAINT_NULLS_15
                } else {
                    CONSTRAINT_NULLS_12
                },
                CONSTRAINTS_TAIL,
            ]
            .concat(),
        ),
        (
            "indexes",
            [
                INDEXES_HEAD,
                if pg15 { INDEX_NULLS_15 } else { INDEX_NULLS_12 },
                INDEXES_TAIL,
            ]
            .concat(),
        ),
        ("operator classes", OPCLASSES.to_owned()),
        ("unmanaged objects", UNMANAGED.to_owned()),
    ]
}

/// Reads the managed part of the database behind `client` into the model,
/// and lists what it does not manage. See the module documentation.
pub async fn introspect(
    client: &Client,
    options: &IntrospectOptions,
) -> Result<Introspection, IntrospectError> {
    let catalog = Catalog {
        client,
        queries: AtomicUsize::new(0),
    };
    const SETUP_NAME: &str = "server version and namespaces";
    let setup = catalog.query(SETUP_NAME, SETUP, &[]).await?;
    let row = setup.first().ok_or(IntrospectError::Unexpected {
        query: SETUP_NAME,
        what: "no row",
    })?;
    let version: i32 = get(row, 0, SETUP_NAME)?;
    let server_version_num = u32::try_from(version).unwrap_or(0);
    if server_version_num < 120_000 {
        return Err(IntrospectError::UnsupportedServer { server_version_num });
    }
    let existing: Vec<String> = get(row, 1, SETUP_NAME)?;
    let managed: Vec<String> = match &options.namespaces {
        None => existing,
        Some(wanted) => existing
            .into_iter()
            .filter(|n| wanted.contains(n))
            .collect(),
    };

    let queries = catalog_queries(server_version_num);
    let sql = |name: &str| {
        queries
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, sql)| sql.as_str())
    };
    let params: [(&(dyn ToSql + Sync), Type); 1] = [(&managed, Type::TEXT_ARRAY)];
    // Pipelined: these queries are in flight on the connection together.
    let (enums, columns, constraints, indexes, opclasses, unmanaged) = tokio::join!(
        catalog.query("enums", sql("enums"), &params),
        catalog.query("columns", sql("columns"), &params),
        catalog.query("constraints", sql("constraints"), &params),
        catalog.query("indexes", sql("indexes"), &params),
        catalog.query("operator classes", sql("operator classes"), &[]),
        catalog.query("unmanaged objects", sql("unmanaged objects"), &params),
    );
    let (enums, columns, constraints, indexes, opclasses, unmanaged) = (
        enums?,
        columns?,
        constraints?,
        indexes?,
        opclasses?,
        unmanaged?,
    );

    let mut builder = Builder::default();
    for row in &unmanaged {
        builder.unmanaged_row(row)?;
    }
    let enums = enums.iter().map(enum_row).collect::<Result<Vec<_>, _>>()?;
    for row in &columns {
        builder.column_row(row)?;
    }
    for table in builder.tables.values_mut() {
        table.columns.sort_by_key(|(attnum, _)| *attnum);
    }
    for row in &constraints {
        builder.constraint_row(row)?;
    }
    for row in &opclasses {
        builder.opclasses.insert(
            get(row, 0, "operator classes")?,
            get(row, 1, "operator classes")?,
        );
    }
    for row in &indexes {
        builder.index_row(row)?;
    }

    let mut schema = Schema {
        namespaces: managed
            .into_iter()
            .filter(|n| n != DEFAULT_SCHEMA)
            .collect(),
        enums,
        tables: builder
            .tables
            .into_values()
            .map(TableBuild::finish)
            .collect(),
    };
    schema.normalize();
    let mut unmanaged = builder.unmanaged;
    unmanaged.sort();
    unmanaged.dedup();
    Ok(Introspection {
        schema,
        unmanaged,
        queries: catalog.queries.load(Ordering::Relaxed),
        server_version_num,
    })
}

fn enum_row(row: &Row) -> Result<Enum, IntrospectError> {
    const Q: &str = "enums";
    let values: Vec<String> = get(row, 2, Q)?;
    Ok(Enum {
        schema: get::<String>(row, 0, Q)?.into(),
        name: get::<String>(row, 1, Q)?.into(),
        values: values.into_iter().map(Into::into).collect(),
        renamed_from: None,
        renamed_values: Vec::new().into(),
    })
}

#[derive(Default)]
struct Builder {
    /// Managed tables by oid.
    tables: BTreeMap<u32, TableBuild>,
    /// Names of the operator classes that are not a type's default, by oid.
    opclasses: HashMap<u32, String>,
    unmanaged: Vec<UnmanagedObject>,
}

/// A table being read: its columns with their attribute numbers.
struct TableBuild {
    table: Table,
    columns: Vec<(i16, Column)>,
}

impl TableBuild {
    /// The name of column number `attnum`.
    fn column_name(&self, attnum: i16) -> Option<Str> {
        self.columns
            .binary_search_by_key(&attnum, |(n, _)| *n)
            .ok()
            .map(|i| self.columns[i].1.name.clone())
    }

    fn column_names(
        &self,
        attnums: &[i16],
        query: &'static str,
    ) -> Result<Vec<Str>, IntrospectError> {
        attnums
            .iter()
            .map(|&n| {
                self.column_name(n).ok_or(IntrospectError::Unexpected {
                    query,
                    what: "a key names a column the table does not have",
                })
            })
            .collect()
    }

    fn finish(self) -> Table {
        Table {
            columns: self.columns.into_iter().map(|(_, c)| c).collect(),
            ..self.table
        }
    }
}

/// A column's owned (`'a'`) or identity (`'i'`) sequence.
struct OwnedSequence {
    deptype: String,
    regclass: String,
    schema: String,
    name: String,
    same_type: bool,
    options: Identity,
}

impl Builder {
    fn unmanaged_row(&mut self, row: &Row) -> Result<(), IntrospectError> {
        const Q: &str = "unmanaged objects";
        let kind: String = get(row, 0, Q)?;
        if let Some(kind) = UnmanagedKind::from_name(&kind) {
            self.unmanaged.push(UnmanagedObject {
                kind,
                schema: get(row, 1, Q)?,
                name: get(row, 2, Q)?,
                table: get(row, 3, Q)?,
            });
        }
        Ok(())
    }

    fn column_row(&mut self, row: &Row) -> Result<(), IntrospectError> {
        const Q: &str = "columns";
        let oid: u32 = get(row, 0, Q)?;
        let build = match self.tables.entry(oid) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => entry.insert(TableBuild {
                table: Table {
                    schema: get::<String>(row, 1, Q)?.into(),
                    name: get::<String>(row, 2, Q)?.into(),
                    columns: Vec::new().into(),
                    primary_key: None,
                    uniques: Vec::new().into(),
                    foreign_keys: Vec::new().into(),
                    checks: Vec::new().into(),
                    indexes: Vec::new().into(),
                    renamed_from: None,
                },
                columns: Vec::new(),
            }),
        };
        let Some(attnum) = get::<Option<i16>>(row, 3, Q)? else {
            return Ok(()); // a table without columns
        };
        let name: String = get(row, 4, Q)?;
        let format: String = get(row, 5, Q)?;
        let attndims: i32 = get(row, 6, Q)?;
        let not_null: bool = get(row, 7, Q)?;
        let identity_kind: String = get(row, 8, Q)?;
        let generated_kind: String = get(row, 9, Q)?;
        let expression: Option<String> = get(row, 10, Q)?;
        let enum_schema: Option<String> = get(row, 11, Q)?;
        let enum_name: Option<String> = get(row, 12, Q)?;
        let sequence = match get::<Option<String>>(row, 13, Q)? {
            None => None,
            Some(deptype) => Some(OwnedSequence {
                deptype,
                regclass: get(row, 14, Q)?,
                schema: get(row, 15, Q)?,
                name: get(row, 16, Q)?,
                same_type: get(row, 17, Q)?,
                options: Identity {
                    always: false,
                    start: Some(get(row, 18, Q)?),
                    increment: Some(get(row, 19, Q)?),
                    min_value: Some(get(row, 20, Q)?),
                    max_value: Some(get(row, 21, Q)?),
                    cache: Some(get(row, 22, Q)?),
                    cycle: get(row, 23, Q)?,
                },
            }),
        };

        let (mut sql_type, parsed_dims) = read_type(&format);
        if let (Some(schema), Some(name)) = (enum_schema, enum_name) {
            sql_type = SqlType::Enum {
                schema: schema.into(),
                name: name.into(),
            };
        }
        let array_dims = u8::try_from(attndims).unwrap_or(u8::MAX).max(parsed_dims);
        let mut column = Column {
            name: name.into(),
            sql_type,
            array_dims,
            nullable: !not_null,
            default: None,
            identity: None,
            generated: None,
            renamed_from: None,
        };
        let identity_sequence = sequence.as_ref().filter(|s| s.deptype == "i");
        if identity_kind == "a" || identity_kind == "d" {
            let options = identity_sequence.map_or_else(Identity::default, |s| s.options.clone());
            column.identity = Some(normalize::identity(
                Identity {
                    always: identity_kind == "a",
                    ..options
                },
                &column.sql_type,
            ));
        } else if generated_kind == "s" {
            column.generated = expression.map(Into::into);
        } else if let Some(expression) = expression {
            let owned = sequence.as_ref().filter(|s| s.deptype == "a");
            match owned {
                Some(seq) if is_serial(&column, &expression, seq) => {
                    column.sql_type = match column.sql_type {
                        SqlType::SmallInt => SqlType::SmallSerial,
                        SqlType::Integer => SqlType::Serial,
                        _ => SqlType::BigSerial,
                    };
                }
                _ => {
                    column.default = normalize::default_from_sql(
                        &expression,
                        &column.sql_type,
                        column.array_dims,
                    );
                }
            }
        }
        // An owned sequence the model cannot express as a serial.
        if let Some(seq) = sequence.as_ref().filter(|s| s.deptype == "a") {
            if column.sql_type.serial_base().is_none() {
                self.unmanaged.push(UnmanagedObject {
                    kind: UnmanagedKind::Sequence,
                    schema: seq.schema.clone(),
                    name: seq.name.clone(),
                    table: None,
                });
            }
        }
        build.columns.push((attnum, column));
        Ok(())
    }

    fn constraint_row(&mut self, row: &Row) -> Result<(), IntrospectError> {
        const Q: &str = "constraints";
        let oid: u32 = get(row, 0, Q)?;
        let Some(build) = self.tables.get(&oid) else {
            return Ok(()); // a partition or an extension's table
        };
        let name: String = get(row, 1, Q)?;
        let kind: String = get(row, 2, Q)?;
        let columns: List<Str> = if matches!(kind.as_str(), "p" | "u" | "f") {
            let keys: Option<Vec<i16>> = get(row, 3, Q)?;
            build
                .column_names(keys.as_deref().unwrap_or_default(), Q)?
                .into()
        } else {
            List::Borrowed(&[])
        };
        let foreign_key = if kind == "f" {
            let target: u32 = get(row, 4, Q)?;
            let target_keys: Vec<i16> = get::<Option<Vec<i16>>>(row, 5, Q)?.unwrap_or_default();
            // Named by the query when the target is not managed.
            let references = match get::<Option<Vec<String>>>(row, 8, Q)? {
                Some(names) => names.into_iter().map(Into::into).collect(),
                None => self
                    .tables
                    .get(&target)
                    .ok_or(IntrospectError::Unexpected {
                        query: Q,
                        what: "a foreign key references a table that was not read",
                    })?
                    .column_names(&target_keys, Q)?,
            };
            Some(ForeignKey {
                name: name.clone().into(),
                columns: columns.clone(),
                references_schema: get::<String>(row, 6, Q)?.into(),
                references_table: get::<String>(row, 7, Q)?.into(),
                references_columns: references.into(),
                on_delete: action(&get::<String>(row, 9, Q)?),
                on_update: action(&get::<String>(row, 10, Q)?),
            })
        } else {
            None
        };
        let Some(build) = self.tables.get_mut(&oid) else {
            return Ok(());
        };
        let table = &mut build.table;
        match kind.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name: name.into(),
                    columns,
                });
            }
            "u" => table.uniques.to_mut().push(Unique {
                name: name.into(),
                columns,
                nulls_not_distinct: get(row, 12, Q)?,
            }),
            "f" => table.foreign_keys.to_mut().extend(foreign_key),
            "c" => table.checks.to_mut().push(Check {
                name: name.into(),
                expression: get::<Option<String>>(row, 11, Q)?
                    .unwrap_or_default()
                    .into(),
            }),
            _ => self.unmanaged.push(UnmanagedObject {
                kind: UnmanagedKind::ExclusionConstraint,
                schema: table.schema.to_string(),
                name,
                table: Some(table.name.to_string()),
            }),
        }
        Ok(())
    }

    fn index_row(&mut self, row: &Row) -> Result<(), IntrospectError> {
        const Q: &str = "indexes";
        let oid: u32 = get(row, 0, Q)?;
        let Some(build) = self.tables.get_mut(&oid) else {
            return Ok(());
        };
        let key_count = usize::try_from(get::<i32>(row, 5, Q)?).unwrap_or(0);
        let attnums: Vec<i16> = get(row, 6, Q)?;
        let opclasses: Vec<u32> = get(row, 7, Q)?;
        let options: Vec<i16> = get(row, 8, Q)?;
        let mut expressions = get::<Option<Vec<String>>>(row, 9, Q)?
            .unwrap_or_default()
            .into_iter();
        let mut keys = Vec::with_capacity(key_count);
        for k in 0..key_count {
            let attnum = attnums.get(k).copied().unwrap_or(0);
            let target = if attnum == 0 {
                IndexTarget::Expression(
                    expressions
                        .next()
                        .ok_or(IntrospectError::Unexpected {
                            query: Q,
                            what: "an expression key without its expression",
                        })?
                        .into(),
                )
            } else {
                IndexTarget::Column(build.column_name(attnum).ok_or(
                    IntrospectError::Unexpected {
                        query: Q,
                        what: "an index key names a column the table does not have",
                    },
                )?)
            };
            let option = options.get(k).copied().unwrap_or(0);
            let descending = option & 1 != 0;
            let nulls_first = option & 2 != 0;
            keys.push(IndexKey {
                target,
                opclass: opclasses
                    .get(k)
                    .and_then(|oid| self.opclasses.get(oid))
                    .map(|name| name.clone().into()),
                descending,
                nulls: match (descending, nulls_first) {
                    (false, true) => Some(NullsOrder::First),
                    (true, false) => Some(NullsOrder::Last),
                    _ => None,
                },
            });
        }
        build.table.indexes.to_mut().push(Index {
            name: get::<String>(row, 1, Q)?.into(),
            unique: get(row, 2, Q)?,
            method: get::<String>(row, 3, Q)?.into(),
            keys: keys.into(),
            nulls_not_distinct: get(row, 10, Q)?,
            predicate: get::<Option<String>>(row, 4, Q)?.map(Into::into),
        });
        Ok(())
    }
}

/// `format_type` output → type and array dimensions; a name the type
/// reader refuses (`interval(3)`, `bit varying(5)`) is kept as it is.
fn read_type(format: &str) -> (SqlType, u8) {
    SqlType::parse(format).unwrap_or_else(|_| {
        let mut base = format.trim();
        let mut dims = 0u8;
        while let Some(rest) = base.strip_suffix("[]") {
            base = rest.trim_end();
            dims = dims.saturating_add(1);
        }
        (
            SqlType::Other {
                name: base.to_owned().into(),
            },
            dims,
        )
    })
}

/// A serial: a NOT NULL integer column whose default is `nextval` of the
/// sequence it owns, that sequence having the type's default options.
fn is_serial(column: &Column, expression: &str, sequence: &OwnedSequence) -> bool {
    matches!(
        column.sql_type,
        SqlType::SmallInt | SqlType::Integer | SqlType::BigInt
    ) && column.array_dims == 0
        && !column.nullable
        && sequence.same_type
        && normalize::identity(sequence.options.clone(), &column.sql_type) == Identity::default()
        && normalize::nextval_target(expression).as_deref() == Some(&*sequence.regclass)
}

fn action(code: &str) -> ReferentialAction {
    match code {
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_types_are_kept() {
        assert_eq!(
            read_type("interval(3)[]"),
            (
                SqlType::Other {
                    name: "interval(3)".into()
                },
                1
            )
        );
        assert_eq!(
            read_type("character varying(20)[]"),
            (SqlType::Varchar { length: Some(20) }, 1)
        );
    }

    #[test]
    fn kinds_have_names() {
        for (kind, name) in UnmanagedKind::ALL {
            assert_eq!(UnmanagedKind::from_name(name), Some(kind));
            assert_eq!(kind.to_string(), name);
        }
    }

    #[test]
    fn unmanaged_objects_display_qualified() {
        let trigger = UnmanagedObject {
            kind: UnmanagedKind::Trigger,
            schema: "public".into(),
            name: "t_audit".into(),
            table: Some("t".into()),
        };
        assert_eq!(trigger.to_string(), r#"trigger "t_audit" on "public"."t""#);
        let function = UnmanagedObject {
            kind: UnmanagedKind::Function,
            schema: "public".into(),
            name: "f(integer)".into(),
            table: None,
        };
        assert_eq!(function.to_string(), r#"function "public".f(integer)"#);
    }

    #[test]
    fn older_servers_get_queries_without_pg15_columns() {
        for (name, sql) in catalog_queries(140_000) {
            assert!(!sql.contains("nullsnotdistinct"), "{name}");
        }
        assert!(catalog_queries(150_000)
            .iter()
            .any(|(_, sql)| sql.contains("indnullsnotdistinct")));
    }
}

//! The schema model: plain data describing namespaces, enums, tables and their
//! columns, keys, constraints and indexes.
//!
//! Every stage of the toolkit speaks this model: the `#[table]` parser produces
//! it, snapshots serialize it, the diff engine compares two of it, and the SQL
//! renderer turns it into DDL. Strings and lists are `Cow<'static, _>` so that
//! the proc macro can emit a table's model as constant data (no allocation, no
//! code run at start-up) while the CLI and introspection build owned values of
//! the same types.
//!
//! Names of constraints and indexes are always stored resolved: when the user
//! gave none, the parser fills in the name PostgreSQL itself would choose (see
//! [`crate::naming`]).
//!
//! One meaning, one form: defaults and identity options are canonical whatever
//! built the model (the parser and introspection share
//! [`crate::normalize`]), so a database read back equals its code schema.
//! SQL expressions — check constraints, generated columns, index expressions
//! and predicates, [`DefaultValue::Sql`] — are the exception: they are kept
//! as text, the user's from the parser and the server's (which PostgreSQL
//! rewrites: casts, parentheses, `BETWEEN`, `IN`) from introspection. Compare
//! them with [`crate::normalize::expressions_equivalent`], and whole schemas
//! with [`Schema::equivalent`] / [`Schema::differences`], never with `==`
//! across the two sources.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// A string that is either static (macro-emitted) or owned (parsed, introspected).
pub type Str = Cow<'static, str>;

/// A list that is either static (macro-emitted) or owned.
pub type List<T> = Cow<'static, [T]>;

/// The namespace PostgreSQL puts objects in when none is named.
pub const DEFAULT_SCHEMA: &str = "public";

/// A whole database schema: every managed namespace, enum and table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Namespaces created by this schema (never `public`, which always exists).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Enum types, sorted by (schema, name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<Enum>,
    /// Tables, sorted by (schema, name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<Table>,
}

/// A `CREATE TYPE … AS ENUM` type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Enum {
    /// Namespace of the type.
    pub schema: Str,
    /// Type name.
    pub name: Str,
    /// Labels in their declared (and sort) order.
    pub values: List<Str>,
    /// The type's previous name, declared in code (`renamed_from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Str>,
    /// Labels renamed in code (`#[value(renamed_from = "…")]`).
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub renamed_values: List<RenamedValue>,
}

/// An enum label's previous and current text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RenamedValue {
    /// The label's previous text.
    pub from: Str,
    /// The label's text now.
    pub to: Str,
}

/// A table with its columns, keys, constraints and indexes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Table {
    /// Namespace of the table.
    pub schema: Str,
    /// Table name.
    pub name: Str,
    /// Columns in declaration order.
    pub columns: List<Column>,
    /// The primary key, single-column or composite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub uniques: List<Unique>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub foreign_keys: List<ForeignKey>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub checks: List<Check>,
    /// Indexes that are not backing a primary key or unique constraint.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub indexes: List<Index>,
    /// The table's previous name, declared in code (`renamed_from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Str>,
}

/// A table column.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Column {
    /// Column name.
    pub name: Str,
    /// Element type (for arrays, the type of one element).
    #[serde(rename = "type")]
    pub sql_type: SqlType,
    /// Number of array dimensions; 0 for a scalar column.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub array_dims: u8,
    /// Whether the column accepts NULL.
    pub nullable: bool,
    /// The column default, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultValue>,
    /// `GENERATED … AS IDENTITY`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expr) STORED`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Str>,
    /// The column's previous name, declared in code (`renamed_from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Str>,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// A PostgreSQL type, structured: no type is ever kept as loose text except
/// through the explicit [`SqlType::Other`] escape hatch.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SqlType {
    /// `smallint` (int2).
    SmallInt,
    /// `integer` (int4).
    Integer,
    /// `bigint` (int8).
    BigInt,
    /// `smallserial`: smallint with an owned sequence.
    SmallSerial,
    /// `serial`: integer with an owned sequence.
    Serial,
    /// `bigserial`: bigint with an owned sequence.
    BigSerial,
    /// `real` (float4).
    Real,
    /// `double precision` (float8).
    DoublePrecision,
    /// `numeric`, `numeric(p)` or `numeric(p, s)`.
    Numeric {
        /// Total digits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u16>,
        /// Digits after the decimal point.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scale: Option<u16>,
    },
    /// `boolean`.
    Boolean,
    /// `text`.
    Text,
    /// `varchar` / `varchar(n)`.
    Varchar {
        /// Maximum length in characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
    },
    /// `char(n)` (`bpchar`).
    Char {
        /// Fixed length in characters (PostgreSQL's default is 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
    },
    /// `bytea`.
    Bytea,
    /// `uuid`.
    Uuid,
    /// `json`.
    Json,
    /// `jsonb`.
    Jsonb,
    /// `date`.
    Date,
    /// `time[(p)] [with time zone]`.
    Time {
        /// Fractional-second digits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u8>,
        /// `timetz` when true.
        #[serde(default)]
        with_time_zone: bool,
    },
    /// `timestamp[(p)] [with time zone]`.
    Timestamp {
        /// Fractional-second digits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u8>,
        /// `timestamptz` when true.
        #[serde(default)]
        with_time_zone: bool,
    },
    /// `interval`.
    Interval,
    /// `inet`.
    Inet,
    /// `cidr`.
    Cidr,
    /// `macaddr`.
    MacAddr,
    /// A user-defined enum type.
    Enum {
        /// Namespace of the type.
        schema: Str,
        /// Type name.
        name: Str,
    },
    /// Any other type, written verbatim in DDL (e.g. `tsvector`, `citext`).
    Other {
        /// The type as PostgreSQL's `format_type` prints it.
        name: Str,
    },
}

impl SqlType {
    /// The integer type a serial type stands on.
    pub fn serial_base(&self) -> Option<SqlType> {
        match self {
            SqlType::SmallSerial => Some(SqlType::SmallInt),
            SqlType::Serial => Some(SqlType::Integer),
            SqlType::BigSerial => Some(SqlType::BigInt),
            _ => None,
        }
    }

    /// Whether the type is one of the integer types (serials included).
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            SqlType::SmallInt
                | SqlType::Integer
                | SqlType::BigInt
                | SqlType::SmallSerial
                | SqlType::Serial
                | SqlType::BigSerial
        )
    }

    /// Whether the type holds numbers (integers, floats, numeric).
    pub fn is_numeric(&self) -> bool {
        self.is_integer()
            || matches!(
                self,
                SqlType::Real | SqlType::DoublePrecision | SqlType::Numeric { .. }
            )
    }
}

/// A column default.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultValue {
    /// A constant, rendered as a SQL literal.
    Literal(Literal),
    /// An SQL expression written verbatim, e.g. `now()`.
    Sql(Str),
}

/// A typed constant.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Literal {
    /// `true` / `false`.
    Bool(bool),
    /// An integer or decimal number, as written (e.g. `0`, `-1.5`).
    Number(Str),
    /// A string constant (also used for enum labels, dates, JSON text, …).
    String(Str),
}

/// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY [( sequence options )]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    /// `ALWAYS` when true, `BY DEFAULT` otherwise.
    pub always: bool,
    /// `START WITH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    /// `INCREMENT BY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    /// `MINVALUE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    /// `MAXVALUE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    /// `CACHE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    /// `CYCLE`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cycle: bool,
}

/// A primary key constraint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// Constraint (and index) name.
    pub name: Str,
    /// Key columns, in order.
    pub columns: List<Str>,
}

/// A unique constraint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Unique {
    /// Constraint (and index) name.
    pub name: Str,
    /// Key columns, in order.
    pub columns: List<Str>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
}

/// A foreign key constraint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: Str,
    /// Referencing columns of this table.
    pub columns: List<Str>,
    /// Namespace of the referenced table.
    pub references_schema: Str,
    /// Referenced table.
    pub references_table: Str,
    /// Referenced columns, in the order matching `columns`.
    pub references_columns: List<Str>,
    /// `ON DELETE` action.
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_delete: ReferentialAction,
    /// `ON UPDATE` action.
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_update: ReferentialAction,
}

/// What a foreign key does when the referenced row changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    /// `NO ACTION` (PostgreSQL's default).
    #[default]
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl ReferentialAction {
    /// Every action with the spelling the DSL accepts.
    pub const ALL: [(&'static str, ReferentialAction); 5] = [
        ("no action", ReferentialAction::NoAction),
        ("restrict", ReferentialAction::Restrict),
        ("cascade", ReferentialAction::Cascade),
        ("set null", ReferentialAction::SetNull),
        ("set default", ReferentialAction::SetDefault),
    ];

    /// Parses the DSL spelling (`"cascade"`, `"set null"`, `"set_null"`, any case).
    pub fn parse(text: &str) -> Option<Self> {
        let normal = text.trim().to_ascii_lowercase().replace('_', " ");
        Self::ALL
            .iter()
            .find(|(name, _)| *name == normal)
            .map(|(_, action)| *action)
    }

    /// The SQL keywords of the action.
    pub fn as_sql(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        }
    }

    fn is_default(&self) -> bool {
        *self == ReferentialAction::NoAction
    }
}

/// A `CHECK` constraint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Check {
    /// Constraint name.
    pub name: Str,
    /// The boolean SQL expression.
    pub expression: Str,
}

/// A `CREATE INDEX`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Index {
    /// Index name.
    pub name: Str,
    /// `CREATE UNIQUE INDEX` when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    /// Access method (`btree`, `hash`, `gin`, `gist`, `spgist`, `brin`, …).
    pub method: Str,
    /// Key columns or expressions, in order.
    pub keys: List<IndexKey>,
    /// `NULLS NOT DISTINCT` for unique indexes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
    /// Partial-index predicate (`WHERE …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<Str>,
}

/// One key of an index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndexKey {
    /// The indexed column or expression.
    pub target: IndexTarget,
    /// Operator class, e.g. `text_pattern_ops`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<Str>,
    /// `DESC` when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub descending: bool,
    /// Explicit `NULLS FIRST` / `NULLS LAST`; `None` is the default for the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<NullsOrder>,
}

/// What an index key indexes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexTarget {
    /// A column, by name.
    Column(Str),
    /// An SQL expression, written verbatim.
    Expression(Str),
}

/// `NULLS FIRST` or `NULLS LAST`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullsOrder {
    /// `NULLS FIRST`.
    First,
    /// `NULLS LAST`.
    Last,
}

impl Schema {
    /// Puts the schema in canonical order so that equal schemas compare equal
    /// and serialize to the same bytes: namespaces, enums and tables sorted by
    /// name; constraints and indexes sorted by name. Column order is kept, as
    /// it is meaningful.
    pub fn normalize(&mut self) {
        self.namespaces.retain(|n| n != DEFAULT_SCHEMA);
        self.namespaces.sort();
        self.namespaces.dedup();
        self.enums
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.tables
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        for table in &mut self.tables {
            table.uniques.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
            table
                .foreign_keys
                .to_mut()
                .sort_by(|a, b| a.name.cmp(&b.name));
            table.checks.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
            table.indexes.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
        }
    }

    /// Whether [`Schema::normalize`] would change nothing (checked without
    /// copying, so callers copy only a schema that needs it).
    pub fn is_normalized(&self) -> bool {
        fn sorted<T>(items: &[T], in_order: impl Fn(&T, &T) -> bool) -> bool {
            items.windows(2).all(|pair| in_order(&pair[0], &pair[1]))
        }
        self.namespaces.iter().all(|n| n != DEFAULT_SCHEMA)
            && self.namespaces.windows(2).all(|pair| pair[0] < pair[1])
            && sorted(&self.enums, |a, b| {
                (&a.schema, &a.name) <= (&b.schema, &b.name)
            })
            && sorted(&self.tables, |a, b| {
                (&a.schema, &a.name) <= (&b.schema, &b.name)
            })
            && self.tables.iter().all(|table| {
                sorted(&table.uniques, |a, b| a.name <= b.name)
                    && sorted(&table.foreign_keys, |a, b| a.name <= b.name)
                    && sorted(&table.checks, |a, b| a.name <= b.name)
                    && sorted(&table.indexes, |a, b| a.name <= b.name)
            })
    }

    /// This schema normalized: itself when it already is, else a copy.
    pub fn normalized(&self) -> Cow<'_, Schema> {
        if self.is_normalized() {
            Cow::Borrowed(self)
        } else {
            let mut copy = self.clone();
            copy.normalize();
            Cow::Owned(copy)
        }
    }

    /// Serializes the schema as a deterministic, pretty-printed JSON snapshot.
    pub fn to_snapshot_json(&self) -> String {
        let canonical = self.normalized();
        let mut text = serde_json::to_string_pretty(&*canonical)
            .unwrap_or_else(|error| unreachable!("the model always serializes: {error}"));
        text.push('\n');
        text
    }

    /// Reads a snapshot written by [`Schema::to_snapshot_json`].
    pub fn from_snapshot_json(text: &str) -> Result<Schema, serde_json::Error> {
        let mut schema: Schema = serde_json::from_str(text)?;
        schema.normalize();
        Ok(schema)
    }

    /// Finds a table by namespace and name.
    pub fn table(&self, schema: &str, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.schema == schema && t.name == name)
    }

    /// Finds an enum by namespace and name.
    pub fn enum_type(&self, schema: &str, name: &str) -> Option<&Enum> {
        self.enums
            .iter()
            .find(|e| e.schema == schema && e.name == name)
    }
}

impl Table {
    /// Finds a column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether `columns` are exactly the primary key or a unique constraint
    /// of this table, in any order (what a foreign key may reference, short
    /// of a plain unique index).
    pub fn is_key_constraint(&self, columns: &[Str]) -> bool {
        self.key_constraints().any(|key| same_columns(key, columns))
    }

    /// Whether a foreign key may reference `columns` (in any order): a key
    /// constraint, or a unique index on plain columns without a predicate.
    pub fn is_foreign_key_target(&self, columns: &[Str]) -> bool {
        self.foreign_key_targets().any(|key| {
            key.len() == columns.len() && key.iter().all(|&c| columns.iter().any(|w| w == c))
        })
    }

    /// Every column set a foreign key may reference, as PostgreSQL accepts
    /// them: the primary key, each unique constraint, and each unique index
    /// on plain columns without a predicate.
    pub fn foreign_key_targets(&self) -> impl Iterator<Item = Vec<&str>> + '_ {
        let indexes = self
            .indexes
            .iter()
            .filter(|i| i.unique && i.predicate.is_none())
            .filter_map(|i| {
                i.keys
                    .iter()
                    .map(|k| match &k.target {
                        IndexTarget::Column(name) => Some(&**name),
                        IndexTarget::Expression(_) => None,
                    })
                    .collect::<Option<Vec<&str>>>()
            });
        self.key_constraints()
            .map(|key| key.iter().map(|c| &**c).collect())
            .chain(indexes)
    }

    /// The columns of the primary key and of each unique constraint.
    fn key_constraints(&self) -> impl Iterator<Item = &[Str]> {
        self.primary_key
            .iter()
            .map(|pk| &pk.columns[..])
            .chain(self.uniques.iter().map(|u| &u.columns[..]))
    }
}

/// Whether `key` holds exactly the names in `columns`, in any order.
fn same_columns(key: &[Str], columns: &[Str]) -> bool {
    key.len() == columns.len() && key.iter().all(|c| columns.contains(c))
}

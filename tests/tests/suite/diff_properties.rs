//! The diff engine's property test: random schema pairs A and B (B a
//! mutation of A), each run against a real PostgreSQL.
//!
//! For every pair:
//! - diff(A, A) and diff(B, B) are empty;
//! - on an emptied database A is created (`create_schema_script`), then,
//!   when no change of the pair can fail on them (see `data_unsafe`),
//!   filled with one row per table; diff(A, B) is applied in one
//!   transaction, or statement by statement when `Diff::is_transactional`
//!   says so;
//! - the database read back (`introspect`) is `Schema::equivalent` to B
//!   (columns taken in B's order: a migration appends columns, it cannot
//!   reorder them), and, aligned to B, diffs to nothing (what `push` would
//!   plan); every table that held a row still holds it, with the values
//!   inserted in the columns whose type did not change;
//! - every object of the migrated database (the fixtures' `describe`:
//!   names of keys, indexes and sequences, sequence options, leftover
//!   types) equals what creating B on an empty database gives;
//! - the reverse diff (B → A, renames turned around) applied next gives back
//!   A, read back and object by object as A was when created (the rows are
//!   deleted first unless the reverse cannot fail on them either).
//!
//! Pairs are made as a list of edits applied to an empty `Spec` (A), then a
//! second list applied to A (B). A `Spec` names every object by a stable
//! id, so renames are declared (`renamed_from`) for objects of A only, and
//! SQL expressions are written from the columns' current names and types.
//! After each list, `Spec::fix` makes the model valid the way a user would
//! have to (foreign keys reference a key of the same types, identity only
//! on integer NOT NULL columns, defaults that fit the type, index methods
//! the type has an operator class for, …). The spec is then written as
//! `#[table]` / `#[pg_enum]` source and read by the CLI's parser, which
//! gives every constraint and index the name PostgreSQL would. Table names
//! start with `t`, carry no `_` and differ in their first characters, so
//! generated names of two tables never collide.
//!
//! Covered: every column type of the model (serials through `serial`),
//! arrays of one and two dimensions, enums (in both namespaces; labels
//! added anywhere, dropped, renamed, reordered; types renamed and
//! dropped), nullability, literal and SQL defaults, identity with options,
//! generated columns, single and composite primary keys, uniques with
//! `NULLS NOT DISTINCT`, foreign keys (composite, self-referencing, across
//! namespaces, every action), column- and table-level checks (some quoting
//! enum labels), indexes (btree, hash, gin, brin, spgist; descending, nulls
//! order, operator classes, unique, partial, expressions), explicit and
//! generated names (long ones truncated, counters on clashes, names
//! traded between indexes), renames of tables, columns, enums and labels,
//! stale `renamed_from` hints, a second namespace and its rename (given
//! to the diff as a hint, as `schema.toml` does).
//!
//! Left out, on purpose:
//! - moving a table or enum to another namespace (the engine has no
//!   `SET SCHEMA`: it is a drop and a create, which the edits already make);
//! - reordering columns (a migration cannot; columns compare in B's order);
//! - generated columns in keys and foreign keys (PostgreSQL refuses most
//!   foreign key actions on them), and foreign keys between columns of
//!   different types (PostgreSQL takes some, `integer` to `bigint`; a
//!   model keeps one type on both sides);
//! - `json` in any btree key (PostgreSQL has no operator class for it);
//! - foreign keys over arrays of a type with a modifier (`char(n)[]`,
//!   `numeric(p)[]`, …): PostgreSQL's own check query fails on them
//!   ("cannot determine element type of anyarray").
//!
//! 200 cases from a fixed seed by default, so CI is deterministic. Soak
//! mode, many more cases from a seed of your choice:
//!
//! ```text
//! PROPTEST_CASES=5000 PROPTEST_RNG_SEED=$RANDOM \
//!     cargo test -p schema-tests --test suite diff_properties -- --nocapture
//! ```
//!
//! A failing pair is shrunk (for at most `PROPTEST_MAX_SHRINK_TIME` ms,
//! five minutes by default), printed with both sources, the SQL and the
//! differences, and its seed saved in
//! `tests/proptest-regressions/diff_properties.txt`, which is replayed
//! first on the next run (`PROPTEST_DISABLE_FAILURE_PERSISTENCE=1` turns
//! that off).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Instant;

use proptest::prelude::*;
use proptest::sample::Index as Pick;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestRunner};
use schema_core::diff::{self, Change, Hints};
use schema_core::model::{NullsOrder, ReferentialAction, Schema};
use schema_core::naming::make_object_name;
use schema_core::pg::{introspect, IntrospectOptions};
use schema_core::sql::{changes, ddl};
use schema_core::syntax;
use schema_tests::pg;
use tokio_postgres::Client;

use super::diff_fixtures::describe;

/// The seed CI runs with (any value; changing it changes the 200 cases).
const SEED: u64 = 0x5eed_d1ff;
/// Cases per run unless `PROPTEST_CASES` says otherwise.
const CASES: u32 = 200;
/// Where failing seeds are kept, replayed first by the next run.
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/proptest-regressions/diff_properties.txt"
);

// --- the spec: a schema whose objects keep their identity across edits ---

/// The two namespaces objects live in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ns {
    Public,
    Aux,
}

/// A column's element type; an enum by its id.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ty {
    SmallInt,
    Integer,
    BigInt,
    Real,
    Double,
    Numeric(Option<(u16, Option<u16>)>),
    Boolean,
    Text,
    Varchar(Option<u32>),
    Char(Option<u32>),
    Bytea,
    Uuid,
    Json,
    Jsonb,
    Date,
    Time(Option<u8>, bool),
    Timestamp(Option<u8>, bool),
    Interval,
    Inet,
    Cidr,
    MacAddr,
    Enum(u32),
}

impl Ty {
    fn is_integer(&self) -> bool {
        matches!(self, Ty::SmallInt | Ty::Integer | Ty::BigInt)
    }

    fn is_number(&self) -> bool {
        self.is_integer() || matches!(self, Ty::Real | Ty::Double | Ty::Numeric(_))
    }

    /// Whether the type carries a modifier (`char` is `char(1)`).
    fn has_modifier(&self) -> bool {
        matches!(
            self,
            Ty::Char(_)
                | Ty::Varchar(Some(_))
                | Ty::Numeric(Some(_))
                | Ty::Time(Some(_), _)
                | Ty::Timestamp(Some(_), _)
        )
    }

    fn is_string(&self) -> bool {
        matches!(self, Ty::Text | Ty::Varchar(_) | Ty::Char(_))
    }

    /// The type as `sql_type` spells it (not for enums).
    fn sql(&self) -> String {
        let precision = |p: &Option<u8>| p.map(|p| format!("({p})")).unwrap_or_default();
        let zone = |tz: bool| if tz { " with time zone" } else { "" };
        match self {
            Ty::SmallInt => "smallint".into(),
            Ty::Integer => "integer".into(),
            Ty::BigInt => "bigint".into(),
            Ty::Real => "real".into(),
            Ty::Double => "double precision".into(),
            Ty::Numeric(None) => "numeric".into(),
            Ty::Numeric(Some((p, None))) => format!("numeric({p})"),
            Ty::Numeric(Some((p, Some(s)))) => format!("numeric({p}, {s})"),
            Ty::Boolean => "boolean".into(),
            Ty::Text => "text".into(),
            Ty::Varchar(None) => "varchar".into(),
            Ty::Varchar(Some(n)) => format!("varchar({n})"),
            Ty::Char(None) => "char".into(),
            Ty::Char(Some(n)) => format!("char({n})"),
            Ty::Bytea => "bytea".into(),
            Ty::Uuid => "uuid".into(),
            Ty::Json => "json".into(),
            Ty::Jsonb => "jsonb".into(),
            Ty::Date => "date".into(),
            Ty::Time(p, tz) => format!("time{}{}", precision(p), zone(*tz)),
            Ty::Timestamp(p, tz) => format!("timestamp{}{}", precision(p), zone(*tz)),
            Ty::Interval => "interval".into(),
            Ty::Inet => "inet".into(),
            Ty::Cidr => "cidr".into(),
            Ty::MacAddr => "macaddr".into(),
            Ty::Enum(_) => unreachable!("enum columns take their Rust type"),
        }
    }
}

/// Identity options, chosen so that any combination is valid for any
/// integer type (start ≥ min, start ≤ max ≤ 32767; a descending sequence
/// keeps the default bounds and start).
#[derive(Clone, Debug, PartialEq, Eq)]
struct IdentitySpec {
    always: bool,
    start: Option<i64>,
    increment: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
    cache: Option<i64>,
    cycle: bool,
}

/// What a generated column computes from its source column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GenKind {
    /// `src * 2`: an integer source, a number column.
    Double,
    /// `lower(src)`: a string source, a text or varchar column.
    Lower,
    /// `src IS NULL`: any source, a boolean column.
    IsNull,
}

/// Where a column's value comes from when none is given.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    None,
    /// The n-th literal default of the type (modulo how many it has).
    Default(u8),
    /// The n-th SQL default of the type, or a literal when it has none.
    DefaultSql(u8),
    Identity(IdentitySpec),
    Serial,
    /// Generated from the column with this id.
    Generated(GenKind, u32),
}

#[derive(Clone, Debug)]
struct Column {
    id: u32,
    name: String,
    /// A rename declared for B (the name in A).
    renamed_from: Option<String>,
    /// A `renamed_from` left over from some earlier rename: a name that
    /// exists nowhere.
    stale: Option<String>,
    ty: Ty,
    dims: u8,
    nullable: bool,
    value: Value,
}

#[derive(Clone, Debug)]
struct PrimaryKey {
    cols: Vec<u32>,
    name: Option<String>,
}

#[derive(Clone, Debug)]
struct Unique {
    cols: Vec<u32>,
    nnd: bool,
    name: Option<String>,
    column_level: bool,
}

#[derive(Clone, Debug)]
struct ForeignKey {
    cols: Vec<u32>,
    table: u32,
    target: Vec<u32>,
    on_delete: ReferentialAction,
    on_update: ReferentialAction,
    name: Option<String>,
    column_level: bool,
}

/// Check conditions, all true for the rows the test inserts (small
/// numbers, one-letter strings, a label no check names).
#[derive(Clone, Debug, PartialEq, Eq)]
enum CheckKind {
    Tautology(u32),
    Greater(u32),
    Between(u32),
    In(u32),
    Length(u32),
    NotLabel(u32, u32),
    Pair(u32, u32),
}

impl CheckKind {
    fn columns(&self) -> Vec<u32> {
        match self {
            CheckKind::Tautology(c)
            | CheckKind::Greater(c)
            | CheckKind::Between(c)
            | CheckKind::In(c)
            | CheckKind::Length(c)
            | CheckKind::NotLabel(c, _) => vec![*c],
            CheckKind::Pair(a, b) => vec![*a, *b],
        }
    }
}

#[derive(Clone, Debug)]
struct Check {
    kind: CheckKind,
    /// Required at table level (the DSL wants it), optional on a column.
    name: Option<String>,
    column_level: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyTarget {
    Column(u32),
    /// `(c IS NULL)`.
    IsNull(u32),
    /// `lower(c)`, for string columns.
    Lower(u32),
}

impl KeyTarget {
    fn column(self) -> u32 {
        match self {
            KeyTarget::Column(c) | KeyTarget::IsNull(c) | KeyTarget::Lower(c) => c,
        }
    }
}

#[derive(Clone, Debug)]
struct Key {
    target: KeyTarget,
    desc: bool,
    nulls: Option<NullsOrder>,
    /// The type's alternative operator class (`text_pattern_ops`, …).
    opclass: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Btree,
    Hash,
    Gin,
    Brin,
    SpGist,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Btree => "btree",
            Method::Hash => "hash",
            Method::Gin => "gin",
            Method::Brin => "brin",
            Method::SpGist => "spgist",
        }
    }
}

#[derive(Clone, Debug)]
struct Index {
    keys: Vec<Key>,
    method: Method,
    unique: bool,
    nnd: bool,
    /// `WHERE c IS NOT NULL`, or `WHERE c <> 'label'` on an enum column
    /// when a label is given.
    predicate: Option<(u32, Option<u32>)>,
    name: Option<String>,
    column_level: bool,
}

#[derive(Clone, Debug)]
struct Table {
    id: u32,
    ns: Ns,
    name: String,
    renamed_from: Option<String>,
    stale: Option<String>,
    columns: Vec<Column>,
    pk: Option<PrimaryKey>,
    uniques: Vec<Unique>,
    fks: Vec<ForeignKey>,
    checks: Vec<Check>,
    indexes: Vec<Index>,
}

impl Table {
    fn column(&self, id: u32) -> Option<&Column> {
        self.columns.iter().find(|c| c.id == id)
    }

    fn column_named(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Debug)]
struct Label {
    id: u32,
    text: String,
    renamed_from: Option<String>,
}

#[derive(Clone, Debug)]
struct Enum {
    id: u32,
    ns: Ns,
    name: String,
    renamed_from: Option<String>,
    stale: Option<String>,
    labels: Vec<Label>,
}

#[derive(Clone, Debug, Default)]
struct Spec {
    /// The second namespace's name (`aux` until renamed).
    aux: Option<String>,
    enums: Vec<Enum>,
    tables: Vec<Table>,
    /// The last id given out; ids are never reused, so every name made
    /// from one is new.
    next: u32,
    /// The ids of A's objects while B is being made: only they get a
    /// `renamed_from` when renamed.
    base: BTreeSet<u32>,
}

// --- names ------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum NameStyle {
    Plain,
    /// 50 bytes: generated names over it are truncated.
    Long,
    /// Upper case: quoted in every SQL text.
    Mixed,
}

fn table_name(id: u32, long: bool) -> String {
    let mut name = format!("t{id}");
    if long {
        while name.len() < 50 {
            name.push('x');
        }
    }
    name
}

fn column_name(id: u32, style: NameStyle) -> String {
    match style {
        NameStyle::Plain => format!("c{id}"),
        NameStyle::Long => {
            let mut name = format!("c{id}_long");
            while name.len() < 50 {
                name.push('n');
            }
            name
        }
        NameStyle::Mixed => format!("Col{id}"),
    }
}

fn label_text(id: u32, quoted: bool) -> String {
    if quoted {
        format!("L{id} it's")
    } else {
        format!("l{id}")
    }
}

/// An identifier as SQL text: bare when PostgreSQL would keep it as is.
fn ident(name: &str) -> String {
    let simple = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if simple {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

// --- edits --------------------------------------------------------------------

#[derive(Clone, Debug)]
enum RawTy {
    Fixed(Ty),
    /// An existing enum (text when there is none).
    Enum(Pick),
}

#[derive(Clone, Debug)]
enum RawValue {
    None,
    Default(u8),
    DefaultSql(u8),
    Identity(IdentitySpec),
    Serial,
    Generated(GenKind, Pick),
}

#[derive(Clone, Debug)]
struct NewColumn {
    ty: RawTy,
    dims: u8,
    nullable: bool,
    value: RawValue,
    style: NameStyle,
}

#[derive(Clone, Debug)]
struct RawCheck {
    kind: u8,
    a: Pick,
    b: Pick,
    label: Pick,
}

#[derive(Clone, Debug)]
struct RawKey {
    /// 0–5: the column; 6: `IS NULL`; 7: `lower`.
    target: u8,
    col: Pick,
    desc: bool,
    nulls: Option<NullsOrder>,
    opclass: bool,
}

#[derive(Clone, Debug)]
struct RawIndex {
    keys: Vec<RawKey>,
    method: Method,
    unique: bool,
    nnd: bool,
    partial: Option<Pick>,
    named: bool,
    column_level: bool,
}

#[derive(Clone, Debug)]
enum IndexTweak {
    ToggleDesc(Pick),
    ToggleNulls(Pick),
    Method(Method),
    ToggleUnique,
    TogglePartial(Pick),
    ToggleOpclass(Pick),
    AddKey(RawKey),
    DropKey(Pick),
}

/// One edit. Objects are picked by position; an edit that finds nothing to
/// act on does nothing.
#[derive(Clone, Debug)]
enum Op {
    AddEnum(Ns, u8, bool),
    DropEnum(Pick),
    RenameEnum(Pick),
    AddLabel(Pick, Pick, bool),
    DropLabel(Pick, Pick),
    RenameLabel(Pick, Pick, bool),
    MoveLabel(Pick, Pick, Pick),
    AddTable(Ns, bool, Vec<NewColumn>),
    DropTable(Pick),
    RenameTable(Pick, bool),
    AddColumn(Pick, NewColumn),
    DropColumn(Pick, Pick),
    RenameColumn(Pick, Pick, NameStyle),
    Retype(Pick, Pick, RawTy, u8),
    ToggleNullable(Pick, Pick),
    SetValue(Pick, Pick, RawValue),
    SetPrimaryKey(Pick, Vec<Pick>, bool),
    DropPrimaryKey(Pick),
    AddUnique(Pick, Vec<Pick>, bool, bool, bool),
    DropUnique(Pick, Pick),
    ToggleNullsNotDistinct(Pick, Pick),
    AddForeignKey {
        table: Pick,
        target: Pick,
        cols: Vec<Pick>,
        new_columns: bool,
        on_delete: u8,
        on_update: u8,
        named: bool,
        column_level: bool,
    },
    DropForeignKey(Pick, Pick),
    SetActions(Pick, Pick, u8, u8),
    AddCheck(Pick, RawCheck, bool, bool),
    DropCheck(Pick, Pick),
    AddIndex(Pick, RawIndex),
    DropIndex(Pick, Pick),
    AlterIndex(Pick, Pick, IndexTweak),
    SwapIndexes(Pick, Pick, Pick),
    /// Names a constraint or index explicitly, or drops its explicit name;
    /// the new name is fresh, or (when `true`) the one PostgreSQL would
    /// generate for it, which a sibling may hold.
    ToggleName(Pick, Pick, bool),
    StaleHint(Pick, Pick),
    /// Renames the second namespace (declared to the diff as a hint, as
    /// schema.toml's `renamed_schemas` does).
    RenameNamespace,
    /// New options for an identity column's sequence.
    SetIdentity(Pick, IdentitySpec),
}

fn at(pick: &Pick, len: usize) -> Option<usize> {
    (len > 0).then(|| pick.index(len))
}

fn action(n: u8) -> ReferentialAction {
    ReferentialAction::ALL[usize::from(n) % ReferentialAction::ALL.len()].1
}

impl Spec {
    fn ns_name(&self, ns: Ns) -> &str {
        match ns {
            Ns::Public => "public",
            Ns::Aux => self.aux.as_deref().unwrap_or("aux"),
        }
    }

    fn fresh(&mut self) -> u32 {
        self.next += 1;
        self.next
    }

    fn resolve_ty(&self, raw: &RawTy) -> Ty {
        match raw {
            RawTy::Fixed(ty) => ty.clone(),
            RawTy::Enum(pick) => match at(pick, self.enums.len()) {
                Some(i) => Ty::Enum(self.enums[i].id),
                None => Ty::Text,
            },
        }
    }

    /// A new column; a generated one reads a column of `existing`.
    fn new_column(&mut self, raw: &NewColumn, existing: &[u32]) -> Column {
        let id = self.fresh();
        let value = match &raw.value {
            RawValue::None => Value::None,
            RawValue::Default(n) => Value::Default(*n),
            RawValue::DefaultSql(n) => Value::DefaultSql(*n),
            RawValue::Identity(identity) => Value::Identity(identity.clone()),
            RawValue::Serial => Value::Serial,
            RawValue::Generated(kind, source) => match at(source, existing.len()) {
                Some(i) => Value::Generated(*kind, existing[i]),
                None => Value::None,
            },
        };
        let mut column = Column {
            id,
            name: column_name(id, raw.style),
            renamed_from: None,
            stale: None,
            ty: self.resolve_ty(&raw.ty),
            dims: raw.dims,
            nullable: raw.nullable,
            value,
        };
        fit_type_to_value(&mut column);
        column
    }

    /// A partial index's condition over the picked column: `IS NOT NULL`,
    /// or, on an enum column, `<>` the label the same pick points at.
    fn predicate(&self, table: &Table, pick: &Pick) -> Option<(u32, Option<u32>)> {
        let column = &table.columns[at(pick, table.columns.len())?];
        let label = match &column.ty {
            Ty::Enum(e) => self
                .enum_of(*e)
                .and_then(|e| at(pick, e.labels.len()).map(|l| e.labels[l].id)),
            _ => None,
        };
        Some((column.id, label))
    }

    fn explicit_name(&mut self, named: bool) -> Option<String> {
        named.then(|| format!("k{}", self.fresh()))
    }

    /// Distinct columns of table `t` picked by `picks` (duplicates skipped).
    fn pick_columns(&self, t: usize, picks: &[Pick], usable: impl Fn(&Column) -> bool) -> Vec<u32> {
        let candidates: Vec<u32> = self.tables[t]
            .columns
            .iter()
            .filter(|c| usable(c))
            .map(|c| c.id)
            .collect();
        let mut out = Vec::new();
        for pick in picks {
            if let Some(i) = at(pick, candidates.len()) {
                if !out.contains(&candidates[i]) {
                    out.push(candidates[i]);
                }
            }
        }
        out
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::AddEnum(ns, labels, quoted) => {
                let id = self.fresh();
                let labels = (0..(*labels).clamp(1, 4))
                    .map(|i| {
                        let id = self.fresh();
                        Label {
                            id,
                            text: label_text(id, *quoted && i == 0),
                            renamed_from: None,
                        }
                    })
                    .collect();
                self.enums.push(Enum {
                    id,
                    ns: *ns,
                    name: format!("e{id}"),
                    renamed_from: None,
                    stale: None,
                    labels,
                });
            }
            Op::DropEnum(e) => {
                if let Some(e) = at(e, self.enums.len()) {
                    self.enums.remove(e);
                }
            }
            Op::RenameEnum(e) => {
                if let Some(e) = at(e, self.enums.len()) {
                    let name = format!("e{}", self.fresh());
                    let base = self.base.contains(&self.enums[e].id);
                    let e = &mut self.enums[e];
                    let old = std::mem::replace(&mut e.name, name);
                    if base && e.renamed_from.is_none() {
                        e.renamed_from = Some(old);
                    }
                }
            }
            Op::AddLabel(e, position, quoted) => {
                if let Some(e) = at(e, self.enums.len()) {
                    let id = self.fresh();
                    let labels = &mut self.enums[e].labels;
                    let position = position.index(labels.len() + 1);
                    labels.insert(
                        position,
                        Label {
                            id,
                            text: label_text(id, *quoted),
                            renamed_from: None,
                        },
                    );
                }
            }
            Op::DropLabel(e, l) => {
                if let Some(e) = at(e, self.enums.len()) {
                    let labels = &mut self.enums[e].labels;
                    if labels.len() > 1 {
                        labels.remove(l.index(labels.len()));
                    }
                }
            }
            Op::RenameLabel(e, l, quoted) => {
                if let Some(e) = at(e, self.enums.len()) {
                    let id = self.fresh();
                    let base = &self.base;
                    let labels = &mut self.enums[e].labels;
                    let l = l.index(labels.len());
                    let label = &mut labels[l];
                    let old = std::mem::replace(&mut label.text, label_text(id, *quoted));
                    if base.contains(&label.id) && label.renamed_from.is_none() {
                        label.renamed_from = Some(old);
                    }
                }
            }
            Op::MoveLabel(e, from, to) => {
                if let Some(e) = at(e, self.enums.len()) {
                    let labels = &mut self.enums[e].labels;
                    let label = labels.remove(from.index(labels.len()));
                    let to = to.index(labels.len() + 1);
                    labels.insert(to, label);
                }
            }
            Op::AddTable(ns, long, columns) => {
                let id = self.fresh();
                let mut built: Vec<Column> = Vec::new();
                for raw in columns {
                    let existing: Vec<u32> = built.iter().map(|c| c.id).collect();
                    let column = self.new_column(raw, &existing);
                    built.push(column);
                }
                self.tables.push(Table {
                    id,
                    ns: *ns,
                    name: table_name(id, *long),
                    renamed_from: None,
                    stale: None,
                    columns: built,
                    pk: None,
                    uniques: Vec::new(),
                    fks: Vec::new(),
                    checks: Vec::new(),
                    indexes: Vec::new(),
                });
            }
            Op::DropTable(t) => {
                if let Some(t) = at(t, self.tables.len()) {
                    self.tables.remove(t);
                }
            }
            Op::RenameTable(t, long) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let name = table_name(self.fresh(), *long);
                    let base = self.base.contains(&self.tables[t].id);
                    let t = &mut self.tables[t];
                    let old = std::mem::replace(&mut t.name, name);
                    if base && t.renamed_from.is_none() {
                        t.renamed_from = Some(old);
                    }
                }
            }
            Op::AddColumn(t, raw) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let existing: Vec<u32> = self.tables[t].columns.iter().map(|c| c.id).collect();
                    let column = self.new_column(raw, &existing);
                    self.tables[t].columns.push(column);
                }
            }
            Op::DropColumn(t, c) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let columns = &mut self.tables[t].columns;
                    if let Some(c) = at(c, columns.len()) {
                        columns.remove(c);
                    }
                }
            }
            Op::RenameColumn(t, c, style) => {
                if let Some(t) = at(t, self.tables.len()) {
                    if let Some(c) = at(c, self.tables[t].columns.len()) {
                        let name = column_name(self.fresh(), *style);
                        let base = self.base.contains(&self.tables[t].columns[c].id);
                        let column = &mut self.tables[t].columns[c];
                        let old = std::mem::replace(&mut column.name, name);
                        if base && column.renamed_from.is_none() {
                            column.renamed_from = Some(old);
                        }
                    }
                }
            }
            Op::Retype(t, c, ty, dims) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let ty = self.resolve_ty(ty);
                    if let Some(c) = at(c, self.tables[t].columns.len()) {
                        let column = &mut self.tables[t].columns[c];
                        column.ty = ty;
                        column.dims = *dims;
                    }
                }
            }
            Op::ToggleNullable(t, c) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let columns = &mut self.tables[t].columns;
                    if let Some(c) = at(c, columns.len()) {
                        columns[c].nullable = !columns[c].nullable;
                    }
                }
            }
            Op::SetValue(t, c, raw) => {
                if let Some(t) = at(t, self.tables.len()) {
                    if let Some(c) = at(c, self.tables[t].columns.len()) {
                        let others: Vec<u32> = self.tables[t]
                            .columns
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| *i != c)
                            .map(|(_, c)| c.id)
                            .collect();
                        let value = match raw {
                            RawValue::None => Value::None,
                            RawValue::Default(n) => Value::Default(*n),
                            RawValue::DefaultSql(n) => Value::DefaultSql(*n),
                            RawValue::Identity(identity) => Value::Identity(identity.clone()),
                            RawValue::Serial => Value::Serial,
                            RawValue::Generated(kind, source) => match at(source, others.len()) {
                                Some(i) => Value::Generated(*kind, others[i]),
                                None => Value::None,
                            },
                        };
                        let column = &mut self.tables[t].columns[c];
                        column.value = value;
                        fit_type_to_value(column);
                    }
                }
            }
            Op::SetPrimaryKey(t, picks, named) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let cols = self.pick_columns(t, picks, |_| true);
                    let name = self.explicit_name(*named);
                    if !cols.is_empty() {
                        self.tables[t].pk = Some(PrimaryKey { cols, name });
                    }
                }
            }
            Op::DropPrimaryKey(t) => {
                if let Some(t) = at(t, self.tables.len()) {
                    self.tables[t].pk = None;
                }
            }
            Op::AddUnique(t, picks, nnd, named, column_level) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let cols = self.pick_columns(t, picks, |_| true);
                    let name = self.explicit_name(*named);
                    if !cols.is_empty() {
                        self.tables[t].uniques.push(Unique {
                            cols,
                            nnd: *nnd,
                            name,
                            column_level: *column_level,
                        });
                    }
                }
            }
            Op::DropUnique(t, u) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let uniques = &mut self.tables[t].uniques;
                    if let Some(u) = at(u, uniques.len()) {
                        uniques.remove(u);
                    }
                }
            }
            Op::ToggleNullsNotDistinct(t, u) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let uniques = &mut self.tables[t].uniques;
                    if let Some(u) = at(u, uniques.len()) {
                        uniques[u].nnd = !uniques[u].nnd;
                    }
                }
            }
            Op::AddForeignKey {
                table,
                target,
                cols,
                new_columns,
                on_delete,
                on_update,
                named,
                column_level,
            } => self.add_foreign_key(
                table,
                target,
                cols,
                *new_columns,
                (*on_delete, *on_update),
                *named,
                *column_level,
            ),
            Op::DropForeignKey(t, f) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let fks = &mut self.tables[t].fks;
                    if let Some(f) = at(f, fks.len()) {
                        fks.remove(f);
                    }
                }
            }
            Op::SetActions(t, f, on_delete, on_update) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let fks = &mut self.tables[t].fks;
                    if let Some(f) = at(f, fks.len()) {
                        fks[f].on_delete = action(*on_delete);
                        fks[f].on_update = action(*on_update);
                    }
                }
            }
            Op::AddCheck(t, raw, named, column_level) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let name = self.explicit_name(*named);
                    let table = &self.tables[t];
                    let Some(a) = at(&raw.a, table.columns.len()) else {
                        return;
                    };
                    let a = &table.columns[a];
                    let b = table.columns[raw.b.index(table.columns.len())].id;
                    let kind = match raw.kind % 7 {
                        0 => CheckKind::Tautology(a.id),
                        1 => CheckKind::Greater(a.id),
                        2 => CheckKind::Between(a.id),
                        3 => CheckKind::In(a.id),
                        4 => CheckKind::Length(a.id),
                        5 => {
                            let label = match &a.ty {
                                Ty::Enum(e) => {
                                    self.enums.iter().find(|x| x.id == *e).and_then(|x| {
                                        at(&raw.label, x.labels.len()).map(|l| x.labels[l].id)
                                    })
                                }
                                _ => None,
                            };
                            CheckKind::NotLabel(a.id, label.unwrap_or(0))
                        }
                        _ => CheckKind::Pair(a.id, b),
                    };
                    self.tables[t].checks.push(Check {
                        kind,
                        name,
                        column_level: *column_level,
                    });
                }
            }
            Op::DropCheck(t, k) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let checks = &mut self.tables[t].checks;
                    if let Some(k) = at(k, checks.len()) {
                        checks.remove(k);
                    }
                }
            }
            Op::AddIndex(t, raw) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let name = self.explicit_name(raw.named);
                    let table = &self.tables[t];
                    let keys: Vec<Key> = raw.keys.iter().filter_map(|k| key_of(table, k)).collect();
                    let predicate = raw.partial.as_ref().and_then(|p| self.predicate(table, p));
                    if !keys.is_empty() {
                        self.tables[t].indexes.push(Index {
                            keys,
                            method: raw.method,
                            unique: raw.unique,
                            nnd: raw.nnd,
                            predicate,
                            name,
                            column_level: raw.column_level,
                        });
                    }
                }
            }
            Op::DropIndex(t, i) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let indexes = &mut self.tables[t].indexes;
                    if let Some(i) = at(i, indexes.len()) {
                        indexes.remove(i);
                    }
                }
            }
            Op::AlterIndex(t, i, tweak) => {
                if let Some(t) = at(t, self.tables.len()) {
                    if let Some(i) = at(i, self.tables[t].indexes.len()) {
                        let new_key = match tweak {
                            IndexTweak::AddKey(raw) => key_of(&self.tables[t], raw),
                            _ => None,
                        };
                        let predicate = match tweak {
                            IndexTweak::TogglePartial(p) => self.predicate(&self.tables[t], p),
                            _ => None,
                        };
                        let index = &mut self.tables[t].indexes[i];
                        let count = index.keys.len();
                        let key = |p: &Pick| p.index(count);
                        match tweak {
                            IndexTweak::ToggleDesc(k) => {
                                let k = key(k);
                                index.keys[k].desc = !index.keys[k].desc;
                            }
                            IndexTweak::ToggleNulls(k) => {
                                let k = key(k);
                                index.keys[k].nulls = match index.keys[k].nulls {
                                    None => Some(NullsOrder::First),
                                    Some(NullsOrder::First) => Some(NullsOrder::Last),
                                    Some(NullsOrder::Last) => None,
                                };
                            }
                            IndexTweak::Method(method) => index.method = *method,
                            IndexTweak::ToggleUnique => index.unique = !index.unique,
                            IndexTweak::TogglePartial(_) => {
                                index.predicate = match index.predicate {
                                    Some(_) => None,
                                    None => predicate,
                                }
                            }
                            IndexTweak::ToggleOpclass(k) => {
                                let k = key(k);
                                index.keys[k].opclass = !index.keys[k].opclass;
                            }
                            IndexTweak::AddKey(_) => index.keys.extend(new_key),
                            IndexTweak::DropKey(k) => {
                                if index.keys.len() > 1 {
                                    let k = key(k);
                                    index.keys.remove(k);
                                }
                            }
                        }
                    }
                }
            }
            Op::SwapIndexes(t, a, b) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let indexes = &mut self.tables[t].indexes;
                    if let (Some(a), Some(b)) = (at(a, indexes.len()), at(b, indexes.len())) {
                        indexes.swap(a, b);
                    }
                }
            }
            Op::ToggleName(t, which, mimic) => {
                if let Some(t) = at(t, self.tables.len()) {
                    let fresh = format!("k{}", self.fresh());
                    let table = &self.tables[t];
                    let first = |cols: &[u32]| {
                        cols.first()
                            .and_then(|c| table.column(*c))
                            .map(|c| c.name.clone())
                    };
                    // What PostgreSQL would call each object, in slot order.
                    let mut generated: Vec<String> = Vec::new();
                    let mut push = |column: Option<String>, label: &str| {
                        generated.push(make_object_name(
                            &table.name,
                            column.as_deref(),
                            Some(label),
                        ));
                    };
                    if table.pk.is_some() {
                        push(None, "pkey");
                    }
                    for unique in &table.uniques {
                        push(first(&unique.cols), "key");
                    }
                    for fk in &table.fks {
                        push(first(&fk.cols), "fkey");
                    }
                    for check in &table.checks {
                        push(first(&check.kind.columns()), "check");
                    }
                    for index in &table.indexes {
                        let column = index.keys.first().map(|k| k.target.column());
                        push(column.and_then(|c| first(&[c])), "idx");
                    }
                    let table = &mut self.tables[t];
                    let mut slots: Vec<&mut Option<String>> = Vec::new();
                    if let Some(pk) = &mut table.pk {
                        slots.push(&mut pk.name);
                    }
                    slots.extend(table.uniques.iter_mut().map(|u| &mut u.name));
                    slots.extend(table.fks.iter_mut().map(|f| &mut f.name));
                    slots.extend(table.checks.iter_mut().map(|c| &mut c.name));
                    slots.extend(table.indexes.iter_mut().map(|i| &mut i.name));
                    let len = slots.len();
                    if let Some(i) = at(which, len) {
                        let slot = &mut *slots[i];
                        *slot = match (&slot, mimic) {
                            (Some(_), _) => None,
                            (None, false) => Some(fresh),
                            (None, true) => Some(generated[i].clone()),
                        };
                    }
                }
            }
            Op::SetIdentity(which, identity) => {
                let mut columns = self
                    .tables
                    .iter_mut()
                    .flat_map(|t| t.columns.iter_mut())
                    .filter(|c| matches!(c.value, Value::Identity(_)))
                    .collect::<Vec<_>>();
                if let Some(i) = at(which, columns.len()) {
                    columns[i].value = Value::Identity(identity.clone());
                }
            }
            Op::RenameNamespace => {
                let name = format!("aux{}", self.fresh());
                self.aux = Some(name);
            }
            Op::StaleHint(kind, which) => {
                let name = self.fresh();
                match kind.index(3) {
                    0 => {
                        if let Some(t) = at(which, self.tables.len()) {
                            self.tables[t].stale = Some(table_name(name, false));
                        }
                    }
                    1 => {
                        if let Some(e) = at(which, self.enums.len()) {
                            self.enums[e].stale = Some(format!("e{name}"));
                        }
                    }
                    _ => {
                        let all: Vec<(usize, usize)> = self
                            .tables
                            .iter()
                            .enumerate()
                            .flat_map(|(t, table)| (0..table.columns.len()).map(move |c| (t, c)))
                            .collect();
                        if let Some(i) = at(which, all.len()) {
                            let (t, c) = all[i];
                            self.tables[t].columns[c].stale =
                                Some(column_name(name, NameStyle::Plain));
                        }
                    }
                }
            }
        }
    }

    #[expect(clippy::too_many_arguments, reason = "one edit's fields")]
    fn add_foreign_key(
        &mut self,
        table: &Pick,
        target: &Pick,
        picks: &[Pick],
        new_columns: bool,
        (on_delete, on_update): (u8, u8),
        named: bool,
        column_level: bool,
    ) {
        let (Some(t), Some(target)) = (at(table, self.tables.len()), at(target, self.tables.len()))
        else {
            return;
        };
        // The target's key: its primary key, a unique, or a new unique on
        // its first column that can have one.
        let target_table = &self.tables[target];
        let key = match (&target_table.pk, target_table.uniques.first()) {
            (Some(pk), _) => pk.cols.clone(),
            (None, Some(unique)) => unique.cols.clone(),
            (None, None) => {
                let Some(column) = target_table
                    .columns
                    .iter()
                    .find(|c| !matches!(c.value, Value::Generated(..)) && c.ty != Ty::Json)
                else {
                    return;
                };
                let id = column.id;
                self.tables[target].uniques.push(Unique {
                    cols: vec![id],
                    nnd: false,
                    name: None,
                    column_level: true,
                });
                vec![id]
            }
        };
        let mut cols = if new_columns {
            Vec::new()
        } else {
            self.pick_columns(t, picks, |c| !matches!(c.value, Value::Generated(..)))
        };
        cols.truncate(key.len());
        while cols.len() < key.len() {
            let Some(target_column) = self.tables[target].column(key[cols.len()]).cloned() else {
                return;
            };
            let id = self.fresh();
            self.tables[t].columns.push(Column {
                id,
                name: column_name(id, NameStyle::Plain),
                renamed_from: None,
                stale: None,
                ty: target_column.ty,
                dims: target_column.dims,
                nullable: true,
                value: Value::None,
            });
            cols.push(id);
        }
        let name = self.explicit_name(named);
        let target_id = self.tables[target].id;
        self.tables[t].fks.push(ForeignKey {
            cols,
            table: target_id,
            target: key,
            on_delete: action(on_delete),
            on_update: action(on_update),
            name,
            column_level,
        });
    }
}

/// Gives a column just given an identity, serial or generation a type
/// that can have it (a user asking for an identity writes an integer
/// type): the integer types for identity and serial, the result type of
/// the expression for a generated column.
fn fit_type_to_value(column: &mut Column) {
    let integers = [Ty::SmallInt, Ty::Integer, Ty::BigInt];
    match column.value {
        Value::Identity(_) | Value::Serial if !column.ty.is_integer() || column.dims > 0 => {
            column.ty = integers[column.id as usize % 3].clone();
            column.dims = 0;
        }
        Value::Generated(kind, _) => {
            column.dims = 0;
            column.ty = match kind {
                GenKind::IsNull => Ty::Boolean,
                GenKind::Lower if !matches!(column.ty, Ty::Text | Ty::Varchar(_)) => Ty::Text,
                GenKind::Double if !column.ty.is_number() => {
                    integers[column.id as usize % 3].clone()
                }
                _ => column.ty.clone(),
            };
        }
        _ => {}
    }
}

fn key_of(table: &Table, raw: &RawKey) -> Option<Key> {
    let column = table.columns[at(&raw.col, table.columns.len())?].id;
    let target = match raw.target {
        6 => KeyTarget::IsNull(column),
        7 => KeyTarget::Lower(column),
        _ => KeyTarget::Column(column),
    };
    Some(Key {
        target,
        desc: raw.desc,
        nulls: raw.nulls,
        opclass: raw.opclass,
    })
}

// --- making a spec valid ------------------------------------------------------

/// Whether btree (and so a key or unique constraint) can index the type.
fn btree(ty: &Ty) -> bool {
    *ty != Ty::Json
}

/// Whether `method` has a default operator class for a column key.
fn method_fits(method: Method, ty: &Ty, dims: u8) -> bool {
    match method {
        Method::Btree => btree(ty),
        Method::Hash => dims == 0 && *ty != Ty::Json,
        Method::Gin => (dims > 0 && *ty != Ty::Json) || (dims == 0 && *ty == Ty::Jsonb),
        Method::Brin => {
            dims == 0 && !matches!(ty, Ty::Boolean | Ty::Json | Ty::Jsonb | Ty::Enum(_))
        }
        Method::SpGist => dims == 0 && matches!(ty, Ty::Text | Ty::Inet),
    }
}

/// The alternative operator class of a column key, when the type has one.
fn opclass(method: Method, ty: &Ty, dims: u8) -> Option<&'static str> {
    match (method, ty, dims) {
        (Method::Btree, Ty::Text, 0) => Some("text_pattern_ops"),
        (Method::Btree, Ty::Varchar(_), 0) => Some("varchar_pattern_ops"),
        (Method::Btree, Ty::Char(_), 0) => Some("bpchar_pattern_ops"),
        (Method::Gin, Ty::Jsonb, 0) => Some("jsonb_path_ops"),
        _ => None,
    }
}

fn fits_generation(kind: GenKind, column: &Column, source: &Column) -> bool {
    if column.dims != 0 || matches!(source.value, Value::Generated(..)) || column.id == source.id {
        return false;
    }
    match kind {
        GenKind::Double => {
            source.ty.is_integer()
                && source.dims == 0
                && match &column.ty {
                    Ty::Numeric(Some((p, s))) => *p >= s.unwrap_or(0) + 2,
                    ty => ty.is_number(),
                }
        }
        GenKind::Lower => {
            source.ty.is_string()
                && source.dims == 0
                && matches!(column.ty, Ty::Text | Ty::Varchar(_))
        }
        GenKind::IsNull => column.ty == Ty::Boolean,
    }
}

impl Spec {
    /// Makes the spec a valid model, changing as little as it can.
    fn fix(&mut self) {
        let enums: BTreeMap<u32, Vec<u32>> = self
            .enums
            .iter()
            .map(|e| (e.id, e.labels.iter().map(|l| l.id).collect()))
            .collect();
        for table in &mut self.tables {
            for column in &mut table.columns {
                if let Ty::Enum(e) = column.ty {
                    if !enums.contains_key(&e) {
                        column.ty = Ty::Text;
                    }
                }
            }
            fix_keys(table);
        }
        self.fix_foreign_keys();
        for table in &mut self.tables {
            fix_values(table);
            // Keys, identity and serial columns are NOT NULL.
            let mut not_null: BTreeSet<u32> =
                table.pk.iter().flat_map(|pk| pk.cols.clone()).collect();
            for column in &table.columns {
                if matches!(column.value, Value::Identity(_) | Value::Serial) {
                    not_null.insert(column.id);
                }
            }
            for column in &mut table.columns {
                if not_null.contains(&column.id) {
                    column.nullable = false;
                }
            }
            // `set null` needs nullable columns.
            let nullable: BTreeSet<u32> = table
                .columns
                .iter()
                .filter(|c| c.nullable)
                .map(|c| c.id)
                .collect();
            let mut referencing = BTreeSet::new();
            for fk in &mut table.fks {
                if !fk.cols.iter().all(|c| nullable.contains(c)) {
                    for action in [&mut fk.on_delete, &mut fk.on_update] {
                        if *action == ReferentialAction::SetNull {
                            *action = ReferentialAction::NoAction;
                        }
                    }
                }
                // A column takes one `references(…)`.
                fk.column_level &=
                    fk.cols.len() == 1 && fk.name.is_none() && referencing.insert(fk.cols[0]);
            }
            dedupe_names(table);
            fix_checks(table, &enums);
            fix_indexes(table, &enums);
        }
        // Table-level checks and expression indexes need a name (the
        // DSL's rule): a new one, unique in the namespace.
        for t in 0..self.tables.len() {
            for k in 0..self.tables[t].checks.len() {
                if self.tables[t].checks[k].name.as_deref() == Some("") {
                    self.tables[t].checks[k].name = Some(format!("k{}", self.fresh()));
                }
            }
            for i in 0..self.tables[t].indexes.len() {
                if self.tables[t].indexes[i].name.as_deref() == Some("") {
                    self.tables[t].indexes[i].name = Some(format!("k{}", self.fresh()));
                }
            }
        }
    }

    /// Foreign keys reference the target's primary key or a unique (as a
    /// set of columns); referencing columns take the target columns' types
    /// (a user changing a key's type changes what references it too).
    fn fix_foreign_keys(&mut self) {
        let keys: BTreeMap<u32, Vec<BTreeSet<u32>>> = self
            .tables
            .iter()
            .map(|t| {
                let mut keys: Vec<BTreeSet<u32>> = t
                    .uniques
                    .iter()
                    .map(|u| u.cols.iter().copied().collect())
                    .collect();
                keys.extend(t.pk.iter().map(|pk| pk.cols.iter().copied().collect()));
                (t.id, keys)
            })
            .collect();
        for table in &mut self.tables {
            let columns: BTreeSet<u32> = table.columns.iter().map(|c| c.id).collect();
            let generated: BTreeSet<u32> = table
                .columns
                .iter()
                .filter(|c| matches!(c.value, Value::Generated(..)))
                .map(|c| c.id)
                .collect();
            table.fks.retain(|fk| {
                let distinct: BTreeSet<u32> = fk.cols.iter().copied().collect();
                let target: BTreeSet<u32> = fk.target.iter().copied().collect();
                distinct.len() == fk.cols.len()
                    && fk.cols.len() == fk.target.len()
                    && fk
                        .cols
                        .iter()
                        .all(|c| columns.contains(c) && !generated.contains(c))
                    && keys.get(&fk.table).is_some_and(|k| k.contains(&target))
            });
        }
        // Types flow from keys to what references them, through chains.
        for _ in 0..6 {
            let types: BTreeMap<(u32, u32), (Ty, u8)> = self
                .tables
                .iter()
                .flat_map(|t| {
                    t.columns
                        .iter()
                        .map(move |c| ((t.id, c.id), (c.ty.clone(), c.dims)))
                })
                .collect();
            let mut changed = false;
            for table in &mut self.tables {
                let fks = table.fks.clone();
                for fk in &fks {
                    for (col, target) in fk.cols.iter().zip(&fk.target) {
                        let Some(wanted) = types.get(&(fk.table, *target)) else {
                            continue;
                        };
                        if let Some(column) = table.columns.iter_mut().find(|c| c.id == *col) {
                            if (&column.ty, column.dims) != (&wanted.0, wanted.1) {
                                column.ty = wanted.0.clone();
                                column.dims = wanted.1;
                                changed = true;
                            }
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let types: BTreeMap<(u32, u32), (Ty, u8)> = self
            .tables
            .iter()
            .flat_map(|t| {
                t.columns
                    .iter()
                    .map(move |c| ((t.id, c.id), (c.ty.clone(), c.dims)))
            })
            .collect();
        for table in &mut self.tables {
            let id = table.id;
            table.fks.retain(|fk| {
                fk.cols.iter().zip(&fk.target).all(|(c, t)| {
                    let ty = types.get(&(fk.table, *t));
                    // PostgreSQL cannot check a foreign key over arrays
                    // of a type with a modifier, e.g. `char(n)[]` ("cannot
                    // determine element type of anyarray").
                    types.get(&(id, *c)) == ty
                        && !ty.is_some_and(|(ty, dims)| *dims > 0 && ty.has_modifier())
                })
            });
        }
    }
}

/// Primary key and uniques: existing, distinct, btree-able columns that
/// are not generated; no unique repeating the key or another unique.
fn fix_keys(table: &mut Table) {
    let usable: BTreeSet<u32> = table
        .columns
        .iter()
        .filter(|c| btree(&c.ty) && !matches!(c.value, Value::Generated(..)))
        .map(|c| c.id)
        .collect();
    let clean = |cols: &mut Vec<u32>| {
        let mut seen = BTreeSet::new();
        cols.retain(|c| usable.contains(c) && seen.insert(*c));
    };
    if let Some(pk) = &mut table.pk {
        clean(&mut pk.cols);
    }
    if table.pk.as_ref().is_some_and(|pk| pk.cols.is_empty()) {
        table.pk = None;
    }
    let mut seen: Vec<Vec<u32>> = table.pk.iter().map(|pk| pk.cols.clone()).collect();
    table.uniques.retain_mut(|unique| {
        clean(&mut unique.cols);
        // One column-level `unique` per column; never two on one column
        // anyway (they would repeat each other).
        unique.column_level &= unique.cols.len() == 1;
        if unique.cols.is_empty() || seen.contains(&unique.cols) {
            return false;
        }
        seen.push(unique.cols.clone());
        true
    });
}

/// Identity and serial on integer scalars; generation from a fitting
/// column (another one is looked for, else the column becomes plain).
fn fix_values(table: &mut Table) {
    let snapshot = table.columns.clone();
    let keyed: BTreeSet<u32> = table
        .pk
        .iter()
        .flat_map(|pk| pk.cols.clone())
        .chain(table.uniques.iter().flat_map(|u| u.cols.clone()))
        .chain(table.fks.iter().flat_map(|f| f.cols.clone()))
        .collect();
    for column in &mut table.columns {
        match column.value.clone() {
            Value::Identity(_) | Value::Serial => {
                if !column.ty.is_integer() || column.dims != 0 {
                    column.value = Value::None;
                }
            }
            Value::Generated(kind, source) => {
                let fits = |kind: GenKind, source: &Column| fits_generation(kind, column, source);
                let keep = !keyed.contains(&column.id)
                    && snapshot
                        .iter()
                        .find(|c| c.id == source)
                        .is_some_and(|s| fits(kind, s));
                if !keep {
                    let kind = if column.ty == Ty::Boolean {
                        GenKind::IsNull
                    } else if column.ty.is_string() {
                        GenKind::Lower
                    } else {
                        GenKind::Double
                    };
                    let other = snapshot.iter().find(|s| fits(kind, s));
                    column.value = match other {
                        Some(s) if !keyed.contains(&column.id) => Value::Generated(kind, s.id),
                        _ => Value::None,
                    };
                }
            }
            Value::None | Value::Default(_) | Value::DefaultSql(_) => {}
        }
    }
    // A generated column's source may have become generated itself.
    let generated: BTreeSet<u32> = table
        .columns
        .iter()
        .filter(|c| matches!(c.value, Value::Generated(..)))
        .map(|c| c.id)
        .collect();
    for column in &mut table.columns {
        if let Value::Generated(_, source) = column.value {
            if generated.contains(&source) {
                column.value = Value::None;
            }
        }
    }
}

/// Explicit names unique in the table (and so in the namespace: they
/// start with the table's name or are fresh): a repeated one is dropped,
/// or, where the DSL wants a name, replaced by a fresh one (`Spec::fix`).
fn dedupe_names(table: &mut Table) {
    let mut seen = BTreeSet::new();
    let mut keep = |name: &mut Option<String>, required: bool| {
        if let Some(n) = name {
            if !n.is_empty() && !seen.insert(n.clone()) {
                *name = required.then(String::new);
            }
        }
    };
    if let Some(pk) = &mut table.pk {
        keep(&mut pk.name, false);
    }
    for unique in &mut table.uniques {
        keep(&mut unique.name, false);
    }
    for fk in &mut table.fks {
        keep(&mut fk.name, false);
    }
    for check in &mut table.checks {
        keep(&mut check.name, true);
    }
    for index in &mut table.indexes {
        keep(&mut index.name, true);
    }
}

/// Checks over existing columns of a type they fit; one that no longer
/// fits becomes a tautology over its first column.
fn fix_checks(table: &mut Table, enums: &BTreeMap<u32, Vec<u32>>) {
    let columns: BTreeMap<u32, (Ty, u8)> = table
        .columns
        .iter()
        .map(|c| (c.id, (c.ty.clone(), c.dims)))
        .collect();
    table.checks.retain_mut(|check| {
        let cols = check.kind.columns();
        let Some(first) = cols.iter().find(|c| columns.contains_key(c)).copied() else {
            return false;
        };
        let scalar = |c: &u32, f: fn(&Ty) -> bool| {
            columns.get(c).is_some_and(|(ty, dims)| *dims == 0 && f(ty))
        };
        let fits = match &check.kind {
            CheckKind::Tautology(c) => columns.contains_key(c),
            CheckKind::Greater(c) | CheckKind::Between(c) | CheckKind::In(c) => {
                scalar(c, Ty::is_number)
            }
            CheckKind::Length(c) => scalar(c, Ty::is_string),
            CheckKind::NotLabel(c, label) => match columns.get(c) {
                Some((Ty::Enum(e), 0)) => enums.get(e).is_some_and(|l| l.contains(label)),
                _ => false,
            },
            CheckKind::Pair(a, b) => columns.contains_key(a) && columns.contains_key(b),
        };
        if !fits {
            check.kind = CheckKind::Tautology(first);
        }
        check.column_level &= check.kind.columns().len() == 1;
        if !check.column_level && check.name.is_none() {
            // Named by `Spec::fix`.
            check.name = Some(String::new());
        }
        true
    });
}

/// Indexes whose keys exist and fit the method (else btree, else dropped);
/// options only where the method has them.
fn fix_indexes(table: &mut Table, enums: &BTreeMap<u32, Vec<u32>>) {
    let columns: BTreeMap<u32, (Ty, u8)> = table
        .columns
        .iter()
        .map(|c| (c.id, (c.ty.clone(), c.dims)))
        .collect();
    table.indexes.retain_mut(|index| {
        index.keys.retain_mut(|key| {
            let Some((ty, dims)) = columns.get(&key.target.column()) else {
                return false;
            };
            if matches!(key.target, KeyTarget::Lower(_)) && !(ty.is_string() && *dims == 0) {
                key.target = KeyTarget::IsNull(key.target.column());
            }
            true
        });
        if index.keys.is_empty() {
            return false;
        }
        let has_expression = index
            .keys
            .iter()
            .any(|k| !matches!(k.target, KeyTarget::Column(_)));
        let fits = |method: Method| {
            index.keys.iter().all(|k| match k.target {
                KeyTarget::Column(c) => columns
                    .get(&c)
                    .is_some_and(|(ty, dims)| method_fits(method, ty, *dims)),
                KeyTarget::IsNull(_) | KeyTarget::Lower(_) => method == Method::Btree,
            }) && (method == Method::Btree || index.keys.len() == 1 || method == Method::Brin)
        };
        if !fits(index.method) {
            if fits(Method::Btree) {
                index.method = Method::Btree;
            } else {
                return false;
            }
        }
        if index.method != Method::Btree {
            index.unique = false;
            for key in &mut index.keys {
                key.desc = false;
                key.nulls = None;
            }
        }
        index.nnd &= index.unique;
        for key in &mut index.keys {
            let fits = match key.target {
                KeyTarget::Column(c) => columns
                    .get(&c)
                    .and_then(|(ty, dims)| opclass(index.method, ty, *dims))
                    .is_some(),
                _ => false,
            };
            key.opclass &= fits;
        }
        match index.predicate {
            Some((c, _)) if !columns.contains_key(&c) => index.predicate = None,
            Some((c, Some(label))) => {
                let fits = match columns.get(&c) {
                    Some((Ty::Enum(e), 0)) => enums.get(e).is_some_and(|l| l.contains(&label)),
                    _ => false,
                };
                if !fits {
                    index.predicate = Some((c, None));
                }
            }
            _ => {}
        }
        index.column_level &= index.keys.len() == 1 && !has_expression;
        if has_expression && index.name.is_none() {
            // Named by `Spec::fix`.
            index.name = Some(String::new());
        }
        true
    });
}

// --- writing a spec as schema source ---------------------------------------------

impl Spec {
    fn enum_of(&self, id: u32) -> Option<&Enum> {
        self.enums.iter().find(|e| e.id == id)
    }

    fn label_text(&self, enum_id: u32, label: u32) -> Option<&str> {
        self.enum_of(enum_id)?
            .labels
            .iter()
            .find(|l| l.id == label)
            .map(|l| l.text.as_str())
    }

    fn table_of(&self, id: u32) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    fn table_named(&self, schema: &str, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| self.ns_name(t.ns) == schema && t.name == name)
    }

    /// The literal defaults (Rust tokens) of a column type.
    fn literal_defaults(&self, ty: &Ty, dims: u8) -> Vec<String> {
        let s = |text: &str| format!("{text:?}");
        if dims > 0 {
            return vec![s("{}")];
        }
        match ty {
            Ty::SmallInt | Ty::Integer | Ty::BigInt => vec!["0".into(), "-1".into(), "7".into()],
            Ty::Real | Ty::Double => vec!["1.5".into(), "0.0".into(), "-2.25".into()],
            Ty::Numeric(None) => vec!["0".into(), "1.5".into(), "-3".into()],
            Ty::Numeric(Some((p, scale))) => {
                let scale = scale.unwrap_or(0);
                let mut out = vec!["0".to_owned()];
                if *p > scale {
                    out.push("1".into());
                }
                if scale > 0 {
                    out.push("0.5".into());
                }
                out
            }
            Ty::Boolean => vec!["true".into(), "false".into()],
            Ty::Text => vec![s(""), s("hello"), s("it's")],
            Ty::Varchar(n) | Ty::Char(n) => {
                if n.unwrap_or(1) >= 2 {
                    vec![s("a"), s("ab")]
                } else {
                    vec![s("a")]
                }
            }
            Ty::Bytea => vec![s("\\x0102")],
            Ty::Uuid => vec![s("00000000-0000-0000-0000-000000000000")],
            Ty::Json | Ty::Jsonb => vec![s("{}"), s("[1, 2]"), s("{\"a\": 1}")],
            Ty::Date => vec![s("2024-01-01")],
            Ty::Time(_, false) => vec![s("12:00:00")],
            Ty::Time(_, true) => vec![s("12:00:00+00")],
            Ty::Timestamp(_, false) => vec![s("2024-01-01 00:00:00")],
            Ty::Timestamp(_, true) => vec![s("2024-01-01 00:00:00+00")],
            Ty::Interval => vec![s("1 day")],
            Ty::Inet => vec![s("10.0.0.1")],
            Ty::Cidr => vec![s("10.0.0.0/8")],
            Ty::MacAddr => vec![s("08:00:2b:01:02:03")],
            Ty::Enum(e) => self
                .enum_of(*e)
                .map(|e| e.labels.iter().map(|l| s(&l.text)).collect())
                .unwrap_or_default(),
        }
    }

    /// The SQL defaults of a column type (may be none).
    fn sql_defaults(ty: &Ty, dims: u8) -> Vec<&'static str> {
        if dims > 0 {
            return Vec::new();
        }
        match ty {
            Ty::SmallInt | Ty::Integer | Ty::BigInt | Ty::Numeric(None) | Ty::Real | Ty::Double => {
                vec!["(1 + 2)"]
            }
            Ty::Boolean => vec!["(1 = 1)"],
            Ty::Text => vec!["upper('a')", "'x' || 'y'"],
            Ty::Uuid => vec!["gen_random_uuid()"],
            Ty::Jsonb => vec!["'{}'::jsonb"],
            Ty::Date => vec!["CURRENT_DATE"],
            Ty::Timestamp(_, true) => vec!["now()", "CURRENT_TIMESTAMP"],
            Ty::Timestamp(_, false) => vec!["LOCALTIMESTAMP"],
            _ => Vec::new(),
        }
    }

    fn column_sql(table: &Table, id: u32) -> String {
        table
            .column(id)
            .map_or_else(|| "missing".to_owned(), |c| ident(&c.name))
    }

    fn check_sql(&self, table: &Table, kind: &CheckKind) -> String {
        let c = |id: &u32| Self::column_sql(table, *id);
        match kind {
            CheckKind::Tautology(a) => format!("{} IS NOT NULL OR {} IS NULL", c(a), c(a)),
            CheckKind::Greater(a) => format!("{} > -100", c(a)),
            CheckKind::Between(a) => format!("{} BETWEEN -10 AND 1000", c(a)),
            CheckKind::In(a) => format!("{} IN (0, 1, 2, 3)", c(a)),
            CheckKind::Length(a) => format!("length({}) < 100", c(a)),
            CheckKind::NotLabel(a, label) => {
                let text = match table.column(*a).map(|c| &c.ty) {
                    Some(Ty::Enum(e)) => self.label_text(*e, *label).unwrap_or("?"),
                    _ => "?",
                };
                format!("{} <> {}", c(a), sql_string(text))
            }
            CheckKind::Pair(a, b) => format!(
                "{} IS NULL OR {} IS NULL OR {} IS NOT NULL",
                c(a),
                c(b),
                c(a)
            ),
        }
    }

    /// The spec as a schema source file.
    fn source(&self) -> String {
        let mut out = String::from("use schema_macros::{pg_enum, table};\n");
        for e in &self.enums {
            let mut args = vec![format!("name = {:?}", e.name)];
            if e.ns != Ns::Public {
                args.push(format!("schema = {:?}", self.ns_name(e.ns)));
            }
            if let Some(from) = e.renamed_from.as_ref().or(e.stale.as_ref()) {
                args.push(format!("renamed_from = {from:?}"));
            }
            let _ = writeln!(
                out,
                "\n#[pg_enum({})]\npub enum E{} {{",
                args.join(", "),
                e.id
            );
            for label in &e.labels {
                let mut args = vec![format!("name = {:?}", label.text)];
                if let Some(from) = &label.renamed_from {
                    args.push(format!("renamed_from = {from:?}"));
                }
                let _ = writeln!(out, "    #[value({})]\n    V{},", args.join(", "), label.id);
            }
            out.push_str("}\n");
        }
        for table in &self.tables {
            self.table_source(table, &mut out);
        }
        out
    }

    fn table_source(&self, table: &Table, out: &mut String) {
        let field = |id: u32| format!("f{id}");
        let fields = |cols: &[u32]| {
            cols.iter()
                .map(|c| field(*c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut args = vec![format!("name = {:?}", table.name)];
        if table.ns != Ns::Public {
            args.push(format!("schema = {:?}", self.ns_name(table.ns)));
        }
        if let Some(from) = table.renamed_from.as_ref().or(table.stale.as_ref()) {
            args.push(format!("renamed_from = {from:?}"));
        }
        let mut column_attrs: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        if let Some(pk) = &table.pk {
            match (&pk.name, pk.cols.as_slice()) {
                (None, [one]) => column_attrs
                    .entry(*one)
                    .or_default()
                    .push("primary_key".into()),
                (name, cols) => {
                    let name = name
                        .as_ref()
                        .map(|n| format!("name = {n:?}, "))
                        .unwrap_or_default();
                    args.push(format!("primary_key({name}columns({}))", fields(cols)));
                }
            }
        }
        for unique in &table.uniques {
            let mut options = Vec::new();
            if let Some(name) = &unique.name {
                options.push(format!("name = {name:?}"));
            }
            if unique.nnd {
                options.push("nulls_not_distinct".into());
            }
            if unique.column_level {
                let attr = if options.is_empty() {
                    "unique".to_owned()
                } else {
                    format!("unique({})", options.join(", "))
                };
                column_attrs.entry(unique.cols[0]).or_default().push(attr);
            } else {
                options.insert(
                    usize::from(unique.name.is_some()),
                    format!("columns({})", fields(&unique.cols)),
                );
                args.push(format!("unique({})", options.join(", ")));
            }
        }
        for fk in &table.fks {
            let Some(target) = self.table_of(fk.table) else {
                continue;
            };
            let references = fk
                .target
                .iter()
                .map(|c| format!("T{}::{}", target.id, field(*c)))
                .collect::<Vec<_>>()
                .join(", ");
            let mut actions = Vec::new();
            if fk.on_delete != ReferentialAction::NoAction {
                actions.push(format!("on_delete = {:?}", action_name(fk.on_delete)));
            }
            if fk.on_update != ReferentialAction::NoAction {
                actions.push(format!("on_update = {:?}", action_name(fk.on_update)));
            }
            if fk.column_level {
                let mut attr = vec![format!("references({references})")];
                attr.extend(actions);
                column_attrs.entry(fk.cols[0]).or_default().extend(attr);
            } else {
                let mut options = Vec::new();
                if let Some(name) = &fk.name {
                    options.push(format!("name = {name:?}"));
                }
                options.push(format!("columns({})", fields(&fk.cols)));
                options.push(format!("references({references})"));
                options.extend(actions);
                args.push(format!("foreign_key({})", options.join(", ")));
            }
        }
        for check in &table.checks {
            let sql = self.check_sql(table, &check.kind);
            match (&check.name, check.column_level) {
                (None, true) => column_attrs
                    .entry(check.kind.columns()[0])
                    .or_default()
                    .push(format!("check = {sql:?}")),
                (Some(name), true) => column_attrs
                    .entry(check.kind.columns()[0])
                    .or_default()
                    .push(format!("check(name = {name:?}, sql = {sql:?})")),
                (name, false) => args.push(format!(
                    "check(name = {:?}, sql = {sql:?})",
                    name.as_deref().unwrap_or("unnamed")
                )),
            }
        }
        for index in &table.indexes {
            let mut options = Vec::new();
            if let Some(name) = &index.name {
                options.push(format!("name = {name:?}"));
            }
            let key_options = |key: &Key| {
                let mut o = Vec::new();
                if key.desc {
                    o.push("desc".to_owned());
                }
                match key.nulls {
                    Some(NullsOrder::First) => o.push("nulls_first".into()),
                    Some(NullsOrder::Last) => o.push("nulls_last".into()),
                    None => {}
                }
                if key.opclass {
                    if let KeyTarget::Column(c) = key.target {
                        if let Some(column) = table.column(c) {
                            if let Some(name) = opclass(index.method, &column.ty, column.dims) {
                                o.push(format!("opclass = {name:?}"));
                            }
                        }
                    }
                }
                o
            };
            if !index.column_level {
                let keys = index
                    .keys
                    .iter()
                    .map(|key| {
                        let target = match key.target {
                            KeyTarget::Column(c) => field(c),
                            KeyTarget::IsNull(c) => {
                                format!("{:?}", format!("{} IS NULL", Self::column_sql(table, c)))
                            }
                            KeyTarget::Lower(c) => {
                                format!("{:?}", format!("lower({})", Self::column_sql(table, c)))
                            }
                        };
                        let o = key_options(key);
                        if o.is_empty() {
                            target
                        } else {
                            format!("{target}({})", o.join(", "))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                options.push(format!("columns({keys})"));
            }
            if index.method != Method::Btree {
                options.push(format!("method = {:?}", index.method.name()));
            }
            if index.unique {
                options.push("unique".into());
            }
            if index.nnd {
                options.push("nulls_not_distinct".into());
            }
            if let Some((c, label)) = index.predicate {
                let column = Self::column_sql(table, c);
                let label = match (label, table.column(c).map(|c| &c.ty)) {
                    (Some(label), Some(Ty::Enum(e))) => self.label_text(*e, label),
                    _ => None,
                };
                let sql = match label {
                    Some(label) => format!("{column} <> {}", sql_string(label)),
                    None => format!("{column} IS NOT NULL"),
                };
                options.push(format!("where = {sql:?}"));
            }
            if index.column_level {
                options.extend(key_options(&index.keys[0]));
                let attr = if options.is_empty() {
                    "index".to_owned()
                } else {
                    format!("index({})", options.join(", "))
                };
                column_attrs
                    .entry(index.keys[0].target.column())
                    .or_default()
                    .push(attr);
            } else {
                args.push(format!("index({})", options.join(", ")));
            }
        }

        let _ = writeln!(
            out,
            "\n#[table({})]\npub struct T{} {{",
            args.join(", "),
            table.id
        );
        for column in &table.columns {
            let mut attrs = vec![format!("name = {:?}", column.name)];
            if !matches!(column.ty, Ty::Enum(_)) {
                let mut ty = column.ty.sql();
                for _ in 0..column.dims {
                    ty.push_str("[]");
                }
                attrs.push(format!("sql_type = {ty:?}"));
            }
            if let Some(from) = column.renamed_from.as_ref().or(column.stale.as_ref()) {
                attrs.push(format!("renamed_from = {from:?}"));
            }
            match &column.value {
                Value::None => {}
                Value::Default(n) | Value::DefaultSql(n) => {
                    let sql = Self::sql_defaults(&column.ty, column.dims);
                    let literals = self.literal_defaults(&column.ty, column.dims);
                    if matches!(column.value, Value::DefaultSql(_)) && !sql.is_empty() {
                        let sql = sql[usize::from(*n) % sql.len()];
                        attrs.push(format!("default_sql = {sql:?}"));
                    } else if !literals.is_empty() {
                        attrs.push(format!(
                            "default = {}",
                            literals[usize::from(*n) % literals.len()]
                        ));
                    }
                }
                Value::Identity(identity) => attrs.push(identity_attr(identity)),
                Value::Serial => attrs.push("serial".into()),
                Value::Generated(kind, source) => {
                    let source = Self::column_sql(table, *source);
                    let sql = match kind {
                        GenKind::Double => format!("{source} * 2"),
                        GenKind::Lower => format!("lower({source})"),
                        GenKind::IsNull => format!("{source} IS NULL"),
                    };
                    attrs.push(format!("generated = {sql:?}"));
                }
            }
            attrs.extend(column_attrs.remove(&column.id).unwrap_or_default());
            let mut rust = match column.ty {
                Ty::Enum(e) => format!("E{e}"),
                _ => "String".to_owned(),
            };
            if matches!(column.ty, Ty::Enum(_)) {
                for _ in 0..column.dims {
                    rust = format!("Vec<{rust}>");
                }
            }
            if column.nullable {
                rust = format!("Option<{rust}>");
            }
            let _ = writeln!(
                out,
                "    #[column({})]\n    pub {}: {rust},",
                attrs.join(", "),
                field(column.id)
            );
        }
        out.push_str("}\n");
    }
}

fn action_name(action: ReferentialAction) -> &'static str {
    ReferentialAction::ALL
        .iter()
        .find(|(_, a)| *a == action)
        .map_or("no action", |(name, _)| name)
}

fn identity_attr(identity: &IdentitySpec) -> String {
    let mut options = Vec::new();
    if identity.always {
        options.push("always".to_owned());
    }
    for (key, value) in [
        ("start", identity.start),
        ("increment", identity.increment),
        ("min_value", identity.min),
        ("max_value", identity.max),
        ("cache", identity.cache),
    ] {
        if let Some(value) = value {
            options.push(format!("{key} = {value}"));
        }
    }
    if identity.cycle {
        options.push("cycle".into());
    }
    if options.is_empty() {
        "identity".into()
    } else {
        format!("identity({})", options.join(", "))
    }
}

// --- strategies -------------------------------------------------------------------

fn ns() -> impl Strategy<Value = Ns> {
    prop_oneof![3 => Just(Ns::Public), 1 => Just(Ns::Aux)]
}

fn fixed_ty(kind: u8, a: u8, b: u8, tz: bool) -> Ty {
    let precision = |a: u8| [None, Some(0), Some(3), Some(6)][usize::from(a % 4)];
    match kind {
        0 => Ty::SmallInt,
        1 | 21 => Ty::Integer,
        2 | 22 => Ty::BigInt,
        3 => Ty::Real,
        4 => Ty::Double,
        5 => {
            let p = [1u16, 5, 10, 12][usize::from(b % 4)];
            match a % 4 {
                0 => Ty::Numeric(None),
                1 => Ty::Numeric(Some((p, None))),
                _ => Ty::Numeric(Some((p, Some(u16::from(b / 4) % (p.min(4) + 1))))),
            }
        }
        6 => Ty::Boolean,
        7 | 23 => Ty::Text,
        8 => Ty::Varchar((a % 4 != 0).then(|| [1, 2, 8, 64][usize::from(b % 4)])),
        9 => Ty::Char((a % 4 != 0).then(|| [1, 2, 8][usize::from(b % 3)])),
        10 => Ty::Bytea,
        11 => Ty::Uuid,
        12 => Ty::Json,
        13 => Ty::Jsonb,
        14 => Ty::Date,
        15 => Ty::Time(precision(a), tz),
        16 => Ty::Timestamp(precision(a), tz),
        17 => Ty::Interval,
        18 => Ty::Inet,
        19 => Ty::Cidr,
        _ => Ty::MacAddr,
    }
}

fn raw_ty() -> impl Strategy<Value = RawTy> {
    prop_oneof![
        6 => (0u8..24, any::<u8>(), any::<u8>(), any::<bool>())
            .prop_map(|(k, a, b, tz)| RawTy::Fixed(fixed_ty(k, a, b, tz))),
        1 => any::<Pick>().prop_map(RawTy::Enum),
    ]
}

fn dims() -> impl Strategy<Value = u8> {
    prop_oneof![16 => Just(0u8), 3 => Just(1u8), 1 => Just(2u8)]
}

fn identity_spec() -> impl Strategy<Value = IdentitySpec> {
    let option = |values: &'static [i64]| prop_oneof![2 => Just(None), 1 => proptest::sample::select(values).prop_map(Some)];
    (
        any::<bool>(),
        option(&[10, 100]),
        option(&[2, 5, -1, -3]),
        option(&[1, 5]),
        option(&[1000, 30000]),
        option(&[1, 10]),
        prop_oneof![4 => Just(false), 1 => Just(true)],
    )
        .prop_map(|(always, start, increment, min, max, cache, cycle)| {
            let ascending = increment.is_none_or(|i| i > 0);
            IdentitySpec {
                always,
                start: start.filter(|_| ascending),
                increment,
                min: min.filter(|_| ascending),
                max: max.filter(|_| ascending),
                cache,
                cycle,
            }
        })
}

fn gen_kind() -> impl Strategy<Value = GenKind> {
    prop_oneof![
        Just(GenKind::Double),
        Just(GenKind::Lower),
        Just(GenKind::IsNull)
    ]
}

fn raw_value() -> impl Strategy<Value = RawValue> {
    prop_oneof![
        8 => Just(RawValue::None),
        3 => any::<u8>().prop_map(RawValue::Default),
        1 => any::<u8>().prop_map(RawValue::DefaultSql),
        1 => identity_spec().prop_map(RawValue::Identity),
        1 => Just(RawValue::Serial),
        1 => (gen_kind(), any::<Pick>()).prop_map(|(k, p)| RawValue::Generated(k, p)),
    ]
}

fn name_style() -> impl Strategy<Value = NameStyle> {
    prop_oneof![
        8 => Just(NameStyle::Plain),
        1 => Just(NameStyle::Long),
        1 => Just(NameStyle::Mixed),
    ]
}

fn new_column() -> impl Strategy<Value = NewColumn> {
    (raw_ty(), dims(), any::<bool>(), raw_value(), name_style()).prop_map(
        |(ty, dims, nullable, value, style)| NewColumn {
            ty,
            dims,
            nullable,
            value,
            style,
        },
    )
}

fn picks(max: usize) -> impl Strategy<Value = Vec<Pick>> {
    proptest::collection::vec(any::<Pick>(), 1..=max)
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        6 => Just(Method::Btree),
        1 => Just(Method::Hash),
        1 => Just(Method::Gin),
        1 => Just(Method::Brin),
        1 => Just(Method::SpGist),
    ]
}

fn nulls() -> impl Strategy<Value = Option<NullsOrder>> {
    prop_oneof![
        4 => Just(None),
        1 => Just(Some(NullsOrder::First)),
        1 => Just(Some(NullsOrder::Last)),
    ]
}

fn raw_key() -> impl Strategy<Value = RawKey> {
    (
        0u8..8,
        any::<Pick>(),
        prop::bool::weighted(0.3),
        nulls(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(target, col, desc, nulls, opclass)| RawKey {
            target,
            col,
            desc,
            nulls,
            opclass,
        })
}

fn raw_index() -> impl Strategy<Value = RawIndex> {
    (
        proptest::collection::vec(raw_key(), 1..=3),
        method(),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.3),
        proptest::option::weighted(0.25, any::<Pick>()),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.4),
    )
        .prop_map(
            |(keys, method, unique, nnd, partial, named, column_level)| RawIndex {
                keys,
                method,
                unique,
                nnd,
                partial,
                named,
                column_level,
            },
        )
}

fn raw_check() -> impl Strategy<Value = RawCheck> {
    (any::<u8>(), any::<Pick>(), any::<Pick>(), any::<Pick>())
        .prop_map(|(kind, a, b, label)| RawCheck { kind, a, b, label })
}

fn add_table() -> impl Strategy<Value = Op> {
    (
        ns(),
        prop::bool::weighted(0.15),
        proptest::collection::vec(new_column(), 1..=6),
    )
        .prop_map(|(ns, long, columns)| Op::AddTable(ns, long, columns))
}

fn add_enum() -> impl Strategy<Value = Op> {
    (ns(), 1u8..=4, prop::bool::weighted(0.2)).prop_map(|(ns, n, q)| Op::AddEnum(ns, n, q))
}

fn add_foreign_key() -> impl Strategy<Value = Op> {
    (
        any::<Pick>(),
        any::<Pick>(),
        picks(3),
        prop::bool::weighted(0.4),
        0u8..5,
        0u8..5,
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.5),
    )
        .prop_map(
            |(table, target, cols, new_columns, on_delete, on_update, named, column_level)| {
                Op::AddForeignKey {
                    table,
                    target,
                    cols,
                    new_columns,
                    on_delete,
                    on_update,
                    named,
                    column_level,
                }
            },
        )
}

/// Edits that build A: mostly additions.
fn build_op() -> BoxedStrategy<Op> {
    let p = any::<Pick>;
    prop_oneof![
        4 => add_table().boxed(),
        2 => add_enum().boxed(),
        2 => (p(), new_column()).prop_map(|(t, c)| Op::AddColumn(t, c)).boxed(),
        3 => add_foreign_key().boxed(),
        2 => (p(), picks(3), prop::bool::weighted(0.3))
            .prop_map(|(t, c, n)| Op::SetPrimaryKey(t, c, n)).boxed(),
        2 => (p(), picks(2), prop::bool::weighted(0.3), prop::bool::weighted(0.3), prop::bool::weighted(0.5))
            .prop_map(|(t, c, nnd, n, l)| Op::AddUnique(t, c, nnd, n, l)).boxed(),
        2 => (p(), raw_check(), prop::bool::weighted(0.3), prop::bool::weighted(0.5))
            .prop_map(|(t, k, n, l)| Op::AddCheck(t, k, n, l)).boxed(),
        3 => (p(), raw_index()).prop_map(|(t, i)| Op::AddIndex(t, i)).boxed(),
        1 => (p(), p()).prop_map(|(k, w)| Op::StaleHint(k, w)).boxed(),
    ]
    .boxed()
}

fn index_tweak() -> impl Strategy<Value = IndexTweak> {
    let p = any::<Pick>;
    prop_oneof![
        p().prop_map(IndexTweak::ToggleDesc),
        p().prop_map(IndexTweak::ToggleNulls),
        method().prop_map(IndexTweak::Method),
        Just(IndexTweak::ToggleUnique),
        p().prop_map(IndexTweak::TogglePartial),
        p().prop_map(IndexTweak::ToggleOpclass),
        raw_key().prop_map(IndexTweak::AddKey),
        p().prop_map(IndexTweak::DropKey),
    ]
}

/// Edits that turn A into B: anything.
fn mutation_op() -> BoxedStrategy<Op> {
    let p = any::<Pick>;
    let flag = || prop::bool::weighted(0.3);
    prop_oneof![
        1 => add_enum().boxed(),
        1 => p().prop_map(Op::DropEnum).boxed(),
        2 => p().prop_map(Op::RenameEnum).boxed(),
        2 => (p(), p(), flag()).prop_map(|(e, at, q)| Op::AddLabel(e, at, q)).boxed(),
        2 => (p(), p()).prop_map(|(e, l)| Op::DropLabel(e, l)).boxed(),
        2 => (p(), p(), flag()).prop_map(|(e, l, q)| Op::RenameLabel(e, l, q)).boxed(),
        1 => (p(), p(), p()).prop_map(|(e, a, b)| Op::MoveLabel(e, a, b)).boxed(),
        1 => add_table().boxed(),
        1 => p().prop_map(Op::DropTable).boxed(),
        2 => (p(), prop::bool::weighted(0.2)).prop_map(|(t, l)| Op::RenameTable(t, l)).boxed(),
        2 => (p(), new_column()).prop_map(|(t, c)| Op::AddColumn(t, c)).boxed(),
        2 => (p(), p()).prop_map(|(t, c)| Op::DropColumn(t, c)).boxed(),
        3 => (p(), p(), name_style()).prop_map(|(t, c, s)| Op::RenameColumn(t, c, s)).boxed(),
        4 => (p(), p(), raw_ty(), dims()).prop_map(|(t, c, ty, d)| Op::Retype(t, c, ty, d)).boxed(),
        2 => (p(), p()).prop_map(|(t, c)| Op::ToggleNullable(t, c)).boxed(),
        3 => (p(), p(), raw_value()).prop_map(|(t, c, v)| Op::SetValue(t, c, v)).boxed(),
        2 => (p(), picks(3), flag()).prop_map(|(t, c, n)| Op::SetPrimaryKey(t, c, n)).boxed(),
        1 => p().prop_map(Op::DropPrimaryKey).boxed(),
        2 => (p(), picks(2), flag(), flag(), prop::bool::weighted(0.5))
            .prop_map(|(t, c, nnd, n, l)| Op::AddUnique(t, c, nnd, n, l)).boxed(),
        1 => (p(), p()).prop_map(|(t, u)| Op::DropUnique(t, u)).boxed(),
        1 => (p(), p()).prop_map(|(t, u)| Op::ToggleNullsNotDistinct(t, u)).boxed(),
        2 => add_foreign_key().boxed(),
        1 => (p(), p()).prop_map(|(t, f)| Op::DropForeignKey(t, f)).boxed(),
        1 => (p(), p(), 0u8..5, 0u8..5).prop_map(|(t, f, d, u)| Op::SetActions(t, f, d, u)).boxed(),
        2 => (p(), raw_check(), flag(), prop::bool::weighted(0.5))
            .prop_map(|(t, k, n, l)| Op::AddCheck(t, k, n, l)).boxed(),
        1 => (p(), p()).prop_map(|(t, k)| Op::DropCheck(t, k)).boxed(),
        2 => (p(), raw_index()).prop_map(|(t, i)| Op::AddIndex(t, i)).boxed(),
        1 => (p(), p()).prop_map(|(t, i)| Op::DropIndex(t, i)).boxed(),
        2 => (p(), p(), index_tweak()).prop_map(|(t, i, w)| Op::AlterIndex(t, i, w)).boxed(),
        1 => (p(), p(), p()).prop_map(|(t, a, b)| Op::SwapIndexes(t, a, b)).boxed(),
        2 => (p(), p(), any::<bool>())
            .prop_map(|(t, w, m)| Op::ToggleName(t, w, m))
            .boxed(),
        1 => (p(), p()).prop_map(|(k, w)| Op::StaleHint(k, w)).boxed(),
        1 => Just(Op::RenameNamespace).boxed(),
        2 => (p(), identity_spec()).prop_map(|(c, i)| Op::SetIdentity(c, i)).boxed(),
    ]
    .boxed()
}

/// A pair: the edits making A (the first always adds a table), then
/// those making B from A.
#[derive(Clone, Debug)]
struct Case {
    build: Vec<Op>,
    mutate: Vec<Op>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        add_table(),
        proptest::collection::vec(build_op(), 0..20),
        proptest::collection::vec(mutation_op(), 1..12),
    )
        .prop_map(|(first, rest, mutate)| {
            let mut build = vec![first];
            build.extend(rest);
            Case { build, mutate }
        })
}

impl Case {
    /// A and B as specs.
    fn specs(&self) -> (Spec, Spec) {
        let mut a = Spec::default();
        for op in &self.build {
            a.apply(op);
        }
        a.fix();
        let mut b = a.clone();
        b.base = b
            .enums
            .iter()
            .flat_map(|e| std::iter::once(e.id).chain(e.labels.iter().map(|l| l.id)))
            .chain(
                b.tables
                    .iter()
                    .flat_map(|t| std::iter::once(t.id).chain(t.columns.iter().map(|c| c.id))),
            )
            .collect();
        for op in &self.mutate {
            b.apply(op);
        }
        b.fix();
        (a, b)
    }
}

// --- rows ---------------------------------------------------------------------------

/// For each enum of A, the label its columns hold in the rows: one kept in
/// B and named by no check (`None`: the columns hold NULL).
fn row_labels(a: &Spec, b: &Spec) -> BTreeMap<u32, Option<u32>> {
    let named: BTreeSet<u32> = a
        .tables
        .iter()
        .chain(&b.tables)
        .flat_map(|t| &t.checks)
        .filter_map(|c| match c.kind {
            CheckKind::NotLabel(_, label) => Some(label),
            _ => None,
        })
        .collect();
    a.enums
        .iter()
        .map(|e| {
            let kept: BTreeSet<u32> = b
                .enum_of(e.id)
                .map(|x| x.labels.iter().map(|l| l.id).collect())
                .unwrap_or_default();
            let label = e
                .labels
                .iter()
                .map(|l| l.id)
                .find(|l| kept.contains(l) && !named.contains(l));
            (e.id, label)
        })
        .collect()
}

/// The text of one value of the type: small, and fitting every check.
fn element(spec: &Spec, ty: &Ty, labels: &BTreeMap<u32, Option<u32>>) -> Option<String> {
    Some(match ty {
        Ty::SmallInt | Ty::Integer | Ty::BigInt | Ty::Real | Ty::Double => "1".into(),
        Ty::Numeric(_) => "0".into(),
        Ty::Boolean => "true".into(),
        Ty::Text | Ty::Varchar(_) | Ty::Char(_) | Ty::Bytea => "a".into(),
        Ty::Uuid => "00000000-0000-0000-0000-000000000001".into(),
        Ty::Json | Ty::Jsonb => "{}".into(),
        Ty::Date => "2024-01-02".into(),
        Ty::Time(_, false) => "12:00:00".into(),
        Ty::Time(_, true) => "12:00:00+00".into(),
        Ty::Timestamp(_, false) => "2024-01-02 12:00:00".into(),
        Ty::Timestamp(_, true) => "2024-01-02 12:00:00+00".into(),
        Ty::Interval => "1 day".into(),
        Ty::Inet => "10.0.0.1".into(),
        Ty::Cidr => "10.0.0.0/8".into(),
        Ty::MacAddr => "08:00:2b:01:02:03".into(),
        Ty::Enum(e) => spec.label_text(*e, (*labels.get(e)?)?)?.to_owned(),
    })
}

/// The value a column of A holds in the row, as an SQL literal; `None`
/// for NULL.
fn row_value(spec: &Spec, column: &Column, labels: &BTreeMap<u32, Option<u32>>) -> Option<String> {
    let element = element(spec, &column.ty, labels)?;
    if column.dims == 0 {
        return Some(sql_string(&element));
    }
    let mut text = format!("\"{}\"", element.replace('\\', "\\\\").replace('"', "\\\""));
    for _ in 0..column.dims {
        text = format!("{{{text}}}");
    }
    Some(sql_string(&text))
}

/// One row per table of A, or `None` when some NOT NULL column can hold
/// no value.
fn insert_rows(a: &Spec, labels: &BTreeMap<u32, Option<u32>>) -> Option<String> {
    let mut script = String::from("BEGIN;\nSET LOCAL session_replication_role = replica;\n");
    for table in &a.tables {
        let mut names = Vec::new();
        let mut values = Vec::new();
        for column in &table.columns {
            if matches!(column.value, Value::Generated(..)) {
                continue;
            }
            let value = row_value(a, column, labels);
            if value.is_none() && !column.nullable {
                return None;
            }
            names.push(ident(&column.name));
            values.push(value.unwrap_or_else(|| "NULL".into()));
        }
        let target = format!("{}.{}", ident(a.ns_name(table.ns)), ident(&table.name));
        if names.is_empty() {
            let _ = writeln!(script, "INSERT INTO {target} DEFAULT VALUES;");
        } else {
            let _ = writeln!(
                script,
                "INSERT INTO {target} ({}) OVERRIDING SYSTEM VALUE VALUES ({});",
                names.join(", "),
                values.join(", ")
            );
        }
    }
    script.push_str("COMMIT;");
    Some(script)
}

/// Why `changes` (from `from` to `to`) could fail on the rows inserted
/// into `origin` (A), if they could: the rows hold small values of A's
/// types that fit every check, one per table, so only conversions that
/// may not fit, NOT NULL columns added without a default, NULLs made NOT
/// NULL, and foreign keys between values that were not equal in A can fail.
fn data_unsafe(
    changes: &[Change],
    from: &Spec,
    to: &Spec,
    origin: &Spec,
    labels: &BTreeMap<u32, Option<u32>>,
) -> Option<String> {
    // The tables holding a row: A's tables still in `from`.
    let rows = |table: u32| origin.table_of(table).is_some() && from.table_of(table).is_some();
    let not_null = |table: &diff::TableRef, column: &str| {
        let Some(t) = to.table_named(&table.schema, &table.name) else {
            return false;
        };
        let Some(c) = t.column_named(column) else {
            return false;
        };
        if !rows(t.id) {
            return true;
        }
        let Some(original) = origin.table_of(t.id).and_then(|o| o.column(c.id)) else {
            return false;
        };
        match &original.ty {
            Ty::Enum(e) => labels.get(e).copied().flatten().is_some(),
            _ => true,
        }
    };
    // Tables given a column whose existing rows get a value (a default, an
    // identity or serial): values no check was written for.
    let filled: BTreeSet<String> = changes
        .iter()
        .filter_map(|change| match change {
            Change::AddColumn { table, column }
                if column.generated.is_none()
                    && (column.default.is_some()
                        || column.identity.is_some()
                        || column.sql_type.serial_base().is_some()) =>
            {
                Some(table.to_string())
            }
            _ => None,
        })
        .collect();
    // Tables given a plain column: NULL (or a default) in existing rows.
    let added: BTreeSet<String> = changes
        .iter()
        .filter_map(|change| match change {
            Change::AddColumn { table, column } if column.generated.is_none() => {
                Some(table.to_string())
            }
            _ => None,
        })
        .collect();
    let holds_rows = |table: &diff::TableRef| {
        to.table_named(&table.schema, &table.name)
            .is_some_and(|t| rows(t.id))
    };
    for change in changes {
        match change {
            Change::AddColumn { table, column }
                if column.generated.is_some()
                    && !column.nullable
                    && added.contains(&table.to_string())
                    && holds_rows(table) =>
            {
                return Some(format!(
                    "NOT NULL generated from new values: {}",
                    column.name
                ));
            }
            Change::AddCheck { table, check }
                if filled.contains(&table.to_string()) && holds_rows(table) =>
            {
                return Some(format!("check over new values: {}", check.name));
            }
            Change::AlterColumnType { from: f, to: t, .. } if diff::narrowing(f, t) => {
                return Some(format!("narrowing: {}", change_sql(change)));
            }
            Change::AddColumn { table, column }
                if change.data_loss().is_some() && holds_rows(table) =>
            {
                return Some(format!("NOT NULL added: {}", column.name));
            }
            Change::SetNotNull { table, column } if !not_null(table, column) => {
                return Some(format!("SET NOT NULL on NULLs: {table}.{column}"));
            }
            Change::AddPrimaryKey { table, key }
                if !key.columns.iter().all(|c| not_null(table, c)) =>
            {
                return Some(format!("primary key over NULLs: {table}"));
            }
            Change::AddForeignKey { table, foreign_key } => {
                let Some(t) = to.table_named(&table.schema, &table.name) else {
                    continue;
                };
                if !rows(t.id) {
                    continue;
                }
                let target = to.table_named(
                    &foreign_key.references_schema,
                    &foreign_key.references_table,
                );
                let same = target.is_some_and(|target| {
                    rows(target.id)
                        && foreign_key
                            .columns
                            .iter()
                            .zip(foreign_key.references_columns.iter())
                            .all(|(c, r)| {
                                let (Some(c), Some(r)) =
                                    (t.column_named(c), target.column_named(r))
                                else {
                                    return false;
                                };
                                let typed = |spec: &Spec, table: u32, column: u32| {
                                    spec.table_of(table)
                                        .and_then(|t| t.column(column))
                                        .filter(|c| !matches!(c.value, Value::Generated(..)))
                                        .map(|c| (c.ty.clone(), c.dims))
                                };
                                let a = typed(origin, t.id, c.id);
                                a.is_some()
                                    && a == typed(origin, target.id, r.id)
                                    && typed(from, t.id, c.id) == typed(from, target.id, r.id)
                            })
                });
                if !same {
                    return Some(format!(
                        "foreign key over unequal values: {}",
                        foreign_key.name
                    ));
                }
            }
            Change::DropTable(_)
            | Change::AddColumn { .. }
            | Change::DropColumn { .. }
            | Change::DropEnum { .. }
            | Change::RecreateEnum { .. }
            | Change::AddUnique { .. }
            | Change::CreateIndex { .. }
            | Change::SetNotNull { .. }
            | Change::AddPrimaryKey { .. } => {}
            other if other.data_loss().is_some() => {
                return Some(format!("may lose data: {}", change_sql(other)));
            }
            _ => {}
        }
    }
    None
}

fn change_sql(change: &Change) -> String {
    changes::change_sql(change).join(" ")
}

// --- running a case -----------------------------------------------------------------

/// Counts for the closing summary.
#[derive(Default)]
struct Stats {
    cases: usize,
    with_rows: usize,
    reverse_with_rows: usize,
    not_transactional: usize,
    changes: BTreeMap<String, usize>,
    unsafe_reasons: BTreeMap<String, usize>,
}

fn parse(source: &str) -> Result<Schema, String> {
    let parsed = syntax::parse_file(source).map_err(|e| format!("does not parse: {e}"))?;
    syntax::resolve(&[parsed]).map_err(|errors| {
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        format!("does not resolve: {}", messages.join("; "))
    })
}

/// Ends any transaction a failed case left open, drops every user
/// namespace and gives back an empty `public`.
async fn empty(client: &Client) -> Result<(), String> {
    let _ = client.batch_execute("ROLLBACK").await;
    client
        .batch_execute(
            "DO $$ DECLARE n text; BEGIN
               FOR n IN SELECT nspname FROM pg_namespace
                        WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
               LOOP EXECUTE format('DROP SCHEMA %I CASCADE', n); END LOOP;
             END $$;
             CREATE SCHEMA public;",
        )
        .await
        .map_err(|e| format!("emptying the database: {e:?}"))
}

async fn run(
    client: &Client,
    statements: &[changes::Statement],
    transactional: bool,
) -> Result<(), String> {
    if transactional {
        let script: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
        let script = format!("BEGIN;\n{}\nCOMMIT;", script.join("\n"));
        if let Err(error) = client.batch_execute(&script).await {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(format!("fails: {}", db_error(&error)));
        }
    } else {
        for statement in statements {
            client
                .batch_execute(&statement.sql)
                .await
                .map_err(|e| format!("fails at `{}`: {}", statement.sql, db_error(&e)))?;
        }
    }
    Ok(())
}

fn db_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}

/// `db` with each table's columns in `code`'s order, where both have the
/// same columns.
fn in_column_order_of(db: &Schema, code: &Schema) -> Schema {
    let mut db = db.clone();
    for table in &mut db.tables {
        let Some(theirs) = code.table(&table.schema, &table.name) else {
            continue;
        };
        let order: Vec<&str> = theirs.columns.iter().map(|c| &*c.name).collect();
        let mut columns = table.columns.to_vec();
        if columns.len() == order.len() && columns.iter().all(|c| order.contains(&&*c.name)) {
            columns.sort_by_key(|c| order.iter().position(|n| *n == c.name));
            table.columns = columns.into();
        }
    }
    db
}

/// The database read back must mean `code`.
async fn compare(client: &Client, code: &Schema, what: &str) -> Result<(), String> {
    let read = introspect(client, &IntrospectOptions::default())
        .await
        .map_err(|e| format!("introspection failed: {e}"))?;
    let db = in_column_order_of(&read.schema, code);
    let differences = code.differences(&db);
    if !differences.is_empty() {
        let lines: Vec<String> = differences.iter().map(|d| format!("  {d}")).collect();
        return Err(format!(
            "{what}: the database differs from the model (model ≠ database):\n{}",
            lines.join("\n")
        ));
    }
    let replan = diff::diff(&db.aligned_to(code), code, &Hints::default());
    if !replan.is_empty() {
        return Err(format!(
            "{what}: the database means the model, but a diff from it plans:\n{}",
            changes::render_script(&replan.changes)
        ));
    }
    Ok(())
}

/// Checks the rows after a migration: each table of `tables` (ids) still
/// holds its one row, and every column whose type A and B share (and that
/// neither generates) still holds the value inserted into A.
async fn check_rows(
    client: &Client,
    now: &Spec,
    (a, b): (&Spec, &Spec),
    tables: &[u32],
    labels: &BTreeMap<u32, Option<u32>>,
) -> Result<(), String> {
    for id in tables {
        let Some(table) = now.table_of(*id) else {
            continue;
        };
        let same_type = |column: &Column| {
            let typed = |spec: &Spec| {
                spec.table_of(*id)
                    .and_then(|t| t.column(column.id))
                    .filter(|c| !matches!(c.value, Value::Generated(..)))
                    .map(|c| (c.ty.clone(), c.dims))
            };
            typed(a).is_some() && typed(a) == typed(b)
        };
        let checked: Vec<&Column> = table.columns.iter().filter(|c| same_type(c)).collect();
        let mut conditions: Vec<String> = checked
            .iter()
            .map(|column| {
                // `json` has no equality: its text is kept as written.
                let target = if column.ty == Ty::Json {
                    format!("{}::text", ident(&column.name))
                } else {
                    ident(&column.name)
                };
                match row_value(now, column, labels) {
                    Some(value) => format!("{target} IS NOT DISTINCT FROM {value}"),
                    None => format!("{target} IS NULL"),
                }
            })
            .collect();
        conditions.push("true".into());
        let sql = format!(
            "SELECT {} FROM {}.{}",
            conditions.join(", "),
            ident(now.ns_name(table.ns)),
            ident(&table.name)
        );
        let rows = client
            .query(&sql, &[])
            .await
            .map_err(|e| format!("{sql}: {}", db_error(&e)))?;
        if rows.len() != 1 {
            return Err(format!("{} holds {} rows, not 1", table.name, rows.len()));
        }
        let changed: Vec<&str> = checked
            .iter()
            .enumerate()
            .filter(|(i, _)| !rows[0].get::<_, bool>(*i))
            .map(|(_, c)| c.name.as_str())
            .collect();
        if !changed.is_empty() {
            return Err(format!(
                "values changed in {}: {}\n{sql}",
                table.name,
                changed.join(", ")
            ));
        }
    }
    Ok(())
}

/// Runs one pair; `Err` explains the failure with everything needed to
/// reproduce it by hand.
async fn check_case(
    client: &Client,
    fresh: &Client,
    case: &Case,
    stats: &RefCell<Stats>,
) -> Result<(), String> {
    let (a_spec, b_spec) = case.specs();
    let (a_source, b_source) = (a_spec.source(), b_spec.source());
    let context = |message: String, extra: &str| {
        format!("{message}\n\n--- A ---\n{a_source}\n--- B ---\n{b_source}{extra}")
    };
    let a = parse(&a_source).map_err(|e| context(format!("A {e}"), ""))?;
    let b = parse(&b_source).map_err(|e| context(format!("B {e}"), ""))?;
    for (schema, name) in [(&a, "A"), (&b, "B")] {
        let same = diff::diff(schema, schema, &Hints::default());
        if !same.is_empty() {
            return Err(context(
                format!("diff({name}, {name}) is not empty"),
                &format!("\n--- diff ---\n{}", changes::render_script(&same.changes)),
            ));
        }
    }
    // A renamed namespace is declared by a hint (schema.toml's
    // `renamed_schemas`); it can only be told apart from a drop and a
    // create when it still exists on one side only.
    let mut hints = Hints::default();
    if a_spec.ns_name(Ns::Aux) != b_spec.ns_name(Ns::Aux) {
        hints.schemas.push(diff::SchemaRename {
            from: a_spec.ns_name(Ns::Aux).to_owned(),
            to: b_spec.ns_name(Ns::Aux).to_owned(),
        });
    }
    let forward = diff::diff(&a, &b, &hints);
    let backward = diff::diff(&b, &a, &forward.reverse_hints());
    let scripts = format!(
        "\n--- up ---\n{}\n--- down ---\n{}",
        changes::render_script(&forward.changes),
        changes::render_script(&backward.changes)
    );
    let fail = |message: String| context(message, &scripts);

    empty(client).await.map_err(&fail)?;
    let create = ddl::create_schema_script(&a);
    client
        .batch_execute(&format!("BEGIN;\n{create}\nCOMMIT;"))
        .await
        .map_err(|e| fail(format!("A's DDL does not apply: {}", db_error(&e))))?;
    let created_a = describe::describe(client).await;

    let labels = row_labels(&a_spec, &b_spec);
    let forward_unsafe = data_unsafe(&forward.changes, &a_spec, &b_spec, &a_spec, &labels);
    let rows = match (&forward_unsafe, insert_rows(&a_spec, &labels)) {
        (None, Some(script)) => {
            client.batch_execute(&script).await.map_err(|e| {
                fail(format!(
                    "the rows do not insert: {}\n{script}",
                    db_error(&e)
                ))
            })?;
            true
        }
        _ => false,
    };
    {
        let mut stats = stats.borrow_mut();
        stats.cases += 1;
        stats.with_rows += usize::from(rows);
        stats.not_transactional += usize::from(!forward.is_transactional());
        for change in forward.changes.iter().chain(&backward.changes) {
            let kind = serde_json::to_value(change).map_or_else(
                |_| "?".to_owned(),
                |v| v["change"].as_str().unwrap_or("?").to_owned(),
            );
            *stats.changes.entry(kind).or_default() += 1;
        }
        if let Some(reason) = &forward_unsafe {
            let key = reason.split(':').next().unwrap_or(reason).to_owned();
            *stats.unsafe_reasons.entry(key).or_default() += 1;
        }
    }

    let up = changes::render(&forward.changes);
    run(client, &up, forward.is_transactional())
        .await
        .map_err(|e| fail(format!("up {e} (rows: {rows})")))?;
    compare(client, &b, "after up").await.map_err(&fail)?;
    empty(fresh).await.map_err(&fail)?;
    fresh
        .batch_execute(&ddl::create_schema_script(&b))
        .await
        .map_err(|e| fail(format!("B's DDL does not apply: {}", db_error(&e))))?;
    let (migrated, created) = (
        describe::describe(client).await,
        describe::describe(fresh).await,
    );
    if migrated != created {
        return Err(fail(format!(
            "up does not give what a fresh create gives:\n{}",
            describe::difference(&migrated, &created)
        )));
    }
    let kept: Vec<u32> = a_spec
        .tables
        .iter()
        .filter(|t| b_spec.table_of(t.id).is_some())
        .map(|t| t.id)
        .collect();
    if rows {
        check_rows(client, &b_spec, (&a_spec, &b_spec), &kept, &labels)
            .await
            .map_err(|e| fail(format!("after up: {e}")))?;
    }

    let reverse_rows =
        rows && data_unsafe(&backward.changes, &b_spec, &a_spec, &a_spec, &labels).is_none();
    if rows && !reverse_rows && !b_spec.tables.is_empty() {
        let tables: Vec<String> = b_spec
            .tables
            .iter()
            .map(|t| format!("{}.{}", ident(b_spec.ns_name(t.ns)), ident(&t.name)))
            .collect();
        let sql = format!("TRUNCATE {}", tables.join(", "));
        client
            .batch_execute(&sql)
            .await
            .map_err(|e| fail(format!("{sql}: {}", db_error(&e))))?;
    }
    stats.borrow_mut().reverse_with_rows += usize::from(reverse_rows);
    let down = changes::render(&backward.changes);
    run(client, &down, backward.is_transactional())
        .await
        .map_err(|e| fail(format!("down {e} (rows: {reverse_rows})")))?;
    compare(client, &a, "after down").await.map_err(&fail)?;
    let reverted = describe::describe(client).await;
    if reverted != created_a {
        return Err(fail(format!(
            "down does not give back what A was when created:\n{}",
            describe::difference(&reverted, &created_a)
        )));
    }
    if reverse_rows {
        check_rows(client, &a_spec, (&a_spec, &b_spec), &kept, &labels)
            .await
            .map_err(|e| fail(format!("after down: {e}")))?;
    }
    Ok(())
}

fn config() -> Config {
    // `Config::default()` has read the `PROPTEST_*` variables already.
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = CASES;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(SEED);
    }
    if std::env::var_os("PROPTEST_MAX_SHRINK_TIME").is_none() {
        config.max_shrink_time = 300_000;
    }
    if std::env::var_os("PROPTEST_MAX_SHRINK_ITERS").is_none() {
        config.max_shrink_iters = 100_000;
    }
    if config.failure_persistence.is_some() {
        config.failure_persistence = Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS)));
    }
    config
}

#[test]
fn diff_properties() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // One database migrated, one for fresh creates, both emptied and
    // reused from case to case.
    let database = runtime.block_on(pg::fresh_database());
    let fresh = runtime.block_on(pg::fresh_database());
    let config = config();
    eprintln!(
        "diff properties: {} cases, seed {}",
        config.cases, config.rng_seed
    );
    let stats = RefCell::new(Stats::default());
    let started = Instant::now();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |case| {
        runtime
            .block_on(check_case(database.client(), fresh.client(), &case, &stats))
            .map_err(TestCaseError::fail)
    });
    let stats = stats.into_inner();
    eprintln!(
        "diff properties: {} pairs run in {:.1} s; {} with rows (down with rows: {}), {} not transactional",
        stats.cases,
        started.elapsed().as_secs_f64(),
        stats.with_rows,
        stats.reverse_with_rows,
        stats.not_transactional
    );
    eprintln!("  changes made (up and down): {:?}", stats.changes);
    eprintln!("  no rows because: {:?}", stats.unsafe_reasons);
    runtime.block_on(database.drop_database());
    runtime.block_on(fresh.drop_database());
    if let Err(error) = result {
        panic!("{error}");
    }
}

//! Attribute keywords of the DSL, one constant each, and the lists used to
//! suggest a fix for a misspelled one.

pub const TABLE: &str = "table";
pub const COLUMN: &str = "column";
pub const PG_ENUM: &str = "pg_enum";
pub const VALUE: &str = "value";

pub const NAME: &str = "name";
pub const SCHEMA: &str = "schema";
pub const CRATE: &str = "crate";
pub const RENAMED_FROM: &str = "renamed_from";
pub const PRIMARY_KEY: &str = "primary_key";
pub const UNIQUE: &str = "unique";
pub const INDEX: &str = "index";
pub const CHECK: &str = "check";
pub const FOREIGN_KEY: &str = "foreign_key";
pub const COLUMNS: &str = "columns";
pub const NULLS_NOT_DISTINCT: &str = "nulls_not_distinct";
pub const METHOD: &str = "method";
pub const WHERE: &str = "where";
pub const SQL: &str = "sql";
pub const REFERENCES: &str = "references";
pub const ON_DELETE: &str = "on_delete";
pub const ON_UPDATE: &str = "on_update";
pub const DEFAULT: &str = "default";
pub const DEFAULT_SQL: &str = "default_sql";
pub const SQL_TYPE: &str = "sql_type";
pub const IDENTITY: &str = "identity";
pub const SERIAL: &str = "serial";
pub const GENERATED: &str = "generated";
pub const ALWAYS: &str = "always";
pub const BY_DEFAULT: &str = "by_default";
pub const START: &str = "start";
pub const INCREMENT: &str = "increment";
pub const MIN_VALUE: &str = "min_value";
pub const MAX_VALUE: &str = "max_value";
pub const CACHE: &str = "cache";
pub const CYCLE: &str = "cycle";
pub const ASC: &str = "asc";
pub const DESC: &str = "desc";
pub const NULLS_FIRST: &str = "nulls_first";
pub const NULLS_LAST: &str = "nulls_last";
pub const OPCLASS: &str = "opclass";
pub const RENAME_ALL: &str = "rename_all";
pub const INSERT_STRUCT: &str = "insert_struct";

pub const TABLE_KEYS: &[&str] = &[
    NAME,
    SCHEMA,
    CRATE,
    INSERT_STRUCT,
    RENAMED_FROM,
    PRIMARY_KEY,
    UNIQUE,
    INDEX,
    CHECK,
    FOREIGN_KEY,
];
pub const COLUMN_KEYS: &[&str] = &[
    NAME,
    PRIMARY_KEY,
    UNIQUE,
    DEFAULT,
    DEFAULT_SQL,
    SQL_TYPE,
    REFERENCES,
    ON_DELETE,
    ON_UPDATE,
    IDENTITY,
    SERIAL,
    GENERATED,
    CHECK,
    INDEX,
    RENAMED_FROM,
];
pub const KEY_KEYS: &[&str] = &[NAME, COLUMNS];
pub const UNIQUE_KEYS: &[&str] = &[NAME, COLUMNS, NULLS_NOT_DISTINCT];
pub const COLUMN_UNIQUE_KEYS: &[&str] = &[NAME, NULLS_NOT_DISTINCT];
pub const INDEX_KEYS: &[&str] = &[NAME, COLUMNS, UNIQUE, METHOD, WHERE, NULLS_NOT_DISTINCT];
pub const COLUMN_INDEX_KEYS: &[&str] = &[
    NAME,
    UNIQUE,
    METHOD,
    WHERE,
    NULLS_NOT_DISTINCT,
    DESC,
    ASC,
    NULLS_FIRST,
    NULLS_LAST,
    OPCLASS,
];
pub const CHECK_KEYS: &[&str] = &[NAME, SQL];
pub const FOREIGN_KEY_KEYS: &[&str] = &[NAME, COLUMNS, REFERENCES, ON_DELETE, ON_UPDATE];
pub const IDENTITY_KEYS: &[&str] = &[
    ALWAYS, BY_DEFAULT, START, INCREMENT, MIN_VALUE, MAX_VALUE, CACHE, CYCLE,
];
pub const KEY_OPTION_KEYS: &[&str] = &[ASC, DESC, NULLS_FIRST, NULLS_LAST, OPCLASS];
pub const ENUM_KEYS: &[&str] = &[NAME, SCHEMA, CRATE, RENAMED_FROM, RENAME_ALL];
pub const VALUE_KEYS: &[&str] = &[NAME, RENAMED_FROM];

pub const TABLE_HELP: &str = "the correct format looks like `#[table(name = \"users\", schema = \"auth\", primary_key(columns(a, b)), unique(columns(a, b)), index(columns(a)), check(name = \"…\", sql = \"…\"))]`";
pub const COLUMN_HELP: &str = "the correct format looks like `#[column(primary_key, unique, default = 0, default_sql = \"now()\", sql_type = \"varchar(64)\", references(User::id), on_delete = \"cascade\")]`";
pub const ENUM_HELP: &str =
    "the correct format looks like `#[pg_enum(name = \"plan_interval\", schema = \"billing\")]`";
pub const VALUE_HELP: &str = "the correct format looks like `#[value(name = \"per_month\")]`";

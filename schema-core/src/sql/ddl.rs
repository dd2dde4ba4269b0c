//! DDL for a whole schema: the statements that create it on an empty
//! database, in an order the server accepts — namespaces, enum types, tables
//! (with inline columns, keys, uniques and checks), then every foreign key
//! (so cycles and any declaration order work), then indexes.

use crate::model::{
    Check, Column, DefaultValue, Enum, ForeignKey, Identity, Index, IndexTarget, Literal,
    NullsOrder, PrimaryKey, Schema, Table, Unique, DEFAULT_SCHEMA,
};
use crate::sql::SqlWriter;
use crate::types::type_sql;

/// The statements creating `schema` on an empty database, each ending in `;`.
pub fn create_schema(schema: &Schema) -> Vec<String> {
    let mut schema = schema.clone();
    schema.normalize();
    let mut statements = Vec::new();
    for namespace in &schema.namespaces {
        if namespace != DEFAULT_SCHEMA {
            let mut w = SqlWriter::<()>::new();
            w.push_sql("CREATE SCHEMA ")
                .push_ident(namespace)
                .push_sql(";");
            statements.push(w.sql().to_owned());
        }
    }
    for enum_type in &schema.enums {
        statements.push(create_enum(enum_type));
    }
    let tables = creation_order(&schema.tables.iter().collect::<Vec<_>>());
    let mut later = Vec::new();
    for (&table, (inline, after)) in tables.iter().zip(split_foreign_keys(&tables)) {
        let mut created = table.clone();
        created.foreign_keys = inline.into();
        statements.push(create_table(&created));
        later.extend(after.into_iter().map(|fk| (table, fk)));
    }
    for (table, foreign_key) in later {
        statements.push(add_foreign_key(&table.schema, &table.name, &foreign_key));
    }
    for table in &schema.tables {
        for index in table.indexes.iter() {
            statements.push(create_index(&table.schema, &table.name, index));
        }
    }
    statements
}

/// `CREATE TYPE … AS ENUM (…);`.
pub fn create_enum(enum_type: &Enum) -> String {
    let mut w = SqlWriter::<()>::new();
    w.push_sql("CREATE TYPE ")
        .push_qualified(&enum_type.schema, &enum_type.name)
        .push_sql(" AS ENUM (");
    for (i, value) in enum_type.values.iter().enumerate() {
        if i > 0 {
            w.push_sql(", ");
        }
        w.push_literal(value);
    }
    w.push_sql(");");
    w.finish().0
}

/// The statements of [`create_schema`] as one script.
pub fn create_schema_script(schema: &Schema) -> String {
    let mut script = create_schema(schema).join("\n\n");
    if !script.is_empty() {
        script.push('\n');
    }
    script
}

/// The order to create `tables` in: every table after the tables its
/// foreign keys reference, so that [`split_foreign_keys`] can put them in
/// its `CREATE TABLE`; otherwise (and within a cycle) the given order.
pub fn creation_order<'a>(tables: &[&'a Table]) -> Vec<&'a Table> {
    let index: std::collections::HashMap<(&str, &str), usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| ((&*t.schema, &*t.name), i))
        .collect();
    // For each table, the tables (by position) it waits for.
    let waits: Vec<Vec<usize>> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut on: Vec<usize> = t
                .foreign_keys
                .iter()
                .filter_map(|fk| index.get(&(&*fk.references_schema, &*fk.references_table)))
                .copied()
                .filter(|&j| j != i)
                .collect();
            on.sort_unstable();
            on.dedup();
            on
        })
        .collect();
    let mut waiting: Vec<usize> = waits.iter().map(Vec::len).collect();
    let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); tables.len()];
    for (i, on) in waits.iter().enumerate() {
        for &j in on {
            unblocks[j].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..tables.len()).filter(|&i| waiting[i] == 0).collect();
    let mut done = vec![false; tables.len()];
    let mut order = Vec::with_capacity(tables.len());
    while order.len() < tables.len() {
        // The first ready table; in a cycle, the first table not created.
        let next = match ready.pop_first() {
            Some(next) => next,
            None => (0..tables.len()).find(|&i| !done[i]).unwrap_or_default(),
        };
        if done[next] {
            continue;
        }
        done[next] = true;
        order.push(tables[next]);
        for &i in &unblocks[next] {
            waiting[i] = waiting[i].saturating_sub(1);
            if waiting[i] == 0 && !done[i] {
                ready.insert(i);
            }
        }
    }
    order
}

/// The foreign keys of tables created in this order, split per table into
/// those its `CREATE TABLE` holds and those added once every table exists.
/// Inline: the referenced table is this one or one created before it, and
/// the referenced columns are its primary key or one of its unique
/// constraints (created inside its `CREATE TABLE`, unlike a unique index).
/// PostgreSQL checks every `ALTER TABLE … ADD FOREIGN KEY` against the rows
/// with a query of its own; a key created with its table is not checked
/// (there are no rows), which makes creating many tables much faster.
pub fn split_foreign_keys(tables: &[&Table]) -> Vec<(Vec<ForeignKey>, Vec<ForeignKey>)> {
    let mut created: std::collections::HashMap<(&str, &str), &Table> =
        std::collections::HashMap::with_capacity(tables.len());
    let mut split = Vec::with_capacity(tables.len());
    for &table in tables {
        created.insert((&table.schema, &table.name), table);
        let (inline, after) = table.foreign_keys.iter().cloned().partition(|fk| {
            created
                .get(&(&*fk.references_schema, &*fk.references_table))
                .is_some_and(|target| target.is_key_constraint(&fk.references_columns))
        });
        split.push((inline, after));
    }
    split
}

/// `CREATE TABLE` with columns, primary key, uniques, checks and the
/// foreign keys it holds (see [`split_foreign_keys`]) inline.
pub fn create_table(table: &Table) -> String {
    // Room for a typical column line each: the text is not grown step by step.
    let mut w = SqlWriter::<()>::with_capacity(64 + 64 * table.columns.len());
    w.push_sql("CREATE TABLE ")
        .push_qualified(&table.schema, &table.name)
        .push_sql(" (");
    let mut first = true;
    let mut item = |w: &mut SqlWriter| {
        w.push_sql(if first { "\n    " } else { ",\n    " });
        first = false;
    };
    for column in table.columns.iter() {
        item(&mut w);
        push_column(&mut w, column);
    }
    if let Some(primary_key) = &table.primary_key {
        item(&mut w);
        push_primary_key(&mut w, primary_key);
    }
    for unique in table.uniques.iter() {
        item(&mut w);
        push_unique(&mut w, unique);
    }
    for check in table.checks.iter() {
        item(&mut w);
        push_check(&mut w, check);
    }
    for foreign_key in table.foreign_keys.iter() {
        item(&mut w);
        push_foreign_key(&mut w, foreign_key);
    }
    w.push_sql(if first { ");" } else { "\n);" });
    w.finish().0
}

/// A column definition: `"name" type [GENERATED …] [DEFAULT …] [NOT NULL]`.
pub fn push_column(w: &mut SqlWriter, column: &Column) {
    w.push_ident(&column.name)
        .push_sql(" ")
        .push_sql(&type_sql(&column.sql_type, column.array_dims));
    if let Some(identity) = &column.identity {
        push_identity(w, identity);
    }
    if let Some(expression) = &column.generated {
        w.push_sql(" GENERATED ALWAYS AS (")
            .push_sql(expression)
            .push_sql(") STORED");
    }
    if let Some(default) = &column.default {
        w.push_sql(" DEFAULT ");
        push_default(w, default);
    }
    if !column.nullable {
        w.push_sql(" NOT NULL");
    }
}

/// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY [(options)]`.
pub fn push_identity(w: &mut SqlWriter, identity: &Identity) {
    w.push_sql(if identity.always {
        " GENERATED ALWAYS AS IDENTITY"
    } else {
        " GENERATED BY DEFAULT AS IDENTITY"
    });
    let options = sequence_options(identity);
    if !options.is_empty() {
        w.push_sql(" (").push_sql(&options.join(" ")).push_sql(")");
    }
}

/// The sequence options of an identity, in PostgreSQL's documented order.
pub fn sequence_options(identity: &Identity) -> Vec<String> {
    let mut options = Vec::new();
    if let Some(n) = identity.increment {
        options.push(format!("INCREMENT BY {n}"));
    }
    if let Some(n) = identity.min_value {
        options.push(format!("MINVALUE {n}"));
    }
    if let Some(n) = identity.max_value {
        options.push(format!("MAXVALUE {n}"));
    }
    if let Some(n) = identity.start {
        options.push(format!("START WITH {n}"));
    }
    if let Some(n) = identity.cache {
        options.push(format!("CACHE {n}"));
    }
    if identity.cycle {
        options.push("CYCLE".to_owned());
    }
    options
}

/// A default: a literal constant or a verbatim SQL expression.
pub fn push_default(w: &mut SqlWriter, default: &DefaultValue) {
    match default {
        DefaultValue::Literal(literal) => push_literal_value(w, literal),
        DefaultValue::Sql(expression) => {
            w.push_sql(expression);
        }
    }
}

/// A typed constant as SQL.
pub fn push_literal_value(w: &mut SqlWriter, literal: &Literal) {
    match literal {
        Literal::Bool(true) => w.push_sql("true"),
        Literal::Bool(false) => w.push_sql("false"),
        Literal::Number(n) => w.push_sql(n),
        Literal::String(s) => w.push_literal(s),
    };
}

/// `CONSTRAINT "name" PRIMARY KEY (…)`.
pub fn push_primary_key(w: &mut SqlWriter, primary_key: &PrimaryKey) {
    w.push_sql("CONSTRAINT ")
        .push_ident(&primary_key.name)
        .push_sql(" PRIMARY KEY (")
        .push_ident_list(primary_key.columns.iter().map(|c| &**c))
        .push_sql(")");
}

/// `CONSTRAINT "name" UNIQUE [NULLS NOT DISTINCT] (…)`.
pub fn push_unique(w: &mut SqlWriter, unique: &Unique) {
    w.push_sql("CONSTRAINT ")
        .push_ident(&unique.name)
        .push_sql(" UNIQUE ");
    if unique.nulls_not_distinct {
        w.push_sql("NULLS NOT DISTINCT ");
    }
    w.push_sql("(")
        .push_ident_list(unique.columns.iter().map(|c| &**c))
        .push_sql(")");
}

/// `CONSTRAINT "name" CHECK (…)`.
pub fn push_check(w: &mut SqlWriter, check: &Check) {
    w.push_sql("CONSTRAINT ")
        .push_ident(&check.name)
        .push_sql(" CHECK (")
        .push_sql(&check.expression)
        .push_sql(")");
}

/// `CONSTRAINT "name" FOREIGN KEY (…) REFERENCES "s"."t" (…) [ON DELETE …] [ON UPDATE …]`.
pub fn push_foreign_key(w: &mut SqlWriter, foreign_key: &ForeignKey) {
    w.push_sql("CONSTRAINT ")
        .push_ident(&foreign_key.name)
        .push_sql(" FOREIGN KEY (")
        .push_ident_list(foreign_key.columns.iter().map(|c| &**c))
        .push_sql(") REFERENCES ")
        .push_qualified(
            &foreign_key.references_schema,
            &foreign_key.references_table,
        )
        .push_sql(" (")
        .push_ident_list(foreign_key.references_columns.iter().map(|c| &**c))
        .push_sql(")");
    if foreign_key.on_delete != Default::default() {
        w.push_sql(" ON DELETE ")
            .push_sql(foreign_key.on_delete.as_sql());
    }
    if foreign_key.on_update != Default::default() {
        w.push_sql(" ON UPDATE ")
            .push_sql(foreign_key.on_update.as_sql());
    }
}

/// `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY …;`.
pub fn add_foreign_key(schema: &str, table: &str, foreign_key: &ForeignKey) -> String {
    let mut w = SqlWriter::<()>::new();
    w.push_sql("ALTER TABLE ")
        .push_qualified(schema, table)
        .push_sql(" ADD ");
    push_foreign_key(&mut w, foreign_key);
    w.push_sql(";");
    w.finish().0
}

/// `CREATE [UNIQUE] INDEX "name" ON "s"."t" USING method (…) [WHERE …];`.
pub fn create_index(schema: &str, table: &str, index: &Index) -> String {
    let mut w = SqlWriter::<()>::with_capacity(128);
    w.push_sql(if index.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    })
    .push_ident(&index.name)
    .push_sql(" ON ")
    .push_qualified(schema, table)
    .push_sql(" USING ")
    .push_ident(&index.method)
    .push_sql(" (");
    for (i, key) in index.keys.iter().enumerate() {
        if i > 0 {
            w.push_sql(", ");
        }
        match &key.target {
            IndexTarget::Column(name) => w.push_ident(name),
            IndexTarget::Expression(expression) => {
                w.push_sql("(").push_sql(expression).push_sql(")")
            }
        };
        if let Some(opclass) = &key.opclass {
            w.push_sql(" ");
            push_dotted_name(&mut w, opclass);
        }
        if key.descending {
            w.push_sql(" DESC");
        }
        match key.nulls {
            Some(NullsOrder::First) => w.push_sql(" NULLS FIRST"),
            Some(NullsOrder::Last) => w.push_sql(" NULLS LAST"),
            None => &mut w,
        };
    }
    w.push_sql(")");
    if index.nulls_not_distinct {
        w.push_sql(" NULLS NOT DISTINCT");
    }
    if let Some(predicate) = &index.predicate {
        w.push_sql(" WHERE ").push_sql(predicate);
    }
    w.push_sql(";");
    w.finish().0
}

/// A possibly schema-qualified name such as `pg_catalog.text_pattern_ops`,
/// each part quoted.
fn push_dotted_name(w: &mut SqlWriter, name: &str) {
    for (i, part) in name.split('.').enumerate() {
        if i > 0 {
            w.push_sql(".");
        }
        w.push_ident(part);
    }
}

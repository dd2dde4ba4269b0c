//! The model back to Rust source: `#[pg_enum]` enums and `#[table]` structs
//! that the parser reads back into the same model (what `schema-cli pull`
//! writes). Attributes are only written where the parser's defaults would
//! differ: a constraint named as PostgreSQL would name it gets no `name`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::ast::snake_case;
use crate::model::{
    Column, DefaultValue, Enum, ForeignKey, Identity, Index, IndexTarget, Literal, NullsOrder,
    ReferentialAction, Schema, SqlType, Table, DEFAULT_SCHEMA,
};
use crate::naming::{NameKind, NameScope};

/// Rust source for `schema`: one file holding every enum and table, with a
/// header comment, formatted.
pub fn render_schema(schema: &Schema, header: &str) -> String {
    let mut schema = schema.clone();
    schema.normalize();
    let names = RustNames::new(&schema);
    let enums = schema.enums.iter().map(|e| render_enum(e, &names));
    let tables = schema
        .tables
        .iter()
        .map(|t| render_table(t, &schema, &names));
    let uses = names.uses();
    let file: TokenStream = quote! {
        #uses
        #(#enums)*
        #(#tables)*
    };
    let body = match syn::parse2::<syn::File>(file.clone()) {
        Ok(parsed) => spaced(&prettyplease::unparse(&parsed)),
        Err(_) => file.to_string(),
    };
    let mut out = String::new();
    for line in header.lines() {
        out.push_str("//! ");
        out.push_str(line);
        out.push('\n');
    }
    if !header.is_empty() {
        out.push('\n');
    }
    out.push_str(&body);
    out
}

/// A blank line before each top-level item, as rustfmt'd code has.
fn spaced(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 256);
    let mut previous = "";
    for line in source.lines() {
        let item_start = line.starts_with("#[table") || line.starts_with("#[pg_enum");
        if item_start && !previous.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// Rust names for tables, enums and columns, unique and valid.
struct RustNames {
    tables: BTreeMap<(String, String), Ident>,
    enums: BTreeMap<(String, String), Ident>,
}

impl RustNames {
    fn new(schema: &Schema) -> RustNames {
        let mut taken = BTreeSet::new();
        let mut unique = |base: String| -> Ident {
            let mut name = base.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}{n}");
                n += 1;
            }
            format_ident!("{}", name)
        };
        let mut enums = BTreeMap::new();
        for e in &schema.enums {
            let base = pascal_case(&e.name);
            let base = if e.schema == DEFAULT_SCHEMA {
                base
            } else {
                format!("{}{base}", pascal_case(&e.schema))
            };
            enums.insert((e.schema.to_string(), e.name.to_string()), unique(base));
        }
        let mut tables = BTreeMap::new();
        for t in &schema.tables {
            let base = pascal_case(&t.name);
            let base = if t.schema == DEFAULT_SCHEMA || taken_count(&schema.tables, &t.name) == 1 {
                base
            } else {
                format!("{}{base}", pascal_case(&t.schema))
            };
            tables.insert((t.schema.to_string(), t.name.to_string()), unique(base));
        }
        RustNames { tables, enums }
    }

    fn uses(&self) -> TokenStream {
        match (self.enums.is_empty(), self.tables.is_empty()) {
            (true, true) => TokenStream::new(),
            (true, false) => quote!(
                use schema_macros::table;
            ),
            (false, true) => quote!(
                use schema_macros::pg_enum;
            ),
            (false, false) => quote!(
                use schema_macros::{pg_enum, table};
            ),
        }
    }
}

fn taken_count(tables: &[Table], name: &str) -> usize {
    tables.iter().filter(|t| t.name == name).count()
}

/// `plan_interval` → `PlanInterval`; anything not alphanumeric splits words.
fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            if upper {
                out.push(ch.to_ascii_uppercase());
                upper = false;
            } else {
                out.push(ch);
            }
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A field name for a column, and whether `name = "…"` must be written.
fn field_ident(column: &str, taken: &mut BTreeSet<String>) -> (Ident, bool) {
    let valid = !column.is_empty()
        && column
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !column.starts_with(|c: char| c.is_ascii_digit());
    if valid
        && !matches!(column, "self" | "Self" | "super" | "crate" | "_")
        && taken.insert(column.to_owned())
    {
        let ident = if KEYWORDS.contains(&column) {
            Ident::new_raw(column, Span::call_site())
        } else {
            Ident::new(column, Span::call_site())
        };
        return (ident, false);
    }
    let mut base = snake_case(column)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_matches('_')
        .to_owned();
    if base.is_empty()
        || base.starts_with(|c: char| c.is_ascii_digit())
        || KEYWORDS.contains(&base.as_str())
    {
        base = format!("column_{base}");
    }
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    (format_ident!("{}", name), true)
}

fn render_enum(e: &Enum, names: &RustNames) -> TokenStream {
    let ident = &names.enums[&(e.schema.to_string(), e.name.to_string())];
    let mut args = Vec::new();
    if snake_case(&ident.to_string()) != *e.name {
        let name = &*e.name;
        args.push(quote!(name = #name));
    }
    if e.schema != DEFAULT_SCHEMA {
        let schema = &*e.schema;
        args.push(quote!(schema = #schema));
    }
    let attr = if args.is_empty() {
        quote!(#[pg_enum])
    } else {
        quote!(#[pg_enum(#(#args),*)])
    };
    let mut taken = BTreeSet::new();
    let variants = e.values.iter().map(|label| {
        let mut base = pascal_case(label);
        let mut n = 2;
        let mut variant = base.clone();
        while !taken.insert(variant.clone()) {
            variant = format!("{base}{n}");
            n += 1;
        }
        base = variant;
        let variant = format_ident!("{}", base);
        if snake_case(&base) == **label {
            quote!(#variant)
        } else {
            let label = &**label;
            quote!(#[value(name = #label)] #variant)
        }
    });
    quote! {
        #attr
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum #ident {
            #(#variants,)*
        }
    }
}

/// The Rust type of a column and the `sql_type` it needs, if any.
fn rust_type(column: &Column, names: &RustNames) -> (TokenStream, Option<String>) {
    use SqlType::*;
    let exact = |ty: TokenStream| (ty, None);
    let with_sql = |ty: TokenStream| (ty, Some(crate::types::type_sql(&column.sql_type, 0)));
    let (element, sql_type) = match &column.sql_type {
        SmallInt | SmallSerial => exact(quote!(i16)),
        Integer | Serial => exact(quote!(i32)),
        BigInt | BigSerial => exact(quote!(i64)),
        Real => exact(quote!(f32)),
        DoublePrecision => exact(quote!(f64)),
        Numeric {
            precision: None,
            scale: None,
        } => exact(quote!(rust_decimal::Decimal)),
        Numeric { .. } => with_sql(quote!(rust_decimal::Decimal)),
        Boolean => exact(quote!(bool)),
        Text => exact(quote!(String)),
        Varchar { .. } | Char { .. } => with_sql(quote!(String)),
        Bytea => exact(quote!(Vec<u8>)),
        Uuid => exact(quote!(uuid::Uuid)),
        Json => with_sql(quote!(serde_json::Value)),
        Jsonb => exact(quote!(serde_json::Value)),
        Date => exact(quote!(chrono::NaiveDate)),
        Time {
            precision: None,
            with_time_zone: false,
        } => exact(quote!(chrono::NaiveTime)),
        Time {
            with_time_zone: false,
            ..
        } => with_sql(quote!(chrono::NaiveTime)),
        Time { .. } => with_sql(quote!(String)),
        Timestamp {
            precision: None,
            with_time_zone: false,
        } => exact(quote!(chrono::NaiveDateTime)),
        Timestamp {
            precision: None,
            with_time_zone: true,
        } => exact(quote!(chrono::DateTime<chrono::Utc>)),
        Timestamp {
            with_time_zone: false,
            ..
        } => with_sql(quote!(chrono::NaiveDateTime)),
        Timestamp {
            with_time_zone: true,
            ..
        } => with_sql(quote!(chrono::DateTime<chrono::Utc>)),
        Inet => exact(quote!(std::net::IpAddr)),
        Interval | Cidr | MacAddr | Other { .. } => with_sql(quote!(String)),
        Enum { schema, name } => match names.enums.get(&(schema.to_string(), name.to_string())) {
            Some(ident) => exact(quote!(#ident)),
            None => with_sql(quote!(String)),
        },
    };
    let mut ty = element;
    for _ in 0..column.array_dims {
        ty = quote!(Vec<#ty>);
    }
    let sql_type = sql_type.map(|s| {
        let mut s = s;
        for _ in 0..column.array_dims {
            s.push_str("[]");
        }
        s
    });
    // `Vec<u8>` is bytea, so a `bytea[]` column needs its type spelled out.
    let sql_type = match (&column.sql_type, column.array_dims) {
        (Bytea, dims) if dims > 0 => Some(crate::types::type_sql(&column.sql_type, dims)),
        _ => sql_type,
    };
    if column.nullable {
        (quote!(Option<#ty>), sql_type)
    } else {
        (ty, sql_type)
    }
}

fn action_text(action: ReferentialAction) -> Option<&'static str> {
    match action {
        ReferentialAction::NoAction => None,
        ReferentialAction::Restrict => Some("restrict"),
        ReferentialAction::Cascade => Some("cascade"),
        ReferentialAction::SetNull => Some("set null"),
        ReferentialAction::SetDefault => Some("set default"),
    }
}

fn identity_tokens(identity: &Identity) -> TokenStream {
    let mut options = Vec::new();
    if identity.always {
        options.push(quote!(always));
    }
    for (key, value) in [
        ("start", identity.start),
        ("increment", identity.increment),
        ("min_value", identity.min_value),
        ("max_value", identity.max_value),
        ("cache", identity.cache),
    ] {
        if let Some(value) = value {
            let key = format_ident!("{}", key);
            let value = proc_macro2::Literal::i64_unsuffixed(value);
            options.push(quote!(#key = #value));
        }
    }
    if identity.cycle {
        options.push(quote!(cycle));
    }
    if options.is_empty() {
        quote!(identity)
    } else {
        quote!(identity(#(#options),*))
    }
}

fn default_tokens(default: &DefaultValue) -> TokenStream {
    match default {
        DefaultValue::Literal(Literal::Bool(b)) => quote!(default = #b),
        DefaultValue::Literal(Literal::Number(n)) => {
            let tokens: TokenStream = n.parse().unwrap_or_else(|_| quote!(0));
            quote!(default = #tokens)
        }
        DefaultValue::Literal(Literal::String(s)) => {
            let s = &**s;
            quote!(default = #s)
        }
        DefaultValue::Sql(sql) => {
            let sql = &**sql;
            quote!(default_sql = #sql)
        }
    }
}

fn render_table(table: &Table, schema: &Schema, names: &RustNames) -> TokenStream {
    let ident = &names.tables[&(table.schema.to_string(), table.name.to_string())];
    let table_name = &*table.name;

    // PostgreSQL's default names, chosen in the parser's order, to decide
    // which names must be written out.
    let mut scope = NameScope::new();
    scope.take_relation(table_name);
    for column in table.columns.iter() {
        if column.identity.is_some() || column.sql_type.serial_base().is_some() {
            scope.choose(table_name, &[&column.name], NameKind::Sequence);
        }
    }

    let mut taken = BTreeSet::new();
    let fields: Vec<(Ident, bool)> = table
        .columns
        .iter()
        .map(|c| field_ident(&c.name, &mut taken))
        .collect();
    let field_of = |column: &str| -> Ident {
        table
            .columns
            .iter()
            .position(|c| c.name == column)
            .map(|i| fields[i].0.clone())
            .unwrap_or_else(|| format_ident!("{}", column))
    };

    let mut column_attrs: Vec<Vec<TokenStream>> = vec![Vec::new(); table.columns.len()];
    let mut table_attrs: Vec<TokenStream> = Vec::new();
    if snake_case(&ident.to_string()) != *table.name {
        table_attrs.push(quote!(name = #table_name));
    }
    if table.schema != DEFAULT_SCHEMA {
        let s = &*table.schema;
        table_attrs.push(quote!(schema = #s));
    }
    let position = |name: &str| table.columns.iter().position(|c| c.name == name);

    // Column attributes: name, type, value sources.
    for (i, column) in table.columns.iter().enumerate() {
        let attrs = &mut column_attrs[i];
        if fields[i].1 {
            let name = &*column.name;
            attrs.push(quote!(name = #name));
        }
        match column.sql_type {
            SqlType::SmallSerial | SqlType::Serial | SqlType::BigSerial => {
                attrs.push(quote!(serial))
            }
            _ => {}
        }
        if let Some(identity) = &column.identity {
            attrs.push(identity_tokens(identity));
        }
        if let Some(default) = &column.default {
            attrs.push(default_tokens(default));
        }
        if let Some(expression) = &column.generated {
            let expression = &**expression;
            attrs.push(quote!(generated = #expression));
        }
    }

    // Checks are written at table level (their names are required there),
    // in the parser's order of choosing names.
    for check in table.checks.iter() {
        scope.take_constraint(&check.name, NameKind::Check);
        let (name, sql) = (&*check.name, &*check.expression);
        table_attrs.push(quote!(check(name = #name, sql = #sql)));
    }

    // Primary key.
    if let Some(pk) = &table.primary_key {
        let default = scope.choose(table_name, &[], NameKind::PrimaryKey);
        let single = (pk.columns.len() == 1)
            .then(|| position(&pk.columns[0]))
            .flatten();
        match single {
            Some(i) if default == *pk.name => column_attrs[i].insert(0, quote!(primary_key)),
            _ => {
                let columns = pk.columns.iter().map(|c| field_of(c));
                let name = (default != *pk.name).then(|| {
                    let n = &*pk.name;
                    quote!(name = #n,)
                });
                table_attrs.push(quote!(primary_key(#name columns(#(#columns),*))));
            }
        }
    }

    // Uniques.
    for unique in table.uniques.iter() {
        let cols: Vec<&str> = unique.columns.iter().map(|c| &**c).collect();
        let default = scope.choose(table_name, &cols, NameKind::Unique);
        let single = (cols.len() == 1).then(|| position(cols[0])).flatten();
        let nnd = unique
            .nulls_not_distinct
            .then(|| quote!(nulls_not_distinct));
        match single {
            Some(i) if default == *unique.name => column_attrs[i].push(match &nnd {
                Some(nnd) => quote!(unique(#nnd)),
                None => quote!(unique),
            }),
            _ => {
                let columns = cols.iter().map(|c| field_of(c));
                let name = (default != *unique.name).then(|| {
                    let n = &*unique.name;
                    quote!(name = #n,)
                });
                let nnd = nnd.map(|n| quote!(, #n));
                table_attrs.push(quote!(unique(#name columns(#(#columns),*) #nnd)));
            }
        }
    }

    // Foreign keys.
    for fk in table.foreign_keys.iter() {
        let cols: Vec<&str> = fk.columns.iter().map(|c| &**c).collect();
        let default = scope.choose(table_name, &cols, NameKind::ForeignKey);
        let Some(target) = names.tables.get(&(
            fk.references_schema.to_string(),
            fk.references_table.to_string(),
        )) else {
            continue;
        };
        let target_table = schema.table(&fk.references_schema, &fk.references_table);
        let target_field = |column: &str| -> Ident {
            let mut taken = BTreeSet::new();
            target_table
                .and_then(|t| {
                    t.columns
                        .iter()
                        .map(|c| field_ident(&c.name, &mut taken).0)
                        .zip(t.columns.iter())
                        .find(|(_, c)| c.name == column)
                        .map(|(ident, _)| ident)
                })
                .unwrap_or_else(|| format_ident!("{}", column))
        };
        let references: Vec<TokenStream> = fk
            .references_columns
            .iter()
            .map(|c| {
                let field = target_field(c);
                quote!(#target::#field)
            })
            .collect();
        let actions = fk_actions(fk);
        let single = (cols.len() == 1).then(|| position(cols[0])).flatten();
        match single {
            Some(i) if default == *fk.name => {
                let reference = &references[0];
                column_attrs[i].push(quote!(references(#reference)));
                column_attrs[i].extend(actions);
            }
            _ => {
                let columns = cols.iter().map(|c| field_of(c));
                let name = (default != *fk.name).then(|| {
                    let n = &*fk.name;
                    quote!(name = #n,)
                });
                table_attrs.push(quote!(foreign_key(#name columns(#(#columns),*), references(#(#references),*) #(, #actions)*)));
            }
        }
    }

    // Indexes, always at table level.
    for index in table.indexes.iter() {
        table_attrs.push(index_tokens(index, &mut scope, table_name, &field_of));
    }

    let mut field_tokens = Vec::new();
    for (i, column) in table.columns.iter().enumerate() {
        let (ty, sql_type) = rust_type(column, names);
        let attrs = &mut column_attrs[i];
        if let Some(sql_type) = sql_type {
            attrs.push(quote!(sql_type = #sql_type));
        }
        let field = &fields[i].0;
        let attr = (!attrs.is_empty()).then(|| quote!(#[column(#(#attrs),*)]));
        field_tokens.push(quote! {
            #attr
            pub #field: #ty
        });
    }

    let attr = if table_attrs.is_empty() {
        quote!(#[table])
    } else {
        quote!(#[table(#(#table_attrs),*)])
    };
    quote! {
        #attr
        #[derive(Clone, Debug, PartialEq)]
        pub struct #ident {
            #(#field_tokens,)*
        }
    }
}

fn fk_actions(fk: &ForeignKey) -> Vec<TokenStream> {
    let mut actions = Vec::new();
    if let Some(action) = action_text(fk.on_delete) {
        actions.push(quote!(on_delete = #action));
    }
    if let Some(action) = action_text(fk.on_update) {
        actions.push(quote!(on_update = #action));
    }
    actions
}

fn index_tokens(
    index: &Index,
    scope: &mut NameScope,
    table: &str,
    field_of: &dyn Fn(&str) -> Ident,
) -> TokenStream {
    let columns: Vec<&str> = index
        .keys
        .iter()
        .filter_map(|k| match &k.target {
            IndexTarget::Column(c) => Some(&**c),
            IndexTarget::Expression(_) => None,
        })
        .collect();
    let has_expression = columns.len() != index.keys.len();
    let default = (!has_expression).then(|| scope.choose(table, &columns, NameKind::Index));
    let mut parts = Vec::new();
    if default.as_deref() != Some(&*index.name) {
        let name = &*index.name;
        parts.push(quote!(name = #name));
    }
    let keys = index.keys.iter().map(|key| {
        let mut options = Vec::new();
        if key.descending {
            options.push(quote!(desc));
        }
        match key.nulls {
            Some(NullsOrder::First) => options.push(quote!(nulls_first)),
            Some(NullsOrder::Last) => options.push(quote!(nulls_last)),
            None => {}
        }
        if let Some(opclass) = &key.opclass {
            let opclass = &**opclass;
            options.push(quote!(opclass = #opclass));
        }
        let target = match &key.target {
            IndexTarget::Column(c) => {
                let field = field_of(c);
                quote!(#field)
            }
            IndexTarget::Expression(e) => {
                let e = &**e;
                quote!(#e)
            }
        };
        if options.is_empty() {
            target
        } else {
            quote!(#target(#(#options),*))
        }
    });
    parts.push(quote!(columns(#(#keys),*)));
    if index.unique {
        parts.push(quote!(unique));
    }
    if index.method != "btree" {
        let method = &*index.method;
        parts.push(quote!(method = #method));
    }
    if index.nulls_not_distinct {
        parts.push(quote!(nulls_not_distinct));
    }
    if let Some(predicate) = &index.predicate {
        let predicate = &**predicate;
        parts.push(quote!(where = #predicate));
    }
    quote!(index(#(#parts),*))
}

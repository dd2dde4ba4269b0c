//! Whole source files, for the CLI: every `#[table]` struct and `#[pg_enum]`
//! enum of a file (nested inline modules included) goes through the same
//! parser as the macro; [`resolve`] then closes what one struct cannot know
//! (foreign key targets, enum column types) and checks the schema as a whole.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::visit::Visit;

use super::ast::{enum_def, table_def, EnumDef, TableDef};
use super::{attribute_args, is_attribute};
use crate::model::{self, DefaultValue, ForeignKey, Literal, Schema, SqlType};
use crate::table::SchemaBuilder;

/// The `#[table]` and `#[pg_enum]` items of one source file.
#[derive(Default)]
pub struct ParsedFile {
    /// Tables, in source order.
    pub tables: Vec<TableDef>,
    /// Enums, in source order.
    pub enums: Vec<EnumDef>,
}

/// Parses a Rust source file. On failure, every error of every item (or the
/// one syntax error) with its span.
pub fn parse_file(source: &str) -> Result<ParsedFile, syn::Error> {
    let file = syn::parse_file(source)?;
    let mut visitor = Visitor {
        parsed: ParsedFile::default(),
        errors: Vec::new(),
    };
    visitor.visit_file(&file);
    let mut errors = visitor.errors.into_iter();
    match errors.next() {
        None => Ok(visitor.parsed),
        Some(mut first) => {
            for error in errors {
                first.combine(error);
            }
            Err(first)
        }
    }
}

struct Visitor {
    parsed: ParsedFile,
    errors: Vec<syn::Error>,
}

impl<'ast> Visit<'ast> for Visitor {
    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        if let Some(attr) = item
            .attrs
            .iter()
            .find(|a| is_attribute(a, super::symbol::TABLE))
        {
            match table_def(attribute_args(attr), item) {
                Ok(def) => self.parsed.tables.push(def),
                Err(error) => self.errors.push(error),
            }
        }
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        if let Some(attr) = item
            .attrs
            .iter()
            .find(|a| is_attribute(a, super::symbol::PG_ENUM))
        {
            match enum_def(attribute_args(attr), item) {
                Ok(def) => self.parsed.enums.push(def),
                Err(error) => self.errors.push(error),
            }
        }
    }
}

/// A problem found while resolving several files into one schema.
#[derive(Debug)]
pub struct ResolveError {
    /// Index of the file (in the slice given to [`resolve`]).
    pub file: usize,
    /// Where in that file.
    pub span: Span,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Resolves the items of several files into one schema: enum column types
/// and foreign key targets are looked up by their Rust names, and names that
/// must be unique across the schema are checked.
pub fn resolve(files: &[ParsedFile]) -> Result<Schema, Vec<ResolveError>> {
    let mut errors = Vec::new();
    let mut tables_by_ident: BTreeMap<String, Vec<(usize, &TableDef)>> = BTreeMap::new();
    let mut enums_by_ident: BTreeMap<String, Vec<(usize, &EnumDef)>> = BTreeMap::new();
    for (file, parsed) in files.iter().enumerate() {
        for table in &parsed.tables {
            tables_by_ident
                .entry(table.ident.to_string())
                .or_default()
                .push((file, table));
        }
        for def in &parsed.enums {
            enums_by_ident
                .entry(def.ident.to_string())
                .or_default()
                .push((file, def));
        }
    }

    let mut builder = SchemaBuilder::new();
    let mut seen_enums: BTreeMap<(String, String), ()> = BTreeMap::new();
    for (file, parsed) in files.iter().enumerate() {
        for def in &parsed.enums {
            let key = (def.model.schema.to_string(), def.model.name.to_string());
            if seen_enums.insert(key, ()).is_some() {
                errors.push(ResolveError {
                    file,
                    span: def.ident.span(),
                    message: format!(
                        "the enum type `{}.{}` is declared twice",
                        def.model.schema, def.model.name
                    ),
                });
            }
            builder.add_enum(&def.model);
        }
    }

    let mut seen_tables = BTreeSet::new();
    for (file, parsed) in files.iter().enumerate() {
        for def in &parsed.tables {
            let mut table = def.table.clone();
            if !seen_tables.insert((table.schema.to_string(), table.name.to_string())) {
                errors.push(ResolveError {
                    file,
                    span: def.ident.span(),
                    message: format!(
                        "the table `{}.{}` is declared twice",
                        table.schema, table.name
                    ),
                });
            }
            let mut enums = Vec::new();
            for (i, field) in def.fields.iter().enumerate() {
                let Some(enum_type) = &field.enum_type else {
                    continue;
                };
                let ident = type_ident(enum_type);
                match unique_lookup(&enums_by_ident, &ident) {
                    Lookup::One((_, found)) => {
                        let column = &mut table.columns.to_mut()[i];
                        column.sql_type = SqlType::Enum {
                            schema: found.model.schema.clone(),
                            name: found.model.name.clone(),
                        };
                        // A scalar's default is a label; an array's is an
                        // array literal (`"{}"`).
                        if let Some(DefaultValue::Literal(Literal::String(label))) = &column.default {
                            if column.array_dims == 0 && !found.model.values.iter().any(|v| v == label) {
                                errors.push(ResolveError {
                                    file,
                                    span: enum_type.span(),
                                    message: format!(
                                        "the default \"{label}\" of column `{}` is not a label of enum `{}`\nhelp: use one of: {}",
                                        column.name,
                                        found.model.name,
                                        found.model.values.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")
                                    ),
                                });
                            }
                        }
                        enums.push(&found.model);
                    }
                    Lookup::None => errors.push(ResolveError {
                        file,
                        span: enum_type.span(),
                        message: format!(
                            "`{ident}` has no PostgreSQL column type: it is not a `#[pg_enum]` of the schema files\nhelp: give the column an explicit type with `#[column(sql_type = \"…\")]`, or put `#[pg_enum]` on `{ident}` in a schema file"
                        ),
                    }),
                    Lookup::Many => errors.push(ResolveError {
                        file,
                        span: enum_type.span(),
                        message: format!("`{ident}` names more than one `#[pg_enum]` in the schema files: rename one"),
                    }),
                }
            }
            let mut foreign_keys = Vec::new();
            for fk in &def.foreign_keys {
                let target_path = fk.target_type();
                let target_ident = target_path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                let target = match unique_lookup(&tables_by_ident, &target_ident) {
                    Lookup::One((_, target)) => target,
                    Lookup::None => {
                        errors.push(ResolveError {
                            file,
                            span: target_path.span(),
                            message: format!("the foreign key `{}` references `{target_ident}`, which is not a `#[table]` struct of the schema files\nhelp: check the name, or move the `#[table] struct {target_ident}` into a file under the configured schema path", fk.name),
                        });
                        continue;
                    }
                    Lookup::Many => {
                        errors.push(ResolveError {
                            file,
                            span: target_path.span(),
                            message: format!("`{target_ident}` names more than one `#[table]` struct in the schema files: rename one"),
                        });
                        continue;
                    }
                };
                let mut references_columns = Vec::new();
                for field in fk.target_fields() {
                    match target.fields.iter().position(|f| f.ident == field) {
                        Some(i) => references_columns.push(target.table.columns[i].name.clone()),
                        None => errors.push(ResolveError {
                            file,
                            span: field.span(),
                            message: format!("`{target_ident}` has no field `{field}`"),
                        }),
                    }
                }
                if references_columns.len() != fk.fields.len() {
                    continue;
                }
                if !is_key_of(&target.table, &references_columns) {
                    errors.push(ResolveError {
                        file,
                        span: fk.references[0].span(),
                        message: format!(
                            "the foreign key `{}` references {} of `{}`, which is neither its primary key nor unique; PostgreSQL would reject it\nhelp: mark the referenced column `primary_key` or `unique`",
                            fk.name,
                            references_columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                            target.table.name
                        ),
                    });
                }
                foreign_keys.push(ForeignKey {
                    name: Cow::Owned(fk.name.clone()),
                    columns: fk
                        .fields
                        .iter()
                        .map(|&i| def.table.columns[i].name.clone())
                        .collect(),
                    references_schema: target.table.schema.clone(),
                    references_table: target.table.name.clone(),
                    references_columns: Cow::Owned(references_columns),
                    on_delete: fk.on_delete,
                    on_update: fk.on_update,
                });
            }
            table.foreign_keys = Cow::Owned(foreign_keys);
            builder.add_table(&table, &enums);
        }
    }
    let schema = builder.build();
    for (schema_name, name) in duplicate_relation_names(&schema) {
        errors.push(ResolveError {
            file: 0,
            span: Span::call_site(),
            message: format!("the name `{name}` is used by more than one table, index or key in schema `{schema_name}`; PostgreSQL needs them distinct\nhelp: give one of them another `name = \"…\"`"),
        });
    }
    if errors.is_empty() {
        Ok(schema)
    } else {
        Err(errors)
    }
}

enum Lookup<T> {
    None,
    One(T),
    Many,
}

fn unique_lookup<T: Copy>(map: &BTreeMap<String, Vec<T>>, key: &str) -> Lookup<T> {
    match map.get(key).map(Vec::as_slice) {
        None | Some([]) => Lookup::None,
        Some([one]) => Lookup::One(*one),
        Some(_) => Lookup::Many,
    }
}

fn type_ident(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => quote::ToTokens::to_token_stream(ty).to_string(),
    }
}

/// Whether `columns` are exactly the primary key or a unique constraint (or
/// plain unique index) of `table`, in any order.
fn is_key_of(table: &model::Table, columns: &[Cow<'static, str>]) -> bool {
    let wanted: BTreeSet<&str> = columns.iter().map(|c| &**c).collect();
    let same =
        |cols: &[Cow<'static, str>]| cols.iter().map(|c| &**c).collect::<BTreeSet<_>>() == wanted;
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| same(&pk.columns))
        || table.uniques.iter().any(|u| same(&u.columns))
        || table.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && i.keys
                    .iter()
                    .all(|k| matches!(k.target, model::IndexTarget::Column(_)))
                && i.keys
                    .iter()
                    .map(|k| match &k.target {
                        model::IndexTarget::Column(c) => &**c,
                        model::IndexTarget::Expression(e) => &**e,
                    })
                    .collect::<BTreeSet<_>>()
                    == wanted
        })
}

/// Relation names (tables, key and unique indexes, indexes) used twice in one
/// namespace.
pub(crate) fn duplicate_relation_names(schema: &Schema) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut duplicates = Vec::new();
    for table in &schema.tables {
        let mut names: Vec<&str> = vec![&table.name];
        names.extend(table.primary_key.iter().map(|pk| &*pk.name));
        names.extend(table.uniques.iter().map(|u| &*u.name));
        names.extend(table.indexes.iter().map(|i| &*i.name));
        for name in names {
            if !seen.insert((table.schema.to_string(), name.to_owned())) {
                duplicates.push((table.schema.to_string(), name.to_owned()));
            }
        }
    }
    duplicates
}

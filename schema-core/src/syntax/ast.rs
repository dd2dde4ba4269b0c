//! From a `#[table]` struct or `#[pg_enum]` enum to the model. Keeps the syn
//! items next to the model (field idents, Rust types, reference paths) so the
//! macro can generate code and later errors can still point at tokens.
//!
//! What a single struct cannot know stays open here and is closed by whoever
//! sees more: the target of a foreign key (`references(User::id)`) and the
//! name of a `#[pg_enum]` column type. The macro closes them with constant
//! expressions the compiler checks; the CLI with [`super::file::resolve`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned as _;
use syn::{Ident, LitStr};

use super::attr::{
    self, ColumnAttrs, IndexAttr, IndexKeyTarget, KeyOptions, TableAttrs, UniqueAttr,
};
use super::rust_types::{map_type, strip_option};
use super::symbol::*;
use super::{check, Errors};
use crate::model::{
    self, Check, Column, DefaultValue, Identity, Index, IndexKey, IndexTarget, Literal, PrimaryKey,
    ReferentialAction, SqlType, Unique, DEFAULT_SCHEMA,
};
use crate::naming::{NameKind, NameScope, MAX_IDENTIFIER_BYTES};

/// A parsed `#[table]` struct.
pub struct TableDef {
    /// The struct's name.
    pub ident: Ident,
    /// The path generated code uses to reach schema-core.
    pub crate_path: syn::Path,
    /// The name of the generated insert struct (`insert_struct = "…"`;
    /// default `New` + the struct's name).
    pub insert_struct: Option<Ident>,
    /// The table's model. Foreign keys are in [`TableDef::foreign_keys`]; a
    /// column whose type is a `#[pg_enum]` has an [`SqlType::Enum`] with empty
    /// schema and name until resolved.
    pub table: model::Table,
    /// One entry per struct field, in order; field `i` is column `i`.
    pub fields: Vec<FieldDef>,
    /// Foreign keys, their targets still Rust paths.
    pub foreign_keys: Vec<ForeignKeyDef>,
}

/// A struct field and its column.
pub struct FieldDef {
    /// The field's name.
    pub ident: Ident,
    /// The field's full Rust type.
    pub ty: syn::Type,
    /// When the column's type is a `#[pg_enum]`: that enum's Rust type.
    pub enum_type: Option<syn::Type>,
}

/// A foreign key whose target is named by Rust paths (`User::id`).
pub struct ForeignKeyDef {
    /// Constraint name (given, or PostgreSQL's default).
    pub name: String,
    /// Referencing columns, by index into the table's fields.
    pub fields: Vec<usize>,
    /// Referenced `Struct::field` paths, paired with `fields`.
    pub references: Vec<syn::Path>,
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
}

impl ForeignKeyDef {
    /// The referenced struct's path (`User` of `User::id`).
    pub fn target_type(&self) -> syn::Path {
        let mut path = self.references[0].clone();
        path.segments.pop();
        let last = path.segments.pop().map(|pair| pair.into_value());
        path.segments.extend(last);
        path
    }

    /// The referenced fields (`id` of `User::id`).
    pub fn target_fields(&self) -> Vec<Ident> {
        self.references
            .iter()
            .filter_map(|path| path.segments.last().map(|s| s.ident.clone()))
            .collect()
    }
}

/// A parsed `#[pg_enum]` enum.
pub struct EnumDef {
    /// The enum's name.
    pub ident: Ident,
    /// The path generated code uses to reach schema-core.
    pub crate_path: syn::Path,
    /// The type's model.
    pub model: model::Enum,
    /// Variants, paired with `model.values`.
    pub variants: Vec<Ident>,
}

/// `::schema_core`.
fn default_crate_path() -> syn::Path {
    let mut path = syn::Path::from(Ident::new("schema_core", Span::call_site()));
    path.leading_colon = Some(Default::default());
    path
}

/// `UserSettings` → `user_settings`, `HTTPRequest` → `http_request`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &ch) in chars.iter().enumerate() {
        if ch.is_uppercase() {
            let previous = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = match previous {
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Checks an SQL name given in an attribute: not empty, no NUL, at most 63 bytes.
fn sql_name(errors: &mut Errors, lit: &LitStr, what: &str) -> String {
    let value = lit.value();
    if value.is_empty() {
        errors.push(
            lit.span(),
            format!(
                "the {what} name is empty\nhelp: write a name of 1 to {MAX_IDENTIFIER_BYTES} bytes"
            ),
        );
    } else if value.contains('\0') {
        errors.push(
            lit.span(),
            format!("the {what} name contains a NUL character"),
        );
    } else if value.len() > MAX_IDENTIFIER_BYTES {
        errors.push(
            lit.span(),
            format!(
                "the {what} name `{value}` is {} bytes long; PostgreSQL keeps only {MAX_IDENTIFIER_BYTES} and would silently cut it to `{}`\nhelp: choose a name of at most {MAX_IDENTIFIER_BYTES} bytes",
                value.len(),
                crate::naming::truncate_identifier(&value)
            ),
        );
    }
    value
}

fn non_empty_sql(errors: &mut Errors, lit: &LitStr, what: &str) -> String {
    let value = lit.value();
    if value.trim().is_empty() {
        errors.push(lit.span(), format!("the {what} is empty"));
    }
    value
}

/// A column while the table is being built.
struct ColumnBuild {
    model: Column,
    field: FieldDef,
    attrs: ColumnAttrs,
    span: Span,
}

/// Parses a `#[table]` struct; `args` are the attribute's arguments.
pub fn table_def(args: TokenStream, item: &syn::ItemStruct) -> Result<TableDef, syn::Error> {
    let mut errors = Errors::new();
    let attrs = attr::table_attrs(&mut errors, args);
    let def = build_table(&mut errors, attrs, item);
    errors.finish()?;
    Ok(def)
}

fn build_table(errors: &mut Errors, attrs: TableAttrs, item: &syn::ItemStruct) -> TableDef {
    if !item.generics.params.is_empty() {
        errors.push_spanned(
            &item.generics,
            "a `#[table]` struct cannot be generic: a table has one fixed set of column types\nhelp: remove the generic parameters and give each field a concrete type",
        );
    }
    let name = match &attrs.name {
        Some(lit) => sql_name(errors, lit, "table"),
        None => snake_case(&item.ident.to_string()),
    };
    let schema = match &attrs.schema {
        Some(lit) => sql_name(errors, lit, "schema"),
        None => DEFAULT_SCHEMA.to_owned(),
    };
    let renamed_from = attrs
        .renamed_from
        .as_ref()
        .map(|lit| Cow::Owned(sql_name(errors, lit, "table")));

    let named = match &item.fields {
        syn::Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
        syn::Fields::Unnamed(fields) => {
            errors.push(
                fields.span(),
                "a `#[table]` struct needs named fields, one per column\nhelp: write `struct User { id: i64, name: String }`",
            );
            Vec::new()
        }
        syn::Fields::Unit => {
            errors.push(
                item.ident.span(),
                "a `#[table]` struct needs named fields, one per column\nhelp: write `struct User { id: i64, name: String }`",
            );
            Vec::new()
        }
    };

    // Sized up front: a column being built is large, and growing the vector
    // would copy the columns built so far each time.
    let mut columns: Vec<ColumnBuild> = Vec::with_capacity(named.len());
    columns.extend(
        named
            .into_iter()
            .filter_map(|field| build_column(errors, field)),
    );
    check::duplicate_columns(
        errors,
        &columns
            .iter()
            .map(|c| (&*c.model.name, c.span))
            .collect::<Vec<_>>(),
    );

    let field_index: BTreeMap<String, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.field.ident.to_string(), i))
        .collect();
    let field_names: Vec<String> = field_index.keys().cloned().collect();
    let lookup = |errors: &mut Errors, ident: &Ident| -> Option<usize> {
        let key = ident.to_string();
        let found = field_index.get(&key).copied();
        if found.is_none() {
            let names: Vec<&str> = field_names.iter().map(String::as_str).collect();
            let mut message = format!("`{}` has no field `{key}`", item.ident);
            if let Some(best) = attr::closest(&key, &names) {
                message.push_str(&format!("; did you mean `{best}`?"));
            }
            message.push_str(&format!(
                "\nhelp: name one of the struct's fields: {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            errors.push(ident.span(), message);
        }
        found
    };
    let column_name = |i: usize| columns[i].model.name.to_string();

    // Names: explicit ones are reserved first, then PostgreSQL's defaults are
    // chosen in the order the server chooses them for a CREATE TABLE.
    let mut scope = NameScope::new();
    scope.take_relation(&name);
    let mut explicit = |errors: &mut Errors, lit: &Option<LitStr>, kind: NameKind, what: &str| {
        lit.as_ref().map(|lit| {
            let value = sql_name(errors, lit, what);
            scope.take_constraint(&value, kind);
            (value, lit.span())
        })
    };

    // Primary key: on one column, or composite on the table.
    let pk_columns: Vec<&ColumnBuild> = columns
        .iter()
        .filter(|c| c.attrs.primary_key.is_some())
        .collect();
    check::one_primary_key(
        errors,
        &pk_columns
            .iter()
            .filter_map(|c| c.attrs.primary_key)
            .collect::<Vec<_>>(),
        attrs.primary_key.as_ref().map(|k| k.span),
    );
    let pk_fields: Vec<usize> = match (&attrs.primary_key, pk_columns.first()) {
        (Some(key), _) => key
            .columns
            .iter()
            .filter_map(|ident| lookup(errors, ident))
            .collect(),
        (None, Some(_)) => columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.attrs.primary_key.is_some())
            .map(|(i, _)| i)
            .take(1)
            .collect(),
        (None, None) => Vec::new(),
    };
    let pk_name = explicit(
        errors,
        &attrs.primary_key.as_ref().and_then(|k| k.name.clone()),
        NameKind::PrimaryKey,
        "primary key",
    );
    for &i in &pk_fields {
        check::primary_key_not_nullable(errors, &columns[i].model, &columns[i].field.ty);
    }
    if let Some(key) = &attrs.primary_key {
        check::no_repeated_columns(errors, &key.columns, "primary key");
    }

    // Uniques: column-level in field order, then table-level.
    struct UniqueBuild {
        fields: Vec<usize>,
        name: Option<(String, Span)>,
        nulls_not_distinct: bool,
        span: Span,
    }
    let mut uniques = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        if let Some(unique) = &column.attrs.unique {
            uniques.push(UniqueBuild {
                fields: vec![i],
                name: explicit(errors, &unique.name, NameKind::Unique, "unique constraint"),
                nulls_not_distinct: unique.nulls_not_distinct,
                span: unique.span,
            });
        }
    }
    for unique in &attrs.uniques {
        let UniqueAttr {
            span,
            name,
            columns: idents,
            nulls_not_distinct,
        } = unique;
        let fields: Vec<usize> = idents
            .iter()
            .filter_map(|ident| lookup(errors, ident))
            .collect();
        check::no_repeated_columns(errors, idents, "unique constraint");
        uniques.push(UniqueBuild {
            fields,
            name: explicit(errors, name, NameKind::Unique, "unique constraint"),
            nulls_not_distinct: *nulls_not_distinct,
            span: *span,
        });
    }
    check::redundant_uniques(
        errors,
        &pk_fields,
        &uniques
            .iter()
            .map(|u| (u.fields.as_slice(), u.span))
            .collect::<Vec<_>>(),
    );

    // Checks: column-level (named after the column), then table-level.
    struct CheckBuild {
        field: Option<usize>,
        name: Option<(String, Span)>,
        sql: String,
    }
    let mut checks = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        for check in &column.attrs.checks {
            if let Some(sql) = &check.sql {
                checks.push(CheckBuild {
                    field: Some(i),
                    name: explicit(errors, &check.name, NameKind::Check, "check constraint"),
                    sql: non_empty_sql(errors, sql, "check condition"),
                });
            }
        }
    }
    for check in &attrs.checks {
        if let Some(sql) = &check.sql {
            checks.push(CheckBuild {
                field: None,
                name: explicit(errors, &check.name, NameKind::Check, "check constraint"),
                sql: non_empty_sql(errors, sql, "check condition"),
            });
        }
    }

    // Foreign keys: column-level, then table-level.
    struct ForeignKeyBuild {
        fields: Vec<usize>,
        name: Option<(String, Span)>,
        references: Vec<syn::Path>,
        on_delete: ReferentialAction,
        on_update: ReferentialAction,
    }
    let mut foreign_keys = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        let a = &column.attrs;
        if let Some(path) = &a.references {
            foreign_keys.push(ForeignKeyBuild {
                fields: vec![i],
                name: None,
                references: vec![path.clone()],
                on_delete: a
                    .on_delete
                    .map_or_else(Default::default, |(action, _)| action),
                on_update: a
                    .on_update
                    .map_or_else(Default::default, |(action, _)| action),
            });
        }
        for (key, action) in [(ON_DELETE, a.on_delete), (ON_UPDATE, a.on_update)] {
            if let (Some((action, span)), None) = (action, &a.references) {
                let _ = action;
                errors.push(span, format!("`{key}` needs a foreign key on this column\nhelp: add `references(Table::column)`, e.g. `#[column(references(User::id), {key} = \"cascade\")]`"));
            }
        }
    }
    for fk in &attrs.foreign_keys {
        let fields: Vec<usize> = fk
            .columns
            .iter()
            .filter_map(|ident| lookup(errors, ident))
            .collect();
        check::no_repeated_columns(errors, &fk.columns, "foreign key");
        foreign_keys.push(ForeignKeyBuild {
            fields,
            name: explicit(errors, &fk.name, NameKind::ForeignKey, "foreign key"),
            references: fk.references.clone(),
            on_delete: fk
                .on_delete
                .map_or_else(Default::default, |(action, _)| action),
            on_update: fk
                .on_update
                .map_or_else(Default::default, |(action, _)| action),
        });
        for (key, action) in [(ON_DELETE, fk.on_delete), (ON_UPDATE, fk.on_update)] {
            if let Some((ReferentialAction::SetNull, span)) = action {
                for &i in &foreign_keys
                    .last()
                    .map(|f| f.fields.clone())
                    .unwrap_or_default()
                {
                    check::set_null_needs_nullable(errors, &columns[i].model, key, span);
                }
            }
        }
    }
    for column in &columns {
        for (key, action) in [
            (ON_DELETE, column.attrs.on_delete),
            (ON_UPDATE, column.attrs.on_update),
        ] {
            if let Some((ReferentialAction::SetNull, span)) = action {
                check::set_null_needs_nullable(errors, &column.model, key, span);
            }
        }
    }

    // Indexes: column-level, then table-level.
    struct IndexBuild<'a> {
        attr: &'a IndexAttr,
        keys: Vec<(IndexTarget, &'a KeyOptions, Option<usize>)>,
        name: Option<(String, Span)>,
    }
    let mut indexes = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        for index in &column.attrs.indexes {
            indexes.push(IndexBuild {
                attr: index,
                keys: vec![(
                    IndexTarget::Column(column.model.name.clone()),
                    &index.column_options,
                    Some(i),
                )],
                name: explicit(errors, &index.name, NameKind::Index, "index"),
            });
        }
    }
    for index in &attrs.indexes {
        let keys = index
            .keys
            .iter()
            .filter_map(|key| match &key.target {
                IndexKeyTarget::Field(ident) => lookup(errors, ident).map(|i| {
                    (
                        IndexTarget::Column(Cow::Owned(column_name(i))),
                        &key.options,
                        Some(i),
                    )
                }),
                IndexKeyTarget::Expression(lit) => Some((
                    IndexTarget::Expression(Cow::Owned(non_empty_sql(
                        errors,
                        lit,
                        "index expression",
                    ))),
                    &key.options,
                    None,
                )),
            })
            .collect::<Vec<_>>();
        indexes.push(IndexBuild {
            attr: index,
            keys,
            name: explicit(errors, &index.name, NameKind::Index, "index"),
        });
    }
    for index in &indexes {
        check::index_options(
            errors,
            index.attr,
            index.keys.iter().any(|(_, _, field)| field.is_none()),
        );
    }

    // PostgreSQL's default names, in the server's order.
    for column in &columns {
        if column.model.identity.is_some() || column.model.sql_type.serial_base().is_some() {
            scope.choose(&name, &[&column.model.name], NameKind::Sequence);
        }
    }
    let checks: Vec<Check> = checks
        .into_iter()
        .map(|check| {
            let name = match check.name {
                Some((name, _)) => name,
                None => {
                    let column = check.field.map(column_name);
                    let cols: Vec<&str> = column.iter().map(String::as_str).collect();
                    scope.choose(&name, &cols, NameKind::Check)
                }
            };
            Check {
                name: Cow::Owned(name),
                expression: Cow::Owned(check.sql),
            }
        })
        .collect();
    let primary_key = (!pk_fields.is_empty()).then(|| PrimaryKey {
        name: Cow::Owned(match &pk_name {
            Some((name, _)) => name.clone(),
            None => scope.choose(&name, &[], NameKind::PrimaryKey),
        }),
        columns: pk_fields
            .iter()
            .map(|&i| Cow::Owned(column_name(i)))
            .collect(),
    });
    let uniques: Vec<Unique> = uniques
        .into_iter()
        .map(|unique| {
            let cols: Vec<String> = unique.fields.iter().map(|&i| column_name(i)).collect();
            let name = match unique.name {
                Some((name, _)) => name,
                None => scope.choose(
                    &name,
                    &cols.iter().map(String::as_str).collect::<Vec<_>>(),
                    NameKind::Unique,
                ),
            };
            Unique {
                name: Cow::Owned(name),
                columns: cols.into_iter().map(Cow::Owned).collect(),
                nulls_not_distinct: unique.nulls_not_distinct,
            }
        })
        .collect();
    let foreign_keys: Vec<ForeignKeyDef> = foreign_keys
        .into_iter()
        .map(|fk| {
            let cols: Vec<String> = fk.fields.iter().map(|&i| column_name(i)).collect();
            let name = match fk.name {
                Some((name, _)) => name,
                None => scope.choose(
                    &name,
                    &cols.iter().map(String::as_str).collect::<Vec<_>>(),
                    NameKind::ForeignKey,
                ),
            };
            ForeignKeyDef {
                name,
                fields: fk.fields,
                references: fk.references,
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            }
        })
        .collect();
    let indexes: Vec<Index> = indexes
        .into_iter()
        .map(|index| {
            let name = match index.name {
                Some((name, _)) => name,
                None => {
                    let cols: Vec<String> = index
                        .keys
                        .iter()
                        .filter_map(|(_, _, field)| field.map(column_name))
                        .collect();
                    scope.choose(
                        &name,
                        &cols.iter().map(String::as_str).collect::<Vec<_>>(),
                        NameKind::Index,
                    )
                }
            };
            Index {
                name: Cow::Owned(name),
                unique: index.attr.unique,
                method: Cow::Owned(
                    index
                        .attr
                        .method
                        .as_ref()
                        .map_or_else(|| "btree".to_owned(), |m| m.value().to_ascii_lowercase()),
                ),
                keys: index
                    .keys
                    .into_iter()
                    .map(|(target, options, _)| IndexKey {
                        target,
                        opclass: options.opclass.as_ref().map(|o| Cow::Owned(o.value())),
                        descending: options.descending,
                        nulls: options.nulls,
                    })
                    .collect(),
                nulls_not_distinct: index.attr.nulls_not_distinct,
                predicate: index
                    .attr
                    .predicate
                    .as_ref()
                    .map(|p| Cow::Owned(non_empty_sql(errors, p, "index condition"))),
            }
        })
        .collect();

    let crate_path = attrs.crate_path.clone().unwrap_or_else(default_crate_path);
    let (models, fields): (Vec<Column>, Vec<FieldDef>) =
        columns.drain(..).map(|c| (c.model, c.field)).unzip();
    TableDef {
        ident: item.ident.clone(),
        crate_path,
        insert_struct: attrs.insert_struct.clone(),
        table: model::Table {
            schema: Cow::Owned(schema),
            name: Cow::Owned(name),
            columns: Cow::Owned(models),
            primary_key,
            uniques: Cow::Owned(uniques),
            foreign_keys: Cow::Owned(Vec::new()),
            checks: Cow::Owned(checks),
            indexes: Cow::Owned(indexes),
            renamed_from,
        },
        fields,
        foreign_keys,
    }
}

/// One field → one column, with every column-level rule checked.
fn build_column(errors: &mut Errors, field: &syn::Field) -> Option<ColumnBuild> {
    let ident = field.ident.clone()?;
    let mut attrs = ColumnAttrs::default();
    for attribute in &field.attrs {
        if attribute.path().is_ident(COLUMN) {
            attr::column_attrs(errors, attribute, &mut attrs);
        }
    }
    let name = match &attrs.name {
        Some(lit) => sql_name(errors, lit, "column"),
        None => {
            let raw = ident.to_string();
            raw.strip_prefix("r#").unwrap_or(&raw).to_owned()
        }
    };

    let (mut sql_type, array_dims, nullable, enum_type) = match &attrs.sql_type {
        Some(lit) => {
            let nullable = match strip_option(&field.ty) {
                Ok((nullable, _)) => nullable,
                Err(error) => {
                    errors.push_error(error);
                    false
                }
            };
            match SqlType::parse(&lit.value()) {
                Ok((ty, dims)) => (ty, dims, nullable, None),
                Err(error) => {
                    errors.push(lit.span(), format!("cannot read the type `{}`: {error}\nhelp: write a PostgreSQL type, e.g. `sql_type = \"varchar(64)\"`", lit.value()));
                    (SqlType::Text, 0, nullable, None)
                }
            }
        }
        None => match map_type(&field.ty) {
            Ok(mapped) => match mapped.sql_type {
                Some(ty) => (ty, mapped.array_dims, mapped.nullable, None),
                None => (
                    SqlType::Enum {
                        schema: Cow::Borrowed(""),
                        name: Cow::Borrowed(""),
                    },
                    mapped.array_dims,
                    mapped.nullable,
                    Some(mapped.element.clone()),
                ),
            },
            Err(error) => {
                errors.push_error(error);
                (SqlType::Text, 0, false, None)
            }
        },
    };

    // Rule: `serial` turns an integer column into the matching serial type.
    if let Some(span) = attrs.serial {
        sql_type = match (&sql_type, array_dims) {
            (SqlType::SmallInt, 0) => SqlType::SmallSerial,
            (SqlType::Integer, 0) => SqlType::Serial,
            (SqlType::BigInt, 0) => SqlType::BigSerial,
            _ => {
                errors.push(
                    span,
                    format!(
                        "`serial` needs an `i16`, `i32` or `i64` column, not `{}`\nhelp: make the field an `i32` or `i64`, or drop `serial`",
                        crate::types::type_sql(&sql_type, array_dims)
                    ),
                );
                sql_type
            }
        };
        if nullable {
            errors.push(
                span,
                "a `serial` column is never NULL: drop the `Option<…>`",
            );
        }
    }

    let identity = attrs.identity.as_ref().map(|identity| {
        check::identity_column(errors, identity.span, &sql_type, array_dims, nullable);
        Identity {
            always: identity.always,
            start: identity.start,
            increment: identity.increment,
            min_value: identity.min_value,
            max_value: identity.max_value,
            cache: identity.cache,
            cycle: identity.cycle,
        }
    });
    // One form for one meaning, shared with introspection.
    let identity = identity.map(|i| crate::normalize::identity(i, &sql_type));

    let default = match (&attrs.default, &attrs.default_sql) {
        (Some(expr), None) => {
            default_literal(errors, expr, &sql_type, array_dims, enum_type.is_some())
                .map(DefaultValue::Literal)
        }
        (None, Some(lit)) => Some(DefaultValue::Sql(Cow::Owned(non_empty_sql(
            errors,
            lit,
            "default expression",
        )))),
        (Some(expr), Some(_)) => {
            errors.push_spanned(expr, "give either `default` (a Rust literal) or `default_sql` (an SQL expression), not both\nhelp: remove one of them");
            None
        }
        (None, None) => None,
    };
    let default = default.and_then(|d| crate::normalize::default_value(d, &sql_type, array_dims));
    let generated = attrs
        .generated
        .as_ref()
        .map(|lit| Cow::Owned(non_empty_sql(errors, lit, "generated expression")));
    check::value_sources(errors, &attrs);

    let model = Column {
        name: Cow::Owned(name),
        sql_type,
        array_dims,
        nullable,
        default,
        identity,
        generated,
        renamed_from: attrs
            .renamed_from
            .as_ref()
            .map(|lit| Cow::Owned(sql_name(errors, lit, "column"))),
    };
    Some(ColumnBuild {
        model,
        field: FieldDef {
            ident: ident.clone(),
            ty: field.ty.clone(),
            enum_type,
        },
        attrs,
        span: ident.span(),
    })
}

/// `default = <literal>` → a typed literal that fits the column's type.
fn default_literal(
    errors: &mut Errors,
    expr: &syn::Expr,
    sql_type: &SqlType,
    array_dims: u8,
    is_enum: bool,
) -> Option<Literal> {
    let (negative, inner) = match expr {
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => (true, &**expr),
        other => (false, other),
    };
    let syn::Expr::Lit(syn::ExprLit { lit, .. }) = inner else {
        errors.push_spanned(expr, "`default` takes a Rust literal such as `false`, `0`, `1.5` or `\"text\"`\nhelp: for an SQL expression write `default_sql = \"now()\"`");
        return None;
    };
    let sign = if negative { "-" } else { "" };
    let literal = match lit {
        syn::Lit::Bool(b) if !negative => Literal::Bool(b.value),
        syn::Lit::Int(int) => Literal::Number(Cow::Owned(format!("{sign}{}", int.base10_digits()))),
        syn::Lit::Float(float) => {
            Literal::Number(Cow::Owned(format!("{sign}{}", float.base10_digits())))
        }
        syn::Lit::Str(s) if !negative => Literal::String(Cow::Owned(s.value())),
        _ => {
            errors.push_spanned(
                expr,
                "`default` takes a Rust literal such as `false`, `0`, `1.5` or `\"text\"`\nhelp: for an SQL expression write `default_sql = \"now()\"`",
            );
            return None;
        }
    };
    check::default_fits(errors, expr, &literal, lit, sql_type, array_dims, is_enum);
    Some(literal)
}

/// Parses a `#[pg_enum]` enum; `args` are the attribute's arguments.
pub fn enum_def(args: TokenStream, item: &syn::ItemEnum) -> Result<EnumDef, syn::Error> {
    let mut errors = Errors::new();
    let attrs = attr::enum_attrs(&mut errors, args);
    if !item.generics.params.is_empty() {
        errors.push_spanned(
            &item.generics,
            "a `#[pg_enum]` cannot be generic\nhelp: remove the generic parameters",
        );
    }
    let name = match &attrs.name {
        Some(lit) => sql_name(&mut errors, lit, "enum type"),
        None => snake_case(&item.ident.to_string()),
    };
    let schema = match &attrs.schema {
        Some(lit) => sql_name(&mut errors, lit, "schema"),
        None => DEFAULT_SCHEMA.to_owned(),
    };
    let rename_all = match &attrs.rename_all {
        None => RenameAll::SnakeCase,
        Some(lit) => RenameAll::parse(&lit.value()).unwrap_or_else(|| {
            errors.push(
                lit.span(),
                format!(
                    "unknown `rename_all` style `{}`\nhelp: expected one of: {}",
                    lit.value(),
                    RenameAll::NAMES.join(", ")
                ),
            );
            RenameAll::SnakeCase
        }),
    };
    let mut labels: Vec<(String, Span)> = Vec::new();
    let mut renamed_values = Vec::new();
    let mut variants = Vec::new();
    for variant in &item.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            errors.push(variant.fields.span(), "a `#[pg_enum]` variant cannot carry data: a PostgreSQL enum value is a label\nhelp: remove the fields, or store the data in a `Json<T>` column");
        }
        let mut value = attr::ValueAttrs::default();
        for attribute in &variant.attrs {
            if attribute.path().is_ident(VALUE) {
                attr::value_attrs(&mut errors, attribute, &mut value);
            }
        }
        let label = match &value.name {
            Some(lit) => {
                let label = lit.value();
                if label.is_empty() || label.len() > MAX_IDENTIFIER_BYTES {
                    errors.push(
                        lit.span(),
                        format!("an enum label must be 1 to {MAX_IDENTIFIER_BYTES} bytes long"),
                    );
                }
                label
            }
            None => rename_all.apply(&variant.ident.to_string()),
        };
        if let Some((_, _)) = labels.iter().find(|(existing, _)| *existing == label) {
            errors.push(variant.ident.span(), format!("two variants have the label `{label}`\nhelp: give one a different `#[value(name = \"…\")]`"));
        }
        if let Some(lit) = &value.renamed_from {
            renamed_values.push(model::RenamedValue {
                from: Cow::Owned(lit.value()),
                to: Cow::Owned(label.clone()),
            });
        }
        labels.push((label, variant.ident.span()));
        variants.push(variant.ident.clone());
    }
    errors.finish()?;
    Ok(EnumDef {
        ident: item.ident.clone(),
        crate_path: attrs.crate_path.unwrap_or_else(default_crate_path),
        model: model::Enum {
            schema: Cow::Owned(schema),
            name: Cow::Owned(name),
            values: labels
                .into_iter()
                .map(|(label, _)| Cow::Owned(label))
                .collect(),
            renamed_from: attrs.renamed_from.map(|lit| Cow::Owned(lit.value())),
            renamed_values: Cow::Owned(renamed_values),
        },
        variants,
    })
}

/// How variant names become labels.
#[derive(Clone, Copy)]
enum RenameAll {
    SnakeCase,
    ScreamingSnakeCase,
    KebabCase,
    Lowercase,
    Uppercase,
    CamelCase,
    PascalCase,
}

impl RenameAll {
    const NAMES: [&'static str; 7] = [
        "snake_case",
        "SCREAMING_SNAKE_CASE",
        "kebab-case",
        "lowercase",
        "UPPERCASE",
        "camelCase",
        "PascalCase",
    ];

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "snake_case" => RenameAll::SnakeCase,
            "SCREAMING_SNAKE_CASE" => RenameAll::ScreamingSnakeCase,
            "kebab-case" => RenameAll::KebabCase,
            "lowercase" => RenameAll::Lowercase,
            "UPPERCASE" => RenameAll::Uppercase,
            "camelCase" => RenameAll::CamelCase,
            "PascalCase" => RenameAll::PascalCase,
            _ => return None,
        })
    }

    fn apply(self, variant: &str) -> String {
        match self {
            RenameAll::SnakeCase => snake_case(variant),
            RenameAll::ScreamingSnakeCase => snake_case(variant).to_uppercase(),
            RenameAll::KebabCase => snake_case(variant).replace('_', "-"),
            RenameAll::Lowercase => variant.to_lowercase(),
            RenameAll::Uppercase => variant.to_uppercase(),
            RenameAll::PascalCase => variant.to_owned(),
            RenameAll::CamelCase => {
                let mut chars = variant.chars();
                chars
                    .next()
                    .map(|first| first.to_lowercase().chain(chars).collect())
                    .unwrap_or_default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_splits_words_and_acronyms() {
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("UserSettings"), "user_settings");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("PlanPrice2"), "plan_price2");
        assert_eq!(snake_case("TwoFactor"), "two_factor");
    }
}

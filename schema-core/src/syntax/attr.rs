//! Typed attribute parsing: `#[table(…)]`, `#[column(…)]`, `#[pg_enum(…)]`
//! and `#[value(…)]` become plain structs. Every problem is recorded in
//! [`Errors`] with the span of the offending token, and parsing goes on, so a
//! user sees all bad attributes in one build. Rules that involve several
//! attributes are in `check.rs`.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Ident, LitStr, Token};

use super::symbol::*;
use super::Errors;
use crate::model::{NullsOrder, ReferentialAction};

/// `#[table(…)]`.
#[derive(Default)]
pub struct TableAttrs {
    pub name: Option<LitStr>,
    pub schema: Option<LitStr>,
    pub crate_path: Option<syn::Path>,
    pub insert_struct: Option<Ident>,
    pub renamed_from: Option<LitStr>,
    pub primary_key: Option<KeyAttr>,
    pub uniques: Vec<UniqueAttr>,
    pub indexes: Vec<IndexAttr>,
    pub checks: Vec<CheckAttr>,
    pub foreign_keys: Vec<ForeignKeyAttr>,
}

/// `primary_key(name = "…", columns(a, b))`.
pub struct KeyAttr {
    pub span: Span,
    pub name: Option<LitStr>,
    pub columns: Vec<Ident>,
}

/// `unique(name = "…", columns(a, b), nulls_not_distinct)`, or on a column
/// `unique` / `unique(name = "…", nulls_not_distinct)`.
pub struct UniqueAttr {
    pub span: Span,
    pub name: Option<LitStr>,
    pub columns: Vec<Ident>,
    pub nulls_not_distinct: bool,
}

/// `index(name = "…", columns(a, b(desc), "lower(c)"), unique, method = "…", where = "…")`.
pub struct IndexAttr {
    pub span: Span,
    pub name: Option<LitStr>,
    pub keys: Vec<IndexKeyAttr>,
    pub unique: bool,
    pub method: Option<LitStr>,
    pub predicate: Option<LitStr>,
    pub nulls_not_distinct: bool,
    /// For an index on a column: the options of its one key.
    pub column_options: KeyOptions,
}

/// One key in `columns(…)` of an index.
pub struct IndexKeyAttr {
    pub target: IndexKeyTarget,
    pub options: KeyOptions,
}

/// A column (by field name) or an SQL expression.
pub enum IndexKeyTarget {
    Field(Ident),
    Expression(LitStr),
}

/// `asc` / `desc`, `nulls_first` / `nulls_last`, `opclass = "…"`.
#[derive(Default)]
pub struct KeyOptions {
    pub descending: bool,
    pub nulls: Option<NullsOrder>,
    pub opclass: Option<LitStr>,
}

/// `check(name = "…", sql = "…")`, or on a column `check = "…"`.
pub struct CheckAttr {
    pub span: Span,
    pub name: Option<LitStr>,
    pub sql: Option<LitStr>,
}

/// `foreign_key(name = "…", columns(a, b), references(T::x, T::y), on_delete = "…")`.
pub struct ForeignKeyAttr {
    pub span: Span,
    pub name: Option<LitStr>,
    pub columns: Vec<Ident>,
    pub references: Vec<syn::Path>,
    pub on_delete: Option<(ReferentialAction, Span)>,
    pub on_update: Option<(ReferentialAction, Span)>,
}

/// `#[column(…)]`, merged over every `#[column]` of a field.
#[derive(Default)]
pub struct ColumnAttrs {
    pub name: Option<LitStr>,
    pub primary_key: Option<Span>,
    pub unique: Option<UniqueAttr>,
    pub default: Option<syn::Expr>,
    pub default_sql: Option<LitStr>,
    pub sql_type: Option<LitStr>,
    pub references: Option<syn::Path>,
    pub on_delete: Option<(ReferentialAction, Span)>,
    pub on_update: Option<(ReferentialAction, Span)>,
    pub identity: Option<IdentityAttr>,
    pub serial: Option<Span>,
    pub generated: Option<LitStr>,
    pub checks: Vec<CheckAttr>,
    pub indexes: Vec<IndexAttr>,
    pub renamed_from: Option<LitStr>,
}

/// `identity` or `identity(always, start = 1, increment = 1, …)`.
pub struct IdentityAttr {
    pub span: Span,
    pub always: bool,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: bool,
}

/// `#[pg_enum(…)]`.
#[derive(Default)]
pub struct EnumAttrs {
    pub name: Option<LitStr>,
    pub schema: Option<LitStr>,
    pub crate_path: Option<syn::Path>,
    pub renamed_from: Option<LitStr>,
    pub rename_all: Option<LitStr>,
}

/// `#[value(…)]` on a `#[pg_enum]` variant.
#[derive(Default)]
pub struct ValueAttrs {
    pub name: Option<LitStr>,
    pub renamed_from: Option<LitStr>,
}

/// The name of a nested meta item, keywords (`crate`, `where`) included.
fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    match meta.path.get_ident() {
        Some(ident) => {
            let mut key = ident.to_string();
            if key.starts_with("r#") {
                key.drain(..2);
            }
            key
        }
        None => quote::ToTokens::to_token_stream(&meta.path).to_string(),
    }
}

/// Where a key is written: a key is one identifier, whose span is what
/// `path.span()` gives without printing the path to tokens and joining their
/// spans (done for every key of every attribute).
fn key_span(path: &syn::Path) -> Span {
    match path.get_ident() {
        Some(ident) => ident.span(),
        None => path.span(),
    }
}

/// The expression after `key =`. A lone literal (the common case: `name =
/// "…"`, `default = 0`) is read as the literal it is, without running the
/// expression parser; it gives the same `Expr::Lit`.
fn value_expr(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::Expr> {
    let value = meta.value()?;
    let lone_literal = value.cursor().literal().is_some_and(|(_, rest)| {
        rest.eof()
            || rest
                .punct()
                .is_some_and(|(punct, _)| punct.as_char() == ',')
    });
    if lone_literal {
        Ok(syn::Expr::Lit(syn::ExprLit {
            attrs: Vec::new(),
            lit: value.parse()?,
        }))
    } else {
        value.parse()
    }
}

/// Consumes whatever value follows an unknown or rejected key, so parsing can
/// go on with the next key.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// Reports an unknown key, with the closest known key when one is near, and
/// consumes its value.
fn unknown(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    what: &str,
    known: &[&str],
    help: &str,
) -> syn::Result<()> {
    let key = key_of(meta);
    let mut message = format!("unknown {what} `{key}`");
    if let Some(best) = closest(&key, known) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    message.push_str(&format!(
        "\nhelp: expected one of: {}\nhelp: {help}",
        known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    errors.push(key_span(&meta.path), message);
    skip_value(meta)
}

/// The known word nearest to `word`, when it is close enough to be a typo.
pub(crate) fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(distance, k)| *distance <= (k.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// Levenshtein distance where swapping two adjacent letters also counts as
/// one edit (`nmae` → `name`), the most common typo in a key.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (previous[j] + 1)
                .min(row[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut previous, row);
    }
    previous[b.len()]
}

/// Stores `value` in `slot`, reporting a duplicate key.
fn set_once<T>(errors: &mut Errors, slot: &mut Option<T>, value: T, span: Span, key: &str) {
    if slot.is_some() {
        errors.push(span, format!("duplicate `{key}`: give it once"));
    } else {
        *slot = Some(value);
    }
}

fn set_flag(errors: &mut Errors, flag: &mut bool, span: Span, key: &str) {
    if *flag {
        errors.push(span, format!("duplicate `{key}`: give it once"));
    }
    *flag = true;
}

/// `key = "string"`.
fn lit_str(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    match value_expr(meta)? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Ok(lit),
        other => {
            let key = key_of(meta);
            Err(syn::Error::new(
                other.span(),
                format!("`{key}` takes a string literal, e.g. `{key} = \"…\"`"),
            ))
        }
    }
}

/// `key = 123` (possibly negative).
fn lit_i64(meta: &ParseNestedMeta<'_>) -> syn::Result<i64> {
    let expr = value_expr(meta)?;
    let (negative, inner) = match &expr {
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => (true, &**expr),
        other => (false, other),
    };
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(int),
        ..
    }) = inner
    {
        let value: i64 = int.base10_parse()?;
        return Ok(if negative { -value } else { value });
    }
    let key = key_of(meta);
    Err(syn::Error::new(
        expr.span(),
        format!("`{key}` takes an integer, e.g. `{key} = 1`"),
    ))
}

/// `columns(a, b, c)`: field names.
fn ident_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
    let list: Vec<Ident> = list.into_iter().collect();
    if list.is_empty() {
        return Err(syn::Error::new(
            key_span(&meta.path),
            format!("`{}(…)` needs at least one column", key_of(meta)),
        ));
    }
    Ok(list)
}

/// `on_delete = "cascade"`.
fn action(meta: &ParseNestedMeta<'_>) -> syn::Result<(ReferentialAction, Span)> {
    let lit = lit_str(meta)?;
    match ReferentialAction::parse(&lit.value()) {
        Some(action) => Ok((action, lit.span())),
        None => Err(syn::Error::new(
            lit.span(),
            format!(
                "unknown action `{}` for `{}`\nhelp: expected one of: {}",
                lit.value(),
                key_of(meta),
                ReferentialAction::ALL
                    .iter()
                    .map(|(name, _)| format!("\"{name}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Runs `parse` over `key(…)` or reports `key` used without parentheses.
fn nested(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    mut parse: impl FnMut(&mut Errors, ParseNestedMeta<'_>) -> syn::Result<()>,
) -> syn::Result<()> {
    if !meta.input.peek(syn::token::Paren) {
        let key = key_of(meta);
        errors.push(
            key_span(&meta.path),
            format!("`{key}` takes a list: `{key}(…)`"),
        );
        return skip_value(meta);
    }
    meta.parse_nested_meta(|inner| parse(errors, inner))
}

/// Parses `#[table(…)]` arguments.
pub fn table_attrs(errors: &mut Errors, args: TokenStream) -> TableAttrs {
    let mut attrs = TableAttrs::default();
    let parser = syn::meta::parser(|meta| {
        let span = key_span(&meta.path);
        match key_of(&meta).as_str() {
            NAME => set_once(errors, &mut attrs.name, lit_str(&meta)?, span, NAME),
            SCHEMA => set_once(errors, &mut attrs.schema, lit_str(&meta)?, span, SCHEMA),
            RENAMED_FROM => set_once(
                errors,
                &mut attrs.renamed_from,
                lit_str(&meta)?,
                span,
                RENAMED_FROM,
            ),
            CRATE => {
                let lit = lit_str(&meta)?;
                set_once(errors, &mut attrs.crate_path, lit.parse()?, span, CRATE);
            }
            INSERT_STRUCT => {
                let lit = lit_str(&meta)?;
                let ident = lit.parse::<Ident>().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        "`insert_struct` names the generated insert struct: a Rust identifier such as `\"CreateUser\"`",
                    )
                })?;
                set_once(errors, &mut attrs.insert_struct, ident, span, INSERT_STRUCT);
            }
            PRIMARY_KEY => {
                let key = key_attr(errors, &meta)?;
                set_once(errors, &mut attrs.primary_key, key, span, PRIMARY_KEY);
            }
            UNIQUE => {
                let before = errors.count();
                let unique = unique_attr(errors, &meta, UNIQUE_KEYS)?;
                if unique.columns.is_empty() && errors.count() == before {
                    errors.push(span, "a table `unique` needs `columns(…)`\nhelp: write `unique(columns(a, b))`, or put `unique` on the column");
                }
                attrs.uniques.push(unique);
            }
            INDEX => {
                let before = errors.count();
                let index = index_attr(errors, &meta, INDEX_KEYS)?;
                if index.keys.is_empty() && errors.count() == before {
                    errors.push(span, "a table `index` needs `columns(…)`\nhelp: write `index(columns(a, b))`, or put `index` on the column");
                }
                attrs.indexes.push(index);
            }
            CHECK => {
                let before = errors.count();
                let check = check_attr(errors, &meta)?;
                if check.name.is_none() && errors.count() == before {
                    errors.push(span, "a table `check` needs a name\nhelp: write `check(name = \"price_positive\", sql = \"price >= 0\")`");
                }
                attrs.checks.push(check);
            }
            FOREIGN_KEY => attrs.foreign_keys.push(foreign_key_attr(errors, &meta)?),
            _ => unknown(errors, &meta, "table attribute", TABLE_KEYS, TABLE_HELP)?,
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        errors.push_error(error);
    }
    attrs
}

fn key_attr(errors: &mut Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<KeyAttr> {
    let mut key = KeyAttr {
        span: key_span(&meta.path),
        name: None,
        columns: Vec::new(),
    };
    let before = errors.count();
    nested(errors, meta, |errors, inner| {
        let span = key_span(&inner.path);
        match key_of(&inner).as_str() {
            NAME => set_once(errors, &mut key.name, lit_str(&inner)?, span, NAME),
            COLUMNS => key.columns = ident_list(&inner)?,
            _ => unknown(
                errors,
                &inner,
                "primary key option",
                KEY_KEYS,
                "the correct format looks like `primary_key(columns(a, b))`",
            )?,
        }
        Ok(())
    })?;
    if key.columns.is_empty() && errors.count() == before {
        errors.push(
            key.span,
            "`primary_key` needs `columns(…)`\nhelp: write `primary_key(columns(a, b))`, or put `primary_key` on the column",
        );
    }
    Ok(key)
}

fn unique_attr(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    known: &[&str],
) -> syn::Result<UniqueAttr> {
    let mut unique = UniqueAttr {
        span: key_span(&meta.path),
        name: None,
        columns: Vec::new(),
        nulls_not_distinct: false,
    };
    if !meta.input.peek(syn::token::Paren) {
        return Ok(unique);
    }
    meta.parse_nested_meta(|inner| {
        let span = key_span(&inner.path);
        match key_of(&inner).as_str() {
            NAME => set_once(errors, &mut unique.name, lit_str(&inner)?, span, NAME),
            COLUMNS if known.contains(&COLUMNS) => unique.columns = ident_list(&inner)?,
            NULLS_NOT_DISTINCT => set_flag(
                errors,
                &mut unique.nulls_not_distinct,
                span,
                NULLS_NOT_DISTINCT,
            ),
            _ => unknown(
                errors,
                &inner,
                "unique option",
                known,
                "the correct format looks like `unique(name = \"…\", columns(a, b), nulls_not_distinct)`",
            )?,
        }
        Ok(())
    })?;
    Ok(unique)
}

fn index_attr(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    known: &[&str],
) -> syn::Result<IndexAttr> {
    let mut index = IndexAttr {
        span: key_span(&meta.path),
        name: None,
        keys: Vec::new(),
        unique: false,
        method: None,
        predicate: None,
        nulls_not_distinct: false,
        column_options: KeyOptions::default(),
    };
    if !meta.input.peek(syn::token::Paren) {
        return Ok(index);
    }
    let mut column_options = KeyOptions::default();
    let column_level = !known.contains(&COLUMNS);
    meta.parse_nested_meta(|inner| {
        let span = key_span(&inner.path);
        let key = key_of(&inner);
        match key.as_str() {
            NAME => set_once(errors, &mut index.name, lit_str(&inner)?, span, NAME),
            COLUMNS if !column_level => {
                let content;
                syn::parenthesized!(content in inner.input);
                index.keys = parse_index_keys(errors, &content)?;
                if index.keys.is_empty() {
                    errors.push(span, "`columns(…)` needs at least one column");
                }
            }
            UNIQUE => set_flag(errors, &mut index.unique, span, UNIQUE),
            NULLS_NOT_DISTINCT => set_flag(
                errors,
                &mut index.nulls_not_distinct,
                span,
                NULLS_NOT_DISTINCT,
            ),
            METHOD => set_once(errors, &mut index.method, lit_str(&inner)?, span, METHOD),
            WHERE => set_once(errors, &mut index.predicate, lit_str(&inner)?, span, WHERE),
            ASC | DESC | NULLS_FIRST | NULLS_LAST | OPCLASS if column_level => {
                key_option(errors, &mut column_options, &key, span, || lit_str(&inner))?
            }
            _ => unknown(
                errors,
                &inner,
                "index option",
                known,
                "the correct format looks like `index(name = \"…\", columns(a, b(desc)), method = \"btree\", unique, where = \"…\")`",
            )?,
        }
        Ok(())
    })?;
    index.column_options = column_options;
    Ok(index)
}

/// Applies one of `asc`, `desc`, `nulls_first`, `nulls_last`, `opclass = "…"`.
fn key_option(
    errors: &mut Errors,
    options: &mut KeyOptions,
    key: &str,
    span: Span,
    opclass: impl FnOnce() -> syn::Result<LitStr>,
) -> syn::Result<()> {
    match key {
        ASC => {}
        DESC => set_flag(errors, &mut options.descending, span, DESC),
        NULLS_FIRST | NULLS_LAST => {
            let order = if key == NULLS_FIRST {
                NullsOrder::First
            } else {
                NullsOrder::Last
            };
            set_once(
                errors,
                &mut options.nulls,
                order,
                span,
                "nulls_first/nulls_last",
            );
        }
        _ => set_once(errors, &mut options.opclass, opclass()?, span, OPCLASS),
    }
    Ok(())
}

/// The keys inside an index's `columns(…)`: `a`, `b(desc, nulls_last)`,
/// `"lower(email)"`, `"lower(email)"(desc)`.
fn parse_index_keys(errors: &mut Errors, input: ParseStream<'_>) -> syn::Result<Vec<IndexKeyAttr>> {
    let mut keys = Vec::new();
    while !input.is_empty() {
        let target = if input.peek(LitStr) {
            IndexKeyTarget::Expression(input.parse()?)
        } else {
            IndexKeyTarget::Field(input.call(Ident::parse_any)?)
        };
        let mut options = KeyOptions::default();
        if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let parser = syn::meta::parser(|meta| {
                let key = key_of(&meta);
                if KEY_OPTION_KEYS.contains(&key.as_str()) {
                    let span = key_span(&meta.path);
                    key_option(errors, &mut options, &key, span, || lit_str(&meta))
                } else {
                    unknown(
                        errors,
                        &meta,
                        "index key option",
                        KEY_OPTION_KEYS,
                        "the correct format looks like `columns(a(desc, nulls_last), b(opclass = \"text_pattern_ops\"))`",
                    )
                }
            });
            let tokens: TokenStream = content.parse()?;
            parser.parse2(tokens)?;
        }
        keys.push(IndexKeyAttr { target, options });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(keys)
}

fn check_attr(errors: &mut Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<CheckAttr> {
    let mut check = CheckAttr {
        span: key_span(&meta.path),
        name: None,
        sql: None,
    };
    if meta.input.peek(Token![=]) {
        check.sql = Some(lit_str(meta)?);
        return Ok(check);
    }
    let before = errors.count();
    nested(errors, meta, |errors, inner| {
        let span = key_span(&inner.path);
        match key_of(&inner).as_str() {
            NAME => set_once(errors, &mut check.name, lit_str(&inner)?, span, NAME),
            SQL => set_once(errors, &mut check.sql, lit_str(&inner)?, span, SQL),
            _ => unknown(
                errors,
                &inner,
                "check option",
                CHECK_KEYS,
                "the correct format looks like `check(name = \"price_positive\", sql = \"price >= 0\")`",
            )?,
        }
        Ok(())
    })?;
    if check.sql.is_none() && errors.count() == before {
        errors.push(
            check.span,
            "`check` needs its SQL condition\nhelp: write `check(name = \"price_positive\", sql = \"price >= 0\")`",
        );
    }
    Ok(check)
}

/// `references(User::id)` or `references(User::id, User::tenant)`.
fn reference_paths(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<syn::Path>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let paths = Punctuated::<syn::Path, Token![,]>::parse_terminated(&content)?;
    let paths: Vec<syn::Path> = paths.into_iter().collect();
    if paths.is_empty() {
        return Err(syn::Error::new(
            key_span(&meta.path),
            "`references(…)` needs the referenced column, e.g. `references(User::id)`",
        ));
    }
    for path in &paths {
        if path.segments.len() < 2 {
            return Err(syn::Error::new(
                path.span(),
                "a reference names a table struct and one of its fields\nhelp: write `references(User::id)`",
            ));
        }
    }
    Ok(paths)
}

fn foreign_key_attr(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<ForeignKeyAttr> {
    let mut fk = ForeignKeyAttr {
        span: key_span(&meta.path),
        name: None,
        columns: Vec::new(),
        references: Vec::new(),
        on_delete: None,
        on_update: None,
    };
    let before = errors.count();
    nested(errors, meta, |errors, inner| {
        let span = key_span(&inner.path);
        match key_of(&inner).as_str() {
            NAME => set_once(errors, &mut fk.name, lit_str(&inner)?, span, NAME),
            COLUMNS => fk.columns = ident_list(&inner)?,
            REFERENCES => fk.references = reference_paths(&inner)?,
            ON_DELETE => set_once(errors, &mut fk.on_delete, action(&inner)?, span, ON_DELETE),
            ON_UPDATE => set_once(errors, &mut fk.on_update, action(&inner)?, span, ON_UPDATE),
            _ => unknown(
                errors,
                &inner,
                "foreign key option",
                FOREIGN_KEY_KEYS,
                "the correct format looks like `foreign_key(columns(a, b), references(Other::a, Other::b), on_delete = \"cascade\")`",
            )?,
        }
        Ok(())
    })?;
    if errors.count() > before {
        // A bad key was reported; a missing list would only echo it.
    } else if fk.columns.is_empty() || fk.references.is_empty() {
        errors.push(
            fk.span,
            "`foreign_key` needs `columns(…)` and `references(…)`\nhelp: write `foreign_key(columns(a, b), references(Other::a, Other::b))`",
        );
    } else if fk.columns.len() != fk.references.len() {
        errors.push(
            fk.span,
            format!(
                "`foreign_key` has {} columns but references {}: they must pair up one to one",
                fk.columns.len(),
                fk.references.len()
            ),
        );
    }
    Ok(fk)
}

fn identity_attr(errors: &mut Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<IdentityAttr> {
    let mut identity = IdentityAttr {
        span: key_span(&meta.path),
        always: false,
        start: None,
        increment: None,
        min_value: None,
        max_value: None,
        cache: None,
        cycle: false,
    };
    if !meta.input.peek(syn::token::Paren) {
        return Ok(identity);
    }
    let mut by_default = false;
    meta.parse_nested_meta(|inner| {
        let span = key_span(&inner.path);
        match key_of(&inner).as_str() {
            ALWAYS => set_flag(errors, &mut identity.always, span, ALWAYS),
            BY_DEFAULT => set_flag(errors, &mut by_default, span, BY_DEFAULT),
            START => set_once(errors, &mut identity.start, lit_i64(&inner)?, span, START),
            INCREMENT => {
                let value = lit_i64(&inner)?;
                if value == 0 {
                    errors.push(span, "`increment` must not be zero");
                }
                set_once(errors, &mut identity.increment, value, span, INCREMENT)
            }
            MIN_VALUE => set_once(
                errors,
                &mut identity.min_value,
                lit_i64(&inner)?,
                span,
                MIN_VALUE,
            ),
            MAX_VALUE => set_once(
                errors,
                &mut identity.max_value,
                lit_i64(&inner)?,
                span,
                MAX_VALUE,
            ),
            CACHE => {
                let value = lit_i64(&inner)?;
                if value < 1 {
                    errors.push(span, "`cache` must be at least 1");
                }
                set_once(errors, &mut identity.cache, value, span, CACHE)
            }
            CYCLE => set_flag(errors, &mut identity.cycle, span, CYCLE),
            _ => unknown(
                errors,
                &inner,
                "identity option",
                IDENTITY_KEYS,
                "the correct format looks like `identity(always, start = 1, increment = 1)`",
            )?,
        }
        Ok(())
    })?;
    if identity.always && by_default {
        errors.push(
            identity.span,
            "`identity` is either `always` or `by_default`, not both",
        );
    }
    Ok(identity)
}

/// Parses one `#[column(…)]` attribute into `attrs`.
pub fn column_attrs(errors: &mut Errors, attr: &syn::Attribute, attrs: &mut ColumnAttrs) {
    if let syn::Meta::Path(path) = &attr.meta {
        errors.push(
            path.span(),
            format!("`#[column]` needs options\nhelp: {COLUMN_HELP}"),
        );
        return;
    }
    let result = attr.parse_nested_meta(|meta| {
        let span = key_span(&meta.path);
        match key_of(&meta).as_str() {
            NAME => set_once(errors, &mut attrs.name, lit_str(&meta)?, span, NAME),
            PRIMARY_KEY => {
                if meta.input.peek(syn::token::Paren) || meta.input.peek(Token![=]) {
                    errors.push(span, "`primary_key` on a column is a flag: write `#[column(primary_key)]`");
                    skip_value(&meta)?;
                }
                set_once(errors, &mut attrs.primary_key, span, span, PRIMARY_KEY);
            }
            UNIQUE => {
                let unique = unique_attr(errors, &meta, COLUMN_UNIQUE_KEYS)?;
                set_once(errors, &mut attrs.unique, unique, span, UNIQUE);
            }
            DEFAULT => {
                let value = value_expr(&meta)?;
                set_once(errors, &mut attrs.default, value, span, DEFAULT);
            }
            DEFAULT_SQL => set_once(errors, &mut attrs.default_sql, lit_str(&meta)?, span, DEFAULT_SQL),
            SQL_TYPE => set_once(errors, &mut attrs.sql_type, lit_str(&meta)?, span, SQL_TYPE),
            REFERENCES => {
                let mut paths = reference_paths(&meta)?;
                if paths.len() != 1 {
                    errors.push(span, "a column references one column; use the table's `foreign_key(…)` for composite keys");
                }
                set_once(errors, &mut attrs.references, paths.remove(0), span, REFERENCES);
            }
            ON_DELETE => set_once(errors, &mut attrs.on_delete, action(&meta)?, span, ON_DELETE),
            ON_UPDATE => set_once(errors, &mut attrs.on_update, action(&meta)?, span, ON_UPDATE),
            IDENTITY => {
                let identity = identity_attr(errors, &meta)?;
                set_once(errors, &mut attrs.identity, identity, span, IDENTITY);
            }
            SERIAL => set_once(errors, &mut attrs.serial, span, span, SERIAL),
            GENERATED => set_once(errors, &mut attrs.generated, lit_str(&meta)?, span, GENERATED),
            CHECK => attrs.checks.push(check_attr(errors, &meta)?),
            INDEX => attrs.indexes.push(index_attr(errors, &meta, COLUMN_INDEX_KEYS)?),
            RENAMED_FROM => set_once(errors, &mut attrs.renamed_from, lit_str(&meta)?, span, RENAMED_FROM),
            _ => unknown(errors, &meta, "column attribute", COLUMN_KEYS, COLUMN_HELP)?,
        }
        Ok(())
    });
    if let Err(error) = result {
        errors.push_error(error);
    }
}

/// Parses `#[pg_enum(…)]` arguments.
pub fn enum_attrs(errors: &mut Errors, args: TokenStream) -> EnumAttrs {
    let mut attrs = EnumAttrs::default();
    let parser = syn::meta::parser(|meta| {
        let span = key_span(&meta.path);
        match key_of(&meta).as_str() {
            NAME => set_once(errors, &mut attrs.name, lit_str(&meta)?, span, NAME),
            SCHEMA => set_once(errors, &mut attrs.schema, lit_str(&meta)?, span, SCHEMA),
            RENAMED_FROM => set_once(
                errors,
                &mut attrs.renamed_from,
                lit_str(&meta)?,
                span,
                RENAMED_FROM,
            ),
            RENAME_ALL => set_once(
                errors,
                &mut attrs.rename_all,
                lit_str(&meta)?,
                span,
                RENAME_ALL,
            ),
            CRATE => {
                let lit = lit_str(&meta)?;
                set_once(errors, &mut attrs.crate_path, lit.parse()?, span, CRATE);
            }
            _ => unknown(errors, &meta, "pg_enum attribute", ENUM_KEYS, ENUM_HELP)?,
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        errors.push_error(error);
    }
    attrs
}

/// Parses one `#[value(…)]` attribute of a `#[pg_enum]` variant into `attrs`.
pub fn value_attrs(errors: &mut Errors, attr: &syn::Attribute, attrs: &mut ValueAttrs) {
    let result = attr.parse_nested_meta(|meta| {
        let span = key_span(&meta.path);
        match key_of(&meta).as_str() {
            NAME => set_once(errors, &mut attrs.name, lit_str(&meta)?, span, NAME),
            RENAMED_FROM => set_once(
                errors,
                &mut attrs.renamed_from,
                lit_str(&meta)?,
                span,
                RENAMED_FROM,
            ),
            _ => unknown(
                errors,
                &meta,
                "enum value attribute",
                VALUE_KEYS,
                VALUE_HELP,
            )?,
        }
        Ok(())
    });
    if let Err(error) = result {
        errors.push_error(error);
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn closest_counts_a_swap_as_one_typo() {
        assert_eq!(closest("nmae", &["name", "schema"]), Some("name"));
        assert_eq!(closest("emial", &["email", "id"]), Some("email"));
        assert_eq!(closest("primay_key", &["primary_key"]), Some("primary_key"));
        assert_eq!(closest("handle", &["email", "tenant"]), None);
    }
}

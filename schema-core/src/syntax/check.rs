//! Rules that involve several attributes or the model, one function per rule,
//! each reporting into [`Errors`] at the offending token.

use proc_macro2::Span;
use syn::LitStr;

use super::attr::{ColumnAttrs, IndexAttr};
use super::Errors;
use crate::model::{Column, Literal, SqlType};

/// Two fields must not map to the same column name (a field renamed with
/// `name = "…"` onto another field's name included).
pub fn duplicate_columns(errors: &mut Errors, columns: &[(&str, Span)]) {
    for (i, (name, span)) in columns.iter().enumerate() {
        if columns[..i].iter().any(|(earlier, _)| earlier == name) {
            errors.push(
                *span,
                format!("two fields map to the column `{name}`\nhelp: rename one with `#[column(name = \"…\")]`"),
            );
        }
    }
}

/// A table has at most one primary key: one column with `primary_key`, or a
/// table-level `primary_key(columns(…))`, never both, never two columns.
pub fn one_primary_key(errors: &mut Errors, column_spans: &[Span], table_span: Option<Span>) {
    for span in column_spans.iter().skip(1) {
        errors.push(
            *span,
            "a table has one primary key, but `primary_key` is on more than one field\nhelp: for a composite key write `#[table(primary_key(columns(a, b)))]`",
        );
    }
    if let (Some(table_span), Some(first)) = (table_span, column_spans.first()) {
        let _ = table_span;
        errors.push(
            *first,
            "the table already declares `primary_key(columns(…))`: a table has one primary key\nhelp: remove `primary_key` from the field, or from `#[table(…)]`",
        );
    }
}

/// Primary key columns are NOT NULL: an `Option<…>` field cannot be one.
pub fn primary_key_not_nullable(errors: &mut Errors, column: &Column, ty: &syn::Type) {
    if column.nullable {
        errors.push_spanned(
            ty,
            format!(
                "the primary key column `{}` cannot be NULL\nhelp: drop the `Option<…>`",
                column.name
            ),
        );
    }
}

/// A key names each column once.
pub fn no_repeated_columns(errors: &mut Errors, columns: &[syn::Ident], what: &str) {
    for (i, column) in columns.iter().enumerate() {
        if columns[..i].contains(column) {
            errors.push(
                column.span(),
                format!("the {what} names `{column}` twice\nhelp: list each column once"),
            );
        }
    }
}

/// A unique constraint on exactly the primary key's columns, or two unique
/// constraints on the same columns, would be silently dropped by PostgreSQL,
/// leaving the database different from the code.
pub fn redundant_uniques(errors: &mut Errors, primary_key: &[usize], uniques: &[(&[usize], Span)]) {
    for (i, (fields, span)) in uniques.iter().enumerate() {
        if !primary_key.is_empty() && *fields == primary_key {
            errors.push(
                *span,
                "this unique constraint repeats the primary key, which is already unique\nhelp: remove `unique`",
            );
        } else if uniques[..i].iter().any(|(earlier, _)| earlier == fields) {
            errors.push(
                *span,
                "a unique constraint on these columns is already declared\nhelp: remove this `unique`; PostgreSQL would keep only one of the two",
            );
        }
    }
}

/// `on_delete = "set null"` needs a column that can hold NULL.
pub fn set_null_needs_nullable(errors: &mut Errors, column: &Column, key: &str, span: Span) {
    if !column.nullable {
        errors.push(
            span,
            format!(
                "`{key} = \"set null\"` needs a nullable column, but `{}` is NOT NULL\nhelp: make the field an `Option<…>`, or choose another action",
                column.name
            ),
        );
    }
}

/// An identity column is a NOT NULL smallint, integer or bigint.
pub fn identity_column(
    errors: &mut Errors,
    span: Span,
    ty: &SqlType,
    array_dims: u8,
    nullable: bool,
) {
    if !matches!(ty, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt) || array_dims > 0 {
        errors.push(
            span,
            format!(
                "`identity` needs an `i16`, `i32` or `i64` column, not `{}`\nhelp: make the field an `i64`, or drop `identity` and give a default with `default_sql = \"…\"`",
                crate::types::type_sql(ty, array_dims)
            ),
        );
    }
    if nullable {
        errors.push(
            span,
            "an `identity` column is never NULL: drop the `Option<…>`",
        );
    }
}

/// A column gets its value from at most one of `default`, `default_sql`,
/// `identity`, `serial` and `generated`.
pub fn value_sources(errors: &mut Errors, attrs: &ColumnAttrs) {
    let mut sources: Vec<(&str, Span)> = Vec::new();
    // Only the second source's span is reported, so `default`, always first,
    // needs none (an expression's span would join those of all its tokens).
    if attrs.default.is_some() {
        sources.push(("default", Span::call_site()));
    }
    if let Some(lit) = &attrs.default_sql {
        sources.push(("default_sql", lit.span()));
    }
    if let Some(identity) = &attrs.identity {
        sources.push(("identity", identity.span));
    }
    if let Some(span) = attrs.serial {
        sources.push(("serial", span));
    }
    if let Some(lit) = &attrs.generated {
        sources.push(("generated", lit.span()));
    }
    if attrs.default.is_some() && attrs.default_sql.is_some() {
        return; // reported where the default is read
    }
    if let [(first, _), (second, span), ..] = sources.as_slice() {
        errors.push(
            *span,
            format!("`{second}` cannot be combined with `{first}`: a column gets its value from one of `default`, `default_sql`, `identity`, `serial`, `generated`\nhelp: remove `{second}` or `{first}`"),
        );
    }
}

/// A `default` literal must be a value of the column's type: `false` for a
/// bool, a number in range for a number, text for text-like types.
pub fn default_fits(
    errors: &mut Errors,
    expr: &syn::Expr,
    literal: &Literal,
    lit: &syn::Lit,
    ty: &SqlType,
    array_dims: u8,
    is_enum: bool,
) {
    let fits = match literal {
        _ if array_dims > 0 => matches!(literal, Literal::String(_)),
        Literal::Bool(_) => *ty == SqlType::Boolean,
        Literal::Number(n) if matches!(lit, syn::Lit::Int(_)) => match ty {
            SqlType::SmallInt | SqlType::SmallSerial => n.parse::<i16>().is_ok(),
            SqlType::Integer | SqlType::Serial => n.parse::<i32>().is_ok(),
            SqlType::BigInt | SqlType::BigSerial => n.parse::<i64>().is_ok(),
            SqlType::Real | SqlType::DoublePrecision | SqlType::Numeric { .. } => true,
            SqlType::Other { .. } => true,
            _ => false,
        },
        Literal::Number(_) => matches!(
            ty,
            SqlType::Real
                | SqlType::DoublePrecision
                | SqlType::Numeric { .. }
                | SqlType::Other { .. }
        ),
        Literal::String(_) => {
            is_enum
                || !(matches!(ty, SqlType::Boolean)
                    || ty.is_integer()
                    || matches!(ty, SqlType::Real | SqlType::DoublePrecision))
        }
    };
    if fits {
        if let (Literal::String(text), 0) = (literal, array_dims) {
            text_default_parses(errors, expr, text, ty);
        }
        return;
    }
    let column = if is_enum {
        "an enum".to_owned()
    } else {
        let name = crate::types::type_sql(ty, array_dims);
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} `{name}`")
    };
    let out_of_range =
        matches!(literal, Literal::Number(_)) && ty.is_integer() && matches!(lit, syn::Lit::Int(_));
    let message = if out_of_range {
        let (range, wider) = match ty {
            SqlType::SmallInt | SqlType::SmallSerial => ("-32768 to 32767", "`i32`"),
            SqlType::Integer | SqlType::Serial => ("-2147483648 to 2147483647", "`i64`"),
            _ => (
                "-9223372036854775808 to 9223372036854775807",
                "`rust_decimal::Decimal`",
            ),
        };
        format!(
            "the default `{}` is out of range for {column} column\nhelp: {column} holds {range}: choose a default in that range, or a wider type such as {wider}",
            lit_text(literal)
        )
    } else {
        let example = if array_dims > 0 {
            "default = \"{}\"".to_owned()
        } else if *ty == SqlType::Boolean {
            "default = false".to_owned()
        } else if ty.is_integer() {
            "default = 0".to_owned()
        } else if ty.is_numeric() {
            "default = 0.0".to_owned()
        } else {
            "default = \"…\"".to_owned()
        };
        format!(
            "the default `{}` does not fit {column} column\nhelp: write a literal of the column's type, e.g. `{example}`, or an SQL expression with `default_sql = \"…\"`",
            lit_text(literal)
        )
    };
    errors.push_spanned(expr, message);
}

/// A text default for a `uuid` or `json`/`jsonb` column must be a value the
/// server can read as that type, or every insert relying on it fails.
fn text_default_parses(errors: &mut Errors, expr: &syn::Expr, text: &str, ty: &SqlType) {
    match ty {
        SqlType::Uuid => {
            let hex: String = text
                .trim_start_matches('{')
                .trim_end_matches('}')
                .chars()
                .filter(|c| *c != '-')
                .collect();
            if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                errors.push_spanned(
                    expr,
                    format!("the default \"{text}\" is not a UUID\nhelp: write a UUID such as `default = \"00000000-0000-0000-0000-000000000000\"`, or `default_sql = \"gen_random_uuid()\"`"),
                );
            }
        }
        SqlType::Json | SqlType::Jsonb => {
            if let Err(error) = serde_json::from_str::<serde_json::Value>(text) {
                errors.push_spanned(
                    expr,
                    format!("the default \"{text}\" is not JSON: {error}\nhelp: write JSON text, e.g. `default = \"{{}}\"` or `default = \"[]\"`"),
                );
            }
        }
        _ => {}
    }
}

fn lit_text(literal: &Literal) -> String {
    match literal {
        Literal::Bool(b) => b.to_string(),
        Literal::Number(n) => n.to_string(),
        Literal::String(s) => format!("\"{s}\""),
    }
}

/// Index options that PostgreSQL would reject or that cannot be named: only
/// btree indexes can be unique, `nulls_not_distinct` needs `unique`, and an
/// index over an expression needs an explicit name.
pub fn index_options(errors: &mut Errors, index: &IndexAttr, has_expression: bool) {
    let method = index
        .method
        .as_ref()
        .map(|m| m.value().to_ascii_lowercase())
        .unwrap_or_else(|| "btree".to_owned());
    if let Some(lit) = &index.method {
        let known = ["btree", "hash", "gist", "gin", "spgist", "brin"];
        let value = lit.value();
        if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            errors.push(
                lit.span(),
                format!(
                    "`{value}` is not an index method\nhelp: expected one of: {}",
                    known.join(", ")
                ),
            );
        } else if !known.contains(&method.as_str()) {
            if let Some(best) = super::attr::closest(&method, &known) {
                errors.push(
                    lit.span(),
                    format!("unknown index method `{value}`; did you mean `{best}`?"),
                );
            }
        }
    }
    if index.unique && method != "btree" {
        errors.push(
            index.method.as_ref().map_or(index.span, LitStr::span),
            format!("only btree indexes can be unique, not {method}\nhelp: drop `unique`, or use `method = \"btree\"`"),
        );
    }
    if index.nulls_not_distinct && !index.unique {
        errors.push(
            index.span,
            "`nulls_not_distinct` applies to unique indexes: add `unique`",
        );
    }
    if has_expression && index.name.is_none() {
        errors.push(
            index.span,
            "an index over an expression needs a name\nhelp: write `index(name = \"users_lower_email_idx\", columns(\"lower(email)\"))`",
        );
    }
}

//! The documented mapping from Rust field types to PostgreSQL column types.
//!
//! | Rust | PostgreSQL |
//! |---|---|
//! | `i16` / `i32` / `i64` | `smallint` / `integer` / `bigint` |
//! | `f32` / `f64` | `real` / `double precision` |
//! | `bool` | `boolean` |
//! | `String` | `text` |
//! | `Vec<u8>` | `bytea` |
//! | `uuid::Uuid` | `uuid` |
//! | `serde_json::Value`, `Json<T>` | `jsonb` |
//! | `rust_decimal::Decimal` | `numeric` |
//! | `chrono::NaiveDate`, `time::Date` | `date` |
//! | `chrono::NaiveTime`, `time::Time` | `time` |
//! | `chrono::NaiveDateTime`, `time::PrimitiveDateTime` | `timestamp` |
//! | `chrono::DateTime<Tz>`, `time::OffsetDateTime` | `timestamp with time zone` |
//! | `std::net::IpAddr` | `inet` |
//! | `Vec<T>` | `T[]` (nested `Vec`s add dimensions) |
//! | `Option<T>` | `T`, nullable |
//! | a `#[pg_enum]` enum | the enum type |
//!
//! Types are recognised by their last path segment, so `chrono::NaiveDate`
//! and an imported `NaiveDate` both map.

use syn::{GenericArgument, PathArguments, Type};

use crate::model::SqlType;

/// What a field's Rust type says about its column.
pub struct Mapped<'a> {
    /// The element type; `None` when the type must be a `#[pg_enum]`.
    pub sql_type: Option<SqlType>,
    /// Array dimensions from `Vec<…>`.
    pub array_dims: u8,
    /// `Option<…>` on the outside.
    pub nullable: bool,
    /// The innermost type (without `Option` and `Vec`), for enum lookup.
    pub element: &'a Type,
}

/// Strips `Option<…>`; reports `Option<Option<…>>`.
pub fn strip_option(ty: &Type) -> Result<(bool, &Type), syn::Error> {
    match generic_arg(ty, "Option") {
        Some(inner) => {
            if generic_arg(inner, "Option").is_some() {
                return Err(syn::Error::new_spanned(
                    inner,
                    "`Option<Option<…>>` cannot be stored: a column is either NULL or a value\nhelp: use a single `Option<…>`",
                ));
            }
            Ok((true, inner))
        }
        None => Ok((false, ty)),
    }
}

/// Maps a field type. `Err` carries a message for types that can never be
/// columns (unsigned integers, references, tuples, …).
pub fn map_type(ty: &Type) -> Result<Mapped<'_>, syn::Error> {
    let (nullable, mut inner) = strip_option(ty)?;
    let mut array_dims = 0u8;
    while let Some(element) = generic_arg(inner, "Vec") {
        if last_segment(element).as_deref() == Some("u8") {
            break;
        }
        array_dims += 1;
        inner = element;
    }
    if let Some(element) = generic_arg(inner, "Option") {
        if array_dims > 0 {
            // `Vec<Option<T>>`: arrays may hold NULLs; the column type is the same.
            inner = element;
        }
    }
    let sql_type = scalar(inner)?;
    Ok(Mapped {
        sql_type,
        array_dims,
        nullable,
        element: inner,
    })
}

fn scalar(ty: &Type) -> Result<Option<SqlType>, syn::Error> {
    let unsupported = |message: &str| Err(syn::Error::new_spanned(ty, message.to_owned()));
    let Type::Path(path) = ty else {
        return match ty {
            Type::Reference(_) => unsupported(
                "a column cannot hold a reference\nhelp: use an owned type, e.g. `String` instead of `&str`",
            ),
            _ => unsupported(
                "this type cannot be a column\nhelp: use a type from the README's type mapping, or give `#[column(sql_type = \"…\")]`",
            ),
        };
    };
    let Some(last) = path.path.segments.last() else {
        return unsupported("empty type path");
    };
    let name = last.ident.to_string();
    let mapped = match name.as_str() {
        "i16" => SqlType::SmallInt,
        "i32" => SqlType::Integer,
        "i64" => SqlType::BigInt,
        "f32" => SqlType::Real,
        "f64" => SqlType::DoublePrecision,
        "bool" => SqlType::Boolean,
        "String" => SqlType::Text,
        "Vec" => SqlType::Bytea,
        "Uuid" => SqlType::Uuid,
        "Json" => SqlType::Jsonb,
        "Value" if is_serde_json(&path.path) => SqlType::Jsonb,
        "JsonValue" => SqlType::Jsonb,
        "Decimal" => SqlType::Numeric {
            precision: None,
            scale: None,
        },
        "NaiveDate" | "Date" => SqlType::Date,
        "NaiveTime" | "Time" => SqlType::Time {
            precision: None,
            with_time_zone: false,
        },
        "NaiveDateTime" | "PrimitiveDateTime" => SqlType::Timestamp {
            precision: None,
            with_time_zone: false,
        },
        "DateTime" | "OffsetDateTime" => SqlType::Timestamp {
            precision: None,
            with_time_zone: true,
        },
        "IpAddr" => SqlType::Inet,
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i128" | "isize" => {
            let suggestion = match name.as_str() {
                "u8" | "i8" => "i16",
                "u16" => "i32",
                "u32" | "u64" | "usize" | "isize" => "i64",
                _ => "rust_decimal::Decimal",
            };
            return unsupported(&format!(
                "PostgreSQL has no column type for `{name}`\nhelp: use `{suggestion}`, or give `#[column(sql_type = \"…\")]` with a type that `{name}` converts to"
            ));
        }
        "char" | "str" => {
            return unsupported(&format!(
                "PostgreSQL has no column type for `{name}`\nhelp: use `String` for text columns (`char(1)` via `#[column(sql_type = \"char(1)\")]`)"
            ))
        }
        _ => return Ok(None),
    };
    Ok(Some(mapped))
}

fn is_serde_json(path: &syn::Path) -> bool {
    path.segments.len() == 1
        || path
            .segments
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|s| s.ident == "serde_json")
}

fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `Wrapper<T>` → `T` when the last segment is `wrapper`.
fn generic_arg<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

//! Reading PostgreSQL type names (`varchar(64)`, `timestamp(3) with time zone`,
//! `int4[]`, …) into the structured [`SqlType`], and writing them back out.
//! Used for `#[column(sql_type = "…")]` and for types read from a database.

use std::borrow::Cow;

use crate::model::SqlType;

/// A type name that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeError(pub String);

impl std::fmt::Display for TypeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TypeError {}

impl SqlType {
    /// Reads a type name with optional array brackets. Known types (and their
    /// aliases) become structured variants; anything else is kept, trimmed,
    /// as [`SqlType::Other`]. Returns the type and its array dimensions.
    pub fn parse(text: &str) -> Result<(SqlType, u8), TypeError> {
        let mut base = text.trim();
        if base.is_empty() {
            return Err(TypeError("the type is empty".into()));
        }
        let mut dims: u8 = 0;
        loop {
            let trimmed = base.trim_end();
            if let Some(rest) = trimmed.strip_suffix("[]") {
                base = rest;
                dims += 1;
            } else if let Some(open) = trimmed.rfind('[').filter(|_| trimmed.ends_with(']')) {
                let inside = &trimmed[open + 1..trimmed.len() - 1];
                if !inside.trim().chars().all(|c| c.is_ascii_digit()) {
                    return Err(TypeError(format!("bad array bound `[{inside}]`")));
                }
                base = &trimmed[..open];
                dims += 1;
            } else {
                base = trimmed;
                break;
            }
        }
        if let Some(rest) = base.to_ascii_lowercase().strip_suffix(" array") {
            return Ok((parse_base(rest.trim())?, dims.max(1)));
        }
        Ok((parse_base(base)?, dims))
    }
}

fn parse_base(text: &str) -> Result<SqlType, TypeError> {
    let lower = text.to_ascii_lowercase();
    let lower = collapse_spaces(&lower);
    let (name, args, suffix) = match split_args(&lower) {
        Ok(parts) => parts,
        Err(error) => {
            let name = lower.split('(').next().unwrap_or_default().trim();
            if KNOWN.contains(&name) {
                return Err(error);
            }
            return Ok(SqlType::Other {
                name: Cow::Owned(text.trim().to_owned()),
            });
        }
    };
    let no_args = |ty: SqlType| -> Result<SqlType, TypeError> {
        if args.is_some() {
            return Err(TypeError(format!("`{name}` takes no arguments")));
        }
        Ok(ty)
    };
    let with_tz = match suffix.trim() {
        "" | "without time zone" => false,
        "with time zone" => true,
        other => {
            return Err(TypeError(format!("unexpected `{other}` after `{name}(…)`")));
        }
    };
    let plain = suffix.trim().is_empty();
    let ty = match name.as_str() {
        "smallint" | "int2" => no_args(SqlType::SmallInt)?,
        "integer" | "int" | "int4" => no_args(SqlType::Integer)?,
        "bigint" | "int8" => no_args(SqlType::BigInt)?,
        "smallserial" | "serial2" => no_args(SqlType::SmallSerial)?,
        "serial" | "serial4" => no_args(SqlType::Serial)?,
        "bigserial" | "serial8" => no_args(SqlType::BigSerial)?,
        "real" | "float4" => no_args(SqlType::Real)?,
        "double precision" | "float8" => no_args(SqlType::DoublePrecision)?,
        "float" => match args.as_deref() {
            None => SqlType::DoublePrecision,
            Some([p]) if (1..=24).contains(p) => SqlType::Real,
            Some([p]) if (25..=53).contains(p) => SqlType::DoublePrecision,
            Some(_) => return Err(TypeError("float precision must be 1 to 53".into())),
        },
        "numeric" | "decimal" => match args.as_deref() {
            None => SqlType::Numeric {
                precision: None,
                scale: None,
            },
            Some([p]) => SqlType::Numeric {
                precision: Some(to_u16(*p)?),
                scale: None,
            },
            Some([p, s]) => SqlType::Numeric {
                precision: Some(to_u16(*p)?),
                scale: Some(to_u16(*s)?),
            },
            Some(_) => return Err(TypeError("numeric takes (precision, scale)".into())),
        },
        "boolean" | "bool" => no_args(SqlType::Boolean)?,
        "text" => no_args(SqlType::Text)?,
        "varchar" | "character varying" => SqlType::Varchar {
            length: one_arg(&name, args.as_deref())?,
        },
        "char" | "character" | "bpchar" => SqlType::Char {
            length: one_arg(&name, args.as_deref())?,
        },
        "bytea" => no_args(SqlType::Bytea)?,
        "uuid" => no_args(SqlType::Uuid)?,
        "json" => no_args(SqlType::Json)?,
        "jsonb" => no_args(SqlType::Jsonb)?,
        "date" => no_args(SqlType::Date)?,
        "time" | "timetz" => SqlType::Time {
            precision: precision_arg(&name, args.as_deref())?,
            with_time_zone: with_tz || name == "timetz",
        },
        "timestamp" | "timestamptz" => SqlType::Timestamp {
            precision: precision_arg(&name, args.as_deref())?,
            with_time_zone: with_tz || name == "timestamptz",
        },
        "interval" => no_args(SqlType::Interval)?,
        "inet" => no_args(SqlType::Inet)?,
        "cidr" => no_args(SqlType::Cidr)?,
        "macaddr" => no_args(SqlType::MacAddr)?,
        _ => {
            return Ok(SqlType::Other {
                name: Cow::Owned(text.trim().to_owned()),
            })
        }
    };
    if !plain && !matches!(ty, SqlType::Time { .. } | SqlType::Timestamp { .. }) {
        return Err(TypeError(format!(
            "unexpected `{}` after `{name}`",
            suffix.trim()
        )));
    }
    Ok(ty)
}

const KNOWN: &[&str] = &[
    "smallint",
    "int2",
    "integer",
    "int",
    "int4",
    "bigint",
    "int8",
    "smallserial",
    "serial2",
    "serial",
    "serial4",
    "bigserial",
    "serial8",
    "real",
    "float4",
    "double precision",
    "float8",
    "float",
    "numeric",
    "decimal",
    "boolean",
    "bool",
    "text",
    "varchar",
    "character varying",
    "char",
    "character",
    "bpchar",
    "bytea",
    "uuid",
    "json",
    "jsonb",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "interval",
    "inet",
    "cidr",
    "macaddr",
];

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits `name(args) suffix` into its parts; `name suffix` without arguments
/// keeps multi-word names like `double precision` whole.
fn split_args(text: &str) -> Result<(String, Option<Vec<u32>>, String), TypeError> {
    let Some(open) = text.find('(') else {
        for prefix in ["time", "timestamp"] {
            if let Some(rest) = text.strip_prefix(prefix) {
                if rest.starts_with(' ') && rest.trim().ends_with("time zone") {
                    return Ok((prefix.to_owned(), None, rest.to_owned()));
                }
            }
        }
        return Ok((text.to_owned(), None, String::new()));
    };
    let close = text[open..]
        .find(')')
        .map(|i| open + i)
        .ok_or_else(|| TypeError(format!("missing `)` in `{text}`")))?;
    let name = text[..open].trim().to_owned();
    let args = text[open + 1..close]
        .split(',')
        .map(|arg| {
            arg.trim()
                .parse::<u32>()
                .map_err(|_| TypeError(format!("`{}` is not a number in `{text}`", arg.trim())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((name, Some(args), text[close + 1..].to_owned()))
}

fn to_u16(n: u32) -> Result<u16, TypeError> {
    u16::try_from(n)
        .ok()
        .filter(|n| (1..=1000).contains(n) || *n == 0)
        .ok_or_else(|| TypeError(format!("numeric precision {n} is out of range (1 to 1000)")))
}

fn one_arg(name: &str, args: Option<&[u32]>) -> Result<Option<u32>, TypeError> {
    match args {
        None => Ok(None),
        Some([n]) if *n >= 1 => Ok(Some(*n)),
        Some(_) => Err(TypeError(format!(
            "`{name}` takes one length of at least 1"
        ))),
    }
}

fn precision_arg(name: &str, args: Option<&[u32]>) -> Result<Option<u8>, TypeError> {
    match args {
        None => Ok(None),
        Some([p]) if *p <= 6 => Ok(Some(*p as u8)),
        Some(_) => Err(TypeError(format!("`{name}` precision must be 0 to 6"))),
    }
}

/// Writes a type the way DDL spells it (arrays included).
pub fn type_sql(ty: &SqlType, array_dims: u8) -> String {
    let mut out = match ty {
        SqlType::SmallInt => "smallint".to_owned(),
        SqlType::Integer => "integer".to_owned(),
        SqlType::BigInt => "bigint".to_owned(),
        SqlType::SmallSerial => "smallserial".to_owned(),
        SqlType::Serial => "serial".to_owned(),
        SqlType::BigSerial => "bigserial".to_owned(),
        SqlType::Real => "real".to_owned(),
        SqlType::DoublePrecision => "double precision".to_owned(),
        SqlType::Numeric { precision, scale } => match (precision, scale) {
            (Some(p), Some(s)) => format!("numeric({p}, {s})"),
            (Some(p), None) => format!("numeric({p})"),
            _ => "numeric".to_owned(),
        },
        SqlType::Boolean => "boolean".to_owned(),
        SqlType::Text => "text".to_owned(),
        SqlType::Varchar { length } => with_length("varchar", *length),
        SqlType::Char { length } => with_length("char", *length),
        SqlType::Bytea => "bytea".to_owned(),
        SqlType::Uuid => "uuid".to_owned(),
        SqlType::Json => "json".to_owned(),
        SqlType::Jsonb => "jsonb".to_owned(),
        SqlType::Date => "date".to_owned(),
        SqlType::Time {
            precision,
            with_time_zone,
        } => with_zone("time", *precision, *with_time_zone),
        SqlType::Timestamp {
            precision,
            with_time_zone,
        } => with_zone("timestamp", *precision, *with_time_zone),
        SqlType::Interval => "interval".to_owned(),
        SqlType::Inet => "inet".to_owned(),
        SqlType::Cidr => "cidr".to_owned(),
        SqlType::MacAddr => "macaddr".to_owned(),
        SqlType::Enum { schema, name } => {
            format!(
                "{}.{}",
                crate::sql::quote_ident(schema),
                crate::sql::quote_ident(name)
            )
        }
        SqlType::Other { name } => name.to_string(),
    };
    for _ in 0..array_dims {
        out.push_str("[]");
    }
    out
}

fn with_length(name: &str, length: Option<u32>) -> String {
    match length {
        Some(n) => format!("{name}({n})"),
        None => name.to_owned(),
    }
}

fn with_zone(name: &str, precision: Option<u8>, with_time_zone: bool) -> String {
    let mut out = match precision {
        Some(p) => format!("{name}({p})"),
        None => name.to_owned(),
    };
    if with_time_zone {
        out.push_str(" with time zone");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (SqlType, u8) {
        SqlType::parse(text).expect(text)
    }

    #[test]
    fn aliases_and_arguments() {
        assert_eq!(parse("int4"), (SqlType::Integer, 0));
        assert_eq!(parse("INTEGER"), (SqlType::Integer, 0));
        assert_eq!(
            parse("varchar(64)"),
            (SqlType::Varchar { length: Some(64) }, 0)
        );
        assert_eq!(
            parse("character varying ( 10 )"),
            (SqlType::Varchar { length: Some(10) }, 0)
        );
        assert_eq!(
            parse("numeric(10, 2)"),
            (
                SqlType::Numeric {
                    precision: Some(10),
                    scale: Some(2)
                },
                0
            )
        );
        assert_eq!(
            parse("timestamp(3) with time zone"),
            (
                SqlType::Timestamp {
                    precision: Some(3),
                    with_time_zone: true
                },
                0
            )
        );
        assert_eq!(
            parse("timestamp without time zone"),
            (
                SqlType::Timestamp {
                    precision: None,
                    with_time_zone: false
                },
                0
            )
        );
        assert_eq!(
            parse("timestamptz"),
            (
                SqlType::Timestamp {
                    precision: None,
                    with_time_zone: true
                },
                0
            )
        );
        assert_eq!(parse("double precision"), (SqlType::DoublePrecision, 0));
    }

    #[test]
    fn arrays() {
        assert_eq!(parse("text[]"), (SqlType::Text, 1));
        assert_eq!(parse("integer[][]"), (SqlType::Integer, 2));
        assert_eq!(parse("int[3][4]"), (SqlType::Integer, 2));
        assert_eq!(parse("text ARRAY"), (SqlType::Text, 1));
    }

    #[test]
    fn unknown_types_are_kept() {
        assert_eq!(
            parse("tsvector"),
            (
                SqlType::Other {
                    name: "tsvector".into()
                },
                0
            )
        );
        assert_eq!(
            parse("geometry(Point, 4326)").0,
            SqlType::Other {
                name: "geometry(Point, 4326)".into()
            }
        );
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(SqlType::parse("varchar(0)").is_err());
        assert!(SqlType::parse("integer(3)").is_err());
        assert!(SqlType::parse("timestamp(9)").is_err());
        assert!(SqlType::parse("").is_err());
    }

    #[test]
    fn written_types_read_back() {
        for text in [
            "smallint",
            "numeric(12, 4)",
            "varchar(255)",
            "char(2)",
            "time(0) with time zone",
            "timestamp(6)",
            "bytea[]",
            "jsonb",
        ] {
            let (ty, dims) = parse(text);
            assert_eq!(type_sql(&ty, dims), text);
        }
    }
}

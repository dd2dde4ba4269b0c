//! One form for one meaning: the rules that put a column default, an
//! identity and an SQL expression into the model's canonical form, shared by
//! the `#[table]` parser and by introspection so that
//! `introspect(apply(code)) == code`. No database is involved.
//!
//! # Defaults ([`default_from_sql`], [`default_value`])
//!
//! - `NULL` (with or without a cast) is no default at all, as PostgreSQL
//!   stores none.
//! - `true` / `false` are [`Literal::Bool`].
//! - A number, `-1`, `(-1)`, or a string constant holding a number cast to a
//!   numeric type (`'-1'::integer`, `'1000'::numeric`) on a numeric column is
//!   [`Literal::Number`], written the way PostgreSQL's `numeric` prints it
//!   (no `+`, no leading zeros, exponents expanded: `1e3` → `1000`,
//!   `1.50e1` → `15.0`, trailing zeros kept).
//! - A string constant, bare or cast to the column's own type (typmods
//!   ignored: `'US'::bpchar` on a `char(2)`; enums by name, schema-qualified
//!   or not: `'active'::shop.status`), is [`Literal::String`] with the value
//!   decoded (`''` and `E'\\'` escapes). On a `boolean` column the strings
//!   PostgreSQL reads as booleans become [`Literal::Bool`]; on a numeric
//!   column a numeric string becomes [`Literal::Number`]; on a `jsonb` column
//!   the JSON text is written the way `jsonb` prints it (keys sorted
//!   shortest-first, `", "` and `": "` separators, last duplicate wins); a
//!   `uuid` is lowercased.
//! - Anything else (`now()`, `gen_random_uuid()`, `'{}'::json::jsonb`, a
//!   constant cast to another type) is [`DefaultValue::Sql`], kept as
//!   written — and compared with [`expressions_equivalent`].
//!
//! Constants of other types are not rewritten: PostgreSQL stores
//! `'2020-01-01'` on a `timestamp` as `'2020-01-01 00:00:00'` and `'1h'` on
//! an `interval` as `'01:00:00'`; write such defaults in the form the server
//! prints them.
//!
//! # Identity ([`identity`])
//!
//! An option is `Some` only when it differs from what PostgreSQL would pick
//! for the column's type given the other options: increment 1; minimum 1
//! (ascending) or the type's minimum (descending); maximum the type's
//! maximum (ascending) or -1 (descending); start the minimum (ascending) or
//! the maximum (descending); cache 1.
//!
//! # SQL expressions ([`expressions_equivalent`])
//!
//! PostgreSQL stores check constraints, generated columns, index
//! expressions and predicates, and expression defaults as parsed trees and
//! prints them back in its own words, so the code's text and the server's
//! text cannot be equal byte for byte. The model therefore keeps each side's
//! text as is (introspection keeps the server's, in `pg_get_expr(…, true)`
//! form), and two texts are compared by reading both into a tree and
//! comparing canonical forms. Ignored:
//! - whitespace, comments, the case of unquoted words and keywords, and
//!   quotes around identifiers that do not need them;
//! - redundant parentheses (the tree, not the text, is compared), and the
//!   grouping of chains of `AND` / `OR`;
//! - casts of constants to any type (`0::numeric`, `'a'::text`,
//!   `ARRAY['a'::text]`), a numeric string equal to the number (`'-1'` and
//!   `-1`), and number spellings (`1e3` and `1000`);
//! - casts to the types PostgreSQL coerces to implicitly and then prints:
//!   `text`, `varchar`, `char`, `numeric`, `double precision`, `bigint`,
//!   `timestamp [with time zone]` and arrays of them (`lower(code::text)`
//!   equals `lower(code)`) — so a deliberate cast to one of these types is
//!   not seen as a change;
//! - PostgreSQL's rewrites: `BETWEEN` into `>= AND <=` (`NOT BETWEEN`,
//!   `SYMMETRIC` likewise), `IN (…)` into `= ANY (ARRAY[…])` (one item: `=`),
//!   `NOT IN` into `<> ALL`, `LIKE`/`ILIKE` into `~~`/`~~*`, `SIMILAR TO`,
//!   `!=` into `<>`, row comparisons into `AND`/`OR` of columns, `ISNULL`,
//!   `trim`/`substring`/`position`/`extract` spellings, `type 'literal'`
//!   into `'literal'::type`, `pg_catalog.` prefixes.
//!
//! Syntax the reader does not know (subqueries, window functions, named
//! arguments, …) falls back to comparing token streams, which ignores only
//! whitespace, comments and keyword case. Two expressions compared equal
//! always mean the same thing up to the ignored casts; the converse does not
//! hold (an unknown rewrite shows up as a difference, never as silence).

mod compare;
mod expr;

pub use compare::Difference;
#[cfg(feature = "postgres")]
pub(crate) use expr::nextval_target;

use std::borrow::Cow;

use crate::model::{DefaultValue, Identity, Literal, SqlType};

/// Reads a default as PostgreSQL prints it (`pg_get_expr(adbin, adrelid)`)
/// or as `default_sql` gives it, into the model's form for a column of type
/// `ty` with `array_dims` dimensions. `None` means no default (`NULL`).
pub fn default_from_sql(text: &str, ty: &SqlType, array_dims: u8) -> Option<DefaultValue> {
    let trimmed = text.trim();
    let literal = |l: Literal| Some(DefaultValue::Literal(l));
    if let Some(tokens) = unparenthesized_tokens(trimmed) {
        use expr::Token;
        match tokens.as_slice() {
            [Token::Word(w)] if w == "null" => return None,
            [Token::Word(w), Token::Cast, ..] if w == "null" => return None,
            [Token::Word(w)] if w == "true" || w == "false" => {
                return literal(Literal::Bool(w == "true"));
            }
            [Token::Number(n)] => return literal(number_for(n, ty, array_dims)),
            [Token::Op(sign), Token::Number(n)] if sign == "-" || sign == "+" => {
                let signed = format!("{}{n}", if sign == "-" { "-" } else { "" });
                return literal(number_for(&signed, ty, array_dims));
            }
            _ => {}
        }
    }
    if let Some((value, cast)) = expr::string_constant(trimmed) {
        match cast {
            None => return literal(typed_string(value, ty, array_dims)),
            Some(cast) if type_matches(&cast, ty, array_dims) => {
                return literal(typed_string(value, ty, array_dims));
            }
            Some(cast) if array_dims == 0 && ty.is_numeric() && is_numeric_type(&cast) => {
                if let Some(n) = canonical_number(&value) {
                    return literal(Literal::Number(Cow::Owned(n)));
                }
            }
            Some(_) => {}
        }
    }
    Some(DefaultValue::Sql(Cow::Owned(trimmed.to_owned())))
}

/// Puts a default already in the model into canonical form (see the module
/// documentation); `None` when it stands for no default.
pub fn default_value(default: DefaultValue, ty: &SqlType, array_dims: u8) -> Option<DefaultValue> {
    match default {
        DefaultValue::Literal(Literal::Bool(b)) => Some(DefaultValue::Literal(Literal::Bool(b))),
        DefaultValue::Literal(Literal::Number(n)) => {
            Some(DefaultValue::Literal(number_for(&n, ty, array_dims)))
        }
        DefaultValue::Literal(Literal::String(s)) => Some(DefaultValue::Literal(typed_string(
            s.into_owned(),
            ty,
            array_dims,
        ))),
        DefaultValue::Sql(text) => default_from_sql(&text, ty, array_dims),
    }
}

/// Keeps only the identity options that differ from PostgreSQL's defaults
/// for a column of type `ty` (see the module documentation).
pub fn identity(identity: Identity, ty: &SqlType) -> Identity {
    let (type_min, type_max) = integer_range(ty);
    let increment = identity.increment.unwrap_or(1);
    let ascending = increment > 0;
    let default_min = if ascending { 1 } else { type_min };
    let default_max = if ascending { type_max } else { -1 };
    let min = identity.min_value.unwrap_or(default_min);
    let max = identity.max_value.unwrap_or(default_max);
    let default_start = if ascending { min } else { max };
    let start = identity.start.unwrap_or(default_start);
    let cache = identity.cache.unwrap_or(1);
    Identity {
        always: identity.always,
        start: (start != default_start).then_some(start),
        increment: (increment != 1).then_some(increment),
        min_value: (min != default_min).then_some(min),
        max_value: (max != default_max).then_some(max),
        cache: (cache != 1).then_some(cache),
        cycle: identity.cycle,
    }
}

/// The range of an integer type (bigint's for anything else).
fn integer_range(ty: &SqlType) -> (i64, i64) {
    match ty {
        SqlType::SmallInt | SqlType::SmallSerial => (i16::MIN.into(), i16::MAX.into()),
        SqlType::Integer | SqlType::Serial => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Whether two SQL expressions mean the same (see the module documentation
/// for what is ignored).
pub fn expressions_equivalent(a: &str, b: &str) -> bool {
    expression_key(a) == expression_key(b)
}

/// The key [`expressions_equivalent`] compares: equal keys, equivalent
/// expressions. Useful to index expressions, e.g. to pair indexes by
/// content. Not meant to be shown or stored: its form may change.
pub fn expression_key(text: &str) -> String {
    if let Some(key) = expr::canonical(text) {
        return format!("tree:{key}");
    }
    if let Some(key) = expr::token_key(text) {
        return format!("tokens:{key}");
    }
    format!(
        "text:{}",
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// A number as PostgreSQL's `numeric` prints it: no `+`, no leading zeros,
/// exponent expanded with the scale `numeric_in` gives it, no `-` on zero.
/// `None` when `text` is not a decimal number.
pub(crate) fn canonical_number(text: &str) -> Option<String> {
    let text = text.trim();
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let exponent: i64 = match exponent {
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 6
            {
                return None;
            }
            e.parse().ok()?
        }
        None => 0,
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits: String = format!("{int_part}{frac_part}");
    let scale = (frac_part.len() as i64 - exponent).max(0);
    let point = int_part.len() as i64 + exponent;
    let (mut int_digits, mut frac_digits) = if point <= 0 {
        (
            String::new(),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_owned(),
            digits[point as usize..].to_owned(),
        )
    };
    // The scale decides how many fraction digits are printed.
    let scale = scale as usize;
    if frac_digits.len() < scale {
        frac_digits.push_str(&"0".repeat(scale - frac_digits.len()));
    }
    frac_digits.truncate(scale);
    let trimmed = int_digits.trim_start_matches('0');
    int_digits = if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    };
    let zero = int_digits == "0" && frac_digits.bytes().all(|b| b == b'0');
    let mut out = String::new();
    if negative && !zero {
        out.push('-');
    }
    out.push_str(&int_digits);
    if !frac_digits.is_empty() {
        out.push('.');
        out.push_str(&frac_digits);
    }
    Some(out)
}

/// The tokens of `text` without parentheses enclosing all of it.
fn unparenthesized_tokens(text: &str) -> Option<Vec<expr::Token>> {
    use expr::Token;
    let mut tokens = expr::tokenize(text).ok()?;
    loop {
        let enclosed = tokens.len() >= 2
            && tokens.first() == Some(&Token::Punct('('))
            && tokens.last() == Some(&Token::Punct(')'))
            && {
                // The first `(` must close at the very end.
                let mut depth = 0i32;
                let mut closes_at_end = true;
                for (i, token) in tokens.iter().enumerate() {
                    match token {
                        Token::Punct('(') => depth += 1,
                        Token::Punct(')') => {
                            depth -= 1;
                            if depth == 0 && i + 1 != tokens.len() {
                                closes_at_end = false;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                closes_at_end
            };
        if !enclosed {
            return Some(tokens);
        }
        tokens.pop();
        tokens.remove(0);
    }
}

/// A number default for a column of type `ty`.
fn number_for(text: &str, ty: &SqlType, array_dims: u8) -> Literal {
    let canonical = canonical_number(text).unwrap_or_else(|| text.trim().to_owned());
    if array_dims == 0 && (ty.is_numeric() || matches!(ty, SqlType::Other { .. })) {
        Literal::Number(Cow::Owned(canonical))
    } else {
        // PostgreSQL turns `DEFAULT 5` on a text column into `'5'::text`.
        Literal::String(Cow::Owned(text.trim().to_owned()))
    }
}

/// A string constant typed as the column: see the module documentation.
fn typed_string(value: String, ty: &SqlType, array_dims: u8) -> Literal {
    if array_dims > 0 {
        return Literal::String(Cow::Owned(value));
    }
    match ty {
        SqlType::Boolean => match value.trim().to_ascii_lowercase().as_str() {
            "t" | "tr" | "tru" | "true" | "y" | "ye" | "yes" | "on" | "1" => Literal::Bool(true),
            "f" | "fa" | "fal" | "fals" | "false" | "n" | "no" | "of" | "off" | "0" => {
                Literal::Bool(false)
            }
            _ => Literal::String(Cow::Owned(value)),
        },
        ty if ty.is_numeric() => match canonical_number(&value) {
            Some(n) => Literal::Number(Cow::Owned(n)),
            None => Literal::String(Cow::Owned(value)),
        },
        SqlType::Jsonb => Literal::String(Cow::Owned(jsonb_text(&value).unwrap_or(value))),
        SqlType::Uuid => Literal::String(Cow::Owned(value.to_ascii_lowercase())),
        _ => Literal::String(Cow::Owned(value)),
    }
}

fn is_numeric_type(cast: &str) -> bool {
    matches!(SqlType::parse(cast), Ok((ty, 0)) if ty.is_numeric())
}

/// Whether a cast in a default names the column's own type (typmods and
/// the spelling of the type aside).
fn type_matches(cast: &str, ty: &SqlType, array_dims: u8) -> bool {
    let Ok((cast_type, cast_dims)) = SqlType::parse(cast) else {
        return false;
    };
    if (cast_dims > 0) != (array_dims > 0) {
        return false;
    }
    let base = ty.serial_base().unwrap_or_else(|| ty.clone());
    match (&base, &cast_type) {
        // Before `#[pg_enum]` types are resolved the column knows no name.
        (SqlType::Enum { name, .. }, SqlType::Other { .. }) if name.is_empty() => true,
        (SqlType::Enum { schema, name }, SqlType::Other { name: cast_name }) => {
            match qualified_name(cast_name) {
                Some((Some(s), n)) => s == **schema && n == **name,
                Some((None, n)) => n == **name,
                None => false,
            }
        }
        (SqlType::Other { name }, SqlType::Other { name: cast_name }) => {
            let key = |s: &str| {
                s.split('(')
                    .next()
                    .unwrap_or(s)
                    .trim()
                    .trim_start_matches("pg_catalog.")
                    .to_ascii_lowercase()
            };
            key(name) == key(cast_name)
        }
        (
            SqlType::Time {
                with_time_zone: a, ..
            },
            SqlType::Time {
                with_time_zone: b, ..
            },
        )
        | (
            SqlType::Timestamp {
                with_time_zone: a, ..
            },
            SqlType::Timestamp {
                with_time_zone: b, ..
            },
        ) => a == b,
        (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// `shop.status` → (Some("shop"), "status"); `"My S"."T"` → quoted parts
/// kept exactly, unquoted ones lowercased. `None` for anything else.
fn qualified_name(text: &str) -> Option<(Option<String>, String)> {
    let tokens = expr::tokenize(text).ok()?;
    let mut parts = Vec::new();
    let mut expect_name = true;
    for token in tokens {
        match (token, expect_name) {
            (expr::Token::Word(w) | expr::Token::Ident(w), true) => {
                parts.push(w);
                expect_name = false;
            }
            (expr::Token::Punct('.'), false) => expect_name = true,
            _ => return None,
        }
    }
    match parts.len() {
        1 => parts.pop().map(|n| (None, n)),
        2 => {
            let name = parts.pop()?;
            Some((parts.pop(), name))
        }
        _ => None,
    }
}

/// JSON text the way `jsonb` prints it; `None` when it is not JSON.
fn jsonb_text(text: &str) -> Option<String> {
    let mut reader = JsonReader {
        chars: text.chars().collect(),
        pos: 0,
    };
    let value = reader.value()?;
    reader.skip_ws();
    if reader.pos != reader.chars.len() {
        return None;
    }
    let mut out = String::new();
    value.write(&mut out);
    Some(out)
}

enum Json {
    Scalar(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn write(&self, out: &mut String) {
        match self {
            Json::Scalar(s) => out.push_str(s),
            Json::String(s) => write_json_string(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_json_string(out, key);
                    out.push_str(": ");
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

struct JsonReader {
    chars: Vec<char>,
    pos: usize,
}

impl JsonReader {
    fn skip_ws(&mut self) {
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
        {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.chars.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Json> {
        self.skip_ws();
        match *self.chars.get(self.pos)? {
            '{' => {
                self.pos += 1;
                let mut members: Vec<(String, Json)> = Vec::new();
                if !self.eat('}') {
                    loop {
                        self.skip_ws();
                        let key = self.string()?;
                        if !self.eat(':') {
                            return None;
                        }
                        let value = self.value()?;
                        // jsonb keeps the last of duplicate keys.
                        members.retain(|(k, _)| *k != key);
                        members.push((key, value));
                        if self.eat('}') {
                            break;
                        }
                        if !self.eat(',') {
                            return None;
                        }
                    }
                }
                // jsonb orders keys by length, then bytes.
                members.sort_by(|(a, _), (b, _)| {
                    (a.len(), a.as_bytes()).cmp(&(b.len(), b.as_bytes()))
                });
                Some(Json::Object(members))
            }
            '[' => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(']') {
                    loop {
                        items.push(self.value()?);
                        if self.eat(']') {
                            break;
                        }
                        if !self.eat(',') {
                            return None;
                        }
                    }
                }
                Some(Json::Array(items))
            }
            '"' => self.string().map(Json::String),
            _ => {
                let start = self.pos;
                while self
                    .chars
                    .get(self.pos)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
                {
                    self.pos += 1;
                }
                let word: String = self.chars[start..self.pos].iter().collect();
                match word.as_str() {
                    "true" | "false" | "null" => Some(Json::Scalar(word)),
                    _ if word.starts_with('+') => None,
                    _ => canonical_number(&word).map(Json::Scalar),
                }
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        if self.chars.get(self.pos) != Some(&'"') {
            return None;
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let c = *self.chars.get(self.pos)?;
            self.pos += 1;
            match c {
                '"' => return Some(out),
                '\\' => {
                    let escaped = *self.chars.get(self.pos)?;
                    self.pos += 1;
                    match escaped {
                        '"' | '\\' | '/' => out.push(escaped),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let hex: String =
                                self.chars.get(self.pos..self.pos + 4)?.iter().collect();
                            self.pos += 4;
                            let code = u32::from_str_radix(&hex, 16).ok()?;
                            let ch = if (0xD800..0xDC00).contains(&code) {
                                // A surrogate pair.
                                if self.chars.get(self.pos..self.pos + 2)? != ['\\', 'u'] {
                                    return None;
                                }
                                let low: String =
                                    self.chars.get(self.pos + 2..self.pos + 6)?.iter().collect();
                                self.pos += 6;
                                let low = u32::from_str_radix(&low, 16).ok()?;
                                char::from_u32(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))?
                            } else {
                                char::from_u32(code)?
                            };
                            if ch == '\0' {
                                return None;
                            }
                            out.push(ch);
                        }
                        _ => return None,
                    }
                }
                c if (c as u32) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit_num(n: &str) -> Option<DefaultValue> {
        Some(DefaultValue::Literal(Literal::Number(Cow::Owned(n.into()))))
    }

    fn lit_str(s: &str) -> Option<DefaultValue> {
        Some(DefaultValue::Literal(Literal::String(Cow::Owned(s.into()))))
    }

    fn sql(s: &str) -> Option<DefaultValue> {
        Some(DefaultValue::Sql(Cow::Owned(s.into())))
    }

    #[test]
    fn numbers_print_like_numeric() {
        for (text, expected) in [
            ("0", "0"),
            ("-1", "-1"),
            ("+5", "5"),
            ("007", "7"),
            ("1.50", "1.50"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1e3", "1000"),
            ("1.5e3", "1500"),
            ("1.50e1", "15.0"),
            ("1e-3", "0.001"),
            ("12.5e-1", "1.25"),
            ("-0", "0"),
            ("-0.00", "0.00"),
        ] {
            assert_eq!(canonical_number(text).as_deref(), Some(expected), "{text}");
        }
        for text in ["", "-", "a", "1e", "1.2.3", "1e+", "0x10"] {
            assert_eq!(canonical_number(text), None, "{text}");
        }
    }

    #[test]
    fn server_defaults_read_as_literals() {
        let int = SqlType::Integer;
        assert_eq!(default_from_sql("'-1'::integer", &int, 0), lit_num("-1"));
        assert_eq!(default_from_sql("(-1)", &int, 0), lit_num("-1"));
        assert_eq!(default_from_sql("0", &SqlType::BigInt, 0), lit_num("0"));
        assert_eq!(
            default_from_sql("'-1'::integer", &SqlType::SmallInt, 0),
            lit_num("-1")
        );
        assert_eq!(
            default_from_sql("'1000'::numeric", &SqlType::DoublePrecision, 0),
            lit_num("1000")
        );
        assert_eq!(
            default_from_sql("true", &SqlType::Boolean, 0),
            Some(DefaultValue::Literal(Literal::Bool(true)))
        );
        assert_eq!(
            default_from_sql("'it''s \\ fine'::text", &SqlType::Text, 0),
            lit_str("it's \\ fine")
        );
        assert_eq!(
            default_from_sql("'US'::bpchar", &SqlType::Char { length: Some(2) }, 0),
            lit_str("US")
        );
        assert_eq!(
            default_from_sql(
                "'ab'::character varying",
                &SqlType::Varchar { length: Some(3) },
                0
            ),
            lit_str("ab")
        );
        let status = SqlType::Enum {
            schema: "shop".into(),
            name: "order_status".into(),
        };
        assert_eq!(
            default_from_sql("'pending'::shop.order_status", &status, 0),
            lit_str("pending")
        );
        assert_eq!(
            default_from_sql("'pending'::other.order_status", &status, 0),
            sql("'pending'::other.order_status")
        );
        let mood = SqlType::Enum {
            schema: "public".into(),
            name: "mood".into(),
        };
        assert_eq!(default_from_sql("'x'::mood", &mood, 0), lit_str("x"));
        assert_eq!(default_from_sql("'{}'::mood[]", &mood, 1), lit_str("{}"));
        assert_eq!(
            default_from_sql("'{}'::text[]", &SqlType::Text, 1),
            lit_str("{}")
        );
        assert_eq!(
            default_from_sql("'{}'::text", &SqlType::Text, 1),
            sql("'{}'::text")
        );
        assert_eq!(
            default_from_sql(
                "'{\"theme\":\"dark\",\"beta\":false}'::jsonb",
                &SqlType::Jsonb,
                0
            ),
            lit_str("{\"beta\": false, \"theme\": \"dark\"}")
        );
        assert_eq!(default_from_sql("now()", &SqlType::Text, 0), sql("now()"));
        assert_eq!(
            default_from_sql(" '{}'::json::jsonb ", &SqlType::Jsonb, 0),
            sql("'{}'::json::jsonb")
        );
        assert_eq!(default_from_sql("NULL", &int, 0), None);
        assert_eq!(default_from_sql("NULL::integer", &int, 0), None);
        assert_eq!(
            default_from_sql(
                "'2020-01-01 00:00:00'::timestamp without time zone",
                &SqlType::Timestamp {
                    precision: Some(3),
                    with_time_zone: false
                },
                0
            ),
            lit_str("2020-01-01 00:00:00")
        );
        assert_eq!(
            default_from_sql(
                "'x'::timestamp with time zone",
                &SqlType::Timestamp {
                    precision: None,
                    with_time_zone: false
                },
                0
            ),
            sql("'x'::timestamp with time zone")
        );
    }

    #[test]
    fn parser_defaults_meet_server_defaults() {
        let unresolved_enum = SqlType::Enum {
            schema: "".into(),
            name: "".into(),
        };
        assert_eq!(
            default_from_sql("'active'::status", &unresolved_enum, 0),
            lit_str("active")
        );
        assert_eq!(
            default_value(
                DefaultValue::Literal(Literal::String("{\"b\":1,\"a\":[1,2]}".into())),
                &SqlType::Jsonb,
                0
            ),
            lit_str("{\"a\": [1, 2], \"b\": 1}")
        );
        assert_eq!(
            default_value(
                DefaultValue::Literal(Literal::Number("1e3".into())),
                &SqlType::Numeric {
                    precision: None,
                    scale: None
                },
                0
            ),
            lit_num("1000")
        );
        assert_eq!(
            default_value(
                DefaultValue::Literal(Literal::String("1.5".into())),
                &SqlType::Numeric {
                    precision: None,
                    scale: None
                },
                0
            ),
            lit_num("1.5")
        );
        assert_eq!(default_from_sql("5", &SqlType::Text, 0), lit_str("5"));
    }

    #[test]
    fn jsonb_prints_like_the_server() {
        assert_eq!(
            jsonb_text(r#"{"theme":"dark","beta":false, "a": [1, 1.50, 1e2]}"#).as_deref(),
            Some(r#"{"a": [1, 1.50, 100], "beta": false, "theme": "dark"}"#)
        );
        assert_eq!(
            jsonb_text(r#"{"a":1,"a":2}"#).as_deref(),
            Some(r#"{"a": 2}"#)
        );
        assert_eq!(
            jsonb_text("\"tab\\there \\u00e9\"").as_deref(),
            Some("\"tab\\there é\"")
        );
        assert_eq!(jsonb_text("{").as_deref(), None);
        assert_eq!(jsonb_text("[1,]").as_deref(), None);
    }

    #[test]
    fn identity_keeps_only_non_defaults() {
        let given = Identity {
            always: true,
            start: Some(100),
            increment: Some(5),
            min_value: Some(1),
            max_value: Some(1_000_000),
            cache: Some(10),
            cycle: true,
        };
        assert_eq!(
            identity(given.clone(), &SqlType::BigInt),
            Identity {
                min_value: None,
                ..given
            }
        );
        let server_defaults = Identity {
            always: false,
            start: Some(1),
            increment: Some(1),
            min_value: Some(1),
            max_value: Some(i32::MAX.into()),
            cache: Some(1),
            cycle: false,
        };
        assert_eq!(
            identity(server_defaults, &SqlType::Integer),
            Identity::default()
        );
        let descending = Identity {
            increment: Some(-1),
            min_value: Some(i16::MIN.into()),
            max_value: Some(-1),
            start: Some(-1),
            ..Identity::default()
        };
        assert_eq!(
            identity(descending, &SqlType::SmallInt),
            Identity {
                increment: Some(-1),
                ..Identity::default()
            }
        );
        let custom_min = Identity {
            min_value: Some(10),
            start: Some(10),
            ..Identity::default()
        };
        assert_eq!(
            identity(custom_min, &SqlType::BigInt),
            Identity {
                min_value: Some(10),
                ..Identity::default()
            }
        );
    }

    #[test]
    fn expressions_compare_by_meaning() {
        assert!(expressions_equivalent("total >= 0", "total >= 0::numeric"));
        assert!(expressions_equivalent(
            "registered_totp OR registered_passkey OR registered_security_key",
            "registered_totp OR registered_passkey OR registered_security_key"
        ));
        assert!(expressions_equivalent("NOW()", "now()"));
        assert!(!expressions_equivalent("a > 1", "a > 2"));
        // Unknown syntax: token comparison.
        assert!(expressions_equivalent(
            "a IN (SELECT 1)",
            "a  in (select 1)"
        ));
        assert!(!expressions_equivalent(
            "a IN (SELECT 1)",
            "a IN (SELECT 2)"
        ));
    }
}

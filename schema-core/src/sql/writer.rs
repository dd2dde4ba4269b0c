//! The one SQL text writer: every identifier goes through [`quote_ident`],
//! every constant written into DDL through [`quote_literal`], and every value
//! of a query through [`SqlWriter::push_bind`] (a `$n` placeholder, the value
//! kept aside). DDL rendering and the query builder share it.

use std::fmt::Write as _;

/// Quotes an SQL identifier: always double-quoted, embedded `"` doubled, so
/// reserved words, mixed case, spaces and unicode all survive unchanged.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    push_quoted_ident(&mut out, name);
    out
}

fn push_quoted_ident(out: &mut String, name: &str) {
    out.reserve(name.len() + 2);
    out.push('"');
    if name.contains('"') {
        for ch in name.chars() {
            if ch == '"' {
                out.push('"');
            }
            out.push(ch);
        }
    } else {
        // The common case, copied whole: queries write dozens per statement.
        out.push_str(name);
    }
    out.push('"');
}

/// Quotes a string constant for DDL text: `'…'` with `'` doubled; when the
/// text holds a backslash, an escape string `E'…'` with backslashes doubled,
/// so the value is the same whatever `standard_conforming_strings` says
/// (PostgreSQL's own `quote_literal` does the same).
pub fn quote_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 3);
    push_quoted_literal(&mut out, value);
    out
}

fn push_quoted_literal(out: &mut String, value: &str) {
    if value.contains('\\') {
        out.push('E');
    }
    out.push('\'');
    for ch in value.chars() {
        if ch == '\'' || ch == '\\' {
            out.push(ch);
        }
        out.push(ch);
    }
    out.push('\'');
}

/// Appends SQL text to a buffer, keeping bound values apart from the text.
#[derive(Debug)]
pub struct SqlWriter<P = ()> {
    sql: String,
    params: Vec<P>,
    /// Whether text is written at all (not when only the bound values of
    /// an already rendered statement are wanted).
    text: bool,
}

impl<P> Default for SqlWriter<P> {
    fn default() -> Self {
        Self {
            sql: String::new(),
            params: Vec::new(),
            text: true,
        }
    }
}

impl<P> SqlWriter<P> {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `capacity` bytes of text.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            sql: String::with_capacity(capacity),
            ..Self::default()
        }
    }

    /// A writer that keeps the bound values and writes no text: for a
    /// prepared statement, whose text was rendered once already.
    #[cfg(feature = "postgres")]
    pub(crate) fn params_only() -> Self {
        Self {
            text: false,
            ..Self::default()
        }
    }

    /// Appends raw SQL text (keywords, punctuation, trusted expressions).
    pub fn push_sql(&mut self, sql: &str) -> &mut Self {
        if self.text {
            self.sql.push_str(sql);
        }
        self
    }

    /// Appends a quoted identifier.
    pub fn push_ident(&mut self, name: &str) -> &mut Self {
        if self.text {
            push_quoted_ident(&mut self.sql, name);
        }
        self
    }

    /// Appends `"schema"."name"`.
    pub fn push_qualified(&mut self, schema: &str, name: &str) -> &mut Self {
        self.push_ident(schema).push_sql(".").push_ident(name)
    }

    /// Appends a quoted string constant (DDL only: queries bind values).
    pub fn push_literal(&mut self, value: &str) -> &mut Self {
        if self.text {
            push_quoted_literal(&mut self.sql, value);
        }
        self
    }

    /// Appends a `$n` placeholder and keeps `value` as parameter `n`.
    pub fn push_bind(&mut self, value: P) -> &mut Self {
        self.params.push(value);
        if self.text {
            let n = self.params.len();
            if n < 10 {
                // Most statements have few parameters: skip the formatter.
                self.sql.push('$');
                self.sql.push(char::from(b'0' + n as u8));
            } else {
                let _ = write!(self.sql, "${n}");
            }
        }
        self
    }

    /// Appends identifiers separated by `, `.
    pub fn push_ident_list<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) -> &mut Self {
        for (i, name) in names.into_iter().enumerate() {
            if i > 0 {
                self.push_sql(", ");
            }
            self.push_ident(name);
        }
        self
    }

    /// The text written so far.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The text and the bound values.
    pub fn finish(self) -> (String, Vec<P>) {
        (self.sql, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_always_quoted() {
        assert_eq!(quote_ident("user"), r#""user""#);
        assert_eq!(quote_ident("select"), r#""select""#);
        assert_eq!(quote_ident("MixedCase"), r#""MixedCase""#);
        assert_eq!(quote_ident(r#"a"b"#), r#""a""b""#);
        assert_eq!(quote_ident(r#"""#), r#""""""#);
        assert_eq!(quote_ident("a\\b"), r#""a\b""#);
        assert_eq!(quote_ident("naïve 名前"), "\"naïve 名前\"");
        assert_eq!(
            quote_ident("x; DROP TABLE y; --"),
            "\"x; DROP TABLE y; --\""
        );
    }

    #[test]
    fn literals_double_quotes_and_escape_backslashes() {
        assert_eq!(quote_literal("plain"), "'plain'");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal(r"C:\dir"), r"E'C:\\dir'");
        assert_eq!(quote_literal(r"\'"), r"E'\\'''");
        assert_eq!(
            quote_literal("'; DROP TABLE t; --"),
            "'''; DROP TABLE t; --'"
        );
        assert_eq!(quote_literal("日本語"), "'日本語'");
        assert_eq!(quote_literal(""), "''");
    }

    #[test]
    fn binds_number_their_placeholders() {
        let mut w = SqlWriter::new();
        w.push_sql("SELECT * FROM ")
            .push_ident("t")
            .push_sql(" WHERE a = ")
            .push_bind(1)
            .push_sql(" AND b = ")
            .push_bind(2);
        let (sql, params) = w.finish();
        assert_eq!(sql, r#"SELECT * FROM "t" WHERE a = $1 AND b = $2"#);
        assert_eq!(params, vec![1, 2]);
    }
}

//! Reading SQL expressions (check constraints, generated columns, index
//! expressions and predicates, expression defaults) into a small tree, and
//! printing that tree in one canonical form, so that the text a user wrote
//! and the text PostgreSQL prints back for it compare equal.
//!
//! Contract: [`canonical`] returns `Some(key)` for the expressions it can
//! read; two expressions with the same key mean the same thing up to the
//! rewrites PostgreSQL itself performs (listed in [`super`]'s module
//! documentation). It returns `None` for syntax it does not know (subqueries,
//! window functions, …); callers then fall back to [`token_key`], which only
//! ignores whitespace, comments and the case of unquoted words.

use std::fmt::Write as _;

use crate::model::SqlType;

use super::canonical_number;

/// Syntax this reader does not handle.
#[derive(Debug)]
pub(crate) struct Unsupported;

type Result<T> = std::result::Result<T, Unsupported>;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    /// An unquoted word, ASCII-lowercased.
    Word(String),
    /// A `"quoted"` identifier, exactly.
    Ident(String),
    /// A numeric constant as written.
    Number(String),
    /// A string constant, decoded.
    Str(String),
    /// `B'…'` / `X'…'`, prefix included.
    BitStr(String),
    /// `$n`.
    Param(u32),
    /// An operator.
    Op(String),
    /// `( ) [ ] , . ; :`.
    Punct(char),
    /// `::`.
    Cast,
}

const OP_CHARS: &str = "+-*/<>=~!@#%^&|`?";

/// Splits SQL text into tokens; comments and whitespace are dropped.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0usize;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('/'), Some('*')) => {
                        depth += 1;
                        i += 2;
                    }
                    (Some('*'), Some('/')) => {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    }
                    (Some(_), _) => i += 1,
                    (None, _) => return Err(Unsupported),
                }
            }
        } else if c == '\'' {
            let (value, end) = quoted(&chars, i + 1, false)?;
            tokens.push(Token::Str(value));
            i = end;
        } else if matches!(c, 'e' | 'E') && next == Some('\'') {
            let (value, end) = quoted(&chars, i + 2, true)?;
            tokens.push(Token::Str(value));
            i = end;
        } else if matches!(c, 'n' | 'N') && next == Some('\'') {
            let (value, end) = quoted(&chars, i + 2, false)?;
            tokens.push(Token::Str(value));
            i = end;
        } else if matches!(c, 'b' | 'B' | 'x' | 'X') && next == Some('\'') {
            let (value, end) = quoted(&chars, i + 2, false)?;
            tokens.push(Token::BitStr(format!(
                "{}'{value}'",
                c.to_ascii_uppercase()
            )));
            i = end;
        } else if matches!(c, 'u' | 'U') && next == Some('&') && chars.get(i + 2) == Some(&'\'') {
            return Err(Unsupported);
        } else if c == '"' {
            let mut value = String::new();
            i += 1;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('"'), Some('"')) => {
                        value.push('"');
                        i += 2;
                    }
                    (Some('"'), _) => {
                        i += 1;
                        break;
                    }
                    (Some(&ch), _) => {
                        value.push(ch);
                        i += 1;
                    }
                    (None, _) => return Err(Unsupported),
                }
            }
            tokens.push(Token::Ident(value));
        } else if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            // `1..2` does not occur in expressions; `a[1:2]` uses `:`.
            if i < chars.len() && chars[i] == '.' {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < chars.len() && matches!(chars[i], 'e' | 'E') {
                let mut j = i + 1;
                if j < chars.len() && matches!(chars[j], '+' | '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            if i < chars.len() && (chars[i].is_alphabetic() || chars[i] == '_') {
                // `0x1F`, `1_000`, `123abc`: not read here.
                return Err(Unsupported);
            }
            tokens.push(Token::Number(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() || c == '_' || !c.is_ascii() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.push(Token::Word(word.to_ascii_lowercase()));
        } else if c == '$' {
            if next.is_some_and(|n| n.is_ascii_digit()) {
                let start = i + 1;
                i = start;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let digits: String = chars[start..i].iter().collect();
                tokens.push(Token::Param(digits.parse().map_err(|_| Unsupported)?));
            } else {
                // Dollar quoting: `$$…$$` or `$tag$…$tag$`.
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                if chars.get(j) != Some(&'$') {
                    return Err(Unsupported);
                }
                let tag: String = chars[i..=j].iter().collect();
                let body_start = j + 1;
                let rest: String = chars[body_start..].iter().collect();
                let end = rest.find(&tag).ok_or(Unsupported)?;
                tokens.push(Token::Str(rest[..end].to_owned()));
                i = body_start + rest[..end].chars().count() + tag.chars().count();
            }
        } else if c == ':' && next == Some(':') {
            tokens.push(Token::Cast);
            i += 2;
        } else if "()[],.;:".contains(c) {
            tokens.push(Token::Punct(c));
            i += 1;
        } else if OP_CHARS.contains(c) {
            let start = i;
            while i < chars.len() && OP_CHARS.contains(chars[i]) {
                // A comment start ends the operator.
                if i > start
                    && ((chars[i] == '-' && chars.get(i + 1) == Some(&'-'))
                        || (chars[i] == '/' && chars.get(i + 1) == Some(&'*')))
                {
                    break;
                }
                i += 1;
            }
            let mut op: String = chars[start..i].iter().collect();
            // PostgreSQL: a multi-character operator cannot end in `+` or `-`
            // unless it holds one of `~ ! @ # % ^ & | ` ?`.
            if op.chars().count() > 1 && !op.chars().any(|ch| "~!@#%^&|`?".contains(ch)) {
                while op.chars().count() > 1 && (op.ends_with('+') || op.ends_with('-')) {
                    op.pop();
                    i -= 1;
                }
            }
            tokens.push(Token::Op(op));
        } else {
            return Err(Unsupported);
        }
    }
    Ok(tokens)
}

/// Reads a `'…'` body starting after the opening quote; returns the value
/// and the index after the closing quote.
fn quoted(chars: &[char], mut i: usize, escapes: bool) -> Result<(String, usize)> {
    let mut value = String::new();
    loop {
        match chars.get(i) {
            Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                value.push('\'');
                i += 2;
            }
            Some('\'') => return Ok((value, i + 1)),
            Some('\\') if escapes => {
                let escaped = *chars.get(i + 1).ok_or(Unsupported)?;
                i += 2;
                match escaped {
                    'b' => value.push('\u{8}'),
                    'f' => value.push('\u{c}'),
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    '0'..='7' => {
                        let mut code = escaped.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.get(i).and_then(|c| c.to_digit(8)) {
                                Some(d) => {
                                    code = code * 8 + d;
                                    i += 1;
                                }
                                None => break,
                            }
                        }
                        value.push(char::from_u32(code).ok_or(Unsupported)?);
                    }
                    'x' | 'u' | 'U' => {
                        let max = match escaped {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut code = 0u32;
                        let mut read = 0;
                        while read < max {
                            match chars.get(i).and_then(|c| c.to_digit(16)) {
                                Some(d) => {
                                    code = code * 16 + d;
                                    i += 1;
                                    read += 1;
                                }
                                None => break,
                            }
                        }
                        if read == 0 {
                            value.push(escaped);
                        } else {
                            value.push(char::from_u32(code).ok_or(Unsupported)?);
                        }
                    }
                    other => value.push(other),
                }
            }
            Some(&ch) => {
                value.push(ch);
                i += 1;
            }
            None => return Err(Unsupported),
        }
    }
}

/// A token-level key: words lowercased, strings decoded, whitespace and
/// comments gone. `None` when the text cannot even be split into tokens.
pub(crate) fn token_key(text: &str) -> Option<String> {
    let tokens = tokenize(text).ok()?;
    let mut out = String::new();
    for token in tokens {
        match token {
            Token::Word(w) => out.push_str(&w),
            Token::Ident(name) => push_name(&mut out, &name),
            Token::Number(n) => out.push_str(&canonical_number(&n).unwrap_or(n)),
            Token::Str(s) => push_string(&mut out, &s),
            Token::BitStr(s) => out.push_str(&s),
            Token::Param(n) => {
                let _ = write!(out, "${n}");
            }
            Token::Op(op) => out.push_str(if op == "!=" { "<>" } else { &op }),
            Token::Punct(c) => out.push(c),
            Token::Cast => out.push_str("::"),
        }
        out.push(' ');
    }
    Some(out)
}

/// An expression tree, after PostgreSQL's own rewrites.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Number(String),
    Str(String),
    BitStr(String),
    Bool(bool),
    Null,
    Param(u32),
    Star,
    /// A column or other (qualified) name.
    Name(Vec<String>),
    /// `CURRENT_TIMESTAMP` and friends.
    Keyword(String),
    Func {
        name: Vec<String>,
        args: Vec<Node>,
        distinct: bool,
    },
    Unary {
        op: String,
        arg: Box<Node>,
    },
    Binary {
        op: String,
        left: Box<Node>,
        right: Box<Node>,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// `IS [NOT] NULL | TRUE | FALSE | UNKNOWN`.
    Is {
        arg: Box<Node>,
        test: String,
    },
    /// `IS DISTINCT FROM`.
    Distinct(Box<Node>, Box<Node>),
    Cast {
        arg: Box<Node>,
        ty: String,
    },
    Array(Vec<Node>),
    Row(Vec<Node>),
    /// `left op ANY|ALL (right)`.
    Quantified {
        op: String,
        all: bool,
        left: Box<Node>,
        right: Box<Node>,
    },
    Case {
        operand: Option<Box<Node>>,
        whens: Vec<(Node, Node)>,
        otherwise: Option<Box<Node>>,
    },
    Subscript {
        arg: Box<Node>,
        lower: Option<Box<Node>>,
        upper: Option<Box<Node>>,
        slice: bool,
    },
    Collate {
        arg: Box<Node>,
        collation: Vec<String>,
    },
    AtTimeZone {
        arg: Box<Node>,
        zone: Box<Node>,
    },
}

const KEYWORD_VALUES: &[&str] = &[
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "current_user",
    "current_role",
    "session_user",
    "user",
    "current_catalog",
    "current_schema",
];

/// Type names that may prefix a string constant (`date '2020-01-01'`).
const TYPED_LITERAL_TYPES: &[&str] = &[
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "interval",
    "json",
    "jsonb",
    "uuid",
    "inet",
    "cidr",
    "macaddr",
    "numeric",
    "decimal",
    "int",
    "integer",
    "int2",
    "int4",
    "int8",
    "bigint",
    "smallint",
    "real",
    "float4",
    "float8",
    "text",
    "varchar",
    "bool",
    "boolean",
    "bytea",
];

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

/// Binding power of an infix or postfix operator (PostgreSQL's precedence
/// table, lowest first).
mod bp {
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const NOT: u8 = 3;
    pub const IS: u8 = 4;
    pub const COMPARISON: u8 = 5;
    pub const LIKE_IN_BETWEEN: u8 = 6;
    pub const OTHER_OP: u8 = 7;
    pub const ADD: u8 = 8;
    pub const MUL: u8 = 9;
    pub const EXP: u8 = 10;
    pub const UNARY: u8 = 11;
    pub const COLLATE: u8 = 12;
    pub const AT: u8 = 13;
    pub const SUBSCRIPT: u8 = 14;
    pub const CAST: u8 = 15;
}

fn op_power(op: &str) -> u8 {
    match op {
        "<" | ">" | "=" | "<=" | ">=" | "<>" | "!=" => bp::COMPARISON,
        "+" | "-" => bp::ADD,
        "*" | "/" | "%" => bp::MUL,
        "^" => bp::EXP,
        _ => bp::OTHER_OP,
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.pos + ahead)
    }

    fn next(&mut self) -> Result<Token> {
        let token = self.tokens.get(self.pos).cloned().ok_or(Unsupported)?;
        self.pos += 1;
        Ok(token)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == word)
    }

    fn is_word_at(&self, ahead: usize, word: &str) -> bool {
        matches!(self.peek_at(ahead), Some(Token::Word(w)) if w == word)
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = self.is_word(word);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect_word(&mut self, word: &str) -> Result<()> {
        if self.eat_word(word) {
            Ok(())
        } else {
            Err(Unsupported)
        }
    }

    fn is_punct(&self, c: char) -> bool {
        matches!(self.peek(), Some(Token::Punct(p)) if *p == c)
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let found = self.is_punct(c);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect_punct(&mut self, c: char) -> Result<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(Unsupported)
        }
    }

    fn expr(&mut self, min_bp: u8) -> Result<Node> {
        let mut left = self.prefix()?;
        while let Some(token) = self.peek().cloned() {
            let power = match &token {
                Token::Cast => bp::CAST,
                Token::Punct('[') => bp::SUBSCRIPT,
                Token::Op(op) => op_power(op),
                Token::Word(w) => match w.as_str() {
                    "or" => bp::OR,
                    "and" => bp::AND,
                    "is" | "isnull" | "notnull" => bp::IS,
                    "between" | "in" | "like" | "ilike" | "similar" => bp::LIKE_IN_BETWEEN,
                    "not"
                        if matches!(
                            self.peek_at(1),
                            Some(Token::Word(n)) if matches!(n.as_str(), "between" | "in" | "like" | "ilike" | "similar")
                        ) =>
                    {
                        bp::LIKE_IN_BETWEEN
                    }
                    "collate" => bp::COLLATE,
                    "at" if self.is_word_at(1, "time") => bp::AT,
                    _ => break,
                },
                _ => break,
            };
            if power <= min_bp {
                break;
            }
            self.pos += 1;
            left = match token {
                Token::Cast => Node::Cast {
                    arg: Box::new(left),
                    ty: self.type_name()?,
                },
                Token::Punct(_) => self.subscript(left)?,
                Token::Op(op) => {
                    let quantifier = match self.peek() {
                        Some(Token::Word(w)) if matches!(w.as_str(), "any" | "some" | "all") => {
                            Some(w == "all")
                        }
                        _ => None,
                    };
                    match quantifier {
                        Some(all) if matches!(self.peek_at(1), Some(Token::Punct('('))) => {
                            self.pos += 2;
                            let right = self.expr(0)?;
                            self.expect_punct(')')?;
                            Node::Quantified {
                                op: if op == "!=" { "<>".to_owned() } else { op },
                                all,
                                left: Box::new(left),
                                right: Box::new(right),
                            }
                        }
                        _ => {
                            let right = self.expr(power)?;
                            Node::Binary {
                                op: if op == "!=" { "<>".to_owned() } else { op },
                                left: Box::new(left),
                                right: Box::new(right),
                            }
                        }
                    }
                }
                Token::Word(w) => self.word_infix(&w, left, power)?,
                _ => return Err(Unsupported),
            };
        }
        Ok(left)
    }

    fn word_infix(&mut self, word: &str, left: Node, power: u8) -> Result<Node> {
        Ok(match word {
            "or" => Node::Or(vec![left, self.expr(power)?]),
            "and" => Node::And(vec![left, self.expr(power)?]),
            "isnull" => Node::Is {
                arg: Box::new(left),
                test: "null".into(),
            },
            "notnull" => Node::Is {
                arg: Box::new(left),
                test: "not null".into(),
            },
            "is" => {
                let not = self.eat_word("not");
                match self.next()? {
                    Token::Word(w)
                        if matches!(w.as_str(), "null" | "true" | "false" | "unknown") =>
                    {
                        Node::Is {
                            arg: Box::new(left),
                            test: if not { format!("not {w}") } else { w },
                        }
                    }
                    Token::Word(w) if w == "distinct" => {
                        self.expect_word("from")?;
                        let right = self.expr(power)?;
                        let node = Node::Distinct(Box::new(left), Box::new(right));
                        if not {
                            Node::Not(Box::new(node))
                        } else {
                            node
                        }
                    }
                    _ => return Err(Unsupported),
                }
            }
            "collate" => Node::Collate {
                arg: Box::new(left),
                collation: self.name_path()?,
            },
            "at" => {
                self.expect_word("time")?;
                self.expect_word("zone")?;
                Node::AtTimeZone {
                    arg: Box::new(left),
                    zone: Box::new(self.expr(power)?),
                }
            }
            "not" => {
                let Token::Word(inner) = self.next()? else {
                    return Err(Unsupported);
                };
                self.pattern(&inner, true, left, power)?
            }
            other => self.pattern(other, false, left, power)?,
        })
    }

    /// `BETWEEN`, `IN`, `LIKE`, `ILIKE`, `SIMILAR TO`, possibly negated,
    /// rewritten the way PostgreSQL stores them.
    fn pattern(&mut self, word: &str, not: bool, left: Node, power: u8) -> Result<Node> {
        let binary = |op: &str, l: Node, r: Node| Node::Binary {
            op: op.to_owned(),
            left: Box::new(l),
            right: Box::new(r),
        };
        Ok(match word {
            "between" => {
                if self.eat_word("symmetric") {
                    let low = self.expr(power)?;
                    self.expect_word("and")?;
                    let high = self.expr(power)?;
                    let range = |a: &Node, b: &Node| {
                        if not {
                            Node::Or(vec![
                                binary("<", left.clone(), a.clone()),
                                binary(">", left.clone(), b.clone()),
                            ])
                        } else {
                            Node::And(vec![
                                binary(">=", left.clone(), a.clone()),
                                binary("<=", left.clone(), b.clone()),
                            ])
                        }
                    };
                    let (first, second) = (range(&low, &high), range(&high, &low));
                    return Ok(if not {
                        Node::And(vec![first, second])
                    } else {
                        Node::Or(vec![first, second])
                    });
                }
                self.eat_word("asymmetric");
                let low = self.expr(power)?;
                self.expect_word("and")?;
                let high = self.expr(power)?;
                if not {
                    Node::Or(vec![
                        binary("<", left.clone(), low),
                        binary(">", left, high),
                    ])
                } else {
                    Node::And(vec![
                        binary(">=", left.clone(), low),
                        binary("<=", left, high),
                    ])
                }
            }
            "in" => {
                self.expect_punct('(')?;
                if self.is_word("select") || self.is_word("values") || self.is_word("with") {
                    return Err(Unsupported);
                }
                let mut items = vec![self.expr(0)?];
                while self.eat_punct(',') {
                    items.push(self.expr(0)?);
                }
                self.expect_punct(')')?;
                let op = if not { "<>" } else { "=" };
                if items.len() == 1 {
                    let item = items.pop().ok_or(Unsupported)?;
                    binary(op, left, item)
                } else {
                    Node::Quantified {
                        op: op.to_owned(),
                        all: not,
                        left: Box::new(left),
                        right: Box::new(Node::Array(items)),
                    }
                }
            }
            "like" | "ilike" => {
                let right = self.expr(power)?;
                if self.is_word("escape") {
                    return Err(Unsupported);
                }
                let op = match (word, not) {
                    ("like", false) => "~~",
                    ("like", true) => "!~~",
                    (_, false) => "~~*",
                    (_, true) => "!~~*",
                };
                binary(op, left, right)
            }
            "similar" => {
                self.expect_word("to")?;
                let right = self.expr(power)?;
                if self.is_word("escape") {
                    return Err(Unsupported);
                }
                let pattern = Node::Func {
                    name: vec!["similar_to_escape".into()],
                    args: vec![right],
                    distinct: false,
                };
                binary(if not { "!~" } else { "~" }, left, pattern)
            }
            _ => return Err(Unsupported),
        })
    }

    fn subscript(&mut self, arg: Node) -> Result<Node> {
        let lower = if self.is_punct(':') {
            None
        } else {
            Some(Box::new(self.expr(0)?))
        };
        let slice = self.eat_punct(':');
        let upper = if slice && !self.is_punct(']') {
            Some(Box::new(self.expr(0)?))
        } else {
            None
        };
        self.expect_punct(']')?;
        Ok(Node::Subscript {
            arg: Box::new(arg),
            lower,
            upper,
            slice,
        })
    }

    fn prefix(&mut self) -> Result<Node> {
        match self.next()? {
            Token::Number(n) => Ok(Node::Number(n)),
            Token::Str(s) => Ok(Node::Str(s)),
            Token::BitStr(s) => Ok(Node::BitStr(s)),
            Token::Param(n) => Ok(Node::Param(n)),
            Token::Op(op) if op == "*" => Ok(Node::Star),
            Token::Op(op) => {
                let power = if op == "-" || op == "+" {
                    bp::UNARY
                } else {
                    bp::OTHER_OP
                };
                let arg = self.expr(power)?;
                Ok(Node::Unary {
                    op,
                    arg: Box::new(arg),
                })
            }
            Token::Punct('(') => {
                if self.is_word("select") || self.is_word("values") || self.is_word("with") {
                    return Err(Unsupported);
                }
                let first = self.expr(0)?;
                if self.eat_punct(',') {
                    let mut items = vec![first];
                    items.push(self.expr(0)?);
                    while self.eat_punct(',') {
                        items.push(self.expr(0)?);
                    }
                    self.expect_punct(')')?;
                    return Ok(Node::Row(items));
                }
                self.expect_punct(')')?;
                Ok(first)
            }
            Token::Ident(name) => self.name_or_call(name),
            Token::Word(word) => self.word(word),
            _ => Err(Unsupported),
        }
    }

    fn word(&mut self, word: String) -> Result<Node> {
        match word.as_str() {
            "true" => return Ok(Node::Bool(true)),
            "false" => return Ok(Node::Bool(false)),
            "null" => return Ok(Node::Null),
            "not" => {
                let arg = self.expr(bp::NOT)?;
                return Ok(Node::Not(Box::new(arg)));
            }
            "case" => return self.case(),
            "array" => {
                self.expect_punct('[')?;
                let items = self.list(']')?;
                return Ok(Node::Array(items));
            }
            "row" if self.is_punct('(') => {
                self.pos += 1;
                return Ok(Node::Row(self.list(')')?));
            }
            "cast" if self.is_punct('(') => {
                self.pos += 1;
                let arg = self.expr(0)?;
                self.expect_word("as")?;
                let ty = self.type_name()?;
                self.expect_punct(')')?;
                return Ok(Node::Cast {
                    arg: Box::new(arg),
                    ty,
                });
            }
            "exists" | "select" | "interval" if self.is_punct('(') => return Err(Unsupported),
            "extract" if self.is_punct('(') => {
                self.pos += 1;
                let field = match self.next()? {
                    Token::Word(w) => w,
                    Token::Str(s) => s.to_ascii_lowercase(),
                    _ => return Err(Unsupported),
                };
                self.expect_word("from")?;
                let arg = self.expr(0)?;
                self.expect_punct(')')?;
                return Ok(func("extract", vec![Node::Str(field), arg]));
            }
            "substring" if self.is_punct('(') => {
                self.pos += 1;
                let arg = self.expr(0)?;
                if self.eat_punct(',') {
                    let mut args = vec![arg];
                    args.extend(self.list(')')?);
                    return Ok(func("substring", args));
                }
                let (mut from, mut length) = (None, None);
                loop {
                    if self.eat_word("from") {
                        from = Some(self.expr(0)?);
                    } else if self.eat_word("for") {
                        length = Some(self.expr(0)?);
                    } else {
                        break;
                    }
                }
                self.expect_punct(')')?;
                let mut args = vec![arg, from.unwrap_or(Node::Number("1".into()))];
                args.extend(length);
                return Ok(func("substring", args));
            }
            "trim" if self.is_punct('(') => {
                self.pos += 1;
                let name = if self.eat_word("leading") {
                    "ltrim"
                } else if self.eat_word("trailing") {
                    "rtrim"
                } else {
                    self.eat_word("both");
                    "btrim"
                };
                let args = if self.eat_word("from") {
                    self.list(')')?
                } else {
                    let first = self.expr(0)?;
                    if self.eat_word("from") {
                        let mut args = self.list(')')?;
                        args.push(first);
                        args
                    } else {
                        let mut args = vec![first];
                        if self.eat_punct(',') {
                            args.extend(self.list(')')?);
                        } else {
                            self.expect_punct(')')?;
                        }
                        args
                    }
                };
                return Ok(func(name, args));
            }
            "position" if self.is_punct('(') => {
                self.pos += 1;
                let needle = self.expr(bp::LIKE_IN_BETWEEN)?;
                self.expect_word("in")?;
                let haystack = self.expr(0)?;
                self.expect_punct(')')?;
                return Ok(func("position", vec![needle, haystack]));
            }
            "overlay" if self.is_punct('(') => return Err(Unsupported),
            _ => {}
        }
        if KEYWORD_VALUES.contains(&word.as_str()) && !self.is_punct('.') {
            if self.is_punct('(') {
                if word == "current_schema" {
                    self.pos += 1;
                    self.expect_punct(')')?;
                    return Ok(Node::Keyword(word));
                }
                self.pos += 1;
                let args = self.list(')')?;
                return Ok(func(&word, args));
            }
            return Ok(Node::Keyword(word));
        }
        if let Some(Token::Str(value)) = self.peek().cloned() {
            if TYPED_LITERAL_TYPES.contains(&word.as_str()) {
                self.pos += 1;
                return Ok(Node::Cast {
                    arg: Box::new(Node::Str(value)),
                    ty: canonical_type(&word),
                });
            }
        }
        if word == "double" && self.is_word("precision") {
            if let Some(Token::Str(value)) = self.peek_at(1).cloned() {
                self.pos += 2;
                return Ok(Node::Cast {
                    arg: Box::new(Node::Str(value)),
                    ty: canonical_type("double precision"),
                });
            }
        }
        self.name_or_call(word)
    }

    fn name_or_call(&mut self, first: String) -> Result<Node> {
        let mut path = vec![first];
        while self.is_punct('.') {
            self.pos += 1;
            match self.next()? {
                Token::Word(w) | Token::Ident(w) => path.push(w),
                Token::Op(op) if op == "*" => path.push("*".into()),
                _ => return Err(Unsupported),
            }
        }
        if !self.eat_punct('(') {
            return Ok(Node::Name(path));
        }
        if path.len() > 1 && path[0] == "pg_catalog" {
            path.remove(0);
        }
        let mut distinct = false;
        let args = if self.eat_punct(')') {
            Vec::new()
        } else {
            if self.eat_word("distinct") {
                distinct = true;
            } else {
                self.eat_word("all");
            }
            if self.is_word("variadic") {
                return Err(Unsupported);
            }
            let mut args = vec![self.expr(0)?];
            while self.eat_punct(',') {
                args.push(self.expr(0)?);
            }
            if self.is_word("order") || matches!(self.peek(), Some(Token::Op(op)) if op == "=>") {
                return Err(Unsupported);
            }
            self.expect_punct(')')?;
            args
        };
        if self.is_word("filter") || self.is_word("over") || self.is_word("within") {
            return Err(Unsupported);
        }
        Ok(Node::Func {
            name: path,
            args,
            distinct,
        })
    }

    fn case(&mut self) -> Result<Node> {
        let operand = if self.is_word("when") {
            None
        } else {
            Some(Box::new(self.expr(0)?))
        };
        let mut whens = Vec::new();
        while self.eat_word("when") {
            let condition = self.expr(0)?;
            self.expect_word("then")?;
            whens.push((condition, self.expr(0)?));
        }
        let otherwise = if self.eat_word("else") {
            Some(Box::new(self.expr(0)?))
        } else {
            None
        };
        self.expect_word("end")?;
        if whens.is_empty() {
            return Err(Unsupported);
        }
        Ok(Node::Case {
            operand,
            whens,
            otherwise,
        })
    }

    /// Comma-separated expressions up to and including `close`.
    fn list(&mut self, close: char) -> Result<Vec<Node>> {
        let mut items = Vec::new();
        if self.eat_punct(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expr(0)?);
            if self.eat_punct(close) {
                return Ok(items);
            }
            self.expect_punct(',')?;
        }
    }

    fn name_path(&mut self) -> Result<Vec<String>> {
        let mut path = Vec::new();
        loop {
            match self.next()? {
                Token::Word(w) | Token::Ident(w) => path.push(w),
                _ => return Err(Unsupported),
            }
            if !self.eat_punct('.') {
                return Ok(path);
            }
        }
    }

    /// A type name after `::` or `AS`, returned in canonical spelling.
    fn type_name(&mut self) -> Result<String> {
        let mut text = String::new();
        let mut quoted_parts = false;
        loop {
            match self.next()? {
                Token::Word(w) => text.push_str(&w),
                Token::Ident(name) => {
                    quoted_parts = true;
                    let mut quoted = String::new();
                    push_name(&mut quoted, &name);
                    text.push_str(&quoted);
                }
                _ => return Err(Unsupported),
            }
            if self.eat_punct('.') {
                text.push('.');
            } else {
                break;
            }
        }
        // Multi-word names.
        let follows: &[&str] = match text.as_str() {
            "double" => &["precision"],
            "character" | "char" | "national" | "bit" => &["varying", "character"],
            _ => &[],
        };
        while let Some(Token::Word(w)) = self.peek() {
            if follows.contains(&w.as_str()) {
                text.push(' ');
                text.push_str(w);
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.eat_punct('(') {
            text.push('(');
            let mut first = true;
            while !self.eat_punct(')') {
                if !first {
                    self.expect_punct(',')?;
                    text.push(',');
                }
                first = false;
                match self.next()? {
                    Token::Number(n) => text.push_str(&n),
                    Token::Word(w) | Token::Ident(w) => text.push_str(&w),
                    _ => return Err(Unsupported),
                }
            }
            text.push(')');
        }
        if matches!(text.as_str(), "time" | "timestamp")
            || text.starts_with("time(")
            || text.starts_with("timestamp(")
        {
            if self.is_word("with") || self.is_word("without") {
                let Token::Word(w) = self.next()? else {
                    return Err(Unsupported);
                };
                self.expect_word("time")?;
                self.expect_word("zone")?;
                text.push(' ');
                text.push_str(&w);
                text.push_str(" time zone");
            }
        } else if text == "interval" {
            while let Some(Token::Word(w)) = self.peek() {
                if matches!(
                    w.as_str(),
                    "year" | "month" | "day" | "hour" | "minute" | "second" | "to"
                ) {
                    text.push(' ');
                    text.push_str(w);
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        while self.is_punct('[') {
            self.pos += 1;
            if let Some(Token::Number(_)) = self.peek() {
                self.pos += 1;
            }
            self.expect_punct(']')?;
            text.push_str("[]");
        }
        if quoted_parts {
            return Ok(text);
        }
        Ok(canonical_type(&text))
    }
}

fn func(name: &str, args: Vec<Node>) -> Node {
    Node::Func {
        name: vec![name.to_owned()],
        args,
        distinct: false,
    }
}

/// A type name in one spelling: `int4` and `integer` alike, `pg_catalog.`
/// dropped.
pub(crate) fn canonical_type(text: &str) -> String {
    let text = text.strip_prefix("pg_catalog.").unwrap_or(text);
    match SqlType::parse(text) {
        Ok((SqlType::Other { name }, dims)) => {
            let mut out = name.to_ascii_lowercase();
            for _ in 0..dims {
                out.push_str("[]");
            }
            out
        }
        Ok((ty, dims)) => crate::types::type_sql(&ty, dims),
        Err(_) => text.to_ascii_lowercase(),
    }
}

/// Types PostgreSQL coerces to implicitly and then prints as explicit casts
/// (`code::text` for a varchar column passed to `lower`, `i::numeric` for an
/// integer compared with `1.5`).
fn implicit_cast_target(ty: &str) -> bool {
    let base = ty.trim_end_matches("[]");
    let base = base.split('(').next().unwrap_or(base);
    matches!(
        base,
        "text"
            | "varchar"
            | "char"
            | "numeric"
            | "double precision"
            | "bigint"
            | "timestamp"
            | "timestamp with time zone"
    ) || (base.starts_with("timestamp") && base.ends_with("with time zone"))
}

fn numeric_type(ty: &str) -> bool {
    let base = ty.split('(').next().unwrap_or(ty);
    matches!(
        base,
        "smallint" | "integer" | "bigint" | "numeric" | "real" | "double precision"
    )
}

fn is_constant(node: &Node) -> bool {
    match node {
        Node::Number(_) | Node::Str(_) | Node::BitStr(_) | Node::Bool(_) | Node::Null => true,
        Node::Array(items) | Node::Row(items) => items.iter().all(is_constant),
        _ => false,
    }
}

/// Applies the rewrites that make user text and server text meet.
fn canon(node: Node) -> Node {
    match node {
        Node::Number(n) => Node::Number(canonical_number(&n).unwrap_or(n)),
        Node::Str(s) => match canonical_number(&s) {
            // `'-1'::integer` and `-1` are the same constant.
            Some(n) if is_plain_number(&s) => Node::Number(n),
            _ => Node::Str(s),
        },
        Node::Cast { arg, ty } => {
            let arg = canon(*arg);
            if is_constant(&arg) || implicit_cast_target(&ty) {
                if let (Node::Str(s), true) = (&arg, numeric_type(&ty)) {
                    if let Some(n) = canonical_number(s) {
                        return Node::Number(n);
                    }
                }
                return arg;
            }
            Node::Cast {
                arg: Box::new(arg),
                ty,
            }
        }
        Node::Unary { op, arg } => {
            let arg = canon(*arg);
            match (op.as_str(), arg) {
                ("-", Node::Number(n)) => {
                    let negated = match n.strip_prefix('-') {
                        Some(positive) => positive.to_owned(),
                        None => format!("-{n}"),
                    };
                    Node::Number(canonical_number(&negated).unwrap_or(negated))
                }
                ("+", Node::Number(n)) => Node::Number(n),
                (_, arg) => Node::Unary {
                    op,
                    arg: Box::new(arg),
                },
            }
        }
        Node::Binary { op, left, right } => {
            let (left, right) = (canon(*left), canon(*right));
            match (op.as_str(), left, right) {
                // `(a, b) = (1, 2)` is stored as `a = 1 AND b = 2`.
                ("=" | "<>", Node::Row(l), Node::Row(r)) if l.len() == r.len() => {
                    let pairs: Vec<Node> = l
                        .into_iter()
                        .zip(r)
                        .map(|(a, b)| Node::Binary {
                            op: op.clone(),
                            left: Box::new(a),
                            right: Box::new(b),
                        })
                        .collect();
                    canon(if op == "=" {
                        Node::And(pairs)
                    } else {
                        Node::Or(pairs)
                    })
                }
                (_, left, right) => Node::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
            }
        }
        Node::And(items) => Node::And(flatten(items, true)),
        Node::Or(items) => Node::Or(flatten(items, false)),
        Node::Not(arg) => Node::Not(Box::new(canon(*arg))),
        Node::Is { arg, test } => Node::Is {
            arg: Box::new(canon(*arg)),
            test,
        },
        Node::Distinct(a, b) => Node::Distinct(Box::new(canon(*a)), Box::new(canon(*b))),
        Node::Func {
            name,
            args,
            distinct,
        } => Node::Func {
            name,
            args: args.into_iter().map(canon).collect(),
            distinct,
        },
        Node::Array(items) => Node::Array(items.into_iter().map(canon).collect()),
        Node::Row(items) => Node::Row(items.into_iter().map(canon).collect()),
        Node::Quantified {
            op,
            all,
            left,
            right,
        } => Node::Quantified {
            op,
            all,
            left: Box::new(canon(*left)),
            right: Box::new(canon(*right)),
        },
        Node::Case {
            operand,
            whens,
            otherwise,
        } => Node::Case {
            operand: operand.map(|o| Box::new(canon(*o))),
            whens: whens
                .into_iter()
                .map(|(c, r)| (canon(c), canon(r)))
                .collect(),
            otherwise: otherwise.map(|o| Box::new(canon(*o))),
        },
        Node::Subscript {
            arg,
            lower,
            upper,
            slice,
        } => Node::Subscript {
            arg: Box::new(canon(*arg)),
            lower: lower.map(|n| Box::new(canon(*n))),
            upper: upper.map(|n| Box::new(canon(*n))),
            slice,
        },
        Node::Collate { arg, collation } => Node::Collate {
            arg: Box::new(canon(*arg)),
            collation,
        },
        Node::AtTimeZone { arg, zone } => Node::AtTimeZone {
            arg: Box::new(canon(*arg)),
            zone: Box::new(canon(*zone)),
        },
        other @ (Node::BitStr(_)
        | Node::Bool(_)
        | Node::Null
        | Node::Param(_)
        | Node::Star
        | Node::Name(_)
        | Node::Keyword(_)) => other,
    }
}

fn is_plain_number(text: &str) -> bool {
    let body = text.strip_prefix('-').unwrap_or(text);
    !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().filter(|&c| c == '.').count() <= 1
        && body.chars().any(|c| c.is_ascii_digit())
}

/// `a AND (b AND c)` and `(a AND b) AND c` are one n-ary AND.
fn flatten(items: Vec<Node>, and: bool) -> Vec<Node> {
    let mut out = Vec::new();
    for item in items.into_iter().map(canon) {
        match item {
            Node::And(inner) if and => out.extend(inner),
            Node::Or(inner) if !and => out.extend(inner),
            other => out.push(other),
        }
    }
    out
}

fn push_name(out: &mut String, name: &str) {
    out.push('"');
    out.push_str(&name.replace('"', "\"\""));
    out.push('"');
}

fn push_string(out: &mut String, value: &str) {
    out.push('\'');
    out.push_str(&value.replace('\'', "''"));
    out.push('\'');
}

fn write_node(out: &mut String, node: &Node) {
    let list = |out: &mut String, items: &[Node]| {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            write_node(out, item);
        }
    };
    let path = |out: &mut String, parts: &[String]| {
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            push_name(out, part);
        }
    };
    match node {
        Node::Number(n) => out.push_str(n),
        Node::Str(s) => push_string(out, s),
        Node::BitStr(s) => out.push_str(s),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Null => out.push_str("null"),
        Node::Param(n) => {
            let _ = write!(out, "${n}");
        }
        Node::Star => out.push('*'),
        Node::Name(parts) => path(out, parts),
        Node::Keyword(k) => out.push_str(k),
        Node::Func {
            name,
            args,
            distinct,
        } => {
            out.push_str("(call ");
            path(out, name);
            if *distinct {
                out.push_str(" distinct");
            }
            out.push(' ');
            list(out, args);
            out.push(')');
        }
        Node::Unary { op, arg } => {
            let _ = write!(out, "(prefix {op} ");
            write_node(out, arg);
            out.push(')');
        }
        Node::Binary { op, left, right } => {
            let _ = write!(out, "({op} ");
            write_node(out, left);
            out.push(' ');
            write_node(out, right);
            out.push(')');
        }
        Node::And(items) => {
            out.push_str("(and ");
            list(out, items);
            out.push(')');
        }
        Node::Or(items) => {
            out.push_str("(or ");
            list(out, items);
            out.push(')');
        }
        Node::Not(arg) => {
            out.push_str("(not ");
            write_node(out, arg);
            out.push(')');
        }
        Node::Is { arg, test } => {
            out.push_str("(is ");
            write_node(out, arg);
            let _ = write!(out, " {test})");
        }
        Node::Distinct(a, b) => {
            out.push_str("(distinct ");
            write_node(out, a);
            out.push(' ');
            write_node(out, b);
            out.push(')');
        }
        Node::Cast { arg, ty } => {
            out.push_str("(cast ");
            write_node(out, arg);
            let _ = write!(out, " {ty})");
        }
        Node::Array(items) => {
            out.push_str("(array ");
            list(out, items);
            out.push(')');
        }
        Node::Row(items) => {
            out.push_str("(row ");
            list(out, items);
            out.push(')');
        }
        Node::Quantified {
            op,
            all,
            left,
            right,
        } => {
            let _ = write!(out, "({op} {} ", if *all { "all" } else { "any" });
            write_node(out, left);
            out.push(' ');
            write_node(out, right);
            out.push(')');
        }
        Node::Case {
            operand,
            whens,
            otherwise,
        } => {
            out.push_str("(case");
            if let Some(operand) = operand {
                out.push(' ');
                write_node(out, operand);
            }
            for (condition, result) in whens {
                out.push_str(" (when ");
                write_node(out, condition);
                out.push(' ');
                write_node(out, result);
                out.push(')');
            }
            if let Some(otherwise) = otherwise {
                out.push_str(" (else ");
                write_node(out, otherwise);
                out.push(')');
            }
            out.push(')');
        }
        Node::Subscript {
            arg,
            lower,
            upper,
            slice,
        } => {
            out.push_str("(subscript ");
            write_node(out, arg);
            for bound in [lower, upper] {
                out.push(' ');
                match bound {
                    Some(b) => write_node(out, b),
                    None => out.push('_'),
                }
            }
            if *slice {
                out.push_str(" slice");
            }
            out.push(')');
        }
        Node::Collate { arg, collation } => {
            out.push_str("(collate ");
            write_node(out, arg);
            out.push(' ');
            path(out, collation);
            out.push(')');
        }
        Node::AtTimeZone { arg, zone } => {
            out.push_str("(at-time-zone ");
            write_node(out, arg);
            out.push(' ');
            write_node(out, zone);
            out.push(')');
        }
    }
}

/// The canonical key of an expression, or `None` when it uses syntax this
/// module does not read.
pub(crate) fn canonical(text: &str) -> Option<String> {
    let tokens = tokenize(text).ok()?;
    let mut parser = Parser { tokens, pos: 0 };
    let node = parser.expr(0).ok()?;
    while parser.eat_punct(';') {}
    if parser.peek().is_some() {
        return None;
    }
    let mut out = String::new();
    write_node(&mut out, &canon(node));
    Some(out)
}

/// A string constant cast to a type: `'active'::text`, `E'a\\b'`,
/// `'{}'::text[]`, `'x'::"Mixed"."Case"`. Returns the decoded value and the
/// type as written (`None` when there is no cast). A constant cast more than
/// once, or anything else, is `None`.
pub(crate) fn string_constant(text: &str) -> Option<(String, Option<String>)> {
    let tokens = tokenize(text).ok()?;
    let mut parser = Parser { tokens, pos: 0 };
    // Redundant parentheses around the whole constant.
    let mut depth = 0;
    while parser.eat_punct('(') {
        depth += 1;
    }
    let Ok(Token::Str(value)) = parser.next() else {
        return None;
    };
    let ty = if parser.peek() == Some(&Token::Cast) {
        parser.pos += 1;
        let start = parser.pos;
        parser.type_name().ok()?;
        Some(raw_type_text(&parser.tokens[start..parser.pos]))
    } else {
        None
    };
    for _ in 0..depth {
        if !parser.eat_punct(')') {
            return None;
        }
    }
    (parser.peek().is_none()).then_some((value, ty))
}

/// Type tokens back to text that [`SqlType::parse`] and a qualified-name
/// reader understand.
fn raw_type_text(tokens: &[Token]) -> String {
    let mut out = String::new();
    let mut previous_word = false;
    for token in tokens {
        match token {
            Token::Word(w) => {
                if previous_word {
                    out.push(' ');
                }
                out.push_str(w);
                previous_word = true;
                continue;
            }
            Token::Ident(name) => push_name(&mut out, name),
            Token::Number(n) => out.push_str(n),
            Token::Punct(c) => out.push(*c),
            _ => {}
        }
        previous_word = false;
    }
    out
}

/// `nextval('seq'::regclass)` → `seq` (the regclass text, decoded).
#[cfg(feature = "postgres")]
pub(crate) fn nextval_target(text: &str) -> Option<String> {
    let tokens = tokenize(text).ok()?;
    match tokens.as_slice() {
        [Token::Word(f), Token::Punct('('), Token::Str(name), Token::Cast, Token::Word(ty), Token::Punct(')')]
            if f == "nextval" && ty == "regclass" =>
        {
            Some(name.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> String {
        canonical(text).unwrap_or_else(|| panic!("cannot read {text}"))
    }

    fn same(code: &str, server: &str) {
        assert_eq!(key(code), key(server), "{code}  vs  {server}");
    }

    #[test]
    fn server_rewrites_meet_user_text() {
        same("total >= 0", "total >= 0::numeric");
        same("total >= 0", "(total >= (0)::numeric)");
        same("rank BETWEEN 0 AND 10", "rank >= 0 AND rank <= 10");
        same("rank BETWEEN 0 AND 10", "((rank >= 0) AND (rank <= 10))");
        same("i not between 1 and 2", "((i < 1) OR (i > 2))");
        same(
            "vc in ('a','b')",
            "vc::text = ANY (ARRAY['a'::character varying, 'b'::character varying]::text[])",
        );
        same("x in ('a')", "x = 'a'::text");
        same(
            "status <> 'shipped'",
            "status <> 'shipped'::shop.order_status",
        );
        same("lower(code)", "lower(code::text)");
        same("lower(code)", "lower((code)::text)");
        same("total * 2", "n * 2::numeric".replace('n', "total").as_str());
        same(
            "tx like 'x%' and not (i = 1 or i = 2)",
            "tx ~~ 'x%'::text AND NOT (i = 1 OR i = 2)",
        );
        same("a != b", "a <> b");
        same("(a, b) <> (1,2)", "(a <> 1 OR b <> 2)");
        same(
            "a % 2 = 0 and (a + b) * c > a - (b - c)",
            "(a % 2) = 0 AND ((a + b) * c) > (a - (b - c))",
        );
        same(
            "nm > 1e3 and nm > -0.5",
            "nm > '1000'::numeric AND nm > '-0.5'::numeric",
        );
        same("x similar to 'a%'", "x ~ similar_to_escape('a%'::text)");
        same(
            "a isnull = false and bo is true",
            "(a IS NULL) = false AND bo IS TRUE",
        );
        same(
            "ts > now() - interval '1 day'",
            "ts > (now() - '1 day'::interval)",
        );
        same("date '2020-01-01' < d", "'2020-01-01'::date < d");
        same("trim(x) = x", "TRIM(BOTH FROM x) = x");
        same("position('a' in x) > 0", "POSITION(('a'::text) IN (x)) > 0");
        same(
            "substring(x from 1 for 2) = 'ab'",
            "SUBSTRING(x FROM 1 FOR 2) = 'ab'::text",
        );
        same(
            "extract(year from ts) > 2000",
            "EXTRACT(year FROM ts) > 2000::numeric",
        );
        same(
            "case when a > 0 then b else c end > 0",
            "CASE\n    WHEN a > 0 THEN b\n    ELSE c\nEND > 0",
        );
        same("current_timestamp", "CURRENT_TIMESTAMP");
        same("coalesce(x, '') <> ''", "COALESCE(x, ''::text) <> ''::text");
        same("a OR b OR c", "a OR (b OR c)");
        same("\"select\" > 0", "\"select\" > 0");
        same("\"Mixed\" > 0", "\"Mixed\" > 0");
        same("-a > 2", "(- a)::double precision > 2::double precision");
    }

    #[test]
    fn different_meanings_stay_apart() {
        assert_ne!(key("(a OR b) AND c"), key("a OR b AND c"));
        assert_ne!(key("a - b - c"), key("a - (b - c)"));
        assert_ne!(key("a > 1"), key("a >= 1"));
        assert_ne!(key("\"Mixed\" > 0"), key("Mixed > 0"));
        assert_ne!(key("x = 'a'"), key("x = 'A'"));
        assert_ne!(key("lower(x)"), key("upper(x)"));
        assert_ne!(key("a::date"), key("a"));
    }

    #[test]
    fn unknown_syntax_is_none() {
        assert_eq!(canonical("a IN (SELECT 1)"), None);
        assert_eq!(canonical("count(*) FILTER (WHERE a)"), None);
        assert_eq!(canonical("a +"), None);
    }

    #[test]
    fn string_constants_with_casts() {
        assert_eq!(
            string_constant("'active'::text"),
            Some(("active".into(), Some("text".into())))
        );
        assert_eq!(
            string_constant("'it''s \\ fine'::text"),
            Some(("it's \\ fine".into(), Some("text".into())))
        );
        assert_eq!(string_constant("E'a\\\\b'"), Some(("a\\b".into(), None)));
        assert_eq!(
            string_constant("'x'::timestamp without time zone"),
            Some(("x".into(), Some("timestamp without time zone".into())))
        );
        assert_eq!(
            string_constant("'x'::\"My Schema\".\"Mood\"[]"),
            Some(("x".into(), Some("\"My Schema\".\"Mood\"[]".into())))
        );
        assert_eq!(
            string_constant("'x'::character varying"),
            Some(("x".into(), Some("character varying".into())))
        );
        assert_eq!(string_constant("'x'::text || 'y'"), None);
        assert_eq!(string_constant("now()"), None);
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn nextval_targets() {
        assert_eq!(
            nextval_target("nextval('t_id_seq'::regclass)"),
            Some("t_id_seq".into())
        );
        assert_eq!(
            nextval_target("nextval('shop.\"Odd\"''s_seq'::regclass)"),
            Some("shop.\"Odd\"'s_seq".into())
        );
        assert_eq!(nextval_target("nextval('a')"), None);
    }
}

//! Whole source files, for the CLI: every `#[table]` struct and `#[pg_enum]`
//! enum of a file (nested inline modules included) goes through the same
//! parser as the macro; [`resolve`] then closes what one struct cannot know
//! (foreign key targets, enum column types) and checks the schema as a whole.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::visit::Visit;

use super::ast::{enum_def, table_def, EnumDef, TableDef};
use super::{attribute_args, is_attribute};
use crate::model::{self, DefaultValue, ForeignKey, Literal, ReferentialAction, Schema, SqlType};

/// A place in a source file: `line` counts from 1, `column` from 0 in
/// characters (as proc-macro2 counts them); line 0 is no place (a problem
/// of the schema as a whole).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1; 0 when there is no place.
    pub line: usize,
    /// Column, from 0, in characters.
    pub column: usize,
}

impl Position {
    /// No place: a problem of the schema as a whole.
    pub const NONE: Position = Position { line: 0, column: 0 };

    /// Where `span` starts, in a piece of source that begins `line_offset`
    /// lines into its file.
    fn of(span: Span, line_offset: usize) -> Self {
        let start = span.start();
        if start.line == 0 {
            Self::NONE
        } else {
            Self {
                line: start.line + line_offset,
                column: start.column,
            }
        }
    }
}

/// One problem found in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    /// Where.
    pub at: Position,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Every problem of one source file, in source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceErrors(pub Vec<SourceError>);

impl fmt::Display for SourceErrors {
    /// One `line:column: message` per problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(
                f,
                "{}:{}: {}",
                error.at.line,
                error.at.column + 1,
                error.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for SourceErrors {}

/// The `#[table]` and `#[pg_enum]` items of one source file, reduced to what
/// resolving a schema needs: the models, Rust names and positions. Plain
/// data (no syn values), so files can be parsed on several threads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedFile {
    /// Tables, in source order.
    pub tables: Vec<TableItem>,
    /// Enums, in source order.
    pub enums: Vec<EnumItem>,
}

/// A `#[table]` struct of a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableItem {
    /// The struct's name.
    pub ident: String,
    /// Where the struct's name is.
    pub at: Position,
    /// The table's model; foreign keys and enum column types still open
    /// (see [`TableDef::table`]).
    pub table: model::Table,
    /// Field names, in order: field `i` is column `i`.
    pub fields: Vec<String>,
    /// Columns whose type is a `#[pg_enum]`.
    pub enum_columns: Vec<EnumColumn>,
    /// Foreign keys, their targets still Rust names.
    pub foreign_keys: Vec<ForeignKeyItem>,
}

/// A column whose Rust type is a `#[pg_enum]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumColumn {
    /// The column's index.
    pub column: usize,
    /// The enum's Rust name (last path segment).
    pub ident: String,
    /// Where the enum's type is written.
    pub at: Position,
}

/// A foreign key whose target is named by Rust paths (`User::id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignKeyItem {
    /// Constraint name.
    pub name: String,
    /// Referencing columns, by index into the table's fields.
    pub fields: Vec<usize>,
    /// The referenced struct's name (`User` of `User::id`).
    pub target: String,
    /// Where the referenced struct's path is written.
    pub target_at: Position,
    /// The referenced fields and where each is written.
    pub target_fields: Vec<(String, Position)>,
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
}

/// A `#[pg_enum]` enum of a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumItem {
    /// The enum's name.
    pub ident: String,
    /// Where the enum's name is.
    pub at: Position,
    /// The type's model.
    pub model: model::Enum,
}

impl TableItem {
    fn new(def: TableDef, line_offset: usize) -> Self {
        let at = |span: Span| Position::of(span, line_offset);
        let enum_columns = def
            .fields
            .iter()
            .enumerate()
            .filter_map(|(column, field)| {
                let ty = field.enum_type.as_ref()?;
                Some(EnumColumn {
                    column,
                    ident: type_ident(ty),
                    at: at(ty.span()),
                })
            })
            .collect();
        let foreign_keys = def
            .foreign_keys
            .iter()
            .map(|fk| {
                // `User` of `User::id`, read in place: a reference names a
                // struct and a field (checked when the attribute is read).
                let path = &fk.references[0];
                let target = path.segments.iter().rev().nth(1);
                ForeignKeyItem {
                    name: fk.name.clone(),
                    fields: fk.fields.clone(),
                    target: target.map(|s| s.ident.to_string()).unwrap_or_default(),
                    target_at: at(first_token_span(path)),
                    target_fields: fk
                        .references
                        .iter()
                        .filter_map(|path| path.segments.last())
                        .map(|s| (s.ident.to_string(), at(s.ident.span())))
                        .collect(),
                    on_delete: fk.on_delete,
                    on_update: fk.on_update,
                }
            })
            .collect();
        Self {
            ident: def.ident.to_string(),
            at: at(def.ident.span()),
            fields: def.fields.iter().map(|f| f.ident.to_string()).collect(),
            table: def.table,
            enum_columns,
            foreign_keys,
        }
    }
}

/// Where `path` starts (as `path.span()` does, without joining the spans of
/// all its tokens).
fn first_token_span(path: &syn::Path) -> Span {
    match (&path.leading_colon, path.segments.first()) {
        (Some(colon), _) => colon.spans[0],
        (None, Some(segment)) => segment.ident.span(),
        (None, None) => path.span(),
    }
}

impl EnumItem {
    fn new(def: EnumDef, line_offset: usize) -> Self {
        Self {
            ident: def.ident.to_string(),
            at: Position::of(def.ident.span(), line_offset),
            model: def.model,
        }
    }
}

/// Parses a Rust source file. On failure, every error of every item (or the
/// one syntax error) with its position.
pub fn parse_file(source: &str) -> Result<ParsedFile, SourceErrors> {
    parse_files(&[source])
        .pop()
        .unwrap_or_else(|| Ok(ParsedFile::default()))
}

/// Below this many bytes of source in all, parsing stays on one thread.
const PARALLEL_FROM_BYTES: usize = 64 * 1024;

/// A piece of a file ends at the first item boundary after this many bytes.
/// Small pieces keep each thread's garbage small: on 1,000 tables, pieces of
/// 32 KiB left the process peaking ~6 MiB higher than pieces of 2 KiB, at
/// the same instruction count.
const PIECE_BYTES: usize = 2 * 1024;

/// Parses several Rust source files, one result per file, on as many
/// threads as the machine has cores (up to 8) when there is enough text.
///
/// Work is cut at top-level item boundaries ([`Boundaries`]), so one large
/// file is shared out too; the threads find the cuts as they go, so nothing
/// runs before the parsing does. A piece that does not parse on its own
/// sends its whole file through the one-thread parse, so errors and their
/// positions are always those of parsing the file as a whole.
pub fn parse_files(sources: &[&str]) -> Vec<Result<ParsedFile, SourceErrors>> {
    let total: usize = sources.iter().map(|s| s.len()).sum();
    let threads = if total < PARALLEL_FROM_BYTES {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    if threads == 1 {
        return sources
            .iter()
            .map(|source| parse_piece(source, 0))
            .collect();
    }
    parse_in_pieces(sources, threads)
}

/// One piece of work: `sources[file][start..end]`, starting `line` lines
/// into its file.
#[derive(Clone, Copy)]
struct Piece {
    file: usize,
    start: usize,
    end: usize,
    line: usize,
}

/// The pieces of `sources`, in order, cut as they are asked for.
struct Pieces<'a> {
    sources: &'a [&'a str],
    file: usize,
    boundaries: Boundaries<'a>,
    start: usize,
    start_line: usize,
}

impl<'a> Pieces<'a> {
    fn new(sources: &'a [&'a str]) -> Self {
        Self {
            sources,
            file: 0,
            boundaries: Boundaries::new(sources.first().copied().unwrap_or_default()),
            start: 0,
            start_line: 0,
        }
    }
}

impl Iterator for Pieces<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        let source = self.sources.get(self.file)?;
        let mut end = source.len();
        let mut next_line = 0;
        for (offset, line) in self.boundaries.by_ref() {
            if offset - self.start >= PIECE_BYTES {
                (end, next_line) = (offset, line);
                break;
            }
        }
        let piece = Piece {
            file: self.file,
            start: self.start,
            end,
            line: self.start_line,
        };
        if end == source.len() {
            self.file += 1;
            let next_source = self.sources.get(self.file).copied().unwrap_or_default();
            self.boundaries = Boundaries::new(next_source);
            (self.start, self.start_line) = (0, 0);
        } else {
            (self.start, self.start_line) = (end, next_line);
        }
        Some(piece)
    }
}

/// [`parse_files`] on `threads` threads.
fn parse_in_pieces(sources: &[&str], threads: usize) -> Vec<Result<ParsedFile, SourceErrors>> {
    let pieces = Mutex::new(Pieces::new(sources).enumerate());
    // (the piece's place in the order, the piece, what parsing it gave)
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let next = pieces.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some((i, piece)) = next else {
                    break;
                };
                let parsed = parse_piece(&sources[piece.file][piece.start..piece.end], piece.line);
                // The piece's spans are all spent (what it gave holds
                // positions, not spans): proc-macro2 drops the copy of its
                // text and its line table that it keeps for them, so the
                // next piece reuses that memory.
                proc_macro2::extra::invalidate_current_thread_spans();
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, piece, parsed));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_unstable_by_key(|&(i, ..)| i);

    let mut files: Vec<Option<ParsedFile>> = sources
        .iter()
        .map(|_| Some(ParsedFile::default()))
        .collect();
    for (_, piece, result) in results {
        match result {
            Ok(parsed) => {
                if let Some(file) = &mut files[piece.file] {
                    file.tables.extend(parsed.tables);
                    file.enums.extend(parsed.enums);
                }
            }
            Err(_) => files[piece.file] = None,
        }
    }
    files
        .into_iter()
        .zip(sources)
        .map(|(parsed, source)| match parsed {
            Some(parsed) => Ok(parsed),
            None => parse_piece(source, 0),
        })
        .collect()
}

/// Parses one piece of a file that starts `line_offset` lines into it.
fn parse_piece(source: &str, line_offset: usize) -> Result<ParsedFile, SourceErrors> {
    let to_errors = |error: syn::Error| {
        SourceErrors(
            error
                .into_iter()
                .map(|error| SourceError {
                    at: Position::of(error.span(), line_offset),
                    message: error.to_string(),
                })
                .collect(),
        )
    };
    let file = syn::parse_file(source).map_err(to_errors)?;
    let mut visitor = Visitor {
        parsed: ParsedFile::default(),
        errors: Vec::new(),
        line_offset,
    };
    visitor.visit_file(&file);
    let mut errors = visitor.errors.into_iter();
    match errors.next() {
        None => Ok(visitor.parsed),
        Some(mut first) => {
            for error in errors {
                first.combine(error);
            }
            Err(to_errors(first))
        }
    }
}

/// Where top-level items start in a source, with the number of lines before
/// each: the start of a non-blank line outside any delimiter, string or
/// comment, after a line that ended an item (its last token `}` or `;`).
/// Doc comments count as tokens (they are attributes), other comments do
/// not. A wrong guess costs only speed: a piece that does not parse alone
/// is parsed again with its whole file.
#[derive(Clone, Copy)]
struct Boundaries<'a> {
    bytes: &'a [u8],
    depth: usize,
    line: usize,
    at_line_start: bool,
    /// The last token outside comments ended an item at depth 0.
    item_ended: bool,
    i: usize,
}

impl<'a> Boundaries<'a> {
    fn new(source: &'a str) -> Self {
        Self {
            bytes: source.as_bytes(),
            depth: 0,
            line: 0,
            at_line_start: true,
            item_ended: false,
            i: 0,
        }
    }
}

impl Iterator for Boundaries<'_> {
    /// The boundary's byte offset and the number of lines before it.
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let Self {
            bytes,
            mut depth,
            mut line,
            mut at_line_start,
            mut item_ended,
            mut i,
        } = *self;
        while i < bytes.len() {
            let byte = bytes[i];
            if at_line_start && !matches!(byte, b' ' | b'\t' | b'\r' | b'\n') {
                at_line_start = false;
                if depth == 0 && item_ended && i > 0 {
                    let boundary = (line_start(bytes, i), line);
                    *self = Self {
                        bytes,
                        depth,
                        line,
                        at_line_start,
                        item_ended,
                        i,
                    };
                    return Some(boundary);
                }
            }
            match byte {
                b'\n' => {
                    line += 1;
                    at_line_start = true;
                    i += 1;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    let doc = matches!(bytes.get(i + 2), Some(b'/' | b'!'))
                        && bytes.get(i + 3) != Some(&b'/');
                    if doc {
                        item_ended = false;
                    }
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    let doc = matches!(bytes.get(i + 2), Some(b'*' | b'!'))
                        && !matches!(bytes.get(i + 3), Some(b'*' | b'/'));
                    if doc {
                        item_ended = false;
                    }
                    let mut nesting = 0usize;
                    while i < bytes.len() {
                        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                            nesting += 1;
                            i += 2;
                        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                            nesting -= 1;
                            i += 2;
                            if nesting == 0 {
                                break;
                            }
                        } else {
                            if bytes[i] == b'\n' {
                                line += 1;
                            }
                            i += 1;
                        }
                    }
                }
                b'"' => {
                    item_ended = false;
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\\' {
                            i += 1;
                        }
                        if bytes.get(i) == Some(&b'\n') {
                            line += 1;
                        }
                        i += 1;
                    }
                    i += 1;
                }
                b'r' if raw_string_start(bytes, i).is_some() => {
                    item_ended = false;
                    let (hashes, body) = raw_string_start(bytes, i).unwrap_or((0, i));
                    i = body;
                    while i < bytes.len() {
                        if bytes[i] == b'"'
                            && bytes[i + 1..].iter().take(hashes).all(|&b| b == b'#')
                            && bytes.len() > i + hashes
                        {
                            i += 1 + hashes;
                            break;
                        }
                        if bytes[i] == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
                b'\'' => {
                    item_ended = false;
                    i += char_literal_len(bytes, i);
                }
                b'(' | b'[' | b'{' => {
                    item_ended = false;
                    depth += 1;
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    item_ended = byte == b'}' && depth == 0;
                    i += 1;
                }
                b';' => {
                    item_ended = depth == 0;
                    i += 1;
                }
                b' ' | b'\t' | b'\r' => i += 1,
                _ => {
                    item_ended = false;
                    i += 1;
                    // The rest of an identifier, number or punctuation run, and
                    // the spaces after it, change nothing above.
                    while i < bytes.len() && !SCANNED[usize::from(bytes[i])] {
                        i += 1;
                    }
                }
            }
        }
        self.i = i;
        None
    }
}

/// The bytes [`Boundaries`] must look at one by one once inside a line.
const SCANNED: [bool; 256] = {
    let mut scanned = [false; 256];
    let mut i = 0;
    let special = b"\n/\"r'([{)]};";
    while i < special.len() {
        scanned[special[i] as usize] = true;
        i += 1;
    }
    scanned
};

/// The start of the line holding byte `i`.
fn line_start(bytes: &[u8], i: usize) -> usize {
    bytes[..i]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1)
}

/// At `r` (or the `r` of `br`): the number of `#` and where the body starts,
/// when a raw string begins here rather than an identifier.
fn raw_string_start(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    let before = i.checked_sub(1).map(|j| bytes[j]);
    let starts_token = match before {
        None => true,
        Some(b'b' | b'c') => i < 2 || !is_ident_byte(bytes[i - 2]),
        Some(b) => !is_ident_byte(b),
    };
    if !starts_token {
        return None;
    }
    let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
    (bytes.get(i + 1 + hashes) == Some(&b'"')).then_some((hashes, i + 2 + hashes))
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// At `'`: the length of a character literal (`'a'`, `'\n'`, `'\u{1F600}'`,
/// `'é'`), or 1 for a lifetime or label.
fn char_literal_len(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i + 1) {
        Some(b'\\') => {
            let mut j = i + 2;
            while j < bytes.len() && j < i + 16 {
                j += 1;
                if bytes[j - 1] == b'\'' && j > i + 3 {
                    return j - i;
                }
            }
            1
        }
        Some(&first) => {
            let width = match first {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            if bytes.get(i + 1 + width) == Some(&b'\'') {
                width + 2
            } else {
                1
            }
        }
        None => 1,
    }
}

struct Visitor {
    parsed: ParsedFile,
    errors: Vec<syn::Error>,
    line_offset: usize,
}

impl<'ast> Visit<'ast> for Visitor {
    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        if let Some(attr) = item
            .attrs
            .iter()
            .find(|a| is_attribute(a, super::symbol::TABLE))
        {
            match table_def(attribute_args(attr), item) {
                Ok(def) => self
                    .parsed
                    .tables
                    .push(TableItem::new(def, self.line_offset)),
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
                Ok(def) => self.parsed.enums.push(EnumItem::new(def, self.line_offset)),
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
    pub at: Position,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Resolves the items of several files into one schema: enum column types
/// and foreign key targets are looked up by their Rust names, and names that
/// must be unique across the schema are checked.
pub fn resolve(files: &[ParsedFile]) -> Result<Schema, Vec<ResolveError>> {
    Resolution::of(files).finish(
        files
            .iter()
            .flat_map(|parsed| &parsed.tables)
            .map(|item| item.table.clone()),
    )
}

/// [`resolve`], moving the tables out of `files` instead of copying them.
pub fn resolve_owned(files: Vec<ParsedFile>) -> Result<Schema, Vec<ResolveError>> {
    let resolution = Resolution::of(&files);
    resolution.finish(
        files
            .into_iter()
            .flat_map(|parsed| parsed.tables)
            .map(|item| item.table),
    )
}

/// What resolving found, before the tables are taken: every problem, and
/// what to set on each table.
struct Resolution {
    errors: Vec<ResolveError>,
    namespaces: BTreeSet<String>,
    enums: Vec<model::Enum>,
    /// Per `#[table]` item, in file order: its closed enum column types and
    /// foreign keys; `None` for a table declared twice (the first
    /// declaration is kept).
    tables: Vec<Option<Closed>>,
    /// Where each kept table is declared, by namespace and name.
    declared_at: HashMap<(String, String), (usize, Position)>,
}

/// What a table's struct alone could not say.
struct Closed {
    /// Enum column types, by column index.
    enum_types: Vec<(usize, SqlType)>,
    foreign_keys: Vec<ForeignKey>,
}

impl Resolution {
    fn of(files: &[ParsedFile]) -> Self {
        let mut errors = Vec::new();
        let mut tables_by_ident: HashMap<&str, Vec<&TableItem>> = HashMap::new();
        let mut enums_by_ident: HashMap<&str, Vec<&EnumItem>> = HashMap::new();
        for parsed in files {
            for table in &parsed.tables {
                tables_by_ident.entry(&table.ident).or_default().push(table);
            }
            for item in &parsed.enums {
                enums_by_ident.entry(&item.ident).or_default().push(item);
            }
        }

        let mut namespaces = BTreeSet::new();
        let mut enums = Vec::new();
        let mut seen_enums = HashSet::new();
        for (file, parsed) in files.iter().enumerate() {
            for item in &parsed.enums {
                namespaces.insert(item.model.schema.to_string());
                if seen_enums.insert((&item.model.schema, &item.model.name)) {
                    enums.push(item.model.clone());
                } else {
                    errors.push(ResolveError {
                        file,
                        at: item.at,
                        message: format!(
                            "the enum type `{}.{}` is declared twice",
                            item.model.schema, item.model.name
                        ),
                    });
                }
            }
        }

        let mut tables = Vec::new();
        let mut declared_at = HashMap::new();
        for (file, parsed) in files.iter().enumerate() {
            for item in &parsed.tables {
                let table = &item.table;
                if !namespaces.contains(&*table.schema) {
                    namespaces.insert(table.schema.to_string());
                }
                let key = (table.schema.to_string(), table.name.to_string());
                let first = match declared_at.entry(key) {
                    Entry::Vacant(entry) => {
                        entry.insert((file, item.at));
                        true
                    }
                    Entry::Occupied(_) => false,
                };
                if !first {
                    errors.push(ResolveError {
                        file,
                        at: item.at,
                        message: format!(
                            "the table `{}.{}` is declared twice",
                            table.schema, table.name
                        ),
                    });
                }
                let mut enum_types = Vec::new();
                for enum_column in &item.enum_columns {
                    let ident = &enum_column.ident;
                    match unique_lookup(&enums_by_ident, ident) {
                        Lookup::One(found) => {
                            let column = &table.columns[enum_column.column];
                            enum_types.push((
                                enum_column.column,
                                SqlType::Enum {
                                    schema: found.model.schema.clone(),
                                    name: found.model.name.clone(),
                                },
                            ));
                            // A scalar's default is a label; an array's is an
                            // array literal (`"{}"`).
                            if let Some(DefaultValue::Literal(Literal::String(label))) = &column.default {
                                if column.array_dims == 0 && !found.model.values.iter().any(|v| v == label) {
                                    errors.push(ResolveError {
                                        file,
                                        at: enum_column.at,
                                        message: format!(
                                            "the default \"{label}\" of column `{}` is not a label of enum `{}`\nhelp: use one of: {}",
                                            column.name,
                                            found.model.name,
                                            found.model.values.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")
                                        ),
                                    });
                                }
                            }
                        }
                        Lookup::None => errors.push(ResolveError {
                            file,
                            at: enum_column.at,
                            message: format!(
                                "`{ident}` has no PostgreSQL column type: it is not a `#[pg_enum]` of the schema files\nhelp: give the column an explicit type with `#[column(sql_type = \"…\")]`, or put `#[pg_enum]` on `{ident}` in a schema file"
                            ),
                        }),
                        Lookup::Many => errors.push(ResolveError {
                            file,
                            at: enum_column.at,
                            message: format!("`{ident}` names more than one `#[pg_enum]` in the schema files: rename one"),
                        }),
                    }
                }
                let mut foreign_keys = Vec::new();
                for fk in &item.foreign_keys {
                    let target_ident = &fk.target;
                    let target = match unique_lookup(&tables_by_ident, target_ident) {
                        Lookup::One(target) => target,
                        Lookup::None => {
                            errors.push(ResolveError {
                                file,
                                at: fk.target_at,
                                message: format!("the foreign key `{}` references `{target_ident}`, which is not a `#[table]` struct of the schema files\nhelp: check the name, or move the `#[table] struct {target_ident}` into a file under the configured schema path", fk.name),
                            });
                            continue;
                        }
                        Lookup::Many => {
                            errors.push(ResolveError {
                                file,
                                at: fk.target_at,
                                message: format!("`{target_ident}` names more than one `#[table]` struct in the schema files: rename one"),
                            });
                            continue;
                        }
                    };
                    let mut references_columns = Vec::new();
                    for (field, at) in &fk.target_fields {
                        match target.fields.iter().position(|f| f == field) {
                            Some(i) => {
                                references_columns.push(target.table.columns[i].name.clone())
                            }
                            None => errors.push(ResolveError {
                                file,
                                at: *at,
                                message: format!("`{target_ident}` has no field `{field}`"),
                            }),
                        }
                    }
                    if references_columns.len() != fk.fields.len() {
                        continue;
                    }
                    if !target.table.is_foreign_key_target(&references_columns) {
                        errors.push(ResolveError {
                            file,
                            at: fk.target_at,
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
                            .map(|&i| item.table.columns[i].name.clone())
                            .collect(),
                        references_schema: target.table.schema.clone(),
                        references_table: target.table.name.clone(),
                        references_columns: Cow::Owned(references_columns),
                        on_delete: fk.on_delete,
                        on_update: fk.on_update,
                    });
                }
                tables.push(first.then_some(Closed {
                    enum_types,
                    foreign_keys,
                }));
            }
        }
        Self {
            errors,
            namespaces,
            enums,
            tables,
            declared_at,
        }
    }

    /// The schema of `tables`, the models of the `#[table]` items in file
    /// order, or every problem found.
    fn finish(
        self,
        tables: impl Iterator<Item = model::Table>,
    ) -> Result<Schema, Vec<ResolveError>> {
        let Self {
            mut errors,
            namespaces,
            enums,
            tables: closed,
            declared_at,
        } = self;
        let mut schema = Schema {
            namespaces: namespaces.into_iter().collect(),
            enums,
            tables: Vec::with_capacity(closed.len()),
        };
        for (mut table, closed) in tables.zip(closed) {
            let Some(closed) = closed else {
                continue;
            };
            if !closed.enum_types.is_empty() {
                let columns = table.columns.to_mut();
                for (column, sql_type) in closed.enum_types {
                    columns[column].sql_type = sql_type;
                }
            }
            table.foreign_keys = Cow::Owned(closed.foreign_keys);
            schema.tables.push(table);
        }
        schema.normalize();
        for (schema_name, name, table) in duplicate_relation_names(&schema) {
            // At the struct of the table holding the second use of the name.
            let (file, at) = declared_at
                .get(&(schema_name.clone(), table))
                .copied()
                .unwrap_or((0, Position::NONE));
            errors.push(ResolveError {
                file,
                at,
                message: format!("the name `{name}` is used by more than one table, index or key in schema `{schema_name}`; PostgreSQL needs them distinct\nhelp: give one of them another `name = \"…\"`"),
            });
        }
        if errors.is_empty() {
            Ok(schema)
        } else {
            Err(errors)
        }
    }
}

enum Lookup<T> {
    None,
    One(T),
    Many,
}

fn unique_lookup<T: Copy>(map: &HashMap<&str, Vec<T>>, key: &str) -> Lookup<T> {
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

/// Relation names (tables, key and unique indexes, indexes) used twice in one
/// namespace: the namespace, the name, and the table holding its second use.
pub(crate) fn duplicate_relation_names(schema: &Schema) -> Vec<(String, String, String)> {
    // Sized up front: growing it rehashes every name seen so far.
    let count = schema
        .tables
        .iter()
        .map(|t| 1 + usize::from(t.primary_key.is_some()) + t.uniques.len() + t.indexes.len())
        .sum();
    let mut seen = HashSet::with_capacity(count);
    let mut duplicates = Vec::new();
    for table in &schema.tables {
        let mut names: Vec<&str> = vec![&table.name];
        names.extend(table.primary_key.iter().map(|pk| &*pk.name));
        names.extend(table.uniques.iter().map(|u| &*u.name));
        names.extend(table.indexes.iter().map(|i| &*i.name));
        for name in names {
            if !seen.insert((&*table.schema, name)) {
                duplicates.push((
                    table.schema.to_string(),
                    name.to_owned(),
                    table.name.to_string(),
                ));
            }
        }
    }
    duplicates
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source large enough to be parsed in pieces, full of what a naive
    /// boundary scanner gets wrong: braces and quotes in strings, raw
    /// strings, characters and comments, lifetimes, doc comments and
    /// attributes before items, items that end in `;`.
    fn tricky_source(tables: usize) -> String {
        let mut source =
            String::from("//! Inner doc.\n#![allow(dead_code)]\n\nuse schema_macros::table;\n\n");
        source.push_str("#[pg_enum]\npub enum Mood {\n    Happy,\n    Sad,\n}\n\n");
        for i in 0..tables {
            source.push_str(&format!(
                r####"/// Table {i}: a doc comment with {{ and " in it.
/** A block doc {{ */
#[table(name = "t_{i}")]
#[derive(Debug)]
pub struct T{i} {{
    #[column(primary_key)]
    pub id: i64,
    /* a comment with }} and " and /* nested {{ */ */
    #[column(default_sql = "'{{}}'::text || ';'")]
    pub label: String,
    #[column(default = "x\"}}\
continued")]
    pub escaped: String,
    #[column(references(T{prev}::id))]
    pub parent: Option<i64>,
    pub mood: Mood,
}}

const C{i}: char = '{{';
const D{i}: char = '\'';
const S{i}: &str = r#"}} " {{"#;
static E{i}: &'static str = "}}";
fn f{i}<'a>(x: &'a str) -> &'a str {{ let _ = b'}}'; x }}
// }} a line comment
"####,
                prev = i.saturating_sub(1)
            ));
        }
        source
    }

    #[test]
    fn parsing_in_pieces_equals_parsing_whole() {
        let source = tricky_source(300);
        assert!(source.len() > 2 * PARALLEL_FROM_BYTES);
        let boundaries: Vec<(usize, usize)> = Boundaries::new(&source).collect();
        assert!(
            boundaries.len() > 300 * 6,
            "every item after the first starts a piece: {}",
            boundaries.len()
        );
        for &(offset, line) in &boundaries {
            assert_eq!(source[..offset].matches('\n').count(), line);
            assert!(offset == 0 || source.as_bytes()[offset - 1] == b'\n');
        }
        let whole = parse_piece(&source, 0).expect("parses whole");
        assert_eq!(whole.tables.len(), 300);
        // Cut at every boundary, each piece parses alone (no fallback to
        // the whole file) and together they are the whole file.
        let mut joined = ParsedFile::default();
        let mut cuts: Vec<(usize, usize)> = boundaries.clone();
        cuts.insert(0, (0, 0));
        cuts.push((source.len(), 0));
        for pair in cuts.windows(2) {
            let ((start, line), (end, _)) = (pair[0], pair[1]);
            let piece = parse_piece(&source[start..end], line)
                .unwrap_or_else(|e| panic!("piece at line {line} does not parse alone: {e}"));
            joined.tables.extend(piece.tables);
            joined.enums.extend(piece.enums);
        }
        assert_eq!(joined, whole);
        let pieces = parse_in_pieces(&[&source, &source], 3);
        assert_eq!(pieces.len(), 2);
        for piece in pieces {
            assert_eq!(piece.expect("parses in pieces"), whole);
        }
    }

    #[test]
    fn positions_from_pieces_are_positions_in_the_file() {
        let mut source = tricky_source(300);
        source.push_str("#[table]\npub struct Last {\n    #[column(references(Missing::id))]\n    pub other: i64,\n}\n");
        let parsed = parse_in_pieces(&[&source], 2).pop().expect("one file");
        let errors = resolve(&[parsed.expect("parses")]).expect_err("Missing is unknown");
        let line = source
            .lines()
            .position(|l| l.contains("Missing::id"))
            .expect("line")
            + 1;
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].at,
            Position {
                line,
                column: "    #[column(references(".len()
            }
        );
    }

    #[test]
    fn errors_in_a_piece_are_those_of_the_whole_file() {
        let mut source = tricky_source(300);
        let middle = source.len() / 2;
        let at = middle + source[middle..].find("pub id: i64").expect("field");
        source.replace_range(at..at + "pub id: i64".len(), "pub id: i64 i64");
        let errors = parse_in_pieces(&[&source], 2)
            .pop()
            .expect("one file")
            .expect_err("syntax error");
        assert_eq!(errors, parse_piece(&source, 0).expect_err("syntax error"));
        assert!(errors.0[0].at.line > 1000);
    }
}

//! PostgreSQL's own rules for the names it gives unnamed constraints, indexes
//! and sequences, reproduced byte for byte so that a name computed here always
//! equals the name the server reports back.
//!
//! The rules come from `makeObjectName`, `ChooseRelationName`,
//! `ChooseConstraintName` and `ChooseIndexNameAddition` in PostgreSQL's
//! `src/backend/commands/indexcmds.c` and `catalog/pg_constraint.c`:
//!
//! - a name is `name1_name2_label` (or `name1_label`), where `name2` is the
//!   key columns joined by `_`;
//! - when it would exceed 63 bytes (`NAMEDATALEN - 1`), the longer of `name1`
//!   and `name2` is shortened one byte at a time until it fits, never cutting
//!   a UTF-8 character in half;
//! - when the name is taken, the label gets a counter: `key`, `key1`, `key2`…
//!
//! Relation names (tables, indexes, sequences — and so primary keys and unique
//! constraints, which own an index) must be unique among relations of their
//! namespace; foreign key and check names only among constraints.

use std::collections::BTreeSet;

/// The longest identifier PostgreSQL keeps, in bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// `makeObjectName`: joins `name1`, `name2` and `label` with underscores,
/// shortening the longer of the two names until the result fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: Option<&str>) -> String {
    let mut overhead = 0;
    let mut name1_len = name1.len();
    let mut name2_len = 0;
    if let Some(name2) = name2 {
        name2_len = name2.len();
        overhead += 1;
    }
    if let Some(label) = label {
        overhead += label.len() + 1;
    }
    let available = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    while name1_len + name2_len > available {
        if name1_len > name2_len {
            name1_len -= 1;
        } else {
            name2_len -= 1;
        }
    }
    let mut name = String::with_capacity(MAX_IDENTIFIER_BYTES);
    name.push_str(clip_to_char_boundary(name1, name1_len));
    if let Some(name2) = name2 {
        name.push('_');
        name.push_str(clip_to_char_boundary(name2, name2_len));
    }
    if let Some(label) = label {
        name.push('_');
        name.push_str(label);
    }
    name
}

/// `pg_mbcliplen`: the longest prefix of at most `len` bytes that ends on a
/// character boundary.
fn clip_to_char_boundary(text: &str, len: usize) -> &str {
    let mut end = len.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `ChooseIndexNameAddition` / `ChooseForeignKeyConstraintNameAddition`: the
/// column names joined by `_`, each cut to 63 bytes, stopping once the result
/// reaches 64 bytes (the rest could never survive shortening).
pub fn column_name_addition<'a>(columns: impl IntoIterator<Item = &'a str>) -> String {
    let mut addition = String::new();
    for column in columns {
        if !addition.is_empty() {
            addition.push('_');
        }
        addition.push_str(clip_to_char_boundary(column, MAX_IDENTIFIER_BYTES));
        if addition.len() > MAX_IDENTIFIER_BYTES {
            break;
        }
    }
    addition
}

/// Truncates an identifier the way the server does when it is too long.
pub fn truncate_identifier(name: &str) -> &str {
    clip_to_char_boundary(name, MAX_IDENTIFIER_BYTES)
}

/// The names already taken in one namespace, for choosing new ones the way the
/// server does: relation names (tables, indexes, sequences) and constraint
/// names are tracked separately, as PostgreSQL checks `pg_class` for the first
/// and `pg_constraint` for the second.
#[derive(Clone, Debug, Default)]
pub struct NameScope {
    relations: BTreeSet<String>,
    constraints: BTreeSet<String>,
}

/// The kinds of generated name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// `table_pkey` — a relation (the key's index) and a constraint.
    PrimaryKey,
    /// `table_cols_key` — a relation (the index) and a constraint.
    Unique,
    /// `table_cols_idx` — a relation.
    Index,
    /// `table_cols_fkey` — a constraint.
    ForeignKey,
    /// `table_col_check` (or `table_check`) — a constraint.
    Check,
    /// `table_col_seq` — a relation (serial and identity sequences).
    Sequence,
}

impl NameKind {
    fn label(self) -> &'static str {
        match self {
            NameKind::PrimaryKey => "pkey",
            NameKind::Unique => "key",
            NameKind::Index => "idx",
            NameKind::ForeignKey => "fkey",
            NameKind::Check => "check",
            NameKind::Sequence => "seq",
        }
    }

    fn is_relation(self) -> bool {
        matches!(
            self,
            NameKind::PrimaryKey | NameKind::Unique | NameKind::Index | NameKind::Sequence
        )
    }

    fn is_constraint(self) -> bool {
        matches!(
            self,
            NameKind::PrimaryKey | NameKind::Unique | NameKind::ForeignKey | NameKind::Check
        )
    }
}

impl NameScope {
    /// An empty namespace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a relation name (a table, or an explicitly named index).
    pub fn take_relation(&mut self, name: &str) {
        self.relations.insert(name.to_owned());
    }

    /// Records an explicitly named constraint.
    pub fn take_constraint(&mut self, name: &str, kind: NameKind) {
        if kind.is_relation() {
            self.relations.insert(name.to_owned());
        }
        if kind.is_constraint() {
            self.constraints.insert(name.to_owned());
        }
    }

    fn is_taken(&self, name: &str, kind: NameKind) -> bool {
        (kind.is_relation() && self.relations.contains(name))
            || (kind.is_constraint() && self.constraints.contains(name))
    }

    /// Chooses the name the server would give an unnamed object of `kind` on
    /// `table` over `columns`, and records it as taken.
    pub fn choose(&mut self, table: &str, columns: &[&str], kind: NameKind) -> String {
        let addition = match kind {
            NameKind::PrimaryKey => None,
            NameKind::Check if columns.len() != 1 => None,
            _ => Some(column_name_addition(columns.iter().copied())),
        };
        let label = kind.label();
        let mut pass = 0;
        loop {
            let numbered;
            let label = if pass == 0 {
                label
            } else {
                numbered = format!("{label}{pass}");
                &numbered
            };
            let name = make_object_name(table, addition.as_deref(), Some(label));
            if !self.is_taken(&name, kind) {
                self.take_constraint(&name, kind);
                return name;
            }
            pass += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_joined() {
        assert_eq!(make_object_name("users", None, Some("pkey")), "users_pkey");
        assert_eq!(
            make_object_name("users", Some("email"), Some("key")),
            "users_email_key"
        );
    }

    #[test]
    fn the_longer_name_is_shortened_first() {
        let table = "t".repeat(60);
        let name = make_object_name(&table, Some("email"), Some("key"));
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_email_key", "t".repeat(53)));

        let column = "c".repeat(40);
        let table = "t".repeat(40);
        let name = make_object_name(&table, Some(&column), Some("fkey"));
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_{}_fkey", "t".repeat(29), "c".repeat(28)));
    }

    #[test]
    fn multibyte_characters_are_never_split() {
        let table = "é".repeat(40); // 80 bytes
        let name = make_object_name(&table, None, Some("pkey"));
        assert!(name.len() <= 63);
        assert!(name.ends_with("_pkey"));
        assert_eq!(name, format!("{}_pkey", "é".repeat(29)));
    }

    #[test]
    fn conflicts_get_a_counter() {
        let mut scope = NameScope::new();
        scope.take_relation("t");
        assert_eq!(scope.choose("t", &["a"], NameKind::Unique), "t_a_key");
        assert_eq!(scope.choose("t", &["a"], NameKind::Unique), "t_a_key1");
        assert_eq!(scope.choose("t", &["a"], NameKind::Index), "t_a_idx");
        assert_eq!(scope.choose("t", &["a"], NameKind::Index), "t_a_idx1");
        // Foreign keys live among constraints only.
        assert_eq!(scope.choose("t", &["a"], NameKind::ForeignKey), "t_a_fkey");
    }

    #[test]
    fn additions_stop_after_the_limit() {
        let long = "x".repeat(50);
        let addition = column_name_addition([long.as_str(), long.as_str(), "tail"]);
        assert_eq!(addition.len(), 101);
        assert!(!addition.contains("tail"));
    }
}

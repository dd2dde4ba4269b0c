//! `schema-cli check`, for CI: the migrations folder is intact (every
//! folder well formed, each snapshot naming the migration before it as its
//! parent — two branches that both added a migration are caught here — and
//! no generated `up.sql` edited since it was written) and the code equals
//! the last snapshot. Exit 0 when all holds, 1 with every finding otherwise.

use std::path::Path;

use schema_core::diff::{self, Hints};
use schema_core::migrations::{self, Migration};
use schema_core::model::Schema;

use crate::{config, source, Outcome};

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `check`.
pub fn run(config_path: Option<&Path>, _args: Args) -> anyhow::Result<Outcome> {
    let config = config::load(config_path)?;
    let schema = source::load_schema(&config.schema)?;
    let mut findings: Vec<String> = Vec::new();

    let list: Vec<Migration> = match migrations::read_dir(&config.out) {
        Ok(list) => list,
        Err(migrations::ReadError::NoFolder { .. }) => Vec::new(),
        Err(error) => {
            findings.push(format!("{error}\n  fix or remove that folder"));
            Vec::new()
        }
    };

    for mismatch in migrations::parent_mismatches(&list) {
        let found = mismatch.found.as_deref().unwrap_or("no parent");
        let expected = mismatch.expected.as_deref().unwrap_or("no parent");
        let sibling = list
            .iter()
            .find(|m| Some(m.id.as_str()) == mismatch.found.as_deref())
            .and_then(|parent| {
                list.iter().find(|m| {
                    m.parent.as_deref() == Some(parent.id.as_str())
                        && m.folder_name() != mismatch.migration
                })
            })
            .map(|m| format!(" (so does `{}`)", m.folder_name()))
            .unwrap_or_default();
        findings.push(format!(
            "migration `{}` was generated after `{found}`{sibling}, but `{expected}` comes before it: two branches each added a migration\n  fix: keep one branch's migrations; `schema-cli drop` the others (newest first, while not applied), then run `schema-cli generate` to redo their changes on top",
            mismatch.migration
        ));
    }

    for migration in &list {
        match migration.snapshot() {
            Ok(snapshot) => {
                if let Some(expected) = &snapshot.up_checksum {
                    if *expected != migration.checksum {
                        findings.push(format!(
                            "migration `{}`: up.sql was edited after it was generated\n  fix: restore it (migrations are never edited: add a new one with `schema-cli generate`, or `--custom` for hand-written SQL)",
                            migration.folder_name()
                        ));
                    }
                }
            }
            Err(error) => findings.push(error.to_string()),
        }
    }

    let last = match list.last() {
        Some(migration) => match migration.snapshot() {
            Ok(snapshot) => snapshot.schema,
            Err(_) => Schema::default(),
        },
        None => Schema::default(),
    };
    let drift = diff::diff(&last, &schema, &Hints::default());
    if !drift.is_empty() || !drift.candidates.is_empty() {
        let mut finding =
            "schema changed since the last migration: run `schema-cli generate`".to_owned();
        let statements = schema_core::sql::changes::render(&drift.changes);
        for statement in statements.iter().take(5) {
            finding.push_str("\n  ");
            finding.push_str(statement.sql.lines().next().unwrap_or_default());
        }
        if statements.len() > 5 {
            finding.push_str(&format!(
                "\n  … and {} more statements",
                statements.len() - 5
            ));
        }
        findings.push(finding);
    }

    if findings.is_empty() {
        println!(
            "ok: {} migration{}, chain intact, code matches the last snapshot",
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        );
        return Ok(Outcome::Success);
    }
    for finding in &findings {
        eprintln!("error: {finding}");
    }
    Ok(Outcome::Failure)
}

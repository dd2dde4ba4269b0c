//! Rename questions, shared by `generate` and `push`: a dropped and an added
//! object that look alike are never taken for a rename silently. Answers
//! come from flags, an answers file (the same flags, one per line), or a
//! prompt in a terminal; without a terminal the command exits 1 naming both
//! objects and the attribute that makes the rename explicit in code.

use std::borrow::Cow;
use std::io::IsTerminal as _;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _};
use schema_core::diff::{
    self, ColumnRename, Diff, Hints, Rename, RenameCandidate, SchemaRename, TableRef,
};
use schema_core::model::{Schema, DEFAULT_SCHEMA};

use crate::config::Config;

/// The rename answers a command accepts.
#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    /// Answer a rename question: the table `[SCHEMA.]OLD` is now `NEW`.
    #[arg(long = "rename-table", value_name = "[SCHEMA.]OLD=NEW")]
    rename_tables: Vec<String>,
    /// Answer a rename question: in `[SCHEMA.]TABLE` (its new name), the
    /// column `OLD` is now `NEW`.
    #[arg(long = "rename-column", value_name = "[SCHEMA.]TABLE.OLD=NEW")]
    rename_columns: Vec<String>,
    /// Answer a rename question: `[SCHEMA.]TABLE` or `[SCHEMA.]TABLE.COLUMN`
    /// was really dropped (its data goes), not renamed.
    #[arg(long = "not-renamed", value_name = "[SCHEMA.]TABLE[.COLUMN]")]
    not_renamed: Vec<String>,
    /// Answer: the namespace `OLD` is now `NEW` (also `renamed_schemas` in
    /// schema.toml).
    #[arg(long = "rename-schema", value_name = "OLD=NEW")]
    rename_schemas: Vec<String>,
    /// A file of answers: one `--rename-table …`, `--rename-column …`,
    /// `--rename-schema …` or `--not-renamed …` per line (`#` comments allowed).
    #[arg(long, value_name = "PATH")]
    answers: Option<PathBuf>,
}

/// The diff from `old` to `new` with every look-alike settled: by the answers
/// given (flags, an answers file, `renamed_schemas` in schema.toml), else by
/// asking in a terminal. `None` when a look-alike is left and there is no
/// terminal to ask: it has been reported, and the command exits 1. With
/// `unsettled_ok`, look-alikes stay drops and adds without a question.
pub fn settled_diff(
    args: &RenameArgs,
    config: &Config,
    old: &Schema,
    new: &Schema,
    unsettled_ok: bool,
) -> anyhow::Result<Option<Diff>> {
    let mut answers = Answers::from_args(args)?;
    for (to, from) in &config.renamed_schemas {
        answers.rename_schema(from, to);
    }
    loop {
        let diff = diff::diff(old, new, &answers.hints(old, new));
        if diff.candidates.is_empty() || unsettled_ok {
            return Ok(Some(diff));
        }
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            refuse_candidates(&diff.candidates);
            return Ok(None);
        }
        for candidate in &diff.candidates {
            answers.ask(candidate)?;
        }
    }
}

/// Names every look-alike and the attribute or flag that settles it.
fn refuse_candidates(candidates: &[RenameCandidate]) {
    eprintln!("error: the schema change is ambiguous and there is no terminal to ask:");
    for candidate in candidates {
        eprintln!("  - {candidate}: a rename, or a drop (its data lost) and an add?");
        eprintln!(
            "    if renamed, add `{}` in the code",
            candidate.attribute()
        );
        eprintln!("    (or pass `{}`)", answer_flag(candidate, true));
        eprintln!("    if not, pass `{}`", answer_flag(candidate, false));
    }
}

fn qualified_name(schema: &str, name: &str) -> String {
    if schema == DEFAULT_SCHEMA {
        name.to_owned()
    } else {
        format!("{schema}.{name}")
    }
}

fn answer_flag(candidate: &RenameCandidate, rename: bool) -> String {
    match (candidate, rename) {
        (
            RenameCandidate::Table {
                schema,
                dropped,
                added,
            },
            true,
        ) => {
            format!("--rename-table {}={added}", qualified_name(schema, dropped))
        }
        (
            RenameCandidate::Table {
                schema, dropped, ..
            },
            false,
        ) => {
            format!("--not-renamed {}", qualified_name(schema, dropped))
        }
        (
            RenameCandidate::Column {
                table,
                dropped,
                added,
            },
            true,
        ) => format!(
            "--rename-column {}.{dropped}={added}",
            qualified_name(&table.schema, &table.name)
        ),
        (RenameCandidate::Column { table, dropped, .. }, false) => format!(
            "--not-renamed {}.{dropped}",
            qualified_name(&table.schema, &table.name)
        ),
    }
}

/// Answers to rename questions, from flags, an answers file, or a prompt.
#[derive(Default)]
struct Answers {
    tables: Vec<Rename>,
    columns: Vec<ColumnRename>,
    schemas: Vec<SchemaRename>,
    not_renamed: Vec<Vec<String>>,
}

impl Answers {
    /// The answers given on the command line and in an answers file.
    fn from_args(args: &RenameArgs) -> anyhow::Result<Answers> {
        let mut answers = Answers::default();
        for value in &args.rename_tables {
            answers.add("--rename-table", value)?;
        }
        for value in &args.rename_columns {
            answers.add("--rename-column", value)?;
        }
        for value in &args.not_renamed {
            answers.add("--not-renamed", value)?;
        }
        for value in &args.rename_schemas {
            answers.add("--rename-schema", value)?;
        }
        if let Some(path) = &args.answers {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the answers file `{}`", path.display()))?;
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (flag, value) = line
                    .split_once(|c: char| c.is_whitespace() || c == '=')
                    .map(|(f, v)| (f, v.trim()))
                    .unwrap_or((line, ""));
                answers
                    .add(flag, value)
                    .with_context(|| format!("{}:{}", path.display(), i + 1))?;
            }
        }
        Ok(answers)
    }

    fn add(&mut self, flag: &str, value: &str) -> anyhow::Result<()> {
        let split_path =
            |path: &str| -> Vec<String> { path.split('.').map(str::to_owned).collect() };
        match flag {
            "--rename-table" => {
                let (from, to) = value
                    .split_once('=')
                    .ok_or_else(|| anyhow!("`--rename-table {value}`: expected `[SCHEMA.]OLD=NEW`"))?;
                let path = split_path(from);
                let (schema, from) = match path.as_slice() {
                    [name] => (DEFAULT_SCHEMA.to_owned(), name.clone()),
                    [schema, name] => (schema.clone(), name.clone()),
                    _ => bail!("`--rename-table {value}`: expected `[SCHEMA.]OLD=NEW`"),
                };
                self.tables.push(Rename { schema, from, to: to.to_owned() });
            }
            "--rename-column" => {
                let (from, to) = value
                    .split_once('=')
                    .ok_or_else(|| anyhow!("`--rename-column {value}`: expected `[SCHEMA.]TABLE.OLD=NEW`"))?;
                let path = split_path(from);
                let (schema, table, column) = match path.as_slice() {
                    [table, column] => (DEFAULT_SCHEMA.to_owned(), table.clone(), column.clone()),
                    [schema, table, column] => (schema.clone(), table.clone(), column.clone()),
                    _ => bail!("`--rename-column {value}`: expected `[SCHEMA.]TABLE.OLD=NEW`"),
                };
                self.columns.push(ColumnRename {
                    table: TableRef {
                        schema: Cow::Owned(schema),
                        name: Cow::Owned(table),
                    },
                    from: column,
                    to: to.to_owned(),
                });
            }
            "--not-renamed" => self.not_renamed.push(split_path(value)),
            "--rename-schema" => {
                let (from, to) = value
                    .split_once('=')
                    .filter(|(from, to)| !from.is_empty() && !to.is_empty())
                    .ok_or_else(|| anyhow!("`--rename-schema {value}`: expected `OLD=NEW`"))?;
                self.rename_schema(from, to);
            }
            other => bail!("unknown answer `{other}`: expected --rename-table, --rename-column, --rename-schema or --not-renamed"),
        }
        Ok(())
    }

    /// Records a namespace rename (from schema.toml's `renamed_schemas` or
    /// `--rename-schema`).
    fn rename_schema(&mut self, from: &str, to: &str) {
        let rename = SchemaRename {
            from: from.to_owned(),
            to: to.to_owned(),
        };
        if !self.schemas.contains(&rename) {
            self.schemas.push(rename);
        }
    }

    /// The hints for a diff: renames as given; a `--not-renamed` object turns
    /// every look-alike it is part of into a drop and an add.
    fn hints(&self, old: &Schema, new: &Schema) -> Hints {
        let mut hints = Hints {
            tables: self.tables.clone(),
            columns: self.columns.clone(),
            schemas: self.schemas.clone(),
            ..Hints::default()
        };
        if !self.not_renamed.is_empty() {
            hints.not_renames = diff::diff(old, new, &hints)
                .candidates
                .into_iter()
                .filter(|candidate| self.not_renamed.iter().any(|path| matches(candidate, path)))
                .collect();
        }
        hints
    }

    /// Asks in the terminal whether a look-alike is a rename.
    fn ask(&mut self, candidate: &RenameCandidate) -> anyhow::Result<()> {
        let question = match candidate {
            RenameCandidate::Table { dropped, added, .. } => {
                format!("Was table `{dropped}` renamed to `{added}`? (no: `{dropped}` is dropped with its rows)")
            }
            RenameCandidate::Column { table, dropped, added } => format!(
                "Was column `{table}.{dropped}` renamed to `{added}`? (no: `{dropped}` is dropped with its values)"
            ),
        };
        let renamed = dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()
            .context("cannot read the answer from the terminal")?;
        let flag = answer_flag(candidate, renamed);
        let (name, value) = flag.split_once(' ').unwrap_or((&flag, ""));
        self.add(name, value)?;
        if renamed {
            eprintln!(
                "hint: add `{}` in the code to record this rename",
                candidate.attribute()
            );
        }
        Ok(())
    }
}

fn matches(candidate: &RenameCandidate, path: &[String]) -> bool {
    let target: Vec<String> = match candidate {
        RenameCandidate::Table {
            schema, dropped, ..
        } => vec![schema.clone(), dropped.clone()],
        RenameCandidate::Column { table, dropped, .. } => {
            vec![
                table.schema.to_string(),
                table.name.to_string(),
                dropped.clone(),
            ]
        }
    };
    let with_default = {
        let mut p = vec![DEFAULT_SCHEMA.to_owned()];
        p.extend(path.iter().cloned());
        p
    };
    target == path || target == with_default
}

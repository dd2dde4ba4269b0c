//! Loading the schema from source: every `.rs` file of the configured path,
//! parsed with the same parser as `#[table]` (`schema_core::syntax`), then
//! resolved into one model. Errors point into the user's files as
//! `path:line:col: message`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _};
use schema_core::model::Schema;
use schema_core::syntax::{self, Position};

use crate::output::WithHint as _;

/// Lists the `.rs` files of `path` (the file itself, or a folder walked
/// recursively), sorted so that output never depends on directory order.
pub fn schema_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let metadata = std::fs::metadata(path)
        .map_err(|error| anyhow!("schema path `{}`: {error}", relative(path).display()))
        .hint("`schema` in schema.toml must name a .rs file or a folder of them")?;
    if metadata.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    collect(path, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(anyhow!(
            "the schema folder `{}` holds no .rs files",
            relative(path).display()
        ))
        .hint("point `schema` in schema.toml at the folder of your #[table] structs");
    }
    Ok(files)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read folder `{}`", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read folder `{}`", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        if kind.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// Parses and resolves the schema at `path`.
pub fn load_schema(path: &Path) -> anyhow::Result<Schema> {
    let files = schema_files(path)?;
    let mut texts = Vec::with_capacity(files.len());
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read `{}`", relative(file).display()))?;
        texts.push(text);
    }
    let sources: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut parsed = Vec::with_capacity(files.len());
    let mut report = String::new();
    for (file, result) in files.iter().zip(syntax::parse_files(&sources)) {
        match result {
            Ok(items) => parsed.push(items),
            Err(errors) => {
                for error in errors.0 {
                    let _ = writeln!(report, "{}", located(file, error.at, &error.message));
                }
            }
        }
    }
    if !report.is_empty() {
        return Err(errors_report(&report));
    }
    syntax::resolve_owned(parsed).map_err(|errors| {
        let mut report = String::new();
        for error in errors {
            let _ = writeln!(
                report,
                "{}",
                located(&files[error.file], error.at, &error.message)
            );
        }
        errors_report(&report)
    })
}

/// One error per problem: the first line becomes the error's message, every
/// further problem its own `error:` line, as the terminal shows them.
fn errors_report(report: &str) -> anyhow::Error {
    let mut text = String::new();
    for (i, block) in report.trim_end().split("\n").enumerate() {
        if i > 0 {
            text.push('\n');
            if !block.starts_with(' ') {
                text.push_str("error: ");
            }
        }
        text.push_str(block);
    }
    anyhow!("{text}")
}

/// `path:line:col: message`, with any `help:` lines of the message kept
/// below it. A position without a line (a schema-wide problem) gives
/// `path: message`.
pub fn located(path: &Path, at: Position, message: &str) -> String {
    let path = relative(path);
    let location = if at.line == 0 {
        format!("{}", path.display())
    } else {
        format!("{}:{}:{}", path.display(), at.line, at.column + 1)
    };
    let mut lines = message.lines();
    let mut out = format!("{location}: {}", lines.next().unwrap_or_default());
    for line in lines {
        out.push_str("\n    ");
        out.push_str(line);
    }
    out
}

/// `path` relative to the working directory when it lies below it, so
/// messages show `src/schema/user.rs` rather than a long absolute path.
pub fn relative(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

//! `schema.toml`: found from the working directory upward (or given with
//! `--config`), read strictly (unknown keys are errors), paths resolved
//! against the file's folder.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use serde::Deserialize;

use crate::output::WithHint as _;

/// The config file's name.
pub const FILE_NAME: &str = "schema.toml";

/// `schema.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    schema: String,
    #[serde(default = "default_out")]
    out: String,
    #[serde(default = "default_dialect")]
    dialect: String,
    #[serde(default)]
    url: Option<String>,
}

fn default_out() -> String {
    "migrations".to_owned()
}

fn default_dialect() -> String {
    "postgresql".to_owned()
}

/// A loaded configuration, paths absolute.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file.
    #[expect(dead_code, reason = "read by the database commands (issue #3)")]
    pub path: PathBuf,
    /// The schema: a `.rs` file or a folder of them.
    pub schema: PathBuf,
    /// The migrations folder.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by generate and migrate (issues #3, #4)")
    )]
    pub out: PathBuf,
    /// The database URL from the file, if any.
    #[expect(dead_code, reason = "read by the database commands (issue #3)")]
    pub url: Option<String>,
}

/// Loads `explicit`, or the nearest `schema.toml` from the working directory up.
pub fn load(explicit: Option<&Path>) -> anyhow::Result<Config> {
    let path = match explicit {
        Some(path) => {
            if !path.is_file() {
                return Err(anyhow!("config file `{}` does not exist", path.display()))
                    .hint("check the path given to `--config`");
            }
            path.to_path_buf()
        }
        None => find()?,
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    parse(&path, &text)
}

fn find() -> anyhow::Result<PathBuf> {
    let start = std::env::current_dir().context("cannot read the working directory")?;
    let mut dir = Some(start.as_path());
    while let Some(current) = dir {
        let candidate = current.join(FILE_NAME);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = current.parent();
    }
    Err(anyhow!(
        "no `{FILE_NAME}` in `{}` or any folder above it",
        start.display()
    ))
    .hint(format!(
        "create `{FILE_NAME}` at the project root with `schema = \"src/schema\"`, or pass `--config PATH`"
    ))
}

/// Parses the text of a config file at `path`.
pub fn parse(path: &Path, text: &str) -> anyhow::Result<Config> {
    let shown = crate::source::relative(path);
    let raw: RawConfig = toml::from_str(text)
        .map_err(|error| anyhow!("{}: {}", shown.display(), error.message().trim_end()))
        .map_err(|error| match locate(text, &error) {
            Some(line) => anyhow!("{}:{line}: {}", shown.display(), strip_path(&error, &shown)),
            None => error,
        })
        .hint("see the README's \"Configuration\" section for the keys schema.toml accepts")?;
    if raw.dialect != "postgresql" {
        bail!(
            "{}: dialect `{}` is not supported: this tool speaks `postgresql`",
            shown.display(),
            raw.dialect
        );
    }
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(Config {
        path: path.to_path_buf(),
        schema: base.join(&raw.schema),
        out: base.join(&raw.out),
        url: raw.url,
    })
}

fn strip_path(error: &anyhow::Error, path: &Path) -> String {
    let text = error.to_string();
    text.strip_prefix(&format!("{}: ", path.display()))
        .unwrap_or(&text)
        .to_owned()
}

/// Finds the line a toml error is about, from the key it names.
fn locate(text: &str, error: &anyhow::Error) -> Option<usize> {
    let message = error.to_string();
    let key = message.split('`').nth(1)?;
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.starts_with(key) && line[key.len()..].trim_start().starts_with('=')
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_file() {
        let config =
            parse(Path::new("/p/schema.toml"), "schema = \"src/schema\"\n").expect("valid");
        assert_eq!(config.schema, Path::new("/p/src/schema"));
        assert_eq!(config.out, Path::new("/p/migrations"));
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let error = parse(
            Path::new("/p/schema.toml"),
            "schema = \"s\"\nschemma = \"x\"\n",
        )
        .expect_err("unknown key");
        let text = crate::output::render_error(&error);
        assert!(text.contains("/p/schema.toml:2:"), "{text}");
        assert!(text.contains("schemma"), "{text}");
    }

    #[test]
    fn other_dialects_are_refused() {
        let error = parse(
            Path::new("/p/schema.toml"),
            "schema = \"s\"\ndialect = \"mysql\"\n",
        )
        .expect_err("mysql");
        assert!(error.to_string().contains("mysql"));
    }
}

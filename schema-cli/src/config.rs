//! `schema.toml`: found from the working directory upward (or given with
//! `--config`), read strictly (unknown keys are errors), paths resolved
//! against the file's folder. Also where the database URL comes from:
//! `--url`, `url` in schema.toml, `$DATABASE_URL`, then `DATABASE_URL` in a
//! `.env` file next to schema.toml.

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
    #[serde(default)]
    migrations_table: Option<String>,
    #[serde(default)]
    schema_filter: Option<Vec<String>>,
    #[serde(default)]
    renamed_schemas: std::collections::BTreeMap<String, String>,
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
    pub path: PathBuf,
    /// The schema: a `.rs` file or a folder of them.
    pub schema: PathBuf,
    /// The migrations folder.
    pub out: PathBuf,
    /// The database URL from the file, if any.
    pub url: Option<String>,
    /// The migrations tracking table from the file (`name` or `schema.name`).
    pub migrations_table: Option<String>,
    /// The namespaces `push` and `pull` manage; `None`: those the code uses,
    /// and `public`.
    pub schema_filter: Option<Vec<String>>,
    /// Namespace renames, new name → old name (`renamed_schemas`).
    pub renamed_schemas: std::collections::BTreeMap<String, String>,
}

/// The environment variable (and `.env` key) holding the database URL.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// Where a database URL was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    /// `--url`.
    Flag,
    /// `url` in schema.toml.
    ConfigFile,
    /// The `DATABASE_URL` environment variable.
    Environment,
    /// `DATABASE_URL` in this `.env` file.
    DotEnv(PathBuf),
}

impl Config {
    /// The database URL: `flag` (`--url`), else `url` in schema.toml, else
    /// `$DATABASE_URL`, else `DATABASE_URL` in the `.env` file next to
    /// schema.toml. Empty values count as unset.
    pub fn database_url(&self, flag: Option<&str>) -> anyhow::Result<(String, UrlSource)> {
        let given = |value: Option<&str>| value.filter(|v| !v.trim().is_empty()).map(str::to_owned);
        if let Some(url) = given(flag) {
            return Ok((url, UrlSource::Flag));
        }
        if let Some(url) = given(self.url.as_deref()) {
            return Ok((url, UrlSource::ConfigFile));
        }
        if let Some(url) = given(std::env::var(DATABASE_URL).ok().as_deref()) {
            return Ok((url, UrlSource::Environment));
        }
        let dotenv = self.path.with_file_name(".env");
        if let Some(url) = given(read_dotenv(&dotenv, DATABASE_URL)?.as_deref()) {
            return Ok((url, UrlSource::DotEnv(dotenv)));
        }
        Err(anyhow!("no database URL given"))
            .hint(format!(
                "give one in any of four ways, the first found wins: `--url postgres://USER:PASSWORD@HOST:PORT/DB`; \
                 `url = \"postgres://…\"` in `{}`; the {DATABASE_URL} environment variable; \
                 a `{DATABASE_URL}=postgres://…` line in `{}`",
                crate::source::relative(&self.path).display(),
                crate::source::relative(&dotenv).display()
            ))
    }
}

/// Reads `key` from a `.env` file: `KEY=VALUE` lines, `#` comments, an
/// optional `export ` prefix, surrounding quotes stripped. A missing file
/// is no value.
fn read_dotenv(path: &Path, key: &str) -> anyhow::Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read `{}`", path.display()))
        }
    };
    Ok(parse_dotenv(&text, key))
}

fn parse_dotenv(text: &str, key: &str) -> Option<String> {
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        if line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if name.trim() != key {
            continue;
        }
        let value = value.trim();
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|&q| {
                value
                    .strip_prefix(q)
                    .and_then(|rest| rest.find(q).map(|end| &rest[..end]))
            })
            .unwrap_or_else(|| match value.find(" #") {
                Some(comment) => value[..comment].trim_end(),
                None => value,
            });
        // The last assignment wins, as in a shell.
        found = Some(unquoted.to_owned());
    }
    found
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
        migrations_table: raw.migrations_table,
        schema_filter: raw.schema_filter,
        renamed_schemas: raw.renamed_schemas,
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
    fn dotenv_lines_are_key_value_with_quotes_stripped() {
        let text = "# comment\nOTHER=1\nexport DATABASE_URL = \"postgres://a:b@h/db\" # note\n";
        assert_eq!(
            parse_dotenv(text, "DATABASE_URL").as_deref(),
            Some("postgres://a:b@h/db")
        );
        assert_eq!(
            parse_dotenv("DATABASE_URL='x y'\n", "DATABASE_URL").as_deref(),
            Some("x y")
        );
        assert_eq!(
            parse_dotenv("DATABASE_URL=postgres://h/db # local\n", "DATABASE_URL").as_deref(),
            Some("postgres://h/db")
        );
        assert_eq!(
            parse_dotenv("#DATABASE_URL=x\nDATABASE_URLS=y\n", "DATABASE_URL"),
            None
        );
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

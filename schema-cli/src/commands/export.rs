//! `schema-cli export`: the DDL that creates the whole schema on an empty
//! database (an init script, as drizzle-kit's `export`), or its model as JSON.

use std::path::Path;

use schema_core::sql::ddl;

use crate::{config, source, Outcome};

/// Arguments of `export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value = "sql")]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    /// PostgreSQL DDL statements.
    Sql,
    /// The schema model as snapshot JSON.
    Json,
}

/// Runs `export`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Outcome> {
    let config = config::load(config_path)?;
    let schema = source::load_schema(&config.schema)?;
    let text = match args.format {
        Format::Sql => ddl::create_schema_script(&schema),
        Format::Json => schema.to_snapshot_json(),
    };
    print!("{text}");
    Ok(Outcome::Success)
}

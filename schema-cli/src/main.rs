//! `schema-cli`: the binary is glue. `main` parses arguments, calls
//! [`run`], prints `error: …` with one `caused by:` line per source and any
//! `hint:` lines, and picks the exit code: 0 success, 1 the command ran and
//! found the state wrong, 2 an error (bad input, config, usage).

mod commands;
mod config;
mod database;
mod output;
mod renames;
mod source;

use std::process::ExitCode;

/// Parsing schema files allocates a token tree per file: mimalloc takes a
/// large share off `generate` on big schemas (benchmarks/generate.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Code-first PostgreSQL schemas: migrations from `#[table]` structs.
#[derive(Debug, Parser)]
#[command(name = "schema-cli", version, about, long_about = None)]
struct Cli {
    /// Path to schema.toml (default: found from the working directory upward).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<std::path::PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Diff the code against the last migration and write a new migration.
    Generate(commands::generate::Args),
    /// For CI: the migrations folder is intact and the code matches its last snapshot.
    Check(commands::check::Args),
    /// Remove the newest migration, when the database has not applied it.
    Drop(commands::drop::Args),
    /// Change a (development) database to match the code directly, without a migration.
    Push(commands::push::Args),
    /// Read the database back into `#[table]` Rust source.
    Pull(commands::pull::Args),
    /// Print the DDL that creates the whole schema on an empty database.
    Export(commands::export::Args),
    /// Apply the pending migrations to the database, in order, each exactly once.
    Migrate(commands::migrate::Args),
    /// Show which migrations are applied, pending, modified, missing or out of order.
    Status(commands::status::Args),
}

/// What a command concluded, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: the command ran and found the state wrong.
    Failure,
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Generate(args) => commands::generate::run(cli.config.as_deref(), args),
        Command::Check(args) => commands::check::run(cli.config.as_deref(), args),
        Command::Drop(args) => commands::drop::run(cli.config.as_deref(), args),
        Command::Push(args) => commands::push::run(cli.config.as_deref(), args),
        Command::Pull(args) => commands::pull::run(cli.config.as_deref(), args),
        Command::Export(args) => commands::export::run(cli.config.as_deref(), args),
        Command::Migrate(args) => commands::migrate::run(cli.config.as_deref(), args),
        Command::Status(args) => commands::status::run(cli.config.as_deref(), args),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(error) => {
            output::print_error(&error);
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

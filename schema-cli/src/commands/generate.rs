//! `schema-cli generate [--name NAME] [--custom]`: the code's schema, diffed
//! against the last migration's snapshot, written as a new migration folder
//! (`up.sql`, `down.sql` = the reverse diff, `snapshot.json` naming its
//! parent). Nothing changed: says so and writes nothing.
//!
//! Renames are never guessed: a dropped and an added object that look alike
//! are asked about in a terminal; without one (CI), the command exits 1
//! naming both and the attribute that makes the rename explicit. Answers can
//! be given with `--rename-table`, `--rename-column`, `--not-renamed`, or an
//! answers file holding the same flags, one per line.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{anyhow, Context as _};
use schema_core::diff::{self, Diff};
use schema_core::migrations::{self, Migration, Snapshot, StagedMigration};
use schema_core::model::Schema;
use schema_core::sql::changes;

use crate::output::WithHint as _;
use crate::renames;
use crate::{config, source, Outcome};

/// Arguments of `generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The migration's name (its folder is `<id>_<name>`); derived from the
    /// changes when not given.
    #[arg(long)]
    name: Option<String>,
    /// Write an empty migration for hand-written SQL (a data backfill); the
    /// snapshot chain is kept.
    #[arg(long)]
    custom: bool,
    /// Answers to rename questions.
    #[command(flatten)]
    renames: renames::RenameArgs,
}

/// Runs `generate`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Outcome> {
    let config = config::load(config_path)?;
    // The migrations folder is read while the schema source is parsed.
    let (schema, migrations) = std::thread::scope(|scope| {
        let migrations = scope.spawn(|| read_migrations_and_snapshot(&config.out));
        let schema = source::load_schema(&config.schema);
        let migrations = migrations
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (schema, migrations)
    });
    let schema = schema?;
    let (existing, previous) = migrations?;
    let last = existing.last();
    if args.custom {
        return custom(&config, &args, &previous, &schema, existing);
    }
    if previous == schema {
        return Ok(nothing_to_generate((schema, previous, existing)));
    }

    // `snapshot.json`, the longest file to write, is the new schema whatever
    // the diff says: it is written while the diff, `up.sql` and `down.sql`
    // are made, in a staging folder named after the id (the folder's name
    // needs the diff), and the checksum of `up.sql` that heads it goes in
    // last.
    let id = migrations::new_id(last.map(|m| m.id.as_str()));
    let staged =
        StagedMigration::create(&config.out, &id).map_err(|e| cannot_write(&config, &id, e))?;
    let snapshot = Snapshot {
        id,
        parent: last.map(|m| m.id.clone()),
        up_checksum: None,
        schema,
    };
    let (made, pending) = std::thread::scope(|scope| {
        let json = scope.spawn(|| staged.write_snapshot_pending(&snapshot));
        let made = diff_and_write(&config, &args, &staged, &snapshot, &previous);
        let pending = json
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (made, pending)
    });
    // Unless written, the staging folder goes with `staged`.
    let (forward, (statement_count, losses)) = match made? {
        Made::Unsettled => return Ok(Outcome::Failure),
        Made::Nothing(forward) => {
            return Ok(nothing_to_generate((forward, snapshot, previous, existing)));
        }
        Made::Written {
            forward,
            up_checksum,
            counts,
        } => {
            pending
                .and_then(|pending| pending.finish(&up_checksum))
                .map_err(|e| cannot_write(&config, &snapshot.id, e))?;
            (forward, counts)
        }
    };
    let name = slug(
        &args
            .name
            .clone()
            .unwrap_or_else(|| derived_name(&forward, false)),
    );
    let folder = format!("{}_{name}", snapshot.id);
    let dir = staged
        .commit_as(&folder)
        .map_err(|e| cannot_write(&config, &folder, e))?;

    let shown = source::relative(&dir);
    println!("Wrote {}", shown.display());
    println!(
        "  {} statement{}{}",
        statement_count,
        if statement_count == 1 { "" } else { "s" },
        if forward.is_transactional() {
            ""
        } else {
            " (run outside a transaction: it adds enum labels)"
        }
    );
    for loss in &losses {
        eprintln!("warning: {loss}");
    }
    // The process ends after this command: freeing the models and changes
    // one allocation at a time (~100,000 for 1,000 tables) would only delay
    // the exit that returns their memory at once.
    std::mem::forget((forward, snapshot, previous, existing));
    Ok(Outcome::Success)
}

/// What [`diff_and_write`] made.
enum Made {
    /// A rename question was left unanswered (reported).
    Unsettled,
    /// The diff is empty: nothing was written.
    Nothing(Diff),
    /// `up.sql` and `down.sql` are written.
    Written {
        forward: Diff,
        /// The checksum of `up.sql`, for `snapshot.json`.
        up_checksum: String,
        /// The number of statements in `up.sql` and their data-loss
        /// warnings.
        counts: (usize, Vec<String>),
    },
}

/// The diff from `previous` to the snapshot's schema, its renames settled,
/// written into `staged` as `up.sql` and `down.sql`.
fn diff_and_write(
    config: &config::Config,
    args: &Args,
    staged: &StagedMigration,
    snapshot: &Snapshot,
    previous: &Schema,
) -> anyhow::Result<Made> {
    let Some(forward) =
        renames::settled_diff(&args.renames, config, previous, &snapshot.schema, false)?
    else {
        return Ok(Made::Unsettled);
    };
    if forward.is_empty() {
        return Ok(Made::Nothing(forward));
    }
    let (up, counts) = make_up_and_down(staged, &forward, &snapshot.schema, previous)
        .map_err(|e| cannot_write(config, &snapshot.id, e))?;
    Ok(Made::Written {
        forward,
        up_checksum: migrations::checksum(&up),
        counts,
    })
}

/// The error of a migration (`folder`, or its id while its name is not
/// known yet) that could not be written.
fn cannot_write(config: &config::Config, folder: &str, error: std::io::Error) -> anyhow::Error {
    anyhow!(
        "cannot write the migration `{folder}` in `{}`: {error}",
        source::relative(&config.out).display()
    )
}

/// Says there is nothing to generate; `keep` (the models) is left to the
/// process exit, which frees their memory at once.
fn nothing_to_generate<T>(keep: T) -> Outcome {
    println!("No schema changes since the last migration: nothing to generate.");
    std::mem::forget(keep);
    Outcome::Success
}

/// `generate --custom`: an empty migration for hand-written SQL, whose
/// snapshot is the previous one (the chain is kept).
fn custom(
    config: &config::Config,
    args: &Args,
    previous: &Schema,
    schema: &Schema,
    existing: Vec<Migration>,
) -> anyhow::Result<Outcome> {
    let Some(forward) = renames::settled_diff(&args.renames, config, previous, schema, true)?
    else {
        return Ok(Outcome::Failure);
    };
    let last = existing.last();
    let id = migrations::new_id(last.map(|m| m.id.as_str()));
    let name = slug(
        &args
            .name
            .clone()
            .unwrap_or_else(|| derived_name(&forward, true)),
    );
    let folder = format!("{id}_{name}");
    let cannot_write = |error| cannot_write(config, &folder, error);
    let staged = StagedMigration::create(&config.out, &folder).map_err(cannot_write)?;
    let snapshot = Snapshot {
        id,
        parent: last.map(|m| m.id.clone()),
        up_checksum: None,
        schema: previous.clone(),
    };
    let up = "-- A custom migration: write its SQL here. It keeps the snapshot chain;\n-- the schema it leaves must be the one in snapshot.json.\n";
    let down = "-- The reverse of this custom migration, if it has one.\n";
    staged
        .write(migrations::UP_FILE, up)
        .map_err(cannot_write)?;
    staged
        .write(migrations::DOWN_FILE, down)
        .map_err(cannot_write)?;
    staged.write_snapshot(&snapshot).map_err(cannot_write)?;
    let dir = staged.commit().map_err(cannot_write)?;
    println!("Wrote {}", source::relative(&dir).display());
    Ok(Outcome::Success)
}

/// Renders `forward` as `up.sql` and the reverse diff (`schema` back to
/// `previous`) as `down.sql`, writes both, and returns `up.sql` with the
/// number of its statements and their data-loss warnings.
fn make_up_and_down(
    staged: &StagedMigration,
    forward: &Diff,
    schema: &Schema,
    previous: &Schema,
) -> std::io::Result<(String, (usize, Vec<String>))> {
    let statements = render(&forward.changes);
    let up = changes::script(&statements, forward.is_transactional());
    let statement_count = statements.len();
    let losses: Vec<String> = statements.into_iter().filter_map(|s| s.data_loss).collect();
    staged.write(migrations::UP_FILE, &up)?;
    let backward = diff::diff(schema, previous, &forward.reverse_hints());
    staged.write(migrations::DOWN_FILE, &down_script(forward, &backward))?;
    Ok((up, (statement_count, losses)))
}

/// [`changes::render`] on two threads: statements depend on their change
/// only, so chunks of changes are rendered apart and put back in order.
fn render(changes: &[diff::Change]) -> Vec<changes::Statement> {
    const CHUNK: usize = 64;
    if changes.len() <= CHUNK {
        return changes::render(changes);
    }
    let chunks: Vec<&[diff::Change]> = changes.chunks(CHUNK).collect();
    let next = AtomicUsize::new(0);
    let render_chunks = || {
        let mut rendered = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = chunks.get(i) else {
                return rendered;
            };
            rendered.push((i, changes::render(chunk)));
        }
    };
    let mut rendered = std::thread::scope(|scope| {
        let other = scope.spawn(render_chunks);
        let mut rendered = render_chunks();
        rendered.extend(
            other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        );
        rendered
    });
    rendered.sort_unstable_by_key(|&(i, _)| i);
    rendered.into_iter().flat_map(|(_, chunk)| chunk).collect()
}

/// The migrations of `dir`, oldest first, and the schema of the newest
/// one's snapshot (empty when there is none).
fn read_migrations_and_snapshot(dir: &Path) -> anyhow::Result<(Vec<Migration>, Schema)> {
    let existing = read_migrations(dir)?;
    let previous = match existing.last() {
        Some(migration) => {
            migration
                .snapshot()
                .with_context(|| {
                    format!("cannot read the snapshot of `{}`", migration.folder_name())
                })?
                .schema
        }
        None => Schema::default(),
    };
    Ok((existing, previous))
}

/// The migrations on disk; none when the folder does not exist yet.
fn read_migrations(dir: &Path) -> anyhow::Result<Vec<Migration>> {
    // Only the newest snapshot is needed (read whole below); `check`
    // verifies the chain of all of them.
    match migrations::read_dir_for_apply(dir) {
        Ok(list) => Ok(list),
        Err(migrations::ReadError::NoFolder { .. }) => Ok(Vec::new()),
        Err(error) => {
            Err(error).hint("fix or remove the folder named above, then run the command again")
        }
    }
}

/// `down.sql`: the reverse diff, headed by a note for every piece of data the
/// up migration destroys and this one cannot bring back.
fn down_script(forward: &Diff, backward: &Diff) -> String {
    let mut script = String::new();
    let losses: Vec<String> = forward
        .changes
        .iter()
        .filter_map(|c| c.data_loss())
        .collect();
    let unrecoverable: Vec<&String> = losses.iter().filter(|l| l.starts_with("drops")).collect();
    if !unrecoverable.is_empty() {
        script.push_str(
            "-- This reverses the schema only: data the up migration destroyed is not restored.\n",
        );
        for loss in unrecoverable {
            script.push_str("--   up.sql ");
            script.push_str(loss);
            script.push('\n');
        }
        script.push('\n');
    }
    script.push_str(&changes::render_script(&backward.changes));
    script
}

/// A name describing the changes: the first few objects touched.
fn derived_name(diff: &Diff, custom: bool) -> String {
    if custom {
        return "custom".to_owned();
    }
    use diff::Change;
    let mut parts: Vec<String> = Vec::new();
    for change in &diff.changes {
        let part = match change {
            Change::CreateTable(t) => format!("create_{}", t.name),
            Change::DropTable(t) => format!("drop_{}", t.name),
            Change::RenameTable { to, .. } => format!("rename_to_{to}"),
            Change::CreateEnum(e) => format!("create_{}", e.name),
            Change::AddColumn { table, column } => format!("add_{}_{}", table.name, column.name),
            Change::DropColumn { table, column } => format!("drop_{}_{}", table.name, column),
            Change::RenameColumn { table, to, .. } => format!("rename_{}_{}", table.name, to),
            Change::AlterColumnType { table, column, .. } => {
                format!("alter_{}_{}", table.name, column)
            }
            _ => continue,
        };
        if !parts.contains(&part) {
            parts.push(part);
            // Two name the migration; a third only says there is more.
            if parts.len() == 3 {
                break;
            }
        }
    }
    match parts.len() {
        0 => "alter_schema".to_owned(),
        1..=2 => parts.join("_and_"),
        _ => format!("{}_and_more", parts[..2].join("_and_")),
    }
}

/// Lowercase ASCII letters, digits and single underscores, at most 60 chars.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let mut out = out.trim_end_matches('_').to_owned();
    out.truncate(60);
    let out = out.trim_end_matches('_').to_owned();
    if out.is_empty() {
        "migration".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_folder_names() {
        assert_eq!(slug("Add users & posts!"), "add_users_posts");
        assert_eq!(slug("___"), "migration");
        assert_eq!(slug("ünïcode"), "n_code");
    }
}

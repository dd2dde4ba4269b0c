//! `schema-cli push [--force] [--dry-run]`: the live database (introspected)
//! diffed against the code and changed to match it, in one transaction where
//! the changes allow. Before anything runs, every change that can lose data
//! is measured on the real rows (rows in a dropped table, values in a dropped
//! column, NULLs blocking SET NOT NULL, duplicates blocking a key); when any
//! would lose something, push refuses with exit 1 and the list, unless
//! `--force`. Only managed namespaces are read, the tracking table is never
//! touched, and objects the code does not manage are never dropped.

use std::path::Path;

use anyhow::{anyhow, Context as _};
use schema_core::diff::{self, Change, TableRef};
use schema_core::model::Schema;
use schema_core::sql::{changes, SqlWriter};
use tokio_postgres::Client;

use crate::database::{self, Session};
use crate::renames;
use crate::{config, source, Outcome};

/// Arguments of `push`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database URL (default: `url` in schema.toml, then $DATABASE_URL, then
    /// DATABASE_URL in the .env file next to schema.toml).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Apply even when changes lose data.
    #[arg(long)]
    force: bool,
    /// Print the SQL and what it would lose; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Tracking table to leave alone, `name` or `schema.name`.
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
    /// Answers to rename questions.
    #[command(flatten)]
    renames: renames::RenameArgs,
}

/// Runs `push`.
pub fn run(config_path: Option<&Path>, args: Args) -> anyhow::Result<Outcome> {
    let config = config::load(config_path)?;
    let code = source::load_schema(&config.schema)?;
    let table = database::tracking_table(&config, args.table.as_deref())?;
    let (url, _) = config.database_url(args.url.as_deref())?;
    let session = Session::connect(&url)?;
    let (live, _) = database::read_database(&session, &config, Some(&code), &table)?;
    let live = live.aligned_to(&code);

    let Some(plan) = renames::settled_diff(&args.renames, &config, &live, &code, false)? else {
        return Ok(Outcome::Failure);
    };

    if plan.is_empty() {
        println!("The database already matches the code: nothing to push.");
        return Ok(Outcome::Success);
    }

    let statements = changes::render(&plan.changes);
    let losses = session.run(|client| measure_losses(client, &live, &plan.changes))?;

    if args.dry_run {
        println!(
            "-- push --dry-run: {} statements, nothing applied",
            statements.len()
        );
        print!("{}", changes::render_script(&plan.changes));
        for loss in &losses {
            eprintln!("warning: {loss}");
        }
        return Ok(Outcome::Success);
    }
    if !losses.is_empty() && !args.force {
        eprintln!("error: pushing would lose data, so nothing was changed:");
        for loss in &losses {
            eprintln!("  - {loss}");
        }
        eprintln!("hint: review with `schema-cli push --dry-run`; apply anyway with `--force`, or write a migration that moves the data first");
        return Ok(Outcome::Failure);
    }

    session
        .run(|client| apply(client, &statements, plan.is_transactional()))
        .map_err(|error| anyhow!("{error}"))
        .context("push failed")?;
    println!(
        "Pushed {} statement{} to {}",
        statements.len(),
        if statements.len() == 1 { "" } else { "s" },
        session.masked_url
    );
    for loss in &losses {
        eprintln!("warning: {loss}");
    }
    Ok(Outcome::Success)
}

/// Runs the statements, all in one transaction when they allow it; on
/// failure nothing of a transactional push stays applied.
///
/// A transactional push sends its statements as one message (a
/// multi-statement simple query) between `BEGIN` and `COMMIT`: a round trip
/// per statement cost ~5 % of the server's time on a 1,000-table push
/// (BENCHMARKS.md, the push profile). When that message fails, the
/// transaction is rolled back and the statements run again one by one in a
/// new one, so the error names the statement that fails (and a failure that
/// does not repeat, such as a deadlock, does not fail the push).
async fn apply(
    client: &Client,
    statements: &[changes::Statement],
    transactional: bool,
) -> Result<(), String> {
    let describe = |sql: &str, error: tokio_postgres::Error| -> String {
        let detail = error
            .as_db_error()
            .map(|db| {
                let mut text = db.message().to_owned();
                if let Some(detail) = db.detail() {
                    text.push_str(&format!("\n  detail: {detail}"));
                }
                if let Some(hint) = db.hint() {
                    text.push_str(&format!("\n  hint: {hint}"));
                }
                text
            })
            .unwrap_or_else(|| error.to_string());
        format!("statement failed: {detail}\n  statement: {}", sql.trim())
    };
    if transactional {
        client
            .batch_execute("BEGIN")
            .await
            .map_err(|e| e.to_string())?;
        let script: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
        if client.batch_execute(&script.join("\n")).await.is_ok() {
            return client
                .batch_execute("COMMIT")
                .await
                .map_err(|e| e.to_string());
        }
        client
            .batch_execute("ROLLBACK")
            .await
            .map_err(|e| e.to_string())?;
        client
            .batch_execute("BEGIN")
            .await
            .map_err(|e| e.to_string())?;
        for statement in statements {
            if let Err(error) = client.batch_execute(&statement.sql).await {
                let _ = client.batch_execute("ROLLBACK").await;
                return Err(format!(
                    "{}\n  nothing was applied",
                    describe(&statement.sql, error)
                ));
            }
        }
        client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| e.to_string())
    } else {
        for (i, statement) in statements.iter().enumerate() {
            client.batch_execute(&statement.sql).await.map_err(|error| {
                format!(
                    "{}\n  the {i} statement(s) before it stay applied (they run outside a transaction)",
                    describe(&statement.sql, error)
                )
            })?;
        }
        Ok(())
    }
}

fn table_sql(table: &TableRef) -> String {
    let mut w = SqlWriter::<()>::new();
    w.push_qualified(&table.schema, &table.name);
    w.finish().0
}

fn ident(name: &str) -> String {
    schema_core::sql::quote_ident(name)
}

/// For a narrowing type change whose losses can be told apart: the
/// condition picking the values that do not fit the new type (with its
/// bound parameters, `$1`, `$2`) and what such a value is. `None`: every
/// non-NULL value is counted as at risk.
fn values_that_do_not_fit(
    column: &str,
    from: &diff::ColumnType,
    to: &diff::ColumnType,
) -> Option<(String, Vec<i64>, String)> {
    use schema_core::model::SqlType::*;
    if from.array_dims > 0 || to.array_dims > 0 {
        return None;
    }
    let base = |t: &schema_core::model::SqlType| t.serial_base().unwrap_or_else(|| t.clone());
    match (base(&from.sql_type), base(&to.sql_type)) {
        (
            Text | Varchar { .. } | Char { .. },
            Varchar { length: Some(n) } | Char { length: Some(n) },
        ) => Some((
            format!("char_length({column}) > $1::bigint"),
            vec![i64::from(n)],
            format!("value(s) longer than {n} character(s)"),
        )),
        (Text | Varchar { .. } | Char { .. }, Char { length: None }) => Some((
            format!("char_length({column}) > $1::bigint"),
            vec![1],
            "value(s) longer than 1 character".to_owned(),
        )),
        (BigInt | Integer, target @ (Integer | SmallInt)) => {
            let (low, high) = if target == SmallInt {
                (i64::from(i16::MIN), i64::from(i16::MAX))
            } else {
                (i64::from(i32::MIN), i64::from(i32::MAX))
            };
            Some((
                format!("{column}::bigint NOT BETWEEN $1::bigint AND $2::bigint"),
                vec![low, high],
                format!("value(s) outside {low}..={high}"),
            ))
        }
        (
            Numeric { .. } | SmallInt | Integer | BigInt,
            Numeric {
                precision: Some(precision),
                scale,
            },
        ) => {
            let scale = scale.unwrap_or(0);
            let digits = precision.saturating_sub(scale);
            Some((
                format!("abs({column}::numeric) >= power(10::numeric, $1::bigint) OR {column}::numeric <> round({column}::numeric, $2::bigint::int)"),
                vec![i64::from(digits), i64::from(scale)],
                format!("value(s) with more than {digits} digit(s) before the point or {scale} after it (too large, or rounded)"),
            ))
        }
        _ => None,
    }
}

/// For every change that can lose data on a table that exists, what it
/// would lose on the rows there now; changes that would lose nothing are
/// not listed.
async fn measure_losses(
    client: &Client,
    live: &Schema,
    plan: &[Change],
) -> anyhow::Result<Vec<String>> {
    let exists = |t: &TableRef| live.table(&t.schema, &t.name).is_some();
    let count = |sql: String| async move {
        client
            .query_one(&sql, &[])
            .await
            .map(|row| row.get::<_, i64>(0))
            .with_context(|| format!("cannot measure data loss with `{sql}`"))
    };
    let mut losses = Vec::new();
    for change in plan {
        match change {
            Change::DropTable(table) if exists(table) => {
                let n = count(format!("SELECT count(*) FROM {}", table_sql(table))).await?;
                if n > 0 {
                    losses.push(format!("drops table `{table}` holding {n} row(s)"));
                }
            }
            Change::DropColumn { table, column } if exists(table) => {
                let n = count(format!(
                    "SELECT count(*) FROM {} WHERE {} IS NOT NULL",
                    table_sql(table),
                    ident(column)
                ))
                .await?;
                if n > 0 {
                    losses.push(format!(
                        "drops column `{table}.{column}` holding {n} non-NULL value(s)"
                    ));
                }
            }
            Change::SetNotNull { table, column } if exists(table) => {
                let n = count(format!(
                    "SELECT count(*) FROM {} WHERE {} IS NULL",
                    table_sql(table),
                    ident(column)
                ))
                .await?;
                if n > 0 {
                    losses.push(format!(
                        "`{table}.{column}` becomes NOT NULL but {n} row(s) hold NULL"
                    ));
                }
            }
            Change::AddColumn { table, column }
                if exists(table)
                    && !column.nullable
                    && column.default.is_none()
                    && column.identity.is_none()
                    && column.generated.is_none()
                    && column.sql_type.serial_base().is_none() =>
            {
                let n = count(format!("SELECT count(*) FROM {}", table_sql(table))).await?;
                if n > 0 {
                    losses.push(format!("`{table}.{}` is added NOT NULL without a default but the table holds {n} row(s)", column.name));
                }
            }
            Change::AddUnique { table, unique } if exists(table) => {
                let columns: Vec<String> = unique.columns.iter().map(|c| ident(c)).collect();
                let n = count(format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {} GROUP BY {} HAVING count(*) > 1) AS duplicates",
                    table_sql(table),
                    columns.join(", ")
                ))
                .await?;
                if n > 0 {
                    losses.push(format!(
                        "unique constraint `{}` on `{table}`: {n} group(s) of duplicate rows",
                        unique.name
                    ));
                }
            }
            Change::AddPrimaryKey { table, key } if exists(table) => {
                let columns: Vec<String> = key.columns.iter().map(|c| ident(c)).collect();
                let nulls: Vec<String> = columns.iter().map(|c| format!("{c} IS NULL")).collect();
                let n = count(format!(
                    "SELECT (SELECT count(*) FROM (SELECT 1 FROM {t} GROUP BY {cols} HAVING count(*) > 1) AS d) + (SELECT count(*) FROM {t} WHERE {nulls})",
                    t = table_sql(table),
                    cols = columns.join(", "),
                    nulls = nulls.join(" OR ")
                ))
                .await?;
                if n > 0 {
                    losses.push(format!(
                        "primary key `{}` on `{table}`: {n} duplicate or NULL key(s)",
                        key.name
                    ));
                }
            }
            Change::AlterColumnType {
                table,
                column,
                from,
                to,
            } if exists(table) && diff::narrowing(from, to) => {
                let column_sql = ident(column);
                let change = format!(
                    "`{table}.{column}` changes from {} to {}",
                    schema_core::types::type_sql(&from.sql_type, from.array_dims),
                    schema_core::types::type_sql(&to.sql_type, to.array_dims)
                );
                let (condition, params, what) = match values_that_do_not_fit(&column_sql, from, to)
                {
                    Some(test) => test,
                    None => (
                        format!("{column_sql} IS NOT NULL"),
                        Vec::new(),
                        "value(s) to convert, which may fail or lose precision".to_owned(),
                    ),
                };
                let sql = format!(
                    "SELECT count(*) FROM {} WHERE {condition}",
                    table_sql(table)
                );
                let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                    params.iter().map(|p| p as _).collect();
                let n: i64 = client
                    .query_one(&sql, &params)
                    .await
                    .with_context(|| format!("cannot measure data loss with `{sql}`"))?
                    .get(0);
                if n > 0 {
                    losses.push(format!("{change}: {n} {what}"));
                }
            }
            Change::RecreateEnum {
                old, new, columns, ..
            } => {
                let dropped: Vec<String> = old
                    .values
                    .iter()
                    .filter(|v| !new.values.contains(v))
                    .map(|v| v.to_string())
                    .collect();
                if dropped.is_empty() {
                    continue;
                }
                for usage in columns.iter().filter(|u| exists(&u.table)) {
                    let test = if usage.array_dims > 0 {
                        format!("{}::text[] && $1::text[]", ident(&usage.column))
                    } else {
                        format!("{}::text = ANY($1::text[])", ident(&usage.column))
                    };
                    let sql = format!(
                        "SELECT count(*) FROM {} WHERE {test}",
                        table_sql(&usage.table)
                    );
                    let n: i64 = client
                        .query_one(&sql, &[&dropped])
                        .await
                        .with_context(|| format!("cannot measure data loss with `{sql}`"))?
                        .get(0);
                    if n > 0 {
                        losses.push(format!(
                            "{n} row(s) of `{}.{}` hold enum label(s) that are dropped: {}",
                            usage.table,
                            usage.column,
                            dropped.join(", ")
                        ));
                    }
                }
            }
            Change::DropEnum { .. } | Change::DropSchema { .. } => {}
            _ => {}
        }
    }
    Ok(losses)
}

//! Running queries with tokio-postgres (feature `postgres`).
//!
//! Contract: a query runs on an [`Executor`]. Plain tokio-postgres
//! `Client`s and `Transaction`s prepare the statement on every call (one
//! extra round trip: correct, not fast). [`CachedClient`] and
//! [`CachedTransaction`] keep a [`StatementCache`] per connection: each SQL
//! text is prepared once and its `Statement` reused, which is what
//! hand-written tokio-postgres code does with a statement prepared at start.
//!
//! Why a wrapper: tokio-postgres has no statement cache and a `Client`
//! cannot carry one, and a cache shared between connections would hand out
//! statements the other server session never prepared. Owning the client
//! next to its cache makes that mistake impossible; a transaction borrows
//! both (protocol-level prepared statements belong to the session and
//! survive a rollback, so statements prepared inside one stay valid).
//! The cache is keyed by the SQL text; after a schema change that alters a
//! cached statement's result, call [`StatementCache::clear`].

use std::collections::HashMap;
use std::future::Future;
use std::ops::Deref;
use std::sync::{Mutex, PoisonError};

use postgres_types::ToSql;
use tokio_postgres::error::DbError;
use tokio_postgres::{Client, Error, Row, Statement, Transaction};

use super::Query;
use crate::pg::{DecodeError, FromRow};

/// Something queries run on: a connection or a transaction.
pub trait Executor: Sync {
    /// A prepared statement for `sql`, from the cache when there is one.
    fn prepare_cached(&self, sql: &str) -> impl Future<Output = Result<Statement, Error>> + Send;

    /// Runs a prepared statement and collects its rows.
    fn query_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send;

    /// Runs a prepared statement; the number of rows it affected.
    fn execute_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<u64, Error>> + Send;
}

impl<E: Executor + ?Sized> Executor for &E {
    fn prepare_cached(&self, sql: &str) -> impl Future<Output = Result<Statement, Error>> + Send {
        (**self).prepare_cached(sql)
    }

    fn query_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send {
        (**self).query_prepared(statement, params)
    }

    fn execute_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        (**self).execute_prepared(statement, params)
    }
}

impl Executor for Client {
    fn prepare_cached(&self, sql: &str) -> impl Future<Output = Result<Statement, Error>> + Send {
        self.prepare(sql)
    }

    fn query_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send {
        self.query(statement, params)
    }

    fn execute_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        self.execute(statement, params)
    }
}

impl Executor for Transaction<'_> {
    fn prepare_cached(&self, sql: &str) -> impl Future<Output = Result<Statement, Error>> + Send {
        self.prepare(sql)
    }

    fn query_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send {
        self.query(statement, params)
    }

    fn execute_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        self.execute(statement, params)
    }
}

/// Prepared statements of one connection, by SQL text.
#[derive(Debug, Default)]
pub struct StatementCache {
    statements: Mutex<HashMap<String, Statement>>,
}

impl StatementCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many statements are cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no statement is cached.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Forgets every statement (they are closed on the server when dropped).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Statement>> {
        // The map stays consistent even if a holder panicked: every
        // operation on it is a single insert or lookup.
        self.statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The statement for `sql`, prepared on `db` the first time.
    async fn get<E: Executor>(&self, db: &E, sql: &str) -> Result<Statement, Error> {
        if let Some(statement) = self.lock().get(sql) {
            return Ok(statement.clone());
        }
        let statement = db.prepare_cached(sql).await?;
        self.lock().insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// A tokio-postgres client with its own [`StatementCache`].
#[derive(Debug)]
pub struct CachedClient<C = Client> {
    client: C,
    cache: StatementCache,
}

impl<C> CachedClient<C> {
    /// Wraps a client (or `&Client`) of one connection.
    pub fn new(client: C) -> Self {
        CachedClient {
            client,
            cache: StatementCache::new(),
        }
    }

    /// The statements prepared so far.
    pub fn cache(&self) -> &StatementCache {
        &self.cache
    }

    /// The client, for what the builder cannot say.
    pub fn into_inner(self) -> C {
        self.client
    }
}

impl<C> Deref for CachedClient<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.client
    }
}

impl CachedClient<Client> {
    /// Starts a transaction that shares this connection's cache.
    pub async fn transaction(&mut self) -> Result<CachedTransaction<'_>, Error> {
        let CachedClient { client, cache } = self;
        Ok(CachedTransaction {
            transaction: client.transaction().await?,
            cache,
        })
    }
}

impl<C: Executor + Send> Executor for CachedClient<C> {
    fn prepare_cached(&self, sql: &str) -> impl Future<Output = Result<Statement, Error>> + Send {
        self.cache.get(&self.client, sql)
    }

    fn query_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send {
        self.client.query_prepared(statement, params)
    }

    fn execute_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        self.client.execute_prepared(statement, params)
    }
}

/// A transaction of a [`CachedClient`], sharing its statement cache.
/// Dropped without [`commit`](Self::commit), it rolls back.
pub struct CachedTransaction<'a> {
    transaction: Transaction<'a>,
    cache: &'a StatementCache,
}

impl std::fmt::Debug for CachedTransaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedTransaction")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl CachedTransaction<'_> {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), Error> {
        self.transaction.commit().await
    }

    /// Rolls the transaction back.
    pub async fn rollback(self) -> Result<(), Error> {
        self.transaction.rollback().await
    }
}

impl<'a> Deref for CachedTransaction<'a> {
    type Target = Transaction<'a>;

    fn deref(&self) -> &Transaction<'a> {
        &self.transaction
    }
}

impl Executor for CachedTransaction<'_> {
    fn prepare_cached(&self, sql: &str) -> impl Future<Output = Result<Statement, Error>> + Send {
        self.cache.get(&self.transaction, sql)
    }

    fn query_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send {
        self.transaction.query_prepared(statement, params)
    }

    fn execute_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        self.transaction.execute_prepared(statement, params)
    }
}

/// A query that failed to run or whose rows did not decode.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The server rejected the statement, or the connection failed.
    #[error("query failed: {sql}")]
    Postgres {
        /// The statement's SQL text.
        sql: String,
        /// tokio-postgres's error (the server's message is in its source).
        #[source]
        source: Error,
    },
    /// A returned row did not decode into the Rust type.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// `fetch_one` found no row.
    #[error("expected one row, found none: {sql}")]
    NotFound {
        /// The statement's SQL text.
        sql: String,
    },
    /// `fetch_one` or `fetch_optional` found more than one row.
    #[error("expected at most one row, found {count}: {sql}")]
    TooManyRows {
        /// The statement's SQL text.
        sql: String,
        /// How many rows came back.
        count: usize,
    },
}

impl QueryError {
    /// The server's error (SQLSTATE, message, constraint…), when it sent one.
    pub fn as_db_error(&self) -> Option<&DbError> {
        match self {
            QueryError::Postgres { source, .. } => source.as_db_error(),
            _ => None,
        }
    }
}

async fn rows<Q: Query, E: Executor>(query: &Q, db: &E) -> Result<Vec<Row>, QueryError> {
    let sql = query.to_sql();
    let params: Vec<&(dyn ToSql + Sync)> = sql.params.iter().map(|p| p.as_to_sql()).collect();
    let failed = |source| QueryError::Postgres {
        sql: sql.text.clone(),
        source,
    };
    let statement = db.prepare_cached(&sql.text).await.map_err(failed)?;
    db.query_prepared(&statement, &params).await.map_err(failed)
}

pub(super) async fn fetch_all<Q, E>(query: &Q, db: &E) -> Result<Vec<Q::Row>, QueryError>
where
    Q: Query,
    Q::Row: FromRow,
    E: Executor,
{
    let rows = rows(query, db).await?;
    rows.iter()
        .map(|row| Q::Row::from_row(row).map_err(QueryError::from))
        .collect()
}

pub(super) async fn fetch_optional<Q, E>(query: &Q, db: &E) -> Result<Option<Q::Row>, QueryError>
where
    Q: Query,
    Q::Row: FromRow,
    E: Executor,
{
    let rows = rows(query, db).await?;
    match rows.as_slice() {
        [] => Ok(None),
        [row] => Ok(Some(Q::Row::from_row(row)?)),
        _ => Err(QueryError::TooManyRows {
            sql: query.to_sql().text,
            count: rows.len(),
        }),
    }
}

pub(super) async fn fetch_one<Q, E>(query: &Q, db: &E) -> Result<Q::Row, QueryError>
where
    Q: Query,
    Q::Row: FromRow,
    E: Executor,
{
    fetch_optional(query, db)
        .await?
        .ok_or_else(|| QueryError::NotFound {
            sql: query.to_sql().text,
        })
}

pub(super) async fn execute<Q: Query, E: Executor>(query: &Q, db: &E) -> Result<u64, QueryError> {
    let sql = query.to_sql();
    let params: Vec<&(dyn ToSql + Sync)> = sql.params.iter().map(|p| p.as_to_sql()).collect();
    let failed = |source| QueryError::Postgres {
        sql: sql.text.clone(),
        source,
    };
    let statement = db.prepare_cached(&sql.text).await.map_err(failed)?;
    db.execute_prepared(&statement, &params)
        .await
        .map_err(failed)
}

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

    /// Runs a prepared statement; its rows as they arrive.
    fn stream_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send;
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

    fn stream_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send {
        (**self).stream_prepared(statement, params)
    }
}

/// A tokio-postgres `Client` or `Transaction`: each call prepares its SQL
/// (no cache; see [`CachedClient`]).
macro_rules! executor_without_cache {
    ($($ty:ty),*) => {$(
        impl Executor for $ty {
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

            fn stream_prepared(
                &self,
                statement: &Statement,
                params: &[&(dyn ToSql + Sync)],
            ) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send {
                self.query_raw(statement, params.iter().copied())
            }
        }
    )*};
}

executor_without_cache!(Client, Transaction<'_>);

/// FxHash (rustc's hasher): the cache's keys are SQL texts this program
/// rendered, never attacker-chosen, and hashing a 500-byte text with it
/// costs a fraction of SipHash's time on every query.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

type Statements = HashMap<String, Statement, std::hash::BuildHasherDefault<FxHasher>>;

/// Prepared statements of one connection, by SQL text.
#[derive(Debug, Default)]
pub struct StatementCache {
    statements: Mutex<Statements>,
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Statements> {
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
    /// Runs `work` in a transaction sharing this connection's cache:
    /// commits on `Ok`, rolls back on `Err` or panic (see [`transaction`]).
    pub async fn transaction<T, E>(
        &mut self,
        work: impl for<'t> AsyncFnOnce(&'t CachedTransaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<QueryError>,
    {
        Begin::run_transaction(self, work).await
    }

    /// Starts a transaction that shares this connection's cache; finish it
    /// with [`CachedTransaction::commit`] (dropped, it rolls back).
    pub async fn begin(&mut self) -> Result<CachedTransaction<'_>, Error> {
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

    fn stream_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send {
        self.client.stream_prepared(statement, params)
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

    fn stream_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send {
        self.transaction.stream_prepared(statement, params)
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
    /// A prepared query's placeholder values do not fit its placeholders.
    #[error(transparent)]
    Placeholder(#[from] super::PlaceholderError),
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
    pub(super) fn postgres(sql: &str, source: Error) -> Self {
        QueryError::Postgres {
            sql: sql.to_owned(),
            source,
        }
    }

    /// The server's error (SQLSTATE, message, constraint…), when it sent one.
    pub fn as_db_error(&self) -> Option<&DbError> {
        match self {
            QueryError::Postgres { source, .. } => source.as_db_error(),
            _ => None,
        }
    }
}

/// Decodes one row (by [`FromRow`], or a raw query's own decoding).
pub(super) type Decode<R> = fn(&Row) -> Result<R, DecodeError>;

/// The statement for `text` on `db`, its failure naming the SQL.
async fn statement<E: Executor>(db: &E, text: &str) -> Result<Statement, QueryError> {
    db.prepare_cached(text)
        .await
        .map_err(|source| QueryError::postgres(text, source))
}

pub(super) async fn rows<E: Executor>(
    db: &E,
    text: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, QueryError> {
    let statement = statement(db, text).await?;
    db.query_prepared(&statement, params)
        .await
        .map_err(|source| QueryError::postgres(text, source))
}

pub(super) async fn fetch_all_with<E: Executor, R>(
    db: &E,
    text: &str,
    params: &[&(dyn ToSql + Sync)],
    decode: Decode<R>,
) -> Result<Vec<R>, QueryError> {
    let rows = rows(db, text, params).await?;
    rows.iter()
        .map(|row| decode(row).map_err(QueryError::from))
        .collect()
}

pub(super) async fn fetch_optional_with<E: Executor, R>(
    db: &E,
    text: &str,
    params: &[&(dyn ToSql + Sync)],
    decode: Decode<R>,
) -> Result<Option<R>, QueryError> {
    let rows = rows(db, text, params).await?;
    match rows.as_slice() {
        [] => Ok(None),
        [row] => Ok(Some(decode(row)?)),
        _ => Err(QueryError::TooManyRows {
            sql: text.to_owned(),
            count: rows.len(),
        }),
    }
}

pub(super) async fn fetch_one_with<E: Executor, R>(
    db: &E,
    text: &str,
    params: &[&(dyn ToSql + Sync)],
    decode: Decode<R>,
) -> Result<R, QueryError> {
    fetch_optional_with(db, text, params, decode)
        .await?
        .ok_or_else(|| QueryError::NotFound {
            sql: text.to_owned(),
        })
}

pub(super) async fn execute_with<E: Executor>(
    db: &E,
    text: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, QueryError> {
    let statement = statement(db, text).await?;
    db.execute_prepared(&statement, params)
        .await
        .map_err(|source| QueryError::postgres(text, source))
}

pub(super) async fn fetch_stream_with<E: Executor, R>(
    db: &E,
    text: &str,
    params: &[&(dyn ToSql + Sync)],
    decode: Decode<R>,
) -> Result<RowStream<R>, QueryError> {
    let statement = statement(db, text).await?;
    let rows = db
        .stream_prepared(&statement, params)
        .await
        .map_err(|source| QueryError::postgres(text, source))?;
    Ok(RowStream {
        rows: Box::pin(rows),
        decode,
        sql: text.into(),
    })
}

/// The bound values of a rendered query, as tokio-postgres takes them.
fn to_sql_params<'a>(params: &'a [&'a dyn super::Value]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p.as_to_sql()).collect()
}

pub(super) async fn fetch_all<Q, E>(query: &Q, db: &E) -> Result<Vec<Q::Row>, QueryError>
where
    Q: Query,
    Q::Row: FromRow,
    E: Executor,
{
    let sql = query.to_sql();
    fetch_all_with(db, &sql.text, &to_sql_params(&sql.params), Q::Row::from_row).await
}

pub(super) async fn fetch_optional<Q, E>(query: &Q, db: &E) -> Result<Option<Q::Row>, QueryError>
where
    Q: Query,
    Q::Row: FromRow,
    E: Executor,
{
    let sql = query.to_sql();
    fetch_optional_with(db, &sql.text, &to_sql_params(&sql.params), Q::Row::from_row).await
}

pub(super) async fn fetch_one<Q, E>(query: &Q, db: &E) -> Result<Q::Row, QueryError>
where
    Q: Query,
    Q::Row: FromRow,
    E: Executor,
{
    let sql = query.to_sql();
    fetch_one_with(db, &sql.text, &to_sql_params(&sql.params), Q::Row::from_row).await
}

pub(super) async fn execute<Q: Query, E: Executor>(query: &Q, db: &E) -> Result<u64, QueryError> {
    let sql = query.to_sql();
    execute_with(db, &sql.text, &to_sql_params(&sql.params)).await
}

pub(super) async fn fetch_stream<Q, E>(query: &Q, db: &E) -> Result<RowStream<Q::Row>, QueryError>
where
    Q: Query,
    Q::Row: FromRow,
    E: Executor,
{
    let sql = query.to_sql();
    fetch_stream_with(db, &sql.text, &to_sql_params(&sql.params), Q::Row::from_row).await
}

/// The rows of a query as the server sends them, each decoded on arrival
/// (from `fetch_stream`): for results too large to collect. Holds no borrow
/// of the connection; the connection serves other queries only after the
/// stream is read to its end or dropped.
///
/// ```text
/// let mut rows = Resume::select().fetch_stream(&db).await?;
/// while let Some(resume) = rows.next().await {
///     let resume = resume?;
/// }
/// ```
#[must_use = "a stream does nothing unless read"]
pub struct RowStream<R> {
    rows: std::pin::Pin<Box<tokio_postgres::RowStream>>,
    decode: Decode<R>,
    sql: Box<str>,
}

impl<R> std::fmt::Debug for RowStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("sql", &self.sql)
            .finish_non_exhaustive()
    }
}

impl<R> RowStream<R> {
    /// The next row, `None` after the last one.
    pub async fn next(&mut self) -> Option<Result<R, QueryError>> {
        std::future::poll_fn(|cx| self.poll_row(cx)).await
    }

    /// How many rows the statement touched, once the stream has ended.
    pub fn rows_affected(&self) -> Option<u64> {
        self.rows.rows_affected()
    }

    fn poll_row(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<R, QueryError>>> {
        use futures_core::Stream as _;
        self.rows.as_mut().poll_next(cx).map(|row| {
            row.map(|row| match row {
                Ok(row) => (self.decode)(&row).map_err(QueryError::from),
                Err(source) => Err(QueryError::postgres(&self.sql, source)),
            })
        })
    }
}

impl<R> futures_core::Stream for RowStream<R> {
    type Item = Result<R, QueryError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.get_mut().poll_row(cx)
    }
}

/// A connection that can open a transaction: a tokio-postgres `Client`, a
/// [`CachedClient`], or (feature `deadpool`) a pooled client.
pub trait Begin: Send + 'static {
    /// The open transaction; queries run on it as on the connection.
    type Transaction<'a>: Executor + Send
    where
        Self: 'a;

    /// `BEGIN`.
    fn begin(&mut self) -> impl Future<Output = Result<Self::Transaction<'_>, Error>> + Send;

    /// `COMMIT`.
    fn commit<'a>(
        transaction: Self::Transaction<'a>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a
    where
        Self: 'a;

    /// `ROLLBACK`.
    fn rollback<'a>(
        transaction: Self::Transaction<'a>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a
    where
        Self: 'a;

    /// Runs `work` in a transaction (see [`transaction`]). Each connection
    /// type has its own copy of the body (`run_transaction!`), so whether
    /// the future is `Send` is decided on concrete types. `work` takes the
    /// transaction at any lifetime: rustc's `Send` check of a spawned
    /// future needs the closure that general.
    #[doc(hidden)]
    fn run_transaction<'c, T, E, F>(
        &'c mut self,
        work: F,
    ) -> impl Future<Output = Result<T, E>> + 'c
    where
        Self: 'c,
        F: AsyncFnOnce(&Self::Transaction<'_>) -> Result<T, E> + 'c,
        E: From<QueryError> + 'c,
        T: 'c;
}

/// The body of [`Begin::run_transaction`], written out in each impl.
macro_rules! run_transaction {
    () => {
        fn run_transaction<'c, T, E, F>(
            &'c mut self,
            work: F,
        ) -> impl Future<Output = Result<T, E>> + 'c
        where
            Self: 'c,
            F: AsyncFnOnce(&Self::Transaction<'_>) -> Result<T, E> + 'c,
            E: From<QueryError> + 'c,
            T: 'c,
        {
            async move {
                let tx = Self::begin(self)
                    .await
                    .map_err(|source| QueryError::postgres("BEGIN", source))?;
                match work(&tx).await {
                    Ok(value) => {
                        Self::commit(tx)
                            .await
                            .map_err(|source| QueryError::postgres("COMMIT", source))?;
                        Ok(value)
                    }
                    Err(error) => {
                        // The work's error is the one to report; a failed
                        // rollback means the connection is gone, and the
                        // server rolls back.
                        let _ = Self::rollback(tx).await;
                        Err(error)
                    }
                }
            }
        }
    };
}
#[cfg(feature = "deadpool")]
pub(super) use run_transaction;

impl Begin for Client {
    type Transaction<'a> = Transaction<'a>;

    fn begin(&mut self) -> impl Future<Output = Result<Transaction<'_>, Error>> + Send {
        Client::transaction(self)
    }

    fn commit<'a>(
        transaction: Transaction<'a>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a
    where
        Self: 'a,
    {
        transaction.commit()
    }

    fn rollback<'a>(
        transaction: Transaction<'a>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a
    where
        Self: 'a,
    {
        transaction.rollback()
    }

    run_transaction!();
}

impl Begin for CachedClient<Client> {
    type Transaction<'a> = CachedTransaction<'a>;

    fn begin(&mut self) -> impl Future<Output = Result<CachedTransaction<'_>, Error>> + Send {
        CachedClient::begin(self)
    }

    fn commit<'a>(
        transaction: CachedTransaction<'a>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a
    where
        Self: 'a,
    {
        transaction.commit()
    }

    fn rollback<'a>(
        transaction: CachedTransaction<'a>,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a
    where
        Self: 'a,
    {
        transaction.rollback()
    }

    run_transaction!();
}

/// Runs `work` in a transaction on `db`: commits when it returns `Ok`, rolls
/// back when it returns `Err` (and returns that error). When `work` panics
/// the transaction is dropped unfinished, and tokio-postgres sends
/// `ROLLBACK` ahead of anything else on the connection.
///
/// ```text
/// let resume = transaction(&mut client, async |tx| {
///     let resume = Resume::insert(row).returning().fetch_one(tx).await?;
///     User::update().set(User::updated_at, now).filter(User::id.eq(id)).execute(tx).await?;
///     Ok::<_, QueryError>(resume)
/// })
/// .await?;
/// ```
pub fn transaction<'c, C, F, T, E>(
    db: &'c mut C,
    work: F,
) -> impl Future<Output = Result<T, E>> + 'c
where
    C: Begin,
    F: AsyncFnOnce(&C::Transaction<'_>) -> Result<T, E> + 'c,
    E: From<QueryError> + 'c,
    T: 'c,
{
    db.run_transaction(work)
}

//! deadpool-postgres pooled clients (feature `deadpool`): a pooled client
//! and its transactions are [`Executor`]s, and a pooled client is a
//! [`Begin`] for [`transaction`](super::transaction).
//!
//! Statements are prepared through deadpool's own per-connection cache
//! (`prepare_cached`), which lives as long as the pooled connection: a
//! statement is prepared once per connection, not once per checkout.

use std::future::Future;

use deadpool_postgres::{Object, Transaction};
use postgres_types::ToSql;
use tokio_postgres::{Error, Row, RowStream, Statement};

use super::{Begin, Executor, QueryError};

impl Executor for Object {
    fn prepare_cached(&self, sql: &str) -> impl Future<Output = Result<Statement, Error>> + Send {
        (**self).prepare_cached(sql)
    }

    fn query_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send {
        (***self).query(statement, params)
    }

    fn execute_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        (***self).execute(statement, params)
    }

    fn stream_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<RowStream, Error>> + Send {
        (***self).query_raw(statement, params.iter().copied())
    }
}

impl Executor for Transaction<'_> {
    fn prepare_cached(&self, sql: &str) -> impl Future<Output = Result<Statement, Error>> + Send {
        Transaction::prepare_cached(self, sql)
    }

    fn query_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send {
        (**self).query(statement, params)
    }

    fn execute_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<u64, Error>> + Send {
        (**self).execute(statement, params)
    }

    fn stream_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<RowStream, Error>> + Send {
        (**self).query_raw(statement, params.iter().copied())
    }
}

impl Begin for Object {
    type Transaction<'a> = Transaction<'a>;

    fn begin(&mut self) -> impl Future<Output = Result<Transaction<'_>, Error>> + Send {
        (**self).transaction()
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

    super::exec::run_transaction!();
}

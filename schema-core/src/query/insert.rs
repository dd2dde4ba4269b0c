//! `INSERT`: [`Insert`] keeps its rows as bound values and renders them
//! through the one [`SqlWriter`] in [`Query::write_sql`].

use std::marker::PhantomData;

use super::statement::{write_returning, write_table, Returning};
use super::value::{Param, RowValues, Value};
use super::Query;
use crate::sql::SqlWriter;
use crate::Table;

/// `INSERT` of one whole row of `T`, every column bound; `R` is what each
/// returned row decodes to (`()` until [`Insert::returning`]).
#[must_use = "a query does nothing until it is executed"]
pub struct Insert<T, R = ()> {
    values: Vec<Param>,
    marker: PhantomData<fn() -> (T, R)>,
}

impl<T: RowValues> Insert<T> {
    pub(crate) fn new(row: T) -> Self {
        Insert {
            values: row.__into_values(),
            marker: PhantomData,
        }
    }

    /// `RETURNING` every column: the stored row, defaults and triggers applied.
    pub fn returning(self) -> Insert<T, T> {
        Insert {
            values: self.values,
            marker: PhantomData,
        }
    }
}

impl<T: Table, R: Returning> Query for Insert<T, R> {
    type Row = R;

    fn write_sql<'q>(&'q self, w: &mut SqlWriter<&'q dyn Value>) {
        w.push_sql("INSERT INTO ");
        write_table::<T>(w);
        w.push_sql(" (");
        w.push_ident_list(T::TABLE.columns.iter().map(|c| &*c.name));
        w.push_sql(") VALUES (");
        for (i, value) in self.values.iter().enumerate() {
            if i > 0 {
                w.push_sql(", ");
            }
            w.push_bind(&**value);
        }
        w.push_sql(")");
        write_returning::<T>(w, R::RETURNING);
    }
}

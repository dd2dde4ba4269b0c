use schema_core::Table;
use schema_macros::table;

/// Readable from PostgreSQL, but not writable (no `ToSql`).
#[derive(Debug)]
pub struct ReadOnly(String);

impl<'a> tokio_postgres::types::FromSql<'a> for ReadOnly {
    fn from_sql(
        ty: &tokio_postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        String::from_sql(ty, raw).map(ReadOnly)
    }

    fn accepts(ty: &tokio_postgres::types::Type) -> bool {
        <String as tokio_postgres::types::FromSql>::accepts(ty)
    }
}

// The table itself compiles: only `insert` needs every field to be bindable.
#[table]
pub struct Note {
    #[column(primary_key)]
    pub id: i64,
    #[column(sql_type = "text")]
    pub body: ReadOnly,
}

fn main() {
    let _ = Note::select().filter(Note::id.eq(1));
    let _ = Note::insert(Note { id: 1, body: ReadOnly(String::new()) });
}

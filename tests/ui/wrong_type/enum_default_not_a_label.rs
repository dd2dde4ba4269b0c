use schema_macros::{pg_enum, table};

#[pg_enum]
#[derive(Clone, Copy, Debug)]
pub enum Status {
    Pending,
    Done,
}

#[table]
pub struct Task {
    #[column(primary_key)]
    pub id: i64,
    #[column(default = "bogus")]
    pub status: Status,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key, unique)]
    pub id: i64,
}

fn main() {}

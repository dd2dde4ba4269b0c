use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key)]
    pub id: Option<i64>,
}

fn main() {}

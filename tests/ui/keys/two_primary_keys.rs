use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(primary_key)]
    pub email: String,
}

fn main() {}

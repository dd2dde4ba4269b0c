use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key, identity(alwyas))]
    pub id: i64,
}

fn main() {}

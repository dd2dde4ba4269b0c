use schema_macros::table;

#[table]
pub struct User {
    #[column]
    pub id: i64,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key, default = 1, identity)]
    pub id: i64,
}

fn main() {}

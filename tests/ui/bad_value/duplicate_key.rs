use schema_macros::table;

#[table]
pub struct User {
    #[column(name = "user_id", name = "uid")]
    pub id: i64,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    #[column(name = "")]
    pub id: i64,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    pub id: i64,
    #[column(index(uniqe))]
    pub email: String,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
}

#[table]
pub struct Post {
    #[column(references(User))]
    pub user_id: i64,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key)]
    pub id: String,
}

#[table]
pub struct Post {
    #[column(references(User::id))]
    pub user_id: i32,
}

fn main() {}

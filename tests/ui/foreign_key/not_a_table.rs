use schema_macros::table;

pub struct User {
    pub id: i64,
}

#[table]
pub struct Post {
    #[column(references(User::id))]
    pub user_id: i64,
}

fn main() {}

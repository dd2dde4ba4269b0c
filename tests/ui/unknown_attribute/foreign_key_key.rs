use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
}

#[table(foreign_key(column(user_id), references(User::id)))]
pub struct Post {
    pub user_id: i64,
}

fn main() {}

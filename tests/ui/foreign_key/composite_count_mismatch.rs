use schema_macros::table;

#[table(primary_key(columns(tenant, id)))]
pub struct User {
    pub tenant: i64,
    pub id: i64,
}

#[table(foreign_key(columns(tenant, user_id), references(User::id)))]
pub struct Post {
    pub tenant: i64,
    pub user_id: i64,
}

fn main() {}

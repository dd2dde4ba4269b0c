use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(unique)]
    pub email: String,
}

#[table]
pub struct Session {
    #[column(references(User::emial))]
    pub user_email: String,
}

fn main() {}

use schema_core::query::Select;
use schema_core::Table;
use schema_macros::table;

#[table(name = "user")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    pub image: Option<String>,
}

#[table]
pub struct Session {
    #[column(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub token: String,
}

fn main() {
    let _: Select<(User, Session)> = User::select().left_join::<Session>(Session::user_id.eq(User::id));
}

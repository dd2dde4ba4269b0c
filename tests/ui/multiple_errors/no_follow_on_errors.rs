// One mistake in `User` gives one error: the struct, its column accessors
// and its `Table` impl are still there for `Post` and `main` to use.
use schema_core::Table;
use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(default = "x")]
    pub logins: i32,
}

#[table]
pub struct Post {
    #[column(references(User::id))]
    pub user_id: i64,
}

fn main() {
    let user = User { id: 1, logins: 0 };
    let _ = (user.id, user.logins, User::logins.name(), User::NAME);
}

use schema_core::Table;
use schema_macros::table;

#[table(name = "user")]
pub struct User {
    #[column(primary_key, identity(always))]
    pub id: i64,
    #[column(unique)]
    pub email: String,
    pub name: String,
}

#[table]
pub struct Resume {
    #[column(primary_key)]
    pub id: String,
    #[column(unique)]
    pub slug: String,
    pub name: String,
    #[column(default = 0)]
    pub views: i32,
}

fn main() {
    // `id` is `identity(always)`: the database picks it, so only a
    // `NewUser` can be inserted.
    let _ = User::insert(User {
        id: 1,
        email: "ada@example.com".to_owned(),
        name: "Ada".to_owned(),
    });
}

use schema_core::Table;
use schema_macros::{table, FromRow};

#[table(name = "user")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    pub image: Option<String>,
}

#[derive(FromRow)]
pub struct Card {
    pub id: i64,
    pub image: String,
}

fn main() {
    let _ = User::select().columns((User::id, User::image)).into_struct::<Card>();
}

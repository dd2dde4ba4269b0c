use schema_core::Table;
use schema_macros::table;

#[table(name = "user")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    pub image: Option<String>,
}

fn main() {
    let _ = User::select().filter(User::name.contains("a".to_owned()));
}

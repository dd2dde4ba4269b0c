use schema_core::query::count_all;
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
    let _ = User::select()
        .columns((User::name, count_all()))
        .group_by(User::name)
        .having(count_all().gt(1.5));
}

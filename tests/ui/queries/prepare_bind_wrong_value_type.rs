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

use schema_core::query::placeholder;

fn main() {
    let id = placeholder::<String>("id");
    let _prepared = Resume::select().filter(Resume::id.eq(id)).prepare();
    let _values = [id.bind(42)];
}

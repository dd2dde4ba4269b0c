use schema_core::Table;
use schema_macros::table;

#[table(name = "user")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    pub email: String,
    pub image: Option<String>,
}

#[table]
pub struct Resume {
    #[column(primary_key)]
    pub id: i64,
    pub slug: String,
    pub views: i32,
}

fn main() {
    let _ = Resume::select().filter(Resume::views.eq(Resume::slug));
}

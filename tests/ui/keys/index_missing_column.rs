use schema_macros::table;

#[table(index(columns(emial)))]
pub struct User {
    pub id: i64,
    pub email: String,
}

fn main() {}

use schema_macros::table;

#[table(name = users)]
pub struct User {
    pub id: i64,
}

fn main() {}

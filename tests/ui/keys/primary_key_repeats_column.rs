use schema_macros::table;

#[table(primary_key(columns(id, id)))]
pub struct User {
    pub id: i64,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User(i64, String);

fn main() {}

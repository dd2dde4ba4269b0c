use schema_macros::table;

#[table]
pub struct User;

fn main() {}

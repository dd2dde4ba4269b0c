use schema_macros::table;

#[table]
pub struct User {
    pub name: &'static str,
}

fn main() {}

use schema_macros::table;

#[table]
pub enum User {
    Admin,
    Guest,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    pub nickname: Option<Option<String>>,
}

fn main() {}

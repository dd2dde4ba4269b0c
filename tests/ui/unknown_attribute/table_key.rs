use schema_macros::table;

#[table(nmae = "users")]
pub struct User {
    pub id: i64,
}

fn main() {}

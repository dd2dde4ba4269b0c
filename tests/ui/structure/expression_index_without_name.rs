use schema_macros::table;

#[table(index(columns("lower(email)")))]
pub struct User {
    pub id: i64,
    pub email: String,
}

fn main() {}

use schema_macros::table;

#[table(index(colums(email)))]
pub struct User {
    pub id: i64,
    pub email: String,
}

fn main() {}

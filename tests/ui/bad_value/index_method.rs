use schema_macros::table;

#[table(index(columns(email), method = "btre"))]
pub struct User {
    pub id: i64,
    pub email: String,
}

fn main() {}

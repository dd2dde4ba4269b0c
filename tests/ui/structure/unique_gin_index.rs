use schema_macros::table;

#[table(index(columns(tags), method = "gin", unique))]
pub struct Post {
    pub id: i64,
    pub tags: Vec<String>,
}

fn main() {}

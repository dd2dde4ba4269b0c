use schema_macros::table;

#[table(insert_struct = "New User")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
}

fn main() {}

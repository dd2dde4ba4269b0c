use schema_macros::table;

#[table]
pub struct User {
    #[column(primary_key, identity)]
    pub id: String,
}

fn main() {}

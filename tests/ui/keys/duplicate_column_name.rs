use schema_macros::table;

#[table]
pub struct User {
    pub email: String,
    #[column(name = "email")]
    pub contact: String,
}

fn main() {}

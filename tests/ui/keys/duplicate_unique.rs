use schema_macros::table;

#[table(unique(columns(email)))]
pub struct User {
    pub id: i64,
    #[column(unique)]
    pub email: String,
}

fn main() {}

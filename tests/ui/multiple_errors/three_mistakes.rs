use schema_macros::table;

#[table(nmae = "users")]
pub struct User {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(default = "yes")]
    pub active: bool,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    #[column(primay_key)]
    pub id: i64,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    #[column(default = 5)]
    pub active: bool,
}

fn main() {}

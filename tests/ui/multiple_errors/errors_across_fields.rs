use schema_macros::table;

#[table(index(columns(emial)))]
pub struct User {
    pub id: u32,
    #[column(unique, on_delete = "cascade")]
    pub email: String,
    #[column(serial)]
    pub number: String,
}

fn main() {}

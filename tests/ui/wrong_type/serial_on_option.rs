use schema_macros::table;

#[table]
pub struct Ticket {
    #[column(serial)]
    pub number: Option<i32>,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct Counter {
    #[column(default = "x")]
    pub value: i32,
}

fn main() {}

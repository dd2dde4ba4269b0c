use schema_macros::table;

#[table]
pub struct Counter {
    pub value: u64,
}

fn main() {}

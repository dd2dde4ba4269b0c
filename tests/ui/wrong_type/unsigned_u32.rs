use schema_macros::table;

#[table]
pub struct Counter {
    pub value: u32,
}

fn main() {}

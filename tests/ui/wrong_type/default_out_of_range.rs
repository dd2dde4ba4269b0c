use schema_macros::table;

#[table]
pub struct Counter {
    #[column(default = 40000)]
    pub value: i16,
}

fn main() {}

use schema_macros::table;

fn zero() -> i32 {
    0
}

#[table]
pub struct Counter {
    #[column(default = zero())]
    pub value: i32,
}

fn main() {}

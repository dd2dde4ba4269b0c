use schema_macros::pg_enum;

#[pg_enum]
pub struct Interval {
    pub months: i32,
}

fn main() {}

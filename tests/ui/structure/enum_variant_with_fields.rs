use schema_macros::pg_enum;

#[pg_enum]
#[derive(Debug)]
pub enum Interval {
    Month,
    Days(u32),
}

fn main() {}

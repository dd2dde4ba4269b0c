use schema_macros::pg_enum;

#[pg_enum]
pub enum Interval {
    Month,
    Days(u32),
}

fn main() {}

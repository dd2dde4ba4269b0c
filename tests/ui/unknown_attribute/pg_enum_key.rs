use schema_macros::pg_enum;

#[pg_enum(shema = "billing")]
#[derive(Debug)]
pub enum Interval {
    Month,
    Year,
}

fn main() {}

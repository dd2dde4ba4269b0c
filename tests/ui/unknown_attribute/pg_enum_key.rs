use schema_macros::pg_enum;

#[pg_enum(shema = "billing")]
pub enum Interval {
    Month,
    Year,
}

fn main() {}

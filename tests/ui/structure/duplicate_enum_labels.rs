use schema_macros::pg_enum;

#[pg_enum]
#[derive(Debug)]
pub enum Interval {
    Month,
    #[value(name = "month")]
    Monthly,
}

fn main() {}

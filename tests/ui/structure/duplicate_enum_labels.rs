use schema_macros::pg_enum;

#[pg_enum]
pub enum Interval {
    Month,
    #[value(name = "month")]
    Monthly,
}

fn main() {}

use schema_macros::pg_enum;

#[pg_enum]
#[derive(Debug)]
pub enum Interval {
    #[value(nme = "per_month")]
    Month,
    Year,
}

fn main() {}

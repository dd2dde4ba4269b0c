use schema_macros::pg_enum;

#[pg_enum(rename_all = "snake")]
#[derive(Debug)]
pub enum Interval {
    Month,
    Year,
}

fn main() {}

// One mistake in a `#[pg_enum]` gives one error, not a second one where a
// table uses the enum as a column type.
use schema_macros::{pg_enum, table};

#[pg_enum]
#[derive(Debug)]
pub enum Interval {
    Month,
    #[value(name = "month")]
    Monthly,
}

#[table]
pub struct Plan {
    pub id: i64,
    pub interval: Interval,
}

fn main() {}

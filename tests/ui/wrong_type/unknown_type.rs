use schema_macros::table;

pub struct Money {
    pub cents: i64,
}

#[table]
pub struct Invoice {
    pub id: i64,
    pub total: Money,
}

fn main() {}

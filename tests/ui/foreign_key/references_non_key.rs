use schema_macros::table;

#[table]
pub struct Org {
    #[column(primary_key)]
    pub id: i64,
    pub code: String,
}

#[table]
pub struct Probe {
    #[column(primary_key)]
    pub id: i64,
    #[column(references(Org::code))]
    pub org_code: String,
}

fn main() {}

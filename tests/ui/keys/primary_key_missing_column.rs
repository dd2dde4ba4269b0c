use schema_macros::table;

#[table(primary_key(columns(tenant, idd)))]
pub struct User {
    pub tenant: i64,
    pub id: i64,
}

fn main() {}

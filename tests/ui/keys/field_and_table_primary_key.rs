use schema_macros::table;

#[table(primary_key(columns(tenant, id)))]
pub struct User {
    pub tenant: i64,
    #[column(primary_key)]
    pub id: i64,
}

fn main() {}

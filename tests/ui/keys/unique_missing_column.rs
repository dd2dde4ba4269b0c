use schema_macros::table;

#[table(unique(columns(tenant, handle)))]
pub struct User {
    pub tenant: i64,
    pub email: String,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    #[column(default = 0, default_sql = "1")]
    pub logins: i32,
}

fn main() {}

use schema_macros::table;

#[table]
pub struct User {
    #[column(sql_type = "varchar(abc)")]
    pub name: String,
}

fn main() {}

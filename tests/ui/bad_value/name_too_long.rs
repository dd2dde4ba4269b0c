use schema_macros::table;

#[table(name = "a_table_name_that_is_far_too_long_for_postgresql_identifiers_limit")]
pub struct User {
    pub id: i64,
}

fn main() {}

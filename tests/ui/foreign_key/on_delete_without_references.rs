use schema_macros::table;

#[table]
pub struct Post {
    #[column(on_delete = "cascade")]
    pub user_id: i64,
}

fn main() {}

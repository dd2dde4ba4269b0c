use schema_macros::table;

#[table(name = "user")]
pub struct User {
    #[column(primary_key, identity(always))]
    pub id: i64,
    #[column(unique)]
    pub email: String,
    pub name: String,
}

#[table]
pub struct Resume {
    #[column(primary_key)]
    pub id: String,
    #[column(unique)]
    pub slug: String,
    pub name: String,
    #[column(default = 0)]
    pub views: i32,
}

use schema_core::query::raw;

async fn names(client: &tokio_postgres::Client) {
    // A raw statement decodes into a tuple, `(String,)`, not a bare value.
    let _ = raw::<String>("SELECT name FROM resume").fetch_all(client).await;
}

fn main() {
    let _ = names;
}

use schema_macros::table;

#[table]
pub struct Doc {
    #[column(primary_key, default = "nope")]
    pub id: uuid::Uuid,
    #[column(default = "not json")]
    pub body: serde_json::Value,
}

fn main() {}

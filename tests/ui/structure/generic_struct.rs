use schema_macros::table;

#[table]
pub struct User<T> {
    pub id: i64,
    pub extra: T,
}

fn main() {}

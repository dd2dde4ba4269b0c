use schema_core::Table;
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

fn main() {
    let row = NewResume {
        id: "r1".to_owned(),
        slug: "my-resume".to_owned(),
        name: "My Resume".to_owned(),
    };
    let _ = Resume::insert(row).on_conflict("slug").do_nothing();
}

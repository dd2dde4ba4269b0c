//! The Vitaes resume queries, as the seed writes them with Drizzle.

use chrono::NaiveDateTime;
use example_vitaes::schema::app::{NewResume, Resume, ResumeData};
use example_vitaes::schema::auth::{Session, User};
use schema_core::query::{
    placeholder, CachedClient, Executor, Placeholder, Prepared, QueryError, Select,
};
use schema_core::{Json, Table};

/// All resumes of a user, newest first.
///
/// `db.select().from(resume).where(eq(resume.userEmail, email))`
pub async fn resumes_of(db: &impl Executor, email: &str) -> Result<Vec<Resume>, QueryError> {
    Resume::select()
        .filter(Resume::user_email.eq(email))
        .order_by(Resume::created_at.desc())
        .fetch_all(db)
        .await
}

/// The resume published under `slug`, if any.
///
/// `db.select().from(resume).where(eq(resume.slug, 'my-resume'))`
pub async fn by_slug(db: &impl Executor, slug: &str) -> Result<Option<Resume>, QueryError> {
    Resume::select()
        .filter(Resume::slug.eq(slug))
        .fetch_optional(db)
        .await
}

/// What the editor sends to create a resume.
#[derive(Clone, Debug)]
pub struct CreateResume {
    /// The owner's email.
    pub user_email: String,
    /// The resume's name, unique per user.
    pub name: String,
    /// Its public URL.
    pub slug: String,
    /// Its content.
    pub data: ResumeData,
}

/// Creates a resume (id and timestamps set by the app, as in the seed),
/// returning the stored row.
///
/// `db.insert(resume).values({ id: uuidv7(), …, createdAt: new Date(), updatedAt: new Date() }).returning()`
pub async fn create(
    db: &impl Executor,
    id: String,
    resume: CreateResume,
    now: NaiveDateTime,
) -> Result<Resume, QueryError> {
    Resume::insert(
        NewResume {
            id,
            name: resume.name,
            user_email: resume.user_email,
            data: Some(Json(resume.data)),
            slug: resume.slug,
            thumbnail_url: None,
        }
        .with(Resume::created_at, now)
        .with(Resume::updated_at, now),
    )
    .returning()
    .fetch_one(db)
    .await
}

/// Counts a view: `views = views + 1`, returning the updated resume
/// (`None` when there is no such resume).
///
/// `db.update(resume).set({ views: resume.views + 1, updatedAt: new Date() }).where(eq(resume.id, id)).returning()`
pub async fn record_view(
    db: &impl Executor,
    id: &str,
    now: NaiveDateTime,
) -> Result<Option<Resume>, QueryError> {
    Resume::update()
        .set(Resume::views, Resume::views + 1)
        .set(Resume::updated_at, now)
        .filter(Resume::id.eq(id))
        .returning()
        .fetch_optional(db)
        .await
}

/// Deletes a resume; whether there was one.
///
/// `db.delete(resume).where(eq(resume.id, id))`
pub async fn delete(db: &impl Executor, id: &str) -> Result<bool, QueryError> {
    let deleted = Resume::delete()
        .filter(Resume::id.eq(id))
        .execute(db)
        .await?;
    Ok(deleted == 1)
}

/// The seed's prepared statement: a resume by id, its SQL built once.
///
/// `db.select().from(resume).where(eq(resume.id, placeholder('id'))).prepare('get_resume_by_id')`
pub struct GetResumeById {
    id: Placeholder<String>,
    query: Prepared<Select<Resume>>,
}

impl GetResumeById {
    /// Builds the statement.
    pub fn new() -> Self {
        let id = placeholder::<String>("id");
        GetResumeById {
            id,
            query: Resume::select().filter(Resume::id.eq(id)).prepare(),
        }
    }

    /// `getResumeById.execute({ id })`.
    pub async fn execute(
        &self,
        db: &impl Executor,
        id: &str,
    ) -> Result<Option<Resume>, QueryError> {
        self.query.fetch_optional(db, &[self.id.bind(id)]).await
    }
}

impl Default for GetResumeById {
    fn default() -> Self {
        Self::new()
    }
}

/// Creates a resume and touches its owner's `updated_at`, both or
/// neither.
///
/// `db.transaction(async (tx) => { await tx.insert(resume)…; await tx.update(user).set({ updatedAt: new Date() }) })`
pub async fn create_for_user(
    db: &mut CachedClient,
    user_id: &str,
    id: String,
    resume: CreateResume,
    now: NaiveDateTime,
) -> Result<Resume, QueryError> {
    db.transaction(async |tx| {
        let created = create(tx, id, resume, now).await?;
        let touched = User::update()
            .set(User::updated_at, now)
            .filter(User::id.eq(user_id))
            .execute(tx)
            .await?;
        if touched == 0 {
            // No such user: roll the resume back too.
            return Err(QueryError::NotFound {
                sql: format!("user {user_id}"),
            });
        }
        Ok(created)
    })
    .await
}

/// A user and their sessions: the seed's `leftJoin(session, eq(user.id,
/// session.userId))`, typed `(User, Option<Session>)` per row (a user
/// without sessions comes back once, with `None`), then grouped by user.
pub async fn user_with_sessions(
    db: &impl Executor,
    user_id: &str,
) -> Result<Option<(User, Vec<Session>)>, QueryError> {
    let rows: Vec<(User, Option<Session>)> = User::select()
        .left_join::<Session>(Session::user_id.eq(User::id))
        .filter(User::id.eq(user_id))
        .order_by(Session::created_at)
        .fetch_all(db)
        .await?;
    let mut rows = rows.into_iter();
    let Some((user, first)) = rows.next() else {
        return Ok(None);
    };
    let sessions = first
        .into_iter()
        .chain(rows.filter_map(|(_, session)| session))
        .collect();
    Ok(Some((user, sessions)))
}

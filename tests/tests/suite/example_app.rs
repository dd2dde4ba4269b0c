//! The example application (`examples/vitaes-app`) against a real server:
//! every Vitaes query from the seed, and the sign-up / sign-in / session
//! flow on SelfKit's schema, results checked.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use example_vitaes::schema::app::ResumeData;
use example_vitaes::schema::auth::{NewSession, NewUser, User};
use example_vitaes_app::auth::{self, AuthError};
use example_vitaes_app::resumes::{self, CreateResume, GetResumeById};
use schema_core::query::{CachedClient, QueryError};
use schema_core::sql::ddl;
use schema_core::Table;
use schema_tests::pg;

fn at(hour: u32) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .expect("valid date")
}

fn create(email: &str, name: &str, slug: &str) -> CreateResume {
    CreateResume {
        user_email: email.into(),
        name: name.into(),
        slug: slug.into(),
        data: ResumeData {
            template: "modern".into(),
            ..ResumeData::default()
        },
    }
}

async fn database(schema: &schema_core::model::Schema) -> (pg::TestDatabase, CachedClient) {
    let db = pg::fresh_database().await;
    db.client()
        .batch_execute(&ddl::create_schema_script(schema))
        .await
        .expect("creating the schema");
    let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    (db, CachedClient::new(client))
}

#[test]
fn every_vitaes_query_from_the_seed() {
    pg::block_on(async {
        let (_db, mut db) = database(&example_vitaes::schema()).await;
        User::insert(NewUser {
            id: "u1".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            email_verified: true,
            image: None,
            created_at: at(8),
            updated_at: at(8),
        })
        .execute(&db)
        .await
        .expect("user");

        // Insert returning.
        let first = resumes::create(
            &db,
            "r1".into(),
            create("ada@example.com", "CV", "my-resume"),
            at(9),
        )
        .await
        .expect("create");
        assert_eq!(
            (first.views, first.created_at, first.is_public),
            (0, at(9), false)
        );
        assert_eq!(
            first.data.as_ref().map(|d| d.0.template.as_str()),
            Some("modern")
        );

        // A transaction over two statements: the resume and the user's updated_at.
        let second = resumes::create_for_user(
            &mut db,
            "u1",
            "r2".into(),
            create("ada@example.com", "CV (fr)", "mon-cv"),
            at(10),
        )
        .await
        .expect("create for user");
        let ada = User::select()
            .filter(User::id.eq("u1"))
            .fetch_one(&db)
            .await
            .expect("ada");
        assert_eq!(ada.updated_at, at(10));
        // An unknown user: the resume is rolled back with the update.
        let orphan = resumes::create_for_user(
            &mut db,
            "nobody",
            "r3".into(),
            create("ada@example.com", "Lost", "lost"),
            at(11),
        )
        .await;
        assert!(matches!(orphan, Err(QueryError::NotFound { .. })));
        assert_eq!(resumes::by_slug(&db, "lost").await.expect("lost"), None);

        // Select by column, newest first; by slug.
        let mine = resumes::resumes_of(&db, "ada@example.com")
            .await
            .expect("mine");
        assert_eq!(mine, [second.clone(), first.clone()]);
        assert_eq!(
            resumes::by_slug(&db, "my-resume").await.expect("slug"),
            Some(first.clone())
        );

        // views + 1, returning.
        for views in 1..=3 {
            let viewed = resumes::record_view(&db, "r1", at(12))
                .await
                .expect("view")
                .expect("r1 exists");
            assert_eq!((viewed.views, viewed.updated_at), (views, at(12)));
        }
        assert_eq!(
            resumes::record_view(&db, "nope", at(12))
                .await
                .expect("none"),
            None
        );

        // The prepared statement with a placeholder.
        let get_resume_by_id = GetResumeById::new();
        let r1 = get_resume_by_id
            .execute(&db, "r1")
            .await
            .expect("r1")
            .expect("some");
        assert_eq!(r1.views, 3);
        assert_eq!(get_resume_by_id.execute(&db, "r9").await.expect("r9"), None);

        // The user with their sessions (the seed's left join).
        let (user, sessions) = resumes::user_with_sessions(&db, "u1")
            .await
            .expect("user")
            .expect("u1");
        assert_eq!((user.name.as_str(), sessions.len()), ("Ada", 0));
        for (id, hour) in [("s1", 13), ("s2", 14)] {
            example_vitaes::schema::auth::Session::insert(NewSession {
                id: id.into(),
                expires_at: at(23),
                token: format!("token-{id}"),
                created_at: at(hour),
                updated_at: at(hour),
                ip_address: None,
                user_agent: Some("test".into()),
                user_id: "u1".into(),
            })
            .execute(&db)
            .await
            .expect("session");
        }
        let (_, sessions) = resumes::user_with_sessions(&db, "u1")
            .await
            .expect("user")
            .expect("u1");
        assert_eq!(
            sessions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["s1", "s2"]
        );
        assert!(resumes::user_with_sessions(&db, "u9")
            .await
            .expect("none")
            .is_none());

        // Delete.
        assert!(resumes::delete(&db, "r1").await.expect("delete"));
        assert!(!resumes::delete(&db, "r1").await.expect("delete again"));
        assert_eq!(
            resumes::resumes_of(&db, "ada@example.com")
                .await
                .expect("left"),
            [second]
        );
    });
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("valid time")
}

#[test]
fn sign_up_sign_in_and_sessions_on_selfkit() {
    pg::block_on(async {
        let (_db, db) = database(&example_selfkit::schema()).await;

        let ada = auth::sign_up(&db, "ada@example.com", "ada", "correct horse")
            .await
            .expect("sign up");
        assert_eq!(
            (ada.id, ada.email_verified, ada.registered_2fa),
            (1, false, false)
        );
        assert!(!ada.password_hash.contains("correct horse"));
        let taken = auth::sign_up(&db, "ada@example.com", "ada2", "x").await;
        assert!(matches!(taken, Err(AuthError::EmailTaken)), "{taken:?}");
        let bob = auth::sign_up(&db, "bob@example.com", "bob", "hunter2")
            .await
            .expect("bob");

        // Wrong password and unknown email are the same error.
        for (email, password) in [("ada@example.com", "wrong"), ("eve@example.com", "x")] {
            let refused = auth::sign_in(&db, email, password, now()).await;
            assert!(
                matches!(refused, Err(AuthError::WrongCredentials)),
                "{refused:?}"
            );
        }

        let signed_in = auth::sign_in(&db, "ada@example.com", "correct horse", now())
            .await
            .expect("sign in");
        assert_eq!(signed_in.session.user_id, ada.id);
        assert_ne!(
            signed_in.session.id, signed_in.token,
            "only the hash is stored"
        );
        assert_eq!(signed_in.session.expires_at, now() + auth::SESSION_LIFETIME);

        // Validate: the token finds the user; not after expiry; not a wrong token.
        let (user, session) = auth::validate_session(&db, &signed_in.token, now())
            .await
            .expect("validate")
            .expect("valid");
        assert_eq!(
            (user.id, session.id.as_str()),
            (ada.id, signed_in.session.id.as_str())
        );
        let later = now() + auth::SESSION_LIFETIME;
        assert!(auth::validate_session(&db, &signed_in.token, later)
            .await
            .expect("expired")
            .is_none());
        assert!(auth::validate_session(&db, "forged", now())
            .await
            .expect("forged")
            .is_none());

        // Sign out one session; sign out everywhere.
        let other = auth::sign_in(&db, "ada@example.com", "correct horse", now())
            .await
            .expect("second device");
        let bobs = auth::sign_in(&db, "bob@example.com", "hunter2", now())
            .await
            .expect("bob in");
        assert!(auth::sign_out(&db, &signed_in.token)
            .await
            .expect("sign out"));
        assert!(auth::validate_session(&db, &signed_in.token, now())
            .await
            .expect("gone")
            .is_none());
        assert!(auth::validate_session(&db, &other.token, now())
            .await
            .expect("other")
            .is_some());
        assert_eq!(
            auth::sign_out_everywhere(&db, ada.id)
                .await
                .expect("everywhere"),
            1
        );
        assert!(auth::validate_session(&db, &other.token, now())
            .await
            .expect("other gone")
            .is_none());
        let (user, _) = auth::validate_session(&db, &bobs.token, now())
            .await
            .expect("bob")
            .expect("bob still signed in");
        assert_eq!(user.id, bob.id);
    });
}

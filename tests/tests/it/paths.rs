//! User ids with `/`, `?`, `#`, `%`, `..`, `|` and friends reach the fake tenant as the same
//! single id through `get_by_id`, `save` and `delete`.

use std::time::Duration;

use auth0plus::transport::RetryPolicy;
use auth0plus::{Auth0, Error};
use auth0plus_fake::{FakeTenant, Route};
use serde_json::json;

const AWKWARD_IDS: &[&str] = &[
    "auth0|a/b",
    "auth0|/",
    "auth0|a?b=c&d=e",
    "auth0|a#fragment",
    "auth0|100%",
    "auth0|%2F",
    "auth0|%2e%2e",
    "auth0|../../users",
    "auth0|..",
    "..|x",
    "auth0|a/../b",
    "auth0|./x",
    "a|b|c",
    "auth0|with space",
    "auth0|plus+sign",
    "auth0|semi;colon,comma",
    "auth0|ünïcødé-ユーザー",
    "auth0|back\\slash",
    "auth0|quote\"'",
    "auth0|tab\tnewline\n",
    "/",
    "?",
    "#",
    "%",
    "|",
    "...",
];

fn client(tenant: &FakeTenant) -> Auth0 {
    auth0plus_tests::builder_for(tenant)
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(5)))
        .build()
        .unwrap()
}

fn stored(tenant: &FakeTenant, id: &str) -> Option<serde_json::Value> {
    tenant.users().into_iter().find(|u| u["user_id"] == id)
}

#[tokio::test]
async fn awkward_ids_stay_one_id_end_to_end() {
    let tenant = FakeTenant::start().await.unwrap();
    // Neighbours whose ids an unencoded path would hit instead.
    for decoy in [
        "auth0|a",
        "auth0",
        "a",
        "b",
        "x",
        "users",
        "auth0|100",
        "auth0|",
    ] {
        tenant.insert_user(json!({"user_id": decoy, "email": "decoy@example.com"}));
    }
    for (n, id) in AWKWARD_IDS.iter().enumerate() {
        tenant.insert_user(json!({
            "user_id": id,
            "email": format!("path{n}@example.com"),
            "identities": [{"connection": tenant.connection(), "provider": "auth0",
                            "user_id": id, "isSocial": false}],
        }));
    }
    let total = tenant.user_count();
    let users = client(&tenant).users();

    for (n, id) in AWKWARD_IDS.iter().enumerate() {
        let mut user = users
            .get_by_id(id)
            .await
            .unwrap_or_else(|e| panic!("get {id:?}: {e:?}"));
        assert_eq!(user.id(), Some(*id));
        assert_eq!(
            user.email.as_deref(),
            Some(&*format!("path{n}@example.com"))
        );

        user.given_name = Some(format!("given {n}"));
        user.save()
            .await
            .unwrap_or_else(|e| panic!("save {id:?}: {e:?}"));
        assert_eq!(
            stored(&tenant, id).unwrap()["given_name"],
            format!("given {n}"),
            "{id:?}"
        );
        assert_eq!(tenant.user_count(), total, "save of {id:?} created a user");
    }
    // No decoy was touched.
    for u in tenant.users() {
        if u["email"] == "decoy@example.com" {
            assert!(u.get("given_name").is_none(), "{u}");
        }
    }

    for (n, id) in AWKWARD_IDS.iter().enumerate() {
        users
            .delete(id)
            .await
            .unwrap_or_else(|e| panic!("delete {id:?}: {e:?}"));
        assert!(stored(&tenant, id).is_none(), "{id:?} still there");
        assert_eq!(tenant.user_count(), total - n - 1, "delete of {id:?}");
        let err = users.get_by_id(id).await.unwrap_err();
        assert!(matches!(err, Error::DoesNotExist { .. }), "{id:?}: {err:?}");
    }
    // Only the decoys remain.
    assert_eq!(tenant.user_count(), 8);
    assert_eq!(tenant.counters().status(404), AWKWARD_IDS.len() as u64);
}

#[tokio::test]
async fn dot_segments_and_empty_ids_are_refused_before_sending() {
    let tenant = FakeTenant::start().await.unwrap();
    let users = client(&tenant).users();
    for id in ["", ".", ".."] {
        let err = users.get_by_id(id).await.unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{id:?}: {err:?}");
        let err = users.delete(id).await.unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{id:?}: {err:?}");
    }
    assert_eq!(tenant.counters().count(Route::GetUser), 0);
    assert_eq!(tenant.counters().count(Route::DeleteUser), 0);
    assert_eq!(tenant.counters().total(), 0, "not even a token was fetched");
}

//! Exact-wire tests of [`Relation`], the to-many handle under `role.users()`,
//! `user.roles()` and `org.members()`: declared here the way a user declares a
//! relation the crate does not wrap, from the generated operations.

use auth0plus::api::models::{
    AddRolePermissionsRequestContent, AssignRoleUsersRequestContent, PermissionRequestPayload,
};
use auth0plus::api::roles::{AssignRoleUsers, ListRoleUsers};
use auth0plus::api::users::{ListUserPermissions, RemoveUserPermissions};
use auth0plus::{Error, Relation};
use auth0plus_tests::{answer, seen, wire_client};
use serde::Serialize;
use serde_json::{Value, json};
use wiremock::MockServer;

#[derive(Debug, Clone, Serialize)]
struct Permission {
    resource_server_identifier: &'static str,
    permission_name: &'static str,
}

/// The users of role `id`, items as raw JSON, added three at a time; Auth0
/// has no `DELETE` there, so none is declared.
fn role_users(auth0: &auth0plus::Auth0, id: &str) -> Relation<Value> {
    let role = id.to_owned();
    Relation::new(auth0, "users", &ListRoleUsers::new(id), |v: Value| v).adds(3, move |users| {
        AssignRoleUsers::new(
            role.clone(),
            AssignRoleUsersRequestContent {
                users: Some(users),
                ..Default::default()
            },
        )
    })
}

/// The bodies of the requests `server` saw for `verb`, in no particular order.
async fn bodies(server: &MockServer, verb: &str) -> Vec<(String, Value)> {
    let mut seen: Vec<(String, Value)> = seen(server)
        .await
        .into_iter()
        .filter(|r| r.method == verb)
        .map(|r| (r.path, r.body.expect("a JSON body")))
        .collect();
    seen.sort_by_key(|(_, body)| body.to_string());
    seen
}

#[tokio::test]
async fn add_splits_into_calls_auth0_accepts_and_drops_duplicates() {
    let server = MockServer::start().await;
    answer(&server, "POST", "/api/v2/roles/rol_1/users", 200, json!({})).await;
    let auth0 = wire_client(&server);
    let users = role_users(&auth0, "rol_1");

    let ids = ["u1", "u2", "u3", "u2", "u4", "u5", "u6", "u7"];
    users.add(ids).await.expect("added");

    let seen = bodies(&server, "POST").await;
    assert_eq!(
        seen,
        vec![
            (
                "/api/v2/roles/rol_1/users".into(),
                json!({"users": ["u1", "u2", "u3"]})
            ),
            (
                "/api/v2/roles/rol_1/users".into(),
                json!({"users": ["u4", "u5", "u6"]})
            ),
            ("/api/v2/roles/rol_1/users".into(), json!({"users": ["u7"]})),
        ]
    );
}

#[tokio::test]
async fn nothing_is_sent_for_nothing_or_for_bad_input() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let users = role_users(&auth0, "rol_1");
    users
        .add(Vec::<String>::new())
        .await
        .expect("no items, no call");

    let err = users.add(["u1", ""]).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument(m) if m.contains("users[1]")),
        "{err}"
    );

    let err = users.remove(["u1"]).await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");

    // An empty record id (a role never saved) cannot reach `/roles//users`.
    let orphan: Relation<Value> = role_users(&auth0, "");
    assert!(matches!(
        orphan.add(["u1"]).await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        orphan.query().count().await,
        Err(Error::InvalidArgument(_))
    ));

    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn a_hostile_record_id_stays_one_segment() {
    let server = MockServer::start().await;
    answer(
        &server,
        "DELETE",
        "/api/v2/users/auth0%7C1%2F..%2Froles%3Fx/permissions",
        204,
        json!({}),
    )
    .await;
    let auth0 = wire_client(&server);
    let user = "auth0|1/../roles?x";
    let permissions: Relation<Value, Permission> = Relation::new(
        &auth0,
        "permissions",
        &ListUserPermissions::new(user),
        |v: Value| v,
    )
    .removes(100, move |permissions: Vec<Permission>| {
        let permissions = permissions
            .into_iter()
            .map(|p| PermissionRequestPayload {
                resource_server_identifier: Some(p.resource_server_identifier.into()),
                permission_name: Some(p.permission_name.into()),
                ..Default::default()
            })
            .collect();
        RemoveUserPermissions::new(
            user,
            AddRolePermissionsRequestContent {
                permissions: Some(permissions),
                ..Default::default()
            },
        )
    });
    let read = Permission {
        resource_server_identifier: "https://api.example",
        permission_name: "read:things",
    };
    permissions.remove([read]).await.expect("removed");
    let seen = bodies(&server, "DELETE").await;
    assert_eq!(
        seen,
        vec![(
            "/api/v2/users/auth0%7C1%2F..%2Froles%3Fx/permissions".into(),
            json!({"permissions": [{"resource_server_identifier": "https://api.example", "permission_name": "read:things"}]})
        )]
    );
}

#[tokio::test]
async fn an_error_from_auth0_is_returned_with_its_status() {
    let server = MockServer::start().await;
    let body = json!({"statusCode": 404, "error": "Not Found", "message": "The role does not exist.", "errorCode": "inexistent_role"});
    answer(&server, "POST", "/api/v2/roles/rol_1/users", 404, body).await;
    let auth0 = wire_client(&server);
    let users = role_users(&auth0, "rol_1");
    let err = users.add(["u1"]).await.unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 404);
    assert_eq!(api.message, "The role does not exist.");
}

#[tokio::test]
async fn query_pages_the_relation_by_its_style() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/roles/rol_1/users",
        200,
        json!({"users": [{"user_id": "u1"}, {"user_id": "u2"}]}),
    )
    .await;
    let auth0 = wire_client(&server);
    let users = role_users(&auth0, "rol_1");
    let all = users.query().fetch_all().await.expect("listed");
    assert_eq!(all.len(), 2);
    let query = seen(&server).await.remove(0).query;
    assert!(
        query.iter().any(|(k, _)| k == "take"),
        "checkpoint paging: {query:?}"
    );
}

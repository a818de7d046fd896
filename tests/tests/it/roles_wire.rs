//! Exact-wire tests of roles and permissions: for every call, the method, the
//! percent-encoded path, the query and the JSON body that reach the server (a
//! wiremock `MockServer` standing in for Auth0), and the refusals that send
//! nothing at all.

use auth0plus::prelude::*;
use auth0plus::{NewRole, Permission, Role};
use auth0plus_tests::{answer, wire_client};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A call as sent: method, raw path, the query exactly as encoded (so the
/// escaping of a name is pinned too), body.
#[derive(Debug, PartialEq)]
struct Seen {
    method: String,
    path: String,
    query: String,
    body: Option<Value>,
}

async fn seen(server: &MockServer) -> Vec<Seen> {
    auth0plus_tests::seen(server)
        .await
        .into_iter()
        .map(|s| Seen {
            method: s.method,
            path: s.path,
            query: s.raw_query.unwrap_or_default(),
            body: s.body,
        })
        .collect()
}

fn req(method: &str, path: &str, query: &str, body: Option<Value>) -> Seen {
    Seen {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        body,
    }
}

const ROLE: &str = "rol_0bwwCJ6v2x8fYcfz";

fn role_json(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "description": "d"})
}

/// `GET /roles` answers `roles`, as one page of Auth0's offset envelope.
async fn roles_answer(server: &MockServer, roles: Vec<Value>) {
    let total = roles.len();
    let page = json!({"roles": roles, "start": 0, "limit": 100, "total": total});
    answer(server, "GET", "/api/v2/roles", 200, page).await;
}

/// A fetched role record, as `get_by_id` returns it.
async fn fetched_role(server: &MockServer, auth0: &Auth0) -> Role {
    answer(
        server,
        "GET",
        &format!("/api/v2/roles/{ROLE}"),
        200,
        role_json(ROLE, "admin"),
    )
    .await;
    let role = auth0.roles().get_by_id(ROLE).await.expect("the role");
    server.reset().await;
    role
}

#[tokio::test]
async fn create_get_save_and_delete_send_exactly_this() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let roles = auth0.roles();
    answer(
        &server,
        "POST",
        "/api/v2/roles",
        200,
        role_json(ROLE, "admin"),
    )
    .await;
    let path = format!("/api/v2/roles/{ROLE}");
    answer(
        &server,
        "PATCH",
        &path,
        200,
        json!({"id": ROLE, "name": "root", "description": ""}),
    )
    .await;
    answer(&server, "DELETE", &path, 200, json!({})).await;

    let mut admin = roles
        .create(NewRole::new("admin").description("d"))
        .await
        .expect("created");
    assert_eq!(admin.id(), Some(ROLE));
    admin.save().await.expect("nothing to send");
    admin.name = Some("root".into());
    admin.description = None;
    admin.save().await.expect("saved");
    assert_eq!(admin.name.as_deref(), Some("root"));
    admin.delete().await.expect("deleted");
    assert!(!admin.is_fetched());

    assert_eq!(
        seen(&server).await,
        vec![
            req(
                "POST",
                "/api/v2/roles",
                "",
                Some(json!({"name": "admin", "description": "d"}))
            ),
            req(
                "PATCH",
                &path,
                "",
                Some(json!({"name": "root", "description": ""}))
            ),
            req("DELETE", &path, "", None),
        ]
    );
}

#[tokio::test]
async fn a_lookup_by_name_narrows_on_the_server_and_compares_exactly_here() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    // What Auth0's filter answers for "admin": anything containing it, any case.
    roles_answer(
        &server,
        vec![
            role_json("rol_1", "Admin"),
            role_json("rol_2", "admin"),
            role_json("rol_3", "superadmin"),
        ],
    )
    .await;
    let roles = auth0.roles();
    let admin = roles.get([("name", "admin")]).await.expect("exactly one");
    assert_eq!(admin.id(), Some("rol_2"));
    assert_eq!(
        seen(&server).await,
        vec![req(
            "GET",
            "/api/v2/roles",
            "name_filter=admin&page=0&per_page=100&include_totals=true",
            None
        )]
    );

    // None of them is named "adm" or "ADMIN".
    for missing in ["adm", "ADMIN", "admin*"] {
        let err = roles.get([("name", missing)]).await.unwrap_err();
        assert!(
            matches!(err, Error::DoesNotExist { kind: "Role", .. }),
            "{err}"
        );
    }
}

#[tokio::test]
async fn hostile_names_are_one_query_value() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    roles_answer(&server, Vec::new()).await;
    let roles = auth0.roles();
    for name in ["admin*", "%", "a OR b", "x&per_page=1&name_filter=y", "é#?"] {
        assert!(
            roles
                .get_opt([("name", name)])
                .await
                .expect("looked up")
                .is_none()
        );
    }
    let queries: Vec<String> = seen(&server).await.into_iter().map(|s| s.query).collect();
    assert_eq!(
        queries,
        [
            "name_filter=admin%2A&page=0&per_page=100&include_totals=true",
            "name_filter=%25&page=0&per_page=100&include_totals=true",
            "name_filter=a%20OR%20b&page=0&per_page=100&include_totals=true",
            "name_filter=x%26per_page%3D1%26name_filter%3Dy&page=0&per_page=100&include_totals=true",
            "name_filter=%C3%A9%23%3F&page=0&per_page=100&include_totals=true",
        ]
    );
}

#[tokio::test]
async fn two_roles_with_the_exact_name_are_ambiguous_and_every_page_is_read() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    // Page 0 and page 1 of a filter that lets 150 roles through; one exact
    // match on each page.
    let page = |index: usize| {
        let roles: Vec<Value> = (0..if index == 0 { 100 } else { 50 })
            .map(|i| {
                let name = if i == 7 {
                    "ops".to_owned()
                } else {
                    format!("ops-{index}-{i}")
                };
                role_json(&format!("rol_{index}_{i}"), &name)
            })
            .collect();
        json!({"roles": roles, "start": index * 100, "limit": 100, "total": 150})
    };
    for index in [0, 1] {
        Mock::given(method("GET"))
            .and(path("/api/v2/roles"))
            .and(wiremock::matchers::query_param("page", index.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(index)))
            .mount(&server)
            .await;
    }
    let err = auth0.roles().get([("name", "ops")]).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::MultipleObjectsReturned {
                kind: "Role",
                total: 2,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.to_string(), "Role.get returned multiple roles");
    assert_eq!(seen(&server).await.len(), 2);
}

#[tokio::test]
async fn get_or_create_answers_a_lost_race_with_the_winner() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let empty = json!({"roles": [], "start": 0, "limit": 100, "total": 0});
    Mock::given(method("GET"))
        .and(path("/api/v2/roles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    roles_answer(&server, vec![role_json(ROLE, "ops")]).await;
    answer(
        &server,
        "POST",
        "/api/v2/roles",
        409,
        json!({"statusCode": 409, "error": "Conflict", "message": "Role name already exists.", "errorCode": "conflict"}),
    )
    .await;
    let (role, created) = auth0
        .roles()
        .get_or_create([("name", "ops")], NewRole::default().description("d"))
        .await
        .expect("the winner's role");
    assert_eq!((role.id(), created), (Some(ROLE), false));
    let methods: Vec<String> = seen(&server).await.into_iter().map(|s| s.method).collect();
    assert_eq!(methods, ["GET", "POST", "GET"]);
}

#[tokio::test]
async fn role_users_go_in_calls_of_a_thousand_and_list_by_checkpoint() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let role = fetched_role(&server, &auth0).await;
    let users_path = format!("/api/v2/roles/{ROLE}/users");
    answer(&server, "POST", &users_path, 200, json!({})).await;

    let ids: Vec<String> = (0..2_500).map(|i| format!("auth0|{i:05}")).collect();
    role.users().add(&ids).await.expect("assigned");
    let mut calls: Vec<Vec<Value>> = seen(&server)
        .await
        .into_iter()
        .map(|s| {
            assert_eq!(
                (s.method.as_str(), s.path.as_str(), s.query.as_str()),
                ("POST", users_path.as_str(), "")
            );
            s.body.unwrap()["users"].as_array().unwrap().clone()
        })
        .collect();
    calls.sort_by_key(|c| c[0].to_string());
    assert_eq!(
        calls.iter().map(Vec::len).collect::<Vec<_>>(),
        [1_000, 1_000, 500]
    );
    let sent: Vec<Value> = calls.concat();
    assert_eq!(sent, ids.iter().map(|i| json!(i)).collect::<Vec<_>>());

    server.reset().await;
    Mock::given(method("GET"))
        .and(path(&users_path))
        .and(wiremock::matchers::query_param("from", "cp1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"users": [{"user_id": "auth0|2", "email": "b@x.example"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(&users_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"users": [{"user_id": "auth0|1", "email": "a@x.example", "name": "A", "picture": "https://p"}], "next": "cp1"}),
        ))
        .mount(&server)
        .await;
    let users: Vec<User> = role
        .users()
        .query()
        .per_page(1)
        .fetch_all()
        .await
        .expect("listed");
    let ids: Vec<&str> = users.iter().filter_map(User::id).collect();
    assert_eq!(ids, ["auth0|1", "auth0|2"]);
    assert_eq!(users[0].email.as_deref(), Some("a@x.example"));
    let queries: Vec<String> = seen(&server).await.into_iter().map(|s| s.query).collect();
    // The offset answer tells no total: the checkpoint is walked.
    assert_eq!(
        queries,
        [
            "page=0&per_page=1&include_totals=true",
            "take=1",
            "from=cp1&take=1"
        ]
    );
}

#[tokio::test]
async fn permissions_of_a_role_and_of_a_user() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let role = fetched_role(&server, &auth0).await;
    let role_path = format!("/api/v2/roles/{ROLE}/permissions");
    let user_path = "/api/v2/users/auth0%7C63d1%2F..%3Fx/permissions";
    for verb in ["POST", "DELETE"] {
        answer(&server, verb, &role_path, 201, json!({})).await;
        answer(&server, verb, user_path, 201, json!({})).await;
    }
    answer(
        &server,
        "GET",
        user_path,
        200,
        json!({"permissions": [{"permission_name": "read:foo", "description": "Can read Foo",
            "resource_server_name": "API", "resource_server_identifier": "https://api",
            "sources": [{"source_id": "rol_1", "source_name": "admin", "source_type": "ROLE"}]}],
            "start": 0, "limit": 50, "total": 1}),
    )
    .await;
    let user: User = auth0
        .users()
        .from_dict(
            json!({"user_id": "auth0|63d1/..?x"})
                .as_object()
                .unwrap()
                .clone(),
        )
        .expect("a user");

    let read = Permission::new("https://api", "read:foo");
    role.permissions()
        .add([read.clone(), read.clone()])
        .await
        .expect("added");
    role.permissions()
        .remove([("https://api", "write:foo")])
        .await
        .expect("removed");
    user.permissions().add([read.clone()]).await.expect("added");
    let listed = user
        .permissions()
        .query()
        .fetch_all()
        .await
        .expect("listed");
    assert_eq!(listed[0].permission(), read);
    assert_eq!(listed[0].role_ids().collect::<Vec<_>>(), ["rol_1"]);
    user.permissions().remove(&listed).await.expect("removed");

    let body = |name: &str| {
        Some(
            json!({"permissions": [{"resource_server_identifier": "https://api", "permission_name": name}]}),
        )
    };
    assert_eq!(
        seen(&server).await,
        vec![
            req("POST", &role_path, "", body("read:foo")),
            req("DELETE", &role_path, "", body("write:foo")),
            req("POST", user_path, "", body("read:foo")),
            req(
                "GET",
                user_path,
                "page=0&per_page=50&include_totals=true",
                None
            ),
            req("DELETE", user_path, "", body("read:foo")),
        ]
    );
}

#[tokio::test]
async fn a_users_roles() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let user_path = "/api/v2/users/auth0%7C63d1/roles";
    answer(&server, "POST", user_path, 204, json!(null)).await;
    answer(&server, "DELETE", user_path, 204, json!(null)).await;
    // Recorded from Auth0 (terraform-provider-auth0, TestAccUser #23, MPL-2.0):
    // a user's roles with include_totals.
    answer(
        &server,
        "GET",
        user_path,
        200,
        json!({"roles": [{"id": "rol_39VEU9kxz1iK1gQz", "name": "admin", "description": "Administrator"},
                         {"id": "rol_4tZgxa89BCNg8qyh", "name": "owner", "description": "Owner"}],
               "start": 0, "limit": 50, "total": 2}),
    )
    .await;
    let user: User = auth0
        .users()
        .from_dict(
            json!({"user_id": "auth0|63d1"})
                .as_object()
                .unwrap()
                .clone(),
        )
        .expect("a user");
    let roles = user.roles();
    roles.add(["rol_1", "rol_2", "rol_1"]).await.expect("added");
    roles.remove(["rol_2"]).await.expect("removed");
    assert_eq!(roles.query().count().await.expect("counted"), 2);
    let mut listed = roles.query().fetch_all().await.expect("listed");
    assert_eq!(listed[1].name.as_deref(), Some("owner"));
    // A role from the list is a fetched record: save sends what changed.
    listed[1].description = Some("Owns".into());
    let role_path = "/api/v2/roles/rol_4tZgxa89BCNg8qyh";
    answer(
        &server,
        "PATCH",
        role_path,
        200,
        json!({"id": "rol_4tZgxa89BCNg8qyh", "name": "owner", "description": "Owns"}),
    )
    .await;
    listed[1].save().await.expect("saved");

    assert_eq!(
        seen(&server).await,
        vec![
            req(
                "POST",
                user_path,
                "",
                Some(json!({"roles": ["rol_1", "rol_2"]}))
            ),
            req("DELETE", user_path, "", Some(json!({"roles": ["rol_2"]}))),
            req(
                "GET",
                user_path,
                "page=0&per_page=1&include_totals=true",
                None
            ),
            req(
                "GET",
                user_path,
                "page=0&per_page=50&include_totals=true",
                None
            ),
            req("PATCH", role_path, "", Some(json!({"description": "Owns"}))),
        ]
    );
}

#[tokio::test]
async fn nothing_is_sent_for_bad_input() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let roles = auth0.roles();
    let unsaved = roles.build(NewRole::new("ghost"));
    let mut nameless = roles.build(NewRole::new(""));
    let user: User = auth0
        .users()
        .from_dict(json!({"user_id": "auth0|1"}).as_object().unwrap().clone())
        .expect("a user");

    let errors = vec![
        roles.get([("name", "")]).await.unwrap_err(),
        roles.get_by_id("").await.unwrap_err(),
        roles.get_by_id(".").await.unwrap_err(),
        roles.delete("..").await.unwrap_err(),
        nameless.save().await.unwrap_err(),
        user.roles().add(["rol_1", ""]).await.unwrap_err(),
        user.permissions()
            .add([("https://api", "")])
            .await
            .unwrap_err(),
        user.permissions().remove([("", "read")]).await.unwrap_err(),
        roles
            .name_contains("x")
            .per_page(0)
            .count()
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    }
    // A role never saved has no id to put in its relations' paths.
    let unsaved_records = vec![
        unsaved.users().add(["auth0|1"]).await.unwrap_err(),
        unsaved.users().query().count().await.unwrap_err(),
        unsaved
            .permissions()
            .add([("https://api", "read")])
            .await
            .unwrap_err(),
    ];
    for err in unsaved_records {
        assert!(matches!(err, Error::MissingId), "{err}");
    }
    // Empty lists send nothing either.
    user.roles()
        .add(Vec::<String>::new())
        .await
        .expect("nothing to do");
    user.permissions()
        .remove(Vec::<Permission>::new())
        .await
        .expect("nothing to do");
    assert!(seen(&server).await.is_empty());
}

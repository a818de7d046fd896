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
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt as _;
use serde::Serialize;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

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
        json!({"users": [{"user_id": "u1"}, {"user_id": "u2"}], "total": 2}),
    )
    .await;
    let auth0 = wire_client(&server);
    let users = role_users(&auth0, "rol_1");
    let all = users.query().fetch_all().await.expect("listed");
    assert_eq!(all.len(), 2);
    // Both styles: the offset window first; two users fit in one page.
    let sent = seen(&server).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0].query,
        [
            ("page".to_owned(), "0".to_owned()),
            ("per_page".to_owned(), "50".to_owned()),
            ("include_totals".to_owned(), "true".to_owned())
        ]
    );
}

/// A role of `total` users `u0000`…, answered by offset (`page`,
/// `per_page`, with `total`) and by checkpoint (`from` = the next index,
/// `take`), each page after `delay`; `arrivals` notes when each offset page
/// was asked for. Offset pages after the first start `shift` users early,
/// as they do when users are added while the list is read.
struct RoleOfUsers {
    total: usize,
    shift: usize,
    delay: Duration,
    arrivals: Arc<Mutex<Vec<(usize, Instant)>>>,
}

impl Respond for RoleOfUsers {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let param = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.into_owned())
        };
        let number = |name: &str| param(name).and_then(|v| v.parse::<usize>().ok());
        let user = |i: usize| json!({"user_id": format!("u{i:04}")});
        let body = if let Some(take) = number("take") {
            let from = number("from").unwrap_or(0);
            let to = (from + take).min(self.total);
            let mut page = json!({"users": (from..to).map(user).collect::<Vec<_>>()});
            if to < self.total {
                page["next"] = json!(to.to_string());
            }
            page
        } else {
            let (index, size) = (
                number("page").unwrap_or(0),
                number("per_page").unwrap_or(50),
            );
            self.arrivals.lock().unwrap().push((index, Instant::now()));
            let shift = if index > 0 { self.shift } else { 0 };
            let from = (index * size).saturating_sub(shift).min(self.total);
            let to = (from + size).min(self.total);
            json!({"users": (from..to).map(user).collect::<Vec<_>>(), "total": self.total,
                   "start": from, "limit": size})
        };
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(self.delay)
    }
}

async fn role_of(total: usize, delay: Duration) -> (MockServer, Arc<Mutex<Vec<(usize, Instant)>>>) {
    shifting_role_of(total, 0, delay).await
}

async fn shifting_role_of(
    total: usize,
    shift: usize,
    delay: Duration,
) -> (MockServer, Arc<Mutex<Vec<(usize, Instant)>>>) {
    let server = MockServer::start().await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path("/api/v2/roles/rol_1/users"))
        .respond_with(RoleOfUsers {
            total,
            shift,
            delay,
            arrivals: Arc::clone(&arrivals),
        })
        .mount(&server)
        .await;
    (server, arrivals)
}

fn ids(users: &[Value]) -> Vec<String> {
    users
        .iter()
        .map(|u| u["user_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn expected(total: usize) -> Vec<String> {
    (0..total).map(|i| format!("u{i:04}")).collect()
}

/// Issue 21: a list with both styles that fits in the offset window has its
/// pages asked for together once the first answered (page after page, each
/// would wait for the one before), and read back in order.
#[tokio::test]
async fn a_relation_inside_the_window_asks_for_its_pages_together_in_order() {
    let delay = Duration::from_millis(300);
    let (server, arrivals) = role_of(250, delay).await;
    let auth0 = wire_client(&server);
    let all = role_users(&auth0, "rol_1")
        .query()
        .fetch_all()
        .await
        .expect("listed");
    assert_eq!(ids(&all), expected(250));
    let streamed: Vec<Value> = role_users(&auth0, "rol_1")
        .query()
        .stream()
        .try_collect()
        .await
        .expect("streamed");
    assert_eq!(ids(&streamed), expected(250));

    // Two reads of pages 0 to 4; no checkpoint request.
    assert!(
        seen(&server)
            .await
            .iter()
            .all(|r| r.param("take").is_empty())
    );
    let arrivals = arrivals.lock().unwrap().clone();
    for read in arrivals.chunks(5) {
        let mut pages: Vec<usize> = read.iter().map(|(page, _)| *page).collect();
        pages.sort_unstable();
        assert_eq!(pages, [0, 1, 2, 3, 4], "{arrivals:?}");
        // Pages 1 to 4 were asked for before any of them answered.
        let later: Vec<Instant> = read
            .iter()
            .filter(|(p, _)| *p > 0)
            .map(|(_, at)| *at)
            .collect();
        let spread = later
            .iter()
            .max()
            .unwrap()
            .duration_since(*later.iter().min().unwrap());
        assert!(
            spread < delay,
            "pages asked for one after another: {spread:?}"
        );
    }
}

/// At the window's edge: 1,000 users are read by offset alone; 1,001 by the
/// checkpoint alone, from its start after the one offset page that told the
/// total, so no user is read twice where the two styles would meet.
#[tokio::test]
async fn at_the_window_edge_a_relation_is_read_once_by_one_style() {
    for (total, offset_pages, checkpoint_pages) in [(1_000, 10, 0), (1_001, 1, 11)] {
        let (server, _) = role_of(total, Duration::ZERO).await;
        let auth0 = wire_client(&server);
        let all = role_users(&auth0, "rol_1")
            .query()
            .per_page(100)
            .fetch_all()
            .await
            .expect("listed");
        assert_eq!(ids(&all), expected(total), "{total}");
        let sent = seen(&server).await;
        let offset = sent.iter().filter(|r| !r.param("page").is_empty()).count();
        let checkpoint = sent.iter().filter(|r| !r.param("take").is_empty()).count();
        assert_eq!(
            (offset, checkpoint),
            (offset_pages, checkpoint_pages),
            "{total}"
        );
        // A slice inside the window is read by offset past it too.
        let (server, _) = role_of(total, Duration::ZERO).await;
        let auth0 = wire_client(&server);
        let tail = role_users(&auth0, "rol_1")
            .query()
            .per_page(100)
            .slice(950..960)
            .await
            .expect("sliced");
        assert_eq!(ids(&tail), expected(960)[950..], "{total}");
        assert_eq!(seen(&server).await.len(), 1, "{total}");
    }
}

/// A list read by offset while users are added before the page being read:
/// the last user of a page comes again first on the next, and is read once.
#[tokio::test]
async fn a_relation_that_shifts_while_read_shows_no_user_twice() {
    let (server, _) = shifting_role_of(250, 1, Duration::ZERO).await;
    let auth0 = wire_client(&server);
    let query = role_users(&auth0, "rol_1").query();
    let all = query.fetch_all().await.expect("listed");
    // u0049 ends page 0 and starts page 1; u0249 was pushed past the total.
    assert_eq!(ids(&all), expected(249));
    let streamed: Vec<Value> = query.stream().try_collect().await.expect("streamed");
    assert_eq!(ids(&streamed), expected(249));
}

//! The generic core: `Auth0::send`, `Auth0::list` and `Auth0::request` with
//! hand-written operations (exact wire, wiremock), every paging style, a
//! resource the crate does not wrap, and the traps a new user fell into —
//! each written the way a user (or an attacker) would call the code.

use std::time::Duration;

use auth0plus::fake::FakeTenant;
use auth0plus::management::api::roles::RoleSpec;
use auth0plus::management::api::{Cursor, ListOperation, Operation, Paging, Request};
use auth0plus::management::{Collection, Found, Method, Record, Resource, Timestamp};
use auth0plus::prelude::*;
use auth0plus::transport::RetryPolicy;
use auth0plus_tests::{TestResult, answer, builder_for};
use futures::TryStreamExt;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use auth0plus_tests::{WIRE_TOKEN as TOKEN, wire_client};

fn fake_client(tenant: &FakeTenant) -> Auth0 {
    builder_for(tenant)
        .client_id(tenant.client_id())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a valid client")
}

/// The query pairs of the `n`th request the server saw.
async fn params_of(server: &MockServer, n: usize) -> Vec<(String, String)> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests[n]
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

// ------------------------------------------------- hand-written operations

/// `POST /users/{id}/roles`, as the generated layer will write it.
struct AssignUserRoles {
    user_id: String,
    roles: Vec<String>,
}

impl Operation for AssignUserRoles {
    type Output = ();
    fn to_request(&self) -> Result<Request, serde_json::Error> {
        Ok(
            Request::new(Method::POST, ["users", self.user_id.as_str(), "roles"])
                .json(json!({ "roles": self.roles })),
        )
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
struct Member {
    user_id: String,
}

/// A list with a hand-chosen paging style, as the generated layer will
/// write them.
#[derive(Clone)]
struct ListMembers<const STYLE: u8> {
    path: Vec<String>,
    /// A page the caller set, which the query must replace.
    page: Option<u32>,
}

impl<const STYLE: u8> Operation for ListMembers<STYLE> {
    type Output = Value;
    fn to_request(&self) -> Result<Request, serde_json::Error> {
        let mut request = Request::new(Method::GET, self.path.clone());
        if let Some(page) = self.page {
            request = request.param("page", page.to_string());
        }
        // `/roles/{id}/users` takes no field selection.
        if STYLE != BOTH {
            request = request.param("fields", "user_id");
        }
        Ok(request)
    }
}

const OFFSET: u8 = 0;
const CHECKPOINT: u8 = 1;
const BOTH: u8 = 2;

impl ListOperation for ListMembers<OFFSET> {
    type Item = Member;
    const PAGING: Paging = Paging::OFFSET;
    const ITEMS_KEY: &'static str = "members";
}

impl ListOperation for ListMembers<CHECKPOINT> {
    type Item = Member;
    const PAGING: Paging = Paging::CHECKPOINT;
    const ITEMS_KEY: &'static str = "members";
}

impl ListOperation for ListMembers<BOTH> {
    type Item = Member;
    const PAGING: Paging = Paging::offset_capped(1000).with_cursor(Cursor::Next);
    const ITEMS_KEY: &'static str = "users";
}

#[derive(Debug, Clone, Deserialize)]
struct LogEvent {
    log_id: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Clone)]
struct ListLogs;

impl Operation for ListLogs {
    type Output = Vec<LogEvent>;
    fn to_request(&self) -> Result<Request, serde_json::Error> {
        Ok(Request::new(Method::GET, ["logs"]))
    }
}

impl ListOperation for ListLogs {
    type Item = LogEvent;
    const PAGING: Paging = Paging::offset_capped(1000).with_cursor(Cursor::LogId);
    const ITEMS_KEY: &'static str = "logs";
}

fn members(ids: std::ops::Range<u32>) -> Vec<Value> {
    ids.map(|i| json!({"user_id": format!("auth0|{i}")}))
        .collect()
}

fn ids(found: &[Member]) -> Vec<String> {
    found.iter().map(|m| m.user_id.clone()).collect()
}

#[tokio::test]
async fn send_encodes_every_path_segment_and_decodes_an_empty_answer() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/api/v2/users/auth0%7C1%2F..%2F..%2Froles%3Fx%23y/roles",
        ))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let auth0 = wire_client(&server);
    let () = auth0
        .send(AssignUserRoles {
            user_id: "auth0|1/../../roles?x#y".into(),
            roles: vec!["rol_1".into()],
        })
        .await?;
    let seen = &server.received_requests().await.unwrap_or_default()[0];
    assert_eq!(seen.body_json::<Value>()?, json!({"roles": ["rol_1"]}));
    assert_eq!(
        seen.headers
            .get("authorization")
            .map(|v| v.to_str().unwrap_or("")),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    // A segment that routers normalise away is refused before sending.
    for bad in ["", "..", "."] {
        let err = auth0
            .send(AssignUserRoles {
                user_id: bad.into(),
                roles: Vec::new(),
            })
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{bad:?}: {err}");
    }
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
    Ok(())
}

#[tokio::test]
async fn offset_lists_read_the_total_and_replace_the_operations_paging() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations/org_1/members"))
        .respond_with(|request: &wiremock::Request| {
            // Seven members, paged as asked.
            let number = |name: &str| {
                request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| v.parse::<u32>().ok())
                    .unwrap_or(0)
            };
            let (page, per_page) = (number("page"), number("per_page").max(1));
            let start = (page * per_page).min(7);
            ResponseTemplate::new(200).set_body_json(json!({
                "start": start, "limit": per_page, "total": 7,
                "members": members(start..(start + per_page).min(7)),
            }))
        })
        .mount(&server)
        .await;
    let auth0 = wire_client(&server);
    let query = auth0
        .list(ListMembers::<OFFSET> {
            path: vec!["organizations".into(), "org_1".into(), "members".into()],
            page: Some(9),
        })
        .per_page(3);
    let all: Vec<Member> = query.stream().try_collect().await?;
    assert_eq!(
        ids(&all),
        ids(&serde_json::from_value::<Vec<Member>>(Value::Array(
            members(0..7)
        ))?)
    );
    for n in 0..3 {
        let params = params_of(&server, n).await;
        assert_eq!(param(&params, "fields").as_deref(), Some("user_id"));
        assert_eq!(param(&params, "per_page").as_deref(), Some("3"));
        assert_eq!(param(&params, "include_totals").as_deref(), Some("true"));
        assert_eq!(
            params.iter().filter(|(k, _)| k == "page").count(),
            1,
            "{params:?}"
        );
    }
    assert_eq!(query.count().await?, 7);
    assert_eq!(
        query.get(4).await?.map(|m| m.user_id),
        Some("auth0|4".into())
    );
    assert_eq!(
        ids(&query.slice(2..5).await?),
        ["auth0|2", "auth0|3", "auth0|4"]
    );
    Ok(())
}

#[tokio::test]
async fn checkpoint_lists_follow_next_one_page_after_another() -> TestResult {
    let server = MockServer::start().await;
    let page = |items: Value, next: Option<&str>| {
        ResponseTemplate::new(200).set_body_json(match next {
            Some(next) => json!({"members": items, "next": next}),
            None => json!({"members": items}),
        })
    };
    let route = || Mock::given(method("GET")).and(path("/api/v2/organizations/org_1/members"));
    route()
        .and(query_param_is_missing("from"))
        .respond_with(page(Value::Array(members(0..2)), Some("cp-1")))
        .mount(&server)
        .await;
    route()
        .and(query_param("from", "cp-1"))
        .respond_with(page(Value::Array(members(2..4)), Some("cp-2")))
        .mount(&server)
        .await;
    route()
        .and(query_param("from", "cp-2"))
        .respond_with(page(Value::Array(members(4..5)), None))
        .mount(&server)
        .await;
    let auth0 = wire_client(&server);
    let query = auth0
        .list(ListMembers::<CHECKPOINT> {
            path: vec!["organizations".into(), "org_1".into(), "members".into()],
            page: None,
        })
        .per_page(2);
    let all: Vec<Member> = query.fetch_all().await?;
    assert_eq!(
        ids(&all),
        ["auth0|0", "auth0|1", "auth0|2", "auth0|3", "auth0|4"]
    );
    let first = params_of(&server, 0).await;
    assert_eq!(param(&first, "take").as_deref(), Some("2"));
    assert_eq!(param(&first, "page"), None);
    assert_eq!(
        param(&params_of(&server, 1).await, "from").as_deref(),
        Some("cp-1")
    );
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        3
    );
    // No totals on a checkpoint-only list: count walks it.
    assert_eq!(query.count().await?, 5);
    // A slice stops asking once it has what it needs.
    server.reset().await;
    route()
        .and(query_param_is_missing("from"))
        .respond_with(page(Value::Array(members(0..2)), Some("cp-1")))
        .mount(&server)
        .await;
    assert_eq!(ids(&query.slice(..2).await?), ["auth0|0", "auth0|1"]);
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
    Ok(())
}

#[tokio::test]
async fn log_cursors_continue_from_the_last_log_id() -> TestResult {
    let server = MockServer::start().await;
    let logs = |from: u32, to: u32| {
        Value::Array(
            (from..to)
                .map(|i| json!({"log_id": format!("9000{i:04}"), "type": "sapi"}))
                .collect(),
        )
    };
    let route = || Mock::given(method("GET")).and(path("/api/v2/logs"));
    route()
        .and(query_param_is_missing("from"))
        .respond_with(ResponseTemplate::new(200).set_body_json(logs(0, 3)))
        .mount(&server)
        .await;
    route()
        .and(query_param("from", "90000002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(logs(3, 5)))
        .mount(&server)
        .await;
    let auth0 = wire_client(&server);
    let events: Vec<LogEvent> = auth0
        .list(ListLogs)
        .per_page(3)
        .stream()
        .try_collect()
        .await?;
    assert_eq!(
        events.iter().map(|e| e.log_id.as_str()).collect::<Vec<_>>(),
        ["90000000", "90000001", "90000002", "90000003", "90000004"]
    );
    assert!(events.iter().all(|e| e.kind == "sapi"));
    // The short second page ended the walk: two requests.
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        2
    );
    assert_eq!(
        param(&params_of(&server, 1).await, "take").as_deref(),
        Some("3")
    );
    Ok(())
}

#[tokio::test]
async fn a_page_that_is_not_a_page_is_a_typed_error() -> TestResult {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/organizations/org_1/members",
        200,
        json!({"total": 3}),
    )
    .await;
    let auth0 = wire_client(&server);
    let err = auth0
        .list(ListMembers::<OFFSET> {
            path: vec!["organizations".into(), "org_1".into(), "members".into()],
            page: None,
        })
        .fetch_all()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    Ok(())
}

// ------------------------------------------------------- Auth0::request

#[tokio::test]
async fn request_reaches_any_endpoint_with_its_values_encoded() -> TestResult {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/users/auth0%7C1/permissions",
        200,
        json!([{"permission_name": "read:x"}]),
    )
    .await;
    let auth0 = wire_client(&server);
    let permissions: Vec<Value> = auth0
        .request(Method::GET, ["users", "auth0|1", "permissions"])
        .query("per_page", 5)
        .query("q", "a&b=c d")
        .json()
        .await?;
    assert_eq!(permissions[0]["permission_name"], "read:x");
    let seen = &server.received_requests().await.unwrap_or_default()[0];
    assert_eq!(seen.url.query(), Some("per_page=5&q=a%26b%3Dc%20d"));
    let missing = auth0
        .request(Method::GET, ["users", "auth0|2", "permissions"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(404));
    Ok(())
}

#[tokio::test]
async fn secrets_in_any_body_never_print_not_even_when_echoed() -> TestResult {
    let server = MockServer::start().await;
    let secret = "cl1ent-s3cret-\"quoted\"-value";
    Mock::given(method("POST"))
        .and(path("/api/v2/clients"))
        .respond_with(|request: &wiremock::Request| {
            // A server that echoes the whole request body into its error.
            let echoed = String::from_utf8_lossy(&request.body).into_owned();
            ResponseTemplate::new(400).set_body_json(json!({
                "statusCode": 400, "error": "Bad Request",
                "message": format!("Payload validation error: {echoed}"),
                "errorCode": "invalid_body"
            }))
        })
        .mount(&server)
        .await;
    let auth0 = wire_client(&server);
    let body = json!({"name": "app", "client_secret": secret, "jwt_configuration": {"secret": "nested-s3cret"}});
    let builder = auth0.request(Method::POST, ["clients"]).body(&body);
    let shown = format!("{builder:?}");
    assert!(
        !shown.contains("cl1ent-s3cret") && !shown.contains("nested-s3cret"),
        "{shown}"
    );
    let err = builder.send().await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("cl1ent-s3cret"), "{text}");
        assert!(!text.contains("nested-s3cret"), "{text}");
        assert!(!text.contains(TOKEN), "{text}");
    }
    assert_eq!(
        err.api().and_then(|e| e.error_code.as_deref()),
        Some("invalid_body")
    );
    Ok(())
}

// ------------------------------------------- a resource the crate does not wrap

/// A role, as `/api/v2/roles` returns it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Role {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

impl Resource for Role {
    type Spec = RoleSpec;
    type Pending = ();
    type New = Role;
    type Changes = Value;
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// By exact name, as a user of the crate would write it: Auth0's
    /// `name_filter`, then one page of two with the total.
    fn find(
        roles: &Collection<Self>,
        lookup: Lookup,
    ) -> BoxFuture<'static, auth0plus::Result<Found<Self>>> {
        let query = match lookup.only_exact().as_deref() {
            Some([("name", name)]) => roles.query().param("name_filter", *name),
            _ => roles.query().param("name_filter", ""),
        };
        Box::pin(async move { query.per_page(2).first_page().await })
    }
}

#[tokio::test]
async fn a_resource_is_one_trait_impl_away_from_records() -> TestResult {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/api/v2/roles",
        200,
        json!({"id": "rol_1", "name": "admin", "description": "all"}),
    )
    .await;
    answer(
        &server,
        "PATCH",
        "/api/v2/roles/rol_1",
        200,
        json!({"id": "rol_1", "name": "admin", "description": "some"}),
    )
    .await;
    answer(&server, "DELETE", "/api/v2/roles/rol_1", 204, Value::Null).await;
    answer(&server, "GET", "/api/v2/roles/rol_2", 404, json!({"statusCode": 404, "error": "Not Found", "message": "The role does not exist.", "errorCode": "inexistent_role"})).await;
    let auth0 = wire_client(&server);
    let roles: Collection<Role> = auth0.collection();
    let mut admin: Record<Role> = roles.build(Role {
        name: "admin".into(),
        description: Some("all".into()),
        ..Role::default()
    });
    admin.save().await?;
    assert_eq!((admin.id(), admin.is_fetched()), (Some("rol_1"), true));
    assert_eq!(admin.to_string(), "<Role rol_1>");
    admin.save().await?; // nothing changed: nothing sent
    admin.description = Some("some".into());
    admin.save().await?;
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        requests[0].body_json::<Value>()?,
        json!({"name": "admin", "description": "all"})
    );
    assert_eq!(
        requests[1].body_json::<Value>()?,
        json!({"description": "some"})
    );
    admin.delete().await?;
    assert!(!admin.is_fetched());
    let err = roles.get_by_id("rol_2").await.unwrap_err();
    assert_eq!(err.to_string(), "Role Does Not Exist");
    assert!(
        matches!(&err, Error::DoesNotExist { kind: "Role", lookup } if lookup == "id:rol_2"),
        "{err:?}"
    );
    assert!(err.is_not_found());
    let state = serde_json::to_string(&admin.to_state())?;
    let back = roles.restore(serde_json::from_str(&state)?);
    assert_eq!(back.name, "admin");
    Ok(())
}

#[tokio::test]
async fn get_and_get_or_create_work_for_any_resource() -> TestResult {
    let server = MockServer::start().await;
    let roles_named = |name: &'static str, found: Value, total: u64| {
        Mock::given(method("GET"))
            .and(path("/api/v2/roles"))
            .and(query_param("name_filter", name))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"roles": found, "total": total, "start": 0, "limit": 2})),
            )
    };
    roles_named("admin", json!([{"id": "rol_1", "name": "admin"}]), 1)
        .mount(&server)
        .await;
    roles_named(
        "a",
        json!([{"id": "rol_1", "name": "admin"}, {"id": "rol_2", "name": "auditor"}]),
        2,
    )
    .mount(&server)
    .await;
    roles_named("crew", json!([]), 0).mount(&server).await;
    answer(
        &server,
        "POST",
        "/api/v2/roles",
        200,
        json!({"id": "rol_3", "name": "crew"}),
    )
    .await;
    let roles: Collection<Role> = wire_client(&server).collection();
    let named = |name: &str| roles.query().param("name_filter", name.to_owned());
    assert_eq!(named("admin").one().await?.id(), Some("rol_1"));
    let err = named("a").one().await.unwrap_err();
    assert_eq!(err.to_string(), "Role.get returned multiple roles");
    assert!(named("crew").one_opt().await?.is_none());
    assert_eq!(roles.get([("name", "admin")]).await?.id(), Some("rol_1"));
    assert!(roles.get_opt([("name", "crew")]).await?.is_none());
    // The lookup's exact values fill in the defaults (Django's way).
    let (crew, created) = roles
        .get_or_create([("name", "crew")], Role::default())
        .await?;
    assert_eq!((crew.id(), created), (Some("rol_3"), true));
    let (admin, created) = roles
        .get_or_create([("name", "admin")], Role::default())
        .await?;
    assert_eq!((admin.id(), created), (Some("rol_1"), false));
    let first = params_of(&server, 0).await;
    assert_eq!(param(&first, "per_page").as_deref(), Some("2"));
    assert_eq!(param(&first, "include_totals").as_deref(), Some("true"));
    let requests = server.received_requests().await.unwrap_or_default();
    let created = requests
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .ok_or("no create")?;
    assert_eq!(created.body_json::<Value>()?, json!({"name": "crew"}));
    Ok(())
}

#[tokio::test]
async fn get_or_create_resolves_a_conflict_by_looking_again() -> TestResult {
    let server = MockServer::start().await;
    // The first lookup misses; someone else creates the role (409); the
    // second lookup finds theirs.
    Mock::given(method("GET"))
        .and(path("/api/v2/roles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"roles": [], "total": 0})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/roles"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"roles": [{"id": "rol_9", "name": "crew"}], "total": 1})),
        )
        .mount(&server)
        .await;
    answer(
        &server,
        "POST",
        "/api/v2/roles",
        409,
        json!({"statusCode": 409, "error": "Conflict", "message": "Role name already exists", "errorCode": "conflict"}),
    )
    .await;
    let roles: Collection<Role> = wire_client(&server).collection();
    let (crew, created) = roles
        .get_or_create([("name", "crew")], Role::default())
        .await?;
    assert_eq!((crew.id(), created), (Some("rol_9"), false));
    let verbs: Vec<String> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(verbs, ["GET", "POST", "GET"]);
    Ok(())
}

// ------------------------------------------------------------------ the traps

#[tokio::test]
async fn a_signup_with_a_wildcard_email_never_returns_someone_elses_account() -> TestResult {
    // Search sees writes at once here: the test is about what a lookup
    // matches, not about the index lag.
    let tenant = FakeTenant::builder()
        .index_delay(Duration::ZERO)
        .start()
        .await?;
    let users = fake_client(&tenant).users();
    let alice = users
        .create(
            NewUser::new()
                .email("alice@acdc.example")
                .password("Sw0rdfish!9"),
        )
        .await?;
    // The handler passes what the visitor typed straight into the pair.
    for typed in ["alice*", "a*", "*", "alice@acdc.example OR email:*"] {
        match users
            .get_or_create([("email", typed)], NewUser::new().password("An0ther-Pass!"))
            .await
        {
            Ok((user, created)) => {
                assert_ne!(user.id(), alice.id(), "{typed:?} returned Alice's account");
                assert!(created, "{typed:?}");
                users.delete(user.id().unwrap_or_default()).await?;
            }
            Err(e) => assert_eq!(e.status(), Some(400), "{typed:?}: {e}"),
        }
        // A lone email is looked up with users-by-email, which refuses what
        // is not an address; either way, nobody is found.
        match users.get_opt([("email", typed)]).await {
            Ok(found) => assert!(found.is_none(), "{typed:?} found {found:?}"),
            Err(e) => assert_eq!(e.status(), Some(400), "{typed:?}: {e}"),
        }
        // Search takes the value as one exact phrase: nobody either.
        let searched = users.query().filter([("email", typed)]).count().await?;
        assert_eq!(searched, 0, "{typed:?}");
    }
    // Asking for a prefix by name still works.
    let found = users.get([("email__startswith", "alice")]).await?;
    assert_eq!(found.id(), alice.id());
    Ok(())
}

#[tokio::test]
async fn the_timeout_survives_a_retry_policy_set_after_it() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users/auth0%7C1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"user_id": "auth0|1"}))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let base = || {
        Auth0::builder("acme.auth0.com")
            .token(TOKEN)
            .base_url(server.uri())
            .throttle(false)
    };
    for auth0 in [
        base()
            .timeout(Duration::from_millis(200))
            .retry_policy(RetryPolicy::never())
            .build()?,
        base()
            .retry_policy(RetryPolicy::never())
            .timeout(Duration::from_millis(200))
            .build()?,
    ] {
        let err = auth0.users().get_by_id("auth0|1").await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport(t) if t.to_string().to_lowercase().contains("time")),
            "{err:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn update_block_and_unblock_change_a_user_without_fetching_it() -> TestResult {
    let server = MockServer::start().await;
    answer(
        &server,
        "PATCH",
        "/api/v2/users/auth0%7C1",
        200,
        json!({"user_id": "auth0|1", "email": "bon@acdc.example", "blocked": true}),
    )
    .await;
    let users = wire_client(&server).users();
    let user = users
        .update(
            "auth0|1",
            NewUser::new()
                .email("bon@acdc.example")
                .password("HighwayToHell!1")
                .user_metadata(json!({"band": "AC/DC"})),
        )
        .await?;
    assert_eq!((user.id(), user.is_fetched()), (Some("auth0|1"), true));
    users.block("auth0|1").await?;
    users.unblock("auth0|1").await?;
    let bodies: Vec<Value> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.body_json::<Value>().unwrap_or_default())
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"password": "HighwayToHell!1", "connection": "db"}),
            json!({"email": "bon@acdc.example", "user_metadata": {"band": "AC/DC"}, "connection": "db", "client_id": "cid"}),
            json!({"blocked": true}),
            json!({"blocked": false}),
        ]
    );
    // Nothing to change is refused before sending; so is an empty id.
    assert!(matches!(
        users.update("auth0|1", NewUser::new()).await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        users.block("").await,
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        4
    );
    Ok(())
}

#[tokio::test]
async fn timestamps_are_typed_and_compare_as_time_in_lookups() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let users = fake_client(&tenant).users();
    for (email, created) in [
        ("old@acdc.example", "2019-06-01T10:00:00.000Z"),
        ("new@acdc.example", "2024-06-01T10:00:00.000Z"),
    ] {
        tenant.insert_user(json!({"email": email, "created_at": created}));
    }
    let since: Timestamp = "2020-01-01T00:00:00+02:00".parse()?;
    let recent = users
        .query()
        .filter([("created_at__gte", since)])
        .fetch_all()
        .await?;
    assert_eq!(
        recent
            .iter()
            .filter_map(|u| u.email.as_deref())
            .collect::<Vec<_>>(),
        ["new@acdc.example"]
    );
    let created = recent[0].created_at.expect("a creation time");
    assert!(created > since);
    assert_eq!(created.to_string(), "2024-06-01T10:00:00.000Z");
    let before = users
        .query()
        .filter([("created_at__lt", since)])
        .count()
        .await?;
    assert_eq!(before, 1);
    Ok(())
}

// ------------------------------------------------- paging against the fake

#[derive(Debug, Deserialize)]
struct Created {
    id: String,
}

#[tokio::test]
async fn checkpoint_and_cursor_lists_run_against_the_fake_past_1000() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(1100).start().await?;
    let auth0 = fake_client(&tenant);
    let role: Created = auth0
        .request(Method::POST, ["roles"])
        .body(&json!({"name": "crew"}))
        .json()
        .await?;
    let everyone: Vec<String> = tenant
        .users()
        .iter()
        .filter_map(|u| u["user_id"].as_str().map(str::to_owned))
        .collect();
    for chunk in everyone.chunks(1000) {
        auth0
            .request(Method::POST, ["roles", role.id.as_str(), "users"])
            .body(&json!({"users": chunk}))
            .send()
            .await?;
    }
    let crew = auth0
        .list(ListMembers::<BOTH> {
            path: vec!["roles".into(), role.id.clone(), "users".into()],
            page: None,
        })
        .per_page(100);
    // Counting uses the offset total; the stream walks the checkpoint and so
    // goes past the 1,000 that offset paging reaches.
    assert_eq!(crew.count().await?, 1100);
    let streamed: Vec<Member> = crew.stream().try_collect().await?;
    assert_eq!(streamed.len(), 1100);
    let mut unique: Vec<&str> = streamed.iter().map(|m| m.user_id.as_str()).collect();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 1100);
    assert_eq!(
        crew.get(1050).await?.map(|m| m.user_id),
        Some(streamed[1050].user_id.clone())
    );

    // The logs' cursor: what happened on the tenant, oldest first.
    let events: Vec<LogEvent> = auth0
        .list(ListLogs)
        .per_page(3)
        .stream()
        .try_collect()
        .await?;
    assert!(events.len() >= 3, "{events:?}");
    assert!(events.windows(2).all(|w| w[0].log_id < w[1].log_id));
    assert!(events.iter().any(|e| e.kind == "seccft"), "{events:?}");
    Ok(())
}

//! A small admin service on the facade, with axum: sign a user up (create
//! the user, give them the member role, add them to the organization), a
//! prefix search that no input can turn into query structure, block and
//! unblock a user, and delete.
//!
//! Every handler awaits the client's futures directly: they are `Send` and
//! `'static`, and the handles are cheap clones held in the router's state.
//!
//! ```text
//! cargo run -p auth0plus --features fake --example signup_service
//! curl -X POST localhost:3000/signup -H 'content-type: application/json' \
//!      -d '{"email": "angus@acdc.example", "password": "Highway-2-Hell!"}'
//! curl 'localhost:3000/users?prefix=angus'
//! curl -X POST 'localhost:3000/users/auth0|…/block'
//! curl -X DELETE 'localhost:3000/users/auth0|…/block'
//! curl -X DELETE 'localhost:3000/users/auth0|…'
//! ```
//!
//! `main` serves against the embedded fake tenant; point `Auth0::builder` at
//! a real tenant instead and the rest is unchanged. `tests/examples.rs` runs
//! this router against the fake too.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use auth0plus::prelude::*;
use auth0plus::{NewOrganization, NewRole, Organization, Role};

/// The role every signup gets, and the organization it joins.
pub const MEMBER_ROLE: &str = "member";
/// The organization's name (Auth0: lower case, digits, `-` and `_`).
pub const ORGANIZATION: &str = "acme";

/// What the handlers share: the client, and the role and organization
/// found (or made) once at start. Clones are cheap.
#[derive(Clone, Debug)]
pub struct App {
    auth0: Auth0,
    member: Role,
    organization: Organization,
}

impl App {
    /// The app on `auth0`: the member role and the organization, each found
    /// by exact name or created (`get_or_create`: safe if two instances
    /// start at once).
    ///
    /// # Errors
    /// What Auth0 answers.
    pub async fn new(auth0: Auth0) -> Result<Self, Error> {
        let (member, _) = auth0
            .roles()
            .get_or_create(
                [("name", MEMBER_ROLE)],
                NewRole::default().description("Signed up through the service"),
            )
            .await?;
        let (organization, _) = auth0
            .organizations()
            .get_or_create(
                [("name", ORGANIZATION)],
                NewOrganization {
                    display_name: Some("Acme".into()),
                    ..NewOrganization::default()
                },
            )
            .await?;
        Ok(Self {
            auth0,
            member,
            organization,
        })
    }
}

/// The routes.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/signup", post(signup))
        .route("/users", get(search))
        .route("/users/{id}", delete(remove))
        .route("/users/{id}/block", post(block).delete(unblock))
        .with_state(app)
}

/// A signup form.
#[derive(Debug, Deserialize)]
pub struct Signup {
    /// The email to sign up with.
    pub email: String,
    /// The password (sent to Auth0, never logged nor answered).
    pub password: String,
}

/// A user as the service answers it.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    /// Auth0's id.
    pub user_id: String,
    /// The email.
    pub email: Option<String>,
    /// Whether an administrator blocked them.
    #[serde(default)]
    pub blocked: bool,
}

impl Member {
    fn of(user: &User) -> Result<Self, Error> {
        Ok(Self {
            user_id: user.saved_id()?.to_owned(),
            email: user.email.clone(),
            blocked: user.blocked.unwrap_or(false),
        })
    }
}

/// Create the user, give them the member role, add them to the organization.
async fn signup(
    State(app): State<App>,
    Json(form): Json<Signup>,
) -> Result<(StatusCode, Json<Member>), Failure> {
    let user = app
        .auth0
        .users()
        .create(NewUser::new().email(form.email).password(form.password))
        .await?;
    let id = user.saved_id()?;
    user.roles().add([app.member.saved_id()?]).await?;
    app.organization.members().add([id]).await?;
    Ok((StatusCode::CREATED, Json(Member::of(&user)?)))
}

/// `?prefix=`: the users whose email starts with it.
#[derive(Debug, Deserialize)]
pub struct Search {
    /// The start of the email.
    pub prefix: String,
}

/// At most 20 users whose email starts with `prefix`. The prefix is the
/// value of a `__startswith` pair: escaped whatever it holds (`*`, quotes,
/// `OR`, `:`), so it can only ever be the start of an email.
async fn search(
    State(app): State<App>,
    Query(search): Query<Search>,
) -> Result<Json<Vec<Member>>, Failure> {
    let found = app
        .auth0
        .users()
        .query()
        .filter([("email__startswith", search.prefix.as_str())])
        .fields(["user_id", "email"])
        .slice(..20)
        .await?;
    let members = found.iter().map(Member::of).collect::<Result<_, _>>()?;
    Ok(Json(members))
}

/// Delete the user (their roles and memberships go with them).
async fn remove(State(app): State<App>, Path(id): Path<String>) -> Result<StatusCode, Failure> {
    app.auth0.users().delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Block the user (an administrator's decision; their sessions stay until
/// revoked: `user.sessions().revoke_all()`).
async fn block(State(app): State<App>, Path(id): Path<String>) -> Result<Json<Member>, Failure> {
    let user = app.auth0.users().block(&id).await?;
    Ok(Json(Member::of(&user)?))
}

/// Lift the block.
async fn unblock(State(app): State<App>, Path(id): Path<String>) -> Result<Json<Member>, Failure> {
    let user = app.auth0.users().unblock(&id).await?;
    Ok(Json(Member::of(&user)?))
}

/// A failure as an HTTP answer: Auth0's refusals of the caller's input keep
/// their status and message (errors never carry a secret: the client scrubs
/// them); input refused before sending is a 400; anything else a 502.
#[derive(Debug)]
pub struct Failure(Error);

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            Error::InvalidArgument(_) | Error::MissingId => StatusCode::BAD_REQUEST,
            Error::DoesNotExist { .. } => StatusCode::NOT_FOUND,
            error => match error.status() {
                Some(status @ (400 | 404 | 409)) => {
                    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY)
                }
                _ => StatusCode::BAD_GATEWAY,
            },
        };
        let message = if status == StatusCode::BAD_GATEWAY {
            "the identity provider failed".to_owned()
        } else {
            self.0.to_string()
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tenant = auth0plus::fake::FakeTenant::start().await?;
    let auth0 = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url()) // only for the fake: a real tenant is https://{domain}
        .build()?;
    let app = App::new(auth0).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("serving on http://{}", listener.local_addr()?);
    axum::serve(listener, router(app)).await?;
    Ok(())
}

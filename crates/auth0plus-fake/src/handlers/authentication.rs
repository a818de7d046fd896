//! The Authentication API: every path of the tenant's domain outside `/api/v2` and
//! `/__fake` (`/oauth/token` today). The server reaches it through [`route`] (which path is
//! which [`Route`], for faults and counters) and [`handle`]; the grants themselves live in
//! `token.rs` and `user_world.rs`.

use http::Method;

use crate::Route;
use crate::server::Resp;
use crate::state::Shared;

/// A request to the Authentication API, as the server read it.
pub(crate) struct AuthRequest<'a> {
    pub route: Route,
    /// The `Authorization` header (HTTP Basic client authentication).
    pub authorization: Option<&'a str>,
    /// The content type, lowercased.
    pub content_type: &'a str,
    pub body: &'a [u8],
}

/// The Authentication API route of `method` and `path`, if it is one.
pub(crate) fn route(method: &Method, path: &str) -> Option<Route> {
    match (method, path) {
        (&Method::POST, "/oauth/token") => Some(Route::Token),
        _ => None,
    }
}

/// Answer a request [`route`] recognised.
pub(crate) fn handle(shared: &Shared, req: &AuthRequest<'_>) -> Resp {
    match req.route {
        Route::Token => super::token::token(shared, req.authorization, req.content_type, req.body),
        _ => Resp::error(404, "Not Found", None),
    }
}

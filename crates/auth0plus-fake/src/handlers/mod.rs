//! Handlers, one module per resource. Every Management API operation reaches its handler
//! through the routing table (`routes.rs`); every other path of the tenant's domain
//! (`/oauth/token`, `/authorize`, `/userinfo`, …) goes to the Authentication API
//! (`crate::authentication`).

mod admin;
mod auth;
mod clients;
mod defaults;
mod events;
pub(crate) mod generic;
mod identities;
mod imports;
mod input;
mod invitations;
mod jobs;
mod links;
pub(crate) mod logs;
mod org_connections;
mod organizations;
mod paging;
// Issue 14: roles and permissions
mod permissions;
mod roles;
pub(crate) mod routes;
pub(crate) mod shapes;
pub(crate) mod signing_keys;
mod tickets;
mod users;
// Issue 14: a user's world (sessions, refresh tokens, login blocks, authentication methods)
pub(crate) mod user_world;
pub(crate) use user_world::{
    BRUTE_FORCE_THRESHOLD, LOGIN_ATTEMPTS, LOGIN_IP, REFRESH_TOKEN_VALUES, REFRESH_TOKENS,
    SESSIONS, USER_OWNED, failures, password_matches, remember_password,
};

pub(crate) use admin::admin;
pub(crate) use auth::{check_bearer, expired_token};
pub(crate) use imports::{ImportWork, advance as advance_imports};
pub(crate) use jobs::download;

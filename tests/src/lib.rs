//! Shared set-up for the whole-stack tests in `tests/tests/`.

use auth0plus::fake::FakeTenant;
use auth0plus::{Auth0, Auth0Builder};

/// What most tests return.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A client builder pointed at `tenant`: its client credentials, connection and
/// address. Tests add the retry policy (and client id) they need.
pub fn builder_for(tenant: &FakeTenant) -> Auth0Builder {
    Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
}

/// The ids of the fake's users, in creation order.
pub fn stored_ids(tenant: &FakeTenant) -> Vec<String> {
    tenant
        .users()
        .iter()
        .filter_map(|u| u["user_id"].as_str().map(str::to_owned))
        .collect()
}

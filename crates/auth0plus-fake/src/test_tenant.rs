//! [`TestTenant`]: the tenant that examples, doctests and the walkthrough
//! run against — a live one when asked for, a fresh fake one otherwise.

use std::fmt;

use crate::{FakeError, FakeTenant, PasswordPolicy};

/// Environment variable that switches [`TestTenant::from_env_or_fake`] to a
/// live tenant.
pub const LIVE_VAR: &str = "AUTH0PLUS_LIVE";

/// The four variables a live tenant needs (as in the original's `.env`).
pub const LIVE_VARS: [&str; 4] = ["DOMAIN", "CLIENT_ID", "CLIENT_SECRET", "CONNECTION"];

/// Where to run: the credentials and base URL of a tenant.
///
/// `Debug` never shows the client secret.
pub struct TestTenant {
    /// Tenant domain (the fake's is `fake-tenant.auth0plus.test`).
    pub domain: String,
    /// Machine-to-machine client id.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Database connection name.
    pub connection: String,
    /// Where requests go: the fake's loopback URL, or `https://{domain}`.
    pub base_url: String,
    fake: Option<FakeTenant>,
}

impl fmt::Debug for TestTenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestTenant")
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("connection", &self.connection)
            .field("base_url", &self.base_url)
            .field("live", &self.is_live())
            .finish()
    }
}

/// Why a live tenant could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestTenantError {
    /// `AUTH0PLUS_LIVE=1` but some of the four variables are missing.
    #[error(
        "a live tenant needs DOMAIN, CLIENT_ID, CLIENT_SECRET and CONNECTION (missing: {})",
        missing.join(", ")
    )]
    MissingVars {
        /// The missing names.
        missing: Vec<&'static str>,
    },
    /// The fake tenant could not start.
    #[error(transparent)]
    Fake(#[from] FakeError),
}

impl TestTenant {
    /// A live tenant from `DOMAIN`, `CLIENT_ID`, `CLIENT_SECRET` and
    /// `CONNECTION` when `AUTH0PLUS_LIVE=1`, otherwise a fresh fake tenant
    /// (kept running as long as this value lives).
    ///
    /// The fake has Auth0's defaults but one: its connection's password policy is
    /// [`PasswordPolicy::Low`] (6+ characters), the policy of the original README's
    /// tenant, whose walkthrough passwords (`ChuckB`, `Jailbreak`) the examples keep. A new
    /// Auth0 database connection has `good`, which would refuse them.
    ///
    /// # Errors
    /// [`TestTenantError::MissingVars`] naming what a live run lacks;
    /// [`TestTenantError::Fake`] when the fake cannot start.
    pub async fn from_env_or_fake() -> Result<Self, TestTenantError> {
        if std::env::var(LIVE_VAR).is_ok_and(|v| v == "1") {
            Self::live_from_env()
        } else {
            Ok(Self::fake(
                FakeTenant::builder()
                    .password_policy(PasswordPolicy::Low)
                    .start()
                    .await?,
            ))
        }
    }

    /// A live tenant from the four variables.
    ///
    /// # Errors
    /// [`TestTenantError::MissingVars`].
    pub fn live_from_env() -> Result<Self, TestTenantError> {
        let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let missing: Vec<&'static str> = LIVE_VARS
            .into_iter()
            .filter(|name| read(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(TestTenantError::MissingVars { missing });
        }
        let domain = read("DOMAIN").unwrap_or_default();
        Ok(Self {
            base_url: format!("https://{domain}"),
            domain,
            client_id: read("CLIENT_ID").unwrap_or_default(),
            client_secret: read("CLIENT_SECRET").unwrap_or_default(),
            connection: read("CONNECTION").unwrap_or_default(),
            fake: None,
        })
    }

    /// A live tenant from explicit values (`https://{domain}`).
    #[must_use]
    pub fn live(domain: &str, client_id: &str, client_secret: &str, connection: &str) -> Self {
        Self {
            domain: domain.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            connection: connection.to_owned(),
            base_url: format!("https://{domain}"),
            fake: None,
        }
    }

    /// Wrap a running fake tenant.
    #[must_use]
    pub fn fake(tenant: FakeTenant) -> Self {
        Self {
            domain: tenant.domain().to_owned(),
            client_id: tenant.client_id().to_owned(),
            client_secret: tenant.client_secret().to_owned(),
            connection: tenant.connection().to_owned(),
            base_url: tenant.base_url().to_owned(),
            fake: Some(tenant),
        }
    }

    /// Whether this is a real Auth0 tenant.
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.fake.is_none()
    }

    /// The fake tenant, when running against one.
    #[must_use]
    pub fn fake_tenant(&self) -> Option<&FakeTenant> {
        self.fake.as_ref()
    }
}

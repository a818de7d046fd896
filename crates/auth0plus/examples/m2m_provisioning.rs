//! Machine-to-machine provisioning: an API with its scopes, an application
//! for a back-end service, the grant that lets it call the API with some of
//! those scopes, and then the service's first token.
//!
//! ```text
//! cargo run -p auth0plus --features fake --example m2m_provisioning
//! ```
//!
//! Every step is found by what Auth0 finds it by, or created
//! (`get_or_create`): the API by its `identifier`, the application by its
//! exact `name`, the grant by `client_id` and `audience`. A rerun changes
//! nothing, and a grant whose scopes differ is brought to the wanted ones.
//! The application's secret is a `Secret`: it never prints, and here it goes
//! only into the token request.
//!
//! `main` runs against the embedded fake tenant; point `Auth0::builder` at a
//! real tenant (scopes `create:resource_servers`, `read:resource_servers`,
//! `create:clients`, `read:clients`, `read:client_keys`,
//! `create:client_grants`, `read:client_grants`, `update:client_grants`) and
//! the rest is unchanged. `tests/examples.rs` runs it against the fake.

use auth0plus::api::models::{ClientAppTypeEnum, ResourceServerScope};
use auth0plus::oauth::{ClientCredentials, Token};
use auth0plus::prelude::*;
use auth0plus::transport::Secret;
use auth0plus::{NewClient, NewClientGrant, NewResourceServer};

/// What to provision.
#[derive(Debug, Clone)]
pub struct Service {
    /// The API's identifier: the audience its tokens are for.
    pub api: String,
    /// Every scope the API defines.
    pub api_scopes: Vec<String>,
    /// The back-end service's application name.
    pub name: String,
    /// The scopes the service is granted (a subset of `api_scopes`).
    pub granted: Vec<String>,
}

impl Service {
    /// This example's service: a worker that reads and writes invoices
    /// (and may not delete them).
    #[must_use]
    pub fn invoice_worker() -> Self {
        Service {
            api: "https://invoices.example.com/api".into(),
            api_scopes: vec![
                "read:invoices".into(),
                "write:invoices".into(),
                "delete:invoices".into(),
            ],
            name: "invoice-worker".into(),
            granted: vec!["read:invoices".into(), "write:invoices".into()],
        }
    }
}

/// The service's credentials, as a deployment would store them.
#[derive(Debug, Clone)]
pub struct Provisioned {
    /// The application's client id.
    pub client_id: String,
    /// Its secret (`[redacted]` in `Debug`).
    pub client_secret: Secret,
    /// The grant's id.
    pub grant_id: String,
}

/// Any failure of the provisioning.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Provision `service` (idempotent).
///
/// # Errors
/// What Auth0 answers; an application that comes back without a secret.
pub async fn provision(auth0: &Auth0, service: &Service) -> Result<Provisioned, Failure> {
    let scopes = service
        .api_scopes
        .iter()
        .map(|value| ResourceServerScope {
            value: Some(value.clone()),
            description: Some(format!("`{value}` on {}", service.api)),
            ..ResourceServerScope::default()
        })
        .collect();
    let (api, created) = auth0
        .resource_servers()
        .get_or_create(
            [("identifier", service.api.as_str())],
            NewResourceServer {
                name: Some(service.name.clone() + " API"),
                scopes: Some(scopes),
                ..NewResourceServer::default()
            },
        )
        .await?;
    eprintln!(
        "API {} ({})",
        service.api,
        if created { "created" } else { "found" }
    );

    let (client, created) = auth0
        .clients()
        .get_or_create(
            [("name", service.name.as_str())],
            NewClient {
                app_type: Some(ClientAppTypeEnum::NonInteractive),
                grant_types: Some(vec!["client_credentials".into()]),
                ..NewClient::default()
            },
        )
        .await?;
    let client_id = client.saved_id()?.to_owned();
    eprintln!(
        "application {client_id} ({})",
        if created { "created" } else { "found" }
    );

    let audience = api
        .identifier
        .clone()
        .unwrap_or_else(|| service.api.clone());
    let (mut grant, created) = auth0
        .client_grants()
        .get_or_create(
            [
                ("client_id", client_id.as_str()),
                ("audience", audience.as_str()),
            ],
            NewClientGrant {
                scope: Some(service.granted.clone()),
                ..NewClientGrant::default()
            },
        )
        .await?;
    if !created && grant.scope.as_ref() != Some(&service.granted) {
        grant.scope = Some(service.granted.clone());
        grant.save().await?; // a PATCH of the scopes only
    }
    eprintln!(
        "grant of {:?} ({})",
        service.granted,
        if created { "created" } else { "kept" }
    );

    let client_secret = client
        .client_secret
        .clone()
        .ok_or("the application came back without a secret (is it a public client?)")?;
    Ok(Provisioned {
        client_id,
        client_secret,
        grant_id: grant.saved_id()?.to_owned(),
    })
}

/// The service's own token for the API, with the client-credentials grant:
/// what the deployed service does at start (through a `CachedTokenSource`).
///
/// # Errors
/// What Auth0's `/oauth/token` answers (a 403 when the grant is missing).
pub async fn service_token(
    domain: &str,
    base_url: Option<&str>,
    service: &Service,
    provisioned: &Provisioned,
) -> Result<Token, Failure> {
    let mut credentials = ClientCredentials::new(
        domain,
        &provisioned.client_id,
        provisioned.client_secret.clone(),
    )?
    .audience(&service.api);
    if let Some(base_url) = base_url {
        credentials = credentials.base_url(base_url)?;
    }
    Ok(credentials.request_token().await?)
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let tenant = auth0plus::fake::FakeTenant::start().await?;
    let auth0 = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .base_url(tenant.base_url()) // only for the fake: a real tenant is https://{domain}
        .build()?;
    let service = Service::invoice_worker();
    let provisioned = provision(&auth0, &service).await?;
    println!("{provisioned:?}");
    let token = service_token(
        tenant.domain(),
        Some(tenant.base_url()),
        &service,
        &provisioned,
    )
    .await?;
    println!(
        "the service's token: {} ({} s, scopes {:?})",
        token.access_token,
        token.expires_in,
        token.scope.unwrap_or_default()
    );
    Ok(())
}

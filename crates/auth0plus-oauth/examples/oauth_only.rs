//! Tokens without the management crate: `cargo run -p auth0plus-oauth --example oauth_only`.
//!
//! This example depends only on `auth0plus-oauth` (and the fake tenant to
//! talk to). With `DOMAIN`, `CLIENT_ID` and `CLIENT_SECRET` set (and
//! `AUTH0PLUS_LIVE=1`) it asks a real tenant instead.

use std::sync::Arc;

use auth0plus_fake::TestTenant;
use auth0plus_oauth::{CachedTokenSource, ClientCredentials, TokenSource};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tenant = TestTenant::from_env_or_fake().await?;
    println!(
        "tenant: {} ({})",
        tenant.domain,
        if tenant.is_live() { "live" } else { "fake" }
    );

    // The original's one-shot call. Against https://{domain} it is simply
    // `auth0plus_oauth::get_token(domain, client_id, client_secret)`.
    let credentials = ClientCredentials::new(
        tenant.domain.as_str(),
        &tenant.client_id,
        tenant.client_secret.as_str(),
    )?
    .base_url(&tenant.base_url)?;
    let token = credentials.request_token().await?;
    println!("one token: {token:?}");
    println!("scopes: {}", token.scopes().collect::<Vec<_>>().join(" "));

    // A cached source: fifty tasks ask at once, one request is made.
    let tokens = Arc::new(CachedTokenSource::new(credentials));
    let tasks = (0..50).map(|_| {
        let tokens = Arc::clone(&tokens);
        tokio::spawn(async move { tokens.token().await })
    });
    for result in futures::future::join_all(tasks).await {
        result??;
    }
    println!(
        "50 concurrent callers, {} token request(s); the token prints as {:?}",
        tokens.fetch_count(),
        tokens.token().await?
    );
    Ok(())
}

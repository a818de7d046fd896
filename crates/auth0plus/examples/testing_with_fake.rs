//! Testing your own code against the fake tenant:
//! `cargo run -p auth0plus --features fake --example testing_with_fake`.
//!
//! `invite` below is the kind of function an app has: make sure a user exists
//! and hand back a link to set a password. Its tests need no Auth0 account,
//! run on loopback in milliseconds, and can make Auth0 misbehave on purpose.
//! In your crate they would be `#[tokio::test]`s; here they run from `main`.

use auth0plus::fake::{FakeTenant, Fault, Route};
use auth0plus::management::PasswordChangeTicket;
use auth0plus::prelude::*;

/// The code under test: get or create the user, then a password-change link.
async fn invite(auth0: &Auth0, email: &str) -> Result<(String, bool), Error> {
    let (user, created) = auth0
        .users()
        .get_or_create([("email", email)], NewUser::new().password("Initial-Pa55"))
        .await?;
    let link = auth0
        .tickets()
        .password_change(PasswordChangeTicket::for_user(
            user.id().unwrap_or_default(),
        ))
        .await?;
    Ok((link, created))
}

fn client(tenant: &FakeTenant) -> Result<Auth0, Error> {
    Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        .build()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. The happy path, and idempotence: inviting twice creates one user.
    let tenant = FakeTenant::start().await?;
    let auth0 = client(&tenant)?;
    let (link, created) = invite(&auth0, "new.hire@example.com").await?;
    assert!(created && link.contains("/u/reset-password?ticket="));
    let (_, created_again) = invite(&auth0, "new.hire@example.com").await?;
    assert!(!created_again);
    assert_eq!(tenant.user_count(), 1);
    println!("ok: invite creates once and returns a reset link");

    // 2. Auth0 has a bad moment: a 503 on the lookup is retried for you.
    tenant.inject_fault(Route::UsersByEmail, Fault::ServiceUnavailable, 1);
    invite(&auth0, "second.hire@example.com").await?;
    assert_eq!(tenant.counters().count_status(Route::UsersByEmail, 503), 1);
    println!("ok: a 503 from Auth0 never reaches invite()");

    // 3. A failure that must surface: the create answers 500. A POST that may
    //    have reached Auth0 is never resent, so the caller sees a typed error.
    tenant.inject_fault(Route::CreateUser, Fault::InternalError, 1);
    let err = invite(&auth0, "third.hire@example.com").await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    println!("ok: a 500 on create surfaces as `{err}` and creates nobody");

    // 4. The token was revoked (rotated secret, say): one refresh, one retry.
    tenant.revoke_tokens();
    invite(&auth0, "fourth.hire@example.com").await?;
    println!("ok: a revoked token is refreshed once, transparently");

    println!(
        "\nrequests by the end: {} (token requests: {})",
        tenant.counters().total(),
        tenant.counters().count(Route::Token)
    );
    Ok(())
}

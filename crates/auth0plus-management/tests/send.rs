//! Every public future is `Send`, and `'static` once its inputs are owned,
//! checked by the compiler: each public async method (and each method that
//! returns a stream) of every handle, record, relation and query is called
//! here inside an `async move` block handed to [`spawnable`], which asks for
//! `Future + Send + 'static` — what `tokio::spawn` and an axum handler ask
//! for. Nothing here runs; it has to compile.
//!
//! [`every_public_future_is_covered`] reads the crate's sources and fails on
//! a public async method (or stream) whose name is not called here, so a new
//! one cannot be added without its check.

#![allow(dead_code, reason = "compile-time checks: the functions never run")]

use std::future::Future;

use auth0plus_management::api::models::{
    UpdateClientGrantRequestContent, UpdateClientRequestContent, UpdateConnectionRequestContent,
    UpdateOrganizationRequestContent, UpdateResourceServerRequestContent,
};
use auth0plus_management::api::roles::ListRoles;
use auth0plus_management::{
    Auth0, EmailVerificationTicket, EnabledConnectionOptions, Method, NewClient, NewClientGrant,
    NewConnection, NewInvitation, NewOrganization, NewResourceServer, NewRole, NewUser,
    PasswordChangeTicket, Permission, SecondaryAccount, TailStart, User,
};
use futures::StreamExt;

/// What `tokio::spawn` asks of a future.
fn spawnable<F: Future + Send + 'static>(future: F) {
    drop(future);
}

/// The calls every collection shares, for one collection: each future owns
/// its handle and its inputs.
macro_rules! collection_calls {
    ($auth0:expr, $collection:ident, $new:expr, $changes:expr, $lookup:expr) => {{
        let c = $auth0.$collection();
        spawnable(async move { c.create($new).await });
        let c = $auth0.$collection();
        spawnable(async move { c.get_by_id("id").await });
        let c = $auth0.$collection();
        spawnable(async move { c.get($lookup).await });
        let c = $auth0.$collection();
        spawnable(async move { c.get_opt($lookup).await });
        let c = $auth0.$collection();
        spawnable(async move { c.get_or_create($lookup, $new).await });
        let c = $auth0.$collection();
        spawnable(async move { c.update("id", $changes).await });
        let c = $auth0.$collection();
        spawnable(async move { c.delete("id").await });
        let c = $auth0.$collection();
        spawnable(async move {
            let mut record = c.build($new);
            record.save().await?;
            record.refresh().await?;
            record.delete().await
        });
        let c = $auth0.$collection();
        spawnable(async move { query_calls(c.query()).await });
        let c = $auth0.$collection();
        spawnable(async move { c.all().count().await });
    }};
}

/// Every terminal call of a query, one after the other in one future.
async fn query_calls<R>(query: auth0plus_management::Query<auth0plus_management::Record<R>>)
where
    R: auth0plus_management::Resource,
{
    let _ = query.count().await;
    let _ = query.first().await;
    let _ = query.get(3).await;
    let _ = query.first_page().await;
    let _ = query.slice(1..5).await;
    let _ = query.fetch_all().await;
    let _ = query.one().await;
    let _ = query.one_opt().await;
    let _ = query.stream().next().await;
}

fn collections(auth0: &Auth0) {
    collection_calls!(
        auth0,
        users,
        NewUser::new(),
        NewUser::new(),
        [("email", "a@x")]
    );
    collection_calls!(
        auth0,
        roles,
        NewRole::new("r"),
        NewRole::new("r"),
        [("name", "r")]
    );
    collection_calls!(
        auth0,
        organizations,
        NewOrganization::default(),
        UpdateOrganizationRequestContent::default(),
        [("name", "o")]
    );
    collection_calls!(
        auth0,
        connections,
        NewConnection::default(),
        UpdateConnectionRequestContent::default(),
        [("name", "c")]
    );
    collection_calls!(
        auth0,
        clients,
        NewClient::default(),
        UpdateClientRequestContent::default(),
        [("name", "c")]
    );
    collection_calls!(
        auth0,
        resource_servers,
        NewResourceServer::default(),
        UpdateResourceServerRequestContent::default(),
        [("identifier", "https://api")]
    );
    collection_calls!(
        auth0,
        client_grants,
        NewClientGrant::default(),
        UpdateClientGrantRequestContent::default(),
        [("client_id", "c")]
    );
}

/// What one resource has beyond every collection.
fn resource_calls(auth0: &Auth0) {
    let users = auth0.users();
    spawnable(async move { users.block("id").await });
    let users = auth0.users();
    spawnable(async move { users.unblock("id").await });
    let users = auth0.users();
    spawnable(async move { users.by_email("a@x").await });
    let users = auth0.users();
    spawnable(async move { users.link("id", &SecondaryAccount::new("p", "1")).await });
    let users = auth0.users();
    spawnable(async move { users.unlink("id", &SecondaryAccount::new("p", "1")).await });
    let users = auth0.users();
    spawnable(async move { users.login_blocks("id").await });
    let users = auth0.users();
    spawnable(async move { users.login_blocks_by_identifier("a@x").await });
    let users = auth0.users();
    spawnable(async move { users.clear_login_blocks("id").await });
    let users = auth0.users();
    spawnable(async move { users.clear_login_blocks_by_identifier("a@x").await });
    let users = auth0.users();
    spawnable(async move { users.query().stream_all().next().await });
    let users = auth0.users();
    spawnable(async move {
        let export = users.export();
        let job = export.start().await?;
        export.wait(job).await?;
        export.download().await?;
        export.stream().next().await.transpose()
    });
    let connections = auth0.connections();
    spawnable(async move { connections.id_of("db").await });
    let roles = auth0.roles();
    spawnable(async move { roles.name_contains("r").count().await });
}

/// A saved user's own calls, its relations and sub-handles.
fn user_calls(user: &User) {
    let u = user.clone();
    spawnable(async move { u.email_verification_ticket().await });
    let u = user.clone();
    spawnable(async move { u.password_change_ticket().await });
    let mut u = user.clone();
    spawnable(async move { u.link(&SecondaryAccount::new("p", "1")).await });
    let mut u = user.clone();
    spawnable(async move { u.unlink(&SecondaryAccount::new("p", "1")).await });
    let u = user.clone();
    spawnable(async move { u.login_blocks().await });
    let u = user.clone();
    spawnable(async move { u.clear_login_blocks().await });
    let u = user.clone();
    spawnable(async move {
        u.roles().add(vec!["rol_1".to_owned()]).await?;
        u.roles().remove(["rol_1"]).await?;
        u.roles().query().count().await
    });
    let u = user.clone();
    spawnable(async move {
        let read = Permission::new("https://api", "read");
        u.permissions().add([read.clone()]).await?;
        u.permissions().remove([read]).await?;
        u.permissions().query().count().await
    });
    let u = user.clone();
    spawnable(async move {
        let sessions = u.sessions();
        sessions.revoke("s").await?;
        sessions.revoke_all().await?;
        sessions.query().count().await
    });
    let u = user.clone();
    spawnable(async move {
        let tokens = u.refresh_tokens();
        tokens.revoke("t").await?;
        tokens.revoke_all().await?;
        tokens.query().count().await
    });
    let u = user.clone();
    spawnable(async move {
        let methods = u.authentication_methods();
        methods.delete("m").await?;
        methods.delete_all().await?;
        methods.query().count().await
    });
    let u = user.clone();
    spawnable(async move { u.organizations().fetch_all().await });
    let u = user.clone();
    spawnable(async move { u.logs().count().await });
}

/// A role's and an organization's relations and sub-handles.
fn relation_calls(auth0: &Auth0) {
    let roles = auth0.roles();
    spawnable(async move {
        let role = roles.get_by_id("rol_1").await?;
        role.users().add(vec!["auth0|1".to_owned()]).await?;
        role.users().remove(["auth0|1"]).await?;
        role.permissions().add([("https://api", "read")]).await?;
        role.users().query().count().await
    });
    let orgs = auth0.organizations();
    spawnable(async move {
        let org = orgs.get_by_id("org_1").await?;
        org.members().add(vec!["auth0|1".to_owned()]).await?;
        org.members().remove(["auth0|1"]).await?;
        org.member_roles("auth0|1").add(["rol_1"]).await?;
        org.member_roles("auth0|1").query().count().await
    });
    let orgs = auth0.organizations();
    spawnable(async move {
        let org = orgs.get_by_id("org_1").await?;
        let invitations = org.invitations();
        let invitation = invitations
            .create(NewInvitation::new("Ada", "a@x", "cid"))
            .await?;
        invitations.get("inv_1").await?;
        invitations.delete("inv_1").await?;
        invitations.query().count().await?;
        Ok::<_, auth0plus_management::Error>(invitation)
    });
    let orgs = auth0.organizations();
    spawnable(async move {
        let org = orgs.get_by_id("org_1").await?;
        let connections = org.connections();
        let options = EnabledConnectionOptions::new().show_as_button(true);
        connections.enable("con_1", options).await?;
        connections.update("con_1", options).await?;
        connections.get("con_1").await?;
        connections.disable("con_1").await?;
        connections.query().count().await
    });
}

/// The handles that are not collections, and the generic doors.
fn other_calls(auth0: &Auth0) {
    let a = auth0.clone();
    spawnable(async move { a.send(ListRoles::new()).await });
    let a = auth0.clone();
    spawnable(async move { a.list(ListRoles::new()).fetch_all().await });
    let a = auth0.clone();
    spawnable(async move { a.request(Method::GET, ["roles"]).send().await });
    let a = auth0.clone();
    spawnable(async move {
        a.request(Method::GET, ["roles"])
            .json::<serde_json::Value>()
            .await
    });
    let a = auth0.clone();
    spawnable(async move {
        let tickets = a.tickets();
        tickets.email_verification("id").await?;
        tickets
            .email_verification_with(EmailVerificationTicket::new("id"))
            .await?;
        tickets
            .password_change(PasswordChangeTicket::for_user("id"))
            .await
    });
    let a = auth0.clone();
    spawnable(async move {
        let logs = a.logs();
        logs.get_by_id("90020").await?;
        logs.query().count().await?;
        logs.all().stream().next().await;
        logs.after("90020").next().await;
        logs.tail()
            .from(TailStart::Now)
            .stream()
            .next()
            .await
            .transpose()
    });
    let a = auth0.clone();
    spawnable(async move {
        let jobs = a.jobs();
        jobs.get("job_1").await?;
        jobs.verification_email("id").send().await?;
        let report = jobs
            .import_users("db", futures::stream::iter(vec![NewUser::new()]))
            .run()
            .await?;
        // The users it imported, found by an export of its connection.
        report
            .find_users(&a, ["ada@example.com".to_owned()])
            .next()
            .await
            .transpose()
    });
}

/// The names of the crate's public async methods and stream makers.
fn public_futures(dir: &std::path::Path, names: &mut std::collections::BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("the crate's sources") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            public_futures(&path, names);
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        // Unit tests are not public API.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for line in text.lines().map(str::trim_start) {
            let name = if let Some(rest) = line.strip_prefix("pub async fn ") {
                rest
            } else if let Some(rest) = line.strip_prefix("pub fn ")
                && (line.contains("-> BoxStream") || line.contains("-> impl Future"))
            {
                rest
            } else {
                continue;
            };
            names.insert(
                name.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
}

#[test]
fn every_public_future_is_covered() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut names = std::collections::BTreeSet::new();
    public_futures(&src, &mut names);
    let this = include_str!("send.rs");
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| {
            !this.contains(&format!(".{name}(")) && !this.contains(&format!(".{name}::<"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "public futures not checked for Send + 'static here: {missing:?}"
    );
    assert!(names.len() > 40, "the scan found {names:?}");
}

//! `--story teams`: an organization onboarding, from an empty tenant to a
//! leaver. The team (the Rockets) is imported in one job, made members of
//! its organization, given roles, joined by an invited hire, found in the
//! logs, and loses one member whose sessions are revoked.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use auth0plus::fake::TestTenant;
use auth0plus::prelude::*;
use auth0plus::{
    EnabledConnectionOptions, LogType, NewInvitation, NewOrganization, NewRole, Timestamp,
};
use futures::stream;
use serde_json::json;

use super::{Made, Narrator, StepResult, check, settle, wait_for};

/// The organization's name (Auth0: lower case, digits, `-` and `_`).
const ORG: &str = "rockets-onboarding";
const ADMIN_ROLE: &str = "rockets-admin";
const MEMBER_ROLE: &str = "rockets-member";
const PASSWORD: &str = "Launch-Pad-39A!";
const TEAM: [(&str, &str); 4] = [
    ("Valentina", "valentina@rockets.example"),
    ("Yuri", "yuri@rockets.example"),
    ("Sally", "sally@rockets.example"),
    ("Neil", "neil@rockets.example"),
];
const NEW_HIRE: &str = "mae@rockets.example";

#[allow(clippy::too_many_lines, reason = "one story, told in order")]
pub(super) async fn scenario(tenant: &TestTenant, made: &mut Made) -> StepResult<usize> {
    let mut n = Narrator { step: 0 };
    let started = Instant::now();
    // Log dates are the server's: allow for a clock a few seconds apart.
    let since = Timestamp::from_unix_millis(Timestamp::now().unix_millis() - 5_000)?;

    n.step(
        "Connect: tokens are fetched, cached and refreshed on demand",
        "let auth0 = Auth0::builder(&domain)\n    .client_credentials(&client_id, &client_secret)\n    .default_connection(&connection)\n    .build()?;",
    );
    let auth0 = Auth0::builder(&tenant.domain)
        .client_credentials(&tenant.client_id, tenant.client_secret.as_str())
        .default_connection(&tenant.connection)
        .base_url(&tenant.base_url)
        .build()?;
    n.shows(format_args!(
        "{:?}: nothing sent yet, the first call fetches the token",
        auth0.domain()
    ));

    n.step(
        "The database connection's id, found by its exact name",
        "let connection_id = auth0.connections().id_of(&connection).await?;",
    );
    let connection_id = auth0.connections().id_of(&tenant.connection).await?;
    n.shows(format_args!("{} → {connection_id}", tenant.connection));

    n.step(
        "The team's two roles, by exact name: made once, found ever after",
        "let (admin, _) = auth0.roles().get_or_create([(\"name\", \"rockets-admin\")],\n    NewRole::default().description(\"Runs the Rockets\")).await?;\nlet (member, _) = auth0.roles().get_or_create([(\"name\", \"rockets-member\")],\n    NewRole::default().description(\"One of the Rockets\")).await?;",
    );
    let roles = auth0.roles();
    let (admin, admin_created) = roles
        .get_or_create(
            [("name", ADMIN_ROLE)],
            NewRole::default().description("Runs the Rockets"),
        )
        .await?;
    let (member, member_created) = roles
        .get_or_create(
            [("name", MEMBER_ROLE)],
            NewRole::default().description("One of the Rockets"),
        )
        .await?;
    for (role, created) in [(&admin, admin_created), (&member, member_created)] {
        if created {
            made.roles.extend(role.id().map(str::to_owned));
        }
    }
    let admin_id = admin.id().ok_or("the admin role has no id")?.to_owned();
    let member_id = member.id().ok_or("the member role has no id")?.to_owned();
    n.shows(format_args!(
        "{ADMIN_ROLE} {admin_id} (created: {admin_created}), {MEMBER_ROLE} {member_id} (created: {member_created})"
    ));

    n.step(
        "The organization, with the database connection enabled for it",
        "let org = auth0.organizations().create(NewOrganization {\n    name: Some(\"rockets-onboarding\".into()),\n    display_name: Some(\"The Rockets\".into()),\n    ..NewOrganization::default()\n}).await?;\norg.connections().enable(&connection_id, EnabledConnectionOptions::new()).await?;",
    );
    let org = auth0
        .organizations()
        .create(NewOrganization {
            name: Some(ORG.into()),
            display_name: Some("The Rockets".into()),
            ..NewOrganization::default()
        })
        .await?;
    let org_id = org.id().ok_or("the organization has no id")?.to_owned();
    made.organizations.push(org_id.clone());
    org.connections()
        .enable(&connection_id, EnabledConnectionOptions::new())
        .await?;
    n.shows(format_args!(
        "{org_id} {ORG}, connections enabled: {}",
        org.connections().query().count().await?
    ));

    n.step(
        "One Rocket signed up on their own before the team was onboarded",
        "let neil = users.create(NewUser::new().email(\"neil@rockets.example\").password(..)).await?;",
    );
    let users = auth0.users();
    let neil = users
        .create(
            NewUser::new()
                .email(TEAM[3].1)
                .name(TEAM[3].0)
                .password(PASSWORD),
        )
        .await?;
    made.user(neil.id());
    n.shows(&neil);

    n.step(
        "Import the team in one job (upsert: Neil is updated, not refused): a stream of NewUser \
         becomes files within Auth0's 500 KB limit, two jobs at a time at most",
        "let report = auth0.jobs()\n    .import_users(&connection_id, stream::iter(team))\n    .upsert(true)\n    .on_progress(|p| files = p.files_sent)\n    .run().await?;",
    );
    let team = TEAM.map(|(name, email)| {
        NewUser::new()
            .email(email)
            .name(name)
            .app_metadata(json!({"team": "rockets"}))
    });
    let files = Arc::new(AtomicU64::new(0));
    let files_seen = Arc::clone(&files);
    let report = auth0
        .jobs()
        .import_users(connection_id.clone(), stream::iter(team))
        .upsert(true)
        .on_progress(move |p| files_seen.store(p.files_sent, Ordering::Relaxed))
        .run()
        .await?;
    n.shows(format_args!(
        "{} file(s), {} job(s): {} inserted, {} updated, {} failed",
        files.load(Ordering::Relaxed),
        report.jobs.len(),
        report.inserted,
        report.updated,
        report.failed
    ));
    check(
        report.failed == 0 && report.inserted + report.updated == TEAM.len() as u64,
        "every Rocket imported",
    )?;

    n.step(
        "Find them: an exact lookup on app_metadata (the index lags a little behind the job)",
        "let rockets = users.query().filter([(\"app_metadata.team\", \"rockets\")]);\nlet team = rockets.fetch_all().await?;",
    );
    let rockets = users.query().filter([("app_metadata.team", "rockets")]);
    let waited = settle(&rockets, TEAM.len() as u64).await?;
    let mut team = rockets.fetch_all().await?;
    team.sort_by(|a, b| a.email.cmp(&b.email));
    for user in &team {
        made.user(user.id());
    }
    n.shows(format_args!(
        "{} Rockets after {} ms: {}",
        team.len(),
        waited.as_millis(),
        team.iter()
            .filter_map(|u| u.email.as_deref())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let ids: Vec<String> = team
        .iter()
        .filter_map(User::id)
        .map(str::to_owned)
        .collect();
    let lead = team
        .iter()
        .find(|u| u.email.as_deref() == Some(TEAM[0].1))
        .ok_or("the lead was not imported")?;
    let lead_id = lead.id().ok_or("the lead has no id")?.to_owned();
    let leaver = team
        .iter()
        .find(|u| u.email.as_deref() == Some(TEAM[3].1))
        .ok_or("the leaver was not imported")?
        .clone();

    n.step(
        "Members of the organization, and roles: tenant-wide and in the organization",
        "org.members().add(&ids).await?;\nmember.users().add(&ids).await?;\nlead.roles().add([admin_id]).await?;\norg.member_roles(lead_id).add([admin_id]).await?;",
    );
    org.members().add(&ids).await?;
    member.users().add(&ids).await?;
    lead.roles().add([admin_id.as_str()]).await?;
    org.member_roles(&lead_id).add([admin_id.as_str()]).await?;
    let lead_roles: Vec<String> = lead
        .roles()
        .query()
        .fetch_all()
        .await?
        .iter()
        .filter_map(|r| r.name.clone())
        .collect();
    n.shows(format_args!(
        "{} members; {} has roles [{}] and, in {ORG}, {} role(s)",
        org.members().query().count().await?,
        TEAM[0].1,
        lead_roles.join(", "),
        org.member_roles(&lead_id).query().count().await?
    ));
    check(lead_roles.len() == 2, "the lead holds both roles")?;

    n.step(
        "Invite a new hire into the organization, with the member role",
        "let invitation = org.invitations().create(\n    NewInvitation::new(\"Valentina\", \"mae@rockets.example\", &client_id)\n        .connection(&connection_id).roles([member_id])).await?;",
    );
    let invitation = org
        .invitations()
        .create(
            NewInvitation::new(TEAM[0].0, NEW_HIRE, &tenant.client_id)
                .connection(&connection_id)
                .roles([member_id.clone()])
                .send_invitation_email(false),
        )
        .await?;
    n.shows(format_args!(
        "invitation {} for {NEW_HIRE}; pending invitations: {}",
        invitation.id.as_deref().unwrap_or("?"),
        org.invitations().query().count().await?
    ));

    n.step(
        "Find the onboarding in the logs: Management API operations since the story began",
        "let events = auth0.logs().query()\n    .filter([(\"type\", LogType::SuccessApiOperation)])\n    .filter([(\"date__gte\", since)]);",
    );
    let operations = auth0
        .logs()
        .query()
        .filter([("type", LogType::SuccessApiOperation)])
        .filter([("date__gte", since)]);
    let (found, _) = wait_for(&operations, |n| n > 0, "a logged API operation").await?;
    n.shows(format_args!("{found} successful API operations logged"));

    n.step(
        "A leaver: their sessions and refresh tokens end, then they leave the team",
        "leaver.sessions().revoke_all().await?;\nleaver.refresh_tokens().revoke_all().await?;\norg.members().remove([leaver_id]).await?;\nleaver.delete().await?;",
    );
    let leaver_id = leaver.id().ok_or("the leaver has no id")?.to_owned();
    if let Some(fake) = tenant.fake_tenant() {
        // On the fake, the leaver logged in once (a session and a refresh token).
        fake.log_in(TEAM[3].1, PASSWORD, "openid offline_access")
            .map_err(|e| format!("the leaver could not log in: {e}"))?;
    }
    let sessions_before = leaver.sessions().query().count().await?;
    let tokens_before = leaver.refresh_tokens().query().count().await?;
    leaver.sessions().revoke_all().await?;
    leaver.refresh_tokens().revoke_all().await?;
    org.members().remove([leaver_id.as_str()]).await?;
    let mut leaver = leaver;
    leaver.delete().await?;
    made.users.retain(|id| *id != leaver_id);
    n.shows(format_args!(
        "{} session(s) and {} refresh token(s) revoked; members now {}, {MEMBER_ROLE} holders {}",
        sessions_before,
        tokens_before,
        org.members().query().count().await?,
        member.users().query().count().await?
    ));
    check(
        member.users().query().count().await? == TEAM.len() as u64 - 1,
        "deleting a user removes its roles",
    )?;

    n.step(
        "Clean up: the organization (its members and invitation go with it), the roles, the team",
        "org.delete().await?;\nadmin.delete().await?; member.delete().await?;\nfor mut user in rockets.fetch_all().await? { user.delete().await? }",
    );
    let mut org = org;
    org.delete().await?;
    made.organizations.clear();
    for mut role in [admin, member] {
        role.delete().await?;
    }
    made.roles.clear();
    for mut user in rockets.fetch_all().await? {
        user.delete().await?;
    }
    made.users.clear();
    let settled = settle(&rockets, 0).await?;
    n.shows(format_args!(
        "nothing left after {} ms; the story took {:.1} s",
        settled.as_millis(),
        started.elapsed().as_secs_f64()
    ));
    Ok(n.step)
}

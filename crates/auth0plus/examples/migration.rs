//! A migration: users from a CSV file into Auth0 with the import job, then
//! into an organization with a role. Run it again and nothing changes.
//!
//! ```text
//! cargo run -p auth0plus --features fake --example migration
//! ```
//!
//! 1. The CSV (`email,given_name,family_name`) becomes a stream of
//!    `NewUser`s; the import job reads it as its files fill (Auth0's 500 KB a
//!    file, two jobs at a time), with `upsert` on, so a rerun updates the
//!    same users instead of refusing them as duplicates. Its progress (per
//!    file and per percent, never per user) drives an
//!    [`indicatif`](https://docs.rs/indicatif) bar on stderr.
//! 2. The import job returns no user ids. `report.find_users(..)` finds them
//!    afterwards by exporting the connection and keeping the emails of the
//!    CSV (one job, however many users; search would lag behind the import).
//! 3. The organization and the role are found by exact name or created
//!    (`get_or_create`); adding a member or a role twice changes nothing.
//!
//! `main` migrates a generated file twice against the embedded fake tenant;
//! point `Auth0::builder` at a real tenant (scopes `create:users`,
//! `read:users`, `read:connections`, `create:organizations`,
//! `read:organizations`, `create:organization_members`, `create:roles`,
//! `read:roles`, `update:users`) and the rest is unchanged.
//! `tests/examples.rs` runs it against the fake.

use auth0plus::prelude::*;
use auth0plus::{NewOrganization, NewRole};
use futures::{TryStreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};

/// What goes where.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The database connection the users go into (its name).
    pub connection: String,
    /// The organization they join (found or created).
    pub organization: String,
    /// The role they get (found or created).
    pub role: String,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Rows read from the CSV.
    pub rows: usize,
    /// Users the import created.
    pub inserted: u64,
    /// Users it updated (a rerun updates them all).
    pub updated: u64,
    /// Users it refused (each one printed on stderr).
    pub failed: u64,
    /// Users found afterwards, made members and given the role.
    pub members: usize,
}

/// Any failure of the migration.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// One row of the CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The email (Auth0 stores it lower-cased).
    pub email: String,
    /// The given name.
    pub given_name: String,
    /// The family name.
    pub family_name: String,
}

/// The rows of a CSV with the header `email,given_name,family_name`.
///
/// This example's files have no quoted fields; a real export may: read it
/// with the `csv` crate instead.
///
/// # Errors
/// A wrong header, a row without three fields, a quoted field or an empty email, by line number.
pub fn parse_csv(text: &str) -> Result<Vec<Row>, Failure> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim() == "email,given_name,family_name" => {}
        _ => return Err("the first line must be `email,given_name,family_name`".into()),
    }
    let mut rows = Vec::new();
    for (index, line) in lines.filter(|(_, line)| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        match fields[..] {
            [email, given_name, family_name] if !email.is_empty() && !line.contains('"') => {
                rows.push(Row {
                    email: email.to_lowercase(),
                    given_name: given_name.to_owned(),
                    family_name: family_name.to_owned(),
                });
            }
            _ => {
                return Err(
                    format!("line {}: expected email,given_name,family_name", index + 1).into(),
                );
            }
        }
    }
    Ok(rows)
}

/// Migrate `rows` as `plan` says.
///
/// # Errors
/// What Auth0 answers (a connection that does not exist names it).
pub async fn run(auth0: &Auth0, rows: &[Row], plan: &Plan) -> Result<Outcome, Failure> {
    // 1. The import, with a bar of the users the jobs have processed.
    // The stream must own its users (the import may run it on another task).
    let users: Vec<NewUser> = rows
        .iter()
        .map(|row| {
            NewUser::new()
                .email(&row.email)
                .given_name(&row.given_name)
                .family_name(&row.family_name)
                .email_verified(true)
        })
        .collect();
    let bar = ProgressBar::new(rows.len() as u64);
    bar.set_style(
        // A constant of this file: a typo is a bug to see at once.
        ProgressStyle::with_template("import [{bar:40}] {pos}/{len} users {msg}")
            .expect("a valid template"),
    );
    let on_progress = bar.clone();
    let report = auth0
        .jobs()
        .import_users(&plan.connection, stream::iter(users)) // a name or a `con_…` id
        .upsert(true)
        .on_progress(move |p| {
            // Called per file and per percent, never per user.
            on_progress.set_position(p.users_processed);
            on_progress.set_message(format!(
                "({} files sent, {} jobs done)",
                p.files_sent, p.jobs_completed
            ));
        })
        .run()
        .await?;
    bar.finish();
    for refused in &report.errors {
        eprintln!("refused: {:?}: {:?}", refused.email, refused.errors);
    }

    // 2. The users it made or updated: the import returns no ids, so the
    // report finds them by exporting its connection.
    let ids: Vec<String> = report
        .find_users(auth0, rows.iter().map(|row| &row.email))
        .try_filter_map(|user| futures::future::ready(Ok(user.id().map(str::to_owned))))
        .try_collect()
        .await?;
    eprintln!("found {} of {} users", ids.len(), rows.len());

    // 3. The organization and the role: found by exact name, or created.
    let (organization, _) = auth0
        .organizations()
        .get_or_create(
            [("name", plan.organization.as_str())],
            NewOrganization::default(),
        )
        .await?;
    let (role, _) = auth0
        .roles()
        .get_or_create([("name", plan.role.as_str())], NewRole::default())
        .await?;
    organization
        .members()
        .add(ids.iter().map(String::as_str))
        .await?;
    role.users().add(ids.iter().map(String::as_str)).await?;

    Ok(Outcome {
        rows: rows.len(),
        inserted: report.inserted,
        updated: report.updated,
        failed: report.failed,
        members: ids.len(),
    })
}

/// A CSV of `n` made-up people.
#[must_use]
pub fn sample_csv(n: usize) -> String {
    let mut csv = String::from("email,given_name,family_name\n");
    for i in 0..n {
        csv.push_str(&format!("Fan{i}@ACDC.example,Fan,Number {i}\n"));
    }
    csv
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let tenant = auth0plus::fake::FakeTenant::builder()
        .import_users_per_second(2_000.0)
        .start()
        .await?;
    let auth0 = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url()) // only for the fake: a real tenant is https://{domain}
        .build()?;
    let plan = Plan {
        connection: tenant.connection().to_owned(),
        organization: "acdc-fans".into(),
        role: "fan".into(),
    };
    let rows = parse_csv(&sample_csv(3_000))?;
    let first = run(&auth0, &rows, &plan).await?;
    println!("first run: {first:?}");
    let again = run(&auth0, &rows, &plan).await?;
    println!("second run (nothing new): {again:?}");
    Ok(())
}

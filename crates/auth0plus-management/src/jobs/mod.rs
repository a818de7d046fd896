//! `auth0.jobs()`: bulk user imports, verification emails, user exports
//! (`users.export()`), and the one job poller that they share.

mod export;
mod import;
mod poll;

pub use export::{ExportFormat, UserExport};

pub use import::{
    ImportIssue, ImportProgress, ImportReport, ImportUser, ImportUserError, MAX_CONCURRENT_IMPORTS,
    MAX_IMPORT_BYTES, UserImport,
};
pub use poll::{JobStatus, JobSummary};
pub(crate) use poll::{Poller, poller_setters, yield_now};

use auth0plus_management_api::jobs::{GetJob, SendJobsVerificationEmail};
use auth0plus_management_api::models::CreateVerificationEmailRequestContent;
use futures::Stream;

use crate::request::ApiRequest;
use crate::{Auth0, Error, Result};

/// The jobs endpoints (`/api/v2/jobs/*`), made by [`Auth0::jobs`].
///
/// Not a [`Collection`](crate::Collection): a job is not a record Auth0
/// lists or lets anyone change; it is started by one call (an import, an
/// export, a verification email) and then read by id until it is done. The
/// handle keeps the collections' conventions: a cheap clone, [`Jobs::get`]
/// by id, owned (`Send + 'static`) futures.
#[derive(Debug, Clone)]
pub struct Jobs {
    auth0: Auth0,
}

impl Auth0 {
    /// The jobs endpoints: user imports, verification emails, job status.
    #[must_use]
    pub fn jobs(&self) -> Jobs {
        Jobs {
            auth0: self.clone(),
        }
    }
}

impl Jobs {
    /// Import `users` into a database connection, given by id (`con_…`)
    /// or by name (found with `GET /connections?name=`); an empty string
    /// means the client's default connection. Nothing is sent until
    /// [`UserImport::run`]. Items are [`NewUser`](crate::NewUser)s or
    /// [`ImportUser`]s (a user with a password hash).
    pub fn import_users<S, T>(&self, connection: impl Into<String>, users: S) -> UserImport<S>
    where
        S: Stream<Item = T> + Send + 'static,
        T: Into<ImportUser> + Send + 'static,
    {
        UserImport::new(self.auth0.clone(), connection.into(), users)
    }

    /// Send `user_id` the email that verifies their address
    /// (`POST /jobs/verification-email`). Nothing is sent until
    /// [`VerificationEmail::send`].
    pub fn verification_email(&self, user_id: impl Into<String>) -> VerificationEmail {
        VerificationEmail {
            auth0: self.auth0.clone(),
            body: CreateVerificationEmailRequestContent {
                user_id: Some(user_id.into()),
                ..Default::default()
            },
        }
    }

    /// A job's state (`GET /jobs/{id}`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id; [`Error::Api`] (404
    /// `Job not found.`).
    pub async fn get(&self, job_id: &str) -> Result<JobStatus> {
        let request = ApiRequest::of(&GetJob::new(job_id))?;
        JobStatus::fetch(&self.auth0, &request).await
    }
}

/// A verification email to send, made by [`Jobs::verification_email`].
///
/// ```no_run
/// # async fn run(auth0: auth0plus_management::Auth0) -> auth0plus_management::Result<()> {
/// let job = auth0
///     .jobs()
///     .verification_email("auth0|63d17c4a8869daf88ed7db97")
///     .client_id("my-app-client-id")
///     .send()
///     .await?;
/// println!("{} {}", job.id, job.status);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct VerificationEmail {
    auth0: Auth0,
    body: CreateVerificationEmailRequestContent,
}

impl VerificationEmail {
    /// The application whose email template and links to use.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.body.client_id = Some(client_id.into());
        self
    }

    /// The organization the user is invited to (the email links to it).
    pub fn organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.body.organization_id = Some(organization_id.into());
        self
    }

    /// Verify this identity of a linked account (`provider`, its `user_id`)
    /// instead of the primary one.
    pub fn identity(mut self, provider: &str, user_id: impl Into<String>) -> Self {
        let mut identity = auth0plus_management_api::models::Identity {
            user_id: Some(user_id.into()),
            ..Default::default()
        };
        identity.provider =
            serde_json::from_value(serde_json::Value::String(provider.to_owned())).ok();
        self.body.identity = Some(identity);
        self
    }

    /// Send it: Auth0 answers with the job that sends the email.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty user id, client id or
    /// organization id, before sending; [`Error::Api`] from Auth0.
    pub async fn send(self) -> Result<JobStatus> {
        let empty = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim().is_empty());
        if self
            .body
            .user_id
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
        {
            return Err(Error::InvalidArgument("the user id is empty".into()));
        }
        if empty(&self.body.client_id) || empty(&self.body.organization_id) {
            return Err(Error::InvalidArgument(
                "an empty client_id or organization_id".into(),
            ));
        }
        let created = self
            .auth0
            .send(SendJobsVerificationEmail::new(self.body))
            .await?;
        Ok(JobStatus {
            id: created.id.unwrap_or_default(),
            status: created.status.unwrap_or_default(),
            kind: created.r#type,
            percentage_done: None,
            time_left_seconds: None,
            location: None,
            status_details: None,
            summary: None,
            external_id: None,
        })
    }
}

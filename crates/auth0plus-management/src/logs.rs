//! `/api/v2/logs`: what happened on the tenant. A lazy search with the
//! users' Lucene layer ([`LogQuery`]), every event by the `log_id`
//! checkpoint (no 1,000 cap), one event by id, a [`LogTail`] that keeps
//! polling for new events, and a user's own events ([`User::logs`]).
//!
//! ```no_run
//! use auth0plus_management::{Auth0, LogType, Order, Timestamp};
//! use futures::TryStreamExt;
//! # async fn run(auth0: Auth0) -> auth0plus_management::Result<()> {
//! let since: Timestamp = "2026-01-01T00:00:00Z".parse()?;
//! // A pair is exact: user input cannot widen the search.
//! let failures = auth0
//!     .logs()
//!     .query()
//!     .filter([("type", "fapi")])
//!     .filter([("date__gte", since)])
//!     .sort("date", Order::Desc);
//! for event in failures.slice(..20).await? {
//!     println!("{} {:?} {}", event.log_id, event.date, event.description.unwrap_or_default());
//! }
//! // Every event, oldest first, by checkpoint: past the 1,000 a search reaches.
//! let logins = auth0
//!     .logs()
//!     .all()
//!     .stream()
//!     .try_filter(|e| futures::future::ready(e.kind == LogType::SuccessClientCredentials))
//!     .try_collect::<Vec<_>>()
//!     .await?;
//! # let _ = logins; Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use auth0plus_management_api::ResourceSpec as _;
use auth0plus_management_api::logs::{GetLog, LogSpec};
use auth0plus_management_api::users::ListUserLogs;
use auth0plus_transport::Sleep as _;
use futures::stream::{self, BoxStream, StreamExt};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::query::Query;
use crate::request::ApiRequest;
use crate::resource::Record;
use crate::resource::not_found_as;
use crate::search::{ConnectionFilter, Search, Takes};
use crate::users::UserProfile;
use crate::walk::Walk;
use crate::{Auth0, Error, Order, Result, Timestamp};

/// A lazy search over log events (`GET /logs`): the generic [`Query`] with
/// the users' Lucene layer (pairs are exact, Django suffixes, typed
/// timestamps such as `("date__gte", ts)`).
///
/// Without a condition, a sort or a field selection it reads every event
/// oldest first along the `log_id` checkpoint, with no cap. With any of
/// them it pages by offset, oldest first unless sorted otherwise, and
/// reaches the first 1,000 matches (Auth0 ignores every other parameter on
/// the checkpoint, so a search there would silently return everything).
pub type LogQuery = Query<LogEvent>;

macro_rules! log_types {
    ($($variant:ident = $code:literal, $what:literal;)*) => {
        /// The type of a log event: the common codes of Auth0's
        /// [log event type codes](https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes),
        /// and [`LogType::Unknown`] keeping any other code as sent.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum LogType {
            $(
                #[doc = concat!("`", $code, "`: ", $what, ".")]
                $variant,
            )*
            /// Any other code, as sent.
            Unknown(String),
        }

        impl LogType {
            /// The code Auth0 writes (`sapi`, `seccft`…).
            #[must_use]
            pub fn code(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Unknown(code) => code,
                }
            }

            /// What the code means, as Auth0 describes it (`None` for an
            /// unknown code).
            #[must_use]
            pub fn meaning(&self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($what),)*
                    Self::Unknown(_) => None,
                }
            }

            /// The type of `code`.
            #[must_use]
            pub fn from_code(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }
    };
}

log_types! {
    SuccessLogin = "s", "Success Login";
    FailedLogin = "f", "Failed Login";
    FailedLoginIncorrectPassword = "fp", "Failed Login (Incorrect Password)";
    FailedLoginInvalidUser = "fu", "Failed Login (Invalid Email/Username)";
    SuccessSignup = "ss", "Success Signup";
    FailedSignup = "fs", "Failed Signup";
    SuccessLogout = "slo", "Success Logout";
    FailedLogout = "flo", "Failed Logout";
    SuccessApiOperation = "sapi", "Success API Operation";
    FailedApiOperation = "fapi", "Failed API Operation";
    SuccessClientCredentials = "seccft", "Success Exchange (Client Credentials for Access Token)";
    FailedClientCredentials = "feccft", "Failed Exchange (Client Credentials for Access Token)";
    SuccessAuthorizationCode = "seacft", "Success Exchange (Authorization Code for Access Token)";
    FailedAuthorizationCode = "feacft", "Failed Exchange (Authorization Code for Access Token)";
    SuccessPasswordExchange = "sepft", "Success Exchange (Password for Access Token)";
    FailedPasswordExchange = "fepft", "Failed Exchange (Password for Access Token)";
    SuccessRefreshToken = "sertft", "Success Exchange (Refresh Token for Access Token)";
    FailedRefreshToken = "fertft", "Failed Exchange (Refresh Token for Access Token)";
    SuccessChangePassword = "scp", "Success Change Password";
    FailedChangePassword = "fcp", "Failed Change Password";
    SuccessChangePasswordRequest = "scpr", "Success Change Password Request";
    FailedChangePasswordRequest = "fcpr", "Failed Change Password Request";
    SuccessChangeEmail = "sce", "Success Change Email";
    FailedChangeEmail = "fce", "Failed Change Email";
    SuccessVerificationEmail = "sv", "Success Verification Email";
    FailedVerificationEmail = "fv", "Failed Verification Email";
    SuccessVerificationEmailRequest = "svr", "Success Verification Email Request";
    FailedVerificationEmailRequest = "fvr", "Failed Verification Email Request";
    SuccessUserDeletion = "sdu", "Successful User Deletion";
    FailedUserDeletion = "fdu", "Failed User Deletion";
    BlockedAccount = "limit_wc", "Blocked Account";
    BlockedIpAddress = "limit_mu", "Blocked IP Address";
    RateLimited = "api_limit", "Rate Limit on the Authentication or Management APIs";
    BreachedPassword = "pwd_leak", "Breached password";
    WarningDuringLogin = "w", "Warnings During Login";
}

impl Default for LogType {
    fn default() -> Self {
        Self::Unknown(String::new())
    }
}

impl fmt::Display for LogType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for LogType {
    type Err = std::convert::Infallible;
    fn from_str(code: &str) -> std::result::Result<Self, Self::Err> {
        Ok(Self::from_code(code))
    }
}

impl Serialize for LogType {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for LogType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::from_code(&code))
    }
}

/// A type code is a lookup value: `("type", LogType::FailedApiOperation)`.
impl crate::LookupValue for LogType {
    fn into_lookup_arg(self) -> crate::LookupArg {
        crate::LookupValue::into_lookup_arg(self.code())
    }
}

/// One log event. `details` (and every field not named here, in
/// [`LogEvent::other`]) is kept as sent; it can carry tokens or request
/// bodies, so `Debug` prints only its keys.
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct LogEvent {
    /// The event's id; ids sort in the order events were written.
    #[serde(default)]
    pub log_id: String,
    /// When it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Timestamp>,
    /// Its type code.
    #[serde(rename = "type", default)]
    pub kind: LogType,
    /// What happened, in words (the failure's message for `fapi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The application involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The application's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// The user involved, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Where the request came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The connection involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// The connection's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// The tenant host the request reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The client's user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// More about the event, as Auth0 sent it (`request`, `response`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Every other field, as sent (`audience`, `scope`, `location_info`…).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl LogEvent {
    /// Whether the type code says the event failed (`f…`), as Auth0's codes
    /// go; `limit_…` and `api_limit` count as failures too.
    #[must_use]
    pub fn is_failure(&self) -> bool {
        let code = self.kind.code();
        code.starts_with('f') || code.starts_with("limit_") || code == "api_limit"
    }
}

/// Never the values of `details` or of the other fields: they can hold
/// tokens and request bodies.
impl fmt::Debug for LogEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = |value: Option<&Value>| -> Vec<String> {
            value
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        f.debug_struct("LogEvent")
            .field("log_id", &self.log_id)
            .field("date", &self.date)
            .field("kind", &self.kind)
            .field("description", &self.description)
            .field("client_id", &self.client_id)
            .field("user_id", &self.user_id)
            .field("ip", &self.ip)
            .field("details_keys", &keys(self.details.as_ref()))
            .field("other_keys", &self.other.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The search of `GET /logs`: every part, no connection scope, oldest first
/// (the checkpoint's order) unless sorted otherwise.
fn log_search() -> Search {
    Search {
        connection: ConnectionFilter::Any,
        default_sort: Some(("date", Order::Asc)),
        ..Search::default()
    }
}

/// `/api/v2/logs`. A cheap handle; clone it freely. Made by [`Auth0::logs`].
///
/// Not a [`Collection`](crate::Collection): log events are not records
/// (Auth0 writes them; nothing creates, changes or deletes one), so they
/// are read as plain [`LogEvent`]s, with the collections' conventions:
/// [`Logs::query`], [`Logs::all`], [`Logs::get_by_id`].
#[derive(Clone, Debug)]
pub struct Logs {
    auth0: Auth0,
}

impl Auth0 {
    /// The tenant's log events (`/api/v2/logs`).
    #[must_use]
    pub fn logs(&self) -> Logs {
        Logs {
            auth0: self.clone(),
        }
    }
}

impl Logs {
    /// A lazy search over every log event; add conditions with
    /// [`Query::filter`] and [`Query::q`].
    pub fn query(&self) -> LogQuery {
        Query::of_list(&self.auth0, &LogSpec::list(), |event: LogEvent| event)
            .with_search(log_search())
    }

    /// Every log event, oldest first, by checkpoint (a lazy query).
    pub fn all(&self) -> LogQuery {
        self.query()
    }

    /// The log event with this id.
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] for a 404; [`Error::InvalidArgument`] for an
    /// empty id.
    pub async fn get_by_id(&self, log_id: &str) -> Result<LogEvent> {
        let request = ApiRequest::of(&GetLog::new(log_id))?;
        not_found_as(
            self.auth0.execute_json(&request).await,
            LogSpec::KIND,
            || crate::missing::id_phrase(log_id),
        )
    }

    /// The events written after `log_id`, oldest first, until the newest
    /// (one pass; [`Logs::tail`] keeps going).
    pub fn after(&self, log_id: impl Into<String>) -> BoxStream<'static, Result<LogEvent>> {
        self.tail()
            .from(TailStart::After(log_id.into()))
            .until_caught_up()
            .stream()
    }

    /// A stream of new events that keeps polling: see [`LogTail`].
    pub fn tail(&self) -> LogTail {
        LogTail {
            logs: self.clone(),
            start: TailStart::Now,
            interval: DEFAULT_TAIL_INTERVAL,
            per_page: 100,
            forever: true,
        }
    }

    /// The events of the user with this id (`GET /users/{id}/logs`), by
    /// offset; [`Query::sort`] is the only search part it takes.
    pub fn of_user(&self, user_id: &str) -> LogQuery {
        user_events(Query::of_list(
            &self.auth0,
            &ListUserLogs::new(user_id),
            |event: LogEvent| event,
        ))
    }
}

/// A user's events: sorting is the only search part they take.
fn user_events(query: LogQuery) -> LogQuery {
    query.with_search(Search {
        connection: ConnectionFilter::Any,
        takes: Takes {
            sort: true,
            ..Takes::NOTHING
        },
        ..Search::default()
    })
}

impl Record<UserProfile> {
    /// This user's log events (`GET /users/{id}/logs`), a lazy query paged
    /// by offset; sort with [`Query::sort`].
    ///
    /// ```no_run
    /// use auth0plus_management::Order;
    /// # async fn run(user: auth0plus_management::User) -> auth0plus_management::Result<()> {
    /// let latest = user.logs().sort("date", Order::Desc).slice(..10).await?;
    /// # let _ = latest; Ok(()) }
    /// ```
    pub fn logs(&self) -> LogQuery {
        user_events(self.list_of(|id| ListUserLogs::new(id), |event: LogEvent| event))
    }
}

/// How often a tail asks for new events when it has caught up.
pub const DEFAULT_TAIL_INTERVAL: Duration = Duration::from_secs(5);

/// Where a [`LogTail`] starts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TailStart {
    /// After the newest event now: only what happens from here on.
    Now,
    /// From the oldest event the tenant keeps.
    Beginning,
    /// After this `log_id` (the last one a previous tail yielded).
    After(String),
}

/// New log events as they are written: reads along the `log_id`
/// checkpoint, and when it has caught up waits `interval` and asks again.
/// Requests go through the client's retries and rate-limit throttle.
///
/// The stream never ends by itself (unless [`LogTail::until_caught_up`]);
/// the first error ends it. To resume, keep the last `log_id` seen and start
/// again with [`TailStart::After`]: nothing is missed or repeated.
///
/// ```no_run
/// use std::time::Duration;
/// use auth0plus_management::{Auth0, TailStart};
/// use futures::StreamExt;
/// # async fn run(auth0: Auth0, saved: Option<String>) -> auth0plus_management::Result<()> {
/// let start = saved.map_or(TailStart::Now, TailStart::After);
/// let mut events = auth0.logs().tail().from(start).interval(Duration::from_secs(10)).stream();
/// while let Some(event) = events.next().await {
///     let event = event?;
///     println!("{} {}", event.kind, event.description.as_deref().unwrap_or(""));
///     // store event.log_id to resume from it
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct LogTail {
    logs: Logs,
    start: TailStart,
    interval: Duration,
    per_page: u32,
    forever: bool,
}

impl LogTail {
    /// Where to start (default [`TailStart::Now`]).
    pub fn from(mut self, start: TailStart) -> Self {
        self.start = start;
        self
    }

    /// How long to wait once caught up before asking again (default 5 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Events per request, 1 to 100 (default 100; checked before sending).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page;
        self
    }

    /// End the stream once it has caught up instead of polling.
    pub fn until_caught_up(mut self) -> Self {
        self.forever = false;
        self
    }

    /// The events, oldest first.
    pub fn stream(&self) -> BoxStream<'static, Result<LogEvent>> {
        struct State {
            tail: LogTail,
            query: LogQuery,
            /// Where to continue; `None` before the start is resolved.
            cursor: Option<Option<String>>,
            /// The cursors followed and events read: a log that sends
            /// them again ends the tail.
            walk: Walk,
            wait: bool,
            done: bool,
        }
        let state = State {
            tail: self.clone(),
            query: self.logs.all().per_page(self.per_page),
            cursor: None,
            walk: Walk::new(),
            wait: false,
            done: false,
        };
        stream::unfold(state, |mut st| async move {
            if st.done {
                return None;
            }
            let from = match st.cursor.take() {
                Some(from) => from,
                None => match st.tail.resolve_start().await {
                    Ok(from) => from,
                    Err(e) => {
                        st.done = true;
                        return Some((vec![Err(e)], st));
                    }
                },
            };
            if st.wait {
                st.tail.logs.auth0.sleeper().sleep(st.tail.interval).await;
            }
            match st.query.cursor_page(from.clone(), &mut st.walk).await {
                Ok(page) => {
                    st.cursor = Some(page.resume.or(from));
                    st.wait = !page.more;
                    st.done = !page.more && !st.tail.forever;
                    Some((page.items.into_iter().map(Ok).collect(), st))
                }
                Err(e) => {
                    st.done = true;
                    Some((vec![Err(e)], st))
                }
            }
        })
        .flat_map(stream::iter)
        .boxed()
    }

    /// The `from` of the first request.
    async fn resolve_start(&self) -> Result<Option<String>> {
        if !(1..=100).contains(&self.per_page) {
            return Err(Error::InvalidArgument(format!(
                "per_page must be 1 to 100, not {}",
                self.per_page
            )));
        }
        match &self.start {
            TailStart::Beginning => Ok(None),
            TailStart::After(id) if id.is_empty() => Err(Error::InvalidArgument(
                "a tail starts after a log_id: this one is empty".into(),
            )),
            TailStart::After(id) => Ok(Some(id.clone())),
            // The newest event, in one request of one item.
            TailStart::Now => Ok(self
                .logs
                .query()
                .sort("date", Order::Desc)
                .first()
                .await?
                .map(|newest| newest.log_id)),
        }
    }
}

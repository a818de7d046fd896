//! Fault matrix: every operation × every failure mode Auth0 shows, against the fake tenant.
//!
//! Each cell runs on a fresh fake tenant with one fault injected once, and asserts the
//! exact outcome the retry policy promises: retried and succeeded (with the number of
//! requests the route answered), or a typed error naming what happened. No cell may panic or
//! outlive [`CASE_LIMIT`], and a create never leaves more than one user behind.
//!
//! `cargo test -p auth0plus-tests --test fault_matrix -- --nocapture` prints the matrix.

use std::fmt;
use std::time::{Duration, Instant};

use auth0plus::oauth::Error as TokenError;
use auth0plus::transport::{RetryPolicy, TransportErrorKind};
use auth0plus::{Auth0, Error, NewUser, User};
use auth0plus_fake::{FakeTenant, Fault, Route};

/// Time allowed for one attempt.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(750);
/// How slow the "slow response" fault is: well past [`ATTEMPT_TIMEOUT`].
const SLOW: Duration = Duration::from_secs(2);
/// No cell may take longer than this (four attempts, a rate-limit wait, and slack).
const CASE_LIMIT: Duration = Duration::from_secs(20);

fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .attempt_timeout(Some(ATTEMPT_TIMEOUT))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Token,
    Create,
    Get,
    SearchPage,
    Update,
    Delete,
    ByEmail,
}

impl Op {
    const ALL: [Op; 7] = [
        Op::Token,
        Op::Create,
        Op::Get,
        Op::SearchPage,
        Op::Update,
        Op::Delete,
        Op::ByEmail,
    ];

    fn route(self) -> Route {
        match self {
            Op::Token => Route::Token,
            Op::Create => Route::CreateUser,
            Op::Get => Route::GetUser,
            Op::SearchPage => Route::ListUsers,
            Op::Update => Route::UpdateUser,
            Op::Delete => Route::DeleteUser,
            Op::ByEmail => Route::UsersByEmail,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Op::Token => "token",
            Op::Create => "create (POST)",
            Op::Get => "get_by_id",
            Op::SearchPage => "search page",
            Op::Update => "save (PATCH)",
            Op::Delete => "delete",
            Op::ByEmail => "by_email",
        }
    }

    /// Sending it twice is harmless, so the policy may resend it after it reached the server.
    fn idempotent(self) -> bool {
        self != Op::Create
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    RateLimited,
    RateLimitedBare,
    Internal,
    BadGatewayHtml,
    Unavailable,
    Refused,
    DroppedBeforeResponse,
    DroppedMidBody,
    Slow,
    TruncatedJson,
    NonJson,
    ExpiredToken,
}

impl Case {
    const ALL: [Case; 12] = [
        Case::RateLimited,
        Case::RateLimitedBare,
        Case::Internal,
        Case::BadGatewayHtml,
        Case::Unavailable,
        Case::Refused,
        Case::DroppedBeforeResponse,
        Case::DroppedMidBody,
        Case::Slow,
        Case::TruncatedJson,
        Case::NonJson,
        Case::ExpiredToken,
    ];

    fn fault(self) -> Option<Fault> {
        Some(match self {
            Case::RateLimited => Fault::RateLimited,
            Case::RateLimitedBare => Fault::RateLimitedBare,
            Case::Internal => Fault::InternalError,
            Case::BadGatewayHtml => Fault::BadGatewayHtml,
            Case::Unavailable => Fault::ServiceUnavailable,
            Case::Refused => return None,
            Case::DroppedBeforeResponse => Fault::ResetConnection,
            Case::DroppedMidBody => Fault::DropMidBody,
            Case::Slow => Fault::Delay(SLOW),
            Case::TruncatedJson => Fault::TruncatedJson,
            Case::NonJson => Fault::NonJson,
            Case::ExpiredToken => Fault::ExpiredToken,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Case::RateLimited => "429 + x-ratelimit-reset",
            Case::RateLimitedBare => "429, no headers",
            Case::Internal => "500 JSON",
            Case::BadGatewayHtml => "502 HTML page",
            Case::Unavailable => "503 JSON",
            Case::Refused => "connection refused",
            Case::DroppedBeforeResponse => "dropped before response",
            Case::DroppedMidBody => "dropped mid-body",
            Case::Slow => "slower than timeout",
            Case::TruncatedJson => "200 truncated JSON",
            Case::NonJson => "200 non-JSON body",
            Case::ExpiredToken => "401 expired token",
        }
    }
}

/// What the caller saw.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok,
    Api(u16),
    Transport(TransportErrorKind),
    Decode(u16),
    TokenRejected(u16),
    TokenUnexpected(u16),
    TokenTransport(TransportErrorKind),
    Other(String),
    Panicked(String),
    Hung,
}

impl Outcome {
    fn of(result: &Result<(), Error>) -> Self {
        match result {
            Ok(()) => Outcome::Ok,
            Err(Error::Api(e)) => Outcome::Api(e.status),
            Err(Error::Transport(e)) => Outcome::Transport(e.kind()),
            Err(Error::Decode { status, .. }) => Outcome::Decode(*status),
            Err(Error::Token(TokenError::Rejected { status, .. })) => {
                Outcome::TokenRejected(*status)
            }
            Err(Error::Token(TokenError::UnexpectedResponse { status, .. })) => {
                Outcome::TokenUnexpected(*status)
            }
            Err(Error::Token(TokenError::Transport(e))) => Outcome::TokenTransport(e.kind()),
            Err(other) => Outcome::Other(format!("{other:?}")),
        }
    }
}

fn kind_name(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Connect => "connect",
        TransportErrorKind::Timeout => "timeout",
        TransportErrorKind::Interrupted => "interrupted",
        _ => "other",
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => f.write_str("ok"),
            Outcome::Api(s) => write!(f, "Api {s}"),
            Outcome::Transport(k) => write!(f, "Transport {}", kind_name(*k)),
            Outcome::Decode(s) => write!(f, "Decode {s}"),
            Outcome::TokenRejected(s) => write!(f, "Token rejected {s}"),
            Outcome::TokenUnexpected(s) => write!(f, "Token bad body {s}"),
            Outcome::TokenTransport(k) => write!(f, "Token {}", kind_name(*k)),
            Outcome::Other(s) => write!(f, "OTHER {s}"),
            Outcome::Panicked(s) => write!(f, "PANIC {s}"),
            Outcome::Hung => f.write_str("HUNG"),
        }
    }
}

/// What a cell must show.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expect {
    outcome: Outcome,
    /// Requests the fault's route answered (the faulty one included); `None` when
    /// there is no server (connection refused).
    requests: Option<u64>,
    /// For creates: users on the fake afterwards.
    users_after_create: Option<usize>,
}

/// The policy, cell by cell.
fn expect(op: Op, case: Case) -> Expect {
    use Case as C;
    let ok = |requests| Expect {
        outcome: Outcome::Ok,
        requests: Some(requests),
        users_after_create: (op == Op::Create).then_some(1),
    };
    let failed = |outcome, requests: Option<u64>, users| Expect {
        outcome,
        requests,
        users_after_create: (op == Op::Create).then_some(users),
    };
    match (op, case) {
        // A 429 means the server did nothing: every request is resent, POST included.
        (_, C::RateLimited | C::RateLimitedBare) => ok(2),
        // Nothing was sent: every attempt fails to connect, the last error is returned.
        (Op::Token, C::Refused) => failed(
            Outcome::TokenTransport(TransportErrorKind::Connect),
            None,
            0,
        ),
        (_, C::Refused) => failed(Outcome::Transport(TransportErrorKind::Connect), None, 0),
        // The token request is a POST marked idempotent: asking twice is harmless.
        (Op::Token, C::Internal | C::BadGatewayHtml | C::Unavailable) => ok(2),
        (Op::Token, C::DroppedBeforeResponse | C::DroppedMidBody) => ok(2),
        (Op::Token, C::TruncatedJson | C::NonJson) => {
            failed(Outcome::TokenUnexpected(200), Some(1), 0)
        }
        (Op::Token, C::ExpiredToken) => failed(Outcome::TokenRejected(401), Some(1), 0),
        // A 401 on the API: one refresh, one retry, for every method.
        (_, C::ExpiredToken) => ok(2),
        // POST /users may have reached the server: never resent.
        (Op::Create, C::Internal) => failed(Outcome::Api(500), Some(1), 0),
        (Op::Create, C::BadGatewayHtml) => failed(Outcome::Api(502), Some(1), 0),
        (Op::Create, C::Unavailable) => failed(Outcome::Api(503), Some(1), 0),
        (Op::Create, C::DroppedBeforeResponse) => failed(
            Outcome::Transport(TransportErrorKind::Interrupted),
            Some(1),
            0,
        ),
        // The handler ran before the body was cut: the user exists, exactly once.
        (Op::Create, C::DroppedMidBody) => failed(
            Outcome::Transport(TransportErrorKind::Interrupted),
            Some(1),
            1,
        ),
        // The client gave up and closed the connection; the fake drops the request
        // with it (hyper cancels the handler), so nothing is created.
        (Op::Create, C::Slow) => {
            failed(Outcome::Transport(TransportErrorKind::Timeout), Some(0), 0)
        }
        // A 200 that does not decode is reported, never retried.
        (Op::Create, C::TruncatedJson | C::NonJson) => failed(Outcome::Decode(200), Some(1), 0),
        // DELETE ignores its response body.
        (Op::Delete, C::TruncatedJson | C::NonJson) => ok(1),
        (_, C::TruncatedJson | C::NonJson) => failed(Outcome::Decode(200), Some(1), 0),
        // A 204 has no body to cut.
        (Op::Delete, C::DroppedMidBody) => ok(1),
        // Idempotent requests (the token request too) are resent after 5xx, drops and
        // timeouts. A timed-out attempt is cancelled on the server when the client
        // closes the connection, so only the retry is answered.
        (_, C::Slow) => ok(1),
        (_, C::Internal | C::BadGatewayHtml | C::Unavailable) => ok(2),
        (_, C::DroppedBeforeResponse | C::DroppedMidBody) => ok(2),
    }
}

/// What one cell observed.
#[derive(Debug, Clone)]
struct Observed {
    outcome: Outcome,
    requests: Option<u64>,
    users_after_create: Option<usize>,
    elapsed: Duration,
    problems: Vec<String>,
}

fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn client_for(tenant: &FakeTenant, base_url: &str) -> Auth0 {
    Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(base_url)
        .retry_policy(fast_policy())
        .build()
        .expect("client")
}

/// The operation under test; `pending` is a fetched user with an unsaved change.
async fn run_op(
    op: Op,
    auth0: Auth0,
    id: String,
    email: String,
    pending: User,
) -> Result<(), Error> {
    let users = auth0.users();
    match op {
        Op::Token => auth0
            .token_source()
            .token()
            .await
            .map(drop)
            .map_err(Error::Token),
        Op::Create => users
            .create(
                NewUser::new()
                    .email("matrix.new@example.com")
                    .password("Matrix-Passw0rd!"),
            )
            .await
            .map(drop),
        Op::Get => {
            let user = users.get_by_id(&id).await?;
            assert_eq!(user.id(), Some(id.as_str()));
            Ok(())
        }
        Op::SearchPage => {
            let page = users
                .query()
                .any_connection()
                .per_page(5)
                .slice(0..5)
                .await?;
            assert_eq!(
                page.len(),
                3,
                "the search page holds the three seeded users"
            );
            Ok(())
        }
        Op::Update => {
            let mut user = pending;
            user.save().await?;
            assert_eq!(user.given_name.as_deref(), Some("Changed"));
            Ok(())
        }
        Op::Delete => users.delete(&id).await,
        Op::ByEmail => {
            let found = users.by_email(&email).await?;
            assert_eq!(found.len(), 1);
            Ok(())
        }
    }
}

async fn run_cell(op: Op, case: Case) -> Observed {
    let mut problems = Vec::new();
    let tenant = FakeTenant::start().await.expect("fake tenant");
    let ids = tenant.seed_users(3);
    let id = ids[0].clone();
    let email = tenant.users()[0]["email"]
        .as_str()
        .expect("seeded email")
        .to_owned();
    let good = client_for(&tenant, tenant.base_url());
    // The user to update, fetched (and the token cached) before any fault.
    let fetched = good.users().get_by_id(&id).await.expect("fetch");

    let auth0 = if case == Case::Refused {
        let base = closed_port_url();
        if op == Op::Token {
            client_for(&tenant, &base)
        } else {
            // A working token, so the operation itself meets the closed port.
            Auth0::builder(tenant.domain())
                .token(tenant.issue_token())
                .default_connection(tenant.connection())
                .base_url(&base)
                .retry_policy(fast_policy())
                .build()
                .expect("client")
        }
    } else if op == Op::Token {
        // A fresh client, so the token is fetched under the fault.
        client_for(&tenant, tenant.base_url())
    } else {
        good.clone()
    };
    let mut pending = auth0.users().restore(fetched.to_state());
    pending.given_name = Some("Changed".into());
    let users_before = tenant.user_count();

    tenant.reset_counters();
    if let Some(fault) = case.fault() {
        tenant.inject_fault(op.route(), fault, 1);
    }
    let started = Instant::now();
    let task = tokio::spawn(run_op(op, auth0, id.clone(), email, pending));
    let abort = task.abort_handle();
    let outcome = match tokio::time::timeout(CASE_LIMIT, task).await {
        Err(_) => {
            abort.abort();
            Outcome::Hung
        }
        Ok(Err(join)) if join.is_panic() => {
            let payload = join.into_panic();
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Outcome::Panicked(message)
        }
        Ok(Err(join)) => Outcome::Other(join.to_string()),
        Ok(Ok(result)) => {
            if let Err(Error::Api(api)) = &result
                && api.status == 502
                && !api
                    .raw_body
                    .as_deref()
                    .is_some_and(|b| b.contains("502 Bad Gateway"))
            {
                problems.push(format!("the 502 error lost the HTML page: {api:?}"));
            }
            Outcome::of(&result)
        }
    };
    let elapsed = started.elapsed();
    if case == Case::Slow && matches!(op, Op::Create | Op::Update | Op::Delete) {
        // Let the fake's delayed handler (if it survived the client) finish before counting.
        tokio::time::sleep(SLOW + Duration::from_millis(200)).await;
    }
    let counters = tenant.counters();
    let requests = (case != Case::Refused).then(|| counters.count(op.route()));
    let users_after = tenant.user_count();

    // Side effects that must follow from the outcome.
    match op {
        Op::Create => {}
        Op::Delete if outcome == Outcome::Ok => {
            let still_there = tenant.users().iter().any(|u| u["user_id"] == id.as_str());
            let handler_ran = !matches!(case, Case::TruncatedJson | Case::NonJson);
            if still_there == handler_ran {
                problems.push(format!("after delete, user present = {still_there}"));
            }
        }
        Op::Update if outcome == Outcome::Ok => {
            let user = tenant
                .users()
                .into_iter()
                .find(|u| u["user_id"] == id.as_str())
                .expect("user");
            if user["given_name"] != "Changed" {
                problems.push(format!("update not applied: {user}"));
            }
        }
        _ => {
            if users_after != users_before {
                problems.push(format!(
                    "user count changed {users_before} -> {users_after}"
                ));
            }
        }
    }
    if case == Case::ExpiredToken && op != Op::Token && case.fault().is_some() {
        let refreshes = counters.count(Route::Token);
        if refreshes != 1 {
            problems.push(format!(
                "expected exactly one token refresh, saw {refreshes}"
            ));
        }
    }
    if op == Op::Create && users_after > users_before + 1 {
        problems.push(format!("DUPLICATE: {users_before} -> {users_after} users"));
    }
    Observed {
        outcome,
        requests,
        users_after_create: (op == Op::Create).then(|| users_after - users_before),
        elapsed,
        problems,
    }
}

fn cell_text(observed: &Observed) -> String {
    let mut text = observed.outcome.to_string();
    if let Some(n) = observed.requests {
        text.push_str(&format!(" ×{n}"));
    }
    if let Some(n) = observed.users_after_create {
        text.push_str(&format!(" u{n}"));
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_fault() {
    let mut failures = Vec::new();
    let mut grid: Vec<Vec<String>> = Vec::new();
    let started = Instant::now();
    for case in Case::ALL {
        let mut row = Vec::new();
        for op in Op::ALL {
            let want = expect(op, case);
            let got = run_cell(op, case).await;
            let mut mismatch = Vec::new();
            if got.outcome != want.outcome {
                mismatch.push(format!("outcome {} (want {})", got.outcome, want.outcome));
            }
            if got.requests != want.requests {
                mismatch.push(format!(
                    "requests {:?} (want {:?})",
                    got.requests, want.requests
                ));
            }
            if got.users_after_create != want.users_after_create {
                mismatch.push(format!(
                    "users created {:?} (want {:?})",
                    got.users_after_create, want.users_after_create
                ));
            }
            mismatch.extend(got.problems.iter().cloned());
            let mut text = cell_text(&got);
            if !mismatch.is_empty() {
                text.push_str(" !!");
                failures.push(format!(
                    "{} × {}: {} [{} ms]",
                    op.name(),
                    case.name(),
                    mismatch.join("; "),
                    got.elapsed.as_millis()
                ));
            }
            row.push(text);
        }
        grid.push(row);
    }
    print_matrix(&grid);
    println!(
        "{} cells in {:.1} s",
        Op::ALL.len() * Case::ALL.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} cells differ from the policy:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn print_matrix(grid: &[Vec<String>]) {
    let first = Case::ALL
        .iter()
        .map(|c| c.name().len())
        .max()
        .unwrap_or(0)
        .max("fault \\ operation".len());
    let widths: Vec<usize> = Op::ALL
        .iter()
        .enumerate()
        .map(|(i, op)| {
            grid.iter()
                .map(|row| row[i].chars().count())
                .chain([op.name().len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    out.push_str(&format!("| {:first$} |", "fault \\ operation"));
    for (op, w) in Op::ALL.iter().zip(&widths) {
        out.push_str(&format!(" {:w$} |", op.name()));
    }
    out.push('\n');
    out.push_str(&format!("|{}|", "-".repeat(first + 2)));
    for w in &widths {
        out.push_str(&format!("{}|", "-".repeat(w + 2)));
    }
    out.push('\n');
    for (case, row) in Case::ALL.iter().zip(grid) {
        out.push_str(&format!("| {:first$} |", case.name()));
        for (cell, w) in row.iter().zip(&widths) {
            let pad = w - cell.chars().count();
            out.push_str(&format!(" {cell}{} |", " ".repeat(pad)));
        }
        out.push('\n');
    }
    println!(
        "\nFault matrix (×n = requests the faulted route answered, uN = users created; \
         idempotent: {}):\n{out}",
        Op::ALL
            .iter()
            .filter(|o| o.idempotent())
            .map(|o| o.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

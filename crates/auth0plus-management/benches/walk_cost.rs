//! The cost of walking lists, for counting instructions: a fixed amount of
//! work (no timing loop), so `valgrind --tool=callgrind` gives the same
//! count on every run, however busy the machine is.
//!
//! ```text
//! cargo bench -p auth0plus-management --bench walk_cost --no-run
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/walk.out \
//!     target/release/deps/walk_cost-<hash> --walks 20
//! ```
//!
//! Each walk reads 20 pages of 50 items through an in-process backend (no
//! sockets, no timers): an offset list (`/roles`), a checkpoint list
//! (`/organizations`, `next`) and the logs' cursor (`/logs`, `log_id`). The
//! difference between two builds, divided by the requests made (printed),
//! is what the client's own per-request work costs.

use std::sync::Arc;

use auth0plus_management::api::organizations::ListOrganizations;
use auth0plus_management::api::roles::ListRoles;
use auth0plus_management::transport::{Bytes, NoSleep, RetryPolicy, backend_fn};
use auth0plus_management::{Auth0, Error};
use serde_json::json;

const PAGES: usize = 20;
const PER_PAGE: usize = 50;

/// Every page body the backend serves, built once.
struct Pages {
    roles: Vec<Bytes>,
    organizations: Vec<Bytes>,
    logs: Vec<Bytes>,
}

fn pages() -> Pages {
    let total = PAGES * PER_PAGE;
    let roles = (0..PAGES)
        .map(|page| {
            let items: Vec<_> = (0..PER_PAGE)
                .map(|i| {
                    let n = page * PER_PAGE + i;
                    json!({"id": format!("rol_{n:016}"), "name": format!("role {n}"),
                           "description": "a role of the walk benchmark"})
                })
                .collect();
            json!({"start": page * PER_PAGE, "limit": PER_PAGE, "length": PER_PAGE,
                   "total": total, "roles": items})
        })
        .map(|body| Bytes::from(body.to_string()))
        .collect();
    let organizations = (0..PAGES)
        .map(|page| {
            let items: Vec<_> = (0..PER_PAGE)
                .map(|i| {
                    let n = page * PER_PAGE + i;
                    json!({"id": format!("org_{n:016}"), "name": format!("org-{n}"),
                           "display_name": format!("Organization {n}")})
                })
                .collect();
            let mut body = json!({"organizations": items});
            if page + 1 < PAGES {
                body["next"] = json!(format!("cursor-{}", page + 1));
            }
            body
        })
        .map(|body| Bytes::from(body.to_string()))
        .collect();
    let logs = (0..PAGES)
        .map(|page| {
            let items: Vec<_> = (0..PER_PAGE)
                .map(|i| {
                    let n = page * PER_PAGE + i;
                    json!({"log_id": format!("900{n:017}"), "type": "sapi",
                           "date": "2026-01-01T00:00:00.000Z", "description": "walk"})
                })
                .collect();
            json!(items)
        })
        .map(|body| Bytes::from(body.to_string()))
        .collect();
    Pages {
        roles,
        organizations,
        logs,
    }
}

/// The value of query parameter `name`.
fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The page a request asks for.
fn answer(pages: &Pages, path: &str, query: &str) -> Bytes {
    let empty = Bytes::from_static(b"[]");
    match path {
        "/api/v2/roles" => {
            let page: usize = param(query, "page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            pages.roles.get(page).cloned().unwrap_or(empty)
        }
        "/api/v2/organizations" => {
            let page = param(query, "from")
                .and_then(|from| from.strip_prefix("cursor-")?.parse::<usize>().ok())
                .unwrap_or(0);
            pages.organizations.get(page).cloned().unwrap_or(empty)
        }
        "/api/v2/logs" => {
            let page = param(query, "from")
                .and_then(|from| from.get(3..)?.parse::<usize>().ok())
                .map_or(0, |last| (last + 1) / PER_PAGE);
            pages.logs.get(page).cloned().unwrap_or(empty)
        }
        _ => empty,
    }
}

fn client(pages: Arc<Pages>) -> Auth0 {
    Auth0::builder("bench.auth0.com")
        .token("a-bench-token-of-some-length")
        .backend(backend_fn(move |request| {
            let pages = Arc::clone(&pages);
            async move {
                let body = answer(
                    &pages,
                    request.uri().path(),
                    request.uri().query().unwrap_or(""),
                );
                Ok(http::Response::new(body))
            }
        }))
        .sleep(NoSleep)
        .retry_policy(RetryPolicy::never())
        .throttle(false)
        .per_page(PER_PAGE as u32)
        .build()
        .expect("a client")
}

async fn walk(auth0: &Auth0) -> Result<usize, Error> {
    let roles = auth0.list(ListRoles::new()).fetch_all().await?;
    let organizations = auth0.list(ListOrganizations::new()).fetch_all().await?;
    let logs = auth0.logs().all().fetch_all().await?;
    Ok(roles.len() + organizations.len() + logs.len())
}

fn main() {
    let walks: usize = std::env::args()
        .skip_while(|arg| arg != "--walks")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let auth0 = client(Arc::new(pages()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut items = 0;
    for _ in 0..walks {
        items += runtime.block_on(walk(&auth0)).expect("the walk ends");
    }
    // Three lists of PAGES pages; the logs' cursor asks once more to see
    // that its last page (a full one) was the last.
    println!(
        "{walks} walks: {items} items in about {} requests",
        walks * (3 * PAGES + 1)
    );
}

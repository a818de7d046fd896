//! Generated hostile pages (issue 26): lying totals, repeated and cycling
//! cursors, items repeated, oversized, deeply nested or keyed by a secret,
//! against the page decoder and the three walkers (offset, checkpoint, the
//! logs' cursor). Every walk must end, within a bounded number of requests
//! and bounded memory, with the items or a typed error that holds no secret
//! and a few KB of text at most.
//!
//! The server is an in-process backend (no sockets), so each case is a few
//! milliseconds; the heap is measured by a counting allocator, so the cases
//! run one at a time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use auth0plus::management::api::groups::ListGroupMembers;
use auth0plus::management::api::roles::ListRoles;
use auth0plus::transport::{Bytes, HttpRequest, NoSleep, RetryPolicy, backend_fn, http};
use auth0plus::{Auth0, Error};
use futures::TryStreamExt as _;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Value, json};

#[global_allocator]
static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

/// One case at a time: the peak is process-wide.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.property-token.c2lnbmF0dXJl";
const PER_PAGE: u32 = 5;
const MIB: usize = 1024 * 1024;

/// The list a case walks.
#[derive(Debug, Clone, Copy)]
enum List {
    /// `/roles`: offset pages with `total`.
    Offset,
    /// `/groups/{id}/members`: `next` checkpoints.
    Checkpoint,
    /// `/logs`: the `log_id` cursor.
    Logs,
}

/// What one item looks like.
#[derive(Debug, Clone)]
enum Shape {
    Plain,
    /// A map key holding the bearer token, with a value no decoder takes.
    SecretKey,
    /// Arrays nested this deep.
    Deep(usize),
    /// A string this long.
    Big(usize),
}

#[derive(Debug, Clone)]
struct Item {
    /// From a pool of ten (so pages repeat items), or unique to its page.
    id: Option<u8>,
    shape: Shape,
}

/// The cursor a checkpoint page names.
#[derive(Debug, Clone)]
enum Next {
    None,
    /// One of four, so cursors repeat and cycle.
    Pool(u8),
    /// The bearer token itself.
    Secret,
    /// New on every answer.
    Fresh,
}

#[derive(Debug, Clone)]
struct HostilePage {
    items: Vec<Item>,
    /// Any number at all: `total`, and `limit`/`length` echoes.
    total: Option<u64>,
    next: Next,
}

/// What the server answers once its pages run out.
#[derive(Debug, Clone, Copy)]
enum After {
    /// Empty pages.
    Empty,
    /// The last page again, forever.
    Repeat,
    /// The pages again from the first, forever.
    Cycle,
}

#[derive(Debug, Clone, Copy)]
enum Walk {
    FetchAll,
    Count,
    Stream,
    Slice(u64),
}

#[derive(Debug, Clone)]
struct Case {
    list: List,
    pages: Vec<HostilePage>,
    after: After,
    walk: Walk,
}

fn item() -> impl Strategy<Value = Item> {
    let shape = prop_oneof![
        24 => Just(Shape::Plain),
        1 => Just(Shape::SecretKey),
        1 => (1usize..300).prop_map(Shape::Deep),
        1 => (1usize..200_000).prop_map(Shape::Big),
    ];
    (proptest::option::weighted(0.5, 0u8..10), shape).prop_map(|(id, shape)| Item { id, shape })
}

fn page() -> impl Strategy<Value = HostilePage> {
    let total = prop_oneof![
        Just(None),
        (0u64..100).prop_map(Some),
        any::<u64>().prop_map(Some),
        Just(Some(u64::MAX)),
        Just(Some(1_000_000_000_000)),
    ];
    let next = prop_oneof![
        1 => Just(Next::None),
        3 => (0u8..4).prop_map(Next::Pool),
        1 => Just(Next::Secret),
        3 => Just(Next::Fresh),
    ];
    // Mostly full pages: a short one ends a walk along the logs' cursor.
    let len = prop_oneof![3 => Just(PER_PAGE as usize), 1 => 0..PER_PAGE as usize];
    let items = len.prop_flat_map(|len| vec(item(), len));
    (items, total, next).prop_map(|(items, total, next)| HostilePage { items, total, next })
}

fn case() -> impl Strategy<Value = Case> {
    let list = prop_oneof![Just(List::Offset), Just(List::Checkpoint), Just(List::Logs)];
    let after = prop_oneof![Just(After::Empty), Just(After::Repeat), Just(After::Cycle)];
    let walk = prop_oneof![
        Just(Walk::FetchAll),
        Just(Walk::Count),
        Just(Walk::Stream),
        (0u64..60).prop_map(Walk::Slice),
    ];
    (list, vec(page(), 1..6), after, walk).prop_map(|(list, pages, after, walk)| Case {
        // An offset walk ends at its first empty page or at `total`; a
        // server that keeps sending new items is a list that long. So the
        // offset server's pages end.
        after: if matches!(list, List::Offset) {
            After::Empty
        } else {
            after
        },
        list,
        pages,
        walk,
    })
}

/// The JSON of `item`, the `n`th of page `page`.
fn item_json(list: List, item: &Item, page: usize, n: usize) -> Value {
    let id = match item.id {
        Some(pooled) => format!("pooled-{pooled}"),
        None => format!("p{page}-i{n}"),
    };
    let mut value = match list {
        List::Offset => json!({"id": id, "name": "role", "description": "d"}),
        List::Checkpoint => json!({"id": id, "member_type": "user"}),
        List::Logs => json!({"log_id": id, "type": "s"}),
    };
    match &item.shape {
        Shape::Plain => {}
        Shape::SecretKey => {}
        Shape::Deep(depth) => {
            let mut deep = json!(1);
            for _ in 0..*depth {
                deep = json!([deep]);
            }
            value["deep"] = deep;
        }
        Shape::Big(len) => value["big"] = json!("b".repeat(*len)),
    }
    value
}

/// The body of `page` (the `index`th the script sends), as the list's
/// server writes it; the `call`th answer (for fresh cursors).
fn body(list: List, page: &HostilePage, index: usize, call: usize) -> Vec<u8> {
    let items: Vec<String> = page
        .items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let json = item_json(list, item, index, n).to_string();
            match item.shape {
                // Written by hand: `1e400` is no JSON value serde_json makes.
                Shape::SecretKey => format!(
                    "{},\"x\":{{{}:1e400}}}}",
                    json.trim_end_matches('}'),
                    json!(format!("Bearer {TOKEN}"))
                ),
                _ => json,
            }
        })
        .collect();
    let items = format!("[{}]", items.join(","));
    let total = page.total.map_or("null".to_owned(), |t| t.to_string());
    let text = match list {
        List::Offset => format!(
            r#"{{"start":0,"limit":{total},"length":{total},"roles":{items},"total":{total}}}"#
        ),
        List::Checkpoint => {
            let next = match &page.next {
                Next::None => Value::Null,
                Next::Pool(n) => json!(format!("cursor-{n}")),
                Next::Secret => json!(format!("Bearer {TOKEN}")),
                Next::Fresh => json!(format!("fresh-{call}")),
            };
            format!(r#"{{"members":{items},"next":{next},"total":{total}}}"#)
        }
        List::Logs => items,
    };
    text.into_bytes()
}

/// The page the server answers with: by `page` for offset lists (prefetched
/// pages arrive out of order), by arrival for the others.
fn answer(case: &Case, request: &HttpRequest, call: usize) -> Vec<u8> {
    let index = match case.list {
        List::Offset => request
            .uri()
            .query()
            .unwrap_or("")
            .split('&')
            .find_map(|pair| pair.strip_prefix("page="))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0),
        _ => call,
    };
    let pages = &case.pages;
    let (page, index) = match (pages.get(index), case.after) {
        (Some(page), _) => (page.clone(), index),
        (None, After::Empty) => (
            HostilePage {
                items: Vec::new(),
                total: pages[0].total,
                next: Next::None,
            },
            index,
        ),
        (None, After::Repeat) => (pages[pages.len() - 1].clone(), pages.len() - 1),
        (None, After::Cycle) => (pages[index % pages.len()].clone(), index % pages.len()),
    };
    body(case.list, &page, index, call)
}

/// At most this many requests for `case`: the script's pages, one more
/// that repeats them (and ends the walk), and a round of prefetched pages.
fn request_bound(case: &Case) -> usize {
    case.pages.len() + 2 + auth0plus::management::DEFAULT_PREFETCH
}

/// The walk's outcome: the items (or the count) read, or the error.
async fn run(auth0: &Auth0, case: &Case) -> Result<u64, Error> {
    macro_rules! walk {
        ($query:expr) => {{
            let query = $query.per_page(PER_PAGE);
            match case.walk {
                Walk::FetchAll => query.fetch_all().await.map(|all| all.len() as u64),
                Walk::Count => query.count().await,
                Walk::Stream => query
                    .stream()
                    .try_collect::<Vec<_>>()
                    .await
                    .map(|all| all.len() as u64),
                Walk::Slice(end) => query.slice(..end).await.map(|all| all.len() as u64),
            }
        }};
    }
    match case.list {
        List::Offset => walk!(auth0.list(ListRoles::new())),
        List::Checkpoint => walk!(auth0.list(ListGroupMembers::new("grp_1"))),
        List::Logs => walk!(auth0.logs().all()),
    }
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let _one = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let calls = Arc::new(AtomicUsize::new(0));
    let served = Arc::clone(&calls);
    let script = Arc::new(case.clone());
    let auth0 = Auth0::builder("tenant.auth0.com")
        .token(TOKEN)
        .backend(backend_fn(move |request: HttpRequest| {
            let call = served.fetch_add(1, Ordering::SeqCst);
            let body = answer(&script, &request, call);
            async move { Ok(http::Response::new(Bytes::from(body))) }
        }))
        .sleep(NoSleep)
        .retry_policy(RetryPolicy::never())
        .throttle(false)
        .build()
        .expect("a client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let outcome = runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(20), run(&auth0, case)).await });
    let grew = HEAP.peak_usage().saturating_sub(before);
    let Ok(outcome) = outcome else {
        return Err(TestCaseError::fail(format!(
            "the walk did not end: {} requests",
            calls.load(Ordering::SeqCst)
        )));
    };
    let sent = calls.load(Ordering::SeqCst);
    prop_assert!(
        sent <= request_bound(case),
        "{sent} requests, more than {}",
        request_bound(case)
    );
    // The biggest page is 5 items of 200 KB: a few pages in flight.
    prop_assert!(grew < 32 * MIB, "the heap grew {} MiB", grew / MIB);
    if let Err(err) = outcome {
        let text = format!("{err} {err:?}");
        prop_assert!(
            !text.contains("property-token"),
            "{}",
            &text[..text.len().min(500)]
        );
        prop_assert!(
            err.to_string().len() <= 8 * 1024 && format!("{err:?}").len() <= 16 * 1024,
            "an error of {} bytes",
            text.len()
        );
        prop_assert!(
            matches!(err, Error::Protocol { .. } | Error::Decode { .. }),
            "{err:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_pages_end_every_walk_cleanly(case in case()) {
        check(&case)?;
    }
}

/// A page whose items nest, repeat and hold secrets in their keys, decoded
/// alone (one request, no walk): the decoder's share of the properties.
fn hostile_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        3 => "[a-z_]{1,8}",
        1 => Just(format!("Bearer {TOKEN}")),
        1 => Just(TOKEN.to_owned()),
        1 => (1usize..100_000).prop_map(|n| format!("{}{TOKEN}", "k".repeat(n))),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
        Just(Value::from(TOKEN)),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_decode_error_never_holds_a_secret_whatever_the_keys(extra in hostile_value(), bad in any::<bool>()) {
        let _one = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // A user whose metadata is the generated tree; `bad` puts a number
        // no decoder takes beside it, at the end of the tree's deepest path.
        let mut body = json!({"user_id": "auth0|1", "identities": [], "user_metadata": {"tree": extra}}).to_string();
        if bad {
            body = body.replacen("\"tree\":", &format!("{}:1e400,\"tree\":", json!(TOKEN)), 1);
        }
        let auth0 = Auth0::builder("tenant.auth0.com")
            .token(TOKEN)
            .backend(backend_fn(move |_| {
                let body = body.clone();
                async move { Ok(http::Response::new(Bytes::from(body))) }
            }))
            .sleep(NoSleep)
            .retry_policy(RetryPolicy::never())
            .build()
            .expect("a client");
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        match runtime.block_on(auth0.users().get_by_id("auth0|1")) {
            Ok(user) => prop_assert!(!bad, "{:?}", user.id()),
            Err(err) => {
                let text = format!("{err} {err:?}");
                prop_assert!(!text.contains("property-token"), "{}", &text[..text.len().min(500)]);
                prop_assert!(text.len() <= 16 * 1024, "an error of {} bytes", text.len());
            }
        }
    }
}

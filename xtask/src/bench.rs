//! `cargo xtask bench`: the performance table. Every line is a ratio measured
//! in one run against a fake tenant in a child process (so its memory and
//! work are not ours), with medians over several rounds. Benchmarks, not
//! tests: nothing here fails on a time.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth0plus::Auth0Builder;
use auth0plus::prelude::*;
use serde_json::{Value, json};

pub(crate) type R<T = ()> = Result<T, String>;

/// A fake tenant running as a child process, killed on drop.
pub(crate) struct FakeProcess {
    child: Child,
    pub(crate) info: Value,
    http: reqwest::Client,
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl FakeProcess {
    pub(crate) fn start(flags: &[&str]) -> R<Self> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg("fake-tenant")
            .args(["--addr", "127.0.0.1:0"])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the fake tenant: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let info: Value =
            serde_json::from_str(&line).map_err(|e| format!("fake tenant said {line:?}: {e}"))?;
        Ok(Self {
            child,
            info,
            http: reqwest::Client::new(),
        })
    }

    fn field(&self, name: &str) -> String {
        self.info[name].as_str().unwrap_or_default().to_owned()
    }

    fn client(&self) -> Auth0Builder {
        client_for(&self.info)
    }

    pub(crate) async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> R<Value> {
        let mut request = self
            .http
            .request(method, format!("{}/__fake/{path}", self.field("base_url")));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let text = response.text().await.map_err(|e| e.to_string())?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub(crate) async fn seed(&self, count: usize) -> R<Vec<String>> {
        let answer = self
            .control(
                reqwest::Method::POST,
                "seed",
                Some(json!({ "count": count })),
            )
            .await?;
        Ok(answer["user_ids"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect())
    }

    pub(crate) async fn counters(&self) -> R<Value> {
        self.control(reqwest::Method::GET, "counters", None).await
    }

    /// (429s, requests, 429s as a percentage of requests) since the counters
    /// were last reset.
    pub(crate) async fn rate_limited(&self) -> R<(u64, u64, f64)> {
        let counters = self.counters().await?;
        let limited = counters["status"]["429"].as_u64().unwrap_or(0);
        let total = counters["total"].as_u64().unwrap_or(0).max(1);
        #[allow(clippy::cast_precision_loss, reason = "small counts")]
        let share = 100.0 * limited as f64 / total as f64;
        Ok((limited, total, share))
    }
}

/// A client for the fake tenant described by `info` (its first output line).
pub(crate) fn client_for(info: &Value) -> Auth0Builder {
    let field = |name: &str| info[name].as_str().unwrap_or_default().to_owned();
    Auth0::builder(field("domain"))
        .client_credentials(field("client_id"), field("client_secret"))
        .default_connection(field("connection"))
        .base_url(field("base_url"))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) measured: String,
    pub(crate) ratio: String,
    pub(crate) target: String,
}

pub fn run(args: &[String]) -> R {
    let mut quick = false;
    let mut only = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--only" => only = rest.next().and_then(|n| n.parse::<u8>().ok()),
            other => {
                return Err(format!(
                    "unknown flag {other:?}; usage: cargo xtask bench [--quick] [--only 1-10]"
                ));
            }
        }
    }
    if cfg!(debug_assertions) {
        // Timing a debug build says nothing: run the release build of this task.
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "run",
                "--quiet",
                "--release",
                "--package",
                "xtask",
                "--",
                "bench",
            ])
            .args(args)
            .status()
            .map_err(|e| e.to_string())?;
        return if status.success() {
            Ok(())
        } else {
            Err("the release benchmark failed".into())
        };
    }
    let runtime = crate::runtime()?;
    runtime.block_on(all(quick, only))
}

async fn all(quick: bool, only: Option<u8>) -> R {
    println!(
        "auth0plus benchmarks{} — fake tenant in a child process on loopback",
        if quick { " (quick)" } else { "" }
    );
    println!("machine: {}", machine());
    let wanted = |n: u8| only.is_none_or(|o| o == n);
    let mut rows = Vec::new();
    if wanted(1) {
        rows.extend(overhead(quick).await?);
    }
    if wanted(2) {
        rows.extend(listing(quick).await?);
    }
    if wanted(3) {
        rows.extend(bulk(quick).await?);
    }
    if wanted(4) {
        rows.push(token(quick).await?);
    }
    if wanted(5) {
        rows.extend(memory().await?);
        rows.extend(export_memory(quick).await?);
    }
    if wanted(6) {
        rows.extend(fake_search(quick).await?);
    }
    if wanted(7) {
        rows.extend(crate::fleet::rows(quick).await?);
    }
    if wanted(8) {
        rows.extend(role_users(quick).await?);
    }
    if wanted(9) {
        rows.push(log_stream(quick).await?);
    }
    if wanted(10) {
        rows.extend(import_jobs(quick).await?);
    }
    println!("\n| benchmark | measured (median) | ratio | target |\n|---|---|---|---|");
    for row in rows {
        println!(
            "| {} | {} | {} | {} |",
            row.name, row.measured, row.ratio, row.target
        );
    }
    Ok(())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    format!("{cores} cores, {cpu}")
}

/// 1. Per-request overhead: `get_by_id` through our client vs the same GET
///    through a bare reqwest client.
async fn overhead(quick: bool) -> R<Vec<Row>> {
    let (requests, rounds) = if quick { (200, 3) } else { (2_000, 7) };
    // Raw speed: no rate limit (the fake has Auth0's by default).
    let fake = FakeProcess::start(&["--no-rate-limit"])?;
    let id = fake.seed(1).await?.pop().ok_or("no seeded user")?;
    let auth0 = fake.client().build().map_err(|e| e.to_string())?;
    let users = auth0.users();
    users.get_by_id(&id).await.map_err(|e| e.to_string())?; // token + connection warm
    let token = fake.control(reqwest::Method::POST, "token", None).await?["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let bare = reqwest::Client::new();
    let url = format!(
        "{}/api/v2/users/{}",
        fake.field("base_url"),
        auth0plus::management::encode_segment(&id).map_err(|e| e.to_string())?
    );
    let bare_get = || async {
        let body = bare
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        serde_json::from_slice::<Value>(&body).map_err(|e| e.to_string())
    };
    bare_get().await?;
    // Interleave the two request by request, so both see the same noise of a
    // shared machine; each round's totals give one sample per side.
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (mut our_total, mut their_total) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..requests {
            let start = Instant::now();
            users.get_by_id(&id).await.map_err(|e| e.to_string())?;
            our_total += start.elapsed();
            let start = Instant::now();
            bare_get().await?;
            their_total += start.elapsed();
        }
        ours.push(our_total);
        theirs.push(their_total);
    }
    let (ours, theirs) = (median(ours), median(theirs));
    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(requests);
    Ok(vec![Row {
        name: format!("1. `get_by_id` × {requests}: auth0plus vs bare reqwest"),
        measured: format!(
            "{} vs {} ({:.0} µs vs {:.0} µs per request)",
            ms(ours),
            ms(theirs),
            per(ours),
            per(theirs)
        ),
        ratio: format!("{:.2}×", ours.as_secs_f64() / theirs.as_secs_f64()),
        target: "≤ 1.10×".into(),
    }])
}

/// 2. Listing 1,000 users in 10 pages of 100 with 25 ms latency.
async fn listing(quick: bool) -> R<Vec<Row>> {
    let rounds = if quick { 2 } else { 5 };
    // Page latency alone: no rate limit (the fake has Auth0's by default).
    let fake = FakeProcess::start(&["--latency-ms", "25", "--no-rate-limit"])?;
    fake.seed(1_000).await?;
    let auth0 = fake.client().build().map_err(|e| e.to_string())?;
    let all = auth0.users().all().per_page(100);
    all.count().await.map_err(|e| e.to_string())?; // token warm
    let mut results = Vec::new();
    for (label, prefetch) in [
        ("sequential (prefetch 1)", 1),
        ("prefetch 4", 4),
        (
            "default: prefetch 9, covering the pages",
            auth0plus::management::DEFAULT_PREFETCH,
        ),
    ] {
        let query = all.clone().prefetch(prefetch);
        let mut samples = Vec::new();
        for _ in 0..rounds {
            let start = Instant::now();
            let users = query.fetch_all().await.map_err(|e| e.to_string())?;
            samples.push(start.elapsed());
            if users.len() != 1_000 {
                return Err(format!("listed {} users, expected 1000", users.len()));
            }
        }
        results.push((label, median(samples)));
    }
    let sequential = results[0].1;
    let mut rows: Vec<Row> = results
        .iter()
        .map(|(label, d)| Row {
            name: format!("2. list 1,000 users, 25 ms latency: {label}"),
            measured: format!("{} ({:.1} round trips)", ms(*d), d.as_secs_f64() / 0.025),
            ratio: format!(
                "{:.2}× faster than sequential",
                sequential.as_secs_f64() / d.as_secs_f64()
            ),
            target: if label.starts_with("default") {
                "≥ 4×, about 2 round trips".into()
            } else {
                "—".into()
            },
        })
        .collect();
    match python_listing(&fake, rounds) {
        Ok(python) => rows.push(Row {
            name: "2. list 1,000 users, 25 ms latency: official auth0-python (sequential pages)"
                .into(),
            measured: ms(python),
            ratio: format!(
                "auth0plus default is {:.2}× faster",
                python.as_secs_f64() / results[2].1.as_secs_f64()
            ),
            target: "—".into(),
        }),
        Err(why) => println!("(auth0-python comparison skipped: {why})"),
    }
    Ok(rows)
}

fn python_listing(fake: &FakeProcess, rounds: u32) -> R<Duration> {
    let check = Command::new("python3")
        .args(["-c", "import auth0"])
        .output()
        .map_err(|e| e.to_string())?;
    if !check.status.success() {
        return Err(
            "`python3 -c \"import auth0\"` fails (pip install auth0-python to compare)".into(),
        );
    }
    let script = r#"
import json, sys, time, statistics
from auth0.authentication import GetToken
from auth0.management import Auth0
info = json.loads(sys.argv[1]); rounds = int(sys.argv[2])
host = info["base_url"].removeprefix("http://")
tok = GetToken(host, info["client_id"], info["client_secret"], protocol="http").client_credentials(info["audience"])
api = Auth0(base_url=info["base_url"] + "/api/v2", token=tok["access_token"])
api.users.list(page=0, per_page=1, include_totals=True, search_engine="v3")
samples = []
for _ in range(rounds):
    start = time.perf_counter(); n = 0
    for page in range(10):
        n += len(list(api.users.list(page=page, per_page=100, include_totals=True, search_engine="v3").items))
    samples.append(time.perf_counter() - start)
    assert n == 1000, n
print(statistics.median(samples))
"#;
    let out = Command::new("python3")
        .args(["-c", script, &fake.info.to_string(), &rounds.to_string()])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "the auth0-python script failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let seconds: f64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("{e}"))?;
    Ok(Duration::from_secs_f64(seconds))
}

/// A client for bulk work (the patient policy) that already holds its token.
pub(crate) async fn bulk_client(builder: Auth0Builder) -> R<Auth0> {
    let auth0 = builder
        .retry_policy(auth0plus::transport::RetryPolicy::patient())
        .build()
        .map_err(|e| e.to_string())?;
    auth0
        .token_source()
        .token()
        .await
        .map_err(|e| e.to_string())?;
    Ok(auth0)
}

/// Delete every id, 16 at a time; how many deletes failed.
pub(crate) async fn delete_all(users: &auth0plus::management::Users, ids: Vec<String>) -> usize {
    use futures::StreamExt;
    futures::stream::iter(ids)
        .map(|id| {
            let users = users.clone();
            async move { users.delete(&id).await }
        })
        .buffer_unordered(16)
        .filter(|r| futures::future::ready(r.is_err()))
        .count()
        .await
}

/// 3. Bulk: delete N users under 50 rps / burst 10 with 16 concurrent tasks.
async fn bulk(quick: bool) -> R<Vec<Row>> {
    let count: usize = if quick { 60 } else { 300 };
    let (rate, burst) = (50.0_f64, 10.0_f64);
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let minimum = Duration::from_secs_f64(((count as f64) - burst).max(0.0) / rate);
    let mut rows = Vec::new();
    for throttle in [true, false] {
        let fake = FakeProcess::start(&["--rate-limit", "50,10"])?;
        let ids = fake.seed(count).await?;
        let auth0 = bulk_client(fake.client().throttle(throttle)).await?;
        tokio::time::sleep(Duration::from_millis(300)).await; // the bucket is full
        let start = Instant::now();
        let errors = delete_all(&auth0.users(), ids).await;
        let wall = start.elapsed();
        let (limited, total, share) = fake.rate_limited().await?;
        rows.push(Row {
            name: format!("3. delete {count} users, 50 rps / burst 10, 16 tasks, throttle {}", if throttle { "on (default)" } else { "off" }),
            measured: format!("{} (minimum {}), {limited} × 429 = {share:.1}% of {total} requests, {errors} errors", ms(wall), ms(minimum)),
            ratio: format!("{:.2}× the minimum", wall.as_secs_f64() / minimum.as_secs_f64()),
            target: if throttle { "≤ 1.15×, 429s ≤ 5%, 0 errors".into() } else { "—".into() },
        });
    }
    Ok(rows)
}

/// 4. 200 concurrent first calls for a token.
async fn token(quick: bool) -> R<Row> {
    let callers = if quick { 50 } else { 200 };
    let fake = FakeProcess::start(&["--latency-ms", "25"])?;
    let auth0 = fake.client().build().map_err(|e| e.to_string())?;
    let tokens = Arc::clone(auth0.token_source());
    let calls = (0..callers).map(|_| {
        let tokens = Arc::clone(&tokens);
        tokio::spawn(async move { tokens.token().await.map(|_| ()) })
    });
    let failures = futures::future::join_all(calls)
        .await
        .into_iter()
        .filter(|r| !matches!(r, Ok(Ok(()))))
        .count();
    let counters = fake.counters().await?;
    let made = counters["routes"]["token"]["total"].as_u64().unwrap_or(0);
    Ok(Row {
        name: format!("4. {callers} concurrent first calls for a token"),
        measured: format!("{made} token request(s), {failures} failures"),
        ratio: "—".into(),
        target: "1 request".into(),
    })
}

/// 5. Peak heap: holding one page vs streaming 1,000 users vs holding them
///    all. Heap bytes from a counting allocator, not RSS: the allocator keeps
///    freed pages, so RSS hides what a phase needs once an earlier one grew it.
async fn memory() -> R<Vec<Row>> {
    use futures::TryStreamExt;
    let fake = FakeProcess::start(&[])?;
    fake.seed(1_000).await?;
    let auth0 = fake.client().build().map_err(|e| e.to_string())?;
    let all = auth0.users().all().per_page(100);
    all.count().await.map_err(|e| e.to_string())?;
    let peak_growth = async |phase: u8| -> R<(usize, usize)> {
        let before = crate::HEAP.current_usage();
        crate::HEAP.reset_peak_usage();
        let users = match phase {
            0 => all.slice(0..100).await.map_err(|e| e.to_string())?.len(),
            1 | 2 => {
                let query = if phase == 1 {
                    all.clone()
                } else {
                    all.clone().prefetch(2)
                };
                let mut seen = 0;
                let mut stream = query.stream();
                while let Some(user) = stream.try_next().await.map_err(|e| e.to_string())? {
                    seen += usize::from(user.id().is_some());
                }
                seen
            }
            _ => all.fetch_all().await.map_err(|e| e.to_string())?.len(),
        };
        Ok((users, crate::HEAP.peak_usage().saturating_sub(before)))
    };
    let (_, page) = peak_growth(0).await?;
    let (streamed, stream) = peak_growth(1).await?;
    let (_, narrow) = peak_growth(2).await?;
    let (held_users, held) = peak_growth(3).await?;
    let kib = |bytes: usize| format!("{} KiB", bytes / 1024);
    #[allow(clippy::cast_precision_loss, reason = "byte counts")]
    let ratio = |x: usize| format!("{:.1}× one page", x as f64 / page.max(1) as f64);
    Ok(vec![
        Row {
            name: "5. peak heap: holding one page (100 users)".into(),
            measured: kib(page),
            ratio: "1×".into(),
            target: "—".into(),
        },
        Row {
            name: format!("5. peak heap: streaming {streamed} users (default prefetch 9)"),
            measured: kib(stream),
            ratio: ratio(stream),
            target: "bounded by pages in flight".into(),
        },
        Row {
            name: format!("5. peak heap: streaming {streamed} users (prefetch 2)"),
            measured: kib(narrow),
            ratio: ratio(narrow),
            target: "flat: about 3 pages".into(),
        },
        Row {
            name: format!("5. peak heap: fetch_all {held_users} users (held, for contrast)"),
            measured: kib(held),
            ratio: ratio(held),
            target: "—".into(),
        },
    ])
}

/// 5. Peak heap of streaming an export: 5,000 users against 200,000 (50,000
///    with `--quick`). The file streams in and is decoded record by record,
///    so the peak should not grow with the number of users.
async fn export_memory(quick: bool) -> R<Vec<Row>> {
    use futures::TryStreamExt;
    let large: u64 = if quick { 50_000 } else { 200_000 };
    let small: u64 = 5_000;
    let fake = FakeProcess::start(&["--seed-users", &large.to_string()])?;
    let auth0 = fake.client().build().map_err(|e| e.to_string())?;
    let export_peak = async |limit: u64| -> R<(u64, usize)> {
        let export = auth0
            .users()
            .export()
            .limit(limit)
            .poll_interval(Duration::from_millis(50), Duration::from_millis(200));
        let before = crate::HEAP.current_usage();
        crate::HEAP.reset_peak_usage();
        let mut seen = 0;
        let mut users = export.stream();
        while let Some(user) = users.try_next().await.map_err(|e| e.to_string())? {
            seen += u64::from(user.id().is_some());
        }
        Ok((seen, crate::HEAP.peak_usage().saturating_sub(before)))
    };
    let (small_seen, small_peak) = export_peak(small).await?;
    let (large_seen, large_peak) = export_peak(large).await?;
    if (small_seen, large_seen) != (small, large) {
        return Err(format!(
            "exported {small_seen} and {large_seen} users, expected {small} and {large}"
        ));
    }
    let kib = |bytes: usize| format!("{} KiB", bytes / 1024);
    #[allow(clippy::cast_precision_loss, reason = "byte counts")]
    let ratio = large_peak as f64 / small_peak.max(1) as f64;
    Ok(vec![
        Row {
            name: format!("5. peak heap: export stream of {small} users"),
            measured: kib(small_peak),
            ratio: "1×".into(),
            target: "—".into(),
        },
        Row {
            name: format!("5. peak heap: export stream of {large} users"),
            measured: kib(large_peak),
            ratio: format!("{ratio:.2}× the {small}-user export"),
            target: "< 2×".into(),
        },
    ])
}

/// 6. The fake tenant itself: a search over 100,000 users through the whole
///    HTTP route (token check, Lucene match over every user, sort, page,
///    JSON), against Auth0's 2 s budget for a search.
async fn fake_search(quick: bool) -> R<Vec<Row>> {
    let users: usize = if quick { 10_000 } else { 100_000 };
    let fake = FakeProcess::start(&["--seed-users", &users.to_string()])?;
    let auth0 = fake.client().build().map_err(|e| e.to_string())?;
    let all = auth0.users().all();
    let total = all.count().await.map_err(|e| e.to_string())?;
    if total != users as u64 {
        return Err(format!("the fake holds {total} users, expected {users}"));
    }
    let queries = [
        (
            "a prefix on email",
            all.clone().filter([("email__startswith", "user12")]),
        ),
        (
            "a metadata phrase AND a range",
            all.clone()
                .q(r#"app_metadata.plan:"pro" AND logins_count:[10 TO 20]"#),
        ),
    ];
    let mut rows = Vec::new();
    for (label, query) in queries {
        let mut samples = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let first = query.clone().per_page(100).slice(0..100).await;
            samples.push(start.elapsed());
            if let Err(e) = first {
                return Err(format!("{label}: {e}"));
            }
        }
        let d = median(samples);
        rows.push(Row {
            name: format!("6. fake tenant: first page of a search over {users} users, {label}"),
            measured: ms(d),
            ratio: format!("{:.0}% of the 2 s budget", d.as_secs_f64() * 100.0 / 2.0),
            target: "< 2 s".into(),
        });
    }
    Ok(rows)
}

/// 8. Assign one role to 1,000 users at 50 rps / burst 10, with 25 ms of
///    latency (an Auth0-like round trip, as lines 2 and 4). Auth0 takes up
///    to 1,000 user ids per `POST /roles/{id}/users`, so the minimum is
///    ⌈1,000 / 1,000⌉ = 1 call; one call fits in the burst of 10, so the rate
///    adds nothing and the minimum is that call's round trip, measured as the
///    same POST sent bare (reqwest, token in hand, body built from the ids) to
///    the same fake. The client's own cost per add (ours − bare) is printed
///    too: line 1 is the line about it. The second row does it one user at a
///    time (`user.roles().add`, as per-user SDK calls go): N calls, whose
///    minimum is (N − burst) / rate. Then the role's 1,000 users, and an
///    organization's 1,000 members, are read back (lists with both paging
///    styles: the offset window fits them, so its pages go several at once)
///    against the same read page after page; target ≤ 0.5×.
async fn role_users(quick: bool) -> R<Vec<Row>> {
    use auth0plus::NewRole;
    let (users, rounds, one_by_one) = if quick {
        (1_000, 5, 100)
    } else {
        (1_000, 15, 250)
    };
    let (rate, burst) = (50.0_f64, 10.0_f64);
    let fake = FakeProcess::start(&["--rate-limit", "50,10", "--latency-ms", "25"])?;
    let ids = fake.seed(users).await?;
    let auth0 = bulk_client(fake.client()).await?;
    let role = auth0
        .roles()
        .create(NewRole::new("roadies"))
        .await
        .map_err(|e| e.to_string())?;
    let role_id = role.id().unwrap_or_default().to_owned();
    let token = auth0
        .token_source()
        .token()
        .await
        .map_err(|e| e.to_string())?;
    let bare = reqwest::Client::new();
    let url = format!("{}/api/v2/roles/{role_id}/users", fake.field("base_url"));
    // The bare client builds its body from the ids each time, as any client must.
    let bare_post = || async {
        let body = serde_json::to_vec(&json!({ "users": &ids })).map_err(|e| e.to_string())?;
        let response = bare
            .post(&url)
            .bearer_auth(token.expose())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("bare POST: {}", response.status()))
        }
    };
    bare_post().await?; // connection warm
    // Interleaved, so both sides see the same noise; adding what is there
    // changes nothing, so every add does the same work. A round is 4 adds
    // each way (8 calls, inside the burst of 10), alternating who goes
    // first; rounds are spaced so that the bucket is full at each: one add
    // is what is measured, not the rate across rounds.
    const PAIRS: u32 = 4;
    let (mut ours, mut theirs, mut errors, mut calls) = (Vec::new(), Vec::new(), 0_usize, 0);
    for _ in 0..rounds {
        tokio::time::sleep(Duration::from_millis(250)).await;
        fake.control(reqwest::Method::POST, "reset-counters", None)
            .await?;
        let (mut our_total, mut their_total) = (Duration::ZERO, Duration::ZERO);
        for pair in 0..PAIRS {
            for side in [pair % 2, 1 - pair % 2] {
                let start = Instant::now();
                if side == 0 {
                    errors += usize::from(role.users().add(&ids).await.is_err());
                    our_total += start.elapsed();
                } else {
                    bare_post().await?;
                    their_total += start.elapsed();
                }
            }
        }
        ours.push(our_total / PAIRS);
        theirs.push(their_total / PAIRS);
        let total = fake.counters().await?["total"].as_u64().unwrap_or(0);
        calls = calls.max(total.saturating_sub(u64::from(PAIRS)) / u64::from(PAIRS));
    }
    let (ours, minimum) = (median(ours), median(theirs));
    let holders = role
        .users()
        .query()
        .count()
        .await
        .map_err(|e| e.to_string())?;
    let mut rows = vec![Row {
        name: format!(
            "8. assign one role to {users} users (`role.users().add`), 50 rps / burst 10, 25 ms latency"
        ),
        measured: format!(
            "{} (minimum {}: ⌈{users} / 1,000 per call⌉ = 1 call, inside the burst of 10, so one round trip of the same POST sent bare; client cost {:.0} µs per add), {calls} call per add, {errors} errors, {holders} holders",
            ms(ours),
            ms(minimum),
            (ours.as_secs_f64() - minimum.as_secs_f64()) * 1e6,
        ),
        ratio: format!(
            "{:.2}× the minimum",
            ours.as_secs_f64() / minimum.as_secs_f64()
        ),
        target: "≤ 1.15×, 0 errors".into(),
    }];

    // One user at a time: what the rate allows for N single calls.
    let second = auth0
        .roles()
        .create(NewRole::new("crew"))
        .await
        .map_err(|e| e.to_string())?;
    let second_id = second.id().unwrap_or_default().to_owned();
    let people: Vec<auth0plus::User> = ids[..one_by_one]
        .iter()
        .map(|id| {
            let mut profile = serde_json::Map::new();
            profile.insert("user_id".into(), json!(id));
            auth0.users().from_dict(profile).map_err(|e| e.to_string())
        })
        .collect::<R<_>>()?;
    tokio::time::sleep(Duration::from_millis(300)).await; // the bucket is full
    fake.control(reqwest::Method::POST, "reset-counters", None)
        .await?;
    let start = Instant::now();
    let failed = {
        use futures::StreamExt;
        futures::stream::iter(people.iter())
            .map(|user| {
                let roles = user.roles();
                let id = second_id.as_str();
                async move { roles.add([id]).await }
            })
            .buffer_unordered(16)
            .filter(|r| futures::future::ready(r.is_err()))
            .count()
            .await
    };
    let wall = start.elapsed();
    let (limited, total, share) = fake.rate_limited().await?;
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let floor = Duration::from_secs_f64(((one_by_one as f64) - burst).max(0.0) / rate);
    rows.push(Row {
        name: format!("8. the same one user at a time (`user.roles().add`), {one_by_one} users, 16 tasks, 25 ms latency"),
        measured: format!(
            "{} (minimum {}: ({one_by_one} − 10) / 50 rps), {limited} × 429 = {share:.1}% of {total} requests, {failed} errors",
            ms(wall),
            ms(floor)
        ),
        ratio: format!("{:.2}× its minimum; {:.0}× the one-call way per user", wall.as_secs_f64() / floor.as_secs_f64(), (wall.as_secs_f64() / one_by_one as f64) / (ours.as_secs_f64() / users as f64)),
        target: "—".into(),
    });

    // Reading them back: a list with both paging styles read through the
    // offset window several pages at once (it fits), against the same query
    // page after page (`prefetch(1)`: what the checkpoint walk costs).
    let org = auth0
        .organizations()
        .create(auth0plus::NewOrganization {
            name: Some("roadies".into()),
            ..auth0plus::NewOrganization::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    org.members().add(&ids).await.map_err(|e| e.to_string())?;
    let org_id = org.id().unwrap_or_default().to_owned();
    let lists = [
        (
            "a role's users (`role.users().query()`)",
            read_back(role.users().query(), rounds).await?,
            checkpoint_walk(
                auth0.list(CheckpointOnly(auth0plus::api::roles::ListRoleUsers::new(
                    role_id.as_str(),
                ))),
                rounds,
            )
            .await?,
        ),
        (
            "an organization's members (`org.members().query()`)",
            read_back(org.members().query(), rounds).await?,
            checkpoint_walk(
                auth0.list(CheckpointOnly(
                    auth0plus::api::organizations::ListOrganizationMembers::new(org_id.as_str()),
                )),
                rounds,
            )
            .await?,
        ),
    ];
    for (what, (ours, sequential, read), checkpoint) in lists {
        rows.push(Row {
            name: format!("8. read back {what}: {users} items, 50 rps / burst 10, 25 ms latency"),
            measured: format!(
                "{} ({read} read; page after page: {}; along the checkpoint, as before issue 21: {})",
                ms(ours),
                ms(sequential),
                ms(checkpoint)
            ),
            ratio: format!(
                "{:.2}× page after page",
                ours.as_secs_f64() / sequential.as_secs_f64()
            ),
            target: "≤ 0.5×".into(),
        });
    }
    Ok(rows)
}

/// The median time to read all of `query` (pages of 100) as the client
/// reads it, and the same page after page; rounds are spaced so that the
/// rate limit's bucket is full at each.
async fn read_back<T: Send + 'static>(
    query: auth0plus::Query<T>,
    rounds: u32,
) -> R<(Duration, Duration, usize)> {
    let query = query.per_page(100);
    let (mut ours, mut sequential, mut read) = (Vec::new(), Vec::new(), 0);
    for round in 0..rounds {
        for one_by_one in [round % 2 == 0, round % 2 == 1] {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let run = if one_by_one {
                query.clone().prefetch(1)
            } else {
                query.clone()
            };
            let start = Instant::now();
            read = run.fetch_all().await.map_err(|e| e.to_string())?.len();
            if one_by_one {
                sequential.push(start.elapsed());
            } else {
                ours.push(start.elapsed());
            }
        }
    }
    Ok((median(ours), median(sequential), read))
}

/// A list operation walked along its checkpoint only: how the lists with
/// both paging styles were read before issue 21, for comparison.
#[derive(Clone)]
struct CheckpointOnly<O>(O);

impl<O: auth0plus::api::Operation> auth0plus::api::Operation for CheckpointOnly<O> {
    type Output = O::Output;

    fn to_request(&self) -> Result<auth0plus::api::Request, serde_json::Error> {
        self.0.to_request()
    }
}

impl<O: auth0plus::api::ListOperation> auth0plus::api::ListOperation for CheckpointOnly<O> {
    type Item = O::Item;
    const PAGING: auth0plus::api::Paging = auth0plus::api::Paging::CHECKPOINT;
    const ITEMS_KEY: &'static str = O::ITEMS_KEY;
}

/// The median time to read all of `query` (pages of 100) along its
/// checkpoint, rounds spaced as in [`read_back`].
async fn checkpoint_walk<T: Send + 'static>(
    query: auth0plus::Query<T>,
    rounds: u32,
) -> R<Duration> {
    let query = query.per_page(100);
    let mut samples = Vec::new();
    for _ in 0..rounds {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let start = Instant::now();
        query.fetch_all().await.map_err(|e| e.to_string())?;
        samples.push(start.elapsed());
    }
    Ok(median(samples))
}

/// 9. Streaming every log event by checkpoint at 25 ms latency, against the
///    least it can take: one request per page of 100, one after the other
///    (each names the next), the last one short.
async fn log_stream(quick: bool) -> R<Row> {
    let (deletes, rounds): (u32, u32) = if quick { (500, 2) } else { (2_500, 5) };
    let fake = FakeProcess::start(&["--no-rate-limit"])?;
    let auth0 = bulk_client(fake.client()).await?;
    // Each delete writes two true events (`sapi`, `sdu`); the token grant one more.
    let ids: Vec<String> = (0..deletes).map(|n| format!("auth0|gone-{n}")).collect();
    let failed = delete_all(&auth0.users(), ids).await;
    if failed > 0 {
        return Err(format!("{failed} deletes failed while writing the log"));
    }
    let all = auth0.logs().all().per_page(100);
    let expected = 2 * deletes + 1;
    let stream_all = || async {
        let start = Instant::now();
        let mut events = all.stream();
        let mut n = 0_u32;
        while let Some(event) = futures::StreamExt::next(&mut events).await {
            event.map_err(|e| e.to_string())?;
            n += 1;
        }
        if n == expected {
            Ok(start.elapsed())
        } else {
            Err(format!("streamed {n} log events, expected {expected}"))
        }
    };
    // The work alone (both sides, on this shared machine), for the arithmetic.
    let mut samples = Vec::new();
    for _ in 0..rounds {
        samples.push(stream_all().await?);
    }
    let work = median(samples);
    fake.control(
        reqwest::Method::PUT,
        "config",
        Some(json!({"latency_ms": 25})),
    )
    .await?;
    // The floor of this fake on this machine: a bare reqwest loop along the
    // same checkpoint, decoding each page only as JSON values.
    let token = fake.control(reqwest::Method::POST, "token", None).await?["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let bare = reqwest::Client::new();
    let url = format!("{}/api/v2/logs", fake.field("base_url"));
    let bare_walk = || async {
        let start = Instant::now();
        let (mut from, mut n) = (None::<String>, 0_u32);
        loop {
            // The fake's log ids are digits: nothing to encode.
            let page_url = match &from {
                Some(from) => format!("{url}?from={from}&take=100"),
                None => format!("{url}?take=100"),
            };
            let body = bare
                .get(page_url)
                .bearer_auth(&token)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .bytes()
                .await
                .map_err(|e| e.to_string())?;
            let page: Vec<Value> = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
            n += u32::try_from(page.len()).map_err(|e| e.to_string())?;
            from = page
                .last()
                .and_then(|e| e["log_id"].as_str())
                .map(str::to_owned);
            if page.len() < 100 {
                break;
            }
        }
        if n == expected {
            Ok(start.elapsed())
        } else {
            Err(format!(
                "the bare loop read {n} log events, expected {expected}"
            ))
        }
    };
    // Interleaved, so both see the same noise of a shared machine.
    let (mut samples, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        samples.push(stream_all().await?);
        floor.push(bare_walk().await?);
    }
    let (wall, floor) = (median(samples), median(floor));
    // Full pages, then the one that comes back short (or empty) and ends the walk.
    let pages = expected / 100 + 1;
    let latency = Duration::from_millis(25);
    let minimum = latency * pages;
    Ok(Row {
        name: format!("9. stream {expected} log events by checkpoint, 25 ms latency"),
        measured: format!(
            "{} vs minimum {pages} pages × 25 ms = {}; a bare reqwest loop: {}; no latency: {} ({:.2} ms a page)",
            ms(wall),
            ms(minimum),
            ms(floor),
            ms(work),
            work.as_secs_f64() * 1000.0 / f64::from(pages),
        ),
        ratio: format!(
            "{:.3}× pages × latency; {:.3}× the bare loop",
            wall.as_secs_f64() / minimum.as_secs_f64(),
            wall.as_secs_f64() / floor.as_secs_f64()
        ),
        target: "≤ 1.05×".into(),
    })
}

/// 10. Importing 10,000 users (~440 bytes each in the file) through import
///     jobs, against the least time the fake's job model and Auth0's limits
///     allow: each job processes `RATE` users per second and two jobs run at
///     once, so `N` users take at least `N / (2 × RATE)` however the files
///     are cut. And the peak heap of imports of 2,000, 10,000 and 50,000
///     users (on a fake that processes them fast): the stream is read file by
///     file, so past the few files an import holds at once (two held back to
///     balance the last jobs, one built ahead, two uploading) the peak should
///     not grow with the number of users.
async fn import_jobs(quick: bool) -> R<Vec<Row>> {
    const RATE: u32 = 1_000;
    const USERS: u64 = 10_000;
    let rounds = if quick { 1 } else { 3 };
    let import = async |fake: &FakeProcess, label: String, n: u64| -> R<(Duration, usize, usize)> {
        let auth0 = fake.client().build().map_err(|e| e.to_string())?;
        let users = (0..n).map(move |i| {
            NewUser::new()
                .email(format!("{label}-fan{i:05}@acdc.example"))
                .given_name("Angus")
                .family_name("Young")
                .user_metadata(json!({
                    "favourite": "Highway to Hell",
                    "shows": i,
                    "note": "Let there be rock. ".repeat(15),
                }))
        });
        let before = crate::HEAP.current_usage();
        crate::HEAP.reset_peak_usage();
        let start = Instant::now();
        let report = auth0
            .jobs()
            .import_users(fake.field("connection_id"), futures::stream::iter(users))
            // Jobs of about a second: poll often (no rate limit to pace it).
            .poll_interval(Duration::from_millis(10), Duration::from_millis(20))
            .run()
            .await
            .map_err(|e| e.to_string())?;
        let took = start.elapsed();
        let peak = crate::HEAP.peak_usage().saturating_sub(before);
        if (report.inserted, report.failed) != (n, 0) {
            return Err(format!(
                "imported {} users with {} failures, expected {n} and none",
                report.inserted, report.failed
            ));
        }
        Ok((took, report.jobs.len(), peak))
    };

    let timed = FakeProcess::start(&["--no-rate-limit", "--import-rate", &RATE.to_string()])?;
    let mut samples = Vec::new();
    let mut files = 0;
    for round in 0..rounds {
        let (took, jobs, _) = import(&timed, format!("r{round}"), USERS).await?;
        samples.push(took);
        files = jobs;
    }
    drop(timed);
    let took = median(samples);
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let minimum = Duration::from_secs_f64(USERS as f64 / (2.0 * f64::from(RATE)));
    let mut rows = vec![Row {
        name: format!(
            "10. import {USERS} users: {files} files, 2 jobs at a time, fake model {RATE} users/s per job"
        ),
        measured: ms(took),
        ratio: format!(
            "{:.3}× the minimum {}",
            took.as_secs_f64() / minimum.as_secs_f64(),
            ms(minimum)
        ),
        target: "≤ 1.15×".into(),
    }];

    let fast = FakeProcess::start(&["--no-rate-limit"])?;
    let kib = |bytes: usize| format!("{} KiB", bytes / 1024);
    let mut base = 0;
    for n in [2_000, 10_000, 50_000] {
        let (_, files, peak) = import(&fast, format!("m{n}"), n).await?;
        #[allow(clippy::cast_precision_loss, reason = "byte counts")]
        let ratio = if base == 0 {
            base = peak;
            "1×".to_owned()
        } else {
            format!(
                "{:.2}× the 2,000-user import",
                peak as f64 / base.max(1) as f64
            )
        };
        rows.push(Row {
            name: format!("10. peak heap: import of {n} users ({files} files)"),
            measured: kib(peak),
            ratio,
            target: if n == 50_000 {
                "≈ the 10,000-user peak"
            } else {
                "—"
            }
            .into(),
        });
    }
    Ok(rows)
}

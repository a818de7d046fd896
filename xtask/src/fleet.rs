//! Bench line 7: a fleet of worker processes on one fake tenant.
//!
//! Each worker is this binary again (`xtask bench-worker`), with its own
//! client and throttle, as separate pods or job workers would be; they share
//! nothing but the tenant's rate limit, or, in the Redis rows, the rate limit
//! and the token through a `redis-server` the bench starts (skipped, and said
//! so, where none is installed). Every worker deletes the same users (a
//! delete is idempotent: a second one answers 204 too), 16 at a time.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use auth0plus::oauth::{FileCache, RedisTokenCache};
use auth0plus::transport::test_util::RedisServer;
use auth0plus::transport::{Redis, RedisRateLimit};

use crate::bench::{FakeProcess, R, Row, bulk_client, client_for, delete_all};

/// What a fleet shares besides the tenant.
#[derive(Clone, Copy)]
enum Sharing<'a> {
    /// Nothing: each process learns its share of the rate limit.
    Nothing,
    /// The rate limit and the token, through the Redis at this URL.
    Redis(&'a str),
    /// The token, through files in this directory.
    Files(&'a str),
}

impl Sharing<'_> {
    fn order(self) -> Value {
        match self {
            Self::Nothing => json!({}),
            Self::Redis(url) => json!({ "redis": url }),
            Self::Files(dir) => json!({ "files": dir }),
        }
    }
}

/// A worker process, killed on drop.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Worker {
    /// Start a worker for `fake` and wait until it holds a token.
    fn start(fake: &FakeProcess, ids: &[String], sharing: Sharing<'_>) -> R<Self> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg("bench-worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start a worker: {e}"))?;
        let mut worker = Self {
            stdin: child.stdin.take().ok_or("no stdin")?,
            stdout: BufReader::new(child.stdout.take().ok_or("no stdout")?),
            child,
        };
        worker.say(&json!({ "tenant": fake.info, "ids": ids, "sharing": sharing.order() }))?;
        worker.hear()?; // ready
        Ok(worker)
    }

    fn say(&mut self, line: &Value) -> R {
        writeln!(self.stdin, "{line}").map_err(|e| format!("worker gone: {e}"))
    }

    fn hear(&mut self) -> R<Value> {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        serde_json::from_str(&line).map_err(|e| format!("the worker said {line:?}: {e}"))
    }
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `xtask bench-worker`: read the tenant and the ids, fetch a token, say
/// ready, wait for go, delete every id and report.
pub fn worker() -> R {
    let mut input = std::io::stdin().lock();
    let mut line = String::new();
    input.read_line(&mut line).map_err(|e| e.to_string())?;
    let order: Value = serde_json::from_str(&line).map_err(|e| e.to_string())?;
    let ids: Vec<String> = order["ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut builder = client_for(&order["tenant"]);
    let sharing = &order["sharing"];
    if let Some(url) = sharing["redis"].as_str() {
        let redis = Redis::open(url).map_err(|e| e.to_string())?;
        let domain = order["tenant"]["domain"].as_str().unwrap_or_default();
        builder = builder
            .token_cache(RedisTokenCache::new(redis.clone()))
            .shared_rate_limit(RedisRateLimit::new(redis, domain));
    }
    if let Some(dir) = sharing["files"].as_str() {
        builder = builder.token_cache(FileCache::new(dir));
    }
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let auth0 = bulk_client(builder).await?;
        println!("{}", json!({ "ready": true }));
        line.clear();
        input.read_line(&mut line).map_err(|e| e.to_string())?; // go
        let start = epoch_ms();
        let errors = delete_all(&auth0.users(), ids).await;
        println!(
            "{}",
            json!({ "start_ms": start, "end_ms": epoch_ms(), "errors": errors })
        );
        Ok(())
    })
}

/// One fleet run: `processes` workers, the last of them starting `late`
/// after the others.
async fn run_fleet(
    processes: usize,
    count: usize,
    late: Option<Duration>,
    sharing: Sharing<'_>,
) -> R<Row> {
    let (rate, burst) = (50.0_f64, 10.0_f64);
    let fake = FakeProcess::start(&["--rate-limit", "50,10"])?;
    let ids = fake.seed(count).await?;
    let mut workers = start_workers(&fake, processes, &ids, sharing)?;
    tokio::time::sleep(Duration::from_millis(300)).await; // the bucket is full
    fake.control(reqwest::Method::POST, "reset-counters", None)
        .await?;
    let (early, last) = workers.split_at_mut(processes - usize::from(late.is_some()));
    for worker in early {
        worker.say(&json!("go"))?;
    }
    if let Some(late) = late {
        tokio::time::sleep(late).await;
        last[0].say(&json!("go"))?;
    }
    let reports = tokio::task::spawn_blocking(move || {
        workers.iter_mut().map(Worker::hear).collect::<R<Vec<_>>>()
    })
    .await
    .map_err(|e| e.to_string())??;
    let field = |r: &Value, name: &str| r[name].as_u64().unwrap_or(0);
    let start = reports
        .iter()
        .map(|r| field(r, "start_ms"))
        .min()
        .unwrap_or(0);
    let end = reports
        .iter()
        .map(|r| field(r, "end_ms"))
        .max()
        .unwrap_or(0);
    let errors: u64 = reports.iter().map(|r| field(r, "errors")).sum();
    let wall = Duration::from_millis(end.saturating_sub(start));
    let (limited, total, share) = fake.rate_limited().await?;
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let minimum = Duration::from_secs_f64(((processes * count) as f64 - burst) / rate);
    let shared = match sharing {
        Sharing::Redis(_) => ", rate limit shared in Redis",
        _ if processes >= 16 => ", learned share (no Redis)",
        _ => "",
    };
    let name = match late {
        Some(late) => format!(
            "7. fleet: {processes} processes × {count} deletes, one tenant at 50 rps / burst 10, the last joining after {:.1} s{shared}",
            late.as_secs_f64()
        ),
        None => format!(
            "7. fleet: {processes} processes × {count} deletes, one tenant at 50 rps / burst 10{shared}"
        ),
    };
    // The targets are for the full size; at the quick one the start, when
    // the bucket's burst and the first token are shared out, weighs several
    // times more.
    let full = processes * count >= 1_200;
    let target = match sharing {
        Sharing::Redis(_) if full && late.is_none() => "≤ 1.15×, 429s ≤ 5%, 0 errors",
        Sharing::Nothing if processes == 4 && full && late.is_none() => {
            "≤ 1.15×, 429s ≤ 10%, 0 errors"
        }
        _ => "—",
    };
    Ok(Row {
        name,
        measured: format!(
            "{:.2} s (minimum {:.2} s), {limited} × 429 = {share:.1}% of {total} requests, {errors} errors",
            wall.as_secs_f64(),
            minimum.as_secs_f64()
        ),
        ratio: format!(
            "{:.2}× the minimum",
            wall.as_secs_f64() / minimum.as_secs_f64()
        ),
        target: target.into(),
    })
}

/// Start `processes` workers at once (each waits for its token before it
/// says it is ready).
fn start_workers(
    fake: &FakeProcess,
    processes: usize,
    ids: &[String],
    sharing: Sharing<'_>,
) -> R<Vec<Worker>> {
    std::thread::scope(|scope| {
        let started: Vec<_> = (0..processes)
            .map(|_| scope.spawn(|| Worker::start(fake, ids, sharing)))
            .collect();
        started
            .into_iter()
            .map(|s| s.join().map_err(|_| "a worker start panicked".to_owned())?)
            .collect()
    })
}

/// A fleet of `processes` started three times (two restarts), sharing the
/// token through `sharing`: how many token requests it made in all.
async fn token_restarts(processes: usize, sharing: Sharing<'_>, label: &str) -> R<Row> {
    let fake = FakeProcess::start(&["--rate-limit", "50,10"])?;
    for _ in 0..3 {
        let mut workers = start_workers(&fake, processes, &[], sharing)?;
        for worker in &mut workers {
            worker.say(&json!("go"))?;
            worker.hear()?;
        }
    }
    let counters = fake.counters().await?;
    let made = counters["routes"]["token"]["total"].as_u64().unwrap_or(0);
    Ok(Row {
        name: format!(
            "7. fleet tokens: {processes} processes started 3 times (2 restarts), token cache in {label}"
        ),
        measured: format!("{made} token request(s)"),
        ratio: "—".into(),
        target: "1 request".into(),
    })
}

/// A row saying a Redis line could not run here.
fn skipped(name: &str) -> Row {
    Row {
        name: format!("7. {name}"),
        measured: "skipped: redis-server is not installed (apt-get install redis-server)".into(),
        ratio: "—".into(),
        target: "—".into(),
    }
}

/// Line 7: 4 processes, 8 processes, and 2 with one joining halfway; 16 and
/// 32 processes without and with Redis; a fleet's token requests across two
/// restarts with the Redis and the file cache.
pub async fn rows(quick: bool) -> R<Vec<Row>> {
    let count = if quick { 60 } else { 300 };
    // Halfway through what the first process would take alone.
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let halfway = Duration::from_secs_f64((count as f64 - 10.0) / 50.0 / 2.0);
    let mut rows = vec![
        run_fleet(4, count, None, Sharing::Nothing).await?,
        run_fleet(8, count, None, Sharing::Nothing).await?,
        run_fleet(2, count, Some(halfway), Sharing::Nothing).await?,
    ];
    // 1,600 deletes for the fleet at full size (32 s at the rate).
    let big = if quick {
        [(16, 15), (32, 8)]
    } else {
        [(16, 100), (32, 50)]
    };
    let redis = RedisServer::installed()
        .then(RedisServer::start)
        .transpose()?;
    for (processes, count) in big {
        rows.push(run_fleet(processes, count, None, Sharing::Nothing).await?);
        match &redis {
            Some(server) => {
                let url = server.url();
                rows.push(run_fleet(processes, count, None, Sharing::Redis(&url)).await?);
            }
            None => rows.push(skipped(&format!(
                "fleet: {processes} processes, rate limit shared in Redis"
            ))),
        }
    }
    match &redis {
        Some(server) => {
            let url = server.url();
            rows.push(token_restarts(32, Sharing::Redis(&url), "Redis").await?);
        }
        None => rows.push(skipped("fleet tokens: token cache in Redis")),
    }
    let dir = std::env::temp_dir().join(format!("auth0plus-bench-tokens-{}", std::process::id()));
    let files = dir.to_string_lossy().into_owned();
    rows.push(token_restarts(32, Sharing::Files(&files), "files").await?);
    let _ = std::fs::remove_dir_all(dir);
    Ok(rows)
}

//! Bench line 7: a fleet of worker processes on one fake tenant.
//!
//! Each worker is this binary again (`xtask bench-worker`), with its own
//! client and throttle, as separate pods or job workers would be; they share
//! nothing but the tenant's rate limit. Every worker deletes the same users
//! (a delete is idempotent: a second one answers 204 too), 16 at a time.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::bench::{FakeProcess, R, Row, bulk_client, client_for, delete_all};

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
    fn start(fake: &FakeProcess, ids: &[String]) -> R<Self> {
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
        worker.say(&json!({ "tenant": fake.info, "ids": ids }))?;
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
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let auth0 = bulk_client(client_for(&order["tenant"])).await?;
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
async fn run_fleet(processes: usize, count: usize, late: Option<Duration>) -> R<Row> {
    let (rate, burst) = (50.0_f64, 10.0_f64);
    let fake = FakeProcess::start(&["--rate-limit", "50,10"])?;
    let ids = fake.seed(count).await?;
    let mut workers = (0..processes)
        .map(|_| Worker::start(&fake, &ids))
        .collect::<R<Vec<_>>>()?;
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
    let name = match late {
        Some(late) => format!(
            "7. fleet: {processes} processes × {count} deletes, one tenant at 50 rps / burst 10, the last joining after {:.1} s",
            late.as_secs_f64()
        ),
        None => format!(
            "7. fleet: {processes} processes × {count} deletes, one tenant at 50 rps / burst 10"
        ),
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
        // The target is for the full size; at the quick one the start, when
        // every process sees the same full bucket, weighs several times more.
        target: if processes == 4 && count >= 300 && late.is_none() {
            "≤ 1.15×, 429s ≤ 10%, 0 errors".into()
        } else {
            "—".into()
        },
    })
}

/// Line 7: 4 processes, 8 processes, and 2 with one joining halfway.
pub async fn rows(quick: bool) -> R<Vec<Row>> {
    let count = if quick { 60 } else { 300 };
    // Halfway through what the first process would take alone.
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let halfway = Duration::from_secs_f64((count as f64 - 10.0) / 50.0 / 2.0);
    Ok(vec![
        run_fleet(4, count, None).await?,
        run_fleet(8, count, None).await?,
        run_fleet(2, count, Some(halfway)).await?,
    ])
}

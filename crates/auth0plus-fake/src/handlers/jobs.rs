//! Jobs: user exports (created, polled, downloaded as gzip NDJSON or CSV).

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::input::{Kind, invalid_body, parse_body};
use crate::server::Resp;
use crate::state::{ExportMode, Job, Shared, user_connection};
use crate::util;

pub(super) fn create_export(shared: &Shared, body: &[u8]) -> Resp {
    let specs = [
        ("connection_id", Kind::Str, false),
        ("format", Kind::Str, false),
        ("limit", Kind::Int, false),
        ("fields", Kind::Arr, false),
    ];
    let m = match parse_body(body, &specs) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let format = m
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("csv")
        .to_string();
    if format != "json" && format != "csv" {
        return invalid_body(&format!(
            "'No enum match for: \"{format}\"' on property format."
        ));
    }
    if let Some(c) = m.get("connection_id").and_then(Value::as_str)
        && c != shared.cfg.connection_id
    {
        return Resp::error(
            400,
            "The connection does not exist.",
            Some("inexistent_connection"),
        );
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    if let Some(list) = m.get("fields").and_then(Value::as_array) {
        for f in list {
            let name = f.get("name").and_then(Value::as_str);
            let ok = f
                .as_object()
                .is_some_and(|o| o.keys().all(|k| k == "name" || k == "export_as"))
                && f.get("export_as").is_none_or(Value::is_string);
            let Some(name) = name.filter(|_| ok) else {
                return invalid_body(
                    "'Expected type object with a string name' on property fields.",
                );
            };
            let export_as = f.get("export_as").and_then(Value::as_str).unwrap_or(name);
            fields.push((name.to_string(), export_as.to_string()));
        }
    }
    let limit = m.get("limit").and_then(Value::as_u64);
    let id = format!("job_{}", util::alnum(16));
    let mut job = Map::new();
    job.insert("type".into(), json!("users_export"));
    job.insert("status".into(), json!("pending"));
    if let Some(c) = m.get("connection_id") {
        job.insert("connection_id".into(), c.clone());
    }
    job.insert("format".into(), json!(format));
    if let Some(l) = m.get("limit") {
        job.insert("limit".into(), l.clone());
    }
    if let Some(f) = m.get("fields") {
        job.insert("fields".into(), f.clone());
    }
    // The fake has one database connection: an export of "all connections" is of that one.
    job.insert("connection".into(), json!(shared.cfg.connection));
    job.insert("created_at".into(), json!(util::now_iso()));
    job.insert("id".into(), json!(id));
    let body = Value::Object(job);

    // A snapshot under the lock; the file is built after releasing it.
    let (snapshot, mode, duration) = {
        let mut st = shared.lock();
        let snapshot: Vec<Arc<Value>> = st.users.values().cloned().collect();
        let mode = std::mem::replace(&mut st.next_export, ExportMode::Normal);
        (snapshot, mode, st.export_duration)
    };
    let users: Vec<&Value> = snapshot
        .iter()
        .map(|u| &**u)
        .filter(|u| {
            !m.contains_key("connection_id")
                || user_connection(u) == Some(shared.cfg.connection.as_str())
        })
        .take(limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX)))
        .collect();
    let raw = export_file(&users, &format, &fields);
    let mut file = gzip(&raw);
    if mode == ExportMode::Corrupt {
        file.truncate(file.len() / 2);
    }
    let mut st = shared.lock();
    st.prune_jobs(Instant::now());
    st.jobs.insert(
        id,
        Job {
            created: Instant::now(),
            duration,
            mode,
            body: body.clone(),
            format,
            file,
            summary: None,
            errors: Vec::new(),
            import: None,
        },
    );
    Resp::json(200, &body)
}

pub(super) fn export_file(users: &[&Value], format: &str, fields: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    if format == "json" {
        for u in users {
            let line = if fields.is_empty() {
                (*u).clone()
            } else {
                let mut o = Map::new();
                for (name, as_) in fields {
                    if let Some(v) = util::get_path(u, name) {
                        o.insert(as_.clone(), v.clone());
                    }
                }
                Value::Object(o)
            };
            out.extend_from_slice(line.to_string().as_bytes());
            out.push(b'\n');
        }
    } else {
        let default: Vec<(String, String)> = [
            "user_id",
            "email",
            "email_verified",
            "name",
            "nickname",
            "created_at",
            "updated_at",
        ]
        .iter()
        .map(|f| ((*f).to_string(), (*f).to_string()))
        .collect();
        let fields = if fields.is_empty() {
            &default[..]
        } else {
            fields
        };
        let header: Vec<String> = fields.iter().map(|(_, a)| csv_cell(a)).collect();
        out.extend_from_slice(header.join(",").as_bytes());
        out.push(b'\n');
        for u in users {
            let row: Vec<String> = fields
                .iter()
                .map(|(n, _)| match util::get_path(u, n) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => csv_cell(s),
                    Some(v) => csv_cell(&v.to_string()),
                })
                .collect();
            out.extend_from_slice(row.join(",").as_bytes());
            out.push(b'\n');
        }
    }
    out
}

pub(super) fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub(super) fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    if enc.write_all(raw).is_err() {
        return Vec::new();
    }
    enc.finish().unwrap_or_default()
}

pub(super) fn get_job(shared: &Shared, param: &str) -> Resp {
    let id = percent_decode_str(param).decode_utf8_lossy().into_owned();
    let st = shared.lock();
    let Some(job) = st.jobs.get(&id) else {
        return Resp::error(404, "Job not found.", Some("inexistent_job"));
    };
    let mut body = job.body.as_object().cloned().unwrap_or_default();
    if super::imports::import_status(job, &mut body) {
        return Resp::json(200, &Value::Object(body));
    }
    let elapsed = job.created.elapsed();
    let d = job.duration;
    let status = if job.mode == ExportMode::Stall {
        if elapsed < d / 4 {
            "pending"
        } else {
            "processing"
        }
    } else if elapsed >= d {
        if job.mode == ExportMode::Fail {
            "failed"
        } else {
            "completed"
        }
    } else if elapsed < d / 4 {
        "pending"
    } else {
        "processing"
    };
    body.insert("status".into(), json!(status));
    if status == "processing" {
        let pct = if d.is_zero() {
            99
        } else {
            ((elapsed.as_secs_f64() / d.as_secs_f64()) * 100.0).min(99.0) as u64
        };
        let left = if job.mode == ExportMode::Stall {
            d.max(Duration::from_secs(1))
        } else {
            d.saturating_sub(elapsed)
        };
        body.insert("percentage_done".into(), json!(pct));
        body.insert(
            "time_left_seconds".into(),
            json!(left.as_secs_f64().ceil() as u64),
        );
    }
    if let (Some(summary), "completed") = (&job.summary, status) {
        body.insert("summary".into(), summary.clone());
    }
    if status == "completed" && job.summary.is_none() {
        body.insert(
            "location".into(),
            json!(format!(
                "{}/__fake/exports/{id}.{}.gz",
                shared.cfg.base_url, job.format
            )),
        );
    }
    if status == "failed" {
        body.insert(
            "status_details".into(),
            json!("The export job failed (injected by the fake tenant)."),
        );
    }
    Resp::json(200, &Value::Object(body))
}

pub(crate) fn download(shared: &Shared, file: &str) -> Resp {
    let file = percent_decode_str(file).decode_utf8_lossy().into_owned();
    let id = file.split('.').next().unwrap_or_default();
    let st = shared.lock();
    let ready = st.jobs.get(id).filter(|j| {
        j.created.elapsed() >= j.duration
            && matches!(j.mode, ExportMode::Normal | ExportMode::Corrupt)
            && file == format!("{id}.{}.gz", j.format)
    });
    match ready {
        Some(job) => Resp {
            status: 200,
            content_type: "application/gzip",
            headers: Vec::new(),
            body: Bytes::from(job.file.clone()),
        },
        None => Resp::error(404, "Export file not found.", None),
    }
}

//! The `/__fake/` HTTP API: knobs, faults, seeding and counters for other processes.

use std::time::Duration;

use http::Method;
use serde_json::{Map, Value, json};

use crate::server::{JSON_CT, Resp};
use crate::state::{ExportMode, MAX_KNOB, MAX_SEED, MAX_TOKEN_TTL, Shared, State};
use crate::{Fault, PasswordPolicy, RateLimit, Route};

/// One checked key of a `PUT /__fake/config`, applied once all are checked.
type ConfigChange = Box<dyn FnOnce(&mut State)>;

/// Most faults one request may queue.
const MAX_FAULT_TIMES: u64 = 100_000;

pub(super) fn config_json(shared: &Shared) -> Value {
    let st = shared.lock();
    json!({
        "latency_ms": st.latency.as_millis() as u64,
        "rate_limit": st.bucket.as_ref().map(|b| json!({"per_second": b.limit.per_second, "burst": b.limit.burst})),
        "index_delay_ms": st.index_delay.as_millis() as u64,
        "export_duration_ms": st.export_duration.as_millis() as u64,
        "import_users_per_second": st.import_rate,
        "token_ttl_s": st.token_ttl.as_secs(),
        "password_policy": st.password_policy(&shared.cfg.connection_id).as_str(),
    })
}

pub(super) fn admin_error(message: &str) -> Resp {
    Resp::error(400, message, Some("invalid_body"))
}

pub(crate) fn admin(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Resp {
    let parse = || -> Result<Map<String, Value>, Resp> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(admin_error("The body must be a JSON object.")),
        }
    };
    // Every duration is bounded: they are added to instants.
    let ms = |v: &Value| {
        v.as_u64()
            .map(Duration::from_millis)
            .filter(|d| *d <= MAX_KNOB)
    };
    match (method, path) {
        (&Method::GET, "/__fake/counters") => Resp::json(200, &shared.lock().counters.to_json()),
        (&Method::POST, "/__fake/reset-counters") => {
            shared.lock().counters = crate::Counters::default();
            Resp::empty(204)
        }
        (&Method::GET, "/__fake/config") => Resp::json(200, &config_json(shared)),
        (&Method::PUT, "/__fake/config") => {
            let m = match parse() {
                Ok(m) => m,
                Err(r) => return r,
            };
            // Every key is checked before any is applied: a 400 changes nothing.
            let mut changes: Vec<ConfigChange> = Vec::new();
            for (k, v) in &m {
                match k.as_str() {
                    "latency_ms" => match ms(v) {
                        Some(d) => changes.push(Box::new(move |st| st.latency = d)),
                        None => {
                            return admin_error("latency_ms must be an integer from 0 to 86400000");
                        }
                    },
                    "index_delay_ms" => match ms(v) {
                        Some(d) => changes.push(Box::new(move |st| st.index_delay = d)),
                        None => {
                            return admin_error(
                                "index_delay_ms must be an integer from 0 to 86400000",
                            );
                        }
                    },
                    "export_duration_ms" => match ms(v) {
                        Some(d) => changes.push(Box::new(move |st| st.export_duration = d)),
                        None => {
                            return admin_error(
                                "export_duration_ms must be an integer from 0 to 86400000",
                            );
                        }
                    },
                    "import_users_per_second" => {
                        match v.as_f64().filter(|rate| rate.is_finite() && *rate >= 1.0) {
                            Some(rate) => {
                                changes.push(Box::new(move |st| {
                                    st.import_rate = crate::import_rate(rate);
                                }));
                            }
                            None => {
                                return admin_error(
                                    "import_users_per_second must be a number of at least 1",
                                );
                            }
                        }
                    }
                    "token_ttl_s" => match v
                        .as_u64()
                        .map(Duration::from_secs)
                        .filter(|d| *d <= MAX_TOKEN_TTL)
                    {
                        Some(d) => changes.push(Box::new(move |st| st.token_ttl = d)),
                        None => {
                            return admin_error(
                                "token_ttl_s must be an integer from 0 to 315360000 (ten years)",
                            );
                        }
                    },
                    "password_policy" => match v.as_str().and_then(PasswordPolicy::from_name) {
                        Some(p) => {
                            let connection = shared.cfg.connection_id.clone();
                            changes
                                .push(Box::new(move |st| st.set_password_policy(&connection, p)));
                        }
                        None => {
                            return admin_error(
                                "password_policy must be one of none, low, fair, good, excellent",
                            );
                        }
                    },
                    "rate_limit" => {
                        if v.is_null() {
                            changes.push(Box::new(|st| st.set_rate_limit(None)));
                        } else {
                            let ps = v.get("per_second").and_then(Value::as_f64);
                            let burst = v
                                .get("burst")
                                .and_then(Value::as_u64)
                                .and_then(|b| u32::try_from(b).ok());
                            match (ps, burst) {
                                (Some(per_second), Some(burst))
                                    if per_second.is_finite() && per_second >= 0.0 =>
                                {
                                    let limit = RateLimit { per_second, burst };
                                    changes
                                        .push(Box::new(move |st| st.set_rate_limit(Some(limit))));
                                }
                                _ => {
                                    return admin_error(
                                        "rate_limit must be null or {\"per_second\": f64, \"burst\": u32}",
                                    );
                                }
                            }
                        }
                    }
                    other => return admin_error(&format!("unknown config key: {other}")),
                }
            }
            let mut st = shared.lock();
            for change in changes {
                change(&mut st);
            }
            drop(st);
            Resp::json(200, &config_json(shared))
        }
        (&Method::POST, "/__fake/faults") => {
            let m = match parse() {
                Ok(m) => m,
                Err(r) => return r,
            };
            let Some(route) = m
                .get("route")
                .and_then(Value::as_str)
                .and_then(Route::from_name)
            else {
                return admin_error("route must be one of the Route names (e.g. create_user)");
            };
            let delay = match m.get("delay_ms") {
                None => Duration::ZERO,
                Some(v) => match ms(v) {
                    Some(d) => d,
                    None => return admin_error("delay_ms must be an integer from 0 to 86400000"),
                },
            };
            let Some(fault) = m
                .get("fault")
                .and_then(Value::as_str)
                .and_then(|f| Fault::from_name(f, delay))
            else {
                return admin_error("fault must be one of the Fault names (e.g. internal_error)");
            };
            let times = match m.get("times").map(Value::as_u64) {
                None => 1,
                Some(Some(t @ 0..=MAX_FAULT_TIMES)) => usize::try_from(t).unwrap_or(1),
                Some(_) => {
                    return admin_error(&format!(
                        "times must be an integer from 0 to {MAX_FAULT_TIMES}"
                    ));
                }
            };
            shared.lock().inject_fault(route, fault, times);
            Resp::empty(204)
        }
        (&Method::DELETE, "/__fake/faults") => {
            shared.lock().faults.clear();
            Resp::empty(204)
        }
        (&Method::POST, "/__fake/seed") => {
            let m = match parse() {
                Ok(m) => m,
                Err(r) => return r,
            };
            let mut ids = Vec::new();
            let template = match m.get("template") {
                None => Map::new(),
                Some(Value::Object(t)) => t.clone(),
                Some(_) => return admin_error("template must be a JSON object"),
            };
            match m.get("count").map(Value::as_u64) {
                None => {}
                Some(Some(n @ 0..=MAX_SEED)) => {
                    ids.extend(shared.seed_users(usize::try_from(n).unwrap_or(0), &template));
                }
                Some(_) => {
                    return admin_error(&format!("count must be an integer from 0 to {MAX_SEED}"));
                }
            }
            if let Some(users) = m.get("users").and_then(Value::as_array) {
                if users.iter().any(|u| !u.is_object()) {
                    return admin_error("users must be an array of objects");
                }
                let mut st = shared.lock();
                for u in users {
                    ids.push(st.insert_user(u.clone(), &shared.cfg.connection));
                }
            }
            Resp::json(201, &json!({"user_ids": ids}))
        }
        (&Method::GET, "/__fake/users") => Resp::json(
            200,
            &Value::Array(
                shared
                    .lock()
                    .users
                    .values()
                    .map(|u| (**u).clone())
                    .collect(),
            ),
        ),
        (&Method::POST, "/__fake/token") => {
            Resp::json(200, &json!({"access_token": shared.default_token()}))
        }
        (&Method::POST, "/__fake/revoke-tokens") => {
            shared.lock().tokens.clear();
            Resp::empty(204)
        }
        (&Method::POST, "/__fake/exports") => {
            let m = match parse() {
                Ok(m) => m,
                Err(r) => return r,
            };
            let mode = match m.get("next").and_then(Value::as_str) {
                Some("fail") => ExportMode::Fail,
                Some("stall") => ExportMode::Stall,
                Some("corrupt") => ExportMode::Corrupt,
                Some("normal") => ExportMode::Normal,
                _ => return admin_error("next must be one of fail, stall, corrupt, normal"),
            };
            shared.lock().next_export = mode;
            Resp::empty(204)
        }
        _ => Resp {
            status: 404,
            content_type: JSON_CT,
            ..Resp::error(404, "Not Found", None)
        },
    }
}

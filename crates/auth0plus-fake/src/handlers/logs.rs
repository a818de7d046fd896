//! The tenant log: `GET /logs` by checkpoint (`from` = a `log_id`, `take`) or by search
//! criteria (`q`/`search`, `sort`, `page`/`per_page`/`include_totals`, the 1,000 window);
//! `GET /users/{id}/logs` (a user's events, by offset). [`record`] writes the events.

use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::input::{apply_fields, cmp_json, fields_params, invalid_query, parse_query, qget, qint};
use super::paging::{self, ListStyle};
use crate::server::Resp;
use crate::state::Shared;
use crate::util;
use crate::{Route, lucene};

const LOG_FIELDS: &[&str] = &[
    "date",
    "connection",
    "client_id",
    "client_name",
    "ip",
    "user_id",
    "user_name",
    "description",
    "user_agent",
    "type",
    "details",
    "strategy",
    "strategy_type",
    "log_id",
    "hostname",
    "audience",
    "scope",
    "isMobile",
];

/// `GET /logs`.
pub(super) fn list(shared: &Shared, query: &str) -> Resp {
    let params = match parse_query(
        query,
        &[
            "page",
            "per_page",
            "sort",
            "fields",
            "include_fields",
            "include_totals",
            "from",
            "take",
            "search",
            "q",
        ],
    ) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if paging::wants_checkpoint(&params) {
        by_checkpoint(shared, &params)
    } else {
        by_search(shared, &params)
    }
}

/// `GET /logs/{id}`.
pub(super) fn get(shared: &Shared, param: &str, query: &str) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let id = percent_decode_str(param).decode_utf8_lossy();
    match shared.lock().logs.get(&id) {
        Some(e) => Resp::json(200, e),
        None => Resp::error(404, "log not found", Some("inexistent_log")),
    }
}

/// Events after `from` in `log_id` order, at most `take`; every other parameter is
/// ignored, as Auth0 does. A `Link: <…?from=LAST&take=N>; rel="next"` header names the
/// next request.
fn by_checkpoint(shared: &Shared, params: &[(String, String)]) -> Resp {
    let take = match qint(params, "take", 50, 1, Some(100)) {
        Ok(n) => usize::try_from(n).unwrap_or(50),
        Err(r) => return r,
    };
    let from = qget(params, "from").unwrap_or("");
    let st = shared.lock();
    let page: Vec<Value> = st.logs.after(from).take(take).cloned().collect();
    drop(st);
    let last = page
        .last()
        .and_then(|e| e.get("log_id"))
        .and_then(Value::as_str)
        .unwrap_or(from)
        .to_string();
    let mut r = Resp::json(200, &Value::Array(page));
    let next = form_urlencoded::Serializer::new(String::new())
        .append_pair("from", &last)
        .append_pair("take", &take.to_string())
        .finish();
    r.headers.push((
        "link",
        format!("<{}/api/v2/logs?{next}>; rel=\"next\"", shared.cfg.base_url),
    ));
    r
}

/// `GET /users/{id}/logs`: the user's events, `sort` (default `date:-1`), offset paging.
pub(super) fn of_user(shared: &Shared, param: &str, query: &str) -> Resp {
    let params = match parse_query(query, &["page", "per_page", "sort", "include_totals"]) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let user_id = percent_decode_str(param).decode_utf8_lossy();
    let of_user = |e: &Value| e.get("user_id").and_then(Value::as_str) == Some(&*user_id);
    sorted_page(shared, &params, of_user, None, true)
}

/// Search criteria: Lucene `q` (or `search`), `sort` (default `date:-1`), fields, offset paging.
fn by_search(shared: &Shared, params: &[(String, String)]) -> Resp {
    let (fields, include) = match fields_params(params) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let text = qget(params, "q")
        .or_else(|| qget(params, "search"))
        .unwrap_or("");
    let q = match lucene::parse(text) {
        Ok(q) => q,
        Err(e) => {
            return invalid_query(&format!("'{}' on property q.", e.message));
        }
    };
    sorted_page(shared, params, |e| q.matches(e), fields.as_deref(), include)
}

/// The events `keep` accepts, in the `sort` of `params`, one offset page of them.
fn sorted_page(
    shared: &Shared,
    params: &[(String, String)],
    keep: impl Fn(&Value) -> bool,
    fields: Option<&str>,
    include: bool,
) -> Resp {
    let (sort_field, desc) = match qget(params, "sort") {
        None => ("date".to_string(), true),
        Some(s) => match s.rsplit_once(':') {
            Some((f, dir @ ("1" | "-1"))) if LOG_FIELDS.contains(&f) => {
                (f.to_string(), dir == "-1")
            }
            _ => {
                return invalid_query(&format!(
                    "'String does not match pattern ^((date)|(connection)|(client_id)|(client_name)|(ip)|(user_id)|(user_name)|(description)|(user_agent)|(type)|(details)|(strategy)|(strategy_type))\\:(1|-1)$: {s}' on property sort."
                ));
            }
        },
    };
    let st = shared.lock();
    let mut hits: Vec<&Value> = st.logs.iter().filter(|e| keep(e)).collect();
    // Equal keys (events in the same millisecond) keep log_id order, reversed with the rest.
    hits.sort_by(|a, b| {
        let o = cmp_json(
            util::get_path(a, &sort_field),
            util::get_path(b, &sort_field),
        )
        .then_with(|| cmp_json(a.get("log_id"), b.get("log_id")));
        if desc { o.reverse() } else { o }
    });
    paging::offset_page(
        params,
        hits.len(),
        &ListStyle {
            items_key: "logs",
            checkpoint: false,
            length: true,
            per_page_min: 0,
        },
        |start, per| {
            hits.iter()
                .skip(start)
                .take(per)
                .map(|e| apply_fields(e, fields, include))
                .collect()
        },
    )
}

/// What happened in one request, for the log.
pub(crate) struct Happened<'a> {
    pub method: &'a http::Method,
    pub route: Route,
    /// The client whose token made a Management request (the tenant's own client else).
    pub client: Option<&'a str>,
    /// What the operation does (the `sapi` description).
    pub summary: &'a str,
    /// Whether the path parameter is a user id.
    pub targets_user: bool,
    /// The raw (percent-encoded) path parameter, if any.
    pub param: &'a str,
    /// The raw path (`/api/v2/users/auth0%7C…`); never the query, which may hold search input.
    pub path: &'a str,
    pub status: u16,
    pub user_agent: &'a str,
    /// The answer's body (for the id of a created user and the message of a failure).
    pub body: &'a [u8],
}

/// Write the log events Auth0 writes for a request: `seccft`/`feccft` for client-credentials
/// token requests, `sapi`/`fapi` for Management writes (method, path and status in
/// `details`), `sdu` besides the `sapi` of a user deleted, `api_limit` for a 429. Reads that
/// succeed are not logged (as on Auth0). Nothing from a request body goes in (it may hold a
/// password); a failure keeps only the answer's error fields.
pub(crate) fn record(shared: &Shared, h: &Happened<'_>) {
    let ok = (200..300).contains(&h.status);
    // Most requests are reads that succeed: no event, and no parse of their answer.
    // The Authentication API writes its own events (it knows the user and the grant).
    if matches!(
        h.route,
        Route::ExportDownload | Route::Token | Route::Authentication
    ) || (ok && h.method == http::Method::GET)
    {
        return;
    }
    let answer: Value = serde_json::from_slice(h.body).unwrap_or(Value::Null);
    let message = answer
        .get("message")
        .or_else(|| answer.get("error_description"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (kind, description) = match h.route {
        Route::ExportDownload | Route::Token | Route::Authentication => return,
        _ if h.status == 429 => ("api_limit", message),
        _ if h.method == http::Method::GET => return,
        _ if ok => ("sapi", h.summary.to_string()),
        _ => ("fapi", message),
    };
    write_event(shared, h, &answer, kind, &description);
    if kind == "sapi" && h.route == Route::DeleteUser {
        write_event(shared, h, &answer, "sdu", "Successful User Deletion");
    }
}

/// Append one event of `kind` about `h`.
fn write_event(shared: &Shared, h: &Happened<'_>, answer: &Value, kind: &str, description: &str) {
    let ok = (200..300).contains(&h.status);
    let user_id = match h.route {
        Route::CreateUser => answer
            .get("user_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ if h.targets_user => percent_decode_str(h.param).decode_utf8_lossy().into_owned(),
        _ => String::new(),
    };
    let agent: String = h.user_agent.chars().take(256).collect();
    let mut st = shared.lock();
    let client_id = h.client.unwrap_or(&shared.cfg.client_id).to_owned();
    let client_name = st
        .store
        .get("clients", &client_id)
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("auth0plus fake client")
        .to_owned();
    let now = util::now_ms();
    let log_id = st.logs.next_id(now);
    let mut e = json!({
        "date": util::iso_ms(now),
        "type": kind,
        "description": description,
        "client_id": client_id,
        "client_name": client_name,
        "ip": "127.0.0.1",
        "hostname": shared.cfg.domain,
        "user_agent": agent,
        "user_id": user_id,
        "log_id": log_id,
        "isMobile": false,
    });
    if let Some(o) = e.as_object_mut() {
        if h.route == Route::Token {
            o.insert("audience".into(), json!(shared.cfg.audience()));
            if let Some(scope) = answer.get("scope") {
                o.insert("scope".into(), scope.clone());
            }
        } else {
            let mut response = json!({"statusCode": h.status});
            // A failure keeps the answer's error fields (never the request body).
            if !ok && let Some(r) = response.as_object_mut() {
                let error: serde_json::Map<String, Value> =
                    ["statusCode", "error", "message", "errorCode"]
                        .iter()
                        .filter_map(|k| answer.get(*k).map(|v| ((*k).to_string(), v.clone())))
                        .collect();
                r.insert("body".into(), Value::Object(error));
            }
            o.insert(
                "details".into(),
                json!({
                    "request": {
                        "method": h.method.as_str().to_ascii_lowercase(),
                        "path": h.path,
                        "channel": "api",
                        "ip": "127.0.0.1",
                    },
                    "response": response,
                }),
            );
        }
    }
    st.logs.push(e);
}

//! A test generated from the spec: every operation is called on a running fake, with a body
//! made from its request schema; none may answer the unknown-route 404 or a 5xx, and every
//! 2xx body must fit the operation's response schema.

use std::collections::BTreeMap;
use std::time::Duration;

use http::Method;
use serde_json::Value;

use crate::FakeTenant;
use crate::schema::{example, validate};
use crate::spec::{Op, Seg, spec};

fn template(op: &Op, upto: usize) -> String {
    op.segs[..upto]
        .iter()
        .map(|s| match s {
            Seg::Lit(l) => l.clone(),
            Seg::Param(_) => "{}".to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The concrete path for `op`: each parameter is the id of something created at its
/// collection, else a placeholder.
fn concrete(op: &Op, ids: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for (i, seg) in op.segs.iter().enumerate() {
        out.push('/');
        match seg {
            Seg::Lit(l) => out.push_str(l),
            Seg::Param(p) => {
                let id = ids
                    .get(&template(op, i))
                    .cloned()
                    .unwrap_or_else(|| format!("x-{p}"));
                out.push_str(
                    &percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC)
                        .to_string(),
                );
            }
        }
    }
    out
}

fn query(op: &Op) -> String {
    let s = spec();
    let mut q = form_urlencoded::Serializer::new(String::new());
    for p in op.query.iter().filter(|p| p.required) {
        let v = example(s, &p.schema);
        let text = match v {
            Value::String(t) => t,
            Value::Array(a) => a.first().map(Value::to_string).unwrap_or_default(),
            other => other.to_string(),
        };
        q.append_pair(&p.name, &text);
    }
    q.finish()
}

struct Answer {
    status: u16,
    body: String,
}

async fn call(
    http: &reqwest::Client,
    tenant: &FakeTenant,
    token: &str,
    op: &Op,
    ids: &BTreeMap<String, String>,
) -> Answer {
    let s = spec();
    let q = query(op);
    let url = format!(
        "{}/api/v2{}{}{}",
        tenant.base_url(),
        concrete(op, ids),
        if q.is_empty() { "" } else { "?" },
        q
    );
    let mut rb = http
        .request(op.method.clone(), url)
        .header("authorization", format!("Bearer {token}"));
    if let Some(schema) = &op.body {
        rb = rb
            .header("content-type", "application/json")
            .body(example(s, schema).to_string());
    } else if op.multipart {
        let b = "walk";
        rb = rb
            .header("content-type", format!("multipart/form-data; boundary={b}"))
            .body(format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"users\"; filename=\"u.json\"\r\n\r\n[]\r\n--{b}--\r\n"
            ));
    }
    let r = rb.send().await.expect("send");
    Answer {
        status: r.status().as_u16(),
        body: r.text().await.expect("body"),
    }
}

#[tokio::test]
async fn every_operation_answers_and_fits_its_schema() {
    let s = spec();
    let tenant = FakeTenant::builder()
        .index_delay(Duration::ZERO)
        .no_rate_limit()
        .start()
        .await
        .expect("start");
    let token = tenant.issue_token();
    let http = reqwest::Client::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    ids.insert("users".into(), tenant.seed_users(1).remove(0));

    // First create one of each collection, so that item operations find something.
    for op in s
        .ops
        .iter()
        .filter(|o| o.method == Method::POST && !o.segs.iter().any(|x| matches!(x, Seg::Param(_))))
    {
        let a = call(&http, &tenant, &token, op, &ids).await;
        if (200..300).contains(&a.status)
            && let Ok(v) = serde_json::from_str::<Value>(&a.body)
            && let Some(id) = ["id", "client_id", "user_id"]
                .iter()
                .find_map(|k| v.get(*k).and_then(Value::as_str))
        {
            ids.entry(template(op, op.segs.len()))
                .or_insert_with(|| id.to_string());
        }
    }

    let mut failures = Vec::new();
    let mut by_class: BTreeMap<u16, usize> = BTreeMap::new();
    // Deletes last, so that they do not take away what the others use.
    let mut ops: Vec<&Op> = s.ops.iter().collect();
    ops.sort_by_key(|o| o.method == Method::DELETE);
    for op in ops {
        let a = call(&http, &tenant, &token, op, &ids).await;
        *by_class.entry(a.status / 100).or_default() += 1;
        let route_404 = a.status == 404
            && serde_json::from_str::<Value>(&a.body)
                .is_ok_and(|v| v.get("errorCode").is_none() && v["message"] == "Not Found");
        if route_404 || a.status >= 500 {
            failures.push(format!(
                "{} {} -> {} {}",
                op.method, op.path, a.status, a.body
            ));
            continue;
        }
        if !(200..300).contains(&a.status) {
            continue;
        }
        let schema = op
            .success
            .iter()
            .find(|(c, _)| *c == a.status)
            .and_then(|(_, sc)| sc.as_ref());
        if let Some(schema) = schema {
            match serde_json::from_str::<Value>(&a.body) {
                // A hook with no secrets has none to list; the spec's schema says at least
                // one (`minProperties: 1`), a request body's rule.
                Ok(v) if op.id == "get_secrets" && v == serde_json::json!({}) => {}
                Ok(v) => {
                    if let Err(e) = validate(s, schema, &v) {
                        failures.push(format!(
                            "{} {} -> {}: body does not fit the schema: {} (at {}): {}",
                            op.method, op.path, a.status, e.detail, e.path, a.body
                        ));
                    }
                }
                Err(_) => failures.push(format!(
                    "{} {} -> {}: not JSON: {}",
                    op.method, op.path, a.status, a.body
                )),
            }
        }
    }
    eprintln!(
        "spec walk: {} operations; answers by class: {by_class:?}",
        s.ops.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} operations failed:\n{}",
        failures.len(),
        s.ops.len(),
        failures.join("\n")
    );
}

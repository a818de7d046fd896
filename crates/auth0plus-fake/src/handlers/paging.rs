//! List paging in Auth0's two styles: offset (`page`/`per_page`/`include_totals`, the 1,000
//! window) and checkpoint (`from`/`take`, answered with an opaque `next`).

use serde_json::{Map, Value, json};

use super::input::{invalid_query, qbool, qget, qint};
use crate::server::Resp;
use crate::store::{checkpoint, from_checkpoint};

/// How one list endpoint pages and names its items.
pub(super) struct ListStyle<'a> {
    /// The key of the items in enveloped answers (`users`, `members`, `logs`).
    pub items_key: &'a str,
    /// Whether `from`/`take` are accepted (checkpoint paging).
    pub checkpoint: bool,
    /// Whether the totals envelope carries `length` (users and logs do; role users do not).
    pub length: bool,
    /// Smallest `per_page` accepted.
    pub per_page_min: i64,
}

impl<'a> ListStyle<'a> {
    /// An ordinary list: offset paging, `per_page` from 1, no `length`.
    pub(super) fn offset(items_key: &'a str) -> Self {
        Self {
            items_key,
            checkpoint: false,
            length: false,
            per_page_min: 1,
        }
    }

    /// An ordinary list that also takes `from`/`take`.
    pub(super) fn checkpoint(items_key: &'a str) -> Self {
        Self {
            checkpoint: true,
            ..Self::offset(items_key)
        }
    }
}

/// Whether the request asks for checkpoint paging.
pub(super) fn wants_checkpoint(params: &[(String, String)]) -> bool {
    qget(params, "from").is_some() || qget(params, "take").is_some()
}

/// 400 `invalid_paging` for a window past the first 1,000 results.
pub(super) fn past_window() -> Resp {
    Resp::error(
        400,
        "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation",
        Some("invalid_paging"),
    )
}

/// Answer one page of `items` (already in the endpoint's order, each with its sort key).
pub(super) fn answer(
    params: &[(String, String)],
    items: Vec<(String, Value)>,
    style: &ListStyle<'_>,
) -> Resp {
    if style.checkpoint && wants_checkpoint(params) {
        checkpoint_page(params, items, style)
    } else {
        offset_page(params, items.len(), style, |start, per| {
            items
                .into_iter()
                .skip(start)
                .take(per)
                .map(|(_, v)| v)
                .collect()
        })
    }
}

/// `from`/`take` in the ordinary envelope: the items and a `next` while more remain.
fn checkpoint_page(
    params: &[(String, String)],
    items: Vec<(String, Value)>,
    style: &ListStyle<'_>,
) -> Resp {
    let shape = Shape::Envelope {
        items: style.items_key.to_owned(),
        keys: vec!["next".to_owned()],
    };
    checkpoint_shaped(params, items, &shape)
}

/// The offset window a request asks for: (first item, `per_page`, `page`), checked
/// (`per_page` from `min` to 100, `include_totals` a boolean, the 1,000 window).
fn window_of(params: &[(String, String)], min: i64) -> Result<(usize, usize, usize), Resp> {
    let per_page = qint(params, "per_page", 50, min, Some(100))?;
    let page = qint(params, "page", 0, 0, None)?;
    qbool(params, "include_totals", false)?;
    if page.saturating_add(1).saturating_mul(per_page) > 1000 {
        return Err(past_window());
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(((page * per_page) as usize, per_page as usize, page as usize))
}

/// `page`/`per_page`/`include_totals`: a bare array, or the totals envelope. `window(start,
/// per)` gives the items of the page, out of `total`.
pub(super) fn offset_page(
    params: &[(String, String)],
    total: usize,
    style: &ListStyle<'_>,
    window: impl FnOnce(usize, usize) -> Vec<Value>,
) -> Resp {
    let (start, per, _) = match window_of(params, style.per_page_min) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let totals = qbool(params, "include_totals", false).unwrap_or(false);
    let page_items = window(start, per);
    if !totals {
        return Resp::json(200, &Value::Array(page_items));
    }
    let mut body = json!({"start": start, "limit": per, "total": total});
    if let Some(o) = body.as_object_mut() {
        if style.length {
            o.insert("length".into(), json!(page_items.len()));
        }
        o.insert(style.items_key.into(), Value::Array(page_items));
    }
    Resp::json(200, &body)
}

/// One answer shape of a list, as its response schema gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Shape {
    /// A bare array of items.
    Array,
    /// An object: the items under `items`, and the paging keys `keys` (`start`, `limit`,
    /// `total`, `length`, `page`, `per_page`, `next`).
    Envelope { items: String, keys: Vec<String> },
}

/// Fill an envelope: the items, and each paging key it declares.
fn envelope(
    items_key: &str,
    keys: &[String],
    page_items: Vec<Value>,
    at: (usize, usize, usize, usize),
    next: Option<&str>,
) -> Value {
    let (start, limit, total, page) = at;
    let mut body = Map::new();
    for k in keys {
        let v = match k.as_str() {
            "start" => json!(start),
            "limit" => json!(limit),
            "total" => json!(total),
            "length" => json!(page_items.len()),
            "page" => json!(page),
            "per_page" => json!(limit),
            "next" => match next {
                Some(n) => json!(n),
                None => continue,
            },
            _ => continue,
        };
        body.insert(k.clone(), v);
    }
    body.insert(items_key.into(), Value::Array(page_items));
    Value::Object(body)
}

/// `page`/`per_page` (the 1,000 window): a bare array or the envelope `shape`.
pub(super) fn offset_shaped(
    params: &[(String, String)],
    items: Vec<(String, Value)>,
    shape: &Shape,
) -> Resp {
    let (start, per, page) = match window_of(params, 0) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let total = items.len();
    let page_items: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(per)
        .map(|(_, v)| v)
        .collect();
    match shape {
        Shape::Array => Resp::json(200, &Value::Array(page_items)),
        Shape::Envelope { items, keys } => Resp::json(
            200,
            &envelope(items, keys, page_items, (start, per, total, page), None),
        ),
    }
}

/// `from`/`take`: the items whose key sorts after the checkpoint, `take` of them, in the
/// envelope `shape` with a `next` checkpoint while more remain.
pub(super) fn checkpoint_shaped(
    params: &[(String, String)],
    items: Vec<(String, Value)>,
    shape: &Shape,
) -> Resp {
    let take = match qint(params, "take", 50, 1, Some(100)) {
        Ok(n) => usize::try_from(n).unwrap_or(50),
        Err(r) => return r,
    };
    let after = match qget(params, "from").filter(|f| !f.is_empty()) {
        None => None,
        Some(f) => match from_checkpoint(f) {
            Some(key) => Some(key),
            None => {
                return invalid_query(&format!(
                    "'Invalid checkpoint: {f}' on property from (Optional Id from which to start selection)."
                ));
            }
        },
    };
    let total = items.len();
    let before = items
        .iter()
        .filter(|(k, _)| after.as_ref().is_some_and(|a| k <= a))
        .count();
    let mut rest = items
        .into_iter()
        .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
        .peekable();
    let mut page = Vec::with_capacity(take.min(100));
    let mut last = None;
    while page.len() < take {
        let Some((k, v)) = rest.next() else { break };
        page.push(v);
        last = Some(k);
    }
    let next = rest
        .peek()
        .is_some()
        .then(|| last.map(|l| checkpoint(&l)))
        .flatten();
    match shape {
        Shape::Array => Resp::json(200, &Value::Array(page)),
        Shape::Envelope { items, keys } => Resp::json(
            200,
            &envelope(items, keys, page, (before, take, total, 0), next.as_deref()),
        ),
    }
}

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

/// `from`/`take`: the items whose key sorts after the checkpoint, `take` of them, and a
/// `next` checkpoint while more remain.
fn checkpoint_page(
    params: &[(String, String)],
    items: Vec<(String, Value)>,
    style: &ListStyle<'_>,
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
    let mut body = Map::new();
    body.insert(style.items_key.into(), Value::Array(page));
    if rest.peek().is_some()
        && let Some(last) = last
    {
        body.insert("next".into(), Value::String(checkpoint(&last)));
    }
    Resp::json(200, &Value::Object(body))
}

/// `page`/`per_page`/`include_totals`: a bare array, or the totals envelope. `window(start,
/// per)` gives the items of the page, out of `total`.
pub(super) fn offset_page(
    params: &[(String, String)],
    total: usize,
    style: &ListStyle<'_>,
    window: impl FnOnce(usize, usize) -> Vec<Value>,
) -> Resp {
    let per_page = match qint(params, "per_page", 50, style.per_page_min, Some(100)) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let page = match qint(params, "page", 0, 0, None) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let totals = match qbool(params, "include_totals", false) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if page.saturating_add(1).saturating_mul(per_page) > 1000 {
        return past_window();
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (start, per) = ((page * per_page) as usize, per_page as usize);
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

//! Decoding one page of any list: a bare array, or an object holding the
//! items under the list's key beside `total` and `next`. Items are decoded
//! straight from the body, with no intermediate JSON tree.

use std::fmt;
use std::marker::PhantomData;

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::decode::DecodeFailure;

/// One page of a list, as the server answered it.
#[derive(Debug)]
pub(crate) struct Page<R> {
    pub(crate) items: Vec<R>,
    /// `total`, when the answer carried totals.
    pub(crate) total: Option<u64>,
    /// `next`, the checkpoint to continue from.
    pub(crate) next: Option<String>,
    /// The last item's `log_id` (read only for the logs' cursor).
    pub(crate) last_log_id: Option<String>,
}

/// Decode a page whose items sit under `items_key`; with `log_ids`, also
/// note the last item's `log_id`. `expected` is how many items were asked
/// for: the items are read into a list of that capacity (a streamed JSON
/// array says nothing of its length, and growing by doubling would hold up to
/// twice the page while it copies). A failure says where (the field path).
pub(crate) fn decode_page<'de, R: Deserialize<'de>>(
    body: &'de [u8],
    items_key: &str,
    log_ids: bool,
    expected: usize,
) -> Result<Page<R>, DecodeFailure> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut track = serde_path_to_error::Track::new();
    let seed = PageSeed::<R> {
        items_key,
        log_ids,
        expected,
        item: PhantomData,
    };
    let page = seed
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
        .map_err(|e| DecodeFailure {
            path: track.path().to_string(),
            message: e.to_string(),
        })?;
    de.end().map_err(|e| DecodeFailure {
        path: String::new(),
        message: e.to_string(),
    })?;
    Ok(page)
}

/// The keys of a page's items and its `next`, read without decoding the
/// items (ids borrowed from the body where they need no unescaping), or
/// `None` when the body is not a page of objects.
pub(crate) fn peek_page<'de>(
    body: &'de [u8],
    items_key: &str,
    expected: usize,
) -> Option<Page<ItemKey<'de>>> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let seed = PageSeed::<ItemKey<'de>> {
        items_key,
        log_ids: false,
        expected,
        item: PhantomData,
    };
    let page = seed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(page)
}

struct PageSeed<'k, R> {
    items_key: &'k str,
    log_ids: bool,
    expected: usize,
    item: PhantomData<fn() -> R>,
}

impl<'de, R: Deserialize<'de>> DeserializeSeed<'de> for PageSeed<'_, R> {
    type Value = Page<R>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Page<R>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, R: Deserialize<'de>> Visitor<'de> for PageSeed<'_, R> {
    type Value = Page<R>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list, or an object with `{}`", self.items_key)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Page<R>, A::Error> {
        let (items, last_log_id) = Items::<R>::new(self.log_ids, self.expected).visit_seq(seq)?;
        Ok(Page {
            items,
            total: None,
            next: None,
            last_log_id,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<R>, A::Error> {
        let mut page = Page {
            items: Vec::new(),
            total: None,
            next: None,
            last_log_id: None,
        };
        let mut seen_items = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == self.items_key {
                let (items, last) =
                    map.next_value_seed(Items::<R>::new(self.log_ids, self.expected))?;
                page.items = items;
                page.last_log_id = last;
                seen_items = true;
            } else if key == "total" {
                page.total = map.next_value::<Option<u64>>()?;
            } else if key == "next" {
                page.next = map
                    .next_value::<Option<String>>()?
                    .filter(|next| !next.is_empty());
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if !seen_items {
            return Err(serde::de::Error::missing_field("the list's items"));
        }
        Ok(page)
    }
}

/// The items array; with `log_ids`, each item passes through a JSON value so
/// its `log_id` can be read.
struct Items<R> {
    log_ids: bool,
    expected: usize,
    item: PhantomData<fn() -> R>,
}

impl<R> Items<R> {
    fn new(log_ids: bool, expected: usize) -> Self {
        Self {
            log_ids,
            expected,
            item: PhantomData,
        }
    }
}

impl<'de, R: Deserialize<'de>> DeserializeSeed<'de> for Items<R> {
    type Value = (Vec<R>, Option<String>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, R: Deserialize<'de>> Visitor<'de> for Items<R> {
    type Value = (Vec<R>, Option<String>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // What was asked for (at most a page of 100), never a length from the wire.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(self.expected).min(100));
        let mut last = None;
        if self.log_ids {
            while let Some(value) = seq.next_element::<Value>()? {
                last = value
                    .get("log_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or(last);
                items.push(R::deserialize(value).map_err(serde::de::Error::custom)?);
            }
        } else {
            while let Some(item) = seq.next_element::<R>()? {
                items.push(item);
            }
        }
        Ok((items, last))
    }
}

/// What says which item an item is, read without decoding the rest of it:
/// the first of `log_id`, `id`, `user_id` and `client_id` it has (a string
/// or a number). Other fields, and ids of any other type, are skipped.
#[derive(Debug, Default)]
pub(crate) struct ItemKey<'de> {
    /// Its id, by the first key of the list above that it has.
    pub(crate) id: Option<Cow<'de, str>>,
    /// Whether `id` is the item's `log_id`.
    is_log_id: bool,
}

impl ItemKey<'_> {
    /// The item's `log_id` (the logs' cursor continues from the last one).
    pub(crate) fn log_id(&self) -> Option<&str> {
        self.id.as_deref().filter(|_| self.is_log_id)
    }
}

/// The keys an item's id may have, in the order they are looked for.
const ID_KEYS: [&str; 4] = ["log_id", "id", "user_id", "client_id"];

impl<'de> Deserialize<'de> for ItemKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ItemKeyVisitor)
    }
}

struct ItemKeyVisitor;

impl<'de> Visitor<'de> for ItemKeyVisitor {
    type Value = ItemKey<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ItemKey<'de>, A::Error> {
        let mut key = ItemKey::default();
        // The rank (in ID_KEYS) of the key `key.id` was read from.
        let mut rank = ID_KEYS.len();
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            let Some(at) = ID_KEYS.iter().position(|k| *k == name) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let id = map.next_value::<IdText<'de>>()?.0;
            if id.is_some() && at < rank {
                rank = at;
                key.id = id;
                key.is_log_id = at == 0;
            }
        }
        Ok(key)
    }
}

/// An id (or any short text of the server's) as text: a string (borrowed
/// from the body when it needs no unescaping), or a number written out;
/// `None` for anything else, which is skipped unread.
pub(crate) struct IdText<'de>(pub(crate) Option<Cow<'de, str>>);

impl<'de> Deserialize<'de> for IdText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IdTextVisitor)
    }
}

struct IdTextVisitor;

impl<'de> Visitor<'de> for IdTextVisitor {
    type Value = IdText<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<IdText<'de>, E> {
        Ok(IdText(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IdText<'de>, E> {
        Ok(IdText(Some(Cow::Owned(v.to_owned()))))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IdText<'de>, E> {
        Ok(IdText(Some(Cow::Owned(v.to_string()))))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IdText<'de>, E> {
        Ok(IdText(Some(Cow::Owned(v.to_string()))))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<IdText<'de>, E> {
        Ok(IdText(None))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<IdText<'de>, E> {
        Ok(IdText(None))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<IdText<'de>, E> {
        Ok(IdText(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<IdText<'de>, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| IdText(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<IdText<'de>, A::Error> {
        IgnoredAny.visit_map(map).map(|_| IdText(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bare_lists_and_enveloped_pages() {
        let page: Page<Value> = decode_page(br#"[{"id":1},{"id":2}]"#, "roles", false, 0)
            .map_err(|f| f.message)
            .unwrap();
        assert_eq!((page.items.len(), page.total), (2, None));
        let page: Page<Value> = decode_page(
            br#"{"start":0,"limit":2,"roles":[{"id":1}],"total":7,"extra":{"a":[1]}}"#,
            "roles",
            false,
            2,
        )
        .map_err(|f| f.message)
        .unwrap();
        assert_eq!(
            (page.items.len(), page.total, page.next),
            (1, Some(7), None)
        );
        let page: Page<Value> =
            decode_page(br#"{"users":[{"id":1}],"next":"abc"}"#, "users", false, 0)
                .map_err(|f| f.message)
                .unwrap();
        assert_eq!(page.next.as_deref(), Some("abc"));
        let page: Page<Value> = decode_page(br#"{"users":[],"next":""}"#, "users", false, 0)
            .map_err(|f| f.message)
            .unwrap();
        assert_eq!(page.next, None, "an empty checkpoint ends the list");
    }

    #[test]
    fn notes_the_last_log_id() {
        let page: Page<Value> = decode_page(
            br#"[{"log_id":"90020230101","type":"s"},{"log_id":"90020230102"}]"#,
            "logs",
            true,
            2,
        )
        .map_err(|f| f.message)
        .unwrap();
        assert_eq!(page.last_log_id.as_deref(), Some("90020230102"));
    }

    #[test]
    fn says_where_an_item_did_not_fit() {
        #[derive(Debug, serde::Deserialize)]
        struct Item {
            #[allow(dead_code, reason = "only decoded")]
            id: u32,
        }
        let failure = decode_page::<Item>(br#"{"roles":[{"id":1},{"id":"x"}]}"#, "roles", false, 0)
            .unwrap_err();
        assert_eq!(failure.path, "roles[1].id");
    }

    #[test]
    fn reads_the_key_of_each_item_without_the_rest() {
        let page = peek_page(
            br#"[{"log_id":"900","type":"s","details":{"id":"inner"}},
                 {"user_id":"auth0|1","id":7},
                 {"client_id":"c1","name":"n"},
                 {"id":["odd"],"user_id":"u2"},
                 {"id":null},
                 {"name":"none"}]"#,
            "logs",
            6,
        )
        .unwrap();
        let ids: Vec<_> = page.items.iter().map(|k| k.id.as_deref()).collect();
        assert_eq!(
            ids,
            [Some("900"), Some("7"), Some("c1"), Some("u2"), None, None]
        );
        assert_eq!(page.items[0].log_id(), Some("900"));
        assert_eq!(page.items[1].log_id(), None);
    }

    #[test]
    fn a_peek_at_what_is_not_a_page_of_objects_is_none() {
        assert!(peek_page(br#"{"total":1}"#, "roles", 1).is_none());
        assert!(peek_page(br#"["a","b"]"#, "roles", 1).is_none());
        assert!(peek_page(br#"{"roles":[{"id":"x"}]} trailing"#, "roles", 1).is_none());
        let escaped = peek_page(br#"{"roles":[{"id":"a\"b"}],"next":"n"}"#, "roles", 1).unwrap();
        assert_eq!(escaped.items[0].id.as_deref(), Some("a\"b"));
        assert_eq!(escaped.next.as_deref(), Some("n"));
    }

    #[test]
    fn refuses_what_is_not_a_page() {
        assert!(decode_page::<Value>(br#"{"total":1}"#, "roles", false, 0).is_err());
        assert!(decode_page::<Value>(br#"{"roles":{}}"#, "roles", false, 0).is_err());
        assert!(decode_page::<Value>(b"\"x\"", "roles", false, 0).is_err());
        assert!(decode_page::<Value>(b"[] trailing", "roles", false, 0).is_err());
        assert!(decode_page::<Value>(b"", "roles", false, 0).is_err());
    }
}

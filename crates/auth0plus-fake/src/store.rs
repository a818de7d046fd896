//! Storage shapes shared by the resources: many-to-many relations, the log, checkpoints.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// A many-to-many relation between two kinds of id (role ↔ user, organization ↔ member),
/// indexed both ways so that deleting either side is cheap and leaves nothing behind.
#[derive(Debug, Default)]
pub(crate) struct Relation {
    forward: BTreeMap<String, BTreeSet<String>>,
    backward: BTreeMap<String, BTreeSet<String>>,
}

impl Relation {
    /// Link `left` to `right`; true when the link is new.
    pub fn add(&mut self, left: &str, right: &str) -> bool {
        let new = self
            .forward
            .entry(left.to_string())
            .or_default()
            .insert(right.to_string());
        self.backward
            .entry(right.to_string())
            .or_default()
            .insert(left.to_string());
        new
    }

    /// Unlink `left` from `right`; true when the link existed.
    pub fn remove(&mut self, left: &str, right: &str) -> bool {
        let had = Self::unlink(&mut self.forward, left, right);
        Self::unlink(&mut self.backward, right, left);
        had
    }

    /// Forget `left` and every link it has (a deleted role or organization).
    pub fn remove_left(&mut self, left: &str) {
        for right in self.forward.remove(left).unwrap_or_default() {
            Self::unlink(&mut self.backward, &right, left);
        }
    }

    /// Forget `right` and every link it has (a deleted user).
    pub fn remove_right(&mut self, right: &str) {
        for left in self.backward.remove(right).unwrap_or_default() {
            Self::unlink(&mut self.forward, &left, right);
        }
    }

    /// The ids linked to `left`, in id order.
    pub fn rights(&self, left: &str) -> impl Iterator<Item = &str> {
        self.forward
            .get(left)
            .into_iter()
            .flat_map(|s| s.iter().map(String::as_str))
    }

    /// The ids `right` is linked from, in id order.
    pub fn lefts(&self, right: &str) -> impl Iterator<Item = &str> {
        self.backward
            .get(right)
            .into_iter()
            .flat_map(|s| s.iter().map(String::as_str))
    }

    fn unlink(map: &mut BTreeMap<String, BTreeSet<String>>, key: &str, value: &str) -> bool {
        let Some(set) = map.get_mut(key) else {
            return false;
        };
        let had = set.remove(value);
        if set.is_empty() {
            map.remove(key);
        }
        had
    }
}

/// Resources of every kind, by collection path (`roles`, `connections`,
/// `organizations/org_x/invitations`) and id, plus singletons (`tenants/settings`), as JSON
/// objects. Ids sort the lists.
#[derive(Debug, Default)]
pub(crate) struct Store {
    items: BTreeMap<String, BTreeMap<String, Value>>,
    singletons: BTreeMap<String, Value>,
}

impl Store {
    /// One resource.
    pub fn get(&self, collection: &str, id: &str) -> Option<&Value> {
        self.items.get(collection).and_then(|c| c.get(id))
    }

    /// A resource by id, mutable.
    pub fn get_mut(&mut self, collection: &str, id: &str) -> Option<&mut Value> {
        self.items.get_mut(collection).and_then(|c| c.get_mut(id))
    }

    /// Add or replace a resource.
    pub fn insert(&mut self, collection: &str, id: &str, value: Value) {
        self.items
            .entry(collection.to_string())
            .or_default()
            .insert(id.to_string(), value);
    }

    /// Remove a resource; it is returned when it existed.
    pub fn remove(&mut self, collection: &str, id: &str) -> Option<Value> {
        self.items.get_mut(collection).and_then(|c| c.remove(id))
    }

    /// Every resource of a collection, in id order.
    pub fn list<'a>(&'a self, collection: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.items.get(collection).into_iter().flatten()
    }

    /// Remove every resource of a collection whose `field` is `value` (a user's sessions);
    /// returns how many went.
    pub fn remove_where(&mut self, collection: &str, field: &str, value: &str) -> usize {
        let Some(items) = self.items.get_mut(collection) else {
            return 0;
        };
        let before = items.len();
        items.retain(|_, v| v.get(field).and_then(Value::as_str) != Some(value));
        before - items.len()
    }

    /// The singleton at `path`.
    pub fn singleton(&self, path: &str) -> Option<&Value> {
        self.singletons.get(path)
    }

    /// Set (or with None, remove) the singleton at `path`.
    pub fn set_singleton(&mut self, path: &str, value: Option<Value>) {
        match value {
            Some(v) => {
                self.singletons.insert(path.to_string(), v);
            }
            None => {
                self.singletons.remove(path);
            }
        }
    }

    /// Forget everything that lives under a deleted resource (`users/auth0|x/…`).
    pub fn remove_under(&mut self, parent: &str) {
        let prefix = format!("{parent}/");
        self.items.retain(|k, _| !k.starts_with(&prefix));
        self.singletons.retain(|k, _| !k.starts_with(&prefix));
    }
}

/// Most log events kept; the oldest go first (Auth0 keeps logs for a retention period).
pub(crate) const MAX_LOG_EVENTS: usize = 100_000;

/// The tenant log: events in `log_id` order, ids sortable as strings.
#[derive(Debug, Default)]
pub(crate) struct LogStore {
    events: VecDeque<Value>,
    seq: u64,
}

impl LogStore {
    /// A new `log_id`: 56 digits like Auth0's, ordered by time then by a sequence number,
    /// so string order is creation order.
    pub fn next_id(&mut self, now_ms: u64) -> String {
        self.seq += 1;
        format!("900{:020}{:033}", now_ms, self.seq)
    }

    /// Append an event (it must carry a `log_id` from [`LogStore::next_id`]).
    pub fn push(&mut self, event: Value) {
        if self.events.len() >= MAX_LOG_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    /// Every event, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.events.iter()
    }

    /// Events whose `log_id` sorts after `from`, oldest first.
    pub fn after<'a>(&'a self, from: &str) -> impl Iterator<Item = &'a Value> + 'a {
        let start = self.events.partition_point(|e| log_id(e) <= from);
        self.events.range(start..)
    }

    /// The event with this id.
    pub fn get(&self, id: &str) -> Option<&Value> {
        let i = self.events.partition_point(|e| log_id(e) < id);
        self.events.get(i).filter(|e| log_id(e) == id)
    }
}

fn log_id(e: &Value) -> &str {
    e.get("log_id").and_then(Value::as_str).unwrap_or_default()
}

/// The opaque `next` checkpoint for a list ordered by key: the last key answered.
pub(crate) fn checkpoint(last_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(last_key)
}

/// The key a `from` checkpoint stands for; None when it is not one of ours.
pub(crate) fn from_checkpoint(from: &str) -> Option<String> {
    URL_SAFE_NO_PAD
        .decode(from)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relation_forgets_both_ways() {
        let mut r = Relation::default();
        assert!(r.add("rol_a", "u1"));
        assert!(!r.add("rol_a", "u1"));
        r.add("rol_a", "u2");
        r.add("rol_b", "u1");
        r.remove_right("u1");
        assert_eq!(r.rights("rol_a").collect::<Vec<_>>(), ["u2"]);
        assert_eq!(r.rights("rol_b").count(), 0);
        r.remove_left("rol_a");
        assert_eq!(r.lefts("u2").count(), 0);
        assert!(r.forward.is_empty() && r.backward.is_empty());
    }

    #[test]
    fn log_ids_sort_by_creation_and_after_is_exclusive() {
        let mut l = LogStore::default();
        let ids: Vec<String> = (0..5)
            .map(|i| {
                let id = l.next_id(1_700_000_000_000 + (i / 2));
                l.push(json!({"log_id": id}));
                id
            })
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert_eq!(ids[0].len(), 56);
        let after: Vec<&str> = l.after(&ids[1]).map(log_id).collect();
        assert_eq!(
            after,
            ids[2..].iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert_eq!(l.after(&ids[4]).count(), 0);
        assert_eq!(l.get(&ids[3]).map(log_id), Some(ids[3].as_str()));
        assert!(l.get("900").is_none());
    }

    #[test]
    fn checkpoints_round_trip() {
        let c = checkpoint("auth0|abc");
        assert_eq!(from_checkpoint(&c).as_deref(), Some("auth0|abc"));
        assert_eq!(from_checkpoint("!!not base64"), None);
    }
}

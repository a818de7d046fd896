//! What keeps a walk along a list's cursor finite, whatever the server
//! answers: a cursor followed before, or an item read before, means the
//! server is going round in circles (a `next` that repeats, a cycle
//! A → B → A, fresh cursors over the same items, logs that send the same
//! page again), and the walk ends there.
//!
//! Only 64-bit keyed hashes are kept, of the last [`REMEMBERED`] cursors and
//! item ids: memory stays flat (about 4 MiB at most) however long the walk,
//! and a server that does not know the key cannot make two values collide.
//! A server can keep a walk going only by sending new items, as a list that
//! really is that long would.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// How many cursors, and how many item ids, a walk remembers.
pub(crate) const REMEMBERED: usize = 100_000;

/// Hashes a value that is a keyed hash already: as itself (hashing it again
/// would double the cost of each check).
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

/// The last [`REMEMBERED`] values seen, as hashes.
struct Recent {
    set: HashSet<u64, BuildHasherDefault<Prehashed>>,
    order: VecDeque<u64>,
}

impl Recent {
    fn new() -> Self {
        Self {
            set: HashSet::default(),
            order: VecDeque::new(),
        }
    }

    /// Remember `hash`; false when it was remembered already.
    fn insert(&mut self, hash: u64) -> bool {
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > REMEMBERED
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        true
    }
}

/// Why a walk cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Circle {
    /// The answer names a cursor the walk followed already.
    Cursor,
    /// The answer holds an item the walk read already (its id).
    Item(String),
}

/// The cursors and item ids one walk has seen.
pub(crate) struct Walk {
    hasher: RandomState,
    cursors: Recent,
    ids: Recent,
}

impl Walk {
    pub(crate) fn new() -> Self {
        Self {
            hasher: RandomState::new(),
            cursors: Recent::new(),
            ids: Recent::new(),
        }
    }

    /// Note the items of a page (their ids; items without one are not
    /// checked). An id seen before, on this page or an earlier one, ends the
    /// walk.
    pub(crate) fn read<'a>(
        &mut self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), Circle> {
        for id in ids {
            if !self.ids.insert(self.hasher.hash_one(id)) {
                return Err(Circle::Item(id.to_owned()));
            }
        }
        Ok(())
    }

    /// Note the id of an item an offset read keeps; false when the walk
    /// read it before (the read goes on without it: see
    /// `Query::reads_window_first`).
    pub(crate) fn first_sight(&mut self, id: &str) -> bool {
        self.ids.insert(self.hasher.hash_one(id))
    }

    /// Note the cursor the walk is about to follow; one it followed before
    /// ends the walk.
    pub(crate) fn follow(&mut self, cursor: &str) -> Result<(), Circle> {
        if self.cursors.insert(self.hasher.hash_one(cursor)) {
            Ok(())
        } else {
            Err(Circle::Cursor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_followed_twice_is_a_circle() {
        let mut walk = Walk::new();
        assert_eq!(walk.follow("A"), Ok(()));
        assert_eq!(walk.follow("B"), Ok(()));
        assert_eq!(walk.follow("A"), Err(Circle::Cursor));
    }

    #[test]
    fn an_item_read_twice_is_a_circle_on_one_page_or_across_pages() {
        let mut walk = Walk::new();
        assert_eq!(walk.read(["a", "b"]), Ok(()));
        assert_eq!(walk.read(["c", "a"]), Err(Circle::Item("a".into())));
        let mut walk = Walk::new();
        assert_eq!(walk.read(["x", "x"]), Err(Circle::Item("x".into())));
        // Ids and cursors are apart: a cursor may equal an item's id (the
        // logs' cursor is the last `log_id`).
        let mut walk = Walk::new();
        assert_eq!(walk.read(["900"]), Ok(()));
        assert_eq!(walk.follow("900"), Ok(()));
    }

    #[test]
    fn an_offset_read_keeps_the_first_sight_of_an_item() {
        let mut walk = Walk::new();
        assert!(walk.first_sight("a"));
        assert!(!walk.first_sight("a"));
        // One memory of ids: an item kept is one read before.
        assert_eq!(walk.read(["a"]), Err(Circle::Item("a".into())));
    }

    #[test]
    fn memory_is_bounded_by_forgetting_the_oldest() {
        let mut walk = Walk::new();
        for n in 0..=REMEMBERED {
            walk.read([n.to_string().as_str()]).unwrap();
        }
        assert_eq!(walk.ids.order.len(), REMEMBERED);
        assert_eq!(walk.ids.set.len(), REMEMBERED);
        // The first was forgotten; the last is remembered.
        assert_eq!(walk.read(["0"]), Ok(()));
        let last = REMEMBERED.to_string();
        assert_eq!(walk.read([last.as_str()]), Err(Circle::Item(last.clone())));
    }
}

//! The newest committed version of recently read keys, so that a point read
//! ([`super::Transaction::get`]) whose snapshot sees that version costs a
//! hash lookup instead of a B-tree range scan in the KV.
//!
//! Correctness rests on one rule: an entry is always the newest version the
//! KV holds for its key. Commits keep it so (holding the commit mutex, after
//! applying to the KV) by first bumping a sequence number and then removing
//! the keys they wrote. A reader that missed fills the entry only if no
//! commit bumped the sequence between its KV read and its insert, checked
//! under the shard's lock that the removal also takes: a commit that applied
//! after the read either bumped the sequence before the check (no insert)
//! or removes the key after the insert.
//!
//! Readers use an entry only when its version is within their snapshot;
//! newer entries (committed after the snapshot) send them to the KV.
//! Vacuum never removes a key's newest version unless it is a tombstone,
//! which reads the same as no version at all.

use hashbrown::HashTable;
use parking_lot::Mutex;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// A key's newest committed version and value (`None`: deleted or never
/// written, with version 0 for never written).
pub(crate) type Newest = (u64, Option<Vec<u8>>);

/// Number of independently locked parts.
const SHARDS: usize = 64;
/// Bytes of keys and values the cache holds at most (over all shards).
const BUDGET_BYTES: usize = 64 << 20;

/// One part of the cache. Entries are found by the key's hash, computed once
/// per call and used both to pick the shard and within it (a `HashMap`
/// would hash the key a second time).
struct Shard {
    entries: HashTable<(Vec<u8>, Newest)>,
    bytes: usize,
}

/// See the module documentation.
pub(crate) struct RowCache {
    shards: Vec<Mutex<Shard>>,
    /// Bumped by every commit before it removes the keys it wrote.
    seq: AtomicU64,
    /// SipHash with a random key: row keys come from user data, so the
    /// hash must not let a client choose colliding keys.
    hasher: std::collections::hash_map::RandomState,
}

impl Default for RowCache {
    fn default() -> Self {
        RowCache {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        entries: HashTable::new(),
                        bytes: 0,
                    })
                })
                .collect(),
            seq: AtomicU64::new(0),
            hasher: Default::default(),
        }
    }
}

fn entry_bytes(key: &[u8], value: &Option<Vec<u8>>) -> usize {
    // The map's own overhead per entry, roughly.
    64 + key.len() + value.as_ref().map_or(0, Vec::len)
}

impl RowCache {
    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The shard for a hash. Uses bits the table does not: it takes the
    /// low bits for the bucket and the top seven for its control bytes.
    fn shard(&self, hash: u64) -> &Mutex<Shard> {
        &self.shards[((hash >> 40) as usize) % SHARDS]
    }

    /// The value of `key` as a snapshot at `snapshot` sees it, when the
    /// cached newest version is within the snapshot; None on a miss.
    pub fn get(&self, key: &[u8], snapshot: u64) -> Option<Option<Vec<u8>>> {
        let hash = self.hash(key);
        let shard = self.shard(hash).lock();
        match shard.entries.find(hash, |(k, _)| k.as_slice() == key) {
            Some((_, (version, value))) if *version <= snapshot => Some(value.clone()),
            _ => None,
        }
    }

    /// Taken before a reader's KV read of the newest version; pass it to
    /// [`RowCache::fill`].
    pub fn stamp(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }

    /// Caches `newest` for `key`, read from the KV after [`RowCache::stamp`]
    /// returned `stamp`, unless a commit has run since.
    pub fn fill(&self, stamp: u64, key: &[u8], newest: &Newest) {
        let hash = self.hash(key);
        let mut shard = self.shard(hash).lock();
        if self.seq.load(Ordering::Acquire) != stamp {
            return;
        }
        let size = entry_bytes(key, &newest.1);
        if shard.bytes + size > BUDGET_BYTES / SHARDS {
            // Make room by dropping about half of the shard (arbitrary
            // entries: the table's order).
            let target = BUDGET_BYTES / SHARDS / 2;
            let mut bytes = shard.bytes;
            shard.entries.retain(|(k, (_, v))| {
                if bytes <= target {
                    return true;
                }
                bytes -= entry_bytes(k, v);
                false
            });
            shard.bytes = bytes;
            if shard.bytes + size > BUDGET_BYTES / SHARDS {
                return;
            }
        }
        let rehash = |(k, _): &(Vec<u8>, Newest)| self.hash(k);
        let old = match shard
            .entries
            .entry(hash, |(k, _)| k.as_slice() == key, rehash)
        {
            hashbrown::hash_table::Entry::Occupied(mut slot) => {
                Some(std::mem::replace(&mut slot.get_mut().1, newest.clone()))
            }
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert((key.to_vec(), newest.clone()));
                None
            }
        };
        if let Some((_, old)) = old {
            shard.bytes -= entry_bytes(key, &old);
        }
        shard.bytes += size;
    }

    /// Called by a commit holding the commit mutex, after applying `keys`
    /// to the KV: readers that read before now fill nothing, and the keys'
    /// entries go.
    pub fn invalidate<'a>(&self, keys: impl Iterator<Item = &'a Vec<u8>>) {
        self.seq.fetch_add(1, Ordering::AcqRel);
        for key in keys {
            let hash = self.hash(key);
            let mut shard = self.shard(hash).lock();
            if let Ok(slot) = shard.entries.find_entry(hash, |(k, _)| k == key) {
                let ((k, (_, old)), _) = slot.remove();
                shard.bytes -= entry_bytes(&k, &old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fill_after_a_commit_is_dropped_and_commits_remove_entries() {
        let cache = RowCache::default();
        let key = b"k".to_vec();
        // A reader read version 3, then a commit wrote the key: no fill.
        let stamp = cache.stamp();
        cache.invalidate([&key].into_iter());
        cache.fill(stamp, &key, &(3, Some(b"old".to_vec())));
        assert_eq!(cache.get(&key, 10), None);
        // A fill with no commit in between is served to snapshots that see it.
        let stamp = cache.stamp();
        cache.fill(stamp, &key, &(5, Some(b"new".to_vec())));
        assert_eq!(cache.get(&key, 5), Some(Some(b"new".to_vec())));
        assert_eq!(cache.get(&key, 4), None);
        // The next commit of the key removes it.
        cache.invalidate([&key].into_iter());
        assert_eq!(cache.get(&key, 10), None);
    }

    #[test]
    fn the_budget_holds() {
        let cache = RowCache::default();
        let value = Some(vec![0u8; 4096]);
        for i in 0..40_000u32 {
            let stamp = cache.stamp();
            cache.fill(stamp, &i.to_be_bytes(), &(1, value.clone()));
            // Refilling a key replaces its entry (and its bytes).
            cache.fill(stamp, &i.to_be_bytes(), &(2, Some(vec![1u8; 100])));
        }
        assert_eq!(
            cache.get(&39_999u32.to_be_bytes(), 5),
            Some(Some(vec![1u8; 100]))
        );
        let total: usize = cache.shards.iter().map(|s| s.lock().bytes).sum();
        assert!(total <= BUDGET_BYTES, "{total}");
        let counted: usize = cache
            .shards
            .iter()
            .map(|s| {
                let s = s.lock();
                s.entries
                    .iter()
                    .map(|(k, (_, v))| entry_bytes(k, v))
                    .sum::<usize>()
            })
            .sum();
        assert_eq!(counted, total);
    }
}

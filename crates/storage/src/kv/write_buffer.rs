//! The in-memory buffer of batches not yet written to the page store.
//!
//! A redb write transaction costs tens of microseconds however little it
//! changes (copy-on-write of every page on the path to each key, the table
//! root, the allocator state, page checksums): a quarter of the server's CPU
//! in pgbench's TPC-B-like run, on every commit's critical path. So
//! non-durable batches land here, in ordered maps, and a background thread
//! writes what gathered to redb in one transaction (`redb_engine`); reads
//! look here first. Entries are `Some(value)` for a put and `None` for a
//! delete that redb has not seen yet (it hides the key's old value there).
//!
//! While a flush writes the `frozen` map, new batches go to `active`;
//! readers consult `active`, then `frozen`, then redb. `frozen` is dropped
//! only after redb's new state is visible to readers, so every key is always
//! found in at least one of them.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

/// Keys and their newest buffered state (`None`: deleted).
pub(crate) type Entries = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// One buffered entry as copied out for a scan.
pub(crate) type BufferedPair = (Vec<u8>, Option<Vec<u8>>);

/// What was applied and is not yet in redb.
#[derive(Default)]
pub(crate) struct WriteBuffer {
    /// Batches since the last flush began.
    pub active: Entries,
    /// Key and value bytes in `active` (what the flush thresholds look at).
    pub active_bytes: usize,
    /// The batches a running flush is writing (older than `active`).
    pub frozen: Option<Arc<Entries>>,
}

impl WriteBuffer {
    /// Adds one change (newer than everything buffered).
    pub fn put(&mut self, key: &[u8], value: Option<&[u8]>) {
        self.active_bytes += key.len() + value.map_or(0, <[u8]>::len);
        self.active.insert(key.to_vec(), value.map(<[u8]>::to_vec));
    }

    /// Puts the entries of a flush that failed back under the newer ones
    /// (they stay readable and are written by the next flush).
    pub fn unfreeze(&mut self) {
        let Some(frozen) = self.frozen.take() else {
            return;
        };
        let newer = std::mem::replace(
            &mut self.active,
            Arc::try_unwrap(frozen).unwrap_or_else(|shared| (*shared).clone()),
        );
        self.active.extend(newer);
        self.active_bytes = self
            .active
            .iter()
            .map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len))
            .sum();
    }

    /// The buffered state of `key`: None when the buffer does not know it
    /// (read redb), `Some(None)` when it is deleted.
    pub fn lookup(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        if let Some(v) = self.active.get(key) {
            return Some(v.as_deref());
        }
        self.frozen
            .as_ref()
            .and_then(|f| f.get(key))
            .map(|v| v.as_deref())
    }

    /// A copy of the buffered entries within the bounds, in key order, each
    /// key once with its newest state, up to and including the `max_puts`th
    /// put: a read that stops after that many entries never needs more (each
    /// buffered put is an entry it hands out), and a chunked scan does not
    /// copy the rest of the buffer's range for every chunk.
    pub fn range(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        max_puts: usize,
    ) -> Vec<BufferedPair> {
        let mut out = Vec::new();
        if max_puts == 0 {
            return out;
        }
        let mut newer = self.active.range::<[u8], _>((start, end)).peekable();
        let mut older = self
            .frozen
            .as_deref()
            .into_iter()
            .flat_map(|f| f.range::<[u8], _>((start, end)))
            .peekable();
        let mut puts = 0;
        loop {
            let next = match (newer.peek(), older.peek()) {
                (None, None) => break,
                (Some(_), None) => newer.next(),
                (None, Some(_)) => older.next(),
                (Some((nk, _)), Some((ok, _))) => match nk.cmp(ok) {
                    std::cmp::Ordering::Less => newer.next(),
                    std::cmp::Ordering::Greater => older.next(),
                    std::cmp::Ordering::Equal => {
                        older.next();
                        newer.next()
                    }
                },
            };
            let Some((k, v)) = next else { break };
            puts += usize::from(v.is_some());
            out.push((k.clone(), v.clone()));
            if puts == max_puts {
                break;
            }
        }
        out
    }
}

/// Visits the entries of a range as the union of `buffered` (a copy from
/// [`WriteBuffer::range`], which wins for keys in both and hides the keys it
/// deletes) and what `visit_base` hands out, in key order, until `f`
/// returns false. `visit_base` calls its visitor with the base's entries of
/// the same range in key order, until the visitor returns false.
pub(crate) fn visit_merged<E>(
    buffered: &[BufferedPair],
    visit_base: impl FnOnce(&mut dyn FnMut(&[u8], &[u8]) -> bool) -> Result<(), E>,
    f: &mut dyn FnMut(&[u8], &[u8]) -> bool,
) -> Result<(), E> {
    let mut next = 0;
    let mut stopped = false;
    visit_base(&mut |k, v| {
        // Buffered keys before this one first.
        while let Some((bk, bv)) = buffered.get(next).filter(|(bk, _)| bk.as_slice() < k) {
            next += 1;
            if let Some(bv) = bv {
                if !f(bk, bv) {
                    stopped = true;
                    return false;
                }
            }
        }
        let value = match buffered.get(next).filter(|(bk, _)| bk.as_slice() == k) {
            Some((_, buffered_value)) => {
                next += 1;
                match buffered_value {
                    Some(bv) => bv.as_slice(),
                    None => return true,
                }
            }
            None => v,
        };
        if !f(k, value) {
            stopped = true;
            return false;
        }
        true
    })?;
    if !stopped {
        for (k, v) in &buffered[next..] {
            if let Some(v) = v {
                if !f(k, v) {
                    break;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Visitor<'v> = &'v mut dyn FnMut(&[u8], &[u8]) -> bool;

    fn base_visit<'a>(
        base: &'a [(&'a str, &'a str)],
    ) -> impl FnOnce(Visitor) -> Result<(), ()> + 'a {
        move |f| {
            for (k, v) in base {
                if !f(k.as_bytes(), v.as_bytes()) {
                    break;
                }
            }
            Ok(())
        }
    }

    fn merged(buffer: &WriteBuffer, base: &[(&str, &str)], stop_after: usize) -> Vec<String> {
        let buffered = buffer.range(Bound::Unbounded, Bound::Unbounded, usize::MAX);
        let mut out = Vec::new();
        visit_merged(&buffered, base_visit(base), &mut |k, v| {
            out.push(format!(
                "{}={}",
                String::from_utf8_lossy(k),
                String::from_utf8_lossy(v)
            ));
            out.len() < stop_after
        })
        .unwrap();
        out
    }

    #[test]
    fn newest_state_wins_and_deletes_hide_base_keys() {
        let mut b = WriteBuffer::default();
        b.put(b"b", Some(b"old"));
        b.put(b"d", None);
        b.put(b"x", Some(b"frozen"));
        b.frozen = Some(Arc::new(std::mem::take(&mut b.active)));
        b.put(b"b", Some(b"new"));
        b.put(b"c", Some(b"3"));
        b.put(b"x", None);
        assert_eq!(b.lookup(b"b"), Some(Some(&b"new"[..])));
        assert_eq!(b.lookup(b"d"), Some(None));
        assert_eq!(b.lookup(b"x"), Some(None), "active shadows frozen");
        assert_eq!(b.lookup(b"a"), None);
        let base = [
            ("a", "1"),
            ("b", "base"),
            ("d", "4"),
            ("e", "5"),
            ("x", "9"),
        ];
        assert_eq!(
            merged(&b, &base, usize::MAX),
            ["a=1", "b=new", "c=3", "e=5"]
        );
        assert_eq!(merged(&b, &base, 2), ["a=1", "b=new"]);
        assert_eq!(merged(&b, &[], usize::MAX), ["b=new", "c=3"]);
        assert_eq!(merged(&b, &base[..1], 2), ["a=1", "b=new"]);
        let r = b.range(Bound::Excluded(&b"b"[..]), Bound::Included(&b"d"[..]), 5);
        assert_eq!(
            r,
            vec![(b"c".to_vec(), Some(b"3".to_vec())), (b"d".to_vec(), None)]
        );
        // Up to the second put: the delete of `d` comes along, `x` does not.
        let keys =
            |r: Vec<BufferedPair>| -> Vec<Vec<u8>> { r.into_iter().map(|(k, _)| k).collect() };
        assert_eq!(
            keys(b.range(Bound::Unbounded, Bound::Unbounded, 2)),
            [b"b".to_vec(), b"c".to_vec()]
        );
        assert_eq!(
            keys(b.range(Bound::Unbounded, Bound::Unbounded, usize::MAX)),
            [b"b".to_vec(), b"c".to_vec(), b"d".to_vec(), b"x".to_vec()]
        );
        assert!(b.range(Bound::Unbounded, Bound::Unbounded, 0).is_empty());
        // A failed flush: the frozen entries go back under the newer ones.
        b.unfreeze();
        assert!(b.frozen.is_none());
        assert_eq!(b.lookup(b"b"), Some(Some(&b"new"[..])));
        assert_eq!(b.lookup(b"x"), Some(None));
        assert_eq!(b.lookup(b"d"), Some(None), "an older delete is kept");
        assert_eq!(b.active.len(), 4);
        assert_eq!(b.active_bytes, 1 + 3 + 1 + 1 + 1 + 1);
    }
}

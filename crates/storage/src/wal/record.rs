//! WAL framing and record payloads.
//!
//! Frame: `[len u32 LE][crc32c(payload) u32 LE][payload]`. A payload starts
//! with a record type byte. The only type so far is a commit:
//! `[1][version u64 LE][commit_ts i64 LE][n u32 LE]` followed by `n` writes
//! `[klen u32 LE][key][0]` (delete) or `[klen u32 LE][key][1][vlen u32 LE][value]` (put).

/// Bytes of the frame header.
pub const HEADER: usize = 8;
/// Largest payload accepted when reading (guards allocations on garbage).
pub const MAX_PAYLOAD: usize = 1 << 30;

const COMMIT: u8 = 1;

/// A decoded commit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRecord {
    /// Commit version (monotonic, one per writing transaction).
    pub version: u64,
    /// Commit time, microseconds since the Unix epoch.
    pub commit_ts_micros: i64,
    /// The transaction's writes: `None` deletes.
    pub writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

/// Frames `payload` for appending to the log.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Encodes a commit payload.
pub fn encode_commit<'a, I>(version: u64, ts: i64, writes: I) -> Vec<u8>
where
    I: ExactSizeIterator<Item = (&'a Vec<u8>, &'a Option<Vec<u8>>)>,
{
    let mut out = Vec::new();
    out.push(COMMIT);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&ts.to_le_bytes());
    out.extend_from_slice(&(writes.len() as u32).to_le_bytes());
    for (k, v) in writes {
        out.extend_from_slice(&(k.len() as u32).to_le_bytes());
        out.extend_from_slice(k);
        match v {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&(v.len() as u32).to_le_bytes());
                out.extend_from_slice(v);
            }
        }
    }
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (h, t) = self.0.split_at(n);
        self.0 = t;
        Some(h)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(u64::from_le_bytes(a))
    }
}

/// Decodes a commit payload; `None` if it is malformed.
pub fn decode_commit(payload: &[u8]) -> Option<CommitRecord> {
    let mut r = Reader(payload);
    if r.u8()? != COMMIT {
        return None;
    }
    let version = r.u64()?;
    let ts = r.u64()? as i64;
    let n = r.u32()? as usize;
    let mut writes = Vec::with_capacity(n.min(payload.len()));
    for _ in 0..n {
        let klen = r.u32()? as usize;
        let key = r.take(klen)?.to_vec();
        let value = match r.u8()? {
            0 => None,
            1 => {
                let vlen = r.u32()? as usize;
                Some(r.take(vlen)?.to_vec())
            }
            _ => return None,
        };
        writes.push((key, value));
    }
    if !r.0.is_empty() {
        return None;
    }
    Some(CommitRecord {
        version,
        commit_ts_micros: ts,
        writes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let w = vec![(b"a".to_vec(), Some(b"1".to_vec())), (b"b".to_vec(), None)];
        let p = encode_commit(7, 42, w.iter().map(|(k, v)| (k, v)));
        let r = decode_commit(&p).unwrap();
        assert_eq!(r.version, 7);
        assert_eq!(r.commit_ts_micros, 42);
        assert_eq!(r.writes, w);
        for i in 0..p.len() {
            let _ = decode_commit(&p[..i]);
        }
    }
}

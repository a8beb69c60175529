//! Torn and corrupted WAL tails: recovery never panics and keeps exactly the
//! commits whose records are intact.

use rampart_storage::{IsolationLevel, StorageError, Store, StoreOptions};
use std::fs;
use std::path::{Path, PathBuf};

const RC: IsolationLevel = IsolationLevel::ReadCommitted;

struct Image {
    _tmp: tempfile::TempDir,
    /// `data.redb` as of just after creation: the KV holds none of the commits,
    /// as after a crash before any checkpoint.
    kv: PathBuf,
    wal: PathBuf,
    format: PathBuf,
    /// End LSN of each commit.
    ends: Vec<u64>,
}

fn build(commits: u32, segment_bytes: u64) -> Image {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    let store = Store::open(
        &dir,
        StoreOptions {
            wal_segment_bytes: segment_bytes,
            ..Default::default()
        },
    )
    .unwrap();
    let kv = tmp.path().join("early.redb");
    fs::copy(dir.join("data.redb"), &kv).unwrap();
    let mut ends = Vec::new();
    for i in 0..commits {
        let mut t = store.begin(RC);
        t.set(format!("c{i:03}-a").as_bytes(), vec![i as u8; 5])
            .unwrap();
        t.set(format!("c{i:03}-b").as_bytes(), vec![i as u8; 7])
            .unwrap();
        ends.push(t.commit().unwrap().lsn);
    }
    drop(store);
    Image {
        kv,
        wal: dir.join("wal"),
        format: dir.join("FORMAT"),
        ends,
        _tmp: tmp,
    }
}

fn restore(img: &Image, to: &Path) {
    fs::create_dir_all(to.join("wal")).unwrap();
    fs::copy(&img.kv, to.join("data.redb")).unwrap();
    fs::copy(&img.format, to.join("FORMAT")).unwrap();
    for e in fs::read_dir(&img.wal).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join("wal").join(e.file_name())).unwrap();
    }
}

fn last_segment(dir: &Path) -> PathBuf {
    let mut v: Vec<PathBuf> = fs::read_dir(dir.join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v.pop().unwrap()
}

/// Number of intact commits, checking they form a prefix and are all-or-nothing.
fn surviving(store: &Store, total: u32) -> u32 {
    let t = store.begin(RC);
    let mut n = 0;
    for i in 0..total {
        let a = t.get(format!("c{i:03}-a").as_bytes()).unwrap();
        let b = t.get(format!("c{i:03}-b").as_bytes()).unwrap();
        assert_eq!(a.is_some(), b.is_some(), "commit {i} is torn");
        if let Some(a) = a {
            assert_eq!(n, i, "commits are not a prefix");
            assert_eq!(a, vec![i as u8; 5]);
            n += 1;
        }
    }
    n
}

fn expected_before(ends: &[u64], offset: u64) -> u32 {
    ends.iter().filter(|&&e| e <= offset).count() as u32
}

#[test]
fn truncated_tail_at_every_offset() {
    let img = build(12, 16 << 20);
    let total_len = *img.ends.last().unwrap();
    let from = img.ends[img.ends.len() - 4];
    for cut in from..=total_len {
        let tmp = tempfile::tempdir().unwrap();
        restore(&img, tmp.path());
        let seg = last_segment(tmp.path());
        fs::OpenOptions::new()
            .write(true)
            .open(&seg)
            .unwrap()
            .set_len(cut)
            .unwrap();
        let store = Store::open(tmp.path(), StoreOptions::default()).unwrap();
        assert_eq!(
            surviving(&store, 12),
            expected_before(&img.ends, cut),
            "cut at {cut}"
        );
        // The log continues cleanly after the truncation point.
        let mut t = store.begin(RC);
        t.set(b"after", b"1".to_vec()).unwrap();
        t.commit().unwrap();
        drop(store);
        let store = Store::open(tmp.path(), StoreOptions::default()).unwrap();
        assert_eq!(surviving(&store, 12), expected_before(&img.ends, cut));
        assert_eq!(store.begin(RC).get(b"after").unwrap(), Some(b"1".to_vec()));
    }
}

#[test]
fn flipped_bytes_keep_the_prefix_before_them() {
    let img = build(12, 16 << 20);
    let total_len = *img.ends.last().unwrap();
    let mut starts = vec![0];
    starts.extend(img.ends.iter().copied());
    for off in (0..total_len).step_by(7) {
        for mask in [0x01u8, 0xFF] {
            let tmp = tempfile::tempdir().unwrap();
            restore(&img, tmp.path());
            let seg = last_segment(tmp.path());
            let mut data = fs::read(&seg).unwrap();
            data[off as usize] ^= mask;
            fs::write(&seg, &data).unwrap();
            let store = Store::open(tmp.path(), StoreOptions::default()).unwrap();
            // Every record starting at or after the damaged one is dropped.
            let record_start = starts.iter().copied().filter(|&s| s <= off).max().unwrap();
            assert_eq!(
                surviving(&store, 12),
                expected_before(&img.ends, record_start),
                "flip at {off}"
            );
        }
    }
}

#[test]
fn corruption_before_later_segments_is_an_error() {
    let img = build(60, 512);
    let tmp = tempfile::tempdir().unwrap();
    restore(&img, tmp.path());
    let mut segs: Vec<PathBuf> = fs::read_dir(tmp.path().join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    segs.sort();
    assert!(segs.len() >= 3, "{segs:?}");
    let mut data = fs::read(&segs[0]).unwrap();
    data[20] ^= 0x40;
    fs::write(&segs[0], &data).unwrap();
    match Store::open(tmp.path(), StoreOptions::default()) {
        Err(StorageError::Corrupt { .. }) => {}
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // Garbage appended to the last segment is only a torn tail.
    let tmp = tempfile::tempdir().unwrap();
    restore(&img, tmp.path());
    let last = last_segment(tmp.path());
    let mut data = fs::read(&last).unwrap();
    data.extend_from_slice(&[0xAB; 13]);
    fs::write(&last, &data).unwrap();
    let store = Store::open(tmp.path(), StoreOptions::default()).unwrap();
    assert_eq!(surviving(&store, 60), 60);
}

#[test]
fn records_go_into_zero_filled_space() {
    let img = build(12, 16 << 20);
    let seg = last_segment(img.wal.parent().unwrap());
    let len = fs::metadata(&seg).unwrap().len();
    let records = *img.ends.last().unwrap();
    assert!(
        len > records,
        "the segment is zero-filled ahead of its {records} bytes of records (file is {len} bytes)"
    );
    let data = fs::read(&seg).unwrap();
    assert!(data[records as usize..].iter().all(|&b| b == 0));
    // Reopened, the log ends at the last record and continues there.
    let tmp = tempfile::tempdir().unwrap();
    restore(&img, tmp.path());
    let store = Store::open(tmp.path(), StoreOptions::default()).unwrap();
    assert_eq!(surviving(&store, 12), 12);
    let mut t = store.begin(RC);
    t.set(b"after", b"1".to_vec()).unwrap();
    assert!(t.commit().unwrap().lsn > records);
    drop(store);
    let store = Store::open(tmp.path(), StoreOptions::default()).unwrap();
    assert_eq!(surviving(&store, 12), 12);
    assert_eq!(store.begin(RC).get(b"after").unwrap(), Some(b"1".to_vec()));
}

#[test]
fn a_lost_record_header_never_lets_later_records_back() {
    // A crash persisted the records after commit 8 but not commit 8's frame
    // header: the log ends before commit 8, and what followed it is erased,
    // so that records written later at that position cannot line up with it.
    let img = build(12, 16 << 20);
    let tmp = tempfile::tempdir().unwrap();
    restore(&img, tmp.path());
    let seg = last_segment(tmp.path());
    let mut data = fs::read(&seg).unwrap();
    let start = img.ends[7] as usize;
    data[start..start + 8].fill(0);
    fs::write(&seg, &data).unwrap();
    let store = Store::open(tmp.path(), StoreOptions::default()).unwrap();
    assert_eq!(surviving(&store, 12), 8);
    // Commit 8 again, with a frame of the same length as the lost one: the
    // stale records 9..11 would follow it exactly if they were still there.
    let mut t = store.begin(RC);
    t.set(b"c008-a", vec![8; 5]).unwrap();
    t.set(b"c008-b", vec![8; 7]).unwrap();
    assert_eq!(t.commit().unwrap().lsn, img.ends[8]);
    drop(store);
    let store = Store::open(tmp.path(), StoreOptions::default()).unwrap();
    assert_eq!(surviving(&store, 12), 9);
}

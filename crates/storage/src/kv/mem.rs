//! Volatile in-memory engine: a `BTreeMap` under a lock.

use super::{KvEngine, KvPair, WriteBatch};
use crate::error::Result;
use parking_lot::RwLock;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

/// In-memory [`KvEngine`] for tests and the volatile store. Nothing is durable.
#[derive(Debug, Default)]
pub struct MemEngine {
    data: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
    meta: RwLock<HashMap<String, Vec<u8>>>,
}

impl MemEngine {
    /// An empty engine.
    pub fn new() -> Self {
        Self::default()
    }
}

impl KvEngine for MemEngine {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.data.read().get(key).cloned())
    }

    fn scan(&self, start: Bound<&[u8]>, end: Bound<&[u8]>, limit: usize) -> Result<Vec<KvPair>> {
        if super::range_is_empty(start, end) {
            return Ok(Vec::new());
        }
        let data = self.data.read();
        Ok(data
            .range::<[u8], _>((start, end))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn visit(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        f: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<()> {
        if super::range_is_empty(start, end) {
            return Ok(());
        }
        let data = self.data.read();
        for (k, v) in data.range::<[u8], _>((start, end)) {
            if !f(k, v) {
                break;
            }
        }
        Ok(())
    }

    fn apply(&self, batch: &WriteBatch, _durable: bool) -> Result<()> {
        let mut data = self.data.write();
        let mut meta = self.meta.write();
        for (k, v) in &batch.ops {
            match v {
                Some(v) => data.insert(k.clone(), v.clone()),
                None => data.remove(k),
            };
        }
        for (name, v) in &batch.meta {
            meta.insert((*name).to_string(), v.clone());
        }
        Ok(())
    }

    fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.meta.read().get(name).cloned())
    }
}

//! [`RelationMap`]: a database's relations by OID, shared between catalog
//! copies.
//!
//! Every DDL statement works on its own copy of the catalog and stores only
//! the relations it changed. With thousands of tables a deep copy of every
//! relation per statement (and a deep comparison to find what changed) cost
//! tens of milliseconds, so each relation sits behind an [`Arc`]: copying the
//! map copies pointers, changing a relation copies just that relation
//! ([`Arc::make_mut`]), and "unchanged" is a pointer comparison.
//!
//! Name lookups go through an index built on first use. Changes after that
//! are noted in a short list checked before the index (so copies share one
//! index); the index is rebuilt once the list grows long.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::Relation;

/// Changes noted before the name index is rebuilt: every lookup the index
/// cannot answer scans them, so few (a rebuild costs about a millisecond
/// per 10,000 relations).
const MAX_TOUCHED: usize = 16;

/// Relations by OID; cloning is shallow, mutation copies on write.
#[derive(Debug, Clone, Default)]
pub struct RelationMap {
    by_oid: BTreeMap<u32, Arc<Relation>>,
    names: OnceLock<Arc<NameIndex>>,
    /// OIDs added, changed or removed since `names` was built: the index may
    /// be wrong about exactly these.
    touched: Vec<u32>,
}

/// By schema OID: relation name → OID, and index name → OID of its table.
#[derive(Debug, Default)]
struct NameIndex {
    relations: HashMap<u32, HashMap<String, u32>>,
    indexes: HashMap<u32, HashMap<String, u32>>,
    /// Parent OID → OIDs of the tables inheriting from it.
    children: HashMap<u32, Vec<u32>>,
}

impl RelationMap {
    fn names(&self) -> &NameIndex {
        self.names.get_or_init(|| {
            let mut idx = NameIndex::default();
            for r in self.by_oid.values() {
                idx.relations
                    .entry(r.schema)
                    .or_default()
                    .insert(r.name.clone(), r.oid);
                for p in &r.inherits {
                    idx.children.entry(*p).or_default().push(r.oid);
                }
                for i in &r.indexes {
                    idx.indexes
                        .entry(r.schema)
                        .or_default()
                        .insert(i.name.clone(), r.oid);
                }
            }
            Arc::new(idx)
        })
    }

    /// Notes that `oid` is about to change.
    fn touch(&mut self, oid: u32) {
        if self.names.get().is_none() {
            self.touched.clear();
        } else if self.touched.len() >= MAX_TOUCHED {
            self.names = OnceLock::new();
            self.touched.clear();
        } else {
            self.touched.push(oid);
        }
    }

    /// The relation that `matches`: the index's candidate when it still
    /// matches (names are unique within a schema, so it is the one), else
    /// one of the relations changed since the index was built.
    fn find_named(
        &self,
        candidate: Option<u32>,
        matches: impl Fn(&Relation) -> bool,
    ) -> Option<&Relation> {
        candidate
            .iter()
            .chain(self.touched.iter())
            .filter_map(|oid| self.get(oid))
            .find(|r| matches(r))
    }

    /// The relation named `name` in schema `schema`.
    pub fn by_name(&self, schema: u32, name: &str) -> Option<&Relation> {
        let candidate = self
            .names()
            .relations
            .get(&schema)
            .and_then(|m| m.get(name))
            .copied();
        self.find_named(candidate, |r| r.schema == schema && r.name == name)
    }

    /// The table that has an index named `name` in schema `schema`.
    pub fn index_owner(&self, schema: u32, name: &str) -> Option<&Relation> {
        let candidate = self
            .names()
            .indexes
            .get(&schema)
            .and_then(|m| m.get(name))
            .copied();
        self.find_named(candidate, |r| {
            r.schema == schema && r.indexes.iter().any(|i| i.name == name)
        })
    }

    /// The tables that inherit directly from `parent`, in OID order (as
    /// PostgreSQL's find_inheritance_children).
    pub fn children_of(&self, parent: u32) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .names()
            .children
            .get(&parent)
            .into_iter()
            .flatten()
            .filter(|c| !self.touched.contains(c))
            .copied()
            .collect();
        for oid in &self.touched {
            if self.get(oid).is_some_and(|r| r.inherits.contains(&parent)) {
                out.push(*oid);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The relation with this OID.
    pub fn get(&self, oid: &u32) -> Option<&Relation> {
        self.by_oid.get(oid).map(|r| &**r)
    }

    /// The relation with this OID, for changing it (copied first when shared).
    pub fn get_mut(&mut self, oid: &u32) -> Option<&mut Relation> {
        self.touch(*oid);
        self.by_oid.get_mut(oid).map(Arc::make_mut)
    }

    /// Adds or replaces a relation.
    pub fn insert(&mut self, oid: u32, rel: Relation) {
        self.touch(oid);
        self.by_oid.insert(oid, Arc::new(rel));
    }

    /// Removes a relation, returning it.
    pub fn remove(&mut self, oid: &u32) -> Option<Relation> {
        self.touch(*oid);
        self.by_oid.remove(oid).map(Arc::unwrap_or_clone)
    }

    /// Whether a relation with this OID exists.
    pub fn contains_key(&self, oid: &u32) -> bool {
        self.by_oid.contains_key(oid)
    }

    /// Number of relations.
    pub fn len(&self) -> usize {
        self.by_oid.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_oid.is_empty()
    }

    /// OIDs in ascending order.
    pub fn keys(&self) -> impl Iterator<Item = &u32> + '_ {
        self.by_oid.keys()
    }

    /// Relations in OID order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Relation> + '_ {
        self.by_oid.values().map(|r| &**r)
    }

    /// (OID, relation) pairs in OID order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&u32, &Relation)> + '_ {
        self.by_oid.iter().map(|(k, r)| (k, &**r))
    }

    /// Applies `change` to the relations `matches` selects, copying only those.
    pub fn update_where(
        &mut self,
        matches: impl Fn(&Relation) -> bool,
        mut change: impl FnMut(&mut Relation),
    ) {
        let hits: Vec<u32> = self
            .by_oid
            .iter()
            .filter(|(_, r)| matches(r))
            .map(|(oid, _)| *oid)
            .collect();
        for oid in hits {
            if let Some(r) = self.get_mut(&oid) {
                change(r);
            }
        }
    }

    /// OIDs whose entries differ between `before` and `self` (added or
    /// changed), and OIDs present only in `before` (removed). One ordered
    /// pass over both maps; shared entries compare by pointer.
    pub fn changes_since(&self, before: &RelationMap) -> (Vec<u32>, Vec<u32>) {
        let (mut changed, mut removed) = (Vec::new(), Vec::new());
        let mut old = before.by_oid.iter().peekable();
        for (oid, rel) in &self.by_oid {
            while let Some((o, _)) = old.next_if(|(o, _)| *o < oid) {
                removed.push(*o);
            }
            match old.next_if(|(o, _)| *o == oid) {
                Some((_, prev)) if Arc::ptr_eq(prev, rel) || prev == rel => {}
                _ => changed.push(*oid),
            }
        }
        removed.extend(old.map(|(o, _)| *o));
        (changed, removed)
    }
}

impl std::ops::Index<&u32> for RelationMap {
    type Output = Relation;

    fn index(&self, oid: &u32) -> &Relation {
        &self.by_oid[oid]
    }
}

impl FromIterator<(u32, Relation)> for RelationMap {
    fn from_iter<I: IntoIterator<Item = (u32, Relation)>>(iter: I) -> Self {
        RelationMap {
            by_oid: iter.into_iter().map(|(k, r)| (k, Arc::new(r))).collect(),
            names: OnceLock::new(),
            touched: Vec::new(),
        }
    }
}

/// Stored exactly as the `BTreeMap<u32, Relation>` it replaced, so existing
/// data directories read back unchanged.
impl Serialize for RelationMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.by_oid.iter().map(|(k, r)| (k, &**r)))
    }
}

impl<'de> Deserialize<'de> for RelationMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let plain = BTreeMap::<u32, Relation>::deserialize(d)?;
        Ok(plain.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Index, RelationKind};

    fn rel(oid: u32, name: &str) -> Relation {
        Relation {
            oid,
            schema: 2200,
            name: name.into(),
            kind: RelationKind::Table,
            columns: vec![],
            indexes: vec![Index {
                oid: oid + 1,
                name: format!("{name}_pkey"),
                columns: vec![0],
                unique: true,
                primary: true,
                constraint_oid: None,
            }],
            checks: vec![],
            foreign_keys: vec![],
            rls_enabled: false,
            rls_forced: false,
            inherits: vec![],
            partition_key: None,
            partition_bound: None,
            system_column_acl: vec![],
            statistics: Default::default(),
            policies: vec![],
            owner: 10,
            acl: None,
            options: vec![],
        }
    }

    #[test]
    fn name_index_follows_changes() {
        let mut m: RelationMap = [(1, rel(1, "a")), (3, rel(3, "b"))].into_iter().collect();
        assert_eq!(m.by_name(2200, "a").map(|r| r.oid), Some(1));
        assert_eq!(m.index_owner(2200, "b_pkey").map(|r| r.oid), Some(3));
        m.get_mut(&1).unwrap().name = "renamed".into();
        assert!(m.by_name(2200, "a").is_none());
        assert_eq!(m.by_name(2200, "renamed").map(|r| r.oid), Some(1));
        m.remove(&3);
        assert!(m.index_owner(2200, "b_pkey").is_none());
        m.insert(5, rel(5, "c"));
        assert_eq!(m.by_name(2200, "c").map(|r| r.oid), Some(5));
        assert!(m.by_name(11, "c").is_none());
        // Names passed from one relation to another after the index was built.
        m.get_mut(&5).unwrap().name = "gone".into();
        m.get_mut(&1).unwrap().name = "c".into();
        assert_eq!(m.by_name(2200, "c").map(|r| r.oid), Some(1));
        assert!(m.by_name(2200, "renamed").is_none());
        // Past the change list's limit the index is rebuilt; lookups stay right.
        let copy = m.clone();
        for o in 100..(100 + 2 * MAX_TOUCHED as u32) {
            m.insert(o, rel(o, &format!("n{o}")));
            assert_eq!(m.by_name(2200, &format!("n{o}")).map(|r| r.oid), Some(o));
        }
        let mid = 100 + MAX_TOUCHED as u32;
        let pkey = format!("n{mid}_pkey");
        assert_eq!(m.index_owner(2200, &pkey).map(|r| r.oid), Some(mid));
        assert_eq!(m.by_name(2200, "gone").map(|r| r.oid), Some(5));
        // The copy taken before shares nothing it should not.
        assert!(copy.by_name(2200, &format!("n{mid}")).is_none());
        assert_eq!(copy.by_name(2200, "c").map(|r| r.oid), Some(1));
    }

    #[test]
    fn changes_since_finds_added_changed_removed() {
        let before: RelationMap = (1..=6).map(|o| (o, rel(o, &format!("t{o}")))).collect();
        let mut after = before.clone();
        after.remove(&1);
        after.remove(&6);
        after.get_mut(&3).unwrap().name = "x".into();
        after.insert(9, rel(9, "new"));
        // Replaced by an equal value: not a change.
        after.insert(4, rel(4, "t4"));
        assert_eq!(after.changes_since(&before), (vec![3, 9], vec![1, 6]));
        assert_eq!(before.changes_since(&before.clone()), (vec![], vec![]));
    }
}

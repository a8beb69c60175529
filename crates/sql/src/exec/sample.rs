//! TABLESAMPLE's samplers, PostgreSQL's BERNOULLI and SYSTEM.
//!
//! PostgreSQL decides per tuple (BERNOULLI: a hash of block number, line
//! number and seed) or per page (SYSTEM: a hash of block number and seed).
//! Rampart stores rows in a KV tree, not in pages, so each row is given the
//! position it would have in a freshly filled PostgreSQL heap: rows in
//! storage order (the order they were inserted), each taking its estimated
//! heap tuple size plus a line pointer in 8 kB pages. For a table that was
//! only inserted into, REPEATABLE samples pick the rows PostgreSQL picks;
//! after updates and deletes PostgreSQL's tuples move and the samples differ
//! (each is still a sample of the requested size, which is all either
//! server promises).

use rampart_types::{DataType, PgError, PgResult, SqlState, Value};

use super::{Exec, Row};
use crate::pg_hash::{hash_float8, hash_words};
use crate::plan::{SampleMethod, TableSample};

/// PostgreSQL's page size and page header size.
const PAGE_SIZE: usize = 8192;
const PAGE_HEADER: usize = 24;
/// A line pointer per tuple.
const LINE_POINTER: usize = 4;
/// MaxHeapTuplesPerPage for 8 kB pages.
const MAX_TUPLES_PER_PAGE: usize = 291;
/// Above this PostgreSQL compresses or moves values out of line (TOAST).
const TOAST_THRESHOLD: usize = 2032;

/// A sampler with its evaluated arguments.
pub(crate) struct Sampler {
    method: SampleMethod,
    cutoff: u64,
    seed: u32,
}

impl Sampler {
    /// Whether the tuple at (`block`, `offset`) (offsets from 1) is in the sample.
    pub(crate) fn keeps(&self, block: u32, offset: u32) -> bool {
        let hash = match self.method {
            SampleMethod::Bernoulli => hash_words(&[block, offset, self.seed]),
            SampleMethod::System => hash_words(&[block, self.seed]),
        };
        u64::from(hash) < self.cutoff
    }
}

impl Exec<'_> {
    /// Evaluates a TABLESAMPLE clause's arguments once per scan, with
    /// PostgreSQL's errors.
    pub(crate) fn sampler(&mut self, spec: &TableSample) -> PgResult<Sampler> {
        let percent = match self.eval(&spec.percent, &[])? {
            Value::Null => {
                return Err(PgError::new(
                    SqlState("2202H"),
                    "TABLESAMPLE parameter cannot be null",
                ))
            }
            Value::Float4(p) => f64::from(p),
            Value::Float8(p) => p,
            other => return Err(PgError::internal(format!("TABLESAMPLE argument {other:?}"))),
        };
        if !(0.0..=100.0).contains(&percent) {
            return Err(PgError::new(
                SqlState("2202H"),
                "sample percentage must be between 0 and 100",
            ));
        }
        let seed = match &spec.repeatable {
            None => super::eval::rand_u64() as u32,
            Some(e) => match self.eval(e, &[])? {
                Value::Null => {
                    return Err(PgError::new(
                        SqlState("2202G"),
                        "TABLESAMPLE REPEATABLE parameter cannot be null",
                    ))
                }
                Value::Float8(f) => hash_float8(f),
                other => return Err(PgError::internal(format!("REPEATABLE argument {other:?}"))),
            },
        };
        let cutoff = ((f64::from(u32::MAX) + 1.0) * percent / 100.0).round_ties_even() as u64;
        Ok(Sampler {
            method: spec.method,
            cutoff,
            seed,
        })
    }

    /// The rows of `table` (in storage order) the sample keeps.
    pub(crate) fn sample_rows(
        &mut self,
        table: u32,
        spec: &TableSample,
        rows: Vec<(u64, Row)>,
    ) -> PgResult<Vec<(u64, Row)>> {
        let sampler = self.sampler(spec)?;
        let types: Vec<DataType> = self
            .catalog
            .relation_by_oid(table)
            .map(|r| r.columns.iter().map(|c| c.ty.clone()).collect())
            .unwrap_or_default();
        let mut pages = HeapPages::default();
        Ok(rows
            .into_iter()
            .filter(|(_, row)| {
                let (block, offset) = pages.place(heap_tuple_len(row, &types));
                sampler.keeps(block, offset)
            })
            .collect())
    }
}

/// Places tuples into 8 kB pages as PostgreSQL's heap inserts fill them:
/// into the current target page while it has room; when it has not, its
/// free space goes into the free space map (in 32-byte steps) and the first
/// recorded page with enough room at or after the map's search start
/// (wrapping) becomes the target; with none, a new page.
#[derive(Default)]
struct HeapPages {
    /// Bytes used and tuples per page.
    pages: Vec<(usize, usize)>,
    /// Free-space category recorded per page (None: never recorded).
    fsm: Vec<Option<usize>>,
    target: usize,
    next_slot: usize,
}

/// The free space map's granularity.
const FSM_STEP: usize = 32;

impl HeapPages {
    /// The (block, line number) the next tuple of `len` bytes lands on.
    fn place(&mut self, len: usize) -> (u32, u32) {
        let need = maxalign(len.min(TOAST_THRESHOLD));
        if self.pages.is_empty() {
            self.pages.push((0, 0));
            self.fsm.push(None);
        }
        loop {
            let (used, tuples) = self.pages[self.target];
            let avail = if tuples >= MAX_TUPLES_PER_PAGE {
                0
            } else {
                (PAGE_SIZE - PAGE_HEADER - used).saturating_sub(LINE_POINTER)
            };
            if need <= avail {
                let page = &mut self.pages[self.target];
                page.0 += need + LINE_POINTER;
                page.1 += 1;
                return (self.target as u32, page.1 as u32);
            }
            self.fsm[self.target] = Some(avail / FSM_STEP);
            let wanted = need.div_ceil(FSM_STEP);
            let n = self.fsm.len();
            let found = (0..n)
                .map(|k| (self.next_slot + k) % n)
                .find(|&p| self.fsm[p].is_some_and(|c| c >= wanted));
            match found {
                Some(p) => {
                    self.target = p;
                    self.next_slot = p + 1;
                }
                None => {
                    self.pages.push((0, 0));
                    self.fsm.push(None);
                    self.target = self.pages.len() - 1;
                }
            }
        }
    }
}

fn maxalign(n: usize) -> usize {
    (n + 7) & !7
}

fn align(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// A row's size as a PostgreSQL heap tuple: the 23-byte header (and null
/// bitmap) padded to 8, then each non-null value at its type's alignment.
fn heap_tuple_len(row: &[Value], types: &[DataType]) -> usize {
    let bitmap = if row.iter().any(Value::is_null) {
        row.len().div_ceil(8)
    } else {
        0
    };
    let mut off = 0;
    for (i, v) in row.iter().enumerate() {
        if v.is_null() {
            continue;
        }
        let (alignment, len) = datum_layout(v, types.get(i));
        off = align(off, alignment) + len;
    }
    maxalign(23 + bitmap) + off
}

/// How many 8 kB pages `rows` would fill in a PostgreSQL heap (`relpages`).
pub(crate) fn heap_pages<'r>(rows: impl Iterator<Item = &'r [Value]>, types: &[DataType]) -> i32 {
    let mut pages = HeapPages::default();
    let mut last = None;
    for row in rows {
        last = Some(pages.place(heap_tuple_len(row, types)));
    }
    pages.pages.len() as i32 * i32::from(last.is_some())
}

/// The bytes a value takes in a PostgreSQL heap tuple (a variable-width
/// value's with its header).
pub(crate) fn stored_datum_len(v: &Value, ty: Option<&DataType>) -> usize {
    datum_layout(v, ty).1
}

/// (alignment, stored length) of one value: fixed-width types by their
/// typlen/typalign, variable-width ones with a 1-byte header when short.
fn datum_layout(v: &Value, ty: Option<&DataType>) -> (usize, usize) {
    if v.is_null() {
        return (1, 0);
    }
    // Fixed-width types by their pg_type typlen and typalign.
    let ty = ty.cloned().unwrap_or_else(|| v.data_type());
    if let Ok(len) = usize::try_from(ty.typlen()) {
        let alignment = match ty.typalign() {
            'c' => 1,
            's' => 2,
            'd' => 8,
            _ => 4,
        };
        return (alignment, len);
    }
    let varlena = |payload: usize| {
        if payload < 127 {
            (1, payload + 1)
        } else {
            (4, payload + 4)
        }
    };
    match v {
        Value::Numeric(d) => {
            // Base-10000 digit groups of the integer and fraction parts.
            let text = d.abs().to_string();
            let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
            let int = int.trim_start_matches('0');
            let groups = int.len().div_ceil(4) + frac.trim_end_matches('0').len().div_ceil(4);
            varlena(2 + 2 * groups)
        }
        Value::Bytea(b) => varlena(b.len()),
        Value::Array(items) => {
            let elems: usize = items
                .iter()
                .filter(|e| !e.is_null())
                .map(|e| datum_layout(e, None).1)
                .sum();
            varlena(24 + elems)
        }
        other => varlena(other.to_pg_text().map_or(0, |t| t.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_rows_share_the_first_page_in_order() {
        let mut pages = HeapPages::default();
        for i in 1..=10 {
            assert_eq!(pages.place(40), (0, i));
        }
    }

    #[test]
    fn a_page_holds_what_postgresql_fits() {
        // int4 rows: 28-byte tuples, 32 with alignment, 36 with the line
        // pointer: PostgreSQL fits 226 per page (8168 / 36).
        let row = vec![Value::Int4(1)];
        let len = heap_tuple_len(&row, &[DataType::Int4]);
        assert_eq!(len, 28);
        let mut pages = HeapPages::default();
        let mut last = (0, 0);
        for _ in 0..227 {
            last = pages.place(len);
        }
        assert_eq!(last, (1, 1));
    }

    #[test]
    fn a_small_row_goes_back_to_a_page_the_free_space_map_knows() {
        let mut pages = HeapPages::default();
        for i in 1..=5 {
            assert_eq!(pages.place(1500), (0, i));
        }
        // 644 bytes stay free on page 0, too few for 2000: a new page.
        for i in 1..=4 {
            assert_eq!(pages.place(2000), (1, i));
        }
        // Page 1 is full; the map knows page 0 has room for 600.
        assert_eq!(pages.place(600), (0, 6));
    }

    #[test]
    fn values_take_their_type_alignment() {
        let row = vec![Value::Bool(true), Value::Int8(1), Value::Text("ab".into())];
        let types = [DataType::Bool, DataType::Int8, DataType::Text];
        // 24 header, bool at 0, int8 at 8..16, short text 3 bytes.
        assert_eq!(heap_tuple_len(&row, &types), 24 + 16 + 3);
    }
}

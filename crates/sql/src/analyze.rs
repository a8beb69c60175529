//! ANALYZE: per-column statistics computed as PostgreSQL 15's
//! `compute_scalar_stats` does (null fraction, average width, distinct
//! estimate, most common values with the same cut-off rule, histogram
//! bounds, correlation), over all rows of a table of up to 30,000 rows and
//! over a random sample of 30,000 beyond. They are kept in the catalog and
//! shown by `pg_stats` with PostgreSQL's filter: only columns the reader may
//! SELECT, and nothing for a table whose policies apply to the reader.
//!
//! Partial: array element statistics (`most_common_elems`, …) and
//! inheritance-tree statistics (`inherited = true`) are not computed; `json`
//! has no ordering, so it gets only the null fraction and width (as
//! PostgreSQL's trivial statistics).

use std::cmp::Ordering;

use rampart_catalog::{ColumnStatistics, Relation};
use rampart_types::{DataType, Value};

use crate::exec::Row;
use crate::sysview::{Col, SysView};

/// `pg_stats`: the statistics of the columns the reader may see.
pub const VIEW: SysView = SysView {
    name: "pg_stats",
    oid: 12053,
    columns: &[
        ("schemaname", Col::T(DataType::Name)),
        ("tablename", Col::T(DataType::Name)),
        ("attname", Col::T(DataType::Name)),
        ("inherited", Col::T(DataType::Bool)),
        ("null_frac", Col::T(DataType::Float4)),
        ("avg_width", Col::T(DataType::Int4)),
        ("n_distinct", Col::T(DataType::Float4)),
        // anyarray in PostgreSQL: the values' text forms here.
        ("most_common_vals", Col::ArrayOf(DataType::Text)),
        ("most_common_freqs", Col::ArrayOf(DataType::Float4)),
        ("histogram_bounds", Col::ArrayOf(DataType::Text)),
        ("correlation", Col::T(DataType::Float4)),
        ("most_common_elems", Col::ArrayOf(DataType::Text)),
        ("most_common_elem_freqs", Col::ArrayOf(DataType::Float4)),
        ("elem_count_histogram", Col::ArrayOf(DataType::Float4)),
    ],
    superuser_only: false,
};

/// pg_stats' rows for `reader`: as PostgreSQL's view, only columns it has
/// SELECT on, and no rows of a table whose row-level security applies to it
/// (statistics would show values the policies hide).
pub fn view_rows(
    cat: &rampart_catalog::Catalog,
    reader: &rampart_security::Principal,
    rls_user: u32,
) -> Vec<Row> {
    let text_array =
        |v: &[String]| Value::Array(v.iter().map(|s| Value::Text(s.clone())).collect());
    let mut out = Vec::new();
    for rel in cat.relations.values() {
        if rel.statistics.columns.is_empty()
            || (rel.rls_enabled && rampart_security::rls::applies(cat, rel, rls_user))
        {
            continue;
        }
        let schema = cat
            .schema_by_oid(rel.schema)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        for st in &rel.statistics.columns {
            if rel.column_index(&st.column).is_none() {
                continue;
            }
            let need = rampart_security::Need::relation(
                rel.oid,
                rampart_security::Privilege::Select,
                vec![st.column.clone()],
            );
            if !rampart_security::allowed(&need, reader, cat) {
                continue;
            }
            let (mcv, freqs) = match &st.most_common {
                Some((v, f)) => (
                    text_array(v),
                    Value::Array(f.iter().map(|x| Value::Float4(*x)).collect()),
                ),
                None => (Value::Null, Value::Null),
            };
            out.push(vec![
                Value::Text(schema.clone()),
                Value::Text(rel.name.clone()),
                Value::Text(st.column.clone()),
                Value::Bool(false),
                Value::Float4(st.null_frac),
                Value::Int4(st.avg_width),
                Value::Float4(st.n_distinct),
                mcv,
                freqs,
                st.histogram_bounds
                    .as_deref()
                    .map_or(Value::Null, text_array),
                st.correlation.map_or(Value::Null, Value::Float4),
                Value::Null,
                Value::Null,
                Value::Null,
            ]);
        }
    }
    out
}

/// Gathers and stores statistics for `tables` (their rows as the
/// session's transaction sees them), for the listed columns only when a
/// table lists some (the others keep theirs); relations other than tables
/// with rows of their own are skipped.
pub fn run(
    s: &mut crate::session::Session,
    tables: &[(u32, Vec<String>)],
) -> rampart_types::PgResult<()> {
    crate::ddl::with_catalog_mut(s, |cat, txn, _s| {
        for (oid, only) in tables {
            let Some(rel) = cat.relations.get(oid) else {
                continue;
            };
            if !matches!(rel.kind, rampart_catalog::RelationKind::Table)
                || rel.partition_key.is_some()
            {
                continue;
            }
            let mut rows = crate::exec::table::scan_all(txn, *oid)?;
            let total = rows.len();
            let types: Vec<DataType> = rel.columns.iter().map(|c| c.ty.clone()).collect();
            let pages = crate::exec::heap_pages(rows.iter().map(|r| r.1.as_slice()), &types);
            let picks = sample_positions(total, crate::exec::eval::rand_u64);
            let sample: Vec<Row> = picks
                .into_iter()
                .map(|i| std::mem::take(&mut rows[i].1))
                .collect();
            let fresh = table_statistics(rel, &sample, total);
            let listed = |c: &str| only.is_empty() || only.iter().any(|o| o == c);
            let mut columns: Vec<ColumnStatistics> = rel
                .statistics
                .columns
                .iter()
                .filter(|st| fresh.is_empty() || !listed(&st.column))
                .cloned()
                .collect();
            // As PostgreSQL: an empty table keeps the column statistics it had.
            columns.extend(fresh.into_iter().filter(|st| listed(&st.column)));
            columns.sort_by_key(|st| rel.column_index(&st.column));
            if let Some(rel) = cat.relations.get_mut(oid) {
                // A PostgreSQL heap keeps its pages when rows go (until a
                // VACUUM truncates empty ones at its end): never fewer here.
                let pages = pages.max(rel.statistics.pages);
                rel.statistics = rampart_catalog::TableStatistics {
                    tuples: Some(total as f32),
                    pages,
                    columns,
                };
            }
        }
        Ok(())
    })
}

/// PostgreSQL's default statistics target.
const STATISTICS_TARGET: usize = 100;
/// ANALYZE samples 300 × the target rows.
pub const SAMPLE_ROWS: usize = 300 * STATISTICS_TARGET;
/// Values wider than this are left out of the value statistics.
const WIDTH_THRESHOLD: usize = 1024;

/// Statistics for every column of `rel` from `sample` (rows in storage
/// order) out of `total_rows` rows.
pub fn table_statistics(
    rel: &Relation,
    sample: &[Row],
    total_rows: usize,
) -> Vec<ColumnStatistics> {
    // No rows, no statistics (PostgreSQL stores none for an empty table).
    if sample.is_empty() {
        return vec![];
    }
    rel.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let values: Vec<&Value> = sample
                .iter()
                .map(|r| r.get(i).unwrap_or(&Value::Null))
                .collect();
            column_statistics(&c.name, &c.ty, &values, total_rows as f64)
        })
        .collect()
}

/// Picks which rows ANALYZE reads: all when there are few, else a random
/// `SAMPLE_ROWS` of them (kept in storage order, as PostgreSQL sorts its
/// sample by position).
pub fn sample_positions(total: usize, mut random: impl FnMut() -> u64) -> Vec<usize> {
    if total <= SAMPLE_ROWS {
        return (0..total).collect();
    }
    // Reservoir sampling (Algorithm R).
    let mut chosen: Vec<usize> = (0..SAMPLE_ROWS).collect();
    for i in SAMPLE_ROWS..total {
        let j = (random() % (i as u64 + 1)) as usize;
        if j < SAMPLE_ROWS {
            chosen[j] = i;
        }
    }
    chosen.sort_unstable();
    chosen
}

/// One column's statistics from its sampled values.
pub fn column_statistics(
    name: &str,
    ty: &DataType,
    sample: &[&Value],
    total_rows: f64,
) -> ColumnStatistics {
    let sample_rows = sample.len();
    let mut stats = ColumnStatistics {
        column: name.to_string(),
        null_frac: 0.0,
        avg_width: 0,
        n_distinct: 0.0,
        most_common: None,
        histogram_bounds: None,
        correlation: None,
    };
    if sample_rows == 0 {
        return stats;
    }
    let mut nulls = 0usize;
    let mut too_wide = 0usize;
    let mut total_width = 0f64;
    // Variable-width (varlena) values are measured with their header.
    let variable = ty.typlen() == -1;
    // (value, position among the non-null, not-too-wide values)
    let mut values: Vec<(&Value, usize)> = Vec::with_capacity(sample_rows);
    for v in sample {
        if v.is_null() {
            nulls += 1;
            continue;
        }
        let width = crate::exec::stored_datum_len(v, Some(ty));
        total_width += width as f64;
        // A header of 4 bytes on the raw value, as PostgreSQL measures it.
        if variable && width.saturating_sub(1) + 4 > WIDTH_THRESHOLD {
            too_wide += 1;
            continue;
        }
        let position = values.len();
        values.push((v, position));
    }
    let nonnull = sample_rows - nulls;
    let null_frac = nulls as f64 / sample_rows as f64;
    stats.null_frac = null_frac as f32;
    stats.avg_width = if nonnull == 0 {
        if variable {
            0
        } else {
            i32::from(ty.typlen())
        }
    } else if variable {
        (total_width / nonnull as f64) as i32
    } else {
        i32::from(ty.typlen())
    };
    if nonnull == 0 {
        stats.null_frac = 1.0;
        return stats;
    }
    if matches!(ty, DataType::Json) {
        // No ordering: PostgreSQL's trivial statistics.
        return stats;
    }
    if values.is_empty() {
        stats.n_distinct = -(1.0 - null_frac) as f32;
        return stats;
    }
    values.sort_by(|a, b| a.0.total_cmp(b.0).then(a.1.cmp(&b.1)));
    let values_cnt = values.len();

    // Groups of equal values; the most common (count > 1) tracked as
    // PostgreSQL does: by count, earlier (smaller) values first on ties.
    let mut track: Vec<(usize, usize)> = Vec::new(); // (count, first index)
    let (mut ndistinct, mut nmultiple) = (0usize, 0usize);
    let mut corr_xysum = 0f64;
    let mut start = 0;
    for i in 0..values_cnt {
        corr_xysum += i as f64 * values[i].1 as f64;
        let last_of_group =
            i + 1 == values_cnt || values[i + 1].0.total_cmp(values[i].0) != Ordering::Equal;
        if !last_of_group {
            continue;
        }
        let dups = i + 1 - start;
        ndistinct += 1;
        if dups > 1 {
            nmultiple += 1;
            let full = track.len() >= STATISTICS_TARGET;
            if !full || dups > track.last().map_or(0, |t| t.0) {
                if full {
                    track.pop();
                }
                let at = track.iter().position(|t| dups > t.0).unwrap_or(track.len());
                track.insert(at, (dups, start));
            }
        }
        start = i + 1;
    }

    let mut stadistinct = if nmultiple == 0 {
        -(1.0 - null_frac)
    } else if too_wide == 0 && nmultiple == ndistinct {
        ndistinct as f64
    } else {
        // The Haas-Stokes estimator, as PostgreSQL.
        let f1 = (ndistinct - nmultiple + too_wide) as f64;
        let d = f1 + nmultiple as f64;
        let n = (sample_rows - nulls) as f64;
        let big_n = total_rows * (1.0 - null_frac);
        let mut est = if big_n > 0.0 {
            (n * d) / ((n - f1) + f1 * n / big_n)
        } else {
            0.0
        };
        if est < d {
            est = d;
        }
        if est > big_n {
            est = big_n;
        }
        (est + 0.5).floor()
    };
    if stadistinct > 0.1 * total_rows {
        stadistinct = -(stadistinct / total_rows);
    }
    stats.n_distinct = stadistinct as f32;

    let mut num_mcv = STATISTICS_TARGET;
    if track.len() == ndistinct && too_wide == 0 && stadistinct > 0.0 && track.len() <= num_mcv {
        num_mcv = track.len();
    } else {
        num_mcv = num_mcv.min(track.len());
        if num_mcv > 0 {
            let counts: Vec<usize> = track[..num_mcv].iter().map(|t| t.0).collect();
            num_mcv = mcv_cutoff(&counts, stadistinct, null_frac, sample_rows, total_rows);
        }
    }
    let text = |v: &Value| v.to_pg_text().unwrap_or_default();
    if num_mcv > 0 {
        stats.most_common = Some((
            track[..num_mcv]
                .iter()
                .map(|t| text(values[t.1].0))
                .collect(),
            track[..num_mcv]
                .iter()
                .map(|t| (t.0 as f64 / sample_rows as f64) as f32)
                .collect(),
        ));
    }

    // Histogram over the values not in the MCV list.
    let mut num_hist = ndistinct - num_mcv;
    if num_hist > STATISTICS_TARGET {
        num_hist = STATISTICS_TARGET + 1;
    }
    if num_hist >= 2 {
        let mut mcv_groups: Vec<(usize, usize)> = track[..num_mcv].to_vec();
        mcv_groups.sort_by_key(|t| t.1);
        let mut rest: Vec<&Value> = Vec::with_capacity(values_cnt);
        let mut next = 0;
        let mut src = 0;
        while src < values_cnt {
            if let Some(&(count, first)) = mcv_groups.get(next) {
                if src >= first {
                    src = first + count;
                    next += 1;
                    continue;
                }
                rest.extend(values[src..first].iter().map(|v| v.0));
                src = first;
            } else {
                rest.extend(values[src..].iter().map(|v| v.0));
                src = values_cnt;
            }
        }
        let nvals = rest.len();
        let delta = (nvals - 1) / (num_hist - 1);
        let delta_frac = (nvals - 1) % (num_hist - 1);
        let (mut pos, mut pos_frac) = (0, 0);
        let mut bounds = Vec::with_capacity(num_hist);
        for _ in 0..num_hist {
            bounds.push(text(rest[pos]));
            pos += delta;
            pos_frac += delta_frac;
            if pos_frac >= num_hist - 1 {
                pos += 1;
                pos_frac -= num_hist - 1;
            }
        }
        stats.histogram_bounds = Some(bounds);
    }

    if values_cnt > 1 {
        let n = values_cnt as f64;
        let xsum = (n - 1.0) * n / 2.0;
        let x2sum = (n - 1.0) * n * (2.0 * n - 1.0) / 6.0;
        stats.correlation =
            Some(((n * corr_xysum - xsum * xsum) / (n * x2sum - xsum * xsum)) as f32);
    }
    stats
}

/// PostgreSQL's analyze_mcv_list: keeps the values significantly more
/// common than the average of the rest.
fn mcv_cutoff(
    counts: &[usize],
    stadistinct: f64,
    null_frac: f64,
    sample_rows: usize,
    total_rows: f64,
) -> usize {
    let mut num_mcv = counts.len();
    if sample_rows as f64 == total_rows || total_rows <= 1.0 {
        return num_mcv;
    }
    let ndistinct_table = if stadistinct < 0.0 {
        -stadistinct * total_rows
    } else {
        stadistinct
    };
    let mut sumcount: f64 = counts[..num_mcv - 1].iter().map(|&c| c as f64).sum();
    while num_mcv > 0 {
        let mut selec = (1.0 - sumcount / sample_rows as f64 - null_frac).clamp(0.0, 1.0);
        let other_distinct = ndistinct_table - (num_mcv as f64 - 1.0);
        if other_distinct > 1.0 {
            selec /= other_distinct;
        }
        let big_n = total_rows;
        let n = sample_rows as f64;
        let count = counts[num_mcv - 1] as f64;
        let k = big_n * count / n;
        let variance = n * k * (big_n - k) * (big_n - n) / (big_n * big_n * (big_n - 1.0));
        let stddev = variance.sqrt();
        if count > selec * n + 2.0 * stddev + 0.5 {
            break;
        }
        num_mcv -= 1;
        if num_mcv == 0 {
            break;
        }
        sumcount -= counts[num_mcv - 1] as f64;
    }
    num_mcv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(ty: DataType, vals: &[Value]) -> ColumnStatistics {
        let refs: Vec<&Value> = vals.iter().collect();
        column_statistics("c", &ty, &refs, vals.len() as f64)
    }

    #[test]
    fn distinct_values_have_no_mcv_and_a_histogram() {
        let vals: Vec<Value> = (1..=5).map(Value::Int4).collect();
        let s = stats(DataType::Int4, &vals);
        assert_eq!(s.n_distinct, -1.0);
        assert_eq!(s.most_common, None);
        assert_eq!(
            s.histogram_bounds,
            Some(vec![
                "1".into(),
                "2".into(),
                "3".into(),
                "4".into(),
                "5".into()
            ])
        );
        assert_eq!(s.correlation, Some(1.0));
        assert_eq!(s.avg_width, 4);
    }

    #[test]
    fn repeated_values_are_all_mcvs_when_they_cover_the_column() {
        let vals = vec![
            Value::Text("b".into()),
            Value::Text("a".into()),
            Value::Text("b".into()),
            Value::Null,
            Value::Text("a".into()),
            Value::Text("b".into()),
        ];
        let s = stats(DataType::Text, &vals);
        assert_eq!(s.null_frac, 1.0 / 6.0);
        assert_eq!(s.n_distinct, -(2.0f64 / 6.0) as f32);
        let (mcv, freqs) = s.most_common.unwrap();
        assert_eq!(mcv, vec!["b".to_string(), "a".to_string()]);
        assert_eq!(freqs, vec![0.5, (2.0f64 / 6.0) as f32]);
        assert_eq!(s.histogram_bounds, None);
        assert_eq!(s.avg_width, 2);
    }

    #[test]
    fn an_all_null_column_is_all_null() {
        let s = stats(DataType::Text, &[Value::Null, Value::Null]);
        assert_eq!(s.null_frac, 1.0);
        assert_eq!(s.n_distinct, 0.0);
        assert_eq!(s.avg_width, 0);
    }

    #[test]
    fn large_tables_are_sampled_in_storage_order() {
        let mut x = 0u64;
        let picked = sample_positions(SAMPLE_ROWS + 500, || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 17
        });
        assert_eq!(picked.len(), SAMPLE_ROWS);
        assert!(picked.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample_positions(3, || 0), vec![0, 1, 2]);
    }
}

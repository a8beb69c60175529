//! Output and input styles that depend on session settings: DateStyle,
//! IntervalStyle and TimeZone.

use chrono::{DateTime, Datelike, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// DateStyle's output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DateFormat {
    /// `2024-01-15 10:00:00-08`
    #[default]
    Iso,
    /// `Mon Jan 15 10:00:00 2024 PST`
    Postgres,
    /// `01/15/2024 10:00:00 PST`
    Sql,
    /// `15.01.2024 10:00:00 PST`
    German,
}

/// DateStyle's field order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// Month, day, year.
    #[default]
    Mdy,
    /// Day, month, year.
    Dmy,
    /// Year, month, day.
    Ymd,
}

/// IntervalStyle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum IntervalFormat {
    /// `1 year 2 mons 3 days 04:05:06`
    #[default]
    Postgres,
    /// `@ 1 year 2 mons 3 days 4 hours 5 mins 6 secs`
    PostgresVerbose,
}

/// The settings that shape date/time text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// DateStyle format.
    pub date: DateFormat,
    /// DateStyle order.
    pub order: DateOrder,
    /// IntervalStyle.
    pub interval: IntervalFormat,
    /// TimeZone.
    pub zone: Tz,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            date: DateFormat::Iso,
            order: DateOrder::Mdy,
            interval: IntervalFormat::Postgres,
            zone: Tz::UTC,
        }
    }
}

/// Parses a DateStyle value (`ISO, MDY`, `Postgres`, `SQL, DMY`, ...).
pub fn parse_datestyle(s: &str) -> Option<(DateFormat, DateOrder)> {
    let mut fmt = DateFormat::Iso;
    let mut order = DateOrder::Mdy;
    for part in s.split(',').map(|p| p.trim().to_ascii_lowercase()) {
        match part.as_str() {
            "iso" => fmt = DateFormat::Iso,
            "postgres" => fmt = DateFormat::Postgres,
            "sql" => fmt = DateFormat::Sql,
            "german" => {
                fmt = DateFormat::German;
                order = DateOrder::Dmy;
            }
            "mdy" | "us" | "noneuropean" => order = DateOrder::Mdy,
            "dmy" | "euro" | "european" => order = DateOrder::Dmy,
            "ymd" => order = DateOrder::Ymd,
            "" => {}
            _ => return None,
        }
    }
    Some((fmt, order))
}

/// Canonical DateStyle text, as SHOW prints it.
pub fn datestyle_text(fmt: DateFormat, order: DateOrder) -> String {
    let f = match fmt {
        DateFormat::Iso => "ISO",
        DateFormat::Postgres => "Postgres",
        DateFormat::Sql => "SQL",
        DateFormat::German => "German",
    };
    let o = match order {
        DateOrder::Mdy => "MDY",
        DateOrder::Dmy => "DMY",
        DateOrder::Ymd => "YMD",
    };
    format!("{f}, {o}")
}

/// Parses a TimeZone value (IANA names, UTC aliases).
pub fn parse_zone(s: &str) -> Option<Tz> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "utc" | "etc/utc" | "z" | "zulu" | "gmt" | "universal" => return Some(Tz::UTC),
        _ => {}
    }
    t.parse::<Tz>().ok().or_else(|| {
        // Case-insensitive match, as PostgreSQL accepts.
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|z| z.name().eq_ignore_ascii_case(t))
            .copied()
    })
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn time_part(t: &NaiveDateTime) -> String {
    let micros = t.nanosecond() / 1000;
    let mut s = format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    if micros != 0 {
        let frac = format!("{micros:06}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s
}

fn year_text(y: i32) -> (String, &'static str) {
    if y <= 0 {
        (format!("{:04}", 1 - y), " BC")
    } else {
        (format!("{y:04}"), "")
    }
}

/// Formats a date.
pub fn format_date(d: chrono::NaiveDate, style: &Style) -> String {
    let (y, bc) = year_text(d.year());
    let (m, day) = (d.month(), d.day());
    match style.date {
        DateFormat::Iso => format!("{y}-{m:02}-{day:02}{bc}"),
        DateFormat::Postgres => match style.order {
            DateOrder::Dmy => format!("{day:02}-{m:02}-{y}{bc}"),
            _ => format!("{m:02}-{day:02}-{y}{bc}"),
        },
        DateFormat::Sql => match style.order {
            DateOrder::Dmy => format!("{day:02}/{m:02}/{y}{bc}"),
            _ => format!("{m:02}/{day:02}/{y}{bc}"),
        },
        DateFormat::German => format!("{day:02}.{m:02}.{y}{bc}"),
    }
}

/// Formats a timestamp; `zone` is the abbreviation/offset suffix for timestamptz.
fn format_datetime(t: &NaiveDateTime, style: &Style, zone: Option<(&str, i32)>) -> String {
    let (y, bc) = year_text(t.year());
    let time = time_part(t);
    let (m, d) = (t.month(), t.day());
    match style.date {
        DateFormat::Iso => {
            let z = zone.map(|(_, off)| format_offset(off)).unwrap_or_default();
            format!("{y}-{m:02}-{d:02} {time}{z}{bc}")
        }
        DateFormat::Postgres => {
            let dow = DAYS[t.weekday().num_days_from_sunday() as usize];
            let mon = MONTHS[(m - 1) as usize];
            let z = zone.map(|(a, _)| format!(" {a}")).unwrap_or_default();
            match style.order {
                DateOrder::Dmy => format!("{dow} {d:02} {mon} {time} {y}{z}{bc}"),
                _ => format!("{dow} {mon} {d:02} {time} {y}{z}{bc}"),
            }
        }
        DateFormat::Sql => {
            let z = zone.map(|(a, _)| format!(" {a}")).unwrap_or_default();
            match style.order {
                DateOrder::Dmy => format!("{d:02}/{m:02}/{y} {time}{z}{bc}"),
                _ => format!("{m:02}/{d:02}/{y} {time}{z}{bc}"),
            }
        }
        DateFormat::German => {
            let z = zone.map(|(a, _)| format!(" {a}")).unwrap_or_default();
            format!("{d:02}.{m:02}.{y} {time}{z}{bc}")
        }
    }
}

fn format_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    let (h, m, s) = (a / 3600, (a / 60) % 60, a % 60);
    if s != 0 {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    } else if m != 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}")
    }
}

/// Formats a timestamp without time zone.
pub fn format_timestamp(t: &NaiveDateTime, style: &Style) -> String {
    format_datetime(t, style, None)
}

/// Formats a timestamp with time zone in the session's zone.
pub fn format_timestamptz(t: &DateTime<Utc>, style: &Style) -> String {
    let local = t.with_timezone(&style.zone);
    let offset = local.offset().fix().local_minus_utc();
    let abbr = format!("{}", local.format("%Z"));
    let abbr = if abbr.starts_with('+') || abbr.starts_with('-') {
        format_offset(offset)
    } else {
        abbr
    };
    format_datetime(&local.naive_local(), style, Some((&abbr, offset)))
}

/// Interprets a local timestamp in the session zone (earliest on ambiguity, shifted past gaps).
pub fn local_to_utc(t: &NaiveDateTime, zone: &Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(t) {
        chrono::LocalResult::Single(d) => d.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        chrono::LocalResult::None => {
            let shifted = *t + chrono::Duration::hours(1);
            zone.from_local_datetime(&shifted)
                .earliest()
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(t))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn la() -> Style {
        Style {
            date: DateFormat::Postgres,
            order: DateOrder::Mdy,
            interval: IntervalFormat::PostgresVerbose,
            zone: parse_zone("America/Los_Angeles").unwrap(),
        }
    }

    #[test]
    fn postgres_datestyle_in_los_angeles() {
        let t = Utc.with_ymd_and_hms(2024, 1, 15, 18, 30, 0).unwrap();
        assert_eq!(
            format_timestamptz(&t, &la()),
            "Mon Jan 15 10:30:00 2024 PST"
        );
        let iso = Style {
            date: DateFormat::Iso,
            ..la()
        };
        assert_eq!(format_timestamptz(&t, &iso), "2024-01-15 10:30:00-08");
        assert_eq!(format_date(t.date_naive(), &la()), "01-15-2024");
    }

    #[test]
    fn datestyle_parsing() {
        assert_eq!(
            parse_datestyle("Postgres, MDY"),
            Some((DateFormat::Postgres, DateOrder::Mdy))
        );
        assert_eq!(
            parse_datestyle("iso"),
            Some((DateFormat::Iso, DateOrder::Mdy))
        );
        assert_eq!(parse_datestyle("bogus"), None);
    }
}

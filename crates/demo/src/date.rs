//! Small date/time helpers. Recorded times are kept as microseconds since the Unix epoch
//! inside the generator (cheap to compare and order) and become `DateTime<Utc>` on output.

use chrono::{DateTime, NaiveDate, Utc};

/// A date from parts that are known to be valid (config years are validated up front);
/// falls back to the epoch rather than panicking.
pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(epoch)
}

pub(crate) fn epoch() -> NaiveDate {
    DateTime::<Utc>::UNIX_EPOCH.date_naive()
}

pub(crate) const MICROS_PER_SEC: i64 = 1_000_000;
pub(crate) const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SEC;

/// Microseconds since the epoch at the start of `d` (UTC).
pub(crate) fn day_start(d: NaiveDate) -> i64 {
    (d - epoch()).num_days() * MICROS_PER_DAY
}

pub(crate) fn to_utc(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or(DateTime::UNIX_EPOCH)
}

pub(crate) fn plus_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(chrono::Duration::days(n)).unwrap_or(d)
}

/// First day of the month after `d`'s month.
pub(crate) fn next_month(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    if d.month() == 12 {
        ymd(d.year() + 1, 1, 1)
    } else {
        ymd(d.year(), d.month() + 1, 1)
    }
}

//! Periods in valid time and the day numbers the facts are kept in.
//!
//! Facts store dates as `i32` day numbers (days since 0001-01-01, chrono's
//! `num_days_from_ce`) so that comparisons are integer compares and a fact stays small.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ProjectionError;

/// Day number of a date.
pub fn dag(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// Date of a day number (clamped to chrono's range; day numbers come from dates).
pub fn datum(d: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(d).unwrap_or(NaiveDate::MAX)
}

/// "Open" end of an interval: later than any date.
pub const OPEN: i32 = i32::MAX;

/// Quarter number (year × 4 + quarter) of a day number, for bucketing facts: a quarter
/// query then only touches facts whose stay overlaps that quarter's neighbourhood.
/// `OPEN` maps to `i16::MAX`.
#[inline]
pub fn kwartaalnummer(d: i32) -> i16 {
    // The fold buckets several versions per event: a table lookup for the dates that
    // occur (1900–2199), the calendar arithmetic for the rest.
    uit_tabel(i64::from(d)).unwrap_or_else(|| kwartaalnummer_reken(d))
}

#[inline]
fn uit_tabel(d: i64) -> Option<i16> {
    let i = usize::try_from(d - i64::from(TABEL_BEGIN)).ok()?;
    kwartaaltabel().get(i).copied()
}

fn kwartaalnummer_reken(d: i32) -> i16 {
    if d == OPEN {
        return i16::MAX;
    }
    if d == i32::MIN {
        return i16::MIN;
    }
    let (j, m) = jaar_maand(i64::from(d) - 719_163);
    i16::try_from(j * 4 + (m - 1) / 3).unwrap_or(if j < 0 { i16::MIN } else { i16::MAX })
}

/// First day of quarter number `q` (`kwartaalnummer`): `OPEN` for `i16::MAX` (open ends
/// and the far future), `i32::MIN` for `i16::MIN`.
pub(crate) fn kwartaal_begin(q: i16) -> i32 {
    match q {
        i16::MAX => OPEN,
        i16::MIN => i32::MIN,
        _ => {
            let (j, k) = (i32::from(q).div_euclid(4), i32::from(q).rem_euclid(4));
            NaiveDate::from_ymd_opt(j, k.unsigned_abs() * 3 + 1, 1).map_or(i32::MIN, dag)
        }
    }
}

/// Day number of 1900-01-01 (`dag`), the first day of the quarter table.
const TABEL_BEGIN: i32 = 693_596;
/// Days in the quarter table (1900-01-01 up to 2200-01-01).
const TABEL_DAGEN: i32 = 109_573;

fn kwartaaltabel() -> &'static [i16] {
    static TABEL: std::sync::OnceLock<Vec<i16>> = std::sync::OnceLock::new();
    TABEL.get_or_init(|| {
        (TABEL_BEGIN..TABEL_BEGIN + TABEL_DAGEN)
            .map(kwartaalnummer_reken)
            .collect()
    })
}

/// Year of a recorded time (µs since the Unix epoch).
#[inline]
pub(crate) fn jaar_van_micros(micros: i64) -> i16 {
    let dagen = micros.div_euclid(86_400_000_000);
    if let Some(q) = uit_tabel(dagen + 719_163) {
        return q.div_euclid(4);
    }
    let (j, _) = jaar_maand(dagen);
    i16::try_from(j).unwrap_or(if j < 0 { i16::MIN } else { i16::MAX })
}

/// (year, month 1–12) of a day count since 1970-01-01: Howard Hinnant's
/// `civil_from_days`, integer only, because the fold buckets every version it opens and
/// chrono's calendar conversion showed up in its profile.
fn jaar_maand(z: i64) -> (i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m)
}

/// Granularity of a time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Granulariteit {
    Maand,
    Kwartaal,
    Halfjaar,
    Jaar,
}

impl Granulariteit {
    fn maanden(self) -> u32 {
        match self {
            Granulariteit::Maand => 1,
            Granulariteit::Kwartaal => 3,
            Granulariteit::Halfjaar => 6,
            Granulariteit::Jaar => 12,
        }
    }
}

/// A period P = [van, tot) of calendar dates (valid time), `tot` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Periode {
    pub van: NaiveDate,
    /// First date after the period.
    pub tot: NaiveDate,
}

impl Periode {
    /// Any range; `tot` must be after `van`.
    pub fn bereik(van: NaiveDate, tot: NaiveDate) -> Result<Periode, ProjectionError> {
        if tot <= van {
            return Err(ProjectionError::LegePeriode { van, tot });
        }
        Ok(Periode { van, tot })
    }

    fn vanaf_maand(jaar: i32, maand: u32, maanden: u32) -> Result<Periode, ProjectionError> {
        let van = NaiveDate::from_ymd_opt(jaar, maand, 1)
            .ok_or(ProjectionError::OngeldigePeriode { jaar, deel: maand })?;
        let tot = van
            .checked_add_months(Months::new(maanden))
            .ok_or(ProjectionError::OngeldigePeriode { jaar, deel: maand })?;
        Ok(Periode { van, tot })
    }

    /// Month 1–12 of a year.
    pub fn maand(jaar: i32, maand: u32) -> Result<Periode, ProjectionError> {
        Self::vanaf_maand(jaar, maand, 1)
    }

    /// Quarter 1–4 of a year.
    pub fn kwartaal(jaar: i32, kwartaal: u32) -> Result<Periode, ProjectionError> {
        if !(1..=4).contains(&kwartaal) {
            return Err(ProjectionError::OngeldigePeriode {
                jaar,
                deel: kwartaal,
            });
        }
        Self::vanaf_maand(jaar, (kwartaal - 1) * 3 + 1, 3)
    }

    /// Half-year 1–2 of a year (CBS publishes half-yearly).
    pub fn halfjaar(jaar: i32, helft: u32) -> Result<Periode, ProjectionError> {
        if !(1..=2).contains(&helft) {
            return Err(ProjectionError::OngeldigePeriode { jaar, deel: helft });
        }
        Self::vanaf_maand(jaar, (helft - 1) * 6 + 1, 6)
    }

    /// A calendar year.
    pub fn jaar(jaar: i32) -> Result<Periode, ProjectionError> {
        Self::vanaf_maand(jaar, 1, 12)
    }

    /// The calendar period of the given granularity that contains `d`.
    pub fn rond(d: NaiveDate, g: Granulariteit) -> Result<Periode, ProjectionError> {
        let m = g.maanden();
        let maand = (d.month0() / m) * m + 1;
        Self::vanaf_maand(d.year(), maand, m)
    }

    /// The consecutive calendar periods of granularity `g` from the one containing `van`
    /// up to and including the one containing the last day before `tot`.
    pub fn reeks(
        van: NaiveDate,
        tot: NaiveDate,
        g: Granulariteit,
    ) -> Result<Vec<Periode>, ProjectionError> {
        let mut uit = Vec::new();
        if tot <= van {
            return Ok(uit);
        }
        let mut p = Self::rond(van, g)?;
        while p.van < tot {
            uit.push(p);
            p = p.volgende(g)?;
        }
        Ok(uit)
    }

    /// The next period of the same length in months (for calendar periods).
    pub fn volgende(&self, g: Granulariteit) -> Result<Periode, ProjectionError> {
        Self::vanaf_maand(self.tot.year(), self.tot.month(), g.maanden())
    }

    /// Number of days in the period.
    pub fn dagen(&self) -> i64 {
        i64::from(dag(self.tot) - dag(self.van))
    }

    pub(crate) fn dagnummers(&self) -> (i32, i32) {
        (dag(self.van), dag(self.tot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_periods_and_series() -> Result<(), ProjectionError> {
        let q1 = Periode::kwartaal(2024, 1)?;
        assert_eq!(
            q1.van,
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default()
        );
        assert_eq!(
            q1.tot,
            NaiveDate::from_ymd_opt(2024, 4, 1).unwrap_or_default()
        );
        assert_eq!(q1.dagen(), 91);
        let reeks = Periode::reeks(q1.van, Periode::jaar(2033)?.tot, Granulariteit::Kwartaal)?;
        assert_eq!(reeks.len(), 40);
        assert_eq!(Periode::halfjaar(2024, 2)?.van.month(), 7);
        assert_eq!(Periode::maand(2024, 12)?.tot.year(), 2025);
        assert!(Periode::kwartaal(2024, 5).is_err());
        assert_eq!(kwartaalnummer(dag(q1.van)), 2024 * 4);
        // The integer calendar agrees with chrono over a long range.
        let mut d = NaiveDate::from_ymd_opt(1899, 12, 1).unwrap_or_default();
        let eind = NaiveDate::from_ymd_opt(2101, 3, 1).unwrap_or_default();
        while d < eind {
            let verwacht = d.year() * 4 + (d.month0() / 3) as i32;
            assert_eq!(i32::from(kwartaalnummer(dag(d))), verwacht, "{d}");
            // Every day lies in the quarter that begins on `kwartaal_begin`.
            let q = kwartaalnummer(dag(d));
            assert!(
                kwartaal_begin(q) <= dag(d) && dag(d) < kwartaal_begin(q + 1),
                "{d}"
            );
            assert_eq!(
                kwartaal_begin(q) == dag(d),
                d.day() == 1 && d.month0().is_multiple_of(3)
            );
            d = d.succ_opt().unwrap_or(eind);
        }
        let t = chrono::DateTime::parse_from_rfc3339("2023-12-31T23:59:59Z")
            .map(|t| t.timestamp_micros())
            .unwrap_or(0);
        assert_eq!(kwartaal_begin(kwartaalnummer(OPEN)), OPEN);
        assert_eq!(jaar_van_micros(t), 2023);
        assert_eq!(jaar_van_micros(t + 1_000_000), 2024);
        Ok(())
    }
}

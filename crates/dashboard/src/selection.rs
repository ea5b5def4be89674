//! What the user selected: area, period, knowledge time and (evaluators) two moments to
//! compare. Parsed from the query string, so every view is a plain, bookmarkable URL that
//! works without JavaScript.

use chrono::{DateTime, Datelike as _, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

/// The raw query string of every dashboard URL (page and CSV downloads).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Parameters {
    pub gebied: Option<String>,
    pub periode: Option<String>,
    /// A date: figures as known at the end of that day (UTC). Empty: now.
    pub kennis: Option<String>,
    /// Evaluators: the earlier knowledge moment of the comparison.
    pub k1: Option<String>,
    /// Evaluators: the later knowledge moment (default: `kennis`, or now).
    pub k2: Option<String>,
    /// A preset scenario of the needed capacity ([`Scenario`]); empty: the basis.
    pub scenario: Option<String>,
    /// The contract page (`/contracten`): one provider's summary, by id.
    pub aanbieder: Option<String>,
}

impl Parameters {
    /// The provider of the contract page: `None` when empty, an error when it cannot be
    /// an identifier.
    pub fn aanbieder(&self) -> Result<Option<&str>, SelectieFout> {
        match self.aanbieder.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(a)
                if a.len() <= 64
                    && a.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
            {
                Ok(Some(a))
            }
            Some(a) => Err(SelectieFout::Aanbieder(a.chars().take(64).collect())),
        }
    }
}

/// Why a selection is not understood.
#[derive(Debug, thiserror::Error)]
pub enum SelectieFout {
    #[error("onbekend gebied `{0}` (verwacht NL, LD:<code> of JR:<code>)")]
    Gebied(String),
    #[error("onbekende periode `{0}` (verwacht bijvoorbeeld 2025, 2025-H1 of 2025-K3)")]
    Periode(String),
    #[error("ongeldige datum `{0}` (verwacht JJJJ-MM-DD)")]
    Datum(String),
    #[error("ongeldige aanbieder `{0}` (verwacht een code van letters, cijfers, - of _)")]
    Aanbieder(String),
    #[error("onbekend scenario `{0}` (verwacht {verwacht})", verwacht = Scenario::verwacht())]
    Scenario(String),
}

/// The preset scenarios of the needed capacity ("Vraag en aanbod"): a stuurgroep asks
/// a few standard what-ifs, so they are links rather than a free form (free numbers in
/// a URL would also let anyone probe the API's bounds from the dashboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Mean stay 20 % shorter.
    VerblijfMin20,
    /// Inflow 10 % higher.
    InstroomPlus10,
    /// Plan for 85 % occupancy instead of 90 %.
    Doelbezetting85,
}

impl Scenario {
    pub const ALL: [Scenario; 3] = [
        Scenario::VerblijfMin20,
        Scenario::InstroomPlus10,
        Scenario::Doelbezetting85,
    ];

    /// The value in a URL.
    pub fn sleutel(self) -> &'static str {
        match self {
            Scenario::VerblijfMin20 => "verblijf-min-20",
            Scenario::InstroomPlus10 => "instroom-plus-10",
            Scenario::Doelbezetting85 => "doelbezetting-85",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scenario::VerblijfMin20 => "verblijf −20 %",
            Scenario::InstroomPlus10 => "instroom +10 %",
            Scenario::Doelbezetting85 => "doelbezetting 85 %",
        }
    }

    /// The GraphQL `CapaciteitScenarioInvoer`.
    pub fn invoer(self) -> Value {
        match self {
            Scenario::VerblijfMin20 => json!({ "verblijfWijziging": -20.0 }),
            Scenario::InstroomPlus10 => json!({ "instroomWijziging": 10.0 }),
            Scenario::Doelbezetting85 => json!({ "doelbezetting": 0.85 }),
        }
    }

    /// Empty or `basis`: no scenario.
    pub fn parse(s: &str) -> Result<Option<Scenario>, SelectieFout> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("basis") {
            return Ok(None);
        }
        Scenario::ALL
            .into_iter()
            .find(|x| x.sleutel().eq_ignore_ascii_case(s))
            .map(Some)
            .ok_or_else(|| SelectieFout::Scenario(s.chars().take(64).collect()))
    }

    fn verwacht() -> String {
        let mut v: Vec<&str> = vec!["basis"];
        v.extend(Scenario::ALL.iter().map(|x| x.sleutel()));
        v.join(", ")
    }
}

/// The area figures are filtered on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gebied {
    Nederland,
    Landsdeel(String),
    Jeugdregio(String),
}

impl Gebied {
    pub fn parse(s: &str) -> Result<Gebied, SelectieFout> {
        let s = s.trim();
        let code_ok = |c: &str| {
            !c.is_empty()
                && c.len() <= 64
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        };
        if s.is_empty() || s.eq_ignore_ascii_case("NL") {
            Ok(Gebied::Nederland)
        } else if let Some(c) = s.strip_prefix("LD:").filter(|c| code_ok(c)) {
            Ok(Gebied::Landsdeel(c.to_owned()))
        } else if let Some(c) = s.strip_prefix("JR:").filter(|c| code_ok(c)) {
            Ok(Gebied::Jeugdregio(c.to_owned()))
        } else {
            Err(SelectieFout::Gebied(s.to_owned()))
        }
    }

    /// The value in a URL / `<option>`.
    pub fn sleutel(&self) -> String {
        match self {
            Gebied::Nederland => "NL".to_owned(),
            Gebied::Landsdeel(c) => format!("LD:{c}"),
            Gebied::Jeugdregio(c) => format!("JR:{c}"),
        }
    }

    /// The GraphQL `FilterInvoer` (without regime).
    pub fn filter(&self) -> Value {
        match self {
            Gebied::Nederland => json!({}),
            Gebied::Landsdeel(c) => json!({ "landsdeel": c }),
            Gebied::Jeugdregio(c) => json!({ "jeugdregio": c }),
        }
    }
}

/// A calendar period the dashboard reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Periode {
    Kwartaal(i32, u32),
    Halfjaar(i32, u32),
    Jaar(i32),
}

fn ymd(y: i32, m: u32) -> NaiveDate {
    // Month 1..=12 and day 1 always exist; the fallback is unreachable.
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
}

impl Periode {
    pub fn parse(s: &str) -> Result<Periode, SelectieFout> {
        let fout = || SelectieFout::Periode(s.to_owned());
        let s = s.trim();
        let (jaar, rest) = match s.split_once('-') {
            Some((j, r)) => (j, Some(r)),
            None => (s, None),
        };
        let jaar: i32 = jaar.parse().map_err(|_| fout())?;
        if !(2000..=2100).contains(&jaar) {
            return Err(fout());
        }
        let Some(rest) = rest else {
            return Ok(Periode::Jaar(jaar));
        };
        let (soort, n) = rest.split_at_checked(1).ok_or_else(fout)?;
        let n: u32 = n.parse().map_err(|_| fout())?;
        match soort.to_ascii_uppercase().as_str() {
            "K" | "Q" if (1..=4).contains(&n) => Ok(Periode::Kwartaal(jaar, n)),
            "H" if (1..=2).contains(&n) => Ok(Periode::Halfjaar(jaar, n)),
            _ => Err(fout()),
        }
    }

    /// The quarter of a date.
    pub fn kwartaal_van(d: NaiveDate) -> Periode {
        Periode::Kwartaal(d.year(), d.month0() / 3 + 1)
    }

    /// Default: the last complete quarter before `vandaag`.
    pub fn standaard(vandaag: NaiveDate) -> Periode {
        Periode::kwartaal_van(vandaag).vorige()
    }

    pub fn sleutel(self) -> String {
        match self {
            Periode::Kwartaal(j, k) => format!("{j}-K{k}"),
            Periode::Halfjaar(j, h) => format!("{j}-H{h}"),
            Periode::Jaar(j) => format!("{j}"),
        }
    }

    /// Dutch label, e.g. "3e kwartaal 2025".
    pub fn label(self) -> String {
        match self {
            Periode::Kwartaal(j, k) => format!("{k}e kwartaal {j}"),
            Periode::Halfjaar(j, h) => format!("{h}e halfjaar {j}"),
            Periode::Jaar(j) => format!("{j}"),
        }
    }

    /// Short label for chart axes, e.g. "K3 '25".
    pub fn kort(self) -> String {
        match self {
            Periode::Kwartaal(j, k) => format!("K{k} ’{:02}", j.rem_euclid(100)),
            Periode::Halfjaar(j, h) => format!("H{h} ’{:02}", j.rem_euclid(100)),
            Periode::Jaar(j) => format!("{j}"),
        }
    }

    pub fn van(self) -> NaiveDate {
        match self {
            Periode::Kwartaal(j, k) => ymd(j, (k - 1) * 3 + 1),
            Periode::Halfjaar(j, h) => ymd(j, (h - 1) * 6 + 1),
            Periode::Jaar(j) => ymd(j, 1),
        }
    }

    /// First date after the period.
    pub fn tot(self) -> NaiveDate {
        self.volgende().van()
    }

    pub fn volgende(self) -> Periode {
        match self {
            Periode::Kwartaal(j, 4) => Periode::Kwartaal(j + 1, 1),
            Periode::Kwartaal(j, k) => Periode::Kwartaal(j, k + 1),
            Periode::Halfjaar(j, 2) => Periode::Halfjaar(j + 1, 1),
            Periode::Halfjaar(j, h) => Periode::Halfjaar(j, h + 1),
            Periode::Jaar(j) => Periode::Jaar(j + 1),
        }
    }

    pub fn vorige(self) -> Periode {
        match self {
            Periode::Kwartaal(j, 1) => Periode::Kwartaal(j - 1, 4),
            Periode::Kwartaal(j, k) => Periode::Kwartaal(j, k - 1),
            Periode::Halfjaar(j, 1) => Periode::Halfjaar(j - 1, 2),
            Periode::Halfjaar(j, h) => Periode::Halfjaar(j, h - 1),
            Periode::Jaar(j) => Periode::Jaar(j - 1),
        }
    }

    /// GraphQL `Granulariteit` of the period.
    pub fn granulariteit(self) -> &'static str {
        match self {
            Periode::Kwartaal(..) => "KWARTAAL",
            Periode::Halfjaar(..) => "HALFJAAR",
            Periode::Jaar(_) => "JAAR",
        }
    }

    /// The last quarter inside this period.
    pub fn laatste_kwartaal(self) -> Periode {
        Periode::kwartaal_van(self.tot().pred_opt().unwrap_or(self.tot()))
    }

    /// Every selectable period from `eerste_jaar` to the one containing `vandaag`, newest
    /// first: (group label, periods).
    pub fn keuzes(eerste_jaar: i32, vandaag: NaiveDate) -> Vec<(&'static str, Vec<Periode>)> {
        let laatste = vandaag.year();
        let mut kw = Vec::new();
        let mut hj = Vec::new();
        let mut jr = Vec::new();
        for j in (eerste_jaar..=laatste).rev() {
            jr.push(Periode::Jaar(j));
            for h in (1..=2).rev() {
                hj.push(Periode::Halfjaar(j, h));
            }
            for k in (1..=4).rev() {
                kw.push(Periode::Kwartaal(j, k));
            }
        }
        let begonnen = |p: &Periode| p.van() <= vandaag;
        kw.retain(begonnen);
        hj.retain(begonnen);
        jr.retain(begonnen);
        vec![("Kwartalen", kw), ("Halfjaren", hj), ("Jaren", jr)]
    }
}

/// A date as "end of that day, UTC": everything recorded on that day counts.
pub fn einde_dag(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
        .and_utc()
}

fn datum(s: Option<&str>) -> Result<Option<NaiveDate>, SelectieFout> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| SelectieFout::Datum(s.to_owned())),
    }
}

/// A parsed, validated selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Selectie {
    pub gebied: Gebied,
    pub periode: Periode,
    /// `None`: now.
    pub kennis: Option<NaiveDate>,
    pub k1: Option<NaiveDate>,
    pub k2: Option<NaiveDate>,
    /// `None`: the basis (no change of inflow, stay or doelbezetting).
    pub scenario: Option<Scenario>,
}

impl Selectie {
    pub fn uit(p: &Parameters, vandaag: NaiveDate) -> Result<Selectie, SelectieFout> {
        let periode = match p.periode.as_deref().map(str::trim) {
            None | Some("") => Periode::standaard(vandaag),
            Some(s) => Periode::parse(s)?,
        };
        Ok(Selectie {
            gebied: Gebied::parse(p.gebied.as_deref().unwrap_or(""))?,
            periode,
            kennis: datum(p.kennis.as_deref())?,
            k1: datum(p.k1.as_deref())?,
            k2: datum(p.k2.as_deref())?,
            scenario: Scenario::parse(p.scenario.as_deref().unwrap_or(""))?,
        })
    }

    /// The query string that reproduces this selection (for links and CSV downloads).
    pub fn query(&self) -> String {
        let mut s = format!(
            "gebied={}&periode={}",
            self.gebied.sleutel().replace(':', "%3A"),
            self.periode.sleutel()
        );
        for (k, v) in [("kennis", self.kennis), ("k1", self.k1), ("k2", self.k2)] {
            if let Some(d) = v {
                s.push_str(&format!("&{k}={d}"));
            }
        }
        if let Some(x) = self.scenario {
            s.push_str(&format!("&scenario={}", x.sleutel()));
        }
        s
    }

    /// The same selection with another scenario (the scenario links).
    pub fn met_scenario(&self, scenario: Option<Scenario>) -> Selectie {
        Selectie {
            scenario,
            ..self.clone()
        }
    }

    pub fn as_known_at(&self) -> Option<DateTime<Utc>> {
        self.kennis.map(einde_dag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perioden() {
        let k = Periode::parse("2025-K1").ok();
        assert_eq!(k, Some(Periode::Kwartaal(2025, 1)));
        assert_eq!(
            k.map(Periode::vorige),
            Some(Periode::Kwartaal(2024, 4)),
            "the quarter before K1 is K4 of the year before"
        );
        assert_eq!(
            Periode::parse("2024-h2").ok().map(Periode::tot),
            Some(ymd(2025, 1))
        );
        assert_eq!(
            Periode::parse("2024").ok().map(Periode::laatste_kwartaal),
            Some(Periode::Kwartaal(2024, 4))
        );
        assert!(Periode::parse("2024-K5").is_err());
        assert!(Periode::parse("abc").is_err());
        assert_eq!(
            Periode::standaard(ymd(2026, 11)),
            Periode::Kwartaal(2026, 3)
        );
    }

    #[test]
    fn gebieden() {
        assert_eq!(Gebied::parse("").ok(), Some(Gebied::Nederland));
        assert_eq!(
            Gebied::parse("JR:RIJNMOND").ok(),
            Some(Gebied::Jeugdregio("RIJNMOND".to_owned()))
        );
        assert!(Gebied::parse("JR:<script>").is_err());
        let s = Selectie {
            gebied: Gebied::Landsdeel("ZUID_WEST".to_owned()),
            periode: Periode::Halfjaar(2025, 1),
            kennis: Some(ymd(2025, 8)),
            k1: None,
            k2: None,
            scenario: None,
        };
        assert_eq!(
            s.query(),
            "gebied=LD%3AZUID_WEST&periode=2025-H1&kennis=2025-08-01"
        );
        assert_eq!(
            s.met_scenario(Some(Scenario::VerblijfMin20)).query(),
            "gebied=LD%3AZUID_WEST&periode=2025-H1&kennis=2025-08-01&scenario=verblijf-min-20"
        );
    }

    #[test]
    fn scenarios() {
        assert_eq!(Scenario::parse("").ok(), Some(None));
        assert_eq!(Scenario::parse("basis").ok(), Some(None));
        for x in Scenario::ALL {
            assert_eq!(Scenario::parse(x.sleutel()).ok(), Some(Some(x)));
        }
        assert!(matches!(
            Scenario::parse("verblijf-min-99"),
            Err(SelectieFout::Scenario(_))
        ));
    }
}

//! The path KPIs: `plaatsingenNaarVoorgeschiedenis`, `onttrekkingen` and `terugval`
//! (docs/kpis.md, "Pad: voorgeschiedenis, onttrekkingen en terugval"), for one period
//! and for a series, exact or protected by the cell-key method (`disclosure.rs`).
//!
//! Each is one scan over the versions visible at K near P: the history class and the
//! next residential start were fixed when the youth was derived (`pad::leid_pad_af`), so
//! nothing here looks at more than one fact at a time. A series is its periods computed
//! one by one: the same code, so it equals them by construction (tested in
//! `projections/tests/pad.rs`).

use chrono::{Months, NaiveDate};
use kringloop_events::{Verblijfplaats, Zwaarte};
use serde::{Deserialize, Serialize};

use super::Onttrekking;
use crate::context::Ctx;
use crate::disclosure::{Cel, MIN_DUREN, RecordKeys, ruis, soort, stap, verhouding, verstoor};
use crate::feiten::{Episode, GEEN8, OPEN_EIND, bestemming_van};
use crate::periode::{Periode, dag, datum};
use crate::projectie::Projection;
use crate::query::Query;
use crate::report::{Aantal, Bescherming, Kpi, Verhouding};

/// Record kind of an absence (a value apart from the kinds of `disclosure::soort`).
const ONTTREKKING: u64 = 0x5041_4401;

/// Months after an episode's end within which a new residential start is terugval.
pub const TERUGVAL_MAANDEN: [u32; 2] = [6, 12];

/// `plaatsingenNaarVoorgeschiedenis`: the placements that start an episode in P (the
/// `exclusiefDoorplaatsingen` of `plaatsingen`) by the youth's history in that regime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaatsingenNaarVoorgeschiedenis {
    pub totaal: Aantal,
    /// No earlier episode in the same regime.
    pub nieuw: Aantal,
    /// The latest earlier episode in the same regime ended with no absence open.
    pub hernieuwd: Aantal,
    /// The latest earlier episode in the same regime ended while an absence was open.
    pub na_onttrekking: Aantal,
}

/// `onttrekkingen`: absences without leave.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Onttrekkingen {
    /// Absences that began in P.
    pub begonnen: Aantal,
    /// Distinct youths with an absence that began in P.
    pub unieke_jeugdigen: Aantal,
    /// Absences that ended in P (by the return or by the end of the episode).
    pub beeindigd: Aantal,
    /// Of those, the ones ended by the youth's return.
    pub teruggekeerd: Aantal,
    /// Mean and median of end − begin (days) of the absences ended in P.
    pub gemiddelde_duur: Option<f64>,
    pub mediaan_duur: Option<f64>,
    /// Absences open at the peildatum d: begin ≤ d < end.
    pub open_op_peildatum: Aantal,
    /// Of the mean and median: exact, perturbed, or withheld (too few absences).
    pub bescherming: Bescherming,
}

/// `terugval`: of the episodes ended in P to a lighter destination, the share followed
/// by a new residential episode within 6 and within 12 calendar months of the end date.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Terugval {
    /// Episodes ended in P to a lighter destination (`uitstroomNaarLichtereZorg`'s
    /// numerator).
    pub uitstroom_lichter: Aantal,
    pub binnen_6_maanden: Verhouding,
    pub binnen_12_maanden: Verhouding,
    /// Final: the knowledge date is at least 12 months after P's last day; before that
    /// the figure is provisional (a return may still come or be recorded).
    pub definitief: bool,
    /// The knowledge date from which the figure of P is final.
    pub definitief_vanaf: NaiveDate,
}

/// The three path KPIs of one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PadRapport {
    pub plaatsingen_naar_voorgeschiedenis: Kpi<PlaatsingenNaarVoorgeschiedenis>,
    pub onttrekkingen: Kpi<Onttrekkingen>,
    pub terugval: Kpi<Terugval>,
}

/// `d` plus `n` calendar months (the last day of the month where the day does not
/// exist: 31 August + 6 months is 28 or 29 February).
pub fn plus_maanden(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

fn plus_maanden_dag(d: i32, n: u32) -> i32 {
    dag(plus_maanden(datum(d), n))
}

/// A count as the caller sees it: exact, or perturbed with the key sum.
fn aantal(c: Cel, beschermd: bool) -> Aantal {
    if beschermd {
        verstoor(c)
    } else {
        Aantal::van(c.n)
    }
}

fn aandeel(teller: Cel, noemer: Cel, beschermd: bool) -> Verhouding {
    if beschermd {
        verhouding(verstoor(teller), verstoor(noemer), true)
    } else {
        Verhouding::van(teller.n, noemer.n)
    }
}

impl Ctx<'_> {
    fn sleutel_episode(&self, e: &Episode) -> u64 {
        self.sleutels
            .map_or(0, |s| s.feit(soort::EPISODE, e.jeugdige, e.begin, e.eerste))
    }

    /// The episodes a figure of this query may count, visible at K: a superset, which
    /// each figure narrows to P and to the filter.
    fn pad_episodes(&self) -> impl Iterator<Item = &Episode> + '_ {
        self.p
            .jt
            .episodes
            .visible(self.known_at, self.van, self.tot)
    }

    pub(crate) fn voorgeschiedenis(&self) -> PlaatsingenNaarVoorgeschiedenis {
        self.voorgeschiedenis_uit(self.pad_episodes())
    }

    /// `voorgeschiedenis` over `kandidaten`: the episodes visible at K, or any superset of
    /// those that start in P (a series hands each period its slice of one scan).
    fn voorgeschiedenis_uit<'e>(
        &self,
        kandidaten: impl Iterator<Item = &'e Episode>,
    ) -> PlaatsingenNaarVoorgeschiedenis {
        let mut cellen = [Cel::default(); 3];
        kandidaten
            // As `exclusiefDoorplaatsingen`: the episode's first placement, where it is
            // and where the youth came from.
            .filter(|e| self.in_p(e.begin) && self.past(e.eerste, e.herkomst))
            .for_each(|e| {
                if let Some(c) = cellen.get_mut(usize::from(e.voorgeschiedenis)) {
                    c.tel(self.sleutel_episode(e));
                }
            });
        let b = self.sleutels.is_some();
        let [nieuw, hernieuwd, na] = cellen;
        PlaatsingenNaarVoorgeschiedenis {
            totaal: aantal(nieuw.plus(hernieuwd).plus(na), b),
            nieuw: aantal(nieuw, b),
            hernieuwd: aantal(hernieuwd, b),
            na_onttrekking: aantal(na, b),
        }
    }

    pub(crate) fn onttrekkingen(&self) -> Onttrekkingen {
        let lo = self.van.min(self.peil);
        let hi = self.tot.max(self.peil);
        self.onttrekkingen_uit(self.p.pad.onttrekkingen.visible(self.known_at, lo, hi))
    }

    /// `onttrekkingen` over `kandidaten`: the absences visible at K, or any superset of
    /// those that touch P or the peildatum.
    fn onttrekkingen_uit<'o>(
        &self,
        kandidaten: impl Iterator<Item = &'o Onttrekking>,
    ) -> Onttrekkingen {
        let sl = self.sleutels;
        let k = |o: &Onttrekking| {
            sl.map_or(0, |s| {
                s.feit(ONTTREKKING, o.jeugdige, o.begin, o.voorziening)
            })
        };
        let (mut begonnen, mut beeindigd, mut terug, mut open) = (
            Cel::default(),
            Cel::default(),
            Cel::default(),
            Cel::default(),
        );
        let mut jeugdigen = Vec::new();
        let mut duren = Vec::new();
        kandidaten
            .filter(|o| self.past(o.voorziening, o.herkomst))
            .for_each(|o| {
                if self.in_p(o.begin) {
                    begonnen.tel(k(o));
                    jeugdigen.push(o.jeugdige);
                }
                if o.eind != OPEN_EIND && self.in_p(o.eind) {
                    beeindigd.tel(k(o));
                    duren.push(o.eind - o.begin);
                    if o.teruggekeerd {
                        terug.tel(k(o));
                    }
                }
                if o.begin <= self.peil && self.peil < o.eind {
                    open.tel(k(o));
                }
            });
        jeugdigen.sort_unstable();
        jeugdigen.dedup();
        let mut unieke = Cel::default();
        for &j in &jeugdigen {
            unieke.tel(sl.map_or(0, |s| s.sleutel(soort::JEUGDIGE, u64::from(j), 0)));
        }
        duren.sort_unstable();
        let n = duren.len();
        let mut gemiddelde =
            (n > 0).then(|| duren.iter().map(|&d| f64::from(d)).sum::<f64>() / n as f64);
        let mut mediaan = match n {
            0 => None,
            _ if n % 2 == 1 => duren.get(n / 2).map(|&d| f64::from(d)),
            _ => Some(
                (f64::from(duren.get(n / 2 - 1).copied().unwrap_or(0))
                    + f64::from(duren.get(n / 2).copied().unwrap_or(0)))
                    / 2.0,
            ),
        };
        let b = sl.is_some();
        let beeindigd_a = aantal(beeindigd, b);
        let mut bescherming = Bescherming::Geen;
        if b {
            // As the lengths of stay: withheld below MIN_DUREN published records, else
            // the table's noise times 1 % (at least a day) from the key of the records.
            if beeindigd_a.waarde.unwrap_or(0) < MIN_DUREN {
                gemiddelde = None;
                mediaan = None;
                bescherming = Bescherming::Onderdrukt;
            } else {
                let d = ruis(beeindigd.n, beeindigd.k) as f64;
                let ruw = |x: Option<f64>| x.map(|x| (x + d * stap(x)).round().max(0.0));
                gemiddelde = ruw(gemiddelde);
                mediaan = ruw(mediaan);
                bescherming = Bescherming::Verstoord;
            }
        }
        Onttrekkingen {
            begonnen: aantal(begonnen, b),
            unieke_jeugdigen: aantal(unieke, b),
            beeindigd: beeindigd_a,
            teruggekeerd: aantal(terug, b),
            gemiddelde_duur: gemiddelde,
            mediaan_duur: mediaan,
            open_op_peildatum: aantal(open, b),
            bescherming,
        }
    }

    pub(crate) fn terugval(&self) -> Terugval {
        self.terugval_uit(self.pad_episodes())
    }

    /// `terugval` over `kandidaten`: the episodes visible at K, or any superset of those
    /// that end in P.
    fn terugval_uit<'e>(&self, kandidaten: impl Iterator<Item = &'e Episode>) -> Terugval {
        let mut noemer = Cel::default();
        let mut binnen = [Cel::default(); 2];
        kandidaten
            .filter(|e| {
                e.bestemming != GEEN8
                    && e.eind != OPEN_EIND
                    && self.in_p(e.eind)
                    && self.past(e.laatste, e.herkomst)
            })
            .filter(|e| {
                // Lighter exactly as uitstroomNaarLichtereZorg counts it.
                let Some(best) = bestemming_van(e.bestemming) else {
                    return false;
                };
                best != Verblijfplaats::Onbekend
                    && matches!(
                        (best.zwaarte(), self.rang(e.laatste)),
                        (Zwaarte::Rang(r), Some(vr)) if r < vr
                    )
            })
            .for_each(|e| {
                let k = self.sleutel_episode(e);
                noemer.tel(k);
                for (c, m) in binnen.iter_mut().zip(TERUGVAL_MAANDEN) {
                    if e.volgende != OPEN_EIND && e.volgende <= plus_maanden_dag(e.eind, m) {
                        c.tel(k);
                    }
                }
            });
        let b = self.sleutels.is_some();
        let grens = plus_maanden(datum(self.tot.saturating_sub(1)), 12);
        let kennis = self
            .q
            .known_at
            .or_else(|| self.p.recorded_until())
            .map(|k| k.date_naive());
        Terugval {
            uitstroom_lichter: aantal(noemer, b),
            binnen_6_maanden: aandeel(binnen[0], noemer, b),
            binnen_12_maanden: aandeel(binnen[1], noemer, b),
            definitief: kennis.is_some_and(|k| k >= grens),
            definitief_vanaf: grens,
        }
    }
}

impl Projection {
    fn pad_ctx<'a>(&'a self, q: &'a Query, sleutels: Option<&RecordKeys>) -> Ctx<'a> {
        let mut c = Ctx::new(self, q);
        c.sleutels = sleutels.copied();
        c
    }

    /// `plaatsingenNaarVoorgeschiedenis` of one query; protected when `sleutels` is given
    /// (a caller without person-level access).
    pub fn plaatsingen_naar_voorgeschiedenis(
        &self,
        q: &Query,
        sleutels: Option<&RecordKeys>,
    ) -> Kpi<PlaatsingenNaarVoorgeschiedenis> {
        let c = self.pad_ctx(q, sleutels);
        c.kpi("plaatsingenNaarVoorgeschiedenis", c.voorgeschiedenis())
    }

    /// `onttrekkingen` of one query (see [`Projection::plaatsingen_naar_voorgeschiedenis`]).
    pub fn onttrekkingen(&self, q: &Query, sleutels: Option<&RecordKeys>) -> Kpi<Onttrekkingen> {
        let c = self.pad_ctx(q, sleutels);
        c.kpi("onttrekkingen", c.onttrekkingen())
    }

    /// `terugval` of one query (see [`Projection::plaatsingen_naar_voorgeschiedenis`]).
    pub fn terugval(&self, q: &Query, sleutels: Option<&RecordKeys>) -> Kpi<Terugval> {
        let c = self.pad_ctx(q, sleutels);
        c.kpi("terugval", c.terugval())
    }

    /// The three path KPIs of one query.
    pub fn pad(&self, q: &Query, sleutels: Option<&RecordKeys>) -> PadRapport {
        let c = self.pad_ctx(q, sleutels);
        PadRapport {
            plaatsingen_naar_voorgeschiedenis: c
                .kpi("plaatsingenNaarVoorgeschiedenis", c.voorgeschiedenis()),
            onttrekkingen: c.kpi("onttrekkingen", c.onttrekkingen()),
            terugval: c.kpi("terugval", c.terugval()),
        }
    }

    /// The path KPIs of every period of a series, each read at its own end (as
    /// [`Projection::reeks`]): equal to [`Projection::pad`] of each period alone.
    ///
    /// One scan of the episodes and absences visible at K over the whole series: each
    /// episode goes to the period it starts in and the one it ends in, and each period
    /// counts its share with the single period's code (the filter does not depend on the
    /// period, P does).
    pub fn pad_reeks(
        &self,
        q: &Query,
        perioden: &[Periode],
        sleutels: Option<&RecordKeys>,
    ) -> Vec<PadRapport> {
        let (Some(lo), Some(hi)) = (
            perioden.iter().map(|p| p.dagnummers().0).min(),
            perioden.iter().map(|p| p.dagnummers().1).max(),
        ) else {
            return Vec::new();
        };
        // Day → the period it lies in (periods may leave gaps or overlap: then a day
        // belongs to the first period that holds it, and the rest take the slow path).
        let mut periode_van = vec![u32::MAX; usize::try_from(hi - lo).unwrap_or(0)];
        let mut disjunct = true;
        for (i, p) in perioden.iter().enumerate() {
            let (van, tot) = p.dagnummers();
            for d in van..tot {
                if let Some(slot) =
                    periode_van.get_mut(usize::try_from(d - lo).unwrap_or(usize::MAX))
                {
                    if *slot != u32::MAX {
                        disjunct = false;
                    } else {
                        *slot = u32::try_from(i).unwrap_or(u32::MAX);
                    }
                }
            }
        }
        if !disjunct {
            return perioden
                .iter()
                .map(|&p| {
                    let mut qq = q.clone();
                    qq.periode = p;
                    qq.peildatum = None;
                    self.pad(&qq, sleutels)
                })
                .collect();
        }
        let periode = |d: i32| -> Option<usize> {
            let i = *periode_van.get(usize::try_from(d.checked_sub(lo)?).ok()?)?;
            (i != u32::MAX).then_some(i as usize)
        };
        let known_at = q.knowledge_time();
        let mut op_begin: Vec<Vec<&Episode>> = vec![Vec::new(); perioden.len()];
        let mut op_eind: Vec<Vec<&Episode>> = vec![Vec::new(); perioden.len()];
        for e in self.jt.episodes.visible(known_at, lo, hi) {
            if let Some(i) = periode(e.begin) {
                op_begin[i].push(e);
            }
            if e.eind != OPEN_EIND
                && let Some(i) = periode(e.eind)
            {
                op_eind[i].push(e);
            }
        }
        // The peildatum of a period is its end (the day `tot`), so the absences of every
        // period lie within [lo, hi].
        let onttrekkingen: Vec<&Onttrekking> =
            self.pad.onttrekkingen.visible(known_at, lo, hi).collect();
        perioden
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let mut qq = q.clone();
                qq.periode = p;
                qq.peildatum = None;
                let c = self.pad_ctx(&qq, sleutels);
                let b = op_begin
                    .get(i)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .copied();
                let e = op_eind
                    .get(i)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .copied();
                PadRapport {
                    plaatsingen_naar_voorgeschiedenis: c
                        .kpi("plaatsingenNaarVoorgeschiedenis", c.voorgeschiedenis_uit(b)),
                    onttrekkingen: c.kpi(
                        "onttrekkingen",
                        c.onttrekkingen_uit(onttrekkingen.iter().copied()),
                    ),
                    terugval: c.kpi("terugval", c.terugval_uit(e)),
                }
            })
            .collect()
    }
}

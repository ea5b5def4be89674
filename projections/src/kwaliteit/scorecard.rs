//! The scorecard (docs/kpis.md, "Scorecard"): a contract's performance agreements as
//! known at K, each with its realised value over its measurement period (filter: the
//! contract's provider), its status, its trend per quarter, the events behind the value
//! and its history; and the difference between two knowledge times.
//!
//! The contract and its agreements come from the money side
//! ([`Projection::contract`], `geld/`); the realised values are the existing KPIs
//! ([`Projection::kpis`] / [`Projection::reeks`]: verblijfsduur, spoedaandeel,
//! uitstroomNaarLichtereZorg, doorplaatsingen, bezettingsgraad over the period) and those
//! of this module (maatregelen per 1,000 bed-days, ratio ambulant/bed), all with
//! `Filter { aanbieder: Some(provider), .. }` and the knowledge time K.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kringloop_events::{Afspraakinhoud, Normkpi, Richting};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::diff::GebeurtenisRef;
use crate::disclosure::RecordKeys;
use crate::geld::{AfspraakOpK, Bron, ContractOpK};
use crate::knowledge::KnowledgeTime;
use crate::periode::{Granulariteit, Periode, dag};
use crate::projectie::Projection;
use crate::query::{Filter, Query};
use crate::report::{KpiMeta, KpiReport};
use crate::versions::{ValidTime, VersionTable};

/// Whether an agreement is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AfspraakStatus {
    /// The measurement period has ended by K's date and the value meets the norm.
    Gehaald,
    /// The period has ended by K's date and the value misses the norm (or there is no
    /// value: nothing shows the norm was met).
    NietGehaald,
    /// The period has not ended by K's date: the value so far, not final.
    NogNietDefinitief,
}

impl AfspraakStatus {
    pub fn code(self) -> &'static str {
        match self {
            AfspraakStatus::Gehaald => "GEHAALD",
            AfspraakStatus::NietGehaald => "NIET_GEHAALD",
            AfspraakStatus::NogNietDefinitief => "NOG_NIET_DEFINITIEF",
        }
    }
}

/// The realised value over one quarter of the measurement period (clipped to it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trendpunt {
    pub periode: Periode,
    pub waarde: Option<f64>,
}

/// A point of a capacity agreement with the places realised on its date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapaciteitspuntScore {
    pub datum: NaiveDate,
    pub afgesproken: u32,
    /// Places of the provider's facilities of the agreement's form and regime on `datum`.
    pub gerealiseerd: i64,
    /// At most (AFBOUW) or at least (OPBOUW) the places agreed.
    pub gehaald: bool,
    /// The date has passed by K's date.
    pub definitief: bool,
}

/// One version of an agreement in its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersieRegel {
    /// The event that recorded it.
    pub gebeurtenis: GebeurtenisRef,
    /// From this date on the agreement said `inhoud`.
    pub datum: NaiveDate,
    pub inhoud: Afspraakinhoud,
    /// The toelichting or reden recorded with it.
    pub reden: String,
    /// The correction or retraction that replaced it, if recorded by K.
    pub vervallen: Option<GebeurtenisRef>,
}

/// One agreement on the scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfspraakScore {
    pub afspraak: String,
    /// The content in force at K.
    pub inhoud: Afspraakinhoud,
    /// The measurement period: [van, tot_en_met + 1) of a norm; first to last point of a
    /// capacity agreement.
    pub meetperiode: Option<Periode>,
    /// The realised value over the measurement period (a capacity agreement: the places
    /// on its last point's date, or on K's date if that comes first).
    pub gerealiseerd: Option<f64>,
    pub status: AfspraakStatus,
    /// The value per quarter of the measurement period (a capacity agreement: the places
    /// at the end of each quarter).
    pub trend: Vec<Trendpunt>,
    /// A capacity agreement's points.
    pub punten: Vec<CapaciteitspuntScore>,
    /// What the realised value rests on: its definition, period, K, filter and log prefix.
    pub onderbouwing: Option<KpiMeta>,
    /// The events behind the realised value: those that recorded the facts (visible at
    /// K) it is computed from, by position.
    pub gebeurtenissen: Vec<GebeurtenisRef>,
    /// Every version of the agreement recorded by K, with its recorded time and reason.
    pub historie: Vec<VersieRegel>,
}

/// A contract's scorecard as known at K.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scorecard {
    pub contract: String,
    pub aanbieder: String,
    /// `None`: everything applied.
    pub kennis: Option<DateTime<Utc>>,
    /// K's date: a measurement period that ends before it is final.
    pub kennisdatum: Option<NaiveDate>,
    pub afspraken: Vec<AfspraakScore>,
    /// The contract's events recorded by K.
    pub gebeurtenissen: Vec<GebeurtenisRef>,
}

/// The scorecard as known at K1 and at K2, and the events recorded in (K1, K2] that
/// changed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScorecardVerschil {
    pub voor: Option<Scorecard>,
    pub na: Option<Scorecard>,
    /// Agreements whose content, value or status differs (sorted).
    pub gewijzigd: Vec<String>,
    /// Events recorded in (K1, K2] that changed the contract, an agreement, or the facts
    /// under a realised value, by position.
    pub gebeurtenissen: Vec<GebeurtenisRef>,
}

fn referentie(contract: &str, b: &Bron) -> GebeurtenisRef {
    GebeurtenisRef {
        positie: b.positie,
        event_id: b.event_id,
        event_type: b.soort.to_owned(),
        stream: format!("contract-{contract}"),
        recorded_at: Some(b.recorded_at),
    }
}

fn datetime(k: KnowledgeTime) -> Option<DateTime<Utc>> {
    if k >= KnowledgeTime::LATEST {
        return None;
    }
    DateTime::from_timestamp_micros(k.micros())
}

/// Positions of the events that created the versions of `t` visible at `k` whose valid
/// time touches [lo, hi] and that pass `past`.
fn bronnen<T: ValidTime + Copy + PartialEq>(
    t: &VersionTable<T>,
    k: KnowledgeTime,
    lo: i32,
    hi: i32,
    past: impl Fn(&T) -> bool,
    uit: &mut Vec<u32>,
) {
    for v in t.in_window(lo, hi) {
        let f = &v.fact;
        if v.visible(k) && f.begin() <= hi && f.eind() >= lo && past(f) {
            uit.push(v.pos_from);
        }
    }
}

/// The realised value of a norm KPI in a report (of the five taken from `kpis`).
fn uit_rapport(kpi: Normkpi, r: &KpiReport) -> Option<f64> {
    match kpi {
        Normkpi::GemiddeldeVerblijfsduur => r.verblijfsduur.waarde.gemiddelde,
        Normkpi::Spoedaandeel => r.spoedaandeel.waarde.waarde,
        Normkpi::UitstroomLichtereZorg => r.uitstroom_naar_lichtere_zorg.waarde.lichter.waarde,
        Normkpi::Doorplaatsingen => r.doorplaatsingen.waarde.aantal.waarde.map(|n| n as f64),
        Normkpi::Bezettingsgraad => r.bezetting.waarde.graad_periode.waarde,
        Normkpi::RatioAmbulantBed | Normkpi::MaatregelenPer1000Ligdagen => None,
    }
}

/// Whether `waarde` meets `min` and `max`.
fn voldoet(waarde: Option<f64>, min: Option<f64>, max: Option<f64>) -> bool {
    waarde.is_some_and(|w| min.is_none_or(|m| w >= m) && max.is_none_or(|m| w <= m))
}

impl Projection {
    /// K's date: the date of K, or without K the date of the last recorded event.
    fn kennisdatum(&self, k: KnowledgeTime) -> Option<NaiveDate> {
        datetime(k)
            .or_else(|| self.recorded_until())
            .map(|t| t.date_naive())
    }

    /// The scorecard of contract `contract` as known at `kennis` (`None` if the contract
    /// is not known then); the realised values protected by the cell-key method when
    /// `sleutels` are given.
    pub fn scorecard(
        &self,
        contract: &str,
        kennis: &KnowledgeTime,
        sleutels: Option<&RecordKeys>,
    ) -> Option<Scorecard> {
        let c = self.contract(contract, kennis)?;
        let kennisdatum = self.kennisdatum(*kennis);
        let afspraken = c
            .afspraken
            .iter()
            .map(|a| self.afspraak_score(&c, a, *kennis, kennisdatum, sleutels))
            .collect();
        Some(Scorecard {
            contract: c.id.clone(),
            aanbieder: c.aanbieder.clone(),
            kennis: datetime(*kennis),
            kennisdatum,
            afspraken,
            gebeurtenissen: c
                .gebeurtenissen
                .iter()
                .map(|b| referentie(&c.id, b))
                .collect(),
        })
    }

    /// The scorecard as known at `k1` and at `k2` and the events recorded in (k1, k2]
    /// that changed it: the contract's own events, and those that created, corrected or
    /// retracted a fact under a realised value (as [`Projection::diff`] finds them).
    pub fn scorecard_verschil(
        &self,
        contract: &str,
        k1: &KnowledgeTime,
        k2: &KnowledgeTime,
        sleutels: Option<&RecordKeys>,
    ) -> ScorecardVerschil {
        let (k1, k2) = if k2 < k1 { (*k2, *k1) } else { (*k1, *k2) };
        let voor = self.scorecard(contract, &k1, sleutels);
        let na = self.scorecard(contract, &k2, sleutels);
        let mut gewijzigd: Vec<String> = Vec::new();
        let leeg: Vec<AfspraakScore> = Vec::new();
        let a1 = voor.as_ref().map_or(&leeg, |s| &s.afspraken);
        let a2 = na.as_ref().map_or(&leeg, |s| &s.afspraken);
        for a in a1.iter().chain(a2) {
            let x = a1.iter().find(|b| b.afspraak == a.afspraak);
            let y = a2.iter().find(|b| b.afspraak == a.afspraak);
            let zelfde = match (x, y) {
                (Some(x), Some(y)) => {
                    x.inhoud == y.inhoud
                        && x.gerealiseerd == y.gerealiseerd
                        && x.status == y.status
                        && x.punten == y.punten
                }
                _ => false,
            };
            if !zelfde && !gewijzigd.contains(&a.afspraak) {
                gewijzigd.push(a.afspraak.clone());
            }
        }
        gewijzigd.sort();
        let binnen = |t: DateTime<Utc>| {
            let t = KnowledgeTime::from(t);
            k1 < t && t <= k2
        };
        let mut uit: Vec<GebeurtenisRef> = na
            .as_ref()
            .map(|s| {
                s.gebeurtenissen
                    .iter()
                    .filter(|g| g.recorded_at.is_some_and(binnen))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        // The facts under the realised values: the provider's, over the span of every
        // measurement period of either scorecard.
        let perioden = a1.iter().chain(a2).filter_map(|a| a.meetperiode);
        let span = perioden.fold(None, |acc: Option<(NaiveDate, NaiveDate)>, p| {
            Some(acc.map_or((p.van, p.tot), |(v, t)| (v.min(p.van), t.max(p.tot))))
        });
        let aanbieder = na.as_ref().or(voor.as_ref()).map(|s| s.aanbieder.clone());
        if let (Some((van, tot)), Some(aanbieder), Some(t1), Some(t2)) = (
            span,
            aanbieder,
            datetime(k1),
            datetime(k2).or(self.recorded_until()),
        ) && let Ok(p) = Periode::bereik(van, tot)
        {
            let q = Query::new(p).filter(Filter {
                aanbieder: Some(aanbieder),
                ..Filter::default()
            });
            uit.extend(self.diff(&q, t1, t2).gebeurtenissen);
            let c = Ctx::new(self, &q);
            let (lo, hi) = (dag(van), dag(tot) - 1);
            for v in self.kwaliteit.in_venster(lo, hi) {
                let f = v.feit.feit;
                if f.begin < lo || f.begin > hi || !c.past_locatie(f.voorziening) {
                    continue;
                }
                for (t, pos) in [(v.van, v.pos_van), (v.tot, v.pos_tot)] {
                    if k1 < t && t <= k2 && pos != 0 {
                        uit.extend(self.gebeurtenis(i64::from(pos)));
                    }
                }
            }
        }
        uit.sort_by_key(|g| g.positie);
        uit.dedup_by_key(|g| g.positie);
        ScorecardVerschil {
            voor,
            na,
            gewijzigd,
            gebeurtenissen: uit,
        }
    }

    fn afspraak_score(
        &self,
        c: &ContractOpK,
        a: &AfspraakOpK,
        k: KnowledgeTime,
        kennisdatum: Option<NaiveDate>,
        sleutels: Option<&RecordKeys>,
    ) -> AfspraakScore {
        let historie = a
            .versies
            .iter()
            .map(|v| VersieRegel {
                gebeurtenis: referentie(&c.id, &v.bron),
                datum: v.datum,
                inhoud: v.inhoud.clone(),
                reden: v.reden.clone(),
                vervallen: v.vervallen.as_ref().map(|b| referentie(&c.id, b)),
            })
            .collect();
        let voorbij = |d: NaiveDate| kennisdatum.is_some_and(|k| d < k);
        let filter = Filter {
            aanbieder: Some(c.aanbieder.clone()),
            ..Filter::default()
        };
        let mut score = AfspraakScore {
            afspraak: a.id.clone(),
            inhoud: a.inhoud.clone(),
            meetperiode: None,
            gerealiseerd: None,
            status: AfspraakStatus::NogNietDefinitief,
            trend: Vec::new(),
            punten: Vec::new(),
            onderbouwing: None,
            gebeurtenissen: Vec::new(),
            historie,
        };
        let mut pos: Vec<u32> = Vec::new();
        match &a.inhoud {
            Afspraakinhoud::Norm {
                kpi,
                van,
                tot_en_met,
                min,
                max,
            } => {
                let tot = *tot_en_met + Duration::days(1);
                let Ok(p) = Periode::bereik(*van, tot) else {
                    score.status = AfspraakStatus::NietGehaald;
                    return score;
                };
                score.meetperiode = Some(p);
                let mut q = Query::new(p).filter(filter);
                q.known_at = datetime(k);
                let (waarde, meta) = self.norm_waarde(*kpi, &q, sleutels);
                score.gerealiseerd = waarde;
                score.onderbouwing = Some(meta);
                score.trend = self.norm_trend(*kpi, &q, sleutels);
                score.status = if !voorbij(*tot_en_met) {
                    AfspraakStatus::NogNietDefinitief
                } else if voldoet(waarde, *min, *max) {
                    AfspraakStatus::Gehaald
                } else {
                    AfspraakStatus::NietGehaald
                };
                self.norm_bronnen(*kpi, &q, &mut pos);
            }
            Afspraakinhoud::Capaciteit {
                vorm,
                regime,
                richting,
                punten,
            } => {
                let filter = Filter {
                    vorm: *vorm,
                    regime: *regime,
                    ..filter
                };
                let mut gesorteerd = punten.clone();
                gesorteerd.sort_by_key(|p| p.datum);
                let (Some(eerste), Some(laatste)) = (gesorteerd.first(), gesorteerd.last()) else {
                    score.status = AfspraakStatus::NietGehaald;
                    return score;
                };
                let (eerste, laatste) = (eerste.datum, laatste.datum);
                let p = Periode::bereik(eerste, laatste + Duration::days(1)).ok();
                score.meetperiode = p;
                let plaatsen_op = |d: NaiveDate| -> (i64, KpiMeta) {
                    let mut q = Query::new(Periode {
                        van: d,
                        tot: d + Duration::days(1),
                    })
                    .filter(filter.clone())
                    .peildatum(d);
                    q.known_at = datetime(k);
                    let t = self.plaatsen(&q);
                    (t.waarde.totaal.of_nul(), t.meta)
                };
                for pt in &gesorteerd {
                    let (n, _) = plaatsen_op(pt.datum);
                    let gehaald = match richting {
                        Richting::Afbouw => n <= i64::from(pt.plaatsen),
                        Richting::Opbouw => n >= i64::from(pt.plaatsen),
                    };
                    score.punten.push(CapaciteitspuntScore {
                        datum: pt.datum,
                        afgesproken: pt.plaatsen,
                        gerealiseerd: n,
                        gehaald,
                        definitief: voorbij(pt.datum),
                    });
                }
                let peil = kennisdatum.map_or(laatste, |kd| laatste.min(kd));
                let (n, meta) = plaatsen_op(peil);
                score.gerealiseerd = Some(n as f64);
                score.onderbouwing = Some(meta);
                if let Some(p) = p
                    && let Ok(kwartalen) = Periode::reeks(p.van, p.tot, Granulariteit::Kwartaal)
                {
                    for kw in kwartalen {
                        let kw = Periode {
                            van: kw.van.max(p.van),
                            tot: kw.tot.min(p.tot),
                        };
                        let (n, _) = plaatsen_op(kw.tot - Duration::days(1));
                        score.trend.push(Trendpunt {
                            periode: kw,
                            waarde: Some(n as f64),
                        });
                    }
                }
                score.status = if !voorbij(laatste) {
                    AfspraakStatus::NogNietDefinitief
                } else if score.punten.iter().all(|p| p.gehaald) {
                    AfspraakStatus::Gehaald
                } else {
                    AfspraakStatus::NietGehaald
                };
                let q = Query::new(Periode {
                    van: laatste,
                    tot: laatste + Duration::days(1),
                })
                .filter(filter);
                let cx = Ctx::new(self, &q);
                bronnen(
                    &self.capaciteit,
                    k,
                    i32::MIN,
                    dag(laatste),
                    |f| cx.past_locatie(f.voorziening),
                    &mut pos,
                );
            }
        }
        pos.sort_unstable();
        pos.dedup();
        score.gebeurtenissen = pos
            .into_iter()
            .filter_map(|p| self.gebeurtenis(i64::from(p)))
            .collect();
        score
    }

    /// The realised value of a norm KPI for a query, and what it rests on.
    fn norm_waarde(
        &self,
        kpi: Normkpi,
        q: &Query,
        sleutels: Option<&RecordKeys>,
    ) -> (Option<f64>, KpiMeta) {
        match kpi {
            Normkpi::RatioAmbulantBed => {
                let r = self.ratio_ambulant_bed(q, sleutels);
                (r.waarde.totaal.ratio.waarde, r.meta)
            }
            Normkpi::MaatregelenPer1000Ligdagen => {
                let m = self.maatregelen(q, sleutels);
                (m.waarde.totaal.per_1000_ligdagen, m.meta)
            }
            _ => {
                let r = match sleutels {
                    Some(s) => self.kpis_beschermd(q, s),
                    None => self.kpis(q),
                };
                (uit_rapport(kpi, &r), r.meta)
            }
        }
    }

    /// The value of a norm KPI per quarter of the query's period (clipped to it).
    fn norm_trend(&self, kpi: Normkpi, q: &Query, sleutels: Option<&RecordKeys>) -> Vec<Trendpunt> {
        let p = q.periode;
        let Ok(kwartalen) = Periode::reeks(p.van, p.tot, Granulariteit::Kwartaal) else {
            return Vec::new();
        };
        let perioden: Vec<Periode> = kwartalen
            .into_iter()
            .map(|k| Periode {
                van: k.van.max(p.van),
                tot: k.tot.min(p.tot),
            })
            .collect();
        let waarden: Vec<Option<f64>> = match kpi {
            Normkpi::RatioAmbulantBed => self
                .ratio_ambulant_bed_reeks(q, &perioden, sleutels)
                .into_iter()
                .map(|r| r.waarde.totaal.ratio.waarde)
                .collect(),
            Normkpi::MaatregelenPer1000Ligdagen => self
                .maatregelen_reeks(q, &perioden, sleutels)
                .into_iter()
                .map(|m| m.waarde.totaal.per_1000_ligdagen)
                .collect(),
            _ => {
                let r = match sleutels {
                    Some(s) => self.reeks_beschermd(q, &perioden, s),
                    None => self.reeks(q, &perioden),
                };
                r.iter().map(|r| uit_rapport(kpi, r)).collect()
            }
        };
        perioden
            .into_iter()
            .zip(waarden)
            .map(|(periode, waarde)| Trendpunt { periode, waarde })
            .collect()
    }

    /// The events that recorded the facts (visible at K) a norm KPI of `q` rests on.
    fn norm_bronnen(&self, kpi: Normkpi, q: &Query, uit: &mut Vec<u32>) {
        let c = Ctx::new(self, q);
        let (lo, hi) = (c.van, c.tot - 1);
        let k = c.known_at;
        let pl = |uit: &mut Vec<u32>| {
            bronnen(
                &self.jt.plaatsingen,
                k,
                lo,
                hi,
                |f| c.past(f.voorziening, f.herkomst),
                uit,
            );
        };
        match kpi {
            Normkpi::GemiddeldeVerblijfsduur | Normkpi::UitstroomLichtereZorg => bronnen(
                &self.jt.episodes,
                k,
                lo,
                hi,
                |f| c.in_p(f.eind) && c.past(f.laatste, f.herkomst),
                uit,
            ),
            Normkpi::Spoedaandeel => {
                pl(uit);
                bronnen(
                    &self.jt.machtigingen,
                    k,
                    lo,
                    hi,
                    |f| c.past(f.voorziening, f.herkomst),
                    uit,
                );
            }
            Normkpi::Doorplaatsingen | Normkpi::RatioAmbulantBed => pl(uit),
            Normkpi::Bezettingsgraad => {
                bronnen(
                    &self.jt.plaatsingen,
                    k,
                    lo,
                    hi,
                    |f| c.past_locatie(f.voorziening),
                    uit,
                );
                bronnen(
                    &self.capaciteit,
                    k,
                    i32::MIN,
                    hi,
                    |f| c.past_locatie(f.voorziening),
                    uit,
                );
            }
            Normkpi::MaatregelenPer1000Ligdagen => {
                bronnen(
                    &self.jt.plaatsingen,
                    k,
                    lo,
                    hi,
                    |f| {
                        f.vlaggen & crate::feiten::vlag::AMBULANT == 0
                            && c.past_locatie(f.voorziening)
                    },
                    uit,
                );
                for v in self.kwaliteit.in_venster(lo, hi) {
                    let f = v.feit.feit;
                    if v.zichtbaar(k) && c.in_p(f.begin) && c.past_locatie(f.voorziening) {
                        uit.push(v.pos_van);
                    }
                }
            }
        }
    }
}

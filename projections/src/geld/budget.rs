//! budget and budgetneutraal (docs/kpis.md, "Geld"): a region's budget of a year per
//! segment after shifts, the costs of that year so far and the forecast at the current
//! pace; and the costs of a period against the same days of a base year.
//!
//! Both read the cost tallies of `kosten.rs`. A series of budgets needs the costs from
//! each year's first day to each period's end; those ranges overlap, so the tallies are
//! taken once over the disjoint pieces between all those dates and summed per period.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use kringloop_events::{Budgetsegment, Gebeurtenis};
use serde::{Deserialize, Serialize};

use super::kosten::{Index, Telling, deel_afgerond, periode_query};
use crate::context::Ctx;
use crate::knowledge::KnowledgeTime;
use crate::periode::{Periode, dag};
use crate::projectie::Projection;
use crate::query::Query;
use crate::report::Kpi;

/// One segment (or the total) of a region's budget.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetRegel {
    /// The segment code, or `TOTAAL`.
    pub segment: String,
    /// The amount of the `BudgetVastgesteld` in force (the last recorded for the region,
    /// year and segment); `None` without one.
    pub vastgesteld_cent: Option<i64>,
    /// Net amount shifted into the segment by `BudgetVerschoven` dated up to the period's
    /// last day (negative: shifted out).
    pub verschoven_cent: i64,
    /// Vastgesteld + verschoven; `None` when neither exists.
    pub budget_cent: Option<i64>,
    /// Costs (zorgkosten + leegstand) from 1 January to the period's last day.
    pub kosten_cent: i64,
    /// kosten ÷ budget; `None` without a positive budget.
    pub realisatie: Option<f64>,
    /// round(kosten ÷ days elapsed × days in the year).
    pub prognose_cent: i64,
    /// prognose ÷ budget; `None` without a positive budget.
    pub prognose_realisatie: Option<f64>,
}

/// A region's budget figures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetRegio {
    pub jeugdregio: String,
    /// GESLOTEN, OPEN_RESIDENTIEEL, AMBULANT.
    pub segmenten: Vec<BudgetRegel>,
    pub totaal: BudgetRegel,
}

/// budget: per jeugdregio the year of the period's last day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    pub jaar: i32,
    /// The last day counted (the period's last day).
    pub tot_en_met: Option<NaiveDate>,
    pub dagen_verstreken: i64,
    pub dagen_in_jaar: i64,
    /// The filter's region, or every region with a budget for the year or costs in it,
    /// sorted (`ONBEKEND` last: costs of youths whose region is unknown).
    pub regios: Vec<BudgetRegio>,
}

/// One line of budgetneutraal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetneutraalRegel {
    pub sleutel: String,
    /// Costs of the period.
    pub kosten_cent: i64,
    /// Costs of the same days in the base year.
    pub basis_cent: i64,
    /// kosten − basis.
    pub verschil_cent: i64,
    /// kosten ÷ basis; `None` when basis is 0.
    pub verhouding: Option<f64>,
}

impl BudgetneutraalRegel {
    fn van(sleutel: String, kosten: i64, basis: i64) -> BudgetneutraalRegel {
        BudgetneutraalRegel {
            sleutel,
            kosten_cent: kosten,
            basis_cent: basis,
            verschil_cent: kosten - basis,
            verhouding: (basis != 0).then(|| kosten as f64 / basis as f64),
        }
    }
}

/// budgetneutraal: the costs of P against those of the same days in a base year, same
/// filter and knowledge time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Budgetneutraal {
    pub basisjaar: i32,
    /// P moved to the base year (whole years; 29 February becomes the 28th).
    pub basisperiode: Option<Periode>,
    pub totaal: BudgetneutraalRegel,
    pub per_segment: Vec<BudgetneutraalRegel>,
    /// Regions with costs in either period (`ONBEKEND` last).
    pub per_jeugdregio: Vec<BudgetneutraalRegel>,
}

/// Costs per region row and segment (all classes).
type Regiokosten = Vec<[i64; 3]>;

fn regiokosten(t: &Telling) -> Regiokosten {
    t.regio
        .iter()
        .map(|segs| {
            let mut r = [0i64; 3];
            for (x, s) in r.iter_mut().zip(segs) {
                *x = s.iter().sum();
            }
            r
        })
        .collect()
}

fn tel_op(a: &mut Regiokosten, b: &Regiokosten) {
    if a.len() < b.len() {
        a.resize(b.len(), [0; 3]);
    }
    for (x, y) in a.iter_mut().zip(b) {
        for (p, q) in x.iter_mut().zip(y) {
            *p += q;
        }
    }
}

fn jaar_periode(jaar: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(jaar, 1, 1)?,
        NaiveDate::from_ymd_opt(jaar + 1, 1, 1)?,
    ))
}

/// The year of a period's last day.
fn jaar_van(p: &Periode) -> i32 {
    p.tot.pred_opt().unwrap_or(p.tot).year()
}

fn aandeel(a: i64, b: Option<i64>) -> Option<f64> {
    b.filter(|&b| b > 0).map(|b| a as f64 / b as f64)
}

impl Projection {
    /// The budget of region `regio` for year `jaar` per segment, as known at K, with the
    /// shifts dated before day `tot` (exclusive): (vastgesteld, verschoven).
    fn budget_stand(
        &self,
        regio: &str,
        jaar: i32,
        tot: i32,
        k: KnowledgeTime,
    ) -> [(Option<i64>, i64); 3] {
        let mut uit = [(None, 0i64); 3];
        let mut orde = [i64::MIN; 3];
        let seg = |s: Budgetsegment| Budgetsegment::ALL.iter().position(|&x| x == s);
        let Some(idx) = self.geld.per_regio.get(regio) else {
            return uit;
        };
        for v in idx
            .iter()
            .filter_map(|&i| self.geld.versies.get(i))
            .filter(|v| v.zichtbaar(k))
        {
            match &v.feit {
                Gebeurtenis::BudgetVastgesteld(e) if e.jaar == jaar => {
                    if let Some(s) = seg(e.segment)
                        && v.orde >= orde[s]
                    {
                        orde[s] = v.orde;
                        uit[s].0 = Some(e.bedrag_cent);
                    }
                }
                Gebeurtenis::BudgetVerschoven(e) if e.jaar == jaar && dag(e.datum) < tot => {
                    if let (Some(a), Some(b)) = (seg(e.van), seg(e.naar)) {
                        uit[a].1 -= e.bedrag_cent;
                        uit[b].1 += e.bedrag_cent;
                    }
                }
                _ => {}
            }
        }
        uit
    }

    fn budget_van(&self, c: &Ctx<'_>, per: &Periode, kosten: &Regiokosten) -> Budget {
        let jaar = jaar_van(per);
        let Some((begin, eind)) = jaar_periode(jaar) else {
            return Budget::default();
        };
        let tot = dag(per.tot);
        let verstreken = i64::from(tot - dag(begin));
        let in_jaar = i64::from(dag(eind) - dag(begin));
        let n = self.regios.len();
        // The regions: the filter's, or those with a budget for the year or costs.
        let mut namen: BTreeSet<String> = BTreeSet::new();
        let mut onbekend = false;
        match &c.q.filter.jeugdregio {
            Some(r) => {
                namen.insert(r.clone());
            }
            None => {
                for r in self.geld.per_regio.keys() {
                    let b = self.budget_stand(r, jaar, tot, c.known_at);
                    if b.iter().any(|x| x.0.is_some() || x.1 != 0) {
                        namen.insert(r.clone());
                    }
                }
                for (i, k) in kosten.iter().enumerate() {
                    if k.iter().all(|&x| x == 0) {
                        continue;
                    }
                    match self.regios.naam(i as u32).filter(|_| i < n) {
                        Some(naam) => {
                            namen.insert(naam.to_owned());
                        }
                        None => onbekend = true,
                    }
                }
            }
        }
        let regel = |segment: String, (vast, versch): (Option<i64>, i64), kst: i64| {
            let budget = (vast.is_some() || versch != 0).then(|| vast.unwrap_or(0) + versch);
            let prognose = deel_afgerond(kst * in_jaar, verstreken.max(1));
            BudgetRegel {
                segment,
                vastgesteld_cent: vast,
                verschoven_cent: versch,
                budget_cent: budget,
                kosten_cent: kst,
                realisatie: aandeel(kst, budget),
                prognose_cent: prognose,
                prognose_realisatie: aandeel(prognose, budget),
            }
        };
        let regio = |naam: String, stand: [(Option<i64>, i64); 3], k: [i64; 3]| {
            let segmenten: Vec<BudgetRegel> = Budgetsegment::ALL
                .iter()
                .enumerate()
                .map(|(i, s)| regel(s.code().to_owned(), stand[i], k[i]))
                .collect();
            let vast = stand.iter().filter_map(|s| s.0).reduce(|a, b| a + b);
            let versch = stand.iter().map(|s| s.1).sum();
            let totaal = regel("TOTAAL".to_owned(), (vast, versch), k.iter().sum());
            BudgetRegio {
                jeugdregio: naam,
                segmenten,
                totaal,
            }
        };
        let mut regios: Vec<BudgetRegio> = namen
            .into_iter()
            .map(|naam| {
                let k = self
                    .regios
                    .find(&naam)
                    .and_then(|r| kosten.get(r as usize))
                    .copied()
                    .unwrap_or_default();
                let stand = self.budget_stand(&naam, jaar, tot, c.known_at);
                regio(naam, stand, k)
            })
            .collect();
        if onbekend {
            let k = kosten.get(n).copied().unwrap_or_default();
            regios.push(regio("ONBEKEND".to_owned(), [(None, 0); 3], k));
        }
        Budget {
            jaar,
            tot_en_met: per.tot.pred_opt(),
            dagen_verstreken: verstreken,
            dagen_in_jaar: in_jaar,
            regios,
        }
    }

    /// budget for the year of the query period's last day, up to that day.
    pub fn budget(&self, q: &Query) -> Kpi<Budget> {
        self.budget_reeks(q, &[q.periode])
            .into_iter()
            .next()
            .unwrap_or_else(|| Ctx::new(self, q).kpi("budget", Budget::default()))
    }

    /// budget for each period (each up to its last day), from one cost pass over the
    /// pieces between every year's first day and every period's end.
    pub fn budget_reeks(&self, q: &Query, perioden: &[Periode]) -> Vec<Kpi<Budget>> {
        let c = Ctx::new(self, q);
        let idx = Index::new(self, &c);
        let mut grenzen: BTreeSet<NaiveDate> = BTreeSet::new();
        for p in perioden {
            if let Some((b, _)) = jaar_periode(jaar_van(p)) {
                grenzen.insert(b);
                grenzen.insert(p.tot.max(b));
            }
        }
        let grenzen: Vec<NaiveDate> = grenzen.into_iter().collect();
        let stukken: Vec<Periode> = grenzen
            .windows(2)
            .filter(|w| w[0] < w[1])
            .map(|w| Periode {
                van: w[0],
                tot: w[1],
            })
            .collect();
        let t = c.geld_tellingen(&idx, &stukken, false);
        let per_stuk: Vec<Regiokosten> = t.iter().map(regiokosten).collect();
        perioden
            .iter()
            .map(|per| {
                let begin = jaar_periode(jaar_van(per)).map_or(per.van, |j| j.0);
                let mut k: Regiokosten = Vec::new();
                for (s, rk) in stukken.iter().zip(&per_stuk) {
                    if s.van >= begin && s.tot <= per.tot {
                        tel_op(&mut k, rk);
                    }
                }
                let qp = periode_query(q, *per);
                let cp = c.periode(&qp);
                cp.kpi("budget", self.budget_van(&cp, per, &k))
            })
            .collect()
    }

    /// budgetneutraal: the costs of the query period against the same days of
    /// `basisjaar`.
    pub fn budgetneutraal(&self, q: &Query, basisjaar: i32) -> Kpi<Budgetneutraal> {
        self.budgetneutraal_reeks(q, &[q.periode], basisjaar)
            .into_iter()
            .next()
            .unwrap_or_else(|| Ctx::new(self, q).kpi("budgetneutraal", Budgetneutraal::default()))
    }

    /// budgetneutraal for each period, in one cost pass over the periods and their
    /// base-year counterparts.
    pub fn budgetneutraal_reeks(
        &self,
        q: &Query,
        perioden: &[Periode],
        basisjaar: i32,
    ) -> Vec<Kpi<Budgetneutraal>> {
        let c = Ctx::new(self, q);
        let idx = Index::new(self, &c);
        let verschuif = |d: NaiveDate| -> Option<NaiveDate> {
            let jaren = d.year() - basisjaar;
            let m = Months::new(12 * jaren.unsigned_abs());
            if jaren >= 0 {
                d.checked_sub_months(m)
            } else {
                d.checked_add_months(m)
            }
        };
        let basis: Vec<Option<Periode>> = perioden
            .iter()
            .map(|p| {
                let van = verschuif(p.van)?;
                // The end moves by the same number of years as the start.
                let jaren = p.van.year() - basisjaar;
                let m = Months::new(12 * jaren.unsigned_abs());
                let tot = if jaren >= 0 {
                    p.tot.checked_sub_months(m)?
                } else {
                    p.tot.checked_add_months(m)?
                };
                (van < tot).then_some(Periode { van, tot })
            })
            .collect();
        let mut alle: Vec<Periode> = perioden.to_vec();
        alle.extend(basis.iter().flatten().copied());
        let t = c.geld_tellingen(&idx, &alle, false);
        let n = self.regios.len();
        let mut bi = perioden.len();
        perioden
            .iter()
            .enumerate()
            .map(|(i, per)| {
                let nu = t.get(i).map(regiokosten).unwrap_or_default();
                let toen = match basis[i] {
                    Some(_) => {
                        let r = t.get(bi).map(regiokosten).unwrap_or_default();
                        bi += 1;
                        r
                    }
                    None => Vec::new(),
                };
                let som = |r: &Regiokosten, s: Option<usize>| -> i64 {
                    r.iter()
                        .map(|x| match s {
                            Some(s) => x[s],
                            None => x.iter().sum(),
                        })
                        .sum()
                };
                let mut regios: BTreeMap<String, (i64, i64)> = BTreeMap::new();
                let mut onbekend = (0i64, 0i64);
                for (w, r) in [&nu, &toen].into_iter().enumerate() {
                    for (rij, x) in r.iter().enumerate() {
                        let bedrag: i64 = x.iter().sum();
                        if bedrag == 0 {
                            continue;
                        }
                        let slot = match self.regios.naam(rij as u32).filter(|_| rij < n) {
                            Some(naam) => regios.entry(naam.to_owned()).or_default(),
                            None => &mut onbekend,
                        };
                        if w == 0 {
                            slot.0 += bedrag;
                        } else {
                            slot.1 += bedrag;
                        }
                    }
                }
                let mut per_jeugdregio: Vec<BudgetneutraalRegel> = regios
                    .into_iter()
                    .map(|(k, (a, b))| BudgetneutraalRegel::van(k, a, b))
                    .collect();
                if onbekend != (0, 0) {
                    per_jeugdregio.push(BudgetneutraalRegel::van(
                        "ONBEKEND".to_owned(),
                        onbekend.0,
                        onbekend.1,
                    ));
                }
                let qp = periode_query(q, *per);
                let cp = c.periode(&qp);
                cp.kpi(
                    "budgetneutraal",
                    Budgetneutraal {
                        basisjaar,
                        basisperiode: basis[i],
                        totaal: BudgetneutraalRegel::van(
                            "TOTAAL".to_owned(),
                            som(&nu, None),
                            som(&toen, None),
                        ),
                        per_segment: Budgetsegment::ALL
                            .iter()
                            .enumerate()
                            .map(|(s, seg)| {
                                BudgetneutraalRegel::van(
                                    seg.code().to_owned(),
                                    som(&nu, Some(s)),
                                    som(&toen, Some(s)),
                                )
                            })
                            .collect(),
                        per_jeugdregio,
                    },
                )
            })
            .collect()
    }
}

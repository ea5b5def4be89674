//! The query context ([`Ctx`]): a query's filter, attribution and knowledge time resolved
//! once against the landscape as known then, shared by every period of a series; and the
//! capacity figures that read it directly.

use std::borrow::Cow;

use kringloop_events::{Regime, Vorm};

use crate::disclosure::RecordKeys;
use crate::feiten::{
    GEEN, GEEN8, VzAttr, cap, landschap, regime_code, regime_van, scope, vorm_code, vorm_van,
};
use crate::knowledge::KnowledgeTime;
use crate::periode::{dag, datum};
use crate::projectie::Projection;
use crate::query::{Dimensie, Query, Toerekening};
use crate::report::{Balans, Doelafwijking, Kpi, KpiMeta, Kruistabel};

pub(crate) const NIETS: u32 = u32::MAX - 1;

/// What a query's filter and knowledge time resolve to: the landscape as known at K and
/// the filter as bit masks over facilities and gemeenten. It does not depend on the
/// period, so every period of a series shares one.
#[derive(Clone)]
pub(crate) struct Basis {
    pub attr: Vec<Option<VzAttr>>,
    /// Gemeente → jeugdregio and jeugdregio → landsdeel as known at K (`GEEN`: unknown).
    pub(crate) gem_regio: Vec<u32>,
    pub(crate) regio_land: Vec<u32>,
    pub(crate) vz_ok: Vec<bool>,
    pub(crate) vz_loc: Vec<bool>,
    pub(crate) geo: Vec<bool>,
    pub(crate) geo_filter: bool,
    pub(crate) vz_filter: bool,
    pub(crate) toerekening: Toerekening,
}

/// Row index of every facility or gemeente of origin in a breakdown.
pub(crate) struct Sleutels {
    pub(crate) per_vz: Vec<u32>,
    /// Set when the dimension follows the youth's gemeente of origin.
    pub(crate) per_gem: Option<Vec<u32>>,
    pub(crate) labels: Vec<String>,
    /// Row of facts whose value is unknown at K: the last one, labelled `ONBEKEND`.
    pub(crate) onbekend_rij: u32,
}

impl Sleutels {
    #[inline]
    pub(crate) fn index(&self, vz: u32, herkomst: u32) -> usize {
        let r = match &self.per_gem {
            Some(g) => g.get(herkomst as usize),
            None => self.per_vz.get(vz as usize),
        };
        r.copied().unwrap_or(self.onbekend_rij) as usize
    }
}

/// Everything a query needs, resolved once: the period as day numbers and the [`Basis`].
/// A capacity change as the capacity figures read it ([`Ctx::cap_regels`]).
pub(crate) struct CapRegel {
    pub(crate) datum: i32,
    pub(crate) delta: i32,
    pub(crate) soort: u8,
    /// Form × regime of the facility as known at K (`None`: not registered then).
    pub(crate) cel: Option<(usize, usize)>,
}

pub(crate) struct Ctx<'a> {
    pub p: &'a Projection,
    pub known_at: KnowledgeTime,
    pub van: i32,
    pub tot: i32,
    pub peil: i32,
    pub b: Cow<'a, Basis>,
    pub q: &'a Query,
    /// Set for a caller without person-level access: every tally also sums the keys of
    /// the records it counts (`disclosure.rs`).
    pub sleutels: Option<RecordKeys>,
}

impl<'a> Ctx<'a> {
    pub fn new(p: &'a Projection, q: &'a Query) -> Ctx<'a> {
        let known_at = q.knowledge_time();
        let (van, tot) = q.periode.dagnummers();
        let peil = dag(q.peil());

        let mut attr: Vec<Option<VzAttr>> = vec![None; p.vz_namen.len()];
        for v in p.attrs.alle().filter(|v| v.visible(known_at)) {
            if let Some(slot) = attr.get_mut(v.fact.voorziening as usize)
                && slot.is_none_or(|a| a.orde <= v.fact.orde)
            {
                *slot = Some(v.fact);
            }
        }
        let mut gem_regio: Vec<(u32, u32)> = vec![(GEEN, 0); p.gemeenten.len()];
        let mut regio_land: Vec<(u32, u32)> = vec![(GEEN, 0); p.regios.len()];
        for v in p.landschap.alle().filter(|v| v.visible(known_at)) {
            let l = v.fact;
            let doel = if l.soort == landschap::GEMEENTE {
                gem_regio.get_mut(l.code as usize)
            } else {
                regio_land.get_mut(l.code as usize)
            };
            if let Some(slot) = doel
                && (slot.0 == GEEN || slot.1 <= l.orde)
            {
                *slot = (l.ouder, l.orde);
            }
        }

        let f = &q.filter;
        let find = |naam: &Option<String>, namen: &crate::interner::Interner| -> Option<u32> {
            naam.as_ref().map(|n| namen.find(n).unwrap_or(NIETS))
        };
        let f_land = find(&f.landsdeel, &p.landsdelen);
        let f_regio = find(&f.jeugdregio, &p.regios);
        let f_gem = find(&f.gemeente, &p.gemeenten);
        let f_aanb = find(&f.aanbieder, &p.aanbieders);
        let f_vz = find(&f.voorziening, &p.vz_namen);
        let f_vorm = f.vorm.map(vorm_code);
        let f_regime = f.regime.map(regime_code);

        let geo: Vec<bool> = (0..p.gemeenten.len() as u32)
            .map(|g| {
                let regio = gem_regio.get(g as usize).map_or(GEEN, |x| x.0);
                let land = regio_land.get(regio as usize).map_or(GEEN, |x| x.0);
                f_gem.is_none_or(|x| x == g)
                    && f_regio.is_none_or(|x| x == regio)
                    && f_land.is_none_or(|x| x == land)
            })
            .collect();
        let geo_filter = f.geo();
        let vz_ok: Vec<bool> = (0..p.vz_namen.len() as u32)
            .map(|v| {
                if f_vz.is_some_and(|x| x != v) {
                    return false;
                }
                match attr.get(v as usize).copied().flatten() {
                    Some(a) => {
                        f_aanb.is_none_or(|x| x == a.aanbieder)
                            && f_vorm.is_none_or(|x| x == a.vorm)
                            && f_regime.is_none_or(|x| x == a.regime)
                    }
                    None => f_aanb.is_none() && f_vorm.is_none() && f_regime.is_none(),
                }
            })
            .collect();
        let vz_loc: Vec<bool> = (0..p.vz_namen.len())
            .map(|v| {
                vz_ok.get(v).copied().unwrap_or(false)
                    && (!geo_filter
                        || attr.get(v).copied().flatten().is_some_and(|a| {
                            geo.get(a.gemeente as usize).copied().unwrap_or(false)
                        }))
            })
            .collect();
        Ctx {
            p,
            known_at,
            van,
            tot,
            peil,
            b: Cow::Owned(Basis {
                attr,
                gem_regio: gem_regio.iter().map(|x| x.0).collect(),
                regio_land: regio_land.iter().map(|x| x.0).collect(),
                vz_ok,
                vz_loc,
                geo,
                geo_filter,
                vz_filter: f.vz(),
                toerekening: q.toerekening,
            }),
            q,
            sleutels: None,
        }
    }

    /// The same filter and knowledge time for another period (`q` differs from this
    /// context's query only in its period and peildatum), sharing the [`Basis`].
    pub fn periode<'b>(&'b self, q: &'b Query) -> Ctx<'b> {
        let (van, tot) = q.periode.dagnummers();
        Ctx {
            p: self.p,
            known_at: self.known_at,
            van,
            tot,
            peil: dag(q.peil()),
            b: Cow::Borrowed(&*self.b),
            q,
            sleutels: self.sleutels,
        }
    }

    #[inline]
    pub(crate) fn geo_ok(&self, g: u32) -> bool {
        if !self.b.geo_filter {
            return true;
        }
        self.b.geo.get(g as usize).copied().unwrap_or(false)
    }

    /// A fact about a youth in facility `vz` passes the filter under the attribution.
    #[inline]
    pub fn past(&self, vz: u32, herkomst: u32) -> bool {
        if vz == GEEN {
            return !self.b.vz_filter
                && match self.b.toerekening {
                    Toerekening::Herkomst => self.geo_ok(herkomst),
                    Toerekening::Locatie => !self.b.geo_filter,
                };
        }
        match self.b.toerekening {
            Toerekening::Herkomst => {
                self.b.vz_ok.get(vz as usize).copied().unwrap_or(false) && self.geo_ok(herkomst)
            }
            Toerekening::Locatie => self.past_locatie(vz),
        }
    }

    /// Whether the query has no filter at all (every fact passes `past`, every known
    /// facility `past_locatie`).
    pub fn zonder_filter(&self) -> bool {
        !self.b.geo_filter && !self.b.vz_filter
    }

    #[inline]
    pub fn past_locatie(&self, vz: u32) -> bool {
        self.b.vz_loc.get(vz as usize).copied().unwrap_or(false)
    }

    pub(crate) fn meta(&self, definitie: &str) -> KpiMeta {
        let (n, pos) = self.p.prefix(self.known_at);
        KpiMeta {
            definitie: definitie.to_owned(),
            periode: self.q.periode,
            peildatum: self.q.peil(),
            kennis: self.q.known_at,
            filter: self.q.filter.clone(),
            toerekening: self.q.toerekening,
            gebeurtenissen: n,
            positie: pos,
        }
    }

    /// Where each fact goes in a breakdown by `d`: a row index per facility or per
    /// gemeente of origin, and the row labels (sorted; `ONBEKEND` last, if needed).
    pub(crate) fn sleutels(&self, d: Dimensie) -> Sleutels {
        let p = self.p;
        let b = &*self.b;
        let regio = |g: u32| b.gem_regio.get(g as usize).copied().unwrap_or(GEEN);
        let land = |g: u32| b.regio_land.get(regio(g) as usize).copied().unwrap_or(GEEN);
        let geo = |g: u32| match d {
            Dimensie::Landsdeel => land(g),
            Dimensie::Jeugdregio => regio(g),
            _ => g,
        };
        let attr = |v: usize| b.attr.get(v).copied().flatten();
        // Key of every facility and every gemeente (`GEEN`: unknown), then the labels.
        let (per_vz, per_gem): (Vec<u32>, Option<Vec<u32>>) = if d.geografisch() {
            match b.toerekening {
                Toerekening::Herkomst => (
                    Vec::new(),
                    Some((0..p.gemeenten.len() as u32).map(geo).collect()),
                ),
                Toerekening::Locatie => (
                    (0..p.vz_namen.len())
                        .map(|v| attr(v).map_or(GEEN, |a| geo(a.gemeente)))
                        .collect(),
                    None,
                ),
            }
        } else {
            let sleutel = |a: VzAttr, v: usize| match d {
                Dimensie::Aanbieder => a.aanbieder,
                Dimensie::Vorm => u32::from(a.vorm),
                Dimensie::Regime => u32::from(a.regime),
                _ => v as u32,
            };
            (
                (0..p.vz_namen.len())
                    .map(|v| match (d, attr(v)) {
                        // A facility is itself even before its registration is known.
                        (Dimensie::Voorziening, _) => v as u32,
                        (_, Some(a)) => sleutel(a, v),
                        (_, None) => GEEN,
                    })
                    .collect(),
                None,
            )
        };
        let naam = |k: u32| -> Option<String> {
            match d {
                Dimensie::Landsdeel => p.landsdelen.naam(k).map(str::to_owned),
                Dimensie::Jeugdregio => p.regios.naam(k).map(str::to_owned),
                Dimensie::Gemeente => p.gemeenten.naam(k).map(str::to_owned),
                Dimensie::Aanbieder => p.aanbieders.naam(k).map(str::to_owned),
                Dimensie::Voorziening => p.vz_namen.naam(k).map(str::to_owned),
                Dimensie::Vorm => u8::try_from(k)
                    .ok()
                    .and_then(vorm_van)
                    .map(|v| v.code().to_owned()),
                Dimensie::Regime => u8::try_from(k)
                    .ok()
                    .and_then(regime_van)
                    .map(|r| r.code().to_owned()),
            }
        };
        // Every value the dimension can take: the whole register for the names, every
        // code for form and regime (so a row with nothing in it still shows as 0).
        let alle: Vec<u32> = match d {
            Dimensie::Landsdeel => (0..p.landsdelen.len() as u32).collect(),
            Dimensie::Jeugdregio => (0..p.regios.len() as u32).collect(),
            Dimensie::Gemeente => (0..p.gemeenten.len() as u32).collect(),
            Dimensie::Aanbieder => (0..p.aanbieders.len() as u32).collect(),
            Dimensie::Voorziening => (0..p.vz_namen.len() as u32).collect(),
            Dimensie::Vorm => (0..Vorm::ALL.len() as u32).collect(),
            Dimensie::Regime => (0..crate::feiten::REGIMES.len() as u32).collect(),
        };
        let mut labels: Vec<(String, u32)> = alle
            .into_iter()
            .filter_map(|k| naam(k).map(|n| (n, k)))
            .collect();
        labels.sort();
        let mut rij_van =
            vec![u32::MAX; labels.iter().map(|l| l.1 as usize + 1).max().unwrap_or(0)];
        for (i, (_, k)) in labels.iter().enumerate() {
            if let Some(r) = rij_van.get_mut(*k as usize) {
                *r = i as u32;
            }
        }
        let onbekend_rij = labels.len() as u32;
        let rij = |k: u32| match rij_van.get(k as usize) {
            Some(&r) if r != u32::MAX => r,
            _ => onbekend_rij,
        };
        let per_vz: Vec<u32> = per_vz.into_iter().map(rij).collect();
        let per_gem: Option<Vec<u32>> = per_gem.map(|g| g.into_iter().map(rij).collect());
        let mut labels: Vec<String> = labels.into_iter().map(|l| l.0).collect();
        labels.push("ONBEKEND".to_owned());
        Sleutels {
            per_vz,
            per_gem,
            labels,
            onbekend_rij,
        }
    }

    pub(crate) fn kpi<T>(&self, definitie: &str, waarde: T) -> Kpi<T> {
        Kpi {
            meta: self.meta(definitie),
            waarde,
        }
    }

    pub(crate) fn in_p(&self, d: i32) -> bool {
        self.van <= d && d < self.tot
    }

    // ------------------------------------------------------------ capacity

    /// (plaatsen at peil, opbouw in P, afbouw in P) per vorm × regime.
    /// The capacity changes visible at K, on or before day `hi`, at facilities that pass
    /// the LOCATIE filter (which does not depend on P, so a series reads the table once
    /// for all its periods).
    pub(crate) fn cap_regels(&self, hi: i32) -> Vec<CapRegel> {
        self.p
            .capaciteit
            .visible(self.known_at, i32::MIN, hi)
            .filter(|c| self.past_locatie(c.voorziening))
            .map(|c| CapRegel {
                datum: c.datum,
                delta: c.delta,
                soort: c.soort,
                cel: self
                    .b
                    .attr
                    .get(c.voorziening as usize)
                    .copied()
                    .flatten()
                    .map(|a| (a.vorm as usize % 9, a.regime as usize % 2)),
            })
            .collect()
    }

    /// Places at the peildatum, opened and closed in P, per form × regime.
    pub(crate) fn capaciteit(&self, regels: &[CapRegel]) -> [[[i64; 2]; 9]; 3] {
        let mut t = [[[0i64; 2]; 9]; 3];
        for c in regels {
            let Some((v, r)) = c.cel else {
                continue;
            };
            if c.datum <= self.peil {
                t[0][v][r] += i64::from(c.delta);
            }
            if self.in_p(c.datum) {
                match c.soort {
                    cap::GEOPEND | cap::OMBOUW_IN => t[1][v][r] += i64::from(c.delta),
                    _ => t[2][v][r] -= i64::from(c.delta),
                }
            }
        }
        t
    }

    pub(crate) fn tabel(t: &[[i64; 2]; 9]) -> Kruistabel {
        Kruistabel::nieuw(
            Vorm::ALL.iter().map(|v| v.code().to_owned()).collect(),
            vec![
                Regime::Gesloten.code().to_owned(),
                Regime::Open.code().to_owned(),
            ],
            &t.iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        )
    }

    pub(crate) fn balans(t: &[[[i64; 2]; 9]; 3]) -> Balans {
        let open = regime_code(Regime::Open) as usize;
        let dicht = regime_code(Regime::Gesloten) as usize;
        let alt: i64 = t[1].iter().map(|r| r[open]).sum();
        let weg: i64 = t[2].iter().map(|r| r[dicht]).sum();
        Balans {
            opbouw_alternatieven: alt,
            afbouw_gesloten: weg,
            balans: alt - weg,
            ratio: (weg != 0).then(|| alt as f64 / weg as f64),
        }
    }

    pub(crate) fn doelafwijking(&self, plaatsen: i64) -> Doelafwijking {
        let f = &self.q.filter;
        let p = self.p;
        let (soort, sc) = if let Some(a) = &f.aanbieder {
            (scope::AANBIEDER, p.aanbieders.find(a))
        } else if let Some(r) = &f.jeugdregio {
            (scope::JEUGDREGIO, p.regios.find(r))
        } else if let Some(l) = &f.landsdeel {
            (scope::LANDSDEEL, p.landsdelen.find(l))
        } else if f.gemeente.is_some() || f.voorziening.is_some() {
            (GEEN8, None)
        } else {
            (scope::LANDELIJK, Some(GEEN))
        };
        let regime = f.regime.map_or(GEEN8, regime_code);
        let vorm = f.vorm.map_or(GEEN8, vorm_code);
        let mut punten: Vec<(i32, u32, u32)> = Vec::new();
        if let Some(sc) = sc {
            for d in p
                .doelen
                .alle()
                .filter(|v| v.visible(self.known_at))
                .map(|v| v.fact)
            {
                if d.scope_soort == soort && d.scope == sc && d.regime == regime && d.vorm == vorm {
                    punten.push((d.datum, d.orde, d.plaatsen));
                }
            }
        }
        // One value per date: the latest recorded target wins.
        punten.sort_unstable();
        let mut uniek: Vec<(i32, f64)> = Vec::new();
        for (d, _, n) in punten {
            match uniek.last_mut() {
                Some(l) if l.0 == d => l.1 = f64::from(n),
                _ => uniek.push((d, f64::from(n))),
            }
        }
        let doel = interpoleer(&uniek, self.peil);
        // Closed care is reduced, every other form and regime built up, whatever the
        // target points do (docs/kpis.md, `doelafwijking`).
        let reductie = (!uniek.is_empty()).then_some(regime == regime_code(Regime::Gesloten));
        let afwijking = doel.map(|d| plaatsen as f64 - d);
        Doelafwijking {
            peildatum: Some(datum(self.peil)),
            plaatsen,
            doel,
            afwijking,
            reductiedoel: reductie,
            op_koers: match (afwijking, reductie) {
                (Some(a), Some(true)) => Some(a <= 0.0),
                (Some(a), Some(false)) => Some(a >= 0.0),
                _ => None,
            },
        }
    }

    /// Available bed-days in P (LOCATIE) and capacity at the peildatum.
    pub(crate) fn beschikbaar(&self, regels: &[CapRegel]) -> (i64, i64) {
        let mut dagen = 0i64;
        let mut peil = 0i64;
        for c in regels {
            if c.datum < self.tot {
                dagen += i64::from(c.delta) * i64::from(self.tot - c.datum.max(self.van));
            }
            if c.datum <= self.peil {
                peil += i64::from(c.delta);
            }
        }
        (dagen, peil)
    }

    // ------------------------------------------------------------ placements
}

fn interpoleer(punten: &[(i32, f64)], d: i32) -> Option<f64> {
    let eerste = punten.first()?;
    if d < eerste.0 {
        return None;
    }
    for w in punten.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.0 <= d && d < b.0 {
            let f = f64::from(d - a.0) / f64::from(b.0 - a.0);
            return Some(a.1 + (b.1 - a.1) * f);
        }
    }
    punten.last().map(|l| l.1)
}

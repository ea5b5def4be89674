//! Small numbers: what a caller without person-level access may see.
//!
//! Primary suppression: every count from 1 up to the threshold (default 1–4) becomes
//! `null` with `onderdrukt = true`; every share whose denominator is under the minimum
//! (default 10), or whose numerator or denominator is suppressed, too.
//!
//! Secondary suppression: the report is seen as cells bound by additive relations (a row
//! and its total, a column and its total, begin + instroom − uitstroom = eind, inclusief =
//! exclusief + doorplaatsingen, equal copies of one figure). Whenever a relation has
//! exactly one suppressed member, that member could be recovered by subtraction, so the
//! smallest non-zero other member is suppressed as well; this repeats until no relation
//! has exactly one. Never a fake number: a suppressed value is absent, not perturbed.

use serde::{Deserialize, Serialize};

use crate::kpi::{Aantal, KpiReport, Kruistabel, Verblijfsduur, Verhouding};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuppressionConfig {
    /// Counts 1 ..< drempel are suppressed (default 5: 1–4).
    pub drempel: i64,
    /// Shares with a denominator below this are suppressed (default 10).
    pub min_noemer: i64,
    /// Also suppress capacity (places are not persons; default false).
    pub capaciteit: bool,
}

impl Default for SuppressionConfig {
    fn default() -> Self {
        SuppressionConfig {
            drempel: 5,
            min_noemer: 10,
            capaciteit: false,
        }
    }
}

trait Bezoeker {
    fn cel(&mut self, a: &mut Aantal) -> usize;
    fn relatie(&mut self, leden: Vec<usize>);
    fn verhouding(&mut self, v: &mut Verhouding);
    fn duur(&mut self, v: &mut Verblijfsduur);
}

/// Visits a table and its relations; returns the indices of the row totals and the total.
fn tabel(t: &mut Kruistabel, b: &mut (impl Bezoeker + ?Sized)) -> (Vec<usize>, usize) {
    let mut idx: Vec<Vec<usize>> = Vec::new();
    for rij in t.cellen.iter_mut() {
        idx.push(rij.iter_mut().map(|c| b.cel(c)).collect());
    }
    let rt: Vec<usize> = t.rijtotalen.iter_mut().map(|c| b.cel(c)).collect();
    let kt: Vec<usize> = t.kolomtotalen.iter_mut().map(|c| b.cel(c)).collect();
    let tot = b.cel(&mut t.totaal);
    for (r, rij) in idx.iter().enumerate() {
        let mut leden = rij.clone();
        leden.extend(rt.get(r));
        b.relatie(leden);
    }
    for (k, &ktot) in kt.iter().enumerate() {
        let mut leden: Vec<usize> = idx.iter().filter_map(|rij| rij.get(k).copied()).collect();
        leden.push(ktot);
        b.relatie(leden);
    }
    let mut leden = rt.clone();
    leden.push(tot);
    b.relatie(leden);
    let mut leden = kt.clone();
    leden.push(tot);
    b.relatie(leden);
    (rt, tot)
}

fn verhouding(v: &mut Verhouding, b: &mut (impl Bezoeker + ?Sized)) -> (usize, usize) {
    let t = b.cel(&mut v.teller);
    let n = b.cel(&mut v.noemer);
    b.verhouding(v);
    (t, n)
}

/// Visits every person-level figure of a report in a fixed order.
fn bezoek(r: &mut KpiReport, cfg: &SuppressionConfig, b: &mut (impl Bezoeker + ?Sized)) {
    if cfg.capaciteit {
        tabel(&mut r.plaatsen.waarde, b);
        tabel(&mut r.opbouw.waarde, b);
        tabel(&mut r.afbouw.waarde, b);
    }
    let bz = &mut r.bezetting.waarde;
    b.cel(&mut bz.bezetting);
    verhouding(&mut bz.graad, b);
    verhouding(&mut bz.graad_periode, b);

    let excl = b.cel(&mut r.plaatsingen.waarde.exclusief_doorplaatsingen);
    let incl = b.cel(&mut r.plaatsingen.waarde.inclusief_doorplaatsingen);
    let door = b.cel(&mut r.doorplaatsingen.waarde.aantal);
    b.relatie(vec![excl, incl, door]);
    let uniek = b.cel(&mut r.unieke_jeugdigen.waarde);
    b.cel(&mut r.spoedmachtigingen.waarde);
    verhouding(&mut r.spoedaandeel.waarde, b);
    let (t, n) = verhouding(&mut r.doorplaatsingen.waarde.per_jeugdige, b);
    b.relatie(vec![t, door]);
    b.relatie(vec![n, uniek]);
    verhouding(&mut r.doorplaatsingen.waarde.cohort_365, b);

    for s in [
        &mut r.stroom_episodes.waarde,
        &mut r.stroom_trajecten.waarde,
    ] {
        let leden = vec![
            b.cel(&mut s.begin),
            b.cel(&mut s.instroom),
            b.cel(&mut s.uitstroom),
            b.cel(&mut s.eind),
        ];
        b.relatie(leden);
    }

    let u = &mut r.uitstroom_naar_lichtere_zorg.waarde;
    let (_, bekend) = verhouding(&mut u.lichter, b);
    // The known-destination denominator is the total minus ONBEKEND.
    let onbekend_rij = u.bestemmingen.rijen.iter().position(|x| x == "ONBEKEND");
    let (rt, tot) = tabel(&mut u.bestemmingen, b);
    if let Some(o) = onbekend_rij.and_then(|o| rt.get(o).copied()) {
        b.relatie(vec![bekend, o, tot]);
    }

    let v = &mut r.verblijfsduur.waarde;
    let n = b.cel(&mut v.aantal);
    let (_, kn) = verhouding(&mut v.korter_dan_jaar, b);
    b.relatie(vec![n, kn]);
    b.duur(v);

    b.cel(&mut r.langverblijvers.waarde);
    let s = &mut r.signalen.waarde;
    b.cel(&mut s.overbezetting);
    b.cel(&mut s.zonder_machtiging);
    b.cel(&mut s.spoedmachtiging_te_lang);
    b.cel(&mut s.doorplaatsing);
}

struct Verzamel {
    waarden: Vec<i64>,
    weg: Vec<bool>,
    relaties: Vec<Vec<usize>>,
    drempel: i64,
}

impl Bezoeker for Verzamel {
    fn cel(&mut self, a: &mut Aantal) -> usize {
        let v = a.waarde.unwrap_or(0);
        self.waarden.push(v);
        self.weg
            .push(a.onderdrukt || a.waarde.is_none() || (1..self.drempel).contains(&v));
        self.waarden.len() - 1
    }
    fn relatie(&mut self, leden: Vec<usize>) {
        if leden.len() > 1 {
            self.relaties.push(leden);
        }
    }
    fn verhouding(&mut self, _: &mut Verhouding) {}
    fn duur(&mut self, _: &mut Verblijfsduur) {}
}

struct Schrijf<'a> {
    weg: &'a [bool],
    i: usize,
    min_noemer: i64,
}

impl Bezoeker for Schrijf<'_> {
    fn cel(&mut self, a: &mut Aantal) -> usize {
        if self.weg.get(self.i).copied().unwrap_or(true) {
            *a = Aantal {
                waarde: None,
                onderdrukt: true,
            };
        }
        self.i += 1;
        self.i - 1
    }
    fn relatie(&mut self, _: Vec<usize>) {}
    fn verhouding(&mut self, v: &mut Verhouding) {
        let klein = v.noemer.waarde.is_none_or(|n| n < self.min_noemer);
        if klein || v.teller.onderdrukt || v.noemer.onderdrukt {
            v.waarde = None;
            v.onderdrukt = true;
        }
    }
    fn duur(&mut self, v: &mut Verblijfsduur) {
        if v.aantal.onderdrukt || v.aantal.waarde.is_none_or(|n| n < self.min_noemer) {
            v.gemiddelde = None;
            v.mediaan = None;
            v.p90 = None;
            v.onderdrukt = true;
        }
    }
}

/// Secondary suppression to a fixpoint: no relation keeps exactly one suppressed member.
fn secundair(waarden: &[i64], weg: &mut [bool], relaties: &[Vec<usize>]) {
    loop {
        let mut veranderd = false;
        for rel in relaties {
            let n = rel
                .iter()
                .filter(|&&i| weg.get(i).copied().unwrap_or(false))
                .count();
            if n != 1 {
                continue;
            }
            let kandidaat = rel
                .iter()
                .copied()
                .filter(|&i| !weg.get(i).copied().unwrap_or(true))
                .min_by_key(|&i| {
                    let v = waarden.get(i).copied().unwrap_or(0);
                    // Prefer the smallest non-zero cell: a zero hides nothing.
                    (v == 0, v.abs())
                });
            if let Some(i) = kandidaat
                && let Some(w) = weg.get_mut(i)
            {
                *w = true;
                veranderd = true;
            }
        }
        if !veranderd {
            break;
        }
    }
}

/// Suppression in two visits of the same figures: collect values and relations, decide
/// primary and secondary suppression, then write the flags.
fn twee_gangen<T: Clone>(
    x: &T,
    cfg: &SuppressionConfig,
    bezoek: impl Fn(&mut T, &mut dyn Bezoeker),
) -> T {
    let mut x = x.clone();
    let mut v = Verzamel {
        waarden: Vec::new(),
        weg: Vec::new(),
        relaties: Vec::new(),
        drempel: cfg.drempel,
    };
    bezoek(&mut x, &mut v);
    let mut weg = v.weg;
    secundair(&v.waarden, &mut weg, &v.relaties);
    let mut s = Schrijf {
        weg: &weg,
        i: 0,
        min_noemer: cfg.min_noemer,
    };
    bezoek(&mut x, &mut s);
    x
}

/// The report as a caller without person-level access may see it.
pub fn onderdruk(report: &KpiReport, cfg: &SuppressionConfig) -> KpiReport {
    twee_gangen(report, cfg, |r, b| bezoek(r, cfg, b))
}

/// A breakdown (such as [`Projection::bezetting_per`](crate::Projection::bezetting_per))
/// as a caller without person-level access may see it: cells, row and column totals and
/// the grand total below the threshold suppressed, then secondary suppression over the
/// rows, the columns and the totals so that no suppressed cell follows from the others.
pub fn onderdruk_kruistabel(t: &Kruistabel, cfg: &SuppressionConfig) -> Kruistabel {
    twee_gangen(t, cfg, |t, b| {
        tabel(t, b);
    })
}

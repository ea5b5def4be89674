//! A contract as known at K ([`ContractOpK`]), put together from the versions of its
//! facts recorded at or before K.
//!
//! Rules (docs/kpis.md, "Geld"): the facts visible at K apply in the order of their
//! original's position (a correction keeps the place of the fact it replaces). Of two
//! tariffs of a product with the same `geldig_van`, or two volume guarantees or budget
//! ceilings from the same date, the one recorded later wins (by the original's position:
//! a correction takes its original's place). The effective last day is the latest of the contract's
//! own `tot_en_met` and its extensions, cut by the earliest early end.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kringloop_events::{Gebeurtenis, Volumegarantie};

use super::{AfspraakOpK, AfspraakVersie, Bron, ContractOpK, GeldVersie};
use crate::knowledge::KnowledgeTime;

/// Keeps per key the value of the fact recorded last (by the original's position).
fn zet<K: Ord, V>(m: &mut BTreeMap<K, (i64, V)>, k: K, positie: i64, v: V) {
    match m.get(&k) {
        Some((p, _)) if *p > positie => {}
        _ => {
            m.insert(k, (positie, v));
        }
    }
}

pub(crate) fn contract_op_k(
    id: &str,
    versies: &[&GeldVersie],
    wijzigingen: Option<&Vec<Bron>>,
    k: KnowledgeTime,
) -> Option<ContractOpK> {
    let mut zichtbaar: Vec<&GeldVersie> =
        versies.iter().copied().filter(|v| v.zichtbaar(k)).collect();
    zichtbaar.sort_by_key(|v| (v.orde, v.bron.positie));
    let (gesloten_v, g) = zichtbaar.iter().find_map(|v| match &v.feit {
        Gebeurtenis::ContractGesloten(e) => Some((*v, e)),
        _ => None,
    })?;
    let mut tarieven: BTreeMap<String, BTreeMap<NaiveDate, (i64, i64)>> = BTreeMap::new();
    for t in &g.tarieven {
        zet(
            tarieven.entry(t.product.clone()).or_default(),
            t.geldig_van,
            gesloten_v.orde,
            t.bedrag_cent,
        );
    }
    let mut volume: BTreeMap<NaiveDate, (i64, Vec<Volumegarantie>)> = BTreeMap::new();
    zet(
        &mut volume,
        g.van,
        gesloten_v.orde,
        g.volumegaranties.clone(),
    );
    let mut plafond: BTreeMap<NaiveDate, (i64, Option<i64>)> = BTreeMap::new();
    zet(&mut plafond, g.van, gesloten_v.orde, g.budgetplafond_cent);
    let mut laatste = g.tot_en_met;
    let mut beeindigd: Option<NaiveDate> = None;
    for v in &zichtbaar {
        let p = v.orde;
        match &v.feit {
            Gebeurtenis::TariefGeindexeerd(e) => zet(
                tarieven.entry(e.product.clone()).or_default(),
                e.geldig_van,
                p,
                e.bedrag_cent,
            ),
            Gebeurtenis::VolumegarantieGewijzigd(e) => {
                zet(&mut volume, e.datum, p, e.volumegaranties.clone())
            }
            Gebeurtenis::BudgetplafondGewijzigd(e) => {
                zet(&mut plafond, e.datum, p, e.budgetplafond_cent)
            }
            Gebeurtenis::ContractVerlengd(e) => laatste = laatste.max(e.tot_en_met),
            Gebeurtenis::ContractBeeindigd(e) => {
                beeindigd = Some(beeindigd.map_or(e.tot_en_met, |b| b.min(e.tot_en_met)))
            }
            _ => {}
        }
    }
    let tot_en_met = beeindigd.map_or(laatste, |b| laatste.min(b));

    // Agreements: every version recorded at or before K, grouped by agreement id.
    let mut afspraken: BTreeMap<&str, Vec<&GeldVersie>> = BTreeMap::new();
    for v in versies {
        let a = match &v.feit {
            Gebeurtenis::PrestatieafspraakVastgelegd(e) => &e.afspraak,
            Gebeurtenis::PrestatieafspraakGewijzigd(e) => &e.afspraak,
            _ => continue,
        };
        afspraken.entry(a.as_str()).or_default().push(v);
    }
    let afspraken = afspraken
        .into_iter()
        .filter_map(|(a, mut vs)| {
            vs.sort_by_key(|v| v.bron.positie);
            let vastgelegd = vs.iter().any(|v| {
                v.zichtbaar(k) && matches!(v.feit, Gebeurtenis::PrestatieafspraakVastgelegd(_))
            });
            if !vastgelegd {
                return None;
            }
            let versies: Vec<AfspraakVersie> = vs
                .iter()
                .filter_map(|v| {
                    let (datum, inhoud, reden) = match &v.feit {
                        Gebeurtenis::PrestatieafspraakVastgelegd(e) => {
                            (e.datum, &e.inhoud, &e.toelichting)
                        }
                        Gebeurtenis::PrestatieafspraakGewijzigd(e) => {
                            (e.datum, &e.inhoud, &e.reden)
                        }
                        _ => return None,
                    };
                    Some(AfspraakVersie {
                        bron: v.bron,
                        datum,
                        inhoud: inhoud.clone(),
                        reden: reden.clone(),
                        vervallen: v.vervallen.filter(|_| v.tot <= k),
                    })
                })
                .collect();
            // In force: the visible version with the latest date (then the later recorded).
            let inhoud = vs
                .iter()
                .zip(&versies)
                .filter(|(v, _)| v.zichtbaar(k))
                .max_by_key(|(v, x)| (x.datum, v.bron.positie))
                .map(|(_, x)| x.inhoud.clone())?;
            Some(AfspraakOpK {
                id: a.to_owned(),
                inhoud,
                versies,
            })
        })
        .collect();

    let mut gebeurtenissen: Vec<Bron> = versies.iter().map(|v| v.bron).collect();
    if let Some(w) = wijzigingen {
        gebeurtenissen.extend(w.iter().filter(|b| KnowledgeTime::from(b.recorded_at) <= k));
    }
    gebeurtenissen.sort_by_key(|b| b.positie);
    gebeurtenissen.dedup_by_key(|b| b.positie);

    Some(ContractOpK {
        id: id.to_owned(),
        aanbieder: g.aanbieder.clone(),
        jeugdregios: g.jeugdregios.clone(),
        financiering: g.financiering,
        percelen: g.percelen.clone(),
        van: g.van,
        tot_en_met,
        verlengingsopties: g.verlengingsopties,
        verlenging_maanden: g.verlenging_maanden,
        tarieven: tarieven
            .into_iter()
            .map(|(p, m)| (p, m.into_iter().map(|(d, (_, b))| (d, b)).collect()))
            .collect(),
        volumegaranties: volume.into_iter().map(|(d, (_, v))| (d, v)).collect(),
        budgetplafond: plafond.into_iter().map(|(d, (_, v))| (d, v)).collect(),
        afspraken,
        gebeurtenissen,
        oorspronkelijk_tot_en_met: g.tot_en_met,
        beeindigd,
        gesloten: gesloten_v.bron,
    })
}

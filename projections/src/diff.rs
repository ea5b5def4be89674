//! The difference between two knowledge times, and the events that explain it.

use chrono::{DateTime, Utc};
use kringloop_events::Gebeurtenis;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::Ctx;
use crate::knowledge::KnowledgeTime;
use crate::projectie::Projection;
use crate::query::Query;
use crate::report::KpiReport;
use crate::versions::{ValidTime, Version, VersionTable};

/// An event recorded in (K1, K2] that changed facts the figures rest on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GebeurtenisRef {
    pub positie: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub stream: String,
    pub recorded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// The figures as known at K1.
    pub voor: KpiReport,
    /// The figures as known at K2.
    pub na: KpiReport,
    /// Events recorded in (K1, K2] that created, corrected or retracted a fact of the
    /// period (its valid time touches P or the peildatum) under the filter, in position
    /// order: late registrations, corrections and retractions.
    pub gebeurtenissen: Vec<GebeurtenisRef>,
}

/// Where [`veranderd`] looks: knowledge times (K1, K2] and valid days [lo, hi].
#[derive(Clone, Copy)]
struct Venster {
    known_at1: KnowledgeTime,
    known_at2: KnowledgeTime,
    lo: i32,
    hi: i32,
}

fn veranderd<T: ValidTime + Copy + PartialEq>(
    t: &VersionTable<T>,
    w: Venster,
    past: impl Fn(&T) -> bool,
    uit: &mut Vec<u32>,
) {
    let Venster {
        known_at1,
        known_at2,
        lo,
        hi,
    } = w;
    let binnen = |t: KnowledgeTime| known_at1 < t && t <= known_at2;
    for v in t.in_window(lo, hi) {
        let v: &Version<T> = v;
        let nieuw = binnen(v.known_from);
        let weg = v.known_to != KnowledgeTime::OPEN && binnen(v.known_to);
        if !(nieuw || weg) {
            continue;
        }
        let f = &v.fact;
        if f.begin() > hi || f.eind() < lo || !past(f) {
            continue;
        }
        if nieuw {
            uit.push(v.pos_from);
        }
        if weg {
            uit.push(v.pos_to);
        }
    }
}

impl Projection {
    /// Both values of `q` (its `known_at` ignored) as known at `k1` and at `k2`, and the
    /// events recorded in (k1, k2] that changed the facts they rest on.
    pub fn diff(&self, q: &Query, k1: DateTime<Utc>, k2: DateTime<Utc>) -> Diff {
        let (k1, k2) = if k2 < k1 { (k2, k1) } else { (k1, k2) };
        let q1 = q.clone().known_at(k1);
        let q2 = q.clone().known_at(k2);
        let voor = self.kpis(&q1);
        let na = self.kpis(&q2);
        let c1 = Ctx::new(self, &q1);
        let c2 = Ctx::new(self, &q2);
        let w = Venster {
            known_at1: q1.knowledge_time(),
            known_at2: q2.knowledge_time(),
            lo: c2.van.min(c2.peil).saturating_sub(1),
            hi: c2.tot.max(c2.peil),
        };
        let mut pos: Vec<u32> = Vec::new();
        let past = |vz: u32, h: u32| c1.past(vz, h) || c2.past(vz, h);
        veranderd(
            &self.jt.plaatsingen,
            w,
            |f| past(f.voorziening, f.herkomst),
            &mut pos,
        );
        veranderd(
            &self.jt.episodes,
            w,
            |f| past(f.eerste, f.herkomst) || past(f.laatste, f.herkomst),
            &mut pos,
        );
        veranderd(
            &self.jt.trajecten,
            w,
            |f| past(f.voorziening, f.herkomst),
            &mut pos,
        );
        veranderd(
            &self.jt.machtigingen,
            w,
            |f| past(f.voorziening, f.herkomst),
            &mut pos,
        );
        veranderd(
            &self.jt.signalen,
            w,
            |f| past(f.voorziening, f.herkomst),
            &mut pos,
        );
        // Capacity: every change up to the end of the period matters for the stocks.
        veranderd(
            &self.capaciteit,
            Venster { lo: i32::MIN, ..w },
            |f| c1.past_locatie(f.voorziening) || c2.past_locatie(f.voorziening),
            &mut pos,
        );
        let geen_dagen = Venster { lo: 0, hi: 0, ..w };
        veranderd(&self.attrs, geen_dagen, |_| true, &mut pos);
        veranderd(&self.landschap, geen_dagen, |_| true, &mut pos);
        let alle_dagen = Venster {
            lo: i32::MIN,
            hi: i32::MAX,
            ..w
        };
        veranderd(&self.doelen, alle_dagen, |_| true, &mut pos);
        pos.sort_unstable();
        pos.dedup();
        let gebeurtenissen = pos
            .into_iter()
            .filter_map(|p| self.gebeurtenis(i64::from(p)))
            .collect();
        Diff {
            voor,
            na,
            gebeurtenissen,
        }
    }

    /// The envelope summary of an applied event by position.
    pub fn gebeurtenis(&self, positie: i64) -> Option<GebeurtenisRef> {
        let log = &self.log;
        let i = log.posities.binary_search(&positie).ok()?;
        let soort = log
            .soorten
            .get(i)
            .and_then(|&s| Gebeurtenis::TYPES.get(s as usize))
            .map_or("?", |t| t.0);
        Some(GebeurtenisRef {
            positie,
            event_id: Uuid::from_u128(*log.ids.get(i)?),
            event_type: soort.to_owned(),
            stream: log
                .stromen
                .get(i)
                .and_then(|&s| self.stromen.naam(s))
                .unwrap_or_default()
                .to_owned(),
            recorded_at: DateTime::from_timestamp_micros(*log.micros.get(i)?),
        })
    }
}

//! ratioAmbulantBed (docs/kpis.md, "Ratio ambulant/bed"): ambulant trajectory-days
//! (placement-days in facilities of form AMBULANT) per residential bed-day (placement-days
//! in every other facility) in P, in total, per provider and per jeugdregio; exact or
//! protected; for one period or a series.
//!
//! Days follow the occupancy convention (a placement [s, e) is there on day d when
//! s ≤ d < e), the filter and attribution are those of every placement figure (`Ctx::past`:
//! HERKOMST puts a day in the jeugdregio of the youth's home gemeente at the start of the
//! episode, LOCATIE in that of the facility). One scan of the visible placements serves
//! every period of a series.

use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::disclosure::{Cel, RecordKeys, soort, verhouding, verstoor_omvang};
use crate::feiten::vlag;
use crate::kwaliteit::maatregelen::{Perioden, Verdeling, per_periode};
use crate::periode::Periode;
use crate::projectie::Projection;
use crate::query::{Dimensie, Query};
use crate::report::{Aantal, Kpi, Verhouding};

/// The ratio of one row (or the total): `ratio.teller` are the ambulant trajectory-days,
/// `ratio.noemer` the residential bed-days.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatioRij {
    pub sleutel: String,
    pub ambulante_dagen: Aantal,
    pub ligdagen: Aantal,
    /// ambulante_dagen ÷ ligdagen (`None` without bed-days).
    pub ratio: Verhouding,
}

/// ratioAmbulantBed of one period.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatioAmbulantBed {
    pub totaal: RatioRij,
    /// Providers (sorted, `ONBEKEND` last when a facility is not registered at K) with
    /// days in P.
    pub per_aanbieder: Vec<RatioRij>,
    /// Jeugdregio's under the attribution (sorted, `ONBEKEND` last) with days in P.
    pub per_jeugdregio: Vec<RatioRij>,
}

/// Ambulant and residential days of a cell, with the key sums of the placements under
/// them.
#[derive(Debug, Clone, Copy, Default)]
struct Dagen {
    ambulant: i64,
    bed: i64,
    k_ambulant: Cel,
    k_bed: Cel,
}

impl Dagen {
    fn plus(self, o: Dagen) -> Dagen {
        Dagen {
            ambulant: self.ambulant + o.ambulant,
            bed: self.bed + o.bed,
            k_ambulant: self.k_ambulant.plus(o.k_ambulant),
            k_bed: self.k_bed.plus(o.k_bed),
        }
    }

    fn leeg(&self) -> bool {
        self.ambulant == 0 && self.bed == 0
    }

    fn rij(&self, sleutel: String, beschermd: bool) -> RatioRij {
        if !beschermd {
            return RatioRij {
                sleutel,
                ambulante_dagen: Aantal::van(self.ambulant),
                ligdagen: Aantal::van(self.bed),
                ratio: Verhouding::van(self.ambulant, self.bed),
            };
        }
        let a = verstoor_omvang(self.ambulant, self.k_ambulant);
        let b = verstoor_omvang(self.bed, self.k_bed);
        RatioRij {
            sleutel,
            ambulante_dagen: a,
            ligdagen: b,
            ratio: verhouding(a, b, false),
        }
    }
}

impl Projection {
    /// ratioAmbulantBed of the query's period (docs/kpis.md, "Ratio ambulant/bed");
    /// protected by the cell-key method when `sleutels` are given.
    pub fn ratio_ambulant_bed(
        &self,
        q: &Query,
        sleutels: Option<&RecordKeys>,
    ) -> Kpi<RatioAmbulantBed> {
        let mut r = self.ratio_ambulant_bed_reeks(q, &[q.periode], sleutels);
        match r.pop() {
            Some(k) => k,
            None => Ctx::new(self, q).kpi("ratioAmbulantBed", RatioAmbulantBed::default()),
        }
    }

    /// [`Projection::ratio_ambulant_bed`] for each period; equal to the periods computed
    /// one by one.
    pub fn ratio_ambulant_bed_reeks(
        &self,
        q: &Query,
        perioden: &[Periode],
        sleutels: Option<&RecordKeys>,
    ) -> Vec<Kpi<RatioAmbulantBed>> {
        let vragen = per_periode(q, perioden);
        let Some(q0) = vragen.first() else {
            return Vec::new();
        };
        let c0 = Ctx::new(self, q0);
        let pp = Perioden::new(perioden);
        let (lo, hi) = pp.venster();
        let ra = c0.sleutels(Dimensie::Aanbieder);
        let rr = c0.sleutels(Dimensie::Jeugdregio);
        let (na, nr) = (ra.labels.len(), rr.labels.len());
        // Cells: (row, ambulant) of each breakdown.
        let mut va = Verdeling::new(&pp, 2 * na);
        let mut vr = Verdeling::new(&pp, 2 * nr);
        for p in self.jt.plaatsingen.visible(c0.known_at, lo, hi) {
            if p.eind <= p.begin || !c0.past(p.voorziening, p.herkomst) {
                continue;
            }
            let amb = usize::from(p.vlaggen & vlag::AMBULANT != 0);
            let k = sleutels.map(|s| s.feit(soort::PLAATSING, p.jeugdige, p.begin, p.voorziening));
            let (ia, ir) = (
                ra.index(p.voorziening, p.herkomst),
                rr.index(p.voorziening, p.herkomst),
            );
            va.voeg_toe(2 * ia + amb, p.begin, p.eind, k);
            vr.voeg_toe(2 * ir + amb, p.begin, p.eind, k);
        }
        let cellen = |v: Verdeling<'_>| -> Vec<Vec<Dagen>> {
            v.uitkomst()
                .into_iter()
                .map(|per| {
                    per.chunks(2)
                        .map(|x| Dagen {
                            bed: x[0].0,
                            k_bed: x[0].1,
                            ambulant: x.get(1).map_or(0, |y| y.0),
                            k_ambulant: x.get(1).map_or(Cel::default(), |y| y.1),
                        })
                        .collect()
                })
                .collect()
        };
        let per_a = cellen(va);
        let per_r = cellen(vr);
        let beschermd = sleutels.is_some();
        let rijen = |cellen: &[Dagen], labels: &[String]| -> Vec<RatioRij> {
            cellen
                .iter()
                .zip(labels)
                .filter(|(d, _)| !d.leeg())
                .map(|(d, l)| d.rij(l.clone(), beschermd))
                .collect()
        };
        vragen
            .iter()
            .enumerate()
            .map(|(i, qq)| {
                let c = c0.periode(qq);
                let totaal = per_a[i].iter().fold(Dagen::default(), |a, &d| a.plus(d));
                c.kpi(
                    "ratioAmbulantBed",
                    RatioAmbulantBed {
                        totaal: totaal.rij("TOTAAL".to_owned(), beschermd),
                        per_aanbieder: rijen(&per_a[i], &ra.labels),
                        per_jeugdregio: rijen(&per_r[i], &rr.labels),
                    },
                )
            })
            .collect()
    }
}

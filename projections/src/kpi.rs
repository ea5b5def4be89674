//! The KPI queries of a [`Projection`]: one period ([`Projection::kpis`]), a series
//! ([`Projection::reeks`], by the sweep), single KPIs and breakdowns. The definitions are
//! those of `docs/kpis.md`.
//!
//! Stocks and flows: a youth who starts on day s and leaves on day e (exclusive) is in
//! the stock "at b" (the start of day b, before that day's movements) when s < b ≤ e; a
//! start counts as instroom in P = [van, tot) when van ≤ s < tot, an exit as uitstroom
//! when van ≤ e < tot. With these definitions begin + instroom − uitstroom = eind holds
//! exactly for any set of intervals. Occupancy on a date (bezetting) is the daily count
//! s ≤ d < e.

use chrono::NaiveDate;
use kringloop_events::Verblijfplaats;

use crate::ProjectionError;
use crate::context::{CapRegel, Ctx};
use crate::disclosure::{Cel, CellKeys, RecordKeys, soort};
use crate::feiten::vlag;
use crate::periode::{Granulariteit, Periode, dag};
use crate::projectie::Projection;
use crate::query::{Dimensie, Query};
use crate::report::{
    Aantal, Bezetting, Doorplaatsingen, Kpi, KpiReport, Kruistabel, Plaatsingen, Signalen, Stroom,
    UitstroomLichter, Verhouding,
};
use crate::tally::Tellingen;

/// The query for each period of a series (peildatum: the end of each period).
fn per_periode(q: &Query, perioden: &[Periode]) -> Vec<Query> {
    perioden
        .iter()
        .map(|&p| {
            let mut qq = q.clone();
            qq.periode = p;
            qq.peildatum = None;
            qq
        })
        .collect()
}

impl Projection {
    /// Every KPI for one query.
    pub fn kpis(&self, q: &Query) -> KpiReport {
        self.kpis_met(q, None)
    }

    /// Every KPI for one query as a caller without person-level access sees it: the
    /// figures about persons perturbed by the cell-key method (`disclosure.rs`) with the
    /// record keys of `sleutels`; capacity and targets exact.
    pub fn kpis_beschermd(&self, q: &Query, sleutels: &RecordKeys) -> KpiReport {
        self.kpis_met(q, Some(*sleutels))
    }

    fn kpis_met(&self, q: &Query, sleutels: Option<RecordKeys>) -> KpiReport {
        let mut c = Ctx::new(self, q);
        c.sleutels = sleutels;
        let mut pl = c.plaatsingen();
        let overbezetting = c.overbezetting(std::mem::take(&mut pl.wijzigingen));
        let mut ep = c.episodes();
        let (trajecten, traject_sleutels) = c.stroom(&self.jt.trajecten, |t| {
            (t.voorziening, t.herkomst, t.jeugdige)
        });
        let spoed = c.machtigingen();
        let (signalen, signaal_sleutels) = c.signaal_tellingen();
        let bezette_dagen = pl.bezette_dagen;
        let s = CellKeys {
            trajecten: traject_sleutels,
            spoed,
            // Indexed by signal kind, as the counts.
            signalen: signaal_sleutels,
            ..std::mem::take(&mut ep.s)
        }
        .met_plaatsingen(&pl.s);
        let t = Tellingen {
            pl: pl.som(),
            ep: ep.som(),
            trajecten,
            spoed: spoed.n,
            signalen,
            overbezetting,
        };
        let regels = c.cap_regels(c.peil.max(c.tot));
        let mut r = self.rapport(&c, t, &regels);
        if sleutels.is_some() {
            crate::disclosure::bescherm(&mut r, &s, bezette_dagen, q.levensvatbaarheid);
        }
        r
    }

    /// [`Projection::reeks`] as a caller without person-level access sees it: the
    /// figures of the sweep, perturbed with the key sums of one more pass over the
    /// visible facts (`key_sweep.rs`); each period equals [`Projection::kpis_beschermd`]
    /// of that period.
    pub fn reeks_beschermd(
        &self,
        q: &Query,
        perioden: &[Periode],
        sleutels: &RecordKeys,
    ) -> Vec<KpiReport> {
        self.reeks_met(q, perioden, Some(*sleutels))
    }

    /// The report of one period from its tallies; `regels` are the capacity changes of
    /// `Ctx::cap_regels` up to at least the period's end and peildatum.
    pub(crate) fn rapport(&self, c: &Ctx<'_>, t: Tellingen, regels: &[CapRegel]) -> KpiReport {
        let q = c.q;
        let Tellingen {
            pl,
            ep,
            trajecten,
            spoed,
            signalen,
            overbezetting,
        } = t;
        let cap = c.capaciteit(regels);
        let plaatsen_peil: i64 = cap[0].iter().flatten().sum();
        let (beschikbaar, cap_peil) = c.beschikbaar(regels);
        let graad = Verhouding::van(pl.bezetting_loc, cap_peil);
        let unieke = pl.unieke;
        let kennis_dag = q
            .known_at
            .or_else(|| self.recorded_until())
            .map(|k| dag(k.date_naive()));
        let definitief = kennis_dag.is_some_and(|k| k >= c.tot.saturating_add(365));
        let bestemmingen = Kruistabel::nieuw(
            Verblijfplaats::ALL
                .iter()
                .map(|v| v.code().to_owned())
                .collect(),
            vec!["aantal".to_owned()],
            &ep.bestemmingen.iter().map(|&n| vec![n]).collect::<Vec<_>>(),
        );
        KpiReport {
            meta: c.meta("kpis"),
            plaatsen: c.kpi("plaatsen", Ctx::tabel(&cap[0])),
            opbouw: c.kpi("opbouw", Ctx::tabel(&cap[1])),
            afbouw: c.kpi("afbouw", Ctx::tabel(&cap[2])),
            balans: c.kpi("balans", Ctx::balans(&cap)),
            doelafwijking: c.kpi("doelafwijking", c.doelafwijking(plaatsen_peil)),
            bezetting: c.kpi(
                "bezetting",
                Bezetting {
                    bezetting: Aantal::van(pl.bezetting),
                    plaatsen: cap_peil,
                    graad,
                    graad_periode: Verhouding::van(pl.bezette_dagen, beschikbaar),
                    onder_levensvatbaarheid: graad.waarde.is_some_and(|g| g < q.levensvatbaarheid),
                    overbezet: graad.waarde.is_some_and(|g| g > 1.0)
                        || (cap_peil <= 0 && pl.bezetting_loc > 0),
                },
            ),
            plaatsingen: c.kpi(
                "plaatsingen",
                Plaatsingen {
                    exclusief_doorplaatsingen: Aantal::van(pl.exclusief),
                    inclusief_doorplaatsingen: Aantal::van(pl.exclusief + pl.door),
                },
            ),
            unieke_jeugdigen: c.kpi("uniekeJeugdigen", Aantal::van(unieke)),
            spoedmachtigingen: c.kpi("spoedmachtigingen", Aantal::van(spoed)),
            spoedaandeel: c.kpi(
                "spoedaandeel",
                Verhouding::van(pl.spoed_starts, pl.gesloten_starts),
            ),
            doorplaatsingen: c.kpi(
                "doorplaatsingen",
                Doorplaatsingen {
                    aantal: Aantal::van(pl.door),
                    per_jeugdige: Verhouding::van(pl.door, unieke),
                    cohort_365: Verhouding::van(ep.cohort_door, ep.cohort),
                    cohort_definitief: definitief,
                },
            ),
            stroom_episodes: c.kpi("instroom/uitstroom/lopend (episodes)", ep.stroom.clone()),
            stroom_trajecten: c.kpi("instroom/uitstroom/lopend (CBS-trajecten)", trajecten),
            uitstroom_naar_lichtere_zorg: c.kpi(
                "uitstroomNaarLichtereZorg",
                UitstroomLichter {
                    lichter: Verhouding::van(ep.lichter, ep.bekend),
                    bestemmingen,
                },
            ),
            verblijfsduur: c.kpi("verblijfsduur", ep.verblijfsduur),
            langverblijvers: c.kpi("langverblijvers", Aantal::van(ep.langverblijvers)),
            signalen: c.kpi("signalen", Ctx::signalen(signalen, overbezetting)),
        }
    }

    /// The same query for each period of a series (peildatum: the end of each period).
    ///
    /// For consecutive periods (each one ending at or before the next begins, as
    /// [`Periode::reeks`] makes them; gaps allowed) each fact table is scanned once for
    /// the whole series and every fact costs O(1) however many periods it spans
    /// (difference arrays over the period index, see `sweep.rs`), with exactly the
    /// per-period rules of [`Projection::kpis`]. Other lists of periods are computed one
    /// by one.
    pub fn reeks(&self, q: &Query, perioden: &[Periode]) -> Vec<KpiReport> {
        self.reeks_met(q, perioden, None)
    }

    fn reeks_met(
        &self,
        q: &Query,
        perioden: &[Periode],
        sleutels: Option<RecordKeys>,
    ) -> Vec<KpiReport> {
        let vragen = per_periode(q, perioden);
        let opvolgend = perioden.windows(2).all(|w| w[0].tot <= w[1].van)
            && perioden.iter().all(|p| p.van < p.tot);
        let een_voor_een = |vragen: &[Query]| {
            vragen
                .iter()
                .map(|qq| self.kpis_met(qq, sleutels))
                .collect()
        };
        let (Some(q0), true) = (vragen.first(), vragen.len() >= 2 && opvolgend) else {
            return een_voor_een(&vragen);
        };
        let c0 = Ctx::new(self, q0);
        let ctxs: Vec<Ctx<'_>> = vragen.iter().map(|qq| c0.periode(qq)).collect();
        // One calendar for the sweep and, for a protected caller, the key pass.
        let Some(kal) = crate::sweep::Calendar::new(&ctxs) else {
            return een_voor_een(&vragen);
        };
        let tellingen = crate::sweep::sweep(&c0, &kal);
        // Every period's capacity figures from one read of the capacity table.
        let hi = ctxs
            .iter()
            .map(|c| c.peil.max(c.tot))
            .max()
            .unwrap_or(c0.tot);
        let regels = c0.cap_regels(hi);
        let mut rapporten: Vec<KpiReport> = ctxs
            .iter()
            .zip(tellingen)
            .map(|(c, t)| self.rapport(c, t, &regels))
            .collect();
        if let Some(sl) = sleutels {
            let per = crate::key_sweep::keys_per_period(&c0, &kal, &sl);
            for (r, s) in rapporten.iter_mut().zip(&per) {
                let dagen = r.bezetting.waarde.graad_periode.teller.of_nul();
                crate::disclosure::bescherm(r, s, dagen, q.levensvatbaarheid);
            }
        }
        rapporten
    }

    /// A calendar series of granularity `g` covering [van, tot).
    pub fn reeks_van(
        &self,
        q: &Query,
        van: NaiveDate,
        tot: NaiveDate,
        g: Granulariteit,
    ) -> Result<Vec<KpiReport>, ProjectionError> {
        Ok(self.reeks(q, &Periode::reeks(van, tot, g)?))
    }

    /// Capacity at the peildatum, vorm × regime (LOCATIE).
    pub fn plaatsen(&self, q: &Query) -> Kpi<Kruistabel> {
        let c = Ctx::new(self, q);
        let regels = c.cap_regels(c.peil.max(c.tot));
        c.kpi("plaatsen", Ctx::tabel(&c.capaciteit(&regels)[0]))
    }

    /// Active placements at the peildatum.
    /// Youths in a placement on the peildatum (the rule of [`KpiReport::bezetting`]).
    /// Only the buckets that can hold the peildatum are read, and nothing else is
    /// tallied.
    pub fn bezetting(&self, q: &Query) -> Kpi<Aantal> {
        let c = Ctx::new(self, q);
        let peil = c.peil;
        let n = self
            .jt
            .plaatsingen
            .visible(c.known_at, peil, peil)
            .filter(|p| p.begin <= peil && peil < p.eind && c.past(p.voorziening, p.herkomst))
            .count();
        c.kpi("bezetting", Aantal::van(n as i64))
    }

    /// [`Projection::bezetting`] broken down by two dimensions in one pass (what a SQL
    /// user writes as one `GROUP BY`): a cell holds what `bezetting` gives with the
    /// query's filter narrowed to that row and column. Geographic dimensions follow the
    /// attribution (the youth's gemeente of origin, or the facility's gemeente); facts
    /// whose dimension is not known at K are counted in a row or column `ONBEKEND`,
    /// which is left out when empty. Rows and columns are sorted by name.
    pub fn bezetting_per(&self, q: &Query, rij: Dimensie, kolom: Dimensie) -> Kpi<Kruistabel> {
        self.bezetting_per_met(q, rij, kolom, None)
    }

    /// [`Projection::bezetting_per`] as a caller without person-level access sees it:
    /// every cell and total perturbed by the cell-key method (`disclosure.rs`).
    pub fn bezetting_per_beschermd(
        &self,
        q: &Query,
        rij: Dimensie,
        kolom: Dimensie,
        sleutels: &RecordKeys,
    ) -> Kpi<Kruistabel> {
        self.bezetting_per_met(q, rij, kolom, Some(*sleutels))
    }

    fn bezetting_per_met(
        &self,
        q: &Query,
        rij: Dimensie,
        kolom: Dimensie,
        sleutels: Option<RecordKeys>,
    ) -> Kpi<Kruistabel> {
        let c = Ctx::new(self, q);
        let (rs, ks) = (c.sleutels(rij), c.sleutels(kolom));
        let peil = c.peil;
        let mut tel = vec![Cel::default(); rs.labels.len() * ks.labels.len()];
        for p in self.jt.plaatsingen.visible(c.known_at, peil, peil) {
            if p.begin <= peil && peil < p.eind && c.past(p.voorziening, p.herkomst) {
                let (r, k) = (
                    rs.index(p.voorziening, p.herkomst),
                    ks.index(p.voorziening, p.herkomst),
                );
                if let Some(t) = tel.get_mut(r * ks.labels.len() + k) {
                    t.tel(sleutels.map_or(0, |s| {
                        s.feit(soort::PLAATSING, p.jeugdige, p.begin, p.voorziening)
                    }));
                }
            }
        }
        let nk = ks.labels.len();
        let mut cellen: Vec<Vec<Cel>> = tel.chunks(nk.max(1)).map(<[Cel]>::to_vec).collect();
        cellen.resize(rs.labels.len(), vec![Cel::default(); nk]);
        let (mut rijen, mut kolommen) = (rs.labels, ks.labels);
        // The ONBEKEND row and column are the last ones; drop them when empty.
        if cellen.last().is_some_and(|r| r.iter().all(|x| x.n == 0)) {
            cellen.pop();
            rijen.pop();
        }
        if cellen.iter().all(|r| r.last().is_none_or(|x| x.n == 0)) {
            for r in &mut cellen {
                r.pop();
            }
            kolommen.pop();
        }
        let waarden: Vec<Vec<i64>> = cellen
            .iter()
            .map(|r| r.iter().map(|x| x.n).collect())
            .collect();
        let nk = kolommen.len();
        let mut tabel = Kruistabel::nieuw(rijen, kolommen, &waarden);
        if sleutels.is_some() {
            let plat: Vec<Cel> = cellen.into_iter().flatten().collect();
            crate::disclosure::bescherm_kruistabel(&mut tabel, &plat, nk);
        }
        c.kpi(
            &format!("bezetting per {} × {}", rij.naam(), kolom.naam()),
            tabel,
        )
    }

    /// Placements starting in P (the rule of [`KpiReport::plaatsingen`]); only the
    /// buckets that can hold a start in P are read.
    pub fn plaatsingen(&self, q: &Query) -> Kpi<Plaatsingen> {
        let c = Ctx::new(self, q);
        let (mut excl, mut door) = (0i64, 0i64);
        for p in self
            .jt
            .plaatsingen
            .visible(c.known_at, c.van, c.tot.saturating_sub(1))
        {
            if c.in_p(p.begin) && c.past(p.voorziening, p.herkomst) {
                excl += i64::from(p.vlaggen & vlag::EPISODESTART != 0);
                door += i64::from(p.vlaggen & vlag::DOOR != 0);
            }
        }
        c.kpi(
            "plaatsingen",
            Plaatsingen {
                exclusief_doorplaatsingen: Aantal::van(excl),
                inclusief_doorplaatsingen: Aantal::van(excl + door),
            },
        )
    }

    /// Episode-level stock and flows.
    pub fn stroom_episodes(&self, q: &Query) -> Kpi<Stroom> {
        let c = Ctx::new(self, q);
        c.kpi("instroom/uitstroom/lopend (episodes)", c.episodes().stroom)
    }

    /// CBS-trajectory-level stock and flows.
    pub fn stroom_trajecten(&self, q: &Query) -> Kpi<Stroom> {
        let c = Ctx::new(self, q);
        c.kpi(
            "instroom/uitstroom/lopend (CBS-trajecten)",
            c.stroom(&self.jt.trajecten, |t| {
                (t.voorziening, t.herkomst, t.jeugdige)
            })
            .0,
        )
    }

    pub fn signalen(&self, q: &Query) -> Kpi<Signalen> {
        let c = Ctx::new(self, q);
        let pl = c.plaatsingen();
        c.kpi(
            "signalen",
            Ctx::signalen(c.signaal_tellingen().0, c.overbezetting(pl.wijzigingen)),
        )
    }
}

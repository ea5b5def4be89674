//! The per-period tallies: one period's facts scanned near it ([`Ctx`]'s scans), and the
//! sums a tally or the series sweep (`sweep/`) hands to the report ([`Tellingen`]).

use kringloop_events::{Regime, Verblijfplaats, Zwaarte, rang_van_voorziening};

use crate::context::Ctx;
use crate::disclosure::{Cel, CellKeys, soort};
use crate::feiten::{
    Episode, GEEN8, Machtiging, Plaatsing, Signaal, bestemming_van, regime_code, regime_van,
    signaal, vorm_van,
};
use crate::report::{Aantal, Bescherming, Signalen, Stroom, Verblijfsduur, Verhouding};

/// Langverblijvers: episodes active at the peildatum that started at least this many
/// days before it.
pub(crate) const LANGVERBLIJF: i32 = 548;

impl Ctx<'_> {
    pub(crate) fn plaatsing_telling(&self) -> PlaatsingTelling {
        PlaatsingTelling {
            wijzigingen: vec![Vec::new(); self.p.vz_namen.len()],
            ..PlaatsingTelling::default()
        }
    }

    /// Valid-time window of the placement scan.
    pub(crate) fn venster_plaatsingen(&self) -> (i32, i32) {
        (self.van.min(self.peil), self.tot.max(self.peil))
    }

    /// Valid-time window of the episode and trajectory scans.
    pub(crate) fn venster_stroom(&self) -> (i32, i32) {
        (
            self.van.saturating_sub(1).min(self.peil),
            self.tot.max(self.peil),
        )
    }

    /// Whether a placement is in a closed facility (counts for spoedaandeel).
    #[inline]
    pub fn dicht(&self, vz: u32) -> bool {
        let gesloten = regime_code(Regime::Gesloten);
        self.b
            .attr
            .get(vz as usize)
            .copied()
            .flatten()
            .is_some_and(|a| a.regime == gesloten)
    }

    /// One placement into the tally. `loc` and `past` are the filter results
    /// (`past_locatie`, `past` of the placement), which do not depend on P.
    #[inline]
    pub(crate) fn count_plaatsing(
        &self,
        p: &Plaatsing,
        loc: bool,
        past: bool,
        t: &mut PlaatsingTelling,
    ) {
        // The key sums ride along only for a protected caller.
        let k = self
            .sleutels
            .map(|s| s.feit(soort::PLAATSING, p.jeugdige, p.begin, p.voorziening));
        if loc && p.begin <= self.peil && self.peil < p.eind {
            t.bezetting_loc += 1;
            if let Some(k) = k {
                t.s.bezetting_loc.tel(k);
            }
        }
        if loc {
            let a = p.begin.max(self.van);
            let b = p.eind.min(self.tot);
            if b > a {
                t.bezette_dagen += i64::from(b - a);
                if let Some(k) = k {
                    t.s.bezette.tel(k);
                }
                // Occupancy changes for the overbezetting sweep, in the same pass.
                if let Some(w) = t.wijzigingen.get_mut(p.voorziening as usize) {
                    w.push((a, 1, 0));
                    if p.eind < self.tot {
                        w.push((p.eind, -1, 0));
                    }
                }
            }
        }
        if !past {
            return;
        }
        if p.begin <= self.peil && self.peil < p.eind {
            t.bezetting += 1;
            if let Some(k) = k {
                t.s.bezetting.tel(k);
            }
        }
        if !self.in_p(p.begin) {
            return;
        }
        if p.start_episode() {
            t.exclusief += 1;
            t.jeugdigen.push(p.jeugdige);
            if let Some(k) = k {
                t.s.exclusief.tel(k);
            }
        }
        if p.is_doorplaatsing() {
            t.door += 1;
            t.jeugdigen.push(p.jeugdige);
            if let Some(k) = k {
                t.s.door.tel(k);
            }
        }
        // Spoedaandeel: residential placements in closed care that start an episode.
        if self.dicht(p.voorziening) && p.telt_voor_spoedaandeel() {
            t.gesloten_starts += 1;
            if let Some(k) = k {
                t.s.gesloten_starts.tel(k);
            }
            if p.op_spoedmachtiging() {
                t.spoed_starts += 1;
                if let Some(k) = k {
                    t.s.spoed_starts.tel(k);
                }
            }
        }
    }

    pub(crate) fn plaatsingen(&self) -> PlaatsingTelling {
        let mut t = self.plaatsing_telling();
        let (lo, hi) = self.venster_plaatsingen();
        self.p
            .jt
            .plaatsingen
            .visible(self.known_at, lo, hi)
            .for_each(|p| {
                self.count_plaatsing(
                    p,
                    self.past_locatie(p.voorziening),
                    self.past(p.voorziening, p.herkomst),
                    &mut t,
                );
            });
        t.rond_af();
        if let Some(sl) = self.sleutels {
            for &j in &t.jeugdigen {
                t.s.unieke.tel(sl.sleutel(soort::JEUGDIGE, u64::from(j), 0));
            }
        }
        t
    }

    /// One interval into begin stock, instroom, uitstroom, end stock (`[b, i, u, e]`).
    #[inline]
    pub(crate) fn count_stroom(&self, s: i32, t: i32, st: &mut [i64; 4]) -> [bool; 4] {
        let telt = [
            s < self.van && self.van <= t,
            self.in_p(s),
            t != crate::periode::OPEN && self.in_p(t),
            s < self.tot && self.tot <= t,
        ];
        for (x, &b) in st.iter_mut().zip(&telt) {
            *x += i64::from(b);
        }
        telt
    }

    /// The key sums of a stock-and-flow tally, for the figures [`Ctx::count_stroom`] counted.
    #[inline]
    pub(crate) fn count_stroom_key(telt: [bool; 4], k: Option<u64>, ks: &mut [Cel; 4]) {
        if let Some(k) = k {
            for (c, b) in ks.iter_mut().zip(telt) {
                if b {
                    c.tel(k);
                }
            }
        }
    }

    pub(crate) fn stroom<T: crate::versions::ValidTime + Copy + PartialEq>(
        &self,
        table: &crate::versions::VersionTable<T>,
        sleutel: impl Fn(&T) -> (u32, u32, u32),
    ) -> (Stroom, [Cel; 4]) {
        let mut st = [0i64; 4];
        let mut ks = [Cel::default(); 4];
        let (lo, hi) = self.venster_stroom();
        table.visible(self.known_at, lo, hi).for_each(|f| {
            let (vz, h, j) = sleutel(f);
            if self.past(vz, h) {
                let telt = self.count_stroom(f.begin(), f.eind(), &mut st);
                let k = self
                    .sleutels
                    .map(|s| s.feit(soort::TRAJECT, j, f.begin(), vz));
                Self::count_stroom_key(telt, k, &mut ks);
            }
        });
        (stroom_van(st), ks)
    }

    pub(crate) fn episode_telling() -> EpisodeTelling {
        EpisodeTelling {
            bestemmingen: [0; 16],
            ..EpisodeTelling::default()
        }
    }

    /// Rank of the facility an episode ended in (for "lighter care").
    pub fn rang(&self, vz: u32) -> Option<u8> {
        self.b
            .attr
            .get(vz as usize)
            .copied()
            .flatten()
            .and_then(|a| {
                Some(rang_van_voorziening(
                    vorm_van(a.vorm)?,
                    regime_van(a.regime)?,
                ))
            })
    }

    /// One episode into the tally; `eerste` and `laatste` are `past` of the facility
    /// where it started and the one the youth left (independent of P).
    #[inline]
    pub(crate) fn count_episode(
        &self,
        e: &Episode,
        eerste: bool,
        laatste: bool,
        t: &mut EpisodeTelling,
        st: &mut [i64; 4],
    ) {
        let k = self
            .sleutels
            .map(|s| s.feit(soort::EPISODE, e.jeugdige, e.begin, e.eerste));
        if eerste {
            // Stock and flows in the same pass (see the module docs for the rules).
            let telt = self.count_stroom(e.begin, e.eind, st);
            Self::count_stroom_key(telt, k, &mut t.s.episodes);
            if e.begin <= self.peil && self.peil < e.eind && e.begin <= self.peil - LANGVERBLIJF {
                t.langverblijvers += 1;
                if let Some(k) = k {
                    t.s.langverblijvers.tel(k);
                }
            }
            if self.in_p(e.begin) {
                t.cohort += 1;
                if let Some(k) = k {
                    t.s.cohort.tel(k);
                }
                if e.eerste_door < e.begin.saturating_add(365) {
                    t.cohort_door += 1;
                    if let Some(k) = k {
                        t.s.cohort_door.tel(k);
                    }
                }
            }
        }
        if e.bestemming == GEEN8 || !self.in_p(e.eind) || !laatste {
            return;
        }
        let Some(best) = bestemming_van(e.bestemming) else {
            return;
        };
        t.bestemmingen[e.bestemming as usize % 16] += 1;
        t.duren.push(e.eind - e.begin);
        if let Some(k) = k {
            t.s.bestemmingen[e.bestemming as usize % 16].tel(k);
            if e.eind - e.begin < 365 {
                t.s.kort.tel(k);
            }
        }
        if best != Verblijfplaats::Onbekend {
            t.bekend += 1;
            if let Some(k) = k {
                t.s.bekend.tel(k);
            }
            if let (Zwaarte::Rang(r), Some(vr)) = (best.zwaarte(), self.rang(e.laatste))
                && r < vr
            {
                t.lichter += 1;
                if let Some(k) = k {
                    t.s.lichter.tel(k);
                }
            }
        }
    }

    pub(crate) fn episodes(&self) -> EpisodeTelling {
        let mut t = Self::episode_telling();
        let (lo, hi) = self.venster_stroom();
        let mut st = [0i64; 4];
        self.p
            .jt
            .episodes
            .visible(self.known_at, lo, hi)
            .for_each(|e| {
                self.count_episode(
                    e,
                    self.past(e.eerste, e.herkomst),
                    self.past(e.laatste, e.herkomst),
                    &mut t,
                    &mut st,
                );
            });
        t.stroom = stroom_van(st);
        t
    }

    #[inline]
    pub(crate) fn telt_machtiging(&self, m: &Machtiging, past: bool) -> bool {
        m.is_spoed() && self.in_p(m.begin) && past
    }

    pub(crate) fn machtigingen(&self) -> Cel {
        let mut c = Cel::default();
        self.p
            .jt
            .machtigingen
            .visible(self.known_at, self.van, self.tot)
            .filter(|m| self.telt_machtiging(m, self.past(m.voorziening, m.herkomst)))
            .for_each(|m| {
                c.tel(self.sleutels.map_or(0, |s| {
                    s.feit(soort::MACHTIGING, m.jeugdige, m.begin, m.voorziening)
                }))
            });
        c
    }

    /// One signal into the tally: its subject counts once in P, so a stretch counts
    /// when it overlaps P and the subject's previous stretch does not (`Signaal`).
    #[inline]
    pub(crate) fn count_signaal(
        &self,
        s: &Signaal,
        past: bool,
        n: &mut [i64; 3],
        ks: &mut [Cel; 3],
    ) {
        if s.begin < self.tot
            && s.eind > self.van
            && s.begin < s.eind
            && s.vorige_eind <= self.van
            && past
        {
            n[s.soort as usize % 3] += 1;
            if let Some(sl) = self.sleutels {
                let soort = soort::SIGNAAL + (u64::from(s.soort) << 8);
                ks[s.soort as usize % 3].tel(sl.feit(soort, s.jeugdige, s.begin, s.voorziening));
            }
        }
    }

    pub(crate) fn signaal_tellingen(&self) -> ([i64; 3], [Cel; 3]) {
        let mut n = [0i64; 3];
        let mut ks = [Cel::default(); 3];
        self.p
            .jt
            .signalen
            .visible(self.known_at, self.van, self.tot)
            .for_each(|s| {
                self.count_signaal(s, self.past(s.voorziening, s.herkomst), &mut n, &mut ks)
            });
        (n, ks)
    }

    pub(crate) fn signalen(n: [i64; 3], overbezetting: i64) -> Signalen {
        Signalen {
            overbezetting: Aantal::van(overbezetting),
            zonder_machtiging: Aantal::van(n[signaal::ZONDER_MACHTIGING as usize]),
            spoedmachtiging_te_lang: Aantal::van(n[signaal::SPOED_TE_LANG as usize]),
            doorplaatsing: Aantal::van(n[signaal::DOORPLAATSING as usize]),
        }
    }

    /// Facilities (LOCATIE) with a day in P on which more placements are active than
    /// there are places: a sweep over occupancy and capacity changes per facility.
    pub(crate) fn overbezetting(&self, mut wijz: Vec<Vec<(i32, i64, i64)>>) -> i64 {
        if wijz.iter().all(Vec::is_empty) {
            return 0;
        }
        for c in self.p.capaciteit.visible(self.known_at, i32::MIN, self.tot) {
            if c.datum < self.tot
                && let Some(w) = wijz.get_mut(c.voorziening as usize)
                && !w.is_empty()
            {
                w.push((c.datum.max(self.van), 0, i64::from(c.delta)));
            }
        }
        let mut n = 0;
        for mut w in wijz {
            w.sort_unstable_by_key(|x| x.0);
            let (mut bez, mut cap) = (0i64, 0i64);
            let mut i = 0;
            while i < w.len() {
                let d = w[i].0;
                while i < w.len() && w[i].0 == d {
                    bez += w[i].1;
                    cap += w[i].2;
                    i += 1;
                }
                if bez > cap {
                    n += 1;
                    break;
                }
            }
        }
        n
    }
}

#[derive(Default)]
pub(crate) struct PlaatsingTelling {
    /// Key sums (a protected caller only).
    pub(crate) s: CellKeys,
    /// Per facility: (day, occupancy change, capacity change) within P.
    pub(crate) wijzigingen: Vec<Vec<(i32, i64, i64)>>,
    pub(crate) bezetting: i64,
    pub(crate) bezetting_loc: i64,
    pub(crate) bezette_dagen: i64,
    pub(crate) exclusief: i64,
    pub(crate) door: i64,
    pub(crate) jeugdigen: Vec<u32>,
    pub(crate) gesloten_starts: i64,
    pub(crate) spoed_starts: i64,
}

impl PlaatsingTelling {
    pub(crate) fn rond_af(&mut self) {
        self.jeugdigen.sort_unstable();
        self.jeugdigen.dedup();
    }
}

pub(crate) fn stroom_van(st: [i64; 4]) -> Stroom {
    Stroom {
        begin: Aantal::van(st[0]),
        instroom: Aantal::van(st[1]),
        uitstroom: Aantal::van(st[2]),
        eind: Aantal::van(st[3]),
    }
}

#[derive(Default)]
pub(crate) struct EpisodeTelling {
    /// Key sums (a protected caller only).
    pub(crate) s: CellKeys,
    pub(crate) stroom: Stroom,
    pub(crate) langverblijvers: i64,
    pub(crate) cohort: i64,
    pub(crate) cohort_door: i64,
    pub(crate) bestemmingen: [i64; 16],
    pub(crate) bekend: i64,
    pub(crate) lichter: i64,
    pub(crate) duren: Vec<i32>,
}

pub(crate) fn verblijfsduur(mut duren: Vec<i32>) -> Verblijfsduur {
    duren.sort_unstable();
    let n = duren.len();
    let aantal = Aantal::van(n as i64);
    if n == 0 {
        return Verblijfsduur {
            aantal,
            korter_dan_jaar: Verhouding::van(0, 0),
            ..Verblijfsduur::default()
        };
    }
    let som: i64 = duren.iter().map(|&d| i64::from(d)).sum();
    let mediaan = if n % 2 == 1 {
        f64::from(duren[n / 2])
    } else {
        (f64::from(duren[n / 2 - 1]) + f64::from(duren[n / 2])) / 2.0
    };
    // Nearest rank.
    let p90 = f64::from(duren[(n * 9).div_ceil(10).saturating_sub(1).min(n - 1)]);
    let kort = duren.iter().filter(|&&d| d < 365).count() as i64;
    Verblijfsduur {
        aantal,
        gemiddelde: Some(som as f64 / n as f64),
        mediaan: Some(mediaan),
        p90: Some(p90),
        korter_dan_jaar: Verhouding::van(kort, n as i64),
        bescherming: Bescherming::Geen,
    }
}

/// The placement figures of one period.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlaatsingSom {
    pub bezetting: i64,
    pub bezetting_loc: i64,
    pub bezette_dagen: i64,
    pub exclusief: i64,
    pub door: i64,
    pub unieke: i64,
    pub gesloten_starts: i64,
    pub spoed_starts: i64,
}

/// The episode figures of one period.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct EpisodeSom {
    pub stroom: Stroom,
    pub langverblijvers: i64,
    pub cohort: i64,
    pub cohort_door: i64,
    pub bestemmingen: [i64; 16],
    pub bekend: i64,
    pub lichter: i64,
    pub verblijfsduur: Verblijfsduur,
}

/// The tallies of the fact scans of one query, before they become a report.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Tellingen {
    pub pl: PlaatsingSom,
    pub ep: EpisodeSom,
    pub trajecten: Stroom,
    pub spoed: i64,
    pub signalen: [i64; 3],
    pub overbezetting: i64,
}

impl PlaatsingTelling {
    pub(crate) fn som(mut self) -> PlaatsingSom {
        self.rond_af();
        PlaatsingSom {
            bezetting: self.bezetting,
            bezetting_loc: self.bezetting_loc,
            bezette_dagen: self.bezette_dagen,
            exclusief: self.exclusief,
            door: self.door,
            unieke: self.jeugdigen.len() as i64,
            gesloten_starts: self.gesloten_starts,
            spoed_starts: self.spoed_starts,
        }
    }
}

impl EpisodeTelling {
    pub(crate) fn som(self) -> EpisodeSom {
        EpisodeSom {
            stroom: self.stroom,
            langverblijvers: self.langverblijvers,
            cohort: self.cohort,
            cohort_door: self.cohort_door,
            bestemmingen: self.bestemmingen,
            bekend: self.bekend,
            lichter: self.lichter,
            verblijfsduur: verblijfsduur(self.duren),
        }
    }
}

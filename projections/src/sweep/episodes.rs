//! The episode, trajectory, authorisation and signal figures of every period of a series.

use kringloop_events::{Verblijfplaats, Zwaarte};

use crate::context::Ctx;
use crate::feiten::{Episode, bestemming_van};
use crate::periode::OPEN;
use crate::report::{Aantal, Stroom, Verblijfsduur};
use crate::tally::{EpisodeSom, LANGVERBLIJF};
use crate::versions::{Part, Piece};

use super::calendar::*;

/// Begin stock, instroom, uitstroom and end stock of intervals, per period.
pub(crate) struct StroomCounter {
    pub(crate) begin: Vec<i64>,
    pub(crate) eind: Vec<i64>,
    pub(crate) instroom: Vec<i64>,
    pub(crate) uitstroom: Vec<i64>,
}

impl StroomCounter {
    pub(crate) fn new(n: usize) -> StroomCounter {
        StroomCounter {
            begin: vec![0; n + 1],
            eind: vec![0; n + 1],
            // A spare slot n for facts outside the series (`Calendar::per_van`).
            instroom: vec![0; n + 1],
            uitstroom: vec![0; n + 1],
        }
    }

    /// The rules of `Ctx::count_stroom`: in the begin stock of P when s < van ≤ t, in the
    /// end stock when s < tot ≤ t, instroom when s ∈ P, uitstroom when t ∈ P.
    #[inline]
    pub(crate) fn tel(&mut self, kal: &Calendar, s: i32, t: i32) {
        self.count_n(kal, s, t, 1);
    }

    /// `tel`, `x` times.
    #[inline]
    pub(crate) fn count_n(&mut self, kal: &Calendar, s: i32, t: i32, x: i64) {
        bereik_n(&mut self.begin, kal.van_le(s), kal.van_le(t), x);
        bereik_n(&mut self.eind, kal.tot_le(s), kal.tot_le(t), x);
        // (An open end, `OPEN`, lies after every period: slot n.)
        if let Some(i) = self.instroom.get_mut(kal.per_van(s)) {
            *i += x;
        }
        if let Some(u) = self.uitstroom.get_mut(kal.per_van(t)) {
            *u += x;
        }
    }

    pub(crate) fn stromen(&self, n: usize) -> Vec<Stroom> {
        let (b, e) = (sommen(&self.begin, n), sommen(&self.eind, n));
        (0..n)
            .map(|i| Stroom {
                begin: Aantal::van(b[i]),
                instroom: Aantal::van(self.instroom[i]),
                uitstroom: Aantal::van(self.uitstroom[i]),
                eind: Aantal::van(e[i]),
            })
            .collect()
    }
}

/// Lengths of stay of one period.
#[derive(Clone)]
pub(crate) struct Duren {
    pub(crate) histogram: Vec<u32>,
    /// Lengths outside the histogram.
    pub(crate) overig: Vec<i32>,
    pub(crate) n: i64,
    pub(crate) som: i64,
}

impl Duren {
    pub(crate) fn new() -> Duren {
        Duren {
            histogram: Vec::new(),
            overig: Vec::new(),
            n: 0,
            som: 0,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, d: i32) {
        self.n += 1;
        self.som += i64::from(d);
        match usize::try_from(d) {
            Ok(i) if i < HISTOGRAM => {
                if self.histogram.is_empty() {
                    self.histogram = vec![0; HISTOGRAM];
                }
                self.histogram[i] += 1;
            }
            _ => self.overig.push(d),
        }
    }

    /// The `r`-th smallest length (0-based); `overig` sorted.
    pub(crate) fn rang(&self, r: usize) -> i32 {
        let negatief = self.overig.partition_point(|&d| d < 0);
        if r < negatief {
            return self.overig[r];
        }
        let mut r = r - negatief;
        for (d, &c) in self.histogram.iter().enumerate() {
            if r < c as usize {
                return d as i32;
            }
            r -= c as usize;
        }
        self.overig.get(negatief + r).copied().unwrap_or(0)
    }

    /// The same figures as `kpi::verblijfsduur` over the sorted list of lengths.
    pub(crate) fn verblijfsduur(mut self) -> Verblijfsduur {
        self.overig.sort_unstable();
        let n = usize::try_from(self.n).unwrap_or(0);
        if n == 0 {
            return crate::tally::verblijfsduur(Vec::new());
        }
        let mediaan = if n % 2 == 1 {
            f64::from(self.rang(n / 2))
        } else {
            (f64::from(self.rang(n / 2 - 1)) + f64::from(self.rang(n / 2))) / 2.0
        };
        let p90 = f64::from(self.rang((n * 9).div_ceil(10).saturating_sub(1).min(n - 1)));
        let kort: i64 = self
            .histogram
            .iter()
            .take(365)
            .map(|&c| i64::from(c))
            .sum::<i64>()
            + self.overig.iter().filter(|&&d| d < 365).count() as i64;
        Verblijfsduur {
            aantal: Aantal::van(self.n),
            gemiddelde: Some(self.som as f64 / n as f64),
            mediaan: Some(mediaan),
            p90: Some(p90),
            korter_dan_jaar: crate::report::Verhouding::van(kort, self.n),
            bescherming: crate::report::Bescherming::Geen,
        }
    }
}

/// Episode figures of every period.
pub(crate) fn episodes<Z: FactFilter>(c0: &Ctx<'_>, kal: &Calendar, z: Z) -> Vec<EpisodeSom> {
    let n = kal.n;
    let mut st = StroomCounter::new(n);
    let mut lang = vec![0i64; n + 1];
    // Slot n takes what falls outside the series, so that the tallies need no branch
    // on data that is as good as random (see `Calendar::per_van`).
    let mut som = vec![EpisodeSom::default(); n + 1];
    let mut duren = vec![Duren::new(); n + 1];
    // Per destination code: 1 if it is known, and its rank (`u8::MAX`: none).
    let mut bekend_code = [0i64; 256];
    let mut rang_code = [u8::MAX; 256];
    for c in 0..=u8::MAX {
        if let Some(best) = bestemming_van(c) {
            bekend_code[usize::from(c)] = i64::from(best != Verblijfplaats::Onbekend);
            if let Zwaarte::Rang(r) = best.zwaarte() {
                rang_code[usize::from(c)] = r;
            }
        }
    }
    // The rank of each facility's form and regime, looked up once instead of per
    // episode; 0 when it has none (no destination ranks below 0, so none is lighter).
    let rangen: Vec<u8> = (0..c0.p.vz_namen.len())
        .map(|v| c0.rang(v as u32).unwrap_or(0))
        .collect();
    // One episode, or a whole bucket (`VersionTable::per_whole`): its stocks, flows and cohort
    // from one version (they depend only on the quarters of its days), cohort
    // doorplaatsingen and destinations from its sums, langverblijvers and exits from
    // its column.
    let mut tel = |g: Part<'_, Episode>| {
        let e = match g {
            Part::Single(e) => e,
            Part::Whole(bucket) => {
                let Some(een) = bucket.live().next() else {
                    return;
                };
                let x = bucket.live_count();
                let totaal = &bucket.sum;
                st.count_n(kal, een.begin, een.eind, x);
                if let Some(t) = som.get_mut(kal.per_van(bucket.begin_quarter_day)) {
                    t.cohort += x;
                    t.cohort_door += totaal.cohort_door;
                }
                let i = kal.per_van(bucket.end_quarter_day);
                let (Some(t), Some(d)) = (som.get_mut(i), duren.get_mut(i)) else {
                    return;
                };
                for (b, &aantal) in totaal.bestemming.iter().enumerate() {
                    t.bestemmingen[b] += aantal;
                    t.bekend += bekend_code[b] * aantal;
                }
                // Exits outside the series need not be read (slot n).
                let uit = i < n;
                for k in bucket.column.iter() {
                    bereik(
                        &mut lang,
                        kal.tot_le(k.begin.saturating_add(LANGVERBLIJF - 1)),
                        kal.tot_le(k.eind.saturating_sub(1)),
                    );
                    let b = (k.laatste_bestemming & 0xFF) as usize;
                    // (Per bucket, whether its versions ended is the same for all.)
                    if uit && b < Verblijfplaats::ALL.len() {
                        d.push(k.eind - k.begin);
                        let vr = rangen
                            .get((k.laatste_bestemming >> 8) as usize)
                            .copied()
                            .unwrap_or(0);
                        t.lichter += i64::from(rang_code[b] < vr);
                    }
                }
                return;
            }
        };
        let eerste = z.past(e.eerste, e.herkomst);
        let laatste = z.past(e.laatste, e.herkomst);
        if eerste {
            st.tel(kal, e.begin, e.eind);
            // Langverblijver at the peildatum tot_i: s + 548 ≤ tot_i < e.
            bereik(
                &mut lang,
                kal.tot_le(e.begin.saturating_add(LANGVERBLIJF - 1)),
                kal.tot_le(e.eind.saturating_sub(1)),
            );
            if let Some(t) = som.get_mut(kal.per_van(e.begin)) {
                t.cohort += 1;
                t.cohort_door += i64::from(e.eerste_door < e.begin.saturating_add(365));
            }
        }
        // (A branch on the filter is well predicted: without one every fact passes,
        // with one most fail.)
        if !laatste {
            return;
        }
        // An exit: ended (an open episode has no destination, `GEEN8`) with a
        // destination code and in a period; otherwise slot n.
        let b = usize::from(e.bestemming);
        let valid_time = (e.eind != OPEN) & (b < Verblijfplaats::ALL.len());
        let i = if valid_time { kal.per_van(e.eind) } else { n };
        let (Some(t), Some(d)) = (som.get_mut(i), duren.get_mut(i)) else {
            return;
        };
        t.bestemmingen[b % 16] += 1;
        d.push(if valid_time { e.eind - e.begin } else { 0 });
        t.bekend += bekend_code[b];
        let vr = rangen.get(e.laatste as usize).copied().unwrap_or(0);
        t.lichter += i64::from(rang_code[b] < vr);
    };
    if Z::ALLES && kal.kwartalen {
        c0.p.jt
            .episodes
            .per_whole(c0.known_at, kal.t0 - 1, kal.t1, &mut tel);
    } else if Z::ALLES {
        c0.p.jt
            .episodes
            .visible(c0.known_at, kal.t0 - 1, kal.t1)
            .for_each(|e| tel(Part::Single(e)));
    } else {
        c0.p.jt.episodes.visible_where(
            c0.known_at,
            kal.t0 - 1,
            kal.t1,
            |k| z.past(k.eerste, k.herkomst) || z.past(k.laatste(), k.herkomst),
            |e| tel(Part::Single(e)),
        );
    }
    som.truncate(n);
    duren.truncate(n);
    let lang = sommen(&lang, n);
    for ((t, (s, l)), d) in som
        .iter_mut()
        .zip(st.stromen(n).into_iter().zip(lang))
        .zip(duren)
    {
        t.stroom = s;
        t.langverblijvers = l;
        t.verblijfsduur = d.verblijfsduur();
    }
    som
}

/// CBS-trajectory stock and flows, spoedmachtigingen and signals of every period.
pub(crate) fn overige<Z: FactFilter>(
    c0: &Ctx<'_>,
    kal: &Calendar,
    z: Z,
) -> (Vec<Stroom>, Vec<i64>, Vec<[i64; 3]>) {
    let n = kal.n;
    let p = c0.p;
    let mut st = StroomCounter::new(n);
    if Z::ALLES && kal.kwartalen {
        // Every trajectory counts and only the quarters of its days matter: an open
        // bucket whose versions are all visible is counted without being read.
        p.jt.trajecten
            .per_bucket(c0.known_at, kal.t0 - 1, kal.t1, |t, stuk| match stuk {
                Piece::Bucket(x) => st.count_n(kal, t.begin, t.eind, x),
                Piece::Single => st.tel(kal, t.begin, t.eind),
            });
    } else {
        p.jt.trajecten.visible_where(
            c0.known_at,
            kal.t0 - 1,
            kal.t1,
            |k| z.past(k.voorziening, k.herkomst),
            |t| {
                if z.past(t.voorziening, t.herkomst) {
                    st.tel(kal, t.begin, t.eind);
                }
            },
        );
    }
    let mut spoed = vec![0i64; n];
    for m in p.jt.machtigingen.visible(c0.known_at, kal.t0, kal.t1) {
        if m.is_spoed()
            && let Some(i) = kal.per(m.begin)
            && z.past(m.voorziening, m.herkomst)
        {
            spoed[i] += 1;
        }
    }
    let mut sig = [vec![0i64; n + 1], vec![0i64; n + 1], vec![0i64; n + 1]];
    for s in p.jt.signalen.visible(c0.known_at, kal.t0, kal.t1) {
        // Overlaps P_i (begin < tot_i and eind > van_i) while the subject's previous
        // stretch does not (vorige_eind ≤ van_i): the periods from the first that
        // begins after the previous stretch's last day.
        if s.begin < s.eind && z.past(s.voorziening, s.herkomst) {
            bereik(
                &mut sig[s.soort as usize % 3],
                kal.tot_le(s.begin)
                    .max(kal.van_le(s.vorige_eind.saturating_sub(1))),
                kal.van_le(s.eind.saturating_sub(1)),
            );
        }
    }
    let sig: Vec<Vec<i64>> = sig.iter().map(|d| sommen(d, n)).collect();
    let signalen = (0..n).map(|i| [sig[0][i], sig[1][i], sig[2][i]]).collect();
    (st.stromen(n), spoed, signalen)
}

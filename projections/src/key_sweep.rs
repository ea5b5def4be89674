//! The record-key sums of every period of a series, for a caller without person-level
//! access (`disclosure.rs`).
//!
//! The sweep of `sweep.rs` counts many records at once (whole buckets, columns, bucket
//! sums), so it has no keys to add. This pass reads every visible fact once, like the
//! sweep's per-fact path: each fact costs O(1) however many periods it spans (its key
//! goes to one period, or to a range of periods through a difference array of wrapping
//! sums), with the rules of `Ctx::count_plaatsing`, `Ctx::count_episode`, `Ctx::count_stroom`
//! and the signal and authorisation tallies. Every cell also counts its records, and
//! `disclosure::check` asserts (in debug builds, so in every test) that each count equals
//! the figure the sweep computed: a rule that drifts here fails the series tests.
//!
//! Placements on one thread, the other tables on another.

use kringloop_events::{Verblijfplaats, Zwaarte};

use crate::context::Ctx;
use crate::disclosure::{Cel, CellKeys, RecordKeys, soort};
use crate::feiten::bestemming_van;
use crate::periode::OPEN;
use crate::sweep::Calendar;
use crate::tally::LANGVERBLIJF;

/// A difference array of cells over the periods (n + 1 entries).
struct Bereiken(Vec<Cel>);

impl Bereiken {
    fn new(n: usize) -> Bereiken {
        Bereiken(vec![Cel::default(); n + 1])
    }

    /// The record with key `k` in periods `a..b`.
    #[inline]
    fn tel(&mut self, a: usize, b: usize, k: u64) {
        if a >= b {
            return;
        }
        if let Some(c) = self.0.get_mut(a) {
            c.n += 1;
            c.k = c.k.wrapping_add(k);
        }
        if let Some(c) = self.0.get_mut(b) {
            c.n -= 1;
            c.k = c.k.wrapping_sub(k);
        }
    }

    /// The cell of each period.
    fn cellen(&self, n: usize) -> Vec<Cel> {
        self.0
            .iter()
            .take(n)
            .scan(Cel::default(), |acc, c| {
                *acc = acc.plus(*c);
                Some(*acc)
            })
            .collect()
    }
}

/// The key of a youth (unique youths count youths, not placements).
fn jeugdige(sl: &RecordKeys, j: u32) -> u64 {
    sl.sleutel(soort::JEUGDIGE, u64::from(j), 0)
}

/// Placement key sums: occupancy at each peildatum (with the filter on origin and on
/// location), placements with bed-days in each period, starts, unique youths, closed and
/// urgent starts.
fn plaatsingen(c0: &Ctx<'_>, kal: &Calendar, sl: &RecordKeys) -> Vec<CellKeys> {
    let n = kal.n;
    let mut uit = vec![CellKeys::default(); n];
    let (mut bez, mut bez_loc, mut bezette) =
        (Bereiken::new(n), Bereiken::new(n), Bereiken::new(n));
    let mut jeugdigen: Vec<(u32, u32)> = Vec::new();
    let mut een = |pl: &crate::feiten::Plaatsing| {
        let loc = c0.past_locatie(pl.voorziening);
        let past = c0.past(pl.voorziening, pl.herkomst);
        if !loc && !past {
            return;
        }
        let k = sl.feit(soort::PLAATSING, pl.jeugdige, pl.begin, pl.voorziening);
        let (s, e) = (pl.begin, pl.eind);
        // Active at the peildatum tot_i: s ≤ tot_i < e.
        let (a, b) = (
            kal.tot_le(s.saturating_sub(1)),
            kal.tot_le(e.saturating_sub(1)),
        );
        if loc {
            bez_loc.tel(a, b, k);
            // A bed-day in P_i: [s, e) meets [van_i, tot_i).
            let (x, y) = (s.max(kal.t0), e.min(kal.t1));
            if x < y {
                bezette.tel(kal.tot_le(x), kal.van_le(y - 1), k);
            }
        }
        if !past {
            return;
        }
        bez.tel(a, b, k);
        let Some(i) = kal.per(s) else {
            return;
        };
        let Some(t) = uit.get_mut(i) else {
            return;
        };
        let _v = pl.vlaggen;
        if pl.start_episode() {
            t.exclusief.tel(k);
        }
        if pl.is_doorplaatsing() {
            t.door.tel(k);
        }
        if pl.telt_voor_unieke() {
            jeugdigen.push((i as u32, pl.jeugdige));
        }
        if c0.dicht(pl.voorziening) && pl.telt_voor_spoedaandeel() {
            t.gesloten_starts.tel(k);
            if pl.op_spoedmachtiging() {
                t.spoed_starts.tel(k);
            }
        }
    };
    // With a filter, the narrow column first and a version only if it passes (as the
    // sweep's filtered scan does).
    let table = &c0.p.jt.plaatsingen;
    if c0.zonder_filter() {
        table
            .visible(c0.known_at, kal.t0 - 1, kal.t1)
            .for_each(&mut een);
    } else {
        table.visible_where(
            c0.known_at,
            kal.t0 - 1,
            kal.t1,
            |k| c0.past_locatie(k.plek) || c0.past(k.plek, k.herkomst),
            &mut een,
        );
    }
    jeugdigen.sort_unstable();
    jeugdigen.dedup();
    for (i, j) in jeugdigen {
        if let Some(t) = uit.get_mut(i as usize) {
            t.unieke.tel(jeugdige(sl, j));
        }
    }
    for (t, ((b, l), d)) in uit.iter_mut().zip(
        bez.cellen(n)
            .into_iter()
            .zip(bez_loc.cellen(n))
            .zip(bezette.cellen(n)),
    ) {
        t.bezetting = b;
        t.bezetting_loc = l;
        t.bezette = d;
    }
    uit
}

/// Stock and flows of one interval with key `k`: begin stock when s < van ≤ t, end
/// stock when s < tot ≤ t, instroom s ∈ P, uitstroom t ∈ P.
fn stroom(
    kal: &Calendar,
    s: i32,
    t: i32,
    k: u64,
    voorraad: &mut [Bereiken; 2],
    uit: &mut [CellKeys],
    kies: fn(&mut CellKeys) -> &mut [Cel; 4],
) {
    voorraad[0].tel(kal.van_le(s), kal.van_le(t), k);
    voorraad[1].tel(kal.tot_le(s), kal.tot_le(t), k);
    if let Some(c) = kal.per(s).and_then(|i| uit.get_mut(i)) {
        kies(c)[1].tel(k);
    }
    if t != OPEN
        && let Some(c) = kal.per(t).and_then(|i| uit.get_mut(i))
    {
        kies(c)[2].tel(k);
    }
}

fn voorraden(
    uit: &mut [CellKeys],
    v: &[Bereiken; 2],
    n: usize,
    kies: fn(&mut CellKeys) -> &mut [Cel; 4],
) {
    for (t, (b, e)) in uit
        .iter_mut()
        .zip(v[0].cellen(n).into_iter().zip(v[1].cellen(n)))
    {
        let x = kies(t);
        x[0] = b;
        x[3] = e;
    }
}

/// Episode, trajectory, authorisation and signal key sums.
fn overige(c0: &Ctx<'_>, kal: &Calendar, sl: &RecordKeys) -> Vec<CellKeys> {
    let n = kal.n;
    let mut uit = vec![CellKeys::default(); n];
    let episodes: fn(&mut CellKeys) -> &mut [Cel; 4] = |c| &mut c.episodes;
    let trajecten: fn(&mut CellKeys) -> &mut [Cel; 4] = |c| &mut c.trajecten;

    let mut voorraad = [Bereiken::new(n), Bereiken::new(n)];
    let mut lang = Bereiken::new(n);
    let mut episode = |e: &crate::feiten::Episode| {
        let k = sl.feit(soort::EPISODE, e.jeugdige, e.begin, e.eerste);
        if c0.past(e.eerste, e.herkomst) {
            stroom(kal, e.begin, e.eind, k, &mut voorraad, &mut uit, episodes);
            // Langverblijver at the peildatum tot_i: s + 548 ≤ tot_i < e.
            lang.tel(
                kal.tot_le(e.begin.saturating_add(LANGVERBLIJF - 1)),
                kal.tot_le(e.eind.saturating_sub(1)),
                k,
            );
            if let Some(t) = kal.per(e.begin).and_then(|i| uit.get_mut(i)) {
                t.cohort.tel(k);
                if e.eerste_door < e.begin.saturating_add(365) {
                    t.cohort_door.tel(k);
                }
            }
        }
        if !c0.past(e.laatste, e.herkomst) || e.eind == OPEN {
            return;
        }
        let (Some(best), Some(t)) = (
            bestemming_van(e.bestemming),
            kal.per(e.eind).and_then(|i| uit.get_mut(i)),
        ) else {
            return;
        };
        t.bestemmingen[e.bestemming as usize % 16].tel(k);
        if e.eind - e.begin < 365 {
            t.kort.tel(k);
        }
        if best != Verblijfplaats::Onbekend {
            t.bekend.tel(k);
            if let (Zwaarte::Rang(r), Some(vr)) = (best.zwaarte(), c0.rang(e.laatste))
                && r < vr
            {
                t.lichter.tel(k);
            }
        }
    };
    let table = &c0.p.jt.episodes;
    if c0.zonder_filter() {
        table
            .visible(c0.known_at, kal.t0 - 1, kal.t1)
            .for_each(&mut episode);
    } else {
        table.visible_where(
            c0.known_at,
            kal.t0 - 1,
            kal.t1,
            |k| c0.past(k.eerste, k.herkomst) || c0.past(k.laatste(), k.herkomst),
            &mut episode,
        );
    }
    voorraden(&mut uit, &voorraad, n, episodes);
    for (t, l) in uit.iter_mut().zip(lang.cellen(n)) {
        t.langverblijvers = l;
    }

    let mut voorraad = [Bereiken::new(n), Bereiken::new(n)];
    c0.p.jt.trajecten.visible_where(
        c0.known_at,
        kal.t0 - 1,
        kal.t1,
        |k| c0.past(k.voorziening, k.herkomst),
        |t| {
            if c0.past(t.voorziening, t.herkomst) {
                let k = sl.feit(soort::TRAJECT, t.jeugdige, t.begin, t.voorziening);
                stroom(kal, t.begin, t.eind, k, &mut voorraad, &mut uit, trajecten);
            }
        },
    );
    voorraden(&mut uit, &voorraad, n, trajecten);

    for m in c0.p.jt.machtigingen.visible(c0.known_at, kal.t0, kal.t1) {
        if m.is_spoed()
            && c0.past(m.voorziening, m.herkomst)
            && let Some(t) = kal.per(m.begin).and_then(|i| uit.get_mut(i))
        {
            t.spoed
                .tel(sl.feit(soort::MACHTIGING, m.jeugdige, m.begin, m.voorziening));
        }
    }

    let mut sig = [Bereiken::new(n), Bereiken::new(n), Bereiken::new(n)];
    for s in c0.p.jt.signalen.visible(c0.known_at, kal.t0, kal.t1) {
        // Overlaps P_i while the subject's previous stretch does not (`sweep::overige`).
        if s.begin < s.eind && c0.past(s.voorziening, s.herkomst) {
            let soort = soort::SIGNAAL + (u64::from(s.soort) << 8);
            sig[s.soort as usize % 3].tel(
                kal.tot_le(s.begin)
                    .max(kal.van_le(s.vorige_eind.saturating_sub(1))),
                kal.van_le(s.eind.saturating_sub(1)),
                sl.feit(soort, s.jeugdige, s.begin, s.voorziening),
            );
        }
    }
    let sig: Vec<Vec<Cel>> = sig.iter().map(|d| d.cellen(n)).collect();
    for (i, t) in uit.iter_mut().enumerate() {
        for (x, d) in t.signalen.iter_mut().zip(&sig) {
            *x = d.get(i).copied().unwrap_or_default();
        }
    }
    uit
}

/// The key sums of every period of the series `kal` (filter and knowledge time of `c0`).
pub(crate) fn keys_per_period(c0: &Ctx<'_>, kal: &Calendar, sl: &RecordKeys) -> Vec<CellKeys> {
    let (pl, ov) = std::thread::scope(|sc| {
        let pl = sc.spawn(|| plaatsingen(c0, kal, sl));
        let ov = overige(c0, kal, sl);
        (pl.join(), ov)
    });
    let pl = match pl {
        Ok(x) => x,
        Err(e) => std::panic::resume_unwind(e),
    };
    ov.into_iter()
        .zip(pl)
        .map(|(o, p)| o.met_plaatsingen(&p))
        .collect()
}

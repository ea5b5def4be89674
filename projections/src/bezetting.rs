//! The occupancy log: per facility, the net change of its occupancy per day, over the
//! placements as now known, kept by the fold.
//!
//! Overbezetting needs, per facility and period, the occupancy on every day in day
//! order. Rebuilt per series from the placement versions, that was a list of every start
//! and end in the window, sorted by facility and day: about half the CPU of a national
//! 40-quarter series. The fold already knows each placement version it opens and
//! closes, so it notes the changes in a sequential buffer, and [`Bezettingslog::verwerk`]
//! (through `Projection::onderhoud`, after each batch) sorts them by facility and day and
//! appends or merges them into the facilities' lists.
//!
//! Two lists per facility: the changes of the versions visible now, netted per day, and
//! the bitemporal list of every change with the recorded time of its event, which gives
//! the occupancy at any K (`Kenniswijziging`). A series at a K after the last recorded
//! event walks the first, at an earlier K the second; only while changes are pending
//! does it still sort the changes of the versions visible at K. The first list is the
//! second at K = now, netted: kept because walking it takes 15–17 ms of a national
//! series against 24 ms for the bitemporal list.

use crate::periode::OPEN;

/// Merges `run` (sorted by `sleutel`, one entry per key) into `lijst` (the same):
/// appended when it all comes after the list (the usual case for a batch of the log),
/// merged otherwise; entries with equal keys are added up and dropped when they come to
/// nothing.
fn voeg_samen<E: Copy, S: Ord>(
    lijst: &mut Vec<E>,
    run: &[E],
    sleutel: impl Fn(&E) -> S,
    plus: impl Fn(E, E) -> E,
    niets: impl Fn(&E) -> bool,
) {
    let Some(eerste) = run.first() else {
        return;
    };
    if lijst.last().is_none_or(|l| sleutel(l) < sleutel(eerste)) {
        lijst.extend_from_slice(run);
        return;
    }
    let oud = std::mem::take(lijst);
    let mut uit = Vec::with_capacity(oud.len() + run.len());
    let (mut a, mut b) = (oud.iter().peekable(), run.iter().peekable());
    loop {
        let x = match (a.peek(), b.peek()) {
            (Some(&&x), Some(&&y)) => match sleutel(&x).cmp(&sleutel(&y)) {
                std::cmp::Ordering::Equal => {
                    a.next();
                    b.next();
                    plus(x, y)
                }
                std::cmp::Ordering::Less => {
                    a.next();
                    x
                }
                std::cmp::Ordering::Greater => {
                    b.next();
                    y
                }
            },
            (None, Some(&&y)) => {
                b.next();
                y
            }
            (Some(&&x), None) => {
                a.next();
                x
            }
            (None, None) => break,
        };
        if !niets(&x) {
            uit.push(x);
        }
    }
    *lijst = uit;
}

/// One occupancy change in the bitemporal log: (day, change, recorded time of the event
/// that made it). A placement version opened at t adds +1 on its begin and −1 on its
/// end, recorded at t; closed at t', it adds the opposite, recorded at t'. So the
/// changes recorded at or before K add up to those of the versions visible at K.
pub(crate) type Kenniswijziging = (i32, i32, i64);

/// Per facility, the occupancy changes of the placements visible now, and those of
/// every placement version with their recorded times (for any K).
#[derive(Debug, Default, Clone)]
pub(crate) struct Bezettingslog {
    /// Per facility, sorted by day: (day, net change of the occupancy at the start of
    /// that day over the versions visible now), never 0.
    vz: Vec<Vec<(i32, i32)>>,
    /// Per facility, sorted by day and recorded time, one entry per (day, time), never 0.
    kennis: Vec<Vec<Kenniswijziging>>,
    /// Changes not yet applied, in the order the fold made them. Applying each one at
    /// once cost the fold two cache misses per placement event (the facility's list and
    /// its last entry, evicted by the youths' data in between): +24 % fold time on the
    /// 5.4 M-event history. Appending here is a sequential write; applying a batch
    /// sorted by facility and day walks the facilities in order.
    wachtrij: Vec<(u32, i32, i32, i64)>,
    /// Reused buffers for one facility's netted changes.
    run: Vec<(i32, i32)>,
    run_kennis: Vec<Kenniswijziging>,
}

/// Pending changes at which the fold applies them itself (24 MiB), so that the buffer
/// stays bounded when nobody calls [`Bezettingslog::verwerk`].
const WACHTRIJ_MAX: usize = 1 << 20;

impl Bezettingslog {
    /// A placement [begin, eind) of facility `vz` became visible (`teken` = 1) or stopped
    /// being visible (−1) at recorded time `micros`.
    #[inline]
    pub fn plaatsing(&mut self, vz: u32, begin: i32, eind: i32, teken: i32, micros: i64) {
        if begin >= eind {
            return;
        }
        self.wachtrij.push((vz, begin, teken, micros));
        if eind != OPEN {
            self.wachtrij.push((vz, eind, -teken, micros));
        }
        if self.wachtrij.len() >= WACHTRIJ_MAX {
            self.verwerk();
        }
    }

    /// Whether every change is applied (otherwise [`Bezettingslog::van`] is behind).
    pub fn bij(&self) -> bool {
        self.wachtrij.is_empty()
    }

    /// Applies the pending changes: sorted by facility, day and recorded time, netted
    /// per day (and per day and time), then appended to or merged into each facility's
    /// lists.
    pub fn verwerk(&mut self) {
        let mut w = std::mem::take(&mut self.wachtrij);
        w.sort_unstable_by_key(|&(vz, dag, _, t)| (vz, dag, t));
        let mut run = std::mem::take(&mut self.run);
        let mut run_kennis = std::mem::take(&mut self.run_kennis);
        let mut i = 0;
        while i < w.len() {
            let vz = w[i].0;
            run.clear();
            run_kennis.clear();
            while i < w.len() && w[i].0 == vz {
                let dag = w[i].1;
                let mut delta = 0;
                while i < w.len() && w[i].0 == vz && w[i].1 == dag {
                    let t = w[i].3;
                    let mut delta_t = 0;
                    while i < w.len() && w[i].0 == vz && w[i].1 == dag && w[i].3 == t {
                        delta_t += w[i].2;
                        i += 1;
                    }
                    if delta_t != 0 {
                        run_kennis.push((dag, delta_t, t));
                    }
                    delta += delta_t;
                }
                if delta != 0 {
                    run.push((dag, delta));
                }
            }
            let v = vz as usize;
            if v >= self.vz.len() {
                self.vz.resize_with(v + 1, Vec::new);
                self.kennis.resize_with(v + 1, Vec::new);
            }
            voeg_samen(
                &mut self.vz[v],
                &run,
                |x| x.0,
                |x, y| (x.0, x.1 + y.1),
                |x| x.1 == 0,
            );
            voeg_samen(
                &mut self.kennis[v],
                &run_kennis,
                |x| (x.0, x.2),
                |x, y| (x.0, x.1 + y.1, x.2),
                |x| x.1 == 0,
            );
        }
        w.clear();
        self.wachtrij = w;
        self.run = run;
        self.run_kennis = run_kennis;
    }

    /// The changes of facility `vz` over the versions visible now, sorted by day.
    #[inline]
    pub fn van(&self, vz: u32) -> &[(i32, i32)] {
        self.vz.get(vz as usize).map_or(&[], Vec::as_slice)
    }

    /// The changes of facility `vz` of every version, with their recorded times, sorted
    /// by day and recorded time.
    #[inline]
    pub fn kennis(&self, vz: u32) -> &[Kenniswijziging] {
        self.kennis.get(vz as usize).map_or(&[], Vec::as_slice)
    }

    /// Entries of the bitemporal log (for the size report).
    pub fn kennis_omvang(&self) -> usize {
        self.kennis.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The log equals the changes recomputed from the visible placements, whatever the
    /// order of opens and closes, now and, from the recorded times, at every earlier K.
    #[test]
    fn log_matches_the_visible_placements() {
        let mut log = Bezettingslog::default();
        // (facility, begin, end, opened at, closed at)
        let mut versies: Vec<(u32, i32, i32, i64, i64)> = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut volgende = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for t in 0..5_000i64 {
            // Several changes share a recorded time, as the versions of one event do.
            let t = t / 3;
            let open: Vec<usize> = (0..versies.len())
                .filter(|&i| versies[i].4 == i64::MAX)
                .collect();
            if !open.is_empty() && volgende(3) == 0 {
                let i = open[volgende(open.len() as u64) as usize];
                let (vz, b, e, _, _) = versies[i];
                versies[i].4 = t;
                log.plaatsing(vz, b, e, -1, t);
                log.verwerk();
            } else {
                let vz = volgende(4) as u32;
                let b = volgende(400) as i32;
                let e = if volgende(5) == 0 {
                    OPEN
                } else {
                    b + volgende(60) as i32
                };
                versies.push((vz, b, e, t, i64::MAX));
                log.plaatsing(vz, b, e, 1, t);
                if volgende(2) == 0 {
                    log.verwerk();
                }
            }
        }
        log.verwerk();
        for k in [-1, 0, 7, 100, 555, 1_000, 1_665, 1_666, 10_000] {
            for vz in 0..4 {
                let mut verwacht = std::collections::BTreeMap::<i32, i32>::new();
                for &(v, b, e, van, tot) in &versies {
                    if v == vz && b < e && van <= k && k < tot {
                        *verwacht.entry(b).or_default() += 1;
                        if e != OPEN {
                            *verwacht.entry(e).or_default() -= 1;
                        }
                    }
                }
                verwacht.retain(|_, d| *d != 0);
                let verwacht: Vec<(i32, i32)> = verwacht.into_iter().collect();
                let kennis = log.kennis(vz);
                assert!(
                    kennis
                        .windows(2)
                        .all(|w| (w[0].0, w[0].2) < (w[1].0, w[1].2)),
                    "sorted by day and time, one entry each"
                );
                assert!(kennis.iter().all(|w| w.1 != 0));
                // The changes recorded at or before K, netted per day.
                let mut op_k = std::collections::BTreeMap::<i32, i32>::new();
                for &(dag, delta, t) in kennis {
                    if t <= k {
                        *op_k.entry(dag).or_default() += delta;
                    }
                }
                op_k.retain(|_, d| *d != 0);
                let gekregen: Vec<(i32, i32)> = op_k.into_iter().collect();
                assert_eq!(gekregen, verwacht, "K = {k}, facility {vz}");
                if k == 10_000 {
                    let l = log.van(vz);
                    assert!(
                        l.windows(2).all(|w| w[0].0 < w[1].0),
                        "sorted, one entry a day"
                    );
                    assert_eq!(l, verwacht.as_slice());
                }
            }
        }
        assert!(log.van(99).is_empty());
        assert!(log.kennis_omvang() > 0);
    }
}

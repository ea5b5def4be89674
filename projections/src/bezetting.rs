//! The occupancy log: per facility, the net change of its occupancy per day, over the
//! placements as now known, kept by the fold.
//!
//! Overbezetting needs, per facility and period, the occupancy on every day in day
//! order. Rebuilt per series from the placement versions, that was a list of every start
//! and end in the window, sorted by facility and day: about half the CPU of a national
//! 40-quarter series. The fold already knows each placement version it opens and
//! closes, so it notes the changes in a sequential buffer, and [`Bezettingslog::verwerk`]
//! (through `Projection::onderhoud`, after each batch) sorts them by facility and day and
//! appends or merges them into the facilities' lists. A series at a K after the last
//! recorded event walks these lists when nothing is pending; otherwise (a past K, or
//! changes not yet applied) it still sorts the changes of the versions visible at K.

use crate::periode::OPEN;

/// The changes of one facility, sorted by day: (day, net change of the occupancy at the
/// start of that day), never 0.
#[derive(Debug, Default, Clone)]
struct Dagen {
    wijzigingen: Vec<(i32, i32)>,
}

impl Dagen {
    /// Adds sorted, netted changes: appended when they all come after the list (the
    /// usual case for a batch of the log), merged otherwise.
    fn voeg_toe(&mut self, run: &[(i32, i32)]) {
        let Some(&(eerste, _)) = run.first() else {
            return;
        };
        if self.wijzigingen.last().is_none_or(|&(l, _)| l < eerste) {
            self.wijzigingen.extend_from_slice(run);
            return;
        }
        let oud = std::mem::take(&mut self.wijzigingen);
        let mut uit = Vec::with_capacity(oud.len() + run.len());
        let (mut a, mut b) = (oud.iter().peekable(), run.iter().peekable());
        loop {
            let x = match (a.peek(), b.peek()) {
                (Some(&&x), Some(&&y)) if x.0 == y.0 => {
                    a.next();
                    b.next();
                    (x.0, x.1 + y.1)
                }
                (Some(&&x), Some(&&y)) if x.0 < y.0 => {
                    a.next();
                    x
                }
                (_, Some(&&y)) => {
                    b.next();
                    y
                }
                (Some(&&x), None) => {
                    a.next();
                    x
                }
                (None, None) => break,
            };
            if x.1 != 0 {
                uit.push(x);
            }
        }
        self.wijzigingen = uit;
    }
}

/// Per facility, the occupancy changes of the placements visible now.
#[derive(Debug, Default, Clone)]
pub(crate) struct Bezettingslog {
    vz: Vec<Dagen>,
    /// Changes not yet applied, in the order the fold made them. Applying each one at
    /// once cost the fold two cache misses per placement event (the facility's list and
    /// its last entry, evicted by the youths' data in between): +24 % fold time on the
    /// 5.4 M-event history. Appending here is a sequential write; applying a batch
    /// sorted by facility and day walks the facilities in order.
    wachtrij: Vec<(u32, i32, i32)>,
    /// Reused buffer for one facility's netted changes.
    run: Vec<(i32, i32)>,
}

/// Pending changes at which the fold applies them itself (12 MiB), so that the buffer
/// stays bounded when nobody calls [`Bezettingslog::verwerk`].
const WACHTRIJ_MAX: usize = 1 << 20;

impl Bezettingslog {
    /// A placement [begin, eind) of facility `vz` became visible (`teken` = 1) or stopped
    /// being visible (−1).
    #[inline]
    pub fn plaatsing(&mut self, vz: u32, begin: i32, eind: i32, teken: i32) {
        if begin >= eind {
            return;
        }
        self.wachtrij.push((vz, begin, teken));
        if eind != OPEN {
            self.wachtrij.push((vz, eind, -teken));
        }
        if self.wachtrij.len() >= WACHTRIJ_MAX {
            self.verwerk();
        }
    }

    /// Whether every change is applied (otherwise [`Bezettingslog::van`] is behind).
    pub fn bij(&self) -> bool {
        self.wachtrij.is_empty()
    }

    /// Applies the pending changes: sorted by facility and day, netted per day, then
    /// appended to or merged into each facility's list.
    pub fn verwerk(&mut self) {
        let mut w = std::mem::take(&mut self.wachtrij);
        w.sort_unstable_by_key(|&(vz, dag, _)| (vz, dag));
        let mut run = std::mem::take(&mut self.run);
        let mut i = 0;
        while i < w.len() {
            let vz = w[i].0;
            run.clear();
            while i < w.len() && w[i].0 == vz {
                let (_, dag, mut delta) = w[i];
                i += 1;
                while i < w.len() && w[i].0 == vz && w[i].1 == dag {
                    delta += w[i].2;
                    i += 1;
                }
                if delta != 0 {
                    run.push((dag, delta));
                }
            }
            if run.is_empty() {
                continue;
            }
            let v = vz as usize;
            if v >= self.vz.len() {
                self.vz.resize_with(v + 1, Dagen::default);
            }
            self.vz[v].voeg_toe(&run);
        }
        w.clear();
        self.wachtrij = w;
        self.run = run;
    }

    /// The changes of facility `vz`, sorted by day.
    #[inline]
    pub fn van(&self, vz: u32) -> &[(i32, i32)] {
        self.vz
            .get(vz as usize)
            .map_or(&[], |d| d.wijzigingen.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The log equals the changes recomputed from the visible placements, whatever the
    /// order of opens and closes.
    #[test]
    fn log_matches_the_visible_placements() {
        let mut log = Bezettingslog::default();
        let mut zichtbaar: Vec<(u32, i32, i32)> = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut volgende = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..5_000 {
            if !zichtbaar.is_empty() && volgende(3) == 0 {
                let (vz, b, e) = zichtbaar.swap_remove(volgende(zichtbaar.len() as u64) as usize);
                log.plaatsing(vz, b, e, -1);
                log.verwerk();
            } else {
                let vz = volgende(4) as u32;
                let b = volgende(400) as i32;
                let e = if volgende(5) == 0 {
                    OPEN
                } else {
                    b + volgende(60) as i32
                };
                zichtbaar.push((vz, b, e));
                log.plaatsing(vz, b, e, 1);
                if volgende(2) == 0 {
                    log.verwerk();
                }
            }
        }
        log.verwerk();
        for vz in 0..4 {
            let mut verwacht = std::collections::BTreeMap::<i32, i32>::new();
            for &(v, b, e) in &zichtbaar {
                if v == vz && b < e {
                    *verwacht.entry(b).or_default() += 1;
                    if e != OPEN {
                        *verwacht.entry(e).or_default() -= 1;
                    }
                }
            }
            verwacht.retain(|_, d| *d != 0);
            let l = log.van(vz);
            assert!(
                l.windows(2).all(|w| w[0].0 < w[1].0),
                "sorted, one entry a day"
            );
            let gekregen: Vec<(i32, i32)> = l.iter().copied().filter(|&(_, d)| d != 0).collect();
            assert_eq!(gekregen, verwacht.into_iter().collect::<Vec<_>>());
        }
        assert!(log.van(99).is_empty());
    }
}

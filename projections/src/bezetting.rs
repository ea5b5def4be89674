//! The occupancy log: per facility, the net change of its occupancy per day, over the
//! placements as now known, kept by the fold.
//!
//! Overbezetting needs, per facility and period, the occupancy on every day in day
//! order. Rebuilt per series from the placement versions, that was a list of every start
//! and end in the window, sorted by facility and day: about half the CPU of a national
//! 40-quarter series. The fold already knows each placement version it opens and
//! closes, so it notes the changes in a sequential buffer, and [`Bezettingslog::verwerk`]
//! (through `Projection::maintain`, after each batch) sorts them by facility and day and
//! appends or merges them into the facilities' lists.
//!
//! Two lists per facility: the changes of the versions visible now, netted per day, and
//! the bitemporal list of every change with the position of its event, which gives the
//! occupancy at any K (`KnownChange`). A series at a K after the last recorded
//! event walks the first, at an earlier K the second, up to the first day from which on
//! every change was recorded after K (`Bezettingslog::known_until`); only while changes
//! are pending does it still sort the changes of the versions visible at K. The first
//! list is the second at K = now, netted: kept because walking it takes 15–17 ms of a
//! national series against 24 ms for the whole bitemporal list.

use crate::periode::OPEN;

/// Merges `run` (sorted by `sleutel`, one entry per key) into `lijst` (the same):
/// appended when it all comes after the list (the usual case for a batch of the log),
/// merged otherwise; entries with equal keys are added up and dropped when they come to
/// nothing. Returns the index of the first entry that may have changed.
fn voeg_samen<E: Copy, S: Ord>(
    lijst: &mut Vec<E>,
    run: &[E],
    sleutel: impl Fn(&E) -> S,
    plus: impl Fn(E, E) -> E,
    niets: impl Fn(&E) -> bool,
) -> usize {
    let Some(eerste) = run.first() else {
        return lijst.len();
    };
    if lijst.last().is_none_or(|l| sleutel(l) < sleutel(eerste)) {
        let oud = lijst.len();
        lijst.extend_from_slice(run);
        return oud;
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
    0
}

/// One occupancy change in the bitemporal log: (day, change, position of the event that
/// made it). A placement version opened by the event at position p adds +1 on its begin
/// and −1 on its end, at p; closed at p', it adds the opposite, at p'. So the changes
/// at positions up to that of the last event recorded at or before K add up to those of
/// the versions visible at K. The position, not the recorded time: it is monotone with
/// the recorded time (the fold refuses an event recorded before its predecessor), and
/// 4 bytes instead of 8 make the entry 12 bytes instead of 16, which the walk of a past
/// K reads some 3 million of.
pub(crate) type KnownChange = (i32, i32, u32);

/// Entries of the bitemporal log per block of `Bezettingslog::known_min`.
const BLOK: usize = 16;

/// Per facility, the occupancy changes of the placements visible now, and those of
/// every placement version with their recorded times (for any K).
#[derive(Debug, Default, Clone)]
pub(crate) struct Bezettingslog {
    /// Per facility, sorted by day: (day, net change of the occupancy at the start of
    /// that day over the versions visible now), never 0.
    vz: Vec<Vec<(i32, i32)>>,
    /// Per facility, sorted by day and position, one entry per (day, position), never 0.
    known: Vec<Vec<KnownChange>>,
    /// Per facility, per block of `BLOK` entries of `known`: the lowest position of the
    /// entries from that block to the end of the list (so non-decreasing). At a K in the
    /// past, the blocks from the first whose minimum lies after K count for nothing, and
    /// a walk can stop before them: a series as known in mid-2023 skips a quarter of the
    /// list.
    known_min: Vec<Vec<u32>>,
    /// Per facility, per block: the highest position of the entries from the start of
    /// the list to the end of that block (so non-decreasing). The first block whose
    /// maximum lies after K holds the earliest day on which a change made after K
    /// falls; before that day the occupancy at K is the occupancy now
    /// (`Bezettingslog::eerste_dag_na`).
    known_max: Vec<Vec<u32>>,
    /// Changes not yet applied, in the order the fold made them. Applying each one at
    /// once cost the fold two cache misses per placement event (the facility's list and
    /// its last entry, evicted by the youths' data in between): +24 % fold time on the
    /// 5.4 M-event history. Appending here is a sequential write; applying a batch
    /// sorted by facility and day walks the facilities in order.
    queue: Vec<(u32, i32, i32, u32)>,
    /// Reused buffers for one facility's netted changes.
    run: Vec<(i32, i32)>,
    run_known: Vec<KnownChange>,
    /// Facilities whose log of now changed since [`Bezettingslog::neem_gewijzigd`]
    /// (for their quarter flags, `Kwartaalvlaggen`).
    gewijzigd: Vec<u32>,
    /// Set while a helper thread applies the full queues
    /// (`JeugdTabellen::with_occupancy_helper`): `plaatsing` then leaves a full queue to
    /// the caller, and this log holds only the queue.
    pub(crate) uitbesteed: bool,
    /// Queue length at which it is applied, if not `QUEUE_MAX`
    /// ([`crate::Projection::bezetting_queue`]).
    pub(crate) queue_max: Option<usize>,
}

/// Pending changes of a [`Bezettingslog`]: (facility, day, change, position).
pub(crate) type OccupancyQueue = Vec<(u32, i32, i32, u32)>;

/// Pending changes at which the fold applies them itself (16 MiB), so that the buffer
/// stays bounded when nobody calls [`Bezettingslog::verwerk`].
const QUEUE_MAX: usize = 1 << 20;

impl Bezettingslog {
    /// A placement [begin, eind) of facility `vz` became visible (`teken` = 1) or stopped
    /// being visible (−1) by the event at `positie`.
    #[inline]
    pub fn plaatsing(&mut self, vz: u32, begin: i32, eind: i32, teken: i32, positie: u32) {
        if begin >= eind {
            return;
        }
        self.queue.push((vz, begin, teken, positie));
        if eind != OPEN {
            self.queue.push((vz, eind, -teken, positie));
        }
        if !self.uitbesteed && self.vol() {
            self.verwerk();
        }
    }

    /// Whether the queue is as long as it may grow before it is applied.
    #[inline]
    pub fn vol(&self) -> bool {
        self.queue.len() >= self.queue_max.unwrap_or(QUEUE_MAX)
    }

    /// The queue, replaced by `leeg` (an emptied queue, for reuse).
    pub fn take_queue(&mut self, mut leeg: OccupancyQueue) -> OccupancyQueue {
        leeg.clear();
        leeg.reserve(self.queue_max.unwrap_or(QUEUE_MAX).min(QUEUE_MAX) + 2);
        std::mem::replace(&mut self.queue, leeg)
    }

    /// Applies `w` after the changes still queued here, as if it had been queued here;
    /// returns it emptied.
    pub fn process_queue(&mut self, w: OccupancyQueue) -> OccupancyQueue {
        if !self.queue.is_empty() {
            self.verwerk();
        }
        let leeg = std::mem::replace(&mut self.queue, w);
        self.verwerk();
        std::mem::replace(&mut self.queue, leeg)
    }

    /// Queues the changes still queued in `rest` (a log that held only a queue) after
    /// those queued here.
    pub fn requeue(&mut self, rest: Bezettingslog) {
        self.queue.extend_from_slice(&rest.queue);
    }

    /// Whether every change is applied (otherwise [`Bezettingslog::van`] is behind).
    pub fn bij(&self) -> bool {
        self.queue.is_empty()
    }

    /// Applies the pending changes: sorted by facility, day and recorded time, netted
    /// per day (and per day and time), then appended to or merged into each facility's
    /// lists.
    pub fn verwerk(&mut self) {
        let mut w = std::mem::take(&mut self.queue);
        w.sort_unstable_by_key(|&(vz, dag, _, t)| (vz, dag, t));
        let mut run = std::mem::take(&mut self.run);
        let mut run_known = std::mem::take(&mut self.run_known);
        let mut i = 0;
        while i < w.len() {
            let vz = w[i].0;
            run.clear();
            run_known.clear();
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
                        run_known.push((dag, delta_t, t));
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
                self.known.resize_with(v + 1, Vec::new);
                self.known_min.resize_with(v + 1, Vec::new);
                self.known_max.resize_with(v + 1, Vec::new);
            }
            if !run.is_empty() {
                self.gewijzigd.push(vz);
            }
            voeg_samen(
                &mut self.vz[v],
                &run,
                |x| x.0,
                |x, y| (x.0, x.1 + y.1),
                |x| x.1 == 0,
            );
            let vanaf = voeg_samen(
                &mut self.known[v],
                &run_known,
                |x| (x.0, x.2),
                |x, y| (x.0, x.1 + y.1, x.2),
                |x| x.1 == 0,
            );
            update_minima(&self.known[v], &mut self.known_min[v], vanaf);
            update_maxima(&self.known[v], &mut self.known_max[v], vanaf);
        }
        w.clear();
        self.queue = w;
        self.run = run;
        self.run_known = run_known;
    }

    /// The changes of facility `vz` over the versions visible now, sorted by day.
    #[inline]
    pub fn van(&self, vz: u32) -> &[(i32, i32)] {
        self.vz.get(vz as usize).map_or(&[], Vec::as_slice)
    }

    /// The changes of facility `vz` of every version, with their recorded times, sorted
    /// by day and recorded time.
    #[inline]
    pub fn known(&self, vz: u32) -> &[KnownChange] {
        self.known.get(vz as usize).map_or(&[], Vec::as_slice)
    }

    /// The changes of facility `vz` that can count at K, for `last_known_pos` the position of the
    /// last event recorded at or before K: a prefix of [`Bezettingslog::known`] after
    /// which every change has a later position.
    #[inline]
    pub fn known_until(&self, vz: u32, last_known_pos: u32) -> &[KnownChange] {
        let l = self.known(vz);
        let minima = self
            .known_min
            .get(vz as usize)
            .map_or(&[][..], Vec::as_slice);
        let blokken = minima.partition_point(|&m| m <= last_known_pos);
        &l[..(blokken * BLOK).min(l.len())]
    }

    /// A day on or before the earliest day of a change of facility `vz` made after the
    /// event at `last_known_pos` (`None` if there is none): the first day of the first block
    /// holding such a change.
    #[inline]
    pub fn eerste_dag_na(&self, vz: u32, last_known_pos: u32) -> Option<i32> {
        let maxima = self.known_max.get(vz as usize)?;
        let b = maxima.partition_point(|&m| m <= last_known_pos);
        self.known(vz).get(b * BLOK).map(|w| w.0)
    }

    /// The facilities whose log of now changed since the last call (one entry per
    /// facility and batch).
    pub fn neem_gewijzigd(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.gewijzigd)
    }

    /// Whether some facility's log of now changed since [`Bezettingslog::neem_gewijzigd`].
    pub fn iets_gewijzigd(&self) -> bool {
        !self.gewijzigd.is_empty()
    }

    /// Entries of the bitemporal log (for the size report).
    pub fn known_len(&self) -> usize {
        self.known.iter().map(Vec::len).sum()
    }
}

/// One facility's occupancy state per quarter over the placements and capacity known
/// now: bit 0 whether it is occupied on some day of the quarter, bit 1 whether it is
/// over capacity on some day of it (the two halves of the rule of overbezetting).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Kwartaaltoestand {
    /// Quarter number (`periode::kwartaalnummer`) of `bits[0]`; before it: 0.
    pub q0: i16,
    pub bits: Vec<u8>,
    /// The bits of every quarter after the last of `bits`: the state after the last
    /// change holds from then on.
    pub staart: u8,
    /// The occupancy at the start of each quarter of `bits`, and after the last change
    /// (where a walk at a past K that shares the days before with now starts).
    pub begin: Vec<i64>,
    pub eind: i64,
}

impl Kwartaaltoestand {
    /// The bits of the quarters [qa, qb), ORed (the days of a period are the days of
    /// its quarters).
    #[inline]
    pub fn bits(&self, qa: i16, qb: i16) -> u8 {
        let n = self.bits.len();
        let plek = |q: i16| usize::try_from(i32::from(q) - i32::from(self.q0)).ok();
        let (a, b) = (plek(qa).unwrap_or(0), plek(qb).unwrap_or(0));
        let mut of = self.bits[a.min(n)..b.min(n)].iter().fold(0, |x, y| x | y);
        if b > n {
            of |= self.staart;
        }
        of
    }

    /// Whether the facility counts as overbezet in the quarters [qa, qb): occupied on
    /// some day of them and over capacity on some day of them.
    #[inline]
    pub fn overbezet(&self, qa: i16, qb: i16) -> bool {
        self.bits(qa, qb) == 3
    }

    /// The occupancy at the start of quarter `q`.
    #[inline]
    pub fn bezetting_bij(&self, q: i16) -> i64 {
        match usize::try_from(i32::from(q) - i32::from(self.q0)) {
            Err(_) => 0,
            Ok(i) => self.begin.get(i).copied().unwrap_or(self.eind),
        }
    }
}

/// Per facility its [`Kwartaaltoestand`], brought up to date in `Projection::maintain`
/// for the facilities whose log of now or whose capacity changed. A national series of
/// quarters (half-years, years) at K = now reads 40 bytes per facility instead of
/// walking its log (14 ms of the series' CPU for the walk).
#[derive(Debug, Default, Clone)]
pub(crate) struct Kwartaalvlaggen {
    per_vz: Vec<Kwartaaltoestand>,
    /// Facilities whose capacity changed since the last update.
    capaciteit_gewijzigd: Vec<u32>,
}

impl Kwartaalvlaggen {
    /// The capacity of facility `vz` changed.
    pub fn capaciteit_gewijzigd(&mut self, vz: u32) {
        self.capaciteit_gewijzigd.push(vz);
    }

    /// Facilities to recompute: those of `log` and those of a capacity change, each
    /// once, sorted.
    pub fn neem_gewijzigd(&mut self, log: &mut Bezettingslog) -> Vec<u32> {
        let mut v = log.neem_gewijzigd();
        v.append(&mut self.capaciteit_gewijzigd);
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether every facility's state is up to date with `log` and the capacity.
    pub fn bij(&self, log: &Bezettingslog) -> bool {
        log.bij() && !log.iets_gewijzigd() && self.capaciteit_gewijzigd.is_empty()
    }

    pub fn zet(&mut self, vz: u32, t: Kwartaaltoestand) {
        let v = vz as usize;
        if v >= self.per_vz.len() {
            self.per_vz.resize_with(v + 1, Kwartaaltoestand::default);
        }
        self.per_vz[v] = t;
    }

    /// The state of facility `vz` (never occupied if unknown).
    #[inline]
    pub fn van(&self, vz: u32) -> Option<&Kwartaaltoestand> {
        self.per_vz.get(vz as usize)
    }
}

/// Brings `minima` (see `Bezettingslog::known_min`) up to date with `known`, whose
/// entries before `vanaf` are those of the last call.
fn update_minima(known: &[KnownChange], minima: &mut Vec<u32>, vanaf: usize) {
    let eerste = vanaf / BLOK;
    minima.resize(known.len().div_ceil(BLOK), u32::MAX);
    // The blocks from the first changed one on, from the end back.
    let mut m = u32::MAX;
    for b in (eerste..minima.len()).rev() {
        let blok = &known[b * BLOK..((b + 1) * BLOK).min(known.len())];
        m = blok.iter().fold(m, |m, w| m.min(w.2));
        minima[b] = m;
    }
    // The earlier blocks keep theirs: a batch's events come after those of every earlier
    // batch, so appended entries have higher positions than any entry before them.
    debug_assert!(minima[..eerste].iter().all(|&x| x <= m));
}

/// Brings `maxima` (see `Bezettingslog::known_max`) up to date with `known`, whose
/// entries before `vanaf` are those of the last call.
fn update_maxima(known: &[KnownChange], maxima: &mut Vec<u32>, vanaf: usize) {
    let eerste = vanaf / BLOK;
    maxima.resize(known.len().div_ceil(BLOK), 0);
    let mut m = eerste
        .checked_sub(1)
        .and_then(|b| maxima.get(b))
        .copied()
        .unwrap_or(0);
    for b in eerste..maxima.len() {
        let blok = &known[b * BLOK..((b + 1) * BLOK).min(known.len())];
        m = blok.iter().fold(m, |m, w| m.max(w.2));
        maxima[b] = m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block minima equal those recomputed from the list.
    fn minima_kloppen(log: &Bezettingslog) {
        for (v, l) in log.known.iter().enumerate() {
            let verwacht: Vec<u32> = (0..l.len().div_ceil(BLOK))
                .map(|b| l[b * BLOK..].iter().map(|w| w.2).min().unwrap_or(u32::MAX))
                .collect();
            assert_eq!(log.known_min[v], verwacht, "facility {v}");
            let verwacht: Vec<u32> = (0..l.len().div_ceil(BLOK))
                .map(|b| {
                    l[..((b + 1) * BLOK).min(l.len())]
                        .iter()
                        .map(|w| w.2)
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            assert_eq!(log.known_max[v], verwacht, "facility {v}");
        }
    }

    /// The log equals the changes recomputed from the visible placements, whatever the
    /// order of opens and closes, now and, from the event positions, at every earlier K;
    /// the prefix that can count at K leaves out only changes made after K.
    #[test]
    fn log_matches_the_visible_placements() {
        let mut log = Bezettingslog::default();
        // (facility, begin, end, opened at, closed at)
        let mut versions: Vec<(u32, i32, i32, u32, u32)> = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut volgende = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for t in 0..5_000u32 {
            // Several changes share a position, as the versions of one event do.
            let t = t / 3 + 1;
            let open: Vec<usize> = (0..versions.len())
                .filter(|&i| versions[i].4 == u32::MAX)
                .collect();
            if !open.is_empty() && volgende(3) == 0 {
                let i = open[volgende(open.len() as u64) as usize];
                let (vz, b, e, _, _) = versions[i];
                versions[i].4 = t;
                log.plaatsing(vz, b, e, -1, t);
                log.verwerk();
                minima_kloppen(&log);
            } else {
                let vz = volgende(4) as u32;
                // Later placements mostly begin later, as in a history, so that the
                // batches are mostly appended and the prefix at K is short of the list.
                let b = (t as i32) / 5 + volgende(100) as i32 - 50;
                let e = if volgende(5) == 0 {
                    OPEN
                } else {
                    b + volgende(60) as i32
                };
                versions.push((vz, b, e, t, u32::MAX));
                log.plaatsing(vz, b, e, 1, t);
                if volgende(2) == 0 {
                    log.verwerk();
                    minima_kloppen(&log);
                }
            }
        }
        log.verwerk();
        minima_kloppen(&log);
        let mut ingekort = 0;
        for k in [0, 1, 8, 101, 556, 1_001, 1_666, 1_667, 10_000] {
            for vz in 0..4 {
                let mut verwacht = std::collections::BTreeMap::<i32, i32>::new();
                for &(v, b, e, van, tot) in &versions {
                    if v == vz && b < e && van <= k && k < tot {
                        *verwacht.entry(b).or_default() += 1;
                        if e != OPEN {
                            *verwacht.entry(e).or_default() -= 1;
                        }
                    }
                }
                verwacht.retain(|_, d| *d != 0);
                let verwacht: Vec<(i32, i32)> = verwacht.into_iter().collect();
                let known = log.known(vz);
                assert!(
                    known
                        .windows(2)
                        .all(|w| (w[0].0, w[0].2) < (w[1].0, w[1].2)),
                    "sorted by day and position, one entry each"
                );
                assert!(known.iter().all(|w| w.1 != 0));
                let deel = log.known_until(vz, k);
                assert_eq!(deel, &known[..deel.len()]);
                assert!(
                    known[deel.len()..].iter().all(|w| w.2 > k),
                    "K = {k}: only later changes are left out"
                );
                ingekort += known.len() - deel.len();
                let eerste_na = known.iter().find(|w| w.2 > k).map(|w| w.0);
                match (log.eerste_dag_na(vz, k), eerste_na) {
                    (Some(a), Some(b)) => {
                        assert!(a <= b, "K = {k}: {a} after the first later change {b}");
                        // Within one block of it.
                        let i = known.iter().position(|w| w.2 > k).unwrap_or(0);
                        assert!(
                            known[i.saturating_sub(BLOK - 1)..=i]
                                .iter()
                                .any(|w| w.0 == a)
                        );
                    }
                    (None, None) => {}
                    (a, b) => panic!("K = {k}: {a:?} against {b:?}"),
                }
                // The changes made at or before K, netted per day.
                let mut op_k = std::collections::BTreeMap::<i32, i32>::new();
                for &(dag, delta, t) in deel {
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
        assert!(
            ingekort > 1_000,
            "the prefixes must leave entries out: {ingekort}"
        );
        assert!(log.van(99).is_empty());
        assert!(log.known_until(99, 5).is_empty());
        assert!(log.known_len() > 0);
    }
}

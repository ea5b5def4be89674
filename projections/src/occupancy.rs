//! The day-by-day rule of overbezetting: a facility is overbezet in a period when on some
//! day of it the occupancy exceeds the capacity. Walks a facility's occupancy and capacity
//! changes in day order; used by the series sweep (`sweep/overbezetting.rs`) and by the
//! fold's quarter states (`Projection::maintain`).

use crate::bezetting::{KnownChange, Kwartaaltoestand};
use crate::periode::{kwartaal_begin, kwartaalnummer};

/// Whether a facility is occupied on some day of a period and over capacity on some day
/// of it (the rule of `Ctx::overbezetting`), from its changes `w` (in day order; those
/// before `van` already applied) up to `tot`. `b` and `c` are the occupancy and capacity
/// carried into the period and are left at its end. Both sweeps use it: the one over the
/// occupancy log and the one over changes gathered per period (`Bezet::tel`).
#[inline]
pub(crate) fn overbezet_in(
    w: &mut impl Wijzigingsbron,
    van: i32,
    tot: i32,
    b: &mut i64,
    c: &mut i64,
) -> bool {
    let (bezet, over) = toestand_in(w, van, tot, b, c);
    bezet & over
}

/// The two halves of [`overbezet_in`]: whether the facility is occupied on some day of
/// [van, tot), and whether it is over capacity on some day of it.
#[inline]
pub(crate) fn toestand_in(
    w: &mut impl Wijzigingsbron,
    van: i32,
    tot: i32,
    b: &mut i64,
    c: &mut i64,
) -> (bool, bool) {
    // The state carried over holds on day `van` unless some change falls on that day;
    // then the state at the end of each day with a change, without branches on the data:
    // whether the next change falls on another day is as good as random.
    let vrij = w.dag() > van;
    let (mut bezet, mut over) = (vrij & (*b > 0), vrij & (*b > *c));
    while w.dag() < tot {
        let d = w.neem(b, c);
        let einde_dag = w.dag() != d;
        bezet |= einde_dag & (*b > 0);
        over |= einde_dag & (*b > *c);
    }
    (bezet, over)
}

/// A facility's [`Kwartaaltoestand`] from its log of now (`occ`) and its capacity
/// changes now (`cap`, sorted by day): every quarter from that of its first change to
/// that of its last, then the state after the last change.
pub(crate) fn kwartaaltoestand(occ: &[(i32, i32)], cap: &[(u32, i32, i32)]) -> Kwartaaltoestand {
    let (Some(eerste), Some(laatste)) = (occ.first(), occ.last()) else {
        // Never occupied: never overbezet.
        return Kwartaaltoestand::default();
    };
    let van = eerste.0.min(cap.first().map_or(i32::MAX, |c| c.1));
    let tot = laatste.0.max(cap.last().map_or(i32::MIN, |c| c.1));
    let (q0, q1) = (kwartaalnummer(van), kwartaalnummer(tot));
    let mut w = Wijzigingen::new(occ, cap, ());
    let (mut b, mut c) = (0i64, 0i64);
    let mut begin = Vec::with_capacity(usize::try_from(q1 - q0).unwrap_or(0) + 1);
    let bits = (q0..=q1)
        .map(|q| {
            begin.push(b);
            let (bezet, over) = toestand_in(
                &mut w,
                kwartaal_begin(q),
                kwartaal_begin(q.saturating_add(1)),
                &mut b,
                &mut c,
            );
            u8::from(bezet) | (u8::from(over) << 1)
        })
        .collect();
    // Any change left (only past the last quarter number) is taken here.
    while !w.op() {
        w.neem(&mut b, &mut c);
    }
    Kwartaaltoestand {
        q0,
        bits,
        staart: u8::from(b > 0) | (u8::from(b > c) << 1),
        begin,
        eind: b,
    }
}

/// Changes in day order, read one by one.
pub(crate) trait Wijzigingsbron {
    /// The day of the next change, `i32::MAX` when none is left.
    fn dag(&self) -> i32;
    /// Applies the next change to occupancy `b` and capacity `c`; returns its day.
    fn neem(&mut self, b: &mut i64, c: &mut i64) -> i32;
}

/// One period's changes (day, occupancy change, capacity change), sorted by day.
pub(crate) struct Lijst<'w> {
    pub(crate) w: &'w [(i32, i32, i32)],
    pub(crate) k: usize,
}

impl Wijzigingsbron for Lijst<'_> {
    #[inline]
    fn dag(&self) -> i32 {
        self.w.get(self.k).map_or(i32::MAX, |x| x.0)
    }

    #[inline]
    fn neem(&mut self, b: &mut i64, c: &mut i64) -> i32 {
        let Some(&(d, db, dc)) = self.w.get(self.k) else {
            return i32::MAX;
        };
        *b += i64::from(db);
        *c += i64::from(dc);
        self.k += 1;
        d
    }
}

/// +1 in `uit` for each period (`van`, `tot`: sorted, non-overlapping) in which the
/// facility of `w` is occupied on some day and over capacity on some day.
pub(crate) fn count_overbezet<O: Bezettingswijziging>(
    mut w: Wijzigingen<'_, O>,
    van: &[i32],
    tot: &[i32],
    uit: &mut [i64],
) {
    let (mut b, mut c) = (0i64, 0i64);
    for ((&van, &tot), telling) in van.iter().zip(tot).zip(uit.iter_mut()) {
        while w.dag() < van {
            w.neem(&mut b, &mut c);
        }
        if w.op() && b <= 0 {
            // No change left and nobody placed: never occupied again.
            break;
        }
        *telling += i64::from(overbezet_in(&mut w, van, tot, &mut b, &mut c));
    }
}

/// An occupancy change of the log: (day, change) of the versions visible now, or
/// (day, change, event position) of the bitemporal log, which counts at a knowledge time
/// only if made at or before `last_known_pos` (the position of the last event recorded
/// at or before it).
pub(crate) trait Bezettingswijziging: Copy {
    type KnownPos: Copy;
    fn dag(&self) -> i32;
    fn verschil(&self, last_known_pos: Self::KnownPos) -> i32;
}

impl Bezettingswijziging for (i32, i32) {
    type KnownPos = ();
    #[inline]
    fn dag(&self) -> i32 {
        self.0
    }
    #[inline]
    fn verschil(&self, _: ()) -> i32 {
        self.1
    }
}

impl Bezettingswijziging for KnownChange {
    type KnownPos = u32;
    #[inline]
    fn dag(&self) -> i32 {
        self.0
    }
    /// A change made after K counts 0 (the sweep takes several changes on one day, so it
    /// need not be left out); without a branch: positions are as good as random here.
    #[inline]
    fn verschil(&self, last_known_pos: u32) -> i32 {
        self.1 * i32::from(self.2 <= last_known_pos)
    }
}

/// One facility's occupancy changes (from the log) and capacity changes, read in one
/// day order without copying them into one list (a national series copied some
/// 3 million changes that way).
pub(crate) struct Wijzigingen<'w, O: Bezettingswijziging> {
    pub(crate) occ: &'w [O],
    pub(crate) cap: &'w [(u32, i32, i32)],
    pub(crate) i: usize,
    pub(crate) j: usize,
    pub(crate) last_known_pos: O::KnownPos,
}

impl<'w, O: Bezettingswijziging> Wijzigingen<'w, O> {
    pub(crate) fn new(
        occ: &'w [O],
        cap: &'w [(u32, i32, i32)],
        last_known_pos: O::KnownPos,
    ) -> Self {
        Wijzigingen {
            occ,
            cap,
            i: 0,
            j: 0,
            last_known_pos,
        }
    }

    /// Whether every change is read.
    #[inline]
    pub(crate) fn op(&self) -> bool {
        self.i >= self.occ.len() && self.j >= self.cap.len()
    }
}

impl<O: Bezettingswijziging> Wijzigingsbron for Wijzigingen<'_, O> {
    #[inline]
    fn dag(&self) -> i32 {
        let o = self.occ.get(self.i).map_or(i32::MAX, O::dag);
        let c = self.cap.get(self.j).map_or(i32::MAX, |x| x.1);
        o.min(c)
    }

    /// Occupancy first on a day with both; the order within a day does not matter.
    #[inline]
    fn neem(&mut self, b: &mut i64, c: &mut i64) -> i32 {
        let o = self.occ.get(self.i).copied();
        let k = self.cap.get(self.j).copied();
        if let Some(x) = o
            && k.is_none_or(|k| x.dag() <= k.1)
        {
            *b += i64::from(x.verschil(self.last_known_pos));
            self.i += 1;
            x.dag()
        } else if let Some((_, d, dc)) = k {
            *c += i64::from(dc);
            self.j += 1;
            d
        } else {
            i32::MAX
        }
    }
}

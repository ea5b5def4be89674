//! The series sweep: every period of a series from one pass over each fact table.
//!
//! [`Projection::kpis`](crate::Projection::kpis) answers one period by scanning the facts
//! near it. A 40-quarter series done that way scans ten years of facts 40 times, and even
//! a single pass that visits, per fact, every period the fact spans does work
//! proportional to the length of the stays. Here every fact costs O(1), however many
//! periods it spans:
//!
//! - "in P" figures (instroom, plaatsingen, cohort, exits, …) go to the one period that
//!   contains the date, found in a day → period table;
//! - stock figures ("active at the peildatum", begin and end stocks, langverblijvers,
//!   signals overlapping P) hold for a contiguous range of periods, found with day →
//!   "number of period starts/ends on or before this day" tables and added to a
//!   difference array over the period index;
//! - bed-days go to a difference array over days;
//! - unique youths are one bit per youth and period;
//! - lengths of stay go to a histogram per period (median and p90 are ranks in it);
//! - overbezetting needs, per facility and period, the highest occupancy minus capacity:
//!   the occupancy and capacity at the start of each period come from difference arrays
//!   over the period index; only the changes *inside* a period are events, grouped by
//!   (facility, period) with a counting sort and swept in day order.
//!
//! Parts: `placements.rs` (placement figures), `episodes.rs` (episodes, trajectories,
//! authorisations, signals), `overbezetting.rs` (overbezetting per period, from the scan
//! or from the fold's occupancy log; the day-by-day rule is `occupancy.rs`).
//!
//! The rules are exactly those of the per-period scans in `tally.rs`; the test
//! `tests/reeks.rs` checks that a series equals its periods computed one by one.

use crate::context::Ctx;
use crate::report::Stroom;
use crate::tally::{EpisodeSom, PlaatsingSom, Tellingen};

mod calendar;
mod episodes;
mod overbezetting;
mod placements;

pub(crate) use calendar::Calendar;
use calendar::{FactFilter, NoFilter, QueryFilter};
use episodes::{episodes, overige};
use overbezetting::{mee, overbezetting_uit_log};
use placements::plaatsingen;

/// The parts of a series, independent and of unequal size, done by as many workers as
/// there are cores (the caller's thread and helpers), each taking the next part not yet
/// taken, largest first. With fixed threads per part, the two cores of a small machine
/// shared five parts by time slices and the longest part set the pace; taken in turn,
/// they even out. Overbezetting from the occupancy log comes in two halves of the
/// facilities. If no helper can be started, the caller does every part.
#[allow(clippy::type_complexity)]
pub(crate) fn run_parts(
    c0: &Ctx<'_>,
    kal: &Calendar,
    z: impl FactFilter,
) -> (
    (Vec<PlaatsingSom>, Vec<i64>),
    (Vec<EpisodeSom>, (Vec<Stroom>, Vec<i64>, Vec<[i64; 3]>)),
) {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The log, once brought up to date (`Projection::maintain`), holds exactly the
    // changes the scan would collect at any K, already sorted.
    let p = c0.p;
    let uit_log = p.jt.bezetting.bij();
    let f = p.vz_namen.len();
    let mee = if uit_log { mee(p, z) } else { Vec::new() };
    let ep = OnceLock::new();
    let pl = OnceLock::new();
    let over = [OnceLock::new(), OnceLock::new()];
    let ov = OnceLock::new();
    let over_deel = |h: usize| {
        let vzs = if h == 0 { 0..f / 2 } else { f / 2..f };
        if uit_log {
            let _ = over[h].set(overbezetting_uit_log(c0, kal, &mee, vzs));
        }
    };
    let taken: [&(dyn Fn() + Sync); 5] = [
        &|| {
            let _ = ep.set(episodes(c0, kal, z));
        },
        &|| {
            let _ = pl.set(plaatsingen(c0, kal, z, uit_log));
        },
        &|| over_deel(0),
        &|| over_deel(1),
        &|| {
            let _ = ov.set(overige(c0, kal, z));
        },
    ];
    let volgende = AtomicUsize::new(0);
    let werk = || {
        while let Some(taak) = taken.get(volgende.fetch_add(1, Ordering::Relaxed)) {
            taak();
        }
    };
    let helpers = std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .clamp(1, taken.len() - 1);
    std::thread::scope(|s| {
        for i in 0..helpers {
            // A helper that cannot be started leaves its share to the others.
            let _ = std::thread::Builder::new()
                .name(format!("reeks-{i}"))
                .spawn_scoped(s, werk);
        }
        werk();
    });
    // Every part ran (a panic in a helper ends the scope above with that panic).
    let (pl, over_scan) = pl.into_inner().unwrap_or_default();
    let over = match (over_scan, over.map(OnceLock::into_inner)) {
        (Some(o), _) => o,
        (None, [Some(a), Some(b)]) => a.iter().zip(&b).map(|(x, y)| x + y).collect(),
        (None, _) => vec![0; kal.n],
    };
    (
        (pl, over),
        (
            ep.into_inner().unwrap_or_default(),
            ov.into_inner().unwrap_or_default(),
        ),
    )
}

/// The tallies of every period of the calendar `kal` (sorted, non-overlapping periods
/// sharing the filter and knowledge time of `c0`).
pub(crate) fn sweep(c0: &Ctx<'_>, kal: &Calendar) -> Vec<Tellingen> {
    let parts = if c0.zonder_filter() {
        let voorzieningen = u32::try_from(c0.p.vz_namen.len()).unwrap_or(u32::MAX);
        run_parts(c0, kal, NoFilter { voorzieningen })
    } else {
        run_parts(c0, kal, QueryFilter(c0))
    };
    let ((pl, over), (ep, (traj, spoed, sig))) = parts;
    pl.into_iter()
        .zip(over)
        .zip(ep)
        .zip(traj)
        .zip(spoed)
        .zip(sig)
        .map(
            |(((((pl, overbezetting), ep), trajecten), spoed), signalen)| Tellingen {
                pl,
                ep,
                trajecten,
                spoed,
                signalen,
                overbezetting,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests;

//! The youth tables and the second stage of the fold.
//!
//! After each event that touches a youth the fold derives all of that youth's facts again
//! (`afleiding`) and then brings the tables up to date: versions whose content changed
//! are closed, new contents opened. The two halves share nothing but the derived facts:
//! derivation reads the youth's inputs and the facility attributes, the update reads the
//! handles of the youth's open versions and writes the tables. A catch-up therefore runs
//! them on two threads ([`Projection::concurrently`](crate::Projection::concurrently)):
//! the folding thread derives and hands the facts over in batches ([`Batch`]), a second
//! thread applies them in the same order. The tables end up exactly as a fold on one
//! thread leaves them (same versions, same slots, same order), because the updates are
//! the same calls in the same order; only *when* they run differs.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender};

use crate::bezetting::{Bezettingslog, OccupancyQueue};
use crate::feiten::{Episode, Machtiging, Plaatsing, Signaal, Traject};
use crate::mem::prefetch;
use crate::versions::{FactRef, Stamp, VersionTable};

/// The handles of one youth's open versions, table after table (`counts` says how
/// many of each): one allocation per youth instead of five.
#[derive(Debug, Default)]
struct OpenVersions {
    refs: Vec<FactRef>,
    counts: [u32; 5],
}

/// The derived facts of one youth, as the tables receive them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'a> {
    pub plaatsingen: &'a [Plaatsing],
    pub episodes: &'a [Episode],
    pub trajecten: &'a [Traject],
    pub machtigingen: &'a [Machtiging],
    pub signalen: &'a [Signaal],
}

impl Facts<'_> {
    /// How many facts of each table.
    fn counts(&self) -> [u32; 5] {
        let n = |l: usize| u32::try_from(l).unwrap_or(u32::MAX);
        [
            n(self.plaatsingen.len()),
            n(self.episodes.len()),
            n(self.trajecten.len()),
            n(self.machtigingen.len()),
            n(self.signalen.len()),
        ]
    }
}

/// Facts of the five youth tables in lists: one derivation's (`Afgeleid`) or a batch's.
#[derive(Debug, Default)]
pub(crate) struct FactLists {
    pub plaatsingen: Vec<Plaatsing>,
    pub episodes: Vec<Episode>,
    pub trajecten: Vec<Traject>,
    pub machtigingen: Vec<Machtiging>,
    pub signalen: Vec<Signaal>,
}

impl FactLists {
    pub fn clear(&mut self) {
        self.plaatsingen.clear();
        self.episodes.clear();
        self.trajecten.clear();
        self.machtigingen.clear();
        self.signalen.clear();
    }

    /// All facts.
    pub fn feiten(&self) -> Facts<'_> {
        Facts {
            plaatsingen: &self.plaatsingen,
            episodes: &self.episodes,
            trajecten: &self.trajecten,
            machtigingen: &self.machtigingen,
            signalen: &self.signalen,
        }
    }

    fn push(&mut self, f: Facts<'_>) {
        self.plaatsingen.extend_from_slice(f.plaatsingen);
        self.episodes.extend_from_slice(f.episodes);
        self.trajecten.extend_from_slice(f.trajecten);
        self.machtigingen.extend_from_slice(f.machtigingen);
        self.signalen.extend_from_slice(f.signalen);
    }

    /// The next `n` facts of each table from `plek` on (advanced past them).
    fn next_facts(&self, plek: &mut [usize; 5], n: [u32; 5]) -> Facts<'_> {
        let mut neem = |t: usize| {
            let a = plek[t];
            plek[t] += n[t] as usize;
            a..plek[t]
        };
        Facts {
            plaatsingen: self.plaatsingen.get(neem(0)).unwrap_or_default(),
            episodes: self.episodes.get(neem(1)).unwrap_or_default(),
            trajecten: self.trajecten.get(neem(2)).unwrap_or_default(),
            machtigingen: self.machtigingen.get(neem(3)).unwrap_or_default(),
            signalen: self.signalen.get(neem(4)).unwrap_or_default(),
        }
    }
}

/// Every version of the youths' facts, and per youth the handles of its open versions.
#[derive(Debug, Default)]
pub(crate) struct JeugdTabellen {
    pub plaatsingen: VersionTable<Plaatsing>,
    /// Occupancy changes per facility of the placements visible now (for overbezetting
    /// in series).
    pub bezetting: Bezettingslog,
    pub episodes: VersionTable<Episode>,
    pub trajecten: VersionTable<Traject>,
    pub machtigingen: VersionTable<Machtiging>,
    pub signalen: VersionTable<Signaal>,
    open: Vec<OpenVersions>,
    /// Set during [`JeugdTabellen::with_occupancy_helper`]: full queues of the occupancy
    /// log go to the helper thread.
    bezettingshulp: Option<OccupancyHelper>,
}

/// This end of the helper thread that applies the occupancy log's full queues during a
/// catch-up: the channel there, and the emptied queues coming back for reuse.
#[derive(Debug)]
struct OccupancyHelper {
    to_tables: SyncSender<OccupancyQueue>,
    /// In a mutex only so that the tables stay `Sync` (only this thread locks it).
    returned: Mutex<Receiver<OccupancyQueue>>,
}

/// A buffer that came back emptied for reuse, or a new one if none is waiting.
fn take_returned<T: Default>(returned: &Mutex<Receiver<T>>) -> T {
    returned
        .lock()
        .ok()
        .and_then(|t| t.try_recv().ok())
        .unwrap_or_default()
}

impl OccupancyHelper {
    fn geef(&self, log: &mut Bezettingslog) {
        let leeg = take_returned(&self.returned);
        // A send fails only when the helper is gone, which happens only if it panicked;
        // the panic is raised again when it is joined.
        let _ = self.to_tables.send(log.take_queue(leeg));
    }
}

impl JeugdTabellen {
    /// Room for about `jeugdigen` more youths.
    pub fn reserve(&mut self, jeugdigen: usize) {
        self.open.reserve(jeugdigen);
    }

    /// Makes `f` the open facts of youth `j` from `s` on: unchanged versions stay open,
    /// changed ones are closed and their new contents opened.
    pub fn sync(&mut self, j: u32, f: Facts<'_>, s: Stamp) {
        let j = j as usize;
        if self.open.len() <= j {
            self.open.resize_with(j + 1, OpenVersions::default);
        }
        let OpenVersions { refs, counts: n } = &mut self.open[j];
        let mut b = 0;
        self.plaatsingen
            .sync_part(refs, b, &mut n[0], f.plaatsingen, s);
        let bezetting = &mut self.bezetting;
        self.plaatsingen.drain_journal(|p, teken| {
            bezetting.plaatsing(p.voorziening, p.begin, p.eind, teken, s.position);
        });
        if let Some(h) = &self.bezettingshulp
            && self.bezetting.vol()
        {
            h.geef(&mut self.bezetting);
        }
        b += n[0] as usize;
        self.episodes.sync_part(refs, b, &mut n[1], f.episodes, s);
        b += n[1] as usize;
        self.trajecten.sync_part(refs, b, &mut n[2], f.trajecten, s);
        b += n[2] as usize;
        self.machtigingen
            .sync_part(refs, b, &mut n[3], f.machtigingen, s);
        b += n[3] as usize;
        self.signalen.sync_part(refs, b, &mut n[4], f.signalen, s);
    }

    /// Prefetch hints for youth `j`: stage 0 its record, stage 1 its handles, stage 2 the
    /// slots of its open versions, stage 3 the versions (each stage uses what the stage
    /// before brought into the cache). Results are the same with or without them.
    #[inline]
    pub fn prefetch(&self, j: u32, stap: u8) {
        let Some(o) = self.open.get(j as usize) else {
            return;
        };
        match stap {
            0 => prefetch(o),
            1 => {
                if let Some(r) = o.refs.first() {
                    prefetch(r);
                }
            }
            _ => {
                let stap = stap - 2;
                let mut rest = o.refs.as_slice();
                let mut next_facts = |n: u32| {
                    let (kop, staart) = rest.split_at(rest.len().min(n as usize));
                    rest = staart;
                    kop
                };
                let [p, e, t, m, s] = o.counts;
                next_facts(p)
                    .iter()
                    .for_each(|&r| self.plaatsingen.prefetch(r, stap));
                next_facts(e)
                    .iter()
                    .for_each(|&r| self.episodes.prefetch(r, stap));
                next_facts(t)
                    .iter()
                    .for_each(|&r| self.trajecten.prefetch(r, stap));
                next_facts(m)
                    .iter()
                    .for_each(|&r| self.machtigingen.prefetch(r, stap));
                next_facts(s)
                    .iter()
                    .for_each(|&r| self.signalen.prefetch(r, stap));
            }
        }
    }

    /// Finishes the index work the updates defer (the occupancy log, the columns).
    pub fn maintain(&mut self) {
        self.maintain_with(false);
    }

    /// [`JeugdTabellen::maintain`] on two threads, for the end of a catch-up, where the
    /// work is large (0.3 s after 5.4 M events) and the other core idle.
    pub fn maintain_on_two_threads(&mut self) {
        self.maintain_with(true);
    }

    /// The deferred index work in two parts that touch disjoint tables, so the result is
    /// the same in any order: the occupancy log and the placements' columns (on a helper
    /// if `twee`), the episodes' and trajectories' columns.
    fn maintain_with(&mut self, twee: bool) {
        let JeugdTabellen {
            bezetting,
            plaatsingen,
            episodes,
            trajecten,
            ..
        } = self;
        // Whoever comes first takes the helper's part: the helper, or this thread if there
        // is no helper or it has not begun by the time this thread is done.
        let next_facts = Mutex::new(Some((bezetting, plaatsingen)));
        let doe_deel = || {
            if let Some((b, p)) = next_facts.lock().ok().and_then(|mut d| d.take()) {
                b.verwerk();
                p.update_columns();
            }
        };
        std::thread::scope(|sc| {
            let hulp = twee
                .then(|| {
                    std::thread::Builder::new()
                        .name("vouw-maintain".into())
                        .spawn_scoped(sc, doe_deel)
                        .ok()
                })
                .flatten();
            episodes.update_columns();
            trajecten.update_columns();
            doe_deel();
            if let Some(h) = hulp
                && let Err(paniek) = h.join()
            {
                std::panic::resume_unwind(paniek);
            }
        });
    }

    /// Runs `f`, which updates these tables, while a helper thread applies the full
    /// queues of the occupancy log (sorting and merging them was a tenth of the second
    /// stage's time, and the second stage is the slower of the two). The log ends up the
    /// same: the queues are applied in order, merging nets by key so the lengths at
    /// which they are cut do not matter, and what is still queued at the end stays
    /// queued for [`JeugdTabellen::maintain`]. If no thread can be started, the queue
    /// grows until then.
    pub fn with_occupancy_helper<R>(&mut self, f: impl FnOnce(&mut JeugdTabellen) -> R) -> R {
        let mut log = std::mem::take(&mut self.bezetting);
        self.bezetting.uitbesteed = true;
        self.bezetting.queue_max = log.queue_max;
        let (r, klaar) = std::thread::scope(|sc| {
            let log = &mut log;
            let (to_tables, van) = std::sync::mpsc::sync_channel::<OccupancyQueue>(2);
            let (terug_naar, returned) = std::sync::mpsc::sync_channel::<OccupancyQueue>(2);
            let hulp = std::thread::Builder::new()
                .name("vouw-bezetting".into())
                .spawn_scoped(sc, move || {
                    for w in van {
                        let leeg = log.process_queue(w);
                        let _ = terug_naar.try_send(leeg);
                    }
                });
            if hulp.is_ok() {
                self.bezettingshulp = Some(OccupancyHelper {
                    to_tables,
                    returned: Mutex::new(returned),
                });
            }
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
            // Hanging up ends the helper once it has applied what it was given.
            self.bezettingshulp = None;
            let klaar = match hulp {
                Ok(h) => h.join(),
                Err(_) => Ok(()),
            };
            (r, klaar)
        });
        // The log comes back before a panic goes on up, with the changes not handed
        // over queued after those applied.
        let rest = std::mem::replace(&mut self.bezetting, log);
        self.bezetting.requeue(rest);
        match (r, klaar) {
            (Ok(r), Ok(())) => r,
            (Err(paniek), _) | (_, Err(paniek)) => std::panic::resume_unwind(paniek),
        }
    }
}

/// Derivations handed to the second stage at once: enough to make the hand-over cost
/// little per event, few enough that the batch is still in the cache when the second
/// stage reads it (2048 was no faster on the 5.4 M-event history).
pub const BATCH: usize = 512;

/// How many derivations ahead each prefetch stage of [`Batch::apply_to`] looks.
const LOOKAHEAD_B: [usize; 4] = [12, 9, 6, 3];

/// A batch of derivations, in fold order: per derivation the youth, the stamp and how
/// many facts of each table follow in the lists.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    ops: Vec<(u32, Stamp, [u32; 5])>,
    feiten: FactLists,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn push(&mut self, j: u32, s: Stamp, f: Facts<'_>) {
        self.ops.push((j, s, f.counts()));
        self.feiten.push(f);
    }

    /// Applies the derivations in order, and empties the batch for reuse.
    pub fn apply_to(&mut self, jt: &mut JeugdTabellen) {
        let mut plek = [0usize; 5];
        for i in 0..self.ops.len() {
            for (stap, d) in LOOKAHEAD_B.iter().enumerate() {
                if let Some(&(j, _, _)) = self.ops.get(i + d) {
                    jt.prefetch(j, stap as u8);
                }
            }
            let (j, s, n) = self.ops[i];
            jt.sync(j, self.feiten.next_facts(&mut plek, n), s);
        }
        self.ops.clear();
        self.feiten.clear();
    }
}

/// The folding thread's end of a two-stage fold: the batch being filled, the channel to
/// the second stage and the emptied batches coming back for reuse.
#[derive(Debug)]
pub(crate) struct Sink {
    batch: Batch,
    to_tables: SyncSender<Batch>,
    /// In a mutex only so that the projection stays `Sync` (only this thread locks it).
    returned: Mutex<Receiver<Batch>>,
    /// Derivations per batch.
    batch_size: usize,
}

impl Sink {
    pub fn new(to_tables: SyncSender<Batch>, returned: Receiver<Batch>, batch_size: usize) -> Sink {
        Sink {
            batch: Batch::default(),
            to_tables,
            returned: Mutex::new(returned),
            batch_size,
        }
    }

    /// Queues a derivation; hands the batch over once it is full.
    #[inline]
    pub fn push(&mut self, j: u32, s: Stamp, f: Facts<'_>) {
        self.batch.push(j, s, f);
        if self.batch.len() >= self.batch_size {
            self.send();
        }
    }

    /// Hands the current batch over (if it holds anything).
    pub fn send(&mut self) {
        if self.batch.len() == 0 {
            return;
        }
        let leeg = take_returned(&self.returned);
        let vol = std::mem::replace(&mut self.batch, leeg);
        // A send fails only when the second stage is gone, which happens only if it
        // panicked; the panic is raised again when it is joined.
        let _ = self.to_tables.send(vol);
    }
}

//! The day-by-day simulation of youths moving through the landscape, emitted as a stream.
//!
//! Each simulated day first executes the landscape plan for that day, then the youths'
//! scheduled steps (doorplaatsingen, ends, moves, authorisations), then the day's new
//! placements. Every fact produced while simulating day d is recorded at or after the
//! start of d, so once day d is done, all pending facts recorded before day d+1 are final
//! and can be handed out in recorded order: memory holds only the facts still waiting
//! for a late recording (weeks), never the whole history.
//!
//! The history starts with a silent warm-up of three years so that on the first day the
//! facilities are already occupied like a running system (including long stays); the
//! youths in care then are recorded as the opening balance (beginstand).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use chrono::{Datelike, NaiveDate};
use kringloop_events::{
    AanbiederGeregistreerd, Doorgeplaatst, FeitGecorrigeerd, FeitIngetrokken, Gebeurtenis,
    GemeenteGeregistreerd, Geslacht, JeugdigeGeregistreerd, JeugdregioGeregistreerd,
    LandsdeelGeregistreerd, MachtigingAfgegeven, MachtigingBeeindigd, MachtigingSoort,
    PlaatsenGeopend, PlaatsenGesloten, PlaatsenOmgebouwd, PlaatsingBeeindigd, PlaatsingGestart,
    RedenBeeindiging, Regime, Verblijfplaats, VoorzieningGeregistreerd, VoorzieningGesloten, Vorm,
    jeugdige_stream, voorziening_stream,
};
use kringloop_events::{
    AanmeldingGeweigerd, Intrekkingsreden, JeugdigeAangemeld, JeugdigeOnttrokken,
    JeugdigeTeruggekeerd, PlaatsAangeboden, PlaatsingsverzoekIngediend,
    PlaatsingsverzoekIngetrokken, Urgentie, Verwijzer, Weigeringsreden,
};
use uuid::Uuid;

use crate::calibration::{self, OPEN_AANDEEL, OPEN_VORMEN};
use crate::date::{MICROS_PER_DAY, MICROS_PER_SEC, day_start, plus_days, to_utc, ymd};
use crate::random::Random;
use crate::world::{Actie, World, een_op_een_factor, segment};
use crate::{DemoConfig, DemoEvent, Scope};

mod intake;
mod landscape;
mod maatregelen;
mod need;
mod steps;

const UUR: i64 = 3600 * MICROS_PER_SEC;
const OPWARMEN_JAREN: i32 = 3;

/// Who records what (the `recorded_by` of the events).
const DOOR_CONTRACT: &str = "demo:contractmanager";
const DOOR_REGISTRATIE: &str = "demo:plaatsingscoordinatie";
const DOOR_AANBIEDER: &str = "demo:aanbieder";
const DOOR_GI: &str = "demo:gi";
const DOOR_BEHEER: &str = "demo:beheer";

/// A fact waiting for its recorded time.
struct Pending {
    t: i64,
    seq: u64,
    e: DemoEvent,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.t, self.seq) == (o.t, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.t, self.seq).cmp(&(o.t, o.seq))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Machtiging {
        van: NaiveDate,
        tot: NaiveDate,
    },
    Doorplaatsen,
    Verhuizen,
    Beeindigen,
    /// A waiting youth's request comes up for a place (the task's token is the request's).
    Plaatsen,
    /// A withdrawn request's youth is free again (token: the request's).
    Vrijgeven,
    /// A placed youth's request for a doorplaatsing is made, `wacht` days before it.
    Doorplaatsverzoek {
        wacht: u16,
    },
    /// The youth leaves without leave for `dagen` days.
    Onttrekken {
        dagen: u16,
    },
    /// The absence ends (token: the absence's).
    Terugkeren,
}

/// A youth's scheduled step; stale when the youth's episode has changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Task {
    datum: NaiveDate,
    seq: u64,
    slot: u32,
    episode: u64,
    step: Step,
}

#[derive(Debug, Clone)]
struct Machtiging {
    id: String,
    soort: MachtigingSoort,
    van: NaiveDate,
    tot: NaiveDate,
    /// First day no longer valid, when ended early.
    beeindigd: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
struct Plaatsing {
    episode: u64,
    vz: usize,
    start: NaiveDate,
    spoed: bool,
    crisis: bool,
    voor: Verblijfplaats,
    /// The episode ends because the youth turns 18.
    wordt_18: bool,
    /// Planned end of the episode (may lie after the history).
    eind: NaiveDate,
    /// The request the running placement fulfils, and whether it is a bridging place.
    verzoek: Option<String>,
    overbrugging: bool,
    /// Latest date of an absence fact (start or return) within the episode: a wrongly
    /// entered end date must lie after it.
    laatste_afwezigheid: Option<NaiveDate>,
}

/// What a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aanvraag {
    /// A new episode in closed care.
    Gesloten,
    /// A new episode in one of the open forms ([`OPEN_VORMEN`] index).
    Open(usize),
    /// A doorplaatsing of a youth in care.
    Doorplaatsing,
}

/// A youth's open placement request.
#[derive(Debug, Clone)]
struct Verzoek {
    token: u64,
    id: String,
    soort: Aanvraag,
    spoed: bool,
    /// The form and regime needed.
    vorm: Vorm,
    regime: Regime,
    /// A place that does not match is taken as a bridging place.
    overbrugging: bool,
    /// Providers registered with, and since when.
    aanmeldingen: Vec<(usize, NaiveDate)>,
    /// Latest date among the request's facts made so far: it may not close before.
    laatste: NaiveDate,
    /// Recorded time of its latest fact.
    laatst_t: i64,
    pogingen: u8,
    /// False for a request of the warm-up that is never recorded: nothing may name it.
    vastgelegd: bool,
    /// Facts made during the warm-up, recorded with the opening balance.
    opening: Vec<(NaiveDate, Gebeurtenis)>,
}

#[derive(Debug, Clone)]
struct Jeugdige {
    pseudoniem: String,
    stream: String,
    geboortejaar: u16,
    /// Day of the year of the birthday (only the year is recorded; this spreads the
    /// 18th birthdays, which end many placements, over the year).
    verjaardag: u16,
    geslacht: Geslacht,
    gemeente: usize,
    landsdeel: usize,
    /// Recorded time (µs) of the youth's last event, so their stream stays in a sensible
    /// order even when one fact is recorded late.
    laatst: i64,
    geregistreerd: bool,
    registratiedatum: NaiveDate,
    plaatsing: Option<Plaatsing>,
    machtigingen: Vec<Machtiging>,
    m_teller: u32,
    uit_sinds: NaiveDate,
    /// The open placement request, if any.
    verzoek: Option<Verzoek>,
    v_teller: u32,
    /// The open absence without leave: (token, since).
    afwezig: Option<(u64, NaiveDate)>,
}

pub(crate) struct Simulation {
    cfg: DemoConfig,
    w: World,
    r: Random,
    ids: Random,
    dag: NaiveDate,
    silent: bool,
    pending: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    tasks: BinaryHeap<Reverse<Task>>,
    task_seq: u64,
    cap: Vec<i64>,
    bezet: Vec<u32>,
    bewoners: Vec<Vec<u32>>,
    jeugd: Vec<Jeugdige>,
    free_slots: Vec<u32>,
    terug: Vec<Vec<u32>>,
    /// Youths whose last closed episode ended while they were absent, per landsdeel.
    terug_onttrokken: Vec<Vec<u32>>,
    episode_teller: u64,
    actie_idx: usize,
    doel_idx: usize,
    opening_clock: i64,
    pseudo_teller: u64,
    /// The random stream of restrictive measures (its own, so that they leave the
    /// youths' paths as calibrated), their counter and the closed facilities.
    m: Random,
    maatregel_teller: u64,
    gesloten_vz: Vec<usize>,
}

impl Simulation {
    pub(crate) fn new(cfg: &DemoConfig) -> Simulation {
        let w = World::build(cfg);
        let n = w.voorzieningen.len();
        let cap = w
            .voorzieningen
            .iter()
            .map(|v| i64::from(v.beginstand.unwrap_or(0)))
            .collect();
        let landsdelen = w.landsdelen.len();
        let start = ymd(w.t0.year() - OPWARMEN_JAREN, 1, 1);
        let gesloten_vz = maatregelen::gesloten_voorzieningen(&w);
        Simulation {
            cfg: cfg.clone(),
            w,
            r: Random::new(cfg.seed, 2),
            ids: Random::new(cfg.seed, 3),
            dag: start,
            silent: true,
            pending: BinaryHeap::new(),
            seq: 0,
            tasks: BinaryHeap::new(),
            task_seq: 0,
            cap,
            bezet: vec![0; n],
            bewoners: vec![Vec::new(); n],
            jeugd: Vec::new(),
            free_slots: Vec::new(),
            terug: vec![Vec::new(); landsdelen],
            terug_onttrokken: vec![Vec::new(); landsdelen],
            episode_teller: 0,
            actie_idx: 0,
            doel_idx: 0,
            opening_clock: 0,
            pseudo_teller: 0,
            m: Random::new(cfg.seed, 5),
            maatregel_teller: 0,
            gesloten_vz,
        }
    }

    /// Simulates one day and moves every fact recorded before the next day into `uit`.
    /// Returns false when the history is complete (and everything has been handed out).
    pub(crate) fn step(&mut self, uit: &mut VecDeque<DemoEvent>) -> bool {
        if self.dag >= self.w.eind {
            while let Some(Reverse(x)) = self.pending.pop() {
                uit.push_back(x.e);
            }
            return false;
        }
        if self.silent && self.dag >= self.w.t0 {
            self.silent = false;
            self.beginstand();
        }
        let d = self.dag;
        self.landschap(d);
        self.run_due_tasks(d);
        self.instroom(d);
        self.maatregelen(d);
        self.dag = plus_days(d, 1);
        let grens = day_start(self.dag);
        while self.pending.peek().is_some_and(|x| x.0.t < grens) {
            if let Some(Reverse(x)) = self.pending.pop() {
                uit.push_back(x.e);
            }
        }
        true
    }

    // ------------------------------------------------------------------ emitting

    fn push(&mut self, stream: &str, fact: Gebeurtenis, t: i64, door: &'static str) -> Uuid {
        if self.silent {
            return Uuid::nil();
        }
        let event_id = self.ids.uuid_v7(t);
        self.seq += 1;
        self.pending.push(Reverse(Pending {
            t,
            seq: self.seq,
            e: DemoEvent {
                event_id,
                stream: stream.to_owned(),
                fact,
                recorded_at: to_utc(t),
                source: "demo".to_owned(),
                recorded_by: door.to_owned(),
            },
        }));
        event_id
    }

    /// The next moment of the opening balance (all at the first day, 1 ms apart).
    fn clock(&mut self) -> i64 {
        self.opening_clock += 1000;
        day_start(self.w.t0) + self.opening_clock
    }

    /// Recorded time for a youth fact valid on `d`: usually the same working day, sometimes
    /// days later, and with probability `p_laat` weeks later (late registration).
    fn record_time(&mut self, slot: usize, d: NaiveDate, p_laat: f64) -> i64 {
        self.record_time_in(slot, d, p_laat, (8, 9))
    }

    /// [`Self::record_time`] within a part of the working day (first hour, number of hours):
    /// departures are recorded in the morning and admissions in the afternoon, so that a
    /// bed freed and refilled on one day is not seen as overbezetting in between.
    fn record_time_in(
        &mut self,
        slot: usize,
        d: NaiveDate,
        p_laat: f64,
        (uur, uren): (i64, i64),
    ) -> i64 {
        let basis = if d > self.dag { d } else { self.dag };
        let mut t = day_start(basis) + uur * UUR + self.r.between(0, uren * 3600) * MICROS_PER_SEC;
        let x = if self.cfg.data_problems {
            self.r.f64()
        } else {
            1.0
        };
        if x < 0.10 {
            t += self.r.between(1, 6) * MICROS_PER_DAY;
        } else if x < 0.10 + p_laat && self.may_record_late(slot) {
            t += self.r.between(14, 70) * MICROS_PER_DAY;
        }
        let y = &mut self.jeugd[slot];
        let t = t.max(y.laatst + MICROS_PER_SEC);
        if !self.silent {
            y.laatst = t;
        }
        t
    }

    /// No late recording for a youth in a facility that closes within 90 days: the
    /// closure must come after every fact about who was there.
    fn may_record_late(&self, slot: usize) -> bool {
        let Some(p) = &self.jeugd[slot].plaatsing else {
            return true;
        };
        match self.w.voorzieningen[p.vz].sluit {
            Some(s) => plus_days(self.dag, 90) < s,
            None => true,
        }
    }
}

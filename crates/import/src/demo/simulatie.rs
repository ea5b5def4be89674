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
use uuid::Uuid;

use super::datum::{MICROS_PER_DAY, MICROS_PER_SEC, dag_start, naar_utc, plus_dagen, ymd};
use super::kalibratie::{self, OPEN_AANDEEL, OPEN_VORMEN, OpenVorm};
use super::toeval::Toeval;
use super::wereld::{Actie, Wereld, een_op_een_factor, segment};
use super::{DemoConfig, DemoEvent, Scope};

const UUR: i64 = 3600 * MICROS_PER_SEC;
const OPWARMEN_JAREN: i32 = 3;

/// Who records what (the `recorded_by` of the events).
const DOOR_CONTRACT: &str = "demo:contractmanager";
const DOOR_REGISTRATIE: &str = "demo:plaatsingscoordinatie";
const DOOR_AANBIEDER: &str = "demo:aanbieder";
const DOOR_GI: &str = "demo:gi";
const DOOR_BEHEER: &str = "demo:beheer";

/// A fact waiting for its recorded time.
struct Wachtend {
    t: i64,
    seq: u64,
    e: DemoEvent,
}

impl PartialEq for Wachtend {
    fn eq(&self, o: &Self) -> bool {
        (self.t, self.seq) == (o.t, o.seq)
    }
}
impl Eq for Wachtend {}
impl PartialOrd for Wachtend {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Wachtend {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.t, self.seq).cmp(&(o.t, o.seq))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stap {
    Machtiging { van: NaiveDate, tot: NaiveDate },
    Doorplaatsen,
    Verhuizen,
    Beeindigen,
}

/// A youth's scheduled step; stale when the youth's episode has changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Taak {
    datum: NaiveDate,
    seq: u64,
    slot: u32,
    episode: u64,
    stap: Stap,
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
}

pub(crate) struct Simulatie {
    cfg: DemoConfig,
    w: Wereld,
    r: Toeval,
    ids: Toeval,
    dag: NaiveDate,
    stil: bool,
    wachtend: BinaryHeap<Reverse<Wachtend>>,
    seq: u64,
    taken: BinaryHeap<Reverse<Taak>>,
    taak_seq: u64,
    cap: Vec<i64>,
    bezet: Vec<u32>,
    bewoners: Vec<Vec<u32>>,
    jeugd: Vec<Jeugdige>,
    vrij: Vec<u32>,
    terug: Vec<Vec<u32>>,
    episode_teller: u64,
    actie_idx: usize,
    doel_idx: usize,
    klok_beginstand: i64,
    pseudo_teller: u64,
}

impl Simulatie {
    pub(crate) fn new(cfg: &DemoConfig) -> Simulatie {
        let w = Wereld::bouw(cfg);
        let n = w.voorzieningen.len();
        let cap = w
            .voorzieningen
            .iter()
            .map(|v| i64::from(v.beginstand.unwrap_or(0)))
            .collect();
        let landsdelen = w.landsdelen.len();
        let start = ymd(w.t0.year() - OPWARMEN_JAREN, 1, 1);
        Simulatie {
            cfg: cfg.clone(),
            w,
            r: Toeval::new(cfg.seed, 2),
            ids: Toeval::new(cfg.seed, 3),
            dag: start,
            stil: true,
            wachtend: BinaryHeap::new(),
            seq: 0,
            taken: BinaryHeap::new(),
            taak_seq: 0,
            cap,
            bezet: vec![0; n],
            bewoners: vec![Vec::new(); n],
            jeugd: Vec::new(),
            vrij: Vec::new(),
            terug: vec![Vec::new(); landsdelen],
            episode_teller: 0,
            actie_idx: 0,
            doel_idx: 0,
            klok_beginstand: 0,
            pseudo_teller: 0,
        }
    }

    /// Simulates one day and moves every fact recorded before the next day into `uit`.
    /// Returns false when the history is complete (and everything has been handed out).
    pub(crate) fn stap(&mut self, uit: &mut VecDeque<DemoEvent>) -> bool {
        if self.dag >= self.w.eind {
            while let Some(Reverse(x)) = self.wachtend.pop() {
                uit.push_back(x.e);
            }
            return false;
        }
        if self.stil && self.dag >= self.w.t0 {
            self.stil = false;
            self.beginstand();
        }
        let d = self.dag;
        self.landschap(d);
        self.taken_van(d);
        self.instroom(d);
        self.dag = plus_dagen(d, 1);
        let grens = dag_start(self.dag);
        while self.wachtend.peek().is_some_and(|x| x.0.t < grens) {
            if let Some(Reverse(x)) = self.wachtend.pop() {
                uit.push_back(x.e);
            }
        }
        true
    }

    // ------------------------------------------------------------------ emitting

    fn push(&mut self, stream: &str, fact: Gebeurtenis, t: i64, door: &'static str) -> Uuid {
        if self.stil {
            return Uuid::nil();
        }
        let event_id = self.ids.uuid_v7(t);
        self.seq += 1;
        self.wachtend.push(Reverse(Wachtend {
            t,
            seq: self.seq,
            e: DemoEvent {
                event_id,
                stream: stream.to_owned(),
                fact,
                recorded_at: naar_utc(t),
                source: "demo".to_owned(),
                recorded_by: door.to_owned(),
            },
        }));
        event_id
    }

    /// The next moment of the opening balance (all at the first day, 1 ms apart).
    fn klok(&mut self) -> i64 {
        self.klok_beginstand += 1000;
        dag_start(self.w.t0) + self.klok_beginstand
    }

    /// Recorded time for a youth fact valid on `d`: usually the same working day, sometimes
    /// days later, and with probability `p_laat` weeks later (late registration).
    fn tijd(&mut self, slot: usize, d: NaiveDate, p_laat: f64) -> i64 {
        self.tijd_in(slot, d, p_laat, (8, 9))
    }

    /// [`Self::tijd`] within a part of the working day (first hour, number of hours):
    /// departures are recorded in the morning and admissions in the afternoon, so that a
    /// bed freed and refilled on one day is not seen as overbezetting in between.
    fn tijd_in(&mut self, slot: usize, d: NaiveDate, p_laat: f64, (uur, uren): (i64, i64)) -> i64 {
        let basis = if d > self.dag { d } else { self.dag };
        let mut t = dag_start(basis) + uur * UUR + self.r.tussen(0, uren * 3600) * MICROS_PER_SEC;
        let x = if self.cfg.data_problems {
            self.r.f64()
        } else {
            1.0
        };
        if x < 0.10 {
            t += self.r.tussen(1, 6) * MICROS_PER_DAY;
        } else if x < 0.10 + p_laat && self.mag_laat(slot) {
            t += self.r.tussen(14, 70) * MICROS_PER_DAY;
        }
        let y = &mut self.jeugd[slot];
        let t = t.max(y.laatst + MICROS_PER_SEC);
        if !self.stil {
            y.laatst = t;
        }
        t
    }

    /// No late recording for a youth in a facility that closes within 90 days: the
    /// closure must come after every fact about who was there.
    fn mag_laat(&self, slot: usize) -> bool {
        let Some(p) = &self.jeugd[slot].plaatsing else {
            return true;
        };
        match self.w.voorzieningen[p.vz].sluit {
            Some(s) => plus_dagen(self.dag, 90) < s,
            None => true,
        }
    }

    // ------------------------------------------------------------------ landscape

    fn beginstand(&mut self) {
        let t0 = self.w.t0;
        for i in 0..self.w.landsdelen.len() {
            let l = &self.w.landsdelen[i];
            let f = LandsdeelGeregistreerd {
                code: l.code.to_owned(),
                naam: l.naam.to_owned(),
            };
            let t = self.klok();
            self.push(&format!("landsdeel-{}", f.code), f.into(), t, DOOR_BEHEER);
        }
        for i in 0..self.w.regios.len() {
            let r = &self.w.regios[i];
            let f = JeugdregioGeregistreerd {
                code: r.code.clone(),
                naam: r.naam.clone(),
                landsdeel: self.w.landsdelen[r.landsdeel].code.to_owned(),
            };
            let t = self.klok();
            self.push(&format!("jeugdregio-{}", f.code), f.into(), t, DOOR_BEHEER);
        }
        for i in 0..self.w.gemeenten.len() {
            let g = &self.w.gemeenten[i];
            let f = GemeenteGeregistreerd {
                code: g.code.clone(),
                naam: g.naam.clone(),
                jeugdregio: self.w.regios[g.regio].code.clone(),
            };
            let t = self.klok();
            self.push(&format!("gemeente-{}", f.code), f.into(), t, DOOR_BEHEER);
        }
        for i in 0..self.w.aanbieders.len() {
            let a = &self.w.aanbieders[i];
            let f = AanbiederGeregistreerd {
                id: a.id.clone(),
                naam: a.naam.clone(),
            };
            let t = self.klok();
            self.push(&format!("aanbieder-{}", f.id), f.into(), t, DOOR_CONTRACT);
        }
        for vz in 0..self.w.voorzieningen.len() {
            let Some(n) = self.w.voorzieningen[vz].beginstand else {
                continue;
            };
            let t = self.klok();
            self.registreer_voorziening(vz, t);
            let v = &self.w.voorzieningen[vz];
            let f = PlaatsenGeopend {
                voorziening: v.id.clone(),
                datum: v.geregistreerd,
                aantal: n,
            };
            let stream = voorziening_stream(&v.id);
            let t = self.klok();
            self.push(&stream, f.into(), t, DOOR_CONTRACT);
        }
        self.doelen(t0);
        // The youths in care on the first day: registration, valid authorisations and the
        // running placement, as a registrar would enter an opening balance.
        for slot in 0..self.jeugd.len() {
            if self.jeugd[slot].plaatsing.is_none() {
                continue;
            }
            self.registreer_jeugdige(slot, None);
            // Every authorisation that covers part of the running placement, with its
            // early end if it had one, so the opening balance is lawful where it was.
            let start = self.jeugd[slot].plaatsing.as_ref().map_or(t0, |p| p.start);
            let machtigingen: Vec<Machtiging> = self.jeugd[slot]
                .machtigingen
                .iter()
                .filter(|m| m.tot >= start && m.beeindigd.is_none_or(|b| b > start))
                .cloned()
                .collect();
            for m in machtigingen {
                let t = self.klok_jeugd(slot);
                self.push_machtiging(slot, &m, t);
                if let Some(b) = m.beeindigd {
                    let f = MachtigingBeeindigd {
                        machtiging: m.id.clone(),
                        datum: b,
                        reden: "vervangen of opgeheven".to_owned(),
                    };
                    let t = self.klok_jeugd(slot);
                    let stream = self.jeugd[slot].stream.clone();
                    self.push(&stream, f.into(), t, DOOR_GI);
                }
            }
            let Some(p) = self.jeugd[slot].plaatsing.clone() else {
                continue;
            };
            let f = PlaatsingGestart {
                voorziening: self.w.voorzieningen[p.vz].id.clone(),
                datum: p.start,
                spoed: p.spoed,
                crisis: p.crisis,
                verblijf_voor: p.voor,
            };
            let t = self.klok_jeugd(slot);
            let stream = self.jeugd[slot].stream.clone();
            self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
        }
    }

    fn klok_jeugd(&mut self, slot: usize) -> i64 {
        let t = self.klok();
        self.jeugd[slot].laatst = t;
        t
    }

    fn doelen(&mut self, tot_en_met: NaiveDate) {
        while let Some((d, doel)) = self.w.doelen.get(self.doel_idx).cloned() {
            if d > tot_en_met {
                break;
            }
            self.doel_idx += 1;
            let t = if d <= self.w.t0 {
                self.klok()
            } else {
                dag_start(d) + 9 * UUR
            };
            let stream = format!("doel-{}", doel.scope.key());
            self.push(&stream, doel.into(), t, DOOR_CONTRACT);
        }
    }

    fn registreer_voorziening(&mut self, vz: usize, t: i64) {
        let v = &self.w.voorzieningen[vz];
        let f = VoorzieningGeregistreerd {
            id: v.id.clone(),
            aanbieder: self.w.aanbieders[v.aanbieder].id.clone(),
            naam: v.naam.clone(),
            gemeente: self.w.gemeenten[v.gemeente].code.clone(),
            vorm: v.vorm,
            regime: v.regime,
            datum: v.geregistreerd,
        };
        let stream = voorziening_stream(&v.id);
        self.push(&stream, f.into(), t, DOOR_CONTRACT);
    }

    fn landschap(&mut self, d: NaiveDate) {
        if !self.stil {
            self.doelen(d);
        }
        // Landscape facts are recorded early in the morning of their day, before any
        // youth is placed on that day.
        let mut t = dag_start(d) + 6 * UUR;
        while let Some((datum, actie)) = self.w.acties.get(self.actie_idx).cloned() {
            if datum > d {
                break;
            }
            self.actie_idx += 1;
            if self.stil {
                // The warm-up runs on the opening landscape; the plan starts at t0.
                continue;
            }
            t += MICROS_PER_SEC;
            match actie {
                Actie::Registreer(vz) => self.registreer_voorziening(vz, t),
                Actie::Open { vz, n } => {
                    self.cap[vz] += i64::from(n);
                    let f = PlaatsenGeopend {
                        voorziening: self.w.voorzieningen[vz].id.clone(),
                        datum,
                        aantal: n,
                    };
                    self.push(
                        &voorziening_stream(&f.voorziening),
                        f.into(),
                        t,
                        DOOR_CONTRACT,
                    );
                }
                Actie::Sluit { vz, n, reden } => {
                    self.cap[vz] -= i64::from(n);
                    let f = PlaatsenGesloten {
                        voorziening: self.w.voorzieningen[vz].id.clone(),
                        datum,
                        aantal: n,
                        reden: reden.to_owned(),
                    };
                    self.push(
                        &voorziening_stream(&f.voorziening),
                        f.into(),
                        t,
                        DOOR_CONTRACT,
                    );
                }
                Actie::Ombouw {
                    van,
                    naar,
                    uit,
                    r#in,
                    reden,
                } => {
                    self.cap[van] -= i64::from(uit);
                    self.cap[naar] += i64::from(r#in);
                    let f = PlaatsenOmgebouwd {
                        van: self.w.voorzieningen[van].id.clone(),
                        naar: self.w.voorzieningen[naar].id.clone(),
                        datum,
                        aantal_uit: uit,
                        aantal_in: r#in,
                        reden: reden.to_owned(),
                    };
                    self.push(&voorziening_stream(&f.van), f.into(), t, DOOR_CONTRACT);
                }
                Actie::Opheffen { vz, reden } => {
                    // Whoever is still there moves the day before the closure.
                    let bewoners = self.bewoners[vz].clone();
                    let gisteren = plus_dagen(d, -1);
                    // The closure is recorded after the last of those moves; the day's
                    // other landscape facts keep their own time.
                    let mut sluiting = t;
                    for slot in bewoners {
                        let tt = self.doorplaatsen(
                            slot as usize,
                            gisteren,
                            Some("sluiting voorziening"),
                        );
                        sluiting = sluiting.max(tt + MICROS_PER_SEC);
                    }
                    self.cap[vz] = 0;
                    let f = VoorzieningGesloten {
                        voorziening: self.w.voorzieningen[vz].id.clone(),
                        datum,
                        reden: reden.to_owned(),
                    };
                    self.push(
                        &voorziening_stream(&f.voorziening),
                        f.into(),
                        sluiting,
                        DOOR_CONTRACT,
                    );
                }
            }
        }
    }

    /// Places a facility can still take on `d`: its capacity, or less if it will shrink
    /// within a month; nothing from three months before it closes (whoever is still there
    /// then is moved: a doorplaatsing because of the closure).
    fn opnameruimte(&self, vz: usize, d: NaiveDate) -> i64 {
        let v = &self.w.voorzieningen[vz];
        if v.geregistreerd > d {
            return 0;
        }
        if let Some(s) = v.sluit
            && plus_dagen(d, 90) >= s
        {
            return 0;
        }
        let horizon = plus_dagen(d, 30);
        let mut cap = self.cap[vz];
        let mut laagste = cap;
        for (datum, delta) in &v.plan {
            if *datum > d && *datum <= horizon {
                cap += delta;
                laagste = laagste.min(cap);
            }
        }
        laagste - i64::from(self.bezet[vz])
    }

    fn open_op(&self, vz: usize, d: NaiveDate) -> bool {
        let v = &self.w.voorzieningen[vz];
        v.geregistreerd <= d && v.sluit.is_none_or(|s| plus_dagen(d, 120) < s) && self.cap[vz] > 0
    }

    /// A facility of one of the given forms and regimes with room, preferably in landsdeel
    /// `l`, otherwise elsewhere, otherwise the least full one in `l` (overbezetting). The
    /// own landsdeel is tried with every form before any other landsdeel: a coordinator
    /// places a youth in a free closed small-scale unit nearby rather than in a closed group
    /// across the country (trying the form first sent a koploper's youths away while its
    /// converted units stood empty).
    fn kies_voorziening(
        &mut self,
        l: usize,
        vormen: &[(Vorm, Regime)],
        d: NaiveDate,
        niet: Option<usize>,
    ) -> Option<usize> {
        let n_l = self.w.landsdelen.len();
        let start = self.r.index(n_l);
        let volgorde =
            std::iter::once(l).chain((0..n_l).map(|i| (start + i) % n_l).filter(|x| *x != l));
        for ld in volgorde {
            for &(vorm, regime) in vormen {
                if let Some(vz) = self.met_ruimte(segment(ld, vorm, regime), d, niet) {
                    return Some(vz);
                }
            }
            // Nothing free nearby: most of the time the youth is placed elsewhere, now and
            // then the own region squeezes one in (overbezetting).
            if ld == l && self.r.kans(0.97) {
                continue;
            }
            if ld == l {
                let mut minst: Option<(f64, usize)> = None;
                for &(vorm, regime) in vormen {
                    for &vz in &self.w.segmenten[segment(ld, vorm, regime)] {
                        if Some(vz) == niet || !self.open_op(vz, d) {
                            continue;
                        }
                        let graad = f64::from(self.bezet[vz]) / self.cap[vz].max(1) as f64;
                        if minst.is_none_or(|m| graad < m.0) {
                            minst = Some((graad, vz));
                        }
                    }
                }
                if let Some((_, vz)) = minst {
                    return Some(vz);
                }
            }
        }
        None
    }

    /// A facility in segment `seg` with room on `d`, if any.
    fn met_ruimte(&mut self, seg: usize, d: NaiveDate, niet: Option<usize>) -> Option<usize> {
        let n = self.w.segmenten[seg].len();
        if n == 0 {
            return None;
        }
        // Look at a handful of candidates and take the one with most room: cheap, and
        // spreads youths the way a coordinator would.
        let mut beste: Option<(i64, usize)> = None;
        for _ in 0..n.min(8) {
            let vz = self.w.segmenten[seg][self.r.index(n)];
            if Some(vz) == niet {
                continue;
            }
            let ruimte = self.opnameruimte(vz, d);
            if ruimte > 0 && beste.is_none_or(|b| ruimte > b.0) {
                beste = Some((ruimte, vz));
            }
        }
        if beste.is_none() && n > 8 {
            for &vz in &self.w.segmenten[seg] {
                if Some(vz) == niet {
                    continue;
                }
                let ruimte = self.opnameruimte(vz, d);
                if ruimte > 0 && beste.is_none_or(|b| ruimte > b.0) {
                    beste = Some((ruimte, vz));
                }
            }
        }
        beste.map(|(_, vz)| vz)
    }

    /// Full everywhere: squeeze the youth into the least full unit of these forms in the
    /// own landsdeel, else anywhere (a coordinator does not send a youth home because the
    /// grid is full; this is where overbezetting comes from).
    fn pers_in(
        &mut self,
        l: usize,
        vormen: &[(Vorm, Regime)],
        d: NaiveDate,
        niet: Option<usize>,
    ) -> Option<usize> {
        let n_l = self.w.landsdelen.len();
        for ld in std::iter::once(l).chain((0..n_l).filter(|x| *x != l)) {
            let mut minst: Option<(f64, usize)> = None;
            for &(vorm, regime) in vormen {
                for &vz in &self.w.segmenten[segment(ld, vorm, regime)] {
                    if Some(vz) == niet || !self.open_op(vz, d) {
                        continue;
                    }
                    let graad = f64::from(self.bezet[vz]) / self.cap[vz].max(1) as f64;
                    if minst.is_none_or(|m| graad < m.0) {
                        minst = Some((graad, vz));
                    }
                }
            }
            if let Some((_, vz)) = minst {
                return Some(vz);
            }
        }
        None
    }

    // ------------------------------------------------------------------ youths

    fn nieuw_slot(&mut self, y: Jeugdige) -> usize {
        if let Some(s) = self.vrij.pop() {
            self.jeugd[s as usize] = y;
            s as usize
        } else {
            self.jeugd.push(y);
            self.jeugd.len() - 1
        }
    }

    fn pseudoniem(&mut self) -> String {
        // Looks like the keyed hash a real import makes; the counter keeps it unique.
        self.pseudo_teller += 1;
        let x = self.r.u64() ^ self.pseudo_teller.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!("{x:016x}")
    }

    fn gemeente_in(&mut self, l: usize) -> usize {
        let (idx, cum) = &self.w.regio_keuze[l];
        let r = idx.get(self.r.gewogen(cum)).copied().unwrap_or(0);
        let (gidx, gcum) = &self.w.gemeente_keuze[r];
        gidx.get(self.r.gewogen(gcum)).copied().unwrap_or(0)
    }

    /// A returning youth from the landsdeel's pool, or a new one.
    fn jeugdige(&mut self, l: usize, d: NaiveDate, leeftijd: (u8, u8), gesloten: bool) -> usize {
        let p_terug = if gesloten { 0.32 } else { 0.15 };
        if self.r.kans(p_terug) && !self.terug[l].is_empty() {
            for _ in 0..4 {
                let pool = &mut self.terug[l];
                if pool.is_empty() {
                    break;
                }
                let i = self.r.index(pool.len());
                let slot = pool[i] as usize;
                let y = &self.jeugd[slot];
                let leeftijd_nu = d.year() - i32::from(y.geboortejaar);
                if leeftijd_nu > i32::from(leeftijd.1) || leeftijd_nu < i32::from(leeftijd.0) {
                    if leeftijd_nu > 17 {
                        self.terug[l].swap_remove(i);
                        self.vrij.push(slot as u32);
                    }
                    continue;
                }
                if plus_dagen(y.uit_sinds, 30) > d {
                    continue;
                }
                self.terug[l].swap_remove(i);
                self.jeugd[slot].machtigingen.clear();
                return slot;
            }
        }
        let leeftijd = self.r.tussen(i64::from(leeftijd.0), i64::from(leeftijd.1)) as i32;
        let geboortejaar = (d.year() - leeftijd) as u16;
        let verjaardag = self.r.tussen(0, 364) as u16;
        let geslacht = self
            .r
            .kies(&[
                (Geslacht::Man, 0.55),
                (Geslacht::Vrouw, 0.44),
                (Geslacht::Anders, 0.01),
            ])
            .unwrap_or(Geslacht::Onbekend);
        let gemeente = self.gemeente_in(l);
        let pseudoniem = self.pseudoniem();
        let stream = jeugdige_stream(&pseudoniem);
        self.nieuw_slot(Jeugdige {
            pseudoniem,
            stream,
            geboortejaar,
            verjaardag,
            geslacht,
            gemeente,
            landsdeel: l,
            laatst: 0,
            geregistreerd: false,
            registratiedatum: d,
            plaatsing: None,
            machtigingen: Vec::new(),
            m_teller: 0,
            uit_sinds: d,
        })
    }

    fn registreer_jeugdige(&mut self, slot: usize, t: Option<i64>) {
        if self.stil || self.jeugd[slot].geregistreerd {
            return;
        }
        let t = match t {
            Some(t) => t,
            None => self.klok_jeugd(slot),
        };
        let y = &mut self.jeugd[slot];
        y.geregistreerd = true;
        let f = JeugdigeGeregistreerd {
            pseudoniem: y.pseudoniem.clone(),
            geboortejaar: y.geboortejaar,
            geslacht: y.geslacht,
            woongemeente: self.w.gemeenten[y.gemeente].code.clone(),
            datum: y.registratiedatum,
        };
        let stream = y.stream.clone();
        self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
    }

    fn push_machtiging(&mut self, slot: usize, m: &Machtiging, t: i64) {
        let l = self.jeugd[slot].landsdeel;
        let door = if self.r.kans(0.85) {
            self.w.landsdelen[l].koers.gi
        } else {
            "Raad voor de Kinderbescherming"
        };
        let f = MachtigingAfgegeven {
            machtiging: m.id.clone(),
            soort: m.soort,
            geldig_van: m.van,
            geldig_tot: m.tot,
            aangevraagd_door: door.to_owned(),
        };
        let stream = self.jeugd[slot].stream.clone();
        self.push(&stream, f.into(), t, DOOR_GI);
    }

    fn nieuwe_machtiging(
        &mut self,
        slot: usize,
        soort: MachtigingSoort,
        van: NaiveDate,
        tot: NaiveDate,
    ) -> Machtiging {
        let y = &mut self.jeugd[slot];
        y.m_teller += 1;
        let prefix = match soort {
            MachtigingSoort::Mgj => "MGJ",
            MachtigingSoort::Spoedmachtiging => "SPOED",
            MachtigingSoort::VoorwaardelijkeMachtiging => "VWM",
        };
        let m = Machtiging {
            id: format!("{prefix}-{}", y.m_teller),
            soort,
            van,
            tot,
            beeindigd: None,
        };
        y.machtigingen.push(m.clone());
        m
    }

    fn plan(&mut self, datum: NaiveDate, slot: usize, episode: u64, stap: Stap) {
        self.taak_seq += 1;
        self.taken.push(Reverse(Taak {
            datum,
            seq: self.taak_seq,
            slot: slot as u32,
            episode,
            stap,
        }));
    }

    fn instroom(&mut self, d: NaiveDate) {
        let peil = if d < self.w.t0 { self.w.t0 } else { d };
        let jaardagen = 365.25;
        for l in 0..self.w.landsdelen.len() {
            let code = self.w.landsdelen[l].code;
            let aandeel = kalibratie::gesloten_capaciteit(code, peil)
                / kalibratie::gesloten_capaciteit_landelijk(peil).max(1.0);
            let lambda = self.cfg.scale * kalibratie::gesloten_episodes(peil) * aandeel / jaardagen;
            let n = self.r.poisson(lambda);
            for _ in 0..n {
                self.plaats_gesloten(l, d, peil);
            }
            if self.cfg.scope == Scope::AllResidential {
                let aandeel = OPEN_AANDEEL
                    .iter()
                    .find(|a| a.0 == code)
                    .map_or(0.2, |a| a.1);
                for ov in OPEN_VORMEN {
                    let extra = een_op_een_factor(&self.w.landsdelen[l], ov.vorm, peil);
                    let lambda =
                        self.cfg.scale * ov.plaatsingen(peil) * aandeel * extra / jaardagen;
                    let n = self.r.poisson(lambda);
                    for _ in 0..n {
                        self.plaats_open(l, d, ov);
                    }
                }
            }
        }
    }

    fn verblijf_voor(&mut self) -> Verblijfplaats {
        use Verblijfplaats::*;
        self.r
            .kies(&[
                (Thuis, 40.0),
                (OpenResidentieel, 20.0),
                (Netwerk, 6.0),
                (Pleegzorg, 7.0),
                (Crisis, 9.0),
                (Jji, 5.0),
                (Gesloten, 3.0),
                (GgzKliniek, 3.0),
                (EenOpEen, 2.0),
                (Onbekend, 5.0),
            ])
            .unwrap_or(Onbekend)
    }

    /// The date a youth turns 18.
    fn achttien(&self, slot: usize) -> NaiveDate {
        let y = &self.jeugd[slot];
        plus_dagen(
            ymd(i32::from(y.geboortejaar) + 18, 1, 1),
            i64::from(y.verjaardag),
        )
    }

    /// Episode length in days, capped at the 18th birthday.
    fn verblijf(
        &mut self,
        slot: usize,
        d: NaiveDate,
        maanden: f64,
        sigma: f64,
        max_dagen: f64,
    ) -> (i64, bool) {
        let dagen = (self.r.lognormaal(maanden * 30.44, sigma))
            .clamp(1.0, max_dagen)
            .round() as i64;
        let grens = (self.achttien(slot) - d).num_days();
        if grens > 7 && dagen > grens {
            (grens, true)
        } else {
            (dagen.max(1), false)
        }
    }

    fn plaats_gesloten(&mut self, l: usize, d: NaiveDate, peil: NaiveDate) {
        const GESLOTEN: [(Vorm, Regime); 2] = [
            (Vorm::Groep, Regime::Gesloten),
            (Vorm::Kleinschalig, Regime::Gesloten),
        ];
        // Closed groups and closed small-scale units are tried in random order, weighted by
        // their share of the closed places, so the converted units fill like the groups.
        let (groep, klein) = self.gesloten_plaatsen_per_vorm();
        let (eerst, dan) = if self.r.kans(klein as f64 / (groep + klein).max(1) as f64) {
            (Vorm::Kleinschalig, Vorm::Groep)
        } else {
            (Vorm::Groep, Vorm::Kleinschalig)
        };
        let Some(vz) = self
            .kies_voorziening(
                l,
                &[(eerst, Regime::Gesloten), (dan, Regime::Gesloten)],
                d,
                None,
            )
            .or_else(|| self.pers_in(l, &GESLOTEN, d, None))
        else {
            return;
        };
        let slot = self.jeugdige(l, d, (12, 17), true);
        let spoed = self.r.kans(kalibratie::spoedaandeel(peil.year()));
        // A log-normal stay (σ = 1.0: the long tail, ~13 % over a year) plus a small group
        // of very short stays (a spoedmachtiging that is not followed by an MGJ), which
        // a log-normal alone under-represents (NJi: 11 % under a month).
        let huidig = self.gesloten_bezettingsgraad();
        let bijsturing = (1.0
            + kalibratie::BEZETTING_TERUGKOPPELING * (kalibratie::bezetting_doel(peil) - huidig))
            .clamp(0.6, 1.6);
        let gemiddeld = kalibratie::gesloten_verblijf_maanden(peil) * bijsturing;
        let (dagen, wordt_18) = if self.r.kans(0.06) {
            let dagen = self.r.tussen(2, 28);
            (dagen, false)
        } else {
            self.verblijf(slot, d, (gemiddeld - 0.06 * 0.5) / 0.94, 1.0, 1100.0)
        };
        let eind = plus_dagen(d, dagen);
        let episode = self.start_episode(slot, vz, d, spoed, false, wordt_18, eind);
        let t_start = self.tijd_in(slot, d, 0.08, (13, 5));
        self.registreer_jeugdige(slot, Some(t_start));

        // Legal basis. Non-urgent: an MGJ granted before the placement. Urgent: a
        // spoedmachtiging of at most four weeks, then an MGJ. A few closed placements have
        // no valid authorisation at all, or a gap between the two: the monitor must show it.
        let x = self.r.f64();
        if x < 0.006 {
            // no authorisation
        } else if spoed {
            let lengte = if self.r.kans(0.02) {
                self.r.tussen(30, 34)
            } else {
                27
            };
            let m = self.nieuwe_machtiging(
                slot,
                MachtigingSoort::Spoedmachtiging,
                d,
                plus_dagen(d, lengte),
            );
            let t = self.tijd(slot, d, 0.0);
            self.push_machtiging(slot, &m, t);
            let mgj_van = if self.r.kans(0.03) {
                plus_dagen(m.tot, self.r.tussen(2, 8))
            } else {
                plus_dagen(d, self.r.tussen(10, 27))
            };
            if mgj_van < eind {
                let tot = plus_dagen(mgj_van, if self.r.kans(0.5) { 182 } else { 364 });
                self.plan(
                    mgj_van,
                    slot,
                    episode,
                    Stap::Machtiging { van: mgj_van, tot },
                );
            }
        } else {
            let van = plus_dagen(d, -self.r.tussen(1, 50));
            let tot = plus_dagen(van, if self.r.kans(0.5) { 182 } else { 364 });
            let m = self.nieuwe_machtiging(slot, MachtigingSoort::Mgj, van, tot);
            let t = self.tijd(slot, d, 0.0);
            self.push_machtiging(slot, &m, t);
            self.plan_verlenging(slot, episode, &m, eind);
        }
        let factor = self.w.landsdelen[l].koers.doorplaatsing;
        let volgende = self.plan_verloop(slot, episode, d, eind, 0.20 * factor);
        let t = self.tijd(slot, d, 0.0).max(t_start);
        self.start_feit(slot, t, volgende);
    }

    /// Current national closed places in groups and in small-scale units.
    fn gesloten_plaatsen_per_vorm(&self) -> (i64, i64) {
        let som = |vorm| -> i64 {
            (0..self.w.landsdelen.len())
                .flat_map(|l| self.w.segmenten[segment(l, vorm, Regime::Gesloten)].iter())
                .map(|&vz| self.cap[vz].max(0))
                .sum()
        };
        (som(Vorm::Groep), som(Vorm::Kleinschalig))
    }

    /// Current national occupancy of closed facilities.
    fn gesloten_bezettingsgraad(&self) -> f64 {
        let (mut bezet, mut cap) = (0i64, 0i64);
        for l in 0..self.w.landsdelen.len() {
            for vorm in [Vorm::Groep, Vorm::Kleinschalig] {
                for &vz in &self.w.segmenten[segment(l, vorm, Regime::Gesloten)] {
                    bezet += i64::from(self.bezet[vz]);
                    cap += self.cap[vz];
                }
            }
        }
        if cap <= 0 {
            1.0
        } else {
            bezet as f64 / cap as f64
        }
    }

    fn plan_verlenging(&mut self, slot: usize, episode: u64, m: &Machtiging, eind: NaiveDate) {
        if m.tot < eind {
            let van = plus_dagen(m.tot, 1);
            let tot = plus_dagen(van, if self.r.kans(0.5) { 182 } else { 364 });
            // Decided about a week before the old one runs out.
            self.plan(
                plus_dagen(m.tot, -7).max(m.van),
                slot,
                episode,
                Stap::Machtiging { van, tot },
            );
        }
    }

    // The arguments are the placement's own fields; a struct for one call site would only
    // move them around.
    #[allow(clippy::too_many_arguments)]
    fn start_episode(
        &mut self,
        slot: usize,
        vz: usize,
        d: NaiveDate,
        spoed: bool,
        crisis: bool,
        wordt_18: bool,
        eind: NaiveDate,
    ) -> u64 {
        self.episode_teller += 1;
        let voor = self.verblijf_voor();
        let y = &mut self.jeugd[slot];
        if !y.geregistreerd {
            y.registratiedatum = d;
        }
        y.plaatsing = Some(Plaatsing {
            episode: self.episode_teller,
            vz,
            start: d,
            spoed,
            crisis,
            voor,
            wordt_18,
            eind,
        });
        self.bezet[vz] += 1;
        self.bewoners[vz].push(slot as u32);
        self.episode_teller
    }

    /// Records the PlaatsingGestart of the youth's running placement at `t`, sometimes
    /// with a wrong date that is corrected later, and now and then a duplicate registration
    /// of the same placement under a mistyped youth that is withdrawn again.
    fn start_feit(&mut self, slot: usize, t: i64, volgende: Option<NaiveDate>) {
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return;
        };
        let waar = PlaatsingGestart {
            voorziening: self.w.voorzieningen[p.vz].id.clone(),
            datum: p.start,
            spoed: p.spoed,
            crisis: p.crisis,
            verblijf_voor: p.voor,
        };
        let stream = self.jeugd[slot].stream.clone();
        // The youth's next step bounds how wrong the date may be.
        let marge = volgende.map_or(7, |v| (v - p.start).num_days() - 1).min(7);
        if self.cfg.data_problems && marge >= 1 && self.r.kans(0.02) {
            let mut fout = waar.clone();
            fout.datum = plus_dagen(p.start, self.r.tussen(1, marge));
            let id = self.push(&stream, fout.into(), t, DOOR_AANBIEDER);
            let tc = t + self.r.tussen(10, 60) * MICROS_PER_DAY;
            let c = FeitGecorrigeerd {
                vervangt: id,
                nieuw: Box::new(waar.clone().into()),
                reden: "startdatum gecorrigeerd na controle".to_owned(),
            };
            self.push(&stream, c.into(), tc, DOOR_REGISTRATIE);
        } else {
            self.push(&stream, waar.clone().into(), t, DOOR_AANBIEDER);
        }
        if self.cfg.data_problems && !self.stil && self.r.kans(0.004) {
            let pseudo = self.pseudoniem();
            let s = jeugdige_stream(&pseudo);
            let y = &self.jeugd[slot];
            let reg = JeugdigeGeregistreerd {
                pseudoniem: pseudo,
                geboortejaar: y.geboortejaar,
                geslacht: y.geslacht,
                woongemeente: self.w.gemeenten[y.gemeente].code.clone(),
                datum: p.start,
            };
            let t1 = t + self.r.tussen(60, 3600) * MICROS_PER_SEC;
            self.push(&s, reg.into(), t1, DOOR_AANBIEDER);
            let id = self.push(&s, waar.into(), t1 + MICROS_PER_SEC, DOOR_AANBIEDER);
            let ti = t1 + self.r.tussen(1, 21) * MICROS_PER_DAY;
            let i = FeitIngetrokken {
                event_id: id,
                reden: "dubbel geregistreerd onder een verkeerd pseudoniem".to_owned(),
            };
            self.push(&s, i.into(), ti, DOOR_REGISTRATIE);
        }
    }

    /// Schedules an episode's doorplaatsingen, a possible move and the end; returns the
    /// date of the first of them.
    fn plan_verloop(
        &mut self,
        slot: usize,
        episode: u64,
        d: NaiveDate,
        eind: NaiveDate,
        p_door: f64,
    ) -> Option<NaiveDate> {
        let dagen = (eind - d).num_days();
        let mut eerste: Option<NaiveDate> = None;
        let mut n = 0;
        if dagen >= 7 && self.r.kans(p_door) {
            n = 1;
            if self.r.kans(0.25) {
                n = 2;
            }
        }
        let mut data: Vec<NaiveDate> = (0..n)
            .map(|_| plus_dagen(d, self.r.tussen(3, dagen - 2)))
            .collect();
        data.sort();
        data.dedup();
        for dd in data {
            eerste = Some(eerste.map_or(dd, |e| e.min(dd)));
            self.plan(dd, slot, episode, Stap::Doorplaatsen);
        }
        if self.r.kans(0.04) && dagen >= 4 {
            let dd = plus_dagen(d, self.r.tussen(1, dagen - 1));
            eerste = Some(eerste.map_or(dd, |e| e.min(dd)));
            self.plan(dd, slot, episode, Stap::Verhuizen);
        }
        if eind < self.w.eind {
            eerste = Some(eerste.map_or(eind, |e| e.min(eind)));
            self.plan(eind, slot, episode, Stap::Beeindigen);
        }
        eerste
    }

    fn plaats_open(&mut self, l: usize, d: NaiveDate, ov: OpenVorm) {
        let Some(vz) = self
            .kies_voorziening(l, &[(ov.vorm, Regime::Open)], d, None)
            .or_else(|| self.pers_in(l, &[(ov.vorm, Regime::Open)], d, None))
        else {
            return;
        };
        let slot = self.jeugdige(l, d, ov.leeftijd, false);
        let (dagen, wordt_18) = self.verblijf(slot, d, ov.verblijf_maanden, ov.sigma, 365.0 * 6.0);
        let eind = plus_dagen(d, dagen);
        let crisis = ov.vorm == Vorm::Crisis;
        let spoed = crisis || self.r.kans(0.1);
        let episode = self.start_episode(slot, vz, d, spoed, crisis, wordt_18, eind);
        let t_start = self.tijd_in(slot, d, 0.06, (13, 5));
        self.registreer_jeugdige(slot, Some(t_start));
        if matches!(ov.vorm, Vorm::Groep | Vorm::Kleinschalig | Vorm::Driemilieu)
            && self.r.kans(0.03)
        {
            // Care outside the closed setting under conditions: first at most six months.
            let van = plus_dagen(d, -self.r.tussen(0, 20));
            let m = self.nieuwe_machtiging(
                slot,
                MachtigingSoort::VoorwaardelijkeMachtiging,
                van,
                plus_dagen(van, 182),
            );
            let t = self.tijd(slot, d, 0.0);
            self.push_machtiging(slot, &m, t);
        }
        let volgende = self.plan_verloop(slot, episode, d, eind, ov.doorplaatsing);
        let t = self.tijd(slot, d, 0.0).max(t_start);
        self.start_feit(slot, t, volgende);
    }

    fn taken_van(&mut self, d: NaiveDate) {
        while self.taken.peek().is_some_and(|t| t.0.datum <= d) {
            let Some(Reverse(taak)) = self.taken.pop() else {
                break;
            };
            let slot = taak.slot as usize;
            let geldig = self
                .jeugd
                .get(slot)
                .and_then(|y| y.plaatsing.as_ref())
                .is_some_and(|p| p.episode == taak.episode);
            if !geldig {
                continue;
            }
            match taak.stap {
                Stap::Doorplaatsen => {
                    self.doorplaatsen(slot, taak.datum, None);
                }
                Stap::Beeindigen => self.beeindigen(slot, taak.datum),
                Stap::Verhuizen => self.verhuizen(slot, taak.datum),
                Stap::Machtiging { van, tot } => self.mgj(slot, taak.episode, van, tot),
            }
        }
    }

    fn mgj(&mut self, slot: usize, episode: u64, van: NaiveDate, tot: NaiveDate) {
        // Only while the youth is in closed care; after a step-down nobody asks for one.
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return;
        };
        if self.w.voorzieningen[p.vz].regime != Regime::Gesloten {
            return;
        }
        let m = self.nieuwe_machtiging(slot, MachtigingSoort::Mgj, van, tot);
        let t = self.tijd(slot, van, 0.0);
        self.push_machtiging(slot, &m, t);
        // The MGJ replaces a spoedmachtiging that is still running.
        let spoed: Vec<Machtiging> = self.jeugd[slot]
            .machtigingen
            .iter()
            .filter(|x| {
                x.soort == MachtigingSoort::Spoedmachtiging
                    && x.beeindigd.is_none()
                    && x.tot >= van
                    && x.van < van
            })
            .cloned()
            .collect();
        for s in spoed {
            self.beeindig_machtiging(
                slot,
                &s.id,
                van,
                "vervangen door machtiging gesloten jeugdhulp",
            );
        }
        if let Some(eind) = self.geplande_eind(slot, episode) {
            self.plan_verlenging(slot, episode, &m, eind);
        }
    }

    /// The planned end of the youth's running episode.
    fn geplande_eind(&self, slot: usize, episode: u64) -> Option<NaiveDate> {
        self.jeugd[slot]
            .plaatsing
            .as_ref()
            .filter(|p| p.episode == episode)
            .map(|p| p.eind)
    }

    fn beeindig_machtiging(&mut self, slot: usize, id: &str, datum: NaiveDate, reden: &str) {
        let mut gevonden = false;
        for m in &mut self.jeugd[slot].machtigingen {
            if m.id == id && m.beeindigd.is_none() && datum > m.van && datum <= m.tot {
                m.beeindigd = Some(datum);
                gevonden = true;
            }
        }
        if !gevonden {
            return;
        }
        let f = MachtigingBeeindigd {
            machtiging: id.to_owned(),
            datum,
            reden: reden.to_owned(),
        };
        let t = self.tijd(slot, datum, 0.0);
        let stream = self.jeugd[slot].stream.clone();
        self.push(&stream, f.into(), t, DOOR_GI);
    }

    fn verlaat(&mut self, slot: usize, vz: usize) {
        self.bezet[vz] = self.bezet[vz].saturating_sub(1);
        if let Some(i) = self.bewoners[vz].iter().position(|s| *s as usize == slot) {
            self.bewoners[vz].swap_remove(i);
        }
    }

    /// Moves a placed youth to another facility on `d`; returns the recorded time.
    fn doorplaatsen(&mut self, slot: usize, d: NaiveDate, reden: Option<&'static str>) -> i64 {
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return 0;
        };
        let l = self.jeugd[slot].landsdeel;
        let van = &self.w.voorzieningen[p.vz];
        let (vorm, regime) = (van.vorm, van.regime);
        let mut doelen: Vec<(Vorm, Regime)> = Vec::new();
        if regime == Regime::Gesloten {
            if self.r.kans(kalibratie::DOORPLAATSING_NAAR_GESLOTEN) {
                doelen.push((vorm, Regime::Gesloten));
            } else {
                let v = if self.r.kans(0.7) {
                    Vorm::Kleinschalig
                } else {
                    Vorm::Gezinshuis
                };
                doelen.push((v, Regime::Open));
                doelen.push((Vorm::Kleinschalig, Regime::Open));
            }
            doelen.push((Vorm::Groep, Regime::Gesloten));
            doelen.push((Vorm::Kleinschalig, Regime::Gesloten));
        } else {
            use Vorm::*;
            let v = match vorm {
                Crisis => self.r.kies(&[
                    (Pleegzorg, 0.45),
                    (Groep, 0.3),
                    (Gezinshuis, 0.15),
                    (Kleinschalig, 0.1),
                ]),
                Groep => self.r.kies(&[
                    (Kleinschalig, 0.4),
                    (Groep, 0.3),
                    (Gezinshuis, 0.15),
                    (Pleegzorg, 0.15),
                ]),
                Pleegzorg => self
                    .r
                    .kies(&[(Pleegzorg, 0.4), (Gezinshuis, 0.3), (Groep, 0.3)]),
                Kleinschalig => {
                    self.r
                        .kies(&[(Gezinshuis, 0.4), (Kleinschalig, 0.3), (Groep, 0.3)])
                }
                _ => self
                    .r
                    .kies(&[(Groep, 0.5), (Kleinschalig, 0.3), (EenOpEen, 0.2)]),
            }
            .unwrap_or(Groep);
            doelen.push((v, Regime::Open));
            doelen.push((Groep, Regime::Open));
            doelen.push((Kleinschalig, Regime::Open));
        }
        let mut naar = None;
        // Per regime (a step down to open care first), every form in the own landsdeel
        // before any elsewhere.
        for groep in doelen.chunk_by(|a, b| a.1 == b.1) {
            naar = self.kies_voorziening(l, groep, d, Some(p.vz));
            if naar.is_some() {
                break;
            }
        }
        if naar.is_none() && reden.is_some() {
            // A closure cannot wait for a free place elsewhere.
            naar = self.pers_in(l, &doelen, d, Some(p.vz));
        }
        let Some(naar) = naar else {
            return 0;
        };
        let naar_regime = self.w.voorzieningen[naar].regime;
        let reden = reden.unwrap_or_else(|| {
            if regime == Regime::Gesloten && naar_regime == Regime::Open {
                "afschaling naar open setting"
            } else {
                self.r
                    .kies(&[
                        ("passender aanbod elders", 0.35),
                        ("handelingsverlegenheid aanbieder", 0.25),
                        ("dichter bij huis", 0.2),
                        ("incident op de groep", 0.1),
                        ("wachtlijst opgeheven", 0.1),
                    ])
                    .unwrap_or("passender aanbod elders")
            }
        });
        self.verlaat(slot, p.vz);
        self.bezet[naar] += 1;
        self.bewoners[naar].push(slot as u32);
        if let Some(pl) = &mut self.jeugd[slot].plaatsing {
            pl.vz = naar;
            pl.start = d;
        }
        let f = Doorgeplaatst {
            van: self.w.voorzieningen[p.vz].id.clone(),
            naar: self.w.voorzieningen[naar].id.clone(),
            datum: d,
            reden: reden.to_owned(),
            tegen_wens_jeugdige: self.r.kans(0.2),
            tegen_wens_aanbieder: self.r.kans(0.1),
        };
        let t = self.tijd_in(slot, d, 0.04, (8, 4));
        let stream = self.jeugd[slot].stream.clone();
        self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
        t
    }

    fn bestemming(&mut self, gesloten: bool, wordt_18: bool) -> Verblijfplaats {
        use Verblijfplaats::*;
        if wordt_18 && self.r.kans(0.6) {
            return self
                .r
                .kies(&[
                    (Zelfstandig, 0.55),
                    (Thuis, 0.2),
                    (Netwerk, 0.1),
                    (Wlz, 0.05),
                    (GgzKliniek, 0.05),
                    (Onbekend, 0.05),
                ])
                .unwrap_or(Zelfstandig);
        }
        let tabel: &[(Verblijfplaats, f64)] = if gesloten {
            // Zuid-West 2019: 31 % home/network and 34 % residential single-form care of
            // the known destinations; the rest spread; 6 % unknown.
            &[
                (Thuis, 22.0),
                (Netwerk, 7.2),
                (OpenResidentieel, 18.0),
                (Kleinschalig, 7.5),
                (Gezinshuis, 3.5),
                (Pleegzorg, 3.0),
                (Zelfstandig, 5.5),
                (Jji, 7.0),
                (GgzKliniek, 6.0),
                (Wlz, 3.0),
                (Gesloten, 3.0),
                (Crisis, 2.5),
                (EenOpEen, 1.5),
                (Driemilieu, 2.8),
                (Onbekend, 6.0),
            ]
        } else {
            &[
                (Thuis, 38.0),
                (Netwerk, 8.0),
                (Zelfstandig, 7.0),
                (Pleegzorg, 9.0),
                (Gezinshuis, 5.0),
                (Kleinschalig, 7.0),
                (OpenResidentieel, 9.0),
                (Gesloten, 2.0),
                (Crisis, 2.0),
                (GgzKliniek, 3.0),
                (Wlz, 2.0),
                (Jji, 2.0),
                (Onbekend, 6.0),
            ]
        };
        self.r.kies(tabel).unwrap_or(Onbekend)
    }

    fn beeindigen(&mut self, slot: usize, d: NaiveDate) {
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return;
        };
        let gesloten_start = p.spoed || self.w.voorzieningen[p.vz].regime == Regime::Gesloten;
        let bestemming = self.bestemming(
            gesloten_start && self.w.voorzieningen[p.vz].regime == Regime::Gesloten,
            p.wordt_18,
        );
        let reden_beeindiging = match bestemming {
            Verblijfplaats::GgzKliniek | Verblijfplaats::Wlz => RedenBeeindiging::AnderDomein,
            Verblijfplaats::Jji => RedenBeeindiging::VoortijdigExtern,
            _ => self
                .r
                .kies(&[
                    (RedenBeeindiging::VolgensPlan, 0.6),
                    (RedenBeeindiging::VoortijdigClient, 0.12),
                    (RedenBeeindiging::VoortijdigOvereenstemming, 0.15),
                    (RedenBeeindiging::VoortijdigAanbieder, 0.08),
                    (RedenBeeindiging::VoortijdigExtern, 0.05),
                ])
                .unwrap_or(RedenBeeindiging::VolgensPlan),
        };
        let reden = match reden_beeindiging {
            RedenBeeindiging::VolgensPlan => "behandeling afgerond",
            RedenBeeindiging::VoortijdigClient => "voortijdig door jeugdige/ouders",
            RedenBeeindiging::VoortijdigOvereenstemming => "voortijdig in overleg",
            RedenBeeindiging::VoortijdigAanbieder => "voortijdig door aanbieder",
            RedenBeeindiging::AnderDomein => "uitstroom naar ander domein",
            _ => "externe oorzaak",
        };
        let voorziening = self.w.voorzieningen[p.vz].id.clone();
        let waar = PlaatsingBeeindigd {
            voorziening: Some(voorziening),
            datum: d,
            bestemming,
            reden: reden.to_owned(),
            reden_beeindiging: Some(reden_beeindiging),
        };
        let stream = self.jeugd[slot].stream.clone();
        let t = self.tijd_in(slot, d, 0.08, (8, 4));
        let x = self.r.f64();
        // The wrong end must still lie after the start as recorded, which may itself be up
        // to 7 days late and not yet corrected (see `start_feit`).
        let marge = (d - p.start).num_days() - 8;
        if self.cfg.data_problems && x < 0.02 && marge >= 1 {
            // The end was entered with a wrong date and corrected weeks later.
            let mut fout = waar.clone();
            fout.datum = plus_dagen(d, -self.r.tussen(1, marge.min(7)));
            let id = self.push(&stream, fout.into(), t, DOOR_AANBIEDER);
            let tc = t + self.r.tussen(10, 60) * MICROS_PER_DAY;
            let c = FeitGecorrigeerd {
                vervangt: id,
                nieuw: Box::new(waar.into()),
                reden: "einddatum gecorrigeerd".to_owned(),
            };
            self.push(&stream, c.into(), tc, DOOR_REGISTRATIE);
        } else if self.cfg.data_problems && x < 0.06 && bestemming != Verblijfplaats::Onbekend {
            // The destination was not known when the end was recorded.
            let mut fout = waar.clone();
            fout.bestemming = Verblijfplaats::Onbekend;
            let id = self.push(&stream, fout.into(), t, DOOR_AANBIEDER);
            let tc = t + self.r.tussen(7, 45) * MICROS_PER_DAY;
            let c = FeitGecorrigeerd {
                vervangt: id,
                nieuw: Box::new(waar.into()),
                reden: "bestemming nagekomen".to_owned(),
            };
            self.push(&stream, c.into(), tc, DOOR_REGISTRATIE);
        } else {
            self.push(&stream, waar.into(), t, DOOR_AANBIEDER);
        }
        // An MGJ that runs on is lifted in half the cases (otherwise it simply lapses).
        let lopend: Vec<String> = self.jeugd[slot]
            .machtigingen
            .iter()
            .filter(|m| m.beeindigd.is_none() && m.van < d && m.tot >= d)
            .map(|m| m.id.clone())
            .collect();
        for id in lopend {
            if self.r.kans(0.5) {
                self.beeindig_machtiging(slot, &id, d, "plaatsing beëindigd");
            }
        }
        self.verlaat(slot, p.vz);
        let y = &mut self.jeugd[slot];
        y.plaatsing = None;
        y.uit_sinds = d;
        let l = y.landsdeel;
        if d.year() - i32::from(y.geboortejaar) < 17 {
            self.terug[l].push(slot as u32);
            // Bound the pool: the oldest returners are the least likely to come back.
            let grens = (20_000.0 * self.cfg.scale).max(500.0) as usize;
            if self.terug[l].len() > grens {
                let weg = self.terug[l].swap_remove(0);
                self.vrij.push(weg);
            }
        } else {
            self.vrij.push(slot as u32);
        }
    }

    fn verhuizen(&mut self, slot: usize, d: NaiveDate) {
        let l = self.jeugd[slot].landsdeel;
        let oud = self.jeugd[slot].gemeente;
        let nieuw = if self.r.kans(0.7) {
            let r = self.w.gemeenten[oud].regio;
            let (gidx, gcum) = &self.w.gemeente_keuze[r];
            gidx.get(self.r.gewogen(gcum)).copied().unwrap_or(oud)
        } else {
            self.gemeente_in(l)
        };
        if nieuw == oud {
            return;
        }
        self.jeugd[slot].gemeente = nieuw;
        let f = kringloop_events::WoongemeenteGewijzigd {
            woongemeente: self.w.gemeenten[nieuw].code.clone(),
            datum: d,
        };
        let t = self.tijd(slot, d, 0.05);
        let stream = self.jeugd[slot].stream.clone();
        self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
    }
}

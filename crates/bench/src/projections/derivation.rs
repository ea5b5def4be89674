//! A reference derivation of placement intervals from the events, written for this
//! benchmark from KPIS.md and the projection's documented semantics, to materialise the
//! `placements` table a SQL user would query. Versioned like the projection: after every
//! event of a youth its placements are derived again; rows that disappear get
//! `known_to`, new rows `known_from` (recorded time, µs).

use std::collections::HashMap;

use kringloop_events::{Gebeurtenis, Vorm};
use kringloop_projections::KnowledgeTime;

use super::history::dag;

pub const OPEN: i32 = i32::MAX;
pub const EPISODESTART: u8 = 1;
pub const DOOR: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feit {
    Woon {
        gemeente: u32,
        dag: i32,
    },
    Start {
        vz: u32,
        dag: i32,
    },
    Door {
        van: u32,
        naar: u32,
        dag: i32,
    },
    Eind {
        vz: Option<u32>,
        dag: i32,
    },
    /// A youth fact that does not shape placements (authorisations).
    Anders,
}

impl Feit {
    fn sortering(&self) -> (i32, u8) {
        match *self {
            Feit::Woon { dag, .. } => (dag, 0),
            Feit::Eind { dag, .. } => (dag, 1),
            Feit::Door { dag, .. } => (dag, 2),
            Feit::Start { dag, .. } => (dag, 3),
            Feit::Anders => (i32::MIN, 0),
        }
    }
}

#[derive(Debug, Clone)]
struct Invoer {
    id: u128,
    pos: i64,
    actief: bool,
    feit: Feit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rij {
    pub jeugdige: u32,
    pub vz: u32,
    pub begin: i32,
    pub eind: i32,
    pub herkomst: Option<u32>,
    pub vlaggen: u8,
}

#[derive(Debug, Clone, Copy)]
pub struct Versie {
    pub rij: Rij,
    pub van: i64,
    pub tot: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    pub gemeente: u32,
    pub vorm: Vorm,
    pub regime: kringloop_events::Regime,
    orde: i64,
}

#[derive(Default)]
pub struct Namen {
    ids: HashMap<String, u32>,
    pub namen: Vec<String>,
}

impl Namen {
    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.namen.len() as u32;
        self.ids.insert(s.to_owned(), i);
        self.namen.push(s.to_owned());
        i
    }
}

#[derive(Default)]
struct Jeugdige {
    invoer: Vec<Invoer>,
    open: Vec<usize>,
}

#[derive(Default)]
pub struct Afleiding {
    pub gemeenten: Namen,
    pub regios: Namen,
    pub vz: Namen,
    jeugdigen: HashMap<String, u32>,
    staat: Vec<Jeugdige>,
    /// Facility → registrations (original event id → attributes).
    registraties: HashMap<u32, Vec<(u128, Attr)>>,
    pub attr: HashMap<u32, Attr>,
    /// Gemeente → (regio, orde).
    pub regio_van: HashMap<u32, (u32, i64)>,
    alias: HashMap<u128, u128>,
    /// Original id → facility of a registration (for its corrections).
    reg_vz: HashMap<u128, u32>,
    pub versies: Vec<Versie>,
}

impl Afleiding {
    fn los_op(&self, mut id: u128) -> u128 {
        for _ in 0..64 {
            match self.alias.get(&id) {
                Some(&o) => id = o,
                None => break,
            }
        }
        id
    }

    fn feit(&mut self, g: &Gebeurtenis) -> Option<Feit> {
        Some(match g {
            Gebeurtenis::JeugdigeGeregistreerd(e) => Feit::Woon {
                gemeente: self.gemeenten.id(&e.woongemeente),
                dag: dag(e.datum),
            },
            Gebeurtenis::WoongemeenteGewijzigd(e) => Feit::Woon {
                gemeente: self.gemeenten.id(&e.woongemeente),
                dag: dag(e.datum),
            },
            Gebeurtenis::PlaatsingGestart(e) => Feit::Start {
                vz: self.vz.id(&e.voorziening),
                dag: dag(e.datum),
            },
            Gebeurtenis::Doorgeplaatst(e) => Feit::Door {
                van: self.vz.id(&e.van),
                naar: self.vz.id(&e.naar),
                dag: dag(e.datum),
            },
            Gebeurtenis::PlaatsingBeeindigd(e) => Feit::Eind {
                vz: e.voorziening.as_deref().map(|v| self.vz.id(v)),
                dag: dag(e.datum),
            },
            Gebeurtenis::MachtigingAfgegeven(_) | Gebeurtenis::MachtigingBeeindigd(_) => {
                Feit::Anders
            }
            _ => return None,
        })
    }

    fn herbereken_attr(&mut self, vz: u32) {
        let nu = self
            .registraties
            .get(&vz)
            .and_then(|r| r.iter().map(|(_, a)| *a).max_by_key(|a| a.orde));
        match nu {
            Some(a) => self.attr.insert(vz, a),
            None => self.attr.remove(&vz),
        };
    }

    fn attr_van(&mut self, g: &Gebeurtenis, orde: i64) -> Option<(u32, Attr)> {
        match g {
            Gebeurtenis::VoorzieningGeregistreerd(e) => {
                let vz = self.vz.id(&e.id);
                Some((
                    vz,
                    Attr {
                        gemeente: self.gemeenten.id(&e.gemeente),
                        vorm: e.vorm,
                        regime: e.regime,
                        orde,
                    },
                ))
            }
            _ => None,
        }
    }

    pub fn apply(&mut self, position: i64, id: u128, micros: i64, stream: &str, g: &Gebeurtenis) {
        match g {
            Gebeurtenis::GemeenteGeregistreerd(e) => {
                let gem = self.gemeenten.id(&e.code);
                let regio = self.regios.id(&e.jeugdregio);
                self.regio_van.insert(gem, (regio, position));
            }
            Gebeurtenis::VoorzieningGeregistreerd(_) => {
                if let Some((vz, a)) = self.attr_van(g, position) {
                    self.registraties.entry(vz).or_default().push((id, a));
                    self.reg_vz.insert(id, vz);
                    self.herbereken_attr(vz);
                }
            }
            Gebeurtenis::FeitGecorrigeerd(c) => {
                let orig = self.los_op(c.vervangt.as_u128());
                self.alias.insert(id, orig);
                if let Some(&vz) = self.reg_vz.get(&orig) {
                    let orde = self
                        .registraties
                        .get(&vz)
                        .and_then(|r| r.iter().find(|(i, _)| *i == orig))
                        .map_or(position, |(_, a)| a.orde);
                    if let Some((_, a)) = self.attr_van(&c.nieuw, orde)
                        && let Some(r) = self.registraties.get_mut(&vz)
                        && let Some(slot) = r.iter_mut().find(|(i, _)| *i == orig)
                    {
                        slot.1 = a;
                    }
                    self.herbereken_attr(vz);
                } else if pseudoniem_van(stream) {
                    let nieuw = self.feit(&c.nieuw);
                    let j = self.jeugdige(stream);
                    if let Some(inv) = self.staat[j as usize]
                        .invoer
                        .iter_mut()
                        .find(|i| i.id == orig)
                        && let Some(f) = nieuw
                    {
                        inv.feit = f;
                    }
                    self.leid_af(j, micros);
                }
            }
            Gebeurtenis::FeitIngetrokken(t) => {
                let orig = self.los_op(t.event_id.as_u128());
                self.alias.insert(id, orig);
                if let Some(&vz) = self.reg_vz.get(&orig) {
                    if let Some(r) = self.registraties.get_mut(&vz) {
                        r.retain(|(i, _)| *i != orig);
                    }
                    self.herbereken_attr(vz);
                } else if pseudoniem_van(stream) {
                    let j = self.jeugdige(stream);
                    if let Some(inv) = self.staat[j as usize]
                        .invoer
                        .iter_mut()
                        .find(|i| i.id == orig)
                    {
                        inv.actief = false;
                    }
                    self.leid_af(j, micros);
                }
            }
            _ => {
                if !pseudoniem_van(stream) {
                    return;
                }
                let Some(f) = self.feit(g) else { return };
                let j = self.jeugdige(stream);
                self.staat[j as usize].invoer.push(Invoer {
                    id,
                    pos: position,
                    actief: true,
                    feit: f,
                });
                if f != Feit::Anders {
                    self.leid_af(j, micros);
                }
            }
        }
    }

    fn jeugdige(&mut self, stream: &str) -> u32 {
        if let Some(&j) = self.jeugdigen.get(stream) {
            return j;
        }
        let j = self.staat.len() as u32;
        self.jeugdigen.insert(stream.to_owned(), j);
        self.staat.push(Jeugdige::default());
        j
    }

    fn leid_af(&mut self, j: u32, micros: i64) {
        let attr = &self.attr;
        let is_amb = |vz: u32| attr.get(&vz).is_some_and(|a| a.vorm == Vorm::Ambulant);
        let st = &mut self.staat[j as usize];
        let mut volgorde: Vec<&Invoer> = st
            .invoer
            .iter()
            .filter(|i| i.actief && i.feit != Feit::Anders)
            .collect();
        volgorde.sort_by_key(|i| (i.feit.sortering(), i.pos));
        let woon: Vec<(i32, u32)> = volgorde
            .iter()
            .filter_map(|i| match i.feit {
                Feit::Woon { gemeente, dag } => Some((dag, gemeente)),
                _ => None,
            })
            .collect();
        let herkomst = |d: i32| {
            woon.iter()
                .rev()
                .find(|(w, _)| *w <= d)
                .or(woon.first())
                .map(|(_, g)| *g)
        };
        // (vz, begin, flags, herkomst of the episode)
        type Lopend = (u32, i32, u8, Option<u32>);
        let mut res: Option<Lopend> = None;
        let mut amb: Vec<Lopend> = Vec::new();
        let mut rijen: Vec<Rij> = Vec::new();
        let sluit = |l: Lopend, d: i32, rijen: &mut Vec<Rij>| {
            rijen.push(Rij {
                jeugdige: j,
                vz: l.0,
                begin: l.1,
                eind: d.max(l.1),
                herkomst: l.3,
                vlaggen: l.2,
            });
        };
        for i in &volgorde {
            match i.feit {
                Feit::Start { vz, dag } => {
                    if is_amb(vz) {
                        if let Some(p) = amb.iter().position(|l| l.0 == vz) {
                            let l = amb.swap_remove(p);
                            sluit(l, dag, &mut rijen);
                        }
                        amb.push((vz, dag, EPISODESTART, herkomst(dag)));
                    } else {
                        if let Some(l) = res.take() {
                            sluit(l, dag, &mut rijen);
                        }
                        res = Some((vz, dag, EPISODESTART, herkomst(dag)));
                    }
                }
                Feit::Door { van, naar, dag } => {
                    let vorige = match amb.iter().position(|l| l.0 == van) {
                        Some(p) => Some(amb.swap_remove(p)),
                        None => res.take(),
                    };
                    let (v, h) = match vorige {
                        Some(l) => {
                            let h = l.3;
                            sluit(l, dag, &mut rijen);
                            (DOOR, h)
                        }
                        None => (EPISODESTART, herkomst(dag)),
                    };
                    if is_amb(naar) {
                        amb.push((naar, dag, v, h));
                    } else {
                        if let Some(oud) = res.take() {
                            sluit(oud, dag, &mut rijen);
                        }
                        res = Some((naar, dag, v, h));
                    }
                }
                Feit::Eind { vz, dag } => {
                    let l = match amb.iter().position(|l| Some(l.0) == vz) {
                        Some(p) => Some(amb.swap_remove(p)),
                        None => res.take(),
                    };
                    if let Some(l) = l {
                        sluit(l, dag, &mut rijen);
                    }
                }
                Feit::Woon { .. } | Feit::Anders => {}
            }
        }
        if let Some(l) = res.take() {
            sluit(l, OPEN, &mut rijen);
        }
        for l in amb.drain(..) {
            sluit(l, OPEN, &mut rijen);
        }
        // Diff against the open versions: close what went, open what came.
        let mut open = std::mem::take(&mut st.open);
        let mut nieuw = rijen;
        open.retain(|&vi| {
            let r = self.versies[vi].rij;
            match nieuw.iter().position(|n| *n == r) {
                Some(p) => {
                    nieuw.swap_remove(p);
                    true
                }
                None => {
                    self.versies[vi].tot = micros;
                    false
                }
            }
        });
        for r in nieuw {
            open.push(self.versies.len());
            self.versies.push(Versie {
                rij: r,
                van: micros,
                tot: KnowledgeTime::OPEN.micros(),
            });
        }
        self.staat[j as usize].open = open;
    }
}

fn pseudoniem_van(stream: &str) -> bool {
    kringloop_events::pseudoniem_van_stream(stream).is_some()
}

//! Derivation: from the effective facts of one youth (or one facility) to its intervals.
//!
//! Derivation is a pure function of the youth's effective inputs (corrections applied,
//! retractions removed) and the current facility attributes. The fold calls it after every
//! event that touches the youth and keeps only the versions that changed, so late data,
//! corrections and retractions are all handled by the same code path as normal events.
//!
//! The write side derives a youth's placements and authorisations separately, with
//! `kringloop_events::rules::leid_af` (events/src/rules/afleiding.rs), to check proposed
//! facts; this one is kept apart for speed. The two are meant to give the same intervals:
//! `afleiding_agreement.rs` (next to this file) describes what each takes and gives,
//! checks with the property test `plaatsingen_gelijk` that they agree on generated
//! histories, and pins the cases where they do not (an end naming a facility that is not
//! running while a residential stay runs; a doorplaatsing from a facility that is not
//! running into an ambulant one; a doorplaatsing into a running ambulant stay;
//! authorisations registered twice, ended twice or ended before they start).

use crate::feiten::{
    Capaciteit, Episode, GEEN, GEEN8, Machtiging, OPEN_EIND, Plaatsing, Signaal, Traject, VzAttr,
    basis, cap, signaal, vlag,
};
use crate::jeugdtabellen::FactLists;

/// A youth fact, compact, with interned ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JFeit {
    Woon {
        gemeente: u32,
        datum: i32,
    },
    Machtiging {
        sleutel: u32,
        soort: u8,
        van: i32,
        /// Exclusive end (`geldig_tot` + 1).
        tot: i32,
    },
    MachtigingEind {
        sleutel: u32,
        datum: i32,
    },
    Start {
        vz: u32,
        datum: i32,
        spoed: bool,
        crisis: bool,
    },
    Door {
        van: u32,
        naar: u32,
        datum: i32,
    },
    Eind {
        /// `GEEN`: the running residential placement.
        vz: u32,
        datum: i32,
        bestemming: u8,
    },
    /// An absence without leave begins (`vz`: the facility named, `GEEN` if none).
    Onttrokken {
        vz: u32,
        datum: i32,
    },
    /// The open absence ends.
    Teruggekeerd {
        datum: i32,
    },
}

impl JFeit {
    /// Facilities this fact refers to.
    pub fn voorzieningen(&self) -> [u32; 2] {
        match *self {
            JFeit::Start { vz, .. } | JFeit::Eind { vz, .. } | JFeit::Onttrokken { vz, .. } => {
                [vz, GEEN]
            }
            JFeit::Door { van, naar, .. } => [van, naar],
            _ => [GEEN, GEEN],
        }
    }

    fn sortering(&self) -> (i32, u8) {
        // On one date: ends before doorplaatsingen before starts, so that an exit and a
        // re-admission on the same day make two episodes, never an overlap.
        match *self {
            JFeit::Woon { datum, .. } => (datum, 0),
            JFeit::Machtiging { van, .. } => (van, 0),
            JFeit::MachtigingEind { datum, .. } => (datum, 0),
            JFeit::Eind { datum, .. } => (datum, 1),
            JFeit::Door { datum, .. } => (datum, 2),
            JFeit::Start { datum, .. } => (datum, 3),
            // Absences do not move a placement; among themselves they keep the order
            // they were recorded in (an absence and the return on one day).
            JFeit::Onttrokken { datum, .. } | JFeit::Teruggekeerd { datum } => (datum, 4),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct JInvoer {
    pub id: u128,
    /// Position of the original event (orders same-date facts).
    pub pos: u32,
    pub actief: bool,
    pub feit: JFeit,
}

#[derive(Debug, Default)]
pub(crate) struct Afgeleid {
    pub feiten: FactLists,
    /// The youth's absences without leave (`pad`), apart from the five youth tables.
    pub onttrekkingen: Vec<crate::pad::Onttrekking>,
    werk: Werk,
}

/// Reusable working buffers of a derivation.
#[derive(Debug, Default)]
struct Werk {
    volgorde: Vec<(i32, u8, u32, usize)>,
    woon: Vec<(i32, u32)>,
    macht: Vec<(u32, u8, i32, i32)>,
    rechtmatig: Vec<(i32, i32)>,
    samengevoegd: Vec<(i32, i32)>,
    ruw: Vec<Ruw>,
    eps: Vec<Episode>,
    amb: Vec<Lopend>,
    open: Vec<((u32, u32, u32), usize)>,
}

impl Werk {
    fn leeg(&mut self) {
        self.volgorde.clear();
        self.woon.clear();
        self.macht.clear();
        self.rechtmatig.clear();
        self.samengevoegd.clear();
        self.ruw.clear();
        self.eps.clear();
        self.amb.clear();
        self.open.clear();
    }
}

#[derive(Debug)]
struct Lopend {
    vz: u32,
    begin: i32,
    vlaggen: u8,
    ep: usize,
}

#[derive(Debug)]
struct Ruw {
    vz: u32,
    begin: i32,
    eind: i32,
    vlaggen: u8,
    ep: usize,
}

const SPOED_MAX_DAGEN: i32 = 28;

/// Derives all intervals of youth `j` from its inputs. `attr(vz)` gives the facility's
/// current attributes.
pub(crate) fn leid_jeugdige_af(
    j: u32,
    invoer: &[JInvoer],
    attr: impl Fn(u32) -> Option<VzAttr>,
    uit: &mut Afgeleid,
) {
    uit.feiten.clear();
    // Working buffers are kept in `uit` between calls: the fold derives a youth after
    // every event, and allocation was a visible share of its time.
    let Afgeleid {
        feiten:
            FactLists {
                plaatsingen: uit_plaatsingen,
                episodes: uit_episodes,
                trajecten: uit_trajecten,
                machtigingen: uit_machtigingen,
                signalen: uit_signalen,
            },
        onttrekkingen: uit_onttrekkingen,
        werk: w,
    } = uit;
    uit_onttrekkingen.clear();
    w.leeg();
    let Werk {
        volgorde,
        woon,
        macht,
        rechtmatig,
        samengevoegd,
        ruw,
        eps,
        amb,
        open,
    } = w;
    // Sort keys computed once; the index makes every key distinct, so the unstable sort
    // gives the order of a stable sort by (date, rank, position).
    volgorde.extend(
        invoer
            .iter()
            .enumerate()
            .filter(|(_, i)| i.actief)
            .map(|(n, i)| {
                let (d, r) = i.feit.sortering();
                (d, r, i.pos, n)
            }),
    );
    volgorde.sort_unstable();
    let volgorde = &*volgorde;
    let feiten = || volgorde.iter().filter_map(|v| invoer.get(v.3));

    // Home gemeente over time.
    woon.extend(feiten().filter_map(|i| match i.feit {
        JFeit::Woon { gemeente, datum } => Some((datum, gemeente)),
        _ => None,
    }));
    let woon = &*woon;
    let herkomst = |d: i32| -> u32 {
        // Before the first known address the first known one is the best guess: the
        // registration date is often the date of recording, after the placement.
        woon.iter()
            .rev()
            .find(|(w, _)| *w <= d)
            .or(woon.first())
            .map_or(GEEN, |(_, g)| *g)
    };

    // Authorisations: latest registration per key, earliest early end.
    for i in feiten() {
        if let JFeit::Machtiging {
            sleutel,
            soort,
            van,
            tot,
        } = i.feit
        {
            match macht.iter_mut().find(|m| m.0 == sleutel) {
                Some(m) => *m = (sleutel, soort, van, tot),
                None => macht.push((sleutel, soort, van, tot)),
            }
        }
    }
    for i in feiten() {
        if let JFeit::MachtigingEind { sleutel, datum } = i.feit
            && let Some(m) = macht.iter_mut().find(|m| m.0 == sleutel)
        {
            m.3 = m.3.min(datum);
        }
    }
    rechtmatig.extend(
        macht
            .iter()
            .filter(|m| m.1 == basis::MGJ || m.1 == basis::SPOED)
            .filter(|m| m.3 > m.2)
            .map(|m| (m.2, m.3)),
    );
    rechtmatig.sort_unstable();
    for &(a, b) in rechtmatig.iter() {
        match samengevoegd.last_mut() {
            Some(l) if a <= l.1 => l.1 = l.1.max(b),
            _ => samengevoegd.push((a, b)),
        }
    }
    let macht = &*macht;
    let samengevoegd = &*samengevoegd;
    let basis_op = |d: i32| -> u8 {
        for soort in [basis::MGJ, basis::SPOED, basis::VOORWAARDELIJK] {
            if macht.iter().any(|m| m.1 == soort && m.2 <= d && d < m.3) {
                return soort;
            }
        }
        basis::GEEN
    };

    let is_ambulant = |vz: u32| {
        attr(vz)
            .is_some_and(|a| a.vorm == crate::feiten::vorm_code(kringloop_events::Vorm::Ambulant))
    };

    // Walk the placement facts in valid-time order on two tracks: residential (at most one
    // running stay) and ambulant (any number, alongside).
    let mut res: Option<Lopend> = None;

    let sluit = |l: Lopend, d: i32, ruw: &mut Vec<Ruw>| {
        ruw.push(Ruw {
            vz: l.vz,
            begin: l.begin,
            eind: d.max(l.begin),
            vlaggen: l.vlaggen,
            ep: l.ep,
        });
    };
    let beeindig_episode = |eps: &mut Vec<Episode>, ep: usize, d: i32, vz: u32, best: u8| {
        if let Some(e) = eps.get_mut(ep) {
            e.eind = d.max(e.begin);
            e.laatste = vz;
            e.bestemming = best;
        }
    };
    let nieuwe_episode = |eps: &mut Vec<Episode>, vz: u32, d: i32, ambulant: bool| -> usize {
        eps.push(Episode {
            jeugdige: j,
            begin: d,
            eind: OPEN_EIND,
            herkomst: herkomst(d),
            eerste: vz,
            laatste: vz,
            bestemming: GEEN8,
            ambulant,
            doorplaatsingen: 0,
            eerste_door: OPEN_EIND,
            voorgeschiedenis: GEEN8,
            volgende: OPEN_EIND,
        });
        eps.len() - 1
    };
    let onbekend = crate::feiten::bestemming_code(kringloop_events::Verblijfplaats::Onbekend);

    for i in feiten() {
        match i.feit {
            JFeit::Start {
                vz,
                datum,
                spoed,
                crisis,
            } => {
                let mut v = vlag::EPISODESTART;
                if spoed {
                    v |= vlag::SPOED;
                }
                if crisis {
                    v |= vlag::CRISIS;
                }
                if is_ambulant(vz) {
                    if let Some(p) = amb.iter().position(|l| l.vz == vz) {
                        let l = amb.swap_remove(p);
                        beeindig_episode(eps, l.ep, datum, l.vz, onbekend);
                        sluit(l, datum, ruw);
                    }
                    let ep = nieuwe_episode(eps, vz, datum, true);
                    amb.push(Lopend {
                        vz,
                        begin: datum,
                        vlaggen: v | vlag::AMBULANT,
                        ep,
                    });
                } else {
                    // A start while a stay is running means an exit was not (yet)
                    // recorded: end the running one so no youth is counted twice.
                    if let Some(l) = res.take() {
                        beeindig_episode(eps, l.ep, datum, l.vz, onbekend);
                        sluit(l, datum, ruw);
                    }
                    let ep = nieuwe_episode(eps, vz, datum, false);
                    res = Some(Lopend {
                        vz,
                        begin: datum,
                        vlaggen: v,
                        ep,
                    });
                }
            }
            JFeit::Door { van, naar, datum } => {
                let uit_amb = amb.iter().position(|l| l.vz == van);
                let vorige = match uit_amb {
                    Some(p) => Some(amb.swap_remove(p)),
                    None => res.take(),
                };
                let naar_amb = is_ambulant(naar);
                let ep = match vorige {
                    Some(l) => {
                        let ep = l.ep;
                        sluit(l, datum, ruw);
                        if let Some(e) = eps.get_mut(ep) {
                            e.doorplaatsingen = e.doorplaatsingen.saturating_add(1);
                            e.eerste_door = e.eerste_door.min(datum);
                            e.laatste = naar;
                        }
                        Some(ep)
                    }
                    None => None,
                };
                let (ep, v) = match ep {
                    Some(ep) => (ep, vlag::DOOR),
                    // A doorplaatsing without a known running stay (its start is not
                    // recorded yet) is, for now, the start of an episode.
                    None => (
                        nieuwe_episode(eps, naar, datum, naar_amb),
                        vlag::EPISODESTART,
                    ),
                };
                let l = Lopend {
                    vz: naar,
                    begin: datum,
                    vlaggen: if naar_amb { v | vlag::AMBULANT } else { v },
                    ep,
                };
                if naar_amb {
                    amb.push(l);
                } else {
                    if let Some(oud) = res.take() {
                        beeindig_episode(eps, oud.ep, datum, oud.vz, onbekend);
                        sluit(oud, datum, ruw);
                    }
                    res = Some(l);
                }
            }
            JFeit::Eind {
                vz,
                datum,
                bestemming,
            } => {
                let l = match amb.iter().position(|l| l.vz == vz && vz != GEEN) {
                    Some(p) => Some(amb.swap_remove(p)),
                    None => res.take(),
                };
                if let Some(l) = l {
                    beeindig_episode(eps, l.ep, datum, l.vz, bestemming);
                    sluit(l, datum, ruw);
                }
            }
            _ => {}
        }
    }
    if let Some(l) = res.take() {
        sluit(l, OPEN_EIND, ruw);
    }
    for l in amb.drain(..) {
        sluit(l, OPEN_EIND, ruw);
    }
    ruw.sort_by_key(|r| (r.begin, r.eind, r.vz));

    // The path (`pad`): absences, and per episode its history and the next residential
    // start. Absences never change a placement, so everything above is as without them.
    let verblijf_op = |d: i32| -> u32 {
        let res = || ruw.iter().filter(|r| r.vlaggen & vlag::AMBULANT == 0);
        res()
            .find(|r| r.begin <= d && d < r.eind)
            .or_else(|| res().find(|r| r.eind == d))
            .map_or(GEEN, |r| r.vz)
    };
    crate::pad::leid_pad_af(
        j,
        feiten().map(|i| &i.feit),
        eps,
        &attr,
        &herkomst,
        verblijf_op,
        uit_onttrekkingen,
    );

    // Placements.
    for r in ruw.iter() {
        let h = eps.get(r.ep).map_or(GEEN, |e| e.herkomst);
        uit_plaatsingen.push(Plaatsing {
            jeugdige: j,
            voorziening: r.vz,
            begin: r.begin,
            eind: r.eind,
            herkomst: h,
            vlaggen: r.vlaggen,
            basis: basis_op(r.begin),
        });
    }
    uit_episodes.extend(eps.iter().copied());

    // Authorisations, linked to the residential stay they were used for.
    for m in macht.iter() {
        let vz = ruw
            .iter()
            .filter(|r| r.vlaggen & vlag::AMBULANT == 0)
            .find(|r| (r.begin <= m.2 && m.2 < r.eind) || (m.2 <= r.begin && r.begin < m.3))
            .map_or(GEEN, |r| r.vz);
        uit_machtigingen.push(Machtiging {
            jeugdige: j,
            voorziening: vz,
            begin: m.2,
            eind: m.3,
            herkomst: herkomst(m.2),
            soort: m.1,
        });
        if m.1 == basis::SPOED && m.3 - m.2 > SPOED_MAX_DAGEN {
            uit_signalen.push(Signaal {
                jeugdige: j,
                voorziening: vz,
                begin: m.2 + SPOED_MAX_DAGEN,
                eind: m.3,
                vorige_eind: i32::MIN,
                herkomst: herkomst(m.2),
                soort: signaal::SPOED_TE_LANG,
            });
        }
    }

    // Signals on placements.
    let gesloten = crate::feiten::regime_code(kringloop_events::Regime::Gesloten);
    for p in uit_plaatsingen.iter() {
        if p.vlaggen & vlag::DOOR != 0 {
            uit_signalen.push(Signaal {
                jeugdige: j,
                voorziening: p.voorziening,
                begin: p.begin,
                eind: p.begin.saturating_add(1),
                vorige_eind: i32::MIN,
                herkomst: p.herkomst,
                soort: signaal::DOORPLAATSING,
            });
        }
        let dicht = attr(p.voorziening).is_some_and(|a| a.regime == gesloten);
        if !dicht || p.vlaggen & vlag::AMBULANT != 0 || p.eind <= p.begin {
            continue;
        }
        // Every stretch of the closed stay not covered by an MGJ or spoedmachtiging,
        // each with the end of the placement's previous one (it counts once per period).
        let mut d = p.begin;
        let mut vorige_eind = i32::MIN;
        for &(a, b) in samengevoegd.iter() {
            if d >= p.eind {
                break;
            }
            if b <= d {
                continue;
            }
            if a > d {
                let e = a.min(p.eind);
                uit_signalen.push(Signaal {
                    jeugdige: j,
                    voorziening: p.voorziening,
                    begin: d,
                    eind: e,
                    vorige_eind,
                    herkomst: p.herkomst,
                    soort: signaal::ZONDER_MACHTIGING,
                });
                vorige_eind = e;
            }
            d = d.max(b);
        }
        if d < p.eind {
            uit_signalen.push(Signaal {
                jeugdige: j,
                voorziening: p.voorziening,
                begin: d,
                eind: p.eind,
                vorige_eind,
                herkomst: p.herkomst,
                soort: signaal::ZONDER_MACHTIGING,
            });
        }
    }

    // CBS trajectories: same provider, form and regime, overlapping or adjacent, merged.
    let sleutel = |vz: u32| match attr(vz) {
        Some(a) => (a.aanbieder, u32::from(a.vorm), u32::from(a.regime)),
        // Unknown facility: a key of its own, so unknowns never merge with each other.
        None => (GEEN, vz, GEEN),
    };
    for p in uit_plaatsingen.iter() {
        let k = sleutel(p.voorziening);
        let bestaand = open
            .iter()
            .find(|(ok, i)| *ok == k && uit_trajecten.get(*i).is_some_and(|t| t.eind >= p.begin))
            .map(|(_, i)| *i);
        match bestaand.and_then(|i| uit_trajecten.get_mut(i)) {
            Some(t) => t.eind = t.eind.max(p.eind),
            None => {
                uit_trajecten.push(Traject {
                    jeugdige: j,
                    voorziening: p.voorziening,
                    begin: p.begin,
                    eind: p.eind,
                    herkomst: p.herkomst,
                });
                open.retain(|(ok, _)| *ok != k);
                open.push((k, uit_trajecten.len() - 1));
            }
        }
    }
}

/// A capacity input, by facility id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CapInhoud {
    pub soort: CapSoort,
    pub van: u32,
    pub naar: u32,
    pub datum: i32,
    pub aantal_uit: u32,
    pub aantal_in: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CapSoort {
    Geopend,
    Gesloten,
    Omgebouwd,
    Opgeheven,
}

#[derive(Debug, Clone)]
pub(crate) struct CapInvoer {
    pub pos: u32,
    pub actief: bool,
    pub inhoud: CapInhoud,
}

impl CapInhoud {
    pub fn voorzieningen(&self) -> [u32; 2] {
        match self.soort {
            CapSoort::Omgebouwd => [self.van, self.naar],
            _ => [self.van, GEEN],
        }
    }
}

/// Derives the capacity changes of facility `vz` from all capacity inputs touching it.
pub(crate) fn leid_capaciteit_af<'a>(
    vz: u32,
    invoer: impl Iterator<Item = &'a CapInvoer>,
    uit: &mut Vec<Capaciteit>,
) {
    uit.clear();
    let mut lijst: Vec<&CapInvoer> = invoer.filter(|i| i.actief).collect();
    // Closing the facility comes after every other change of the same date: it removes
    // what is left on that date.
    lijst.sort_by_key(|i| {
        (
            i.inhoud.datum,
            u8::from(i.inhoud.soort == CapSoort::Opgeheven),
            i.pos,
        )
    });
    let mut stand: i64 = 0;
    let mut push = |datum: i32, delta: i64, soort: u8, stand: &mut i64| {
        let d = i32::try_from(delta).unwrap_or(if delta < 0 { i32::MIN } else { i32::MAX });
        *stand += i64::from(d);
        uit.push(Capaciteit {
            voorziening: vz,
            datum,
            delta: d,
            soort,
        });
    };
    for i in lijst {
        let c = &i.inhoud;
        match c.soort {
            CapSoort::Geopend if c.van == vz => {
                push(c.datum, i64::from(c.aantal_in), cap::GEOPEND, &mut stand)
            }
            CapSoort::Gesloten if c.van == vz => {
                push(c.datum, -i64::from(c.aantal_uit), cap::GESLOTEN, &mut stand)
            }
            CapSoort::Omgebouwd => {
                if c.van == vz {
                    push(
                        c.datum,
                        -i64::from(c.aantal_uit),
                        cap::OMBOUW_UIT,
                        &mut stand,
                    );
                }
                if c.naar == vz {
                    push(c.datum, i64::from(c.aantal_in), cap::OMBOUW_IN, &mut stand);
                }
            }
            CapSoort::Opgeheven if c.van == vz && stand > 0 => {
                push(c.datum, -stand, cap::OPGEHEVEN, &mut stand)
            }
            _ => {}
        }
    }
}

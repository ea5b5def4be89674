//! The landscape: landsdelen, jeugdregio's, gemeenten, providers, facilities, and the plan
//! of every capacity change (opbouw, afbouw, ombouw, closures) and target over the years.
//!
//! The plan is made up front (it is small: hundreds to a few thousand facilities) so the
//! youth simulation can look ahead: a provider stops admitting to a group it will close
//! and a facility that will shrink fills up to its future size only.

use chrono::{Datelike, NaiveDate};
use kringloop_events::referentie::{LANDSDELEN, ZUID_WEST_GEMEENTEN, ZUID_WEST_REGIOS};
use kringloop_events::{CapaciteitsdoelVastgesteld, DoelScope, Regime, Vorm};

use crate::calibration::{self, OPEN_AANDEEL, OPEN_BEZETTING_DOEL, OPEN_VORMEN};
use crate::date::{next_month, plus_days, ymd};
use crate::random::{Random, cumulative};
use crate::{DemoConfig, Scope};

mod capacity;
mod registry;
mod tables;

/// How a landsdeel goes about the transformation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Koers {
    /// Converts its closed groups into small-scale units and is all small-scale by 2025.
    pub koploper: bool,
    /// Alternative places built per closed place removed.
    pub tempo: f64,
    /// Months between closing places and the alternatives opening.
    pub vertraging: i64,
    /// Relative propensity for doorplaatsingen (Twente: about one in three before central
    /// placement coordination).
    pub doorplaatsing: f64,
    /// Who requests authorisations there.
    pub gi: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct Landsdeel {
    pub code: &'static str,
    pub naam: &'static str,
    pub koers: Koers,
}

#[derive(Debug, Clone)]
pub(crate) struct Regio {
    pub code: String,
    pub naam: String,
    pub landsdeel: usize,
    pub gewicht: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Gemeente {
    pub code: String,
    pub naam: String,
    pub regio: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Aanbieder {
    pub id: String,
    pub naam: String,
    pub landsdeel: usize,
    /// Facilities created so far (for ids).
    teller: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Voorziening {
    pub id: String,
    pub naam: String,
    pub aanbieder: usize,
    pub gemeente: usize,
    pub vorm: Vorm,
    pub regime: Regime,
    pub geregistreerd: NaiveDate,
    /// Places at the start of the history (facilities that already existed).
    pub beginstand: Option<u32>,
    /// Planned closure date (capacity 0 from then).
    pub sluit: Option<NaiveDate>,
    /// Planned capacity changes after the start: (date, delta).
    pub plan: Vec<(NaiveDate, i64)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Actie {
    Registreer(usize),
    Open {
        vz: usize,
        n: u32,
    },
    Sluit {
        vz: usize,
        n: u32,
        reden: &'static str,
    },
    Ombouw {
        van: usize,
        naar: usize,
        uit: u32,
        r#in: u32,
        reden: &'static str,
    },
    Opheffen {
        vz: usize,
        reden: &'static str,
    },
}

pub(crate) struct World {
    pub t0: NaiveDate,
    pub eind: NaiveDate,
    pub landsdelen: Vec<Landsdeel>,
    pub regios: Vec<Regio>,
    pub gemeenten: Vec<Gemeente>,
    pub aanbieders: Vec<Aanbieder>,
    pub voorzieningen: Vec<Voorziening>,
    /// Capacity actions by date (stable order within a date).
    pub acties: Vec<(NaiveDate, Actie)>,
    /// Targets with the date they were decided (recorded).
    pub doelen: Vec<(NaiveDate, CapaciteitsdoelVastgesteld)>,
    /// Cumulative region weights per landsdeel: (region indices, cumulative weights).
    pub regio_keuze: Vec<(Vec<usize>, Vec<f64>)>,
    /// Cumulative gemeente weights per region.
    pub gemeente_keuze: Vec<(Vec<usize>, Vec<f64>)>,
    /// Facility indices per segment (landsdeel × form × regime).
    pub segmenten: Vec<Vec<usize>>,
}

pub(crate) fn vorm_index(v: Vorm) -> usize {
    Vorm::ALL.iter().position(|x| *x == v).unwrap_or(0)
}

/// Index of a (landsdeel, form, regime) segment.
pub(crate) fn segment(landsdeel: usize, vorm: Vorm, regime: Regime) -> usize {
    (landsdeel * Vorm::ALL.len() + vorm_index(vorm)) * 2 + usize::from(regime == Regime::Open)
}

pub(crate) fn aantal_segmenten() -> usize {
    LANDSDELEN.len() * Vorm::ALL.len() * 2
}

struct Planner<'a> {
    cfg: &'a DemoConfig,
    r: Random,
    w: World,
    /// Planned capacity per facility as the plan is built month by month.
    cap: Vec<i64>,
    /// The open (non-closed-care) provider of each landsdeel, and per region (all-residential).
    open_aanbieder: Vec<usize>,
    regio_aanbieder: Vec<usize>,
    /// Per landsdeel: closed places removed so far by date, for the alternatives' lag.
    afgebouwd: Vec<Vec<(NaiveDate, f64)>>,
    alternatief_gebouwd: Vec<f64>,
    gemeente_per_landsdeel: Vec<(Vec<usize>, Vec<f64>)>,
}

impl World {
    /// The landscape and its plan for a configuration.
    pub(crate) fn build(cfg: &DemoConfig) -> World {
        let t0 = ymd(cfg.from_year, 1, 1);
        let eind = ymd(cfg.to_year + 1, 1, 1);
        let mut p = Planner {
            cfg,
            r: Random::new(cfg.seed, 1),
            w: World {
                t0,
                eind,
                landsdelen: Vec::new(),
                regios: Vec::new(),
                gemeenten: Vec::new(),
                aanbieders: Vec::new(),
                voorzieningen: Vec::new(),
                acties: Vec::new(),
                doelen: Vec::new(),
                regio_keuze: Vec::new(),
                gemeente_keuze: Vec::new(),
                segmenten: vec![Vec::new(); aantal_segmenten()],
            },
            cap: Vec::new(),
            open_aanbieder: Vec::new(),
            regio_aanbieder: Vec::new(),
            afgebouwd: vec![Vec::new(); LANDSDELEN.len()],
            alternatief_gebouwd: vec![0.0; LANDSDELEN.len()],
            gemeente_per_landsdeel: Vec::new(),
        };
        p.stamgegevens();
        p.beginstand();
        p.doelen();
        let mut t = next_month(t0);
        while t < eind {
            for l in 0..p.w.landsdelen.len() {
                p.volg_gesloten(l, t);
                p.bouw_alternatieven(l, t);
                if cfg.scope == Scope::AllResidential {
                    for ov in OPEN_VORMEN {
                        p.volg_open(l, ov, t);
                    }
                }
            }
            t = next_month(t);
        }
        // Actions were pushed in date order per month; a stable sort keeps the order
        // within a date (registration before the ombouw into the new facility).
        p.w.acties.sort_by_key(|a| a.0);
        p.w
    }

    pub(crate) fn landsdeel_index(&self, code: &str) -> usize {
        self.landsdelen
            .iter()
            .position(|l| l.code == code)
            .unwrap_or(0)
    }
}

/// Lagging landsdelen fall back on ad-hoc one-to-one placements from 2022 on.
pub(crate) fn een_op_een_factor(l: &Landsdeel, vorm: Vorm, t: NaiveDate) -> f64 {
    if vorm == Vorm::EenOpEen && !l.koers.koploper && t >= ymd(2022, 1, 1) {
        2.5
    } else {
        1.0
    }
}

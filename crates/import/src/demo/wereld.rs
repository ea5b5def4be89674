//! The landscape: landsdelen, jeugdregio's, gemeenten, providers, facilities, and the plan
//! of every capacity change (opbouw, afbouw, ombouw, closures) and target over the years.
//!
//! The plan is made up front (it is small: hundreds to a few thousand facilities) so the
//! youth simulation can look ahead: a provider stops admitting to a group it will close
//! and a facility that will shrink fills up to its future size only.

use chrono::{Datelike, NaiveDate};
use kringloop_events::referentie::{LANDSDELEN, ZUID_WEST_GEMEENTEN, ZUID_WEST_REGIOS};
use kringloop_events::{CapaciteitsdoelVastgesteld, DoelScope, Regime, Vorm};

use super::datum::{plus_dagen, volgende_maand, ymd};
use super::kalibratie::{self, OPEN_AANDEEL, OPEN_BEZETTING_DOEL, OPEN_VORMEN};
use super::toeval::{Toeval, cumulatief};
use super::{DemoConfig, Scope};

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

/// Per landsdeel in [`LANDSDELEN`] order: Noord, Oost, Zuid, Zuid-West, Noord-West.
/// Zuid-West and Oost keep pace with their closures; Noord and Noord-West lag (the
/// alternatives come a year later and at half the volume), Zuid sits in between.
const KOERSEN: [Koers; 5] = [
    Koers {
        koploper: false,
        tempo: 0.5,
        vertraging: 12,
        doorplaatsing: 1.0,
        gi: "Jeugdbescherming Noord",
    },
    Koers {
        koploper: true,
        tempo: 1.2,
        vertraging: 2,
        doorplaatsing: 1.5,
        gi: "Jeugdbescherming Oost",
    },
    Koers {
        koploper: false,
        tempo: 0.8,
        vertraging: 8,
        doorplaatsing: 0.9,
        gi: "Jeugdbescherming Brabant-Limburg",
    },
    Koers {
        koploper: true,
        tempo: 1.1,
        vertraging: 0,
        doorplaatsing: 0.7,
        gi: "JB West",
    },
    Koers {
        koploper: false,
        tempo: 0.5,
        vertraging: 12,
        doorplaatsing: 1.0,
        gi: "Jeugdbescherming Noord-West",
    },
];

/// The 37 jeugdregio's outside Zuid-West (code, naam, landsdeel, weight). Names are the
/// real regions where known; two Oost regions are synthetic to reach the 42.
const OVERIGE_REGIOS: [(&str, &str, &str, f64); 37] = [
    ("GRONINGEN", "Groningen", "NOORD", 1.4),
    ("FRIESLAND", "Fryslân", "NOORD", 1.5),
    ("DRENTHE", "Drenthe", "NOORD", 1.2),
    ("TWENTE", "Twente", "OOST", 1.6),
    ("IJSSELLAND", "IJsselland", "OOST", 1.3),
    ("ACHTERHOEK", "Achterhoek", "OOST", 0.9),
    (
        "MIDDEN_IJSSEL_OOST_VELUWE",
        "Midden-IJssel/Oost-Veluwe",
        "OOST",
        1.0,
    ),
    ("NOORD_VELUWE", "Noord-Veluwe", "OOST", 0.6),
    ("FOODVALLEY", "Foodvalley", "OOST", 0.9),
    ("CENTRAAL_GELDERLAND", "Centraal Gelderland", "OOST", 1.4),
    ("RIJK_VAN_NIJMEGEN", "Rijk van Nijmegen", "OOST", 1.1),
    ("RIVIERENLAND", "Rivierenland", "OOST", 0.6),
    ("FLEVOLAND", "Flevoland", "OOST", 1.1),
    ("OOST_11", "Oost-regio 11 (synthetisch)", "OOST", 0.5),
    ("OOST_12", "Oost-regio 12 (synthetisch)", "OOST", 0.5),
    ("WEST_BRABANT_WEST", "West-Brabant-West", "ZUID", 0.9),
    ("WEST_BRABANT_OOST", "West-Brabant-Oost", "ZUID", 0.9),
    ("HART_VAN_BRABANT", "Hart van Brabant", "ZUID", 1.2),
    ("NOORDOOST_BRABANT", "Noordoost-Brabant", "ZUID", 1.4),
    ("ZUIDOOST_BRABANT", "Zuidoost-Brabant", "ZUID", 1.6),
    ("HELMOND_DE_PEEL", "Helmond-De Peel", "ZUID", 0.6),
    ("NOORD_LIMBURG", "Noord-Limburg", "ZUID", 0.7),
    ("MIDDEN_LIMBURG", "Midden-Limburg", "ZUID", 0.6),
    ("ZUID_LIMBURG", "Zuid-Limburg", "ZUID", 1.4),
    ("ZEELAND", "Zeeland", "ZUID", 0.9),
    (
        "AMSTERDAM_AMSTELLAND",
        "Amsterdam-Amstelland",
        "NOORD_WEST",
        3.0,
    ),
    (
        "ZAANSTREEK_WATERLAND",
        "Zaanstreek-Waterland",
        "NOORD_WEST",
        0.8,
    ),
    ("KENNEMERLAND", "Kennemerland", "NOORD_WEST", 1.1),
    ("IJMOND", "IJmond", "NOORD_WEST", 0.4),
    (
        "NOORD_HOLLAND_NOORD",
        "Noord-Holland-Noord",
        "NOORD_WEST",
        1.5,
    ),
    (
        "GOOI_EN_VECHTSTREEK",
        "Gooi en Vechtstreek",
        "NOORD_WEST",
        0.6,
    ),
    ("HAARLEMMERMEER", "Haarlemmermeer", "NOORD_WEST", 0.4),
    ("UTRECHT_STAD", "Utrecht stad", "NOORD_WEST", 1.3),
    ("LEKSTROOM", "Lekstroom", "NOORD_WEST", 0.5),
    ("UTRECHT_WEST", "Utrecht West", "NOORD_WEST", 0.5),
    ("ZUIDOOST_UTRECHT", "Zuidoost-Utrecht", "NOORD_WEST", 0.7),
    ("AMERSFOORT", "Eemland/Amersfoort", "NOORD_WEST", 1.0),
];

/// Weight of the larger Zuid-West gemeenten (others 1).
const ZUID_WEST_GEWICHTEN: [(&str, f64); 8] = [
    ("GM0599", 9.0),
    ("GM0518", 7.5),
    ("GM0546", 1.8),
    ("GM0505", 1.8),
    ("GM0637", 1.7),
    ("GM0503", 1.5),
    ("GM1783", 1.5),
    ("GM0484", 1.5),
];

/// Closed-care (JZ+) providers per landsdeel. Horizon and Schakenbosch are Zuid-West's
/// (DOMAIN.md); Pluryn, OG Heldring and Spirit are known JZ+ providers; the rest are
/// synthetic and say so.
const GESLOTEN_AANBIEDERS: [(&str, &str, &str); 13] = [
    (
        "NOORDERKIMPLUS",
        "Noorderkim Jeugdzorg Plus (synthetisch)",
        "NOORD",
    ),
    ("WADDENPLUS", "Wadden Jeugdzorg Plus (synthetisch)", "NOORD"),
    ("PLURYN", "Pluryn", "OOST"),
    ("OGHELDRING", "OG Heldringstichting", "OOST"),
    ("IJSSELPLUS", "IJssel Jeugdzorg Plus (synthetisch)", "OOST"),
    (
        "BRABANTPLUS",
        "Brabant Jeugdzorg Plus (synthetisch)",
        "ZUID",
    ),
    ("MAASPLUS", "Maasdal Jeugdzorg Plus (synthetisch)", "ZUID"),
    (
        "SCHELDEPLUS",
        "Schelde Jeugdzorg Plus (synthetisch)",
        "ZUID",
    ),
    ("HORIZON", "Horizon", "ZUID_WEST"),
    ("SCHAKENBOSCH", "Schakenbosch", "ZUID_WEST"),
    ("SPIRIT", "Spirit", "NOORD_WEST"),
    (
        "DOMSTADPLUS",
        "Domstad Jeugdzorg Plus (synthetisch)",
        "NOORD_WEST",
    ),
    (
        "DUINPLUS",
        "Duin Jeugdzorg Plus (synthetisch)",
        "NOORD_WEST",
    ),
];

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

pub(crate) struct Wereld {
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
    r: Toeval,
    w: Wereld,
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

impl Wereld {
    /// The landscape and its plan for a configuration.
    pub(crate) fn bouw(cfg: &DemoConfig) -> Wereld {
        let t0 = ymd(cfg.from_year, 1, 1);
        let eind = ymd(cfg.to_year + 1, 1, 1);
        let mut p = Planner {
            cfg,
            r: Toeval::new(cfg.seed, 1),
            w: Wereld {
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
        let mut t = volgende_maand(t0);
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
            t = volgende_maand(t);
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

impl Planner<'_> {
    fn stamgegevens(&mut self) {
        for (i, (code, naam)) in LANDSDELEN.iter().enumerate() {
            self.w.landsdelen.push(Landsdeel {
                code,
                naam,
                koers: KOERSEN[i],
            });
        }
        let ld = |w: &Wereld, c: &str| w.landsdeel_index(c);
        // Zuid-West: the real regions and their 52 gemeenten.
        for (code, naam, landsdeel) in ZUID_WEST_REGIOS {
            let gewicht = match code {
                "RIJNMOND" => 3.0,
                "HAAGLANDEN" => 2.6,
                "HOLLAND_RIJNLAND" => 1.6,
                "ZUID_HOLLAND_ZUID" => 1.1,
                _ => 0.8,
            };
            let l = ld(&self.w, landsdeel);
            self.w.regios.push(Regio {
                code: code.to_owned(),
                naam: naam.to_owned(),
                landsdeel: l,
                gewicht,
            });
        }
        let mut gewichten: Vec<f64> = Vec::new();
        for (code, naam, regio) in ZUID_WEST_GEMEENTEN {
            let r = self
                .w
                .regios
                .iter()
                .position(|x| x.code == regio)
                .unwrap_or(0);
            self.w.gemeenten.push(Gemeente {
                code: code.to_owned(),
                naam: naam.to_owned(),
                regio: r,
            });
            gewichten.push(
                ZUID_WEST_GEWICHTEN
                    .iter()
                    .find(|g| g.0 == code)
                    .map_or(1.0, |g| g.1),
            );
        }
        // Elsewhere: real region names, generated gemeenten with codes GM9001… that no
        // real gemeente has (CBS codes stay below 2000), so they cannot be mistaken.
        let mut volgnummer = 9001;
        for (code, naam, landsdeel, gewicht) in OVERIGE_REGIOS {
            let l = ld(&self.w, landsdeel);
            let r = self.w.regios.len();
            self.w.regios.push(Regio {
                code: code.to_owned(),
                naam: naam.to_owned(),
                landsdeel: l,
                gewicht,
            });
            let n = self.r.tussen(4, 12);
            for i in 1..=n {
                self.w.gemeenten.push(Gemeente {
                    code: format!("GM{volgnummer}"),
                    naam: format!("{naam} gemeente {i} (synthetisch)"),
                    regio: r,
                });
                volgnummer += 1;
                // The first gemeente is the regional centre.
                gewichten.push(if i == 1 { 4.0 } else { 0.5 + self.r.f64() });
            }
        }
        for l in 0..self.w.landsdelen.len() {
            let idx: Vec<usize> = (0..self.w.regios.len())
                .filter(|r| self.w.regios[*r].landsdeel == l)
                .collect();
            let cum = cumulatief(idx.iter().map(|r| self.w.regios[*r].gewicht));
            self.w.regio_keuze.push((idx, cum));
            let gidx: Vec<usize> = (0..self.w.gemeenten.len())
                .filter(|g| self.w.regios[self.w.gemeenten[*g].regio].landsdeel == l)
                .collect();
            let gcum = cumulatief(gidx.iter().map(|g| gewichten[*g]));
            self.gemeente_per_landsdeel.push((gidx, gcum));
        }
        for r in 0..self.w.regios.len() {
            let idx: Vec<usize> = (0..self.w.gemeenten.len())
                .filter(|g| self.w.gemeenten[*g].regio == r)
                .collect();
            let cum = cumulatief(idx.iter().map(|g| gewichten[*g]));
            self.w.gemeente_keuze.push((idx, cum));
        }
        for (id, naam, landsdeel) in GESLOTEN_AANBIEDERS {
            let l = ld(&self.w, landsdeel);
            self.aanbieder(id.to_owned(), naam.to_owned(), l);
        }
        for l in 0..self.w.landsdelen.len() {
            let naam = self.w.landsdelen[l].naam;
            let code = self.w.landsdelen[l].code.replace('_', "");
            let a = self.aanbieder(
                format!("KLEINWONEN{code}"),
                format!("Kleinschalig Wonen {naam} (synthetisch)"),
                l,
            );
            self.open_aanbieder.push(a);
        }
        if self.cfg.scope == Scope::AllResidential {
            for r in 0..self.w.regios.len() {
                let (code, naam, l) = {
                    let x = &self.w.regios[r];
                    (x.code.replace('_', ""), x.naam.clone(), x.landsdeel)
                };
                let a = self.aanbieder(
                    format!("JH{code}"),
                    format!("Jeugdhulp {naam} (synthetisch)"),
                    l,
                );
                self.regio_aanbieder.push(a);
            }
        }
    }

    fn aanbieder(&mut self, id: String, naam: String, landsdeel: usize) -> usize {
        self.w.aanbieders.push(Aanbieder {
            id,
            naam,
            landsdeel,
            teller: 0,
        });
        self.w.aanbieders.len() - 1
    }

    fn gemeente_in(&mut self, l: usize) -> usize {
        let (idx, cum) = &self.gemeente_per_landsdeel[l];
        let i = self.r.gewogen(cum);
        idx.get(i).copied().unwrap_or(0)
    }

    /// Adds a facility (not yet in the plan's actions).
    #[allow(clippy::too_many_arguments)]
    fn voorziening(
        &mut self,
        aanbieder: usize,
        gemeente: usize,
        vorm: Vorm,
        regime: Regime,
        geregistreerd: NaiveDate,
        beginstand: Option<u32>,
    ) -> usize {
        let a = &mut self.w.aanbieders[aanbieder];
        a.teller += 1;
        let id = format!("{}-{:03}", a.id, a.teller);
        let soort = match (vorm, regime) {
            (Vorm::Groep, Regime::Gesloten) => "gesloten groep",
            (Vorm::Kleinschalig, Regime::Gesloten) => "besloten kleinschalig",
            (Vorm::Groep, Regime::Open) => "open groep",
            (Vorm::Kleinschalig, _) => "kleinschalig wonen",
            (Vorm::Gezinshuis, _) => "gezinshuis",
            (Vorm::Pleegzorg, _) => "pleegzorg",
            (Vorm::Gezinsopname, _) => "gezinsopname",
            (Vorm::Driemilieu, _) => "driemilieuvoorziening",
            (Vorm::EenOpEen, _) => "een-op-eenplek",
            (Vorm::Crisis, _) => "crisisopvang",
            (Vorm::Ambulant, _) => "intensief ambulant team",
        };
        let naam = format!(
            "{} {} {} {}",
            a.naam, soort, self.w.gemeenten[gemeente].naam, a.teller
        );
        let landsdeel = self.w.regios[self.w.gemeenten[gemeente].regio].landsdeel;
        self.w.voorzieningen.push(Voorziening {
            id,
            naam,
            aanbieder,
            gemeente,
            vorm,
            regime,
            geregistreerd,
            beginstand,
            sluit: None,
            plan: Vec::new(),
        });
        self.cap.push(i64::from(beginstand.unwrap_or(0)));
        let vz = self.w.voorzieningen.len() - 1;
        self.w.segmenten[segment(landsdeel, vorm, regime)].push(vz);
        vz
    }

    fn schaal(&self, x: f64) -> f64 {
        x * self.cfg.scale
    }

    /// A registration date for a facility that already existed before the history starts.
    fn oude_datum(&mut self) -> NaiveDate {
        let jaren = self.r.tussen(1, 14);
        let d = ymd(self.w.t0.year() - jaren as i32, 1, 1);
        plus_dagen(d, self.r.tussen(0, 360))
    }

    fn beginstand(&mut self) {
        let t0 = self.w.t0;
        for l in 0..self.w.landsdelen.len() {
            let code = self.w.landsdelen[l].code;
            let cap0 = self
                .schaal(kalibratie::gesloten_capaciteit(code, t0))
                .round() as i64;
            let aanbieders: Vec<usize> = (0..GESLOTEN_AANBIEDERS.len())
                .filter(|a| self.w.aanbieders[*a].landsdeel == l)
                .collect();
            // Locations of 24–48 places: groups of 8, the last group may be smaller.
            let n_loc = ((cap0 as f64 / 36.0).round() as i64).max(1);
            let mut rest = cap0;
            for i in 0..n_loc {
                let n = if i == n_loc - 1 { rest } else { cap0 / n_loc };
                rest -= n;
                if n <= 0 {
                    continue;
                }
                let a = aanbieders[(i as usize) % aanbieders.len().max(1)];
                let g = if self.w.aanbieders[a].id == "SCHAKENBOSCH" {
                    // Schakenbosch is in Leidschendam-Voorburg.
                    self.w
                        .gemeenten
                        .iter()
                        .position(|x| x.code == "GM1916")
                        .unwrap_or(0)
                } else {
                    self.gemeente_in(l)
                };
                let d = self.oude_datum();
                self.voorziening(a, g, Vorm::Groep, Regime::Gesloten, d, Some(n as u32));
            }
            // Some open small-scale homes and an ambulant team already existed, so that a
            // step-down doorplaatsing has somewhere to go from the start.
            if self.cfg.scope == Scope::JeugdzorgPlus {
                let n = (self.schaal(3.0)).ceil() as usize;
                for i in 0..n {
                    let a = if i % 2 == 0 {
                        aanbieders[i % aanbieders.len().max(1)]
                    } else {
                        self.open_aanbieder[l]
                    };
                    let g = self.gemeente_in(l);
                    let d = self.oude_datum();
                    let size = self.r.tussen(4, 6) as u32;
                    self.voorziening(a, g, Vorm::Kleinschalig, Regime::Open, d, Some(size));
                }
            } else {
                for ov in OPEN_VORMEN {
                    let doel = self.open_doel(l, ov, t0);
                    let mut som = 0.0;
                    while som < doel {
                        let size = self
                            .r
                            .tussen(i64::from(ov.grootte.0), i64::from(ov.grootte.1));
                        let a = self.open_aanbieder_voor(l);
                        let g = self.gemeente_in(l);
                        let d = self.oude_datum();
                        self.voorziening(a, g, ov.vorm, Regime::Open, d, Some(size as u32));
                        som += size as f64;
                    }
                }
            }
        }
    }

    fn open_aanbieder_voor(&mut self, l: usize) -> usize {
        if self.regio_aanbieder.is_empty() {
            return self.open_aanbieder[l];
        }
        let (idx, cum) = &self.w.regio_keuze[l];
        let r = idx.get(self.r.gewogen(cum)).copied().unwrap_or(0);
        self.regio_aanbieder
            .get(r)
            .copied()
            .unwrap_or(self.open_aanbieder[l])
    }

    fn doelen(&mut self) {
        let t0 = self.w.t0;
        let s = self.cfg.scale;
        let na = |d: NaiveDate| if d < t0 { t0 } else { d };
        let zw = || DoelScope::Landsdeel("ZUID_WEST".to_owned());
        // Zuid-West's regional plan: 235 closed places → 100 in 2024.
        self.w.doelen.push((
            t0,
            CapaciteitsdoelVastgesteld {
                scope: zw(),
                regime: Some(Regime::Gesloten),
                vorm: None,
                plaatsen: (235.0 * s).round() as u32,
                datum: ymd(2019, 1, 1),
            },
        ));
        self.w.doelen.push((
            na(ymd(2019, 7, 1)),
            CapaciteitsdoelVastgesteld {
                scope: zw(),
                regime: Some(Regime::Gesloten),
                vorm: None,
                plaatsen: (100.0 * s).round() as u32,
                datum: ymd(2024, 1, 1),
            },
        ));
        // Hervormingsagenda (2023): all closed care small-scale by 2025, closed places as
        // close to zero as possible by 2030.
        self.w.doelen.push((
            na(ymd(2023, 6, 1)),
            CapaciteitsdoelVastgesteld {
                scope: DoelScope::Landelijk,
                regime: Some(Regime::Gesloten),
                vorm: Some(Vorm::Groep),
                plaatsen: 0,
                datum: ymd(2025, 1, 1),
            },
        ));
        self.w.doelen.push((
            na(ymd(2023, 6, 1)),
            CapaciteitsdoelVastgesteld {
                scope: DoelScope::Landelijk,
                regime: Some(Regime::Gesloten),
                vorm: None,
                plaatsen: (581.0 * s).round() as u32,
                datum: ymd(2024, 1, 1),
            },
        ));
        self.w.doelen.push((
            na(ymd(2023, 6, 1)),
            CapaciteitsdoelVastgesteld {
                scope: DoelScope::Landelijk,
                regime: Some(Regime::Gesloten),
                vorm: None,
                plaatsen: 0,
                datum: ymd(2030, 1, 1),
            },
        ));
        let eind = self.w.eind;
        self.w.doelen.retain(|(d, _)| *d < eind);
    }

    fn actie(&mut self, d: NaiveDate, a: Actie) {
        match &a {
            Actie::Open { vz, n } => {
                self.cap[*vz] += i64::from(*n);
                self.w.voorzieningen[*vz].plan.push((d, i64::from(*n)));
            }
            Actie::Sluit { vz, n, .. } => {
                self.cap[*vz] -= i64::from(*n);
                self.w.voorzieningen[*vz].plan.push((d, -i64::from(*n)));
            }
            Actie::Ombouw {
                van,
                naar,
                uit,
                r#in,
                ..
            } => {
                self.cap[*van] -= i64::from(*uit);
                self.cap[*naar] += i64::from(*r#in);
                self.w.voorzieningen[*van].plan.push((d, -i64::from(*uit)));
                self.w.voorzieningen[*naar].plan.push((d, i64::from(*r#in)));
            }
            Actie::Opheffen { vz, .. } => {
                let rest = self.cap[*vz];
                self.cap[*vz] = 0;
                self.w.voorzieningen[*vz].sluit = Some(d);
                self.w.voorzieningen[*vz].plan.push((d, -rest));
            }
            Actie::Registreer(_) => {}
        }
        self.w.acties.push((d, a));
    }

    fn actief(&self, vz: usize) -> bool {
        self.w.voorzieningen[vz].sluit.is_none()
    }

    fn segment_cap(&self, l: usize, vorm: Vorm, regime: Regime) -> i64 {
        self.w.segmenten[segment(l, vorm, regime)]
            .iter()
            .filter(|v| self.actief(**v))
            .map(|v| self.cap[*v])
            .sum()
    }

    fn nieuwe(
        &mut self,
        aanbieder: usize,
        l: usize,
        vorm: Vorm,
        regime: Regime,
        d: NaiveDate,
    ) -> usize {
        let g = self.gemeente_in(l);
        let vz = self.voorziening(aanbieder, g, vorm, regime, d, None);
        self.actie(d, Actie::Registreer(vz));
        vz
    }

    /// Follows the closed-capacity trajectory of one landsdeel in month `t`.
    fn volg_gesloten(&mut self, l: usize, t: NaiveDate) {
        let code = self.w.landsdelen[l].code;
        let koers = self.w.landsdelen[l].koers;
        let doel = self.schaal(kalibratie::gesloten_capaciteit(code, t));
        for _ in 0..12 {
            let huidig = (self.segment_cap(l, Vorm::Groep, Regime::Gesloten)
                + self.segment_cap(l, Vorm::Kleinschalig, Regime::Gesloten))
                as f64;
            if huidig - doel >= 4.0 {
                let verwijderd = self.afbouw_gesloten(l, t, koers, huidig - doel);
                if verwijderd == 0 {
                    break;
                }
                self.afgebouwd[l].push((t, verwijderd as f64));
            } else if doel - huidig >= 6.0 {
                // The trajectory rises a little (other landsdelen taking over Zuid-West's
                // youths): extra places in an existing closed unit.
                let groepen = self.w.segmenten[segment(l, Vorm::Groep, Regime::Gesloten)].clone();
                if let Some(vz) = groepen
                    .into_iter()
                    .filter(|v| self.actief(*v))
                    .max_by_key(|v| self.cap[*v])
                {
                    self.actie(t, Actie::Open { vz, n: 6 });
                } else {
                    let a = self.gesloten_aanbieder(l);
                    let vz = self.nieuwe(a, l, Vorm::Kleinschalig, Regime::Gesloten, t);
                    self.actie(t, Actie::Open { vz, n: 6 });
                }
            } else {
                break;
            }
        }
        // Koplopers are all small-scale by 2025: from mid-2024 one remaining closed group
        // a month is converted into a closed small-scale unit.
        if koers.koploper && t >= ymd(2024, 6, 1) {
            let groepen = self.w.segmenten[segment(l, Vorm::Groep, Regime::Gesloten)].clone();
            if let Some(van) = groepen
                .into_iter()
                .find(|v| self.actief(*v) && self.cap[*v] > 0)
            {
                let uit = self.cap[van].min(8) as u32;
                let r#in = uit.min(6);
                let a = self.w.voorzieningen[van].aanbieder;
                let naar = self.nieuwe(a, l, Vorm::Kleinschalig, Regime::Gesloten, t);
                self.actie(
                    t,
                    Actie::Ombouw {
                        van,
                        naar,
                        uit,
                        r#in,
                        reden: "ombouw naar besloten kleinschalig",
                    },
                );
                if self.cap[van] == 0 {
                    self.actie(
                        t,
                        Actie::Opheffen {
                            vz: van,
                            reden: "locatie volledig omgebouwd",
                        },
                    );
                }
                self.afgebouwd[l].push((t, f64::from(uit - r#in)));
            }
        }
    }

    fn gesloten_aanbieder(&mut self, l: usize) -> usize {
        let opties: Vec<usize> = (0..GESLOTEN_AANBIEDERS.len())
            .filter(|a| self.w.aanbieders[*a].landsdeel == l)
            .collect();
        opties.get(self.r.index(opties.len())).copied().unwrap_or(0)
    }

    /// Removes closed places in landsdeel `l`; returns how many closed places went.
    fn afbouw_gesloten(&mut self, l: usize, t: NaiveDate, koers: Koers, teveel: f64) -> i64 {
        let groepen: Vec<usize> = self.w.segmenten[segment(l, Vorm::Groep, Regime::Gesloten)]
            .iter()
            .copied()
            .filter(|v| self.actief(*v) && self.cap[*v] > 0)
            .collect();
        let kleinschalig: Vec<usize> = self.w.segmenten
            [segment(l, Vorm::Kleinschalig, Regime::Gesloten)]
        .iter()
        .copied()
        .filter(|v| self.actief(*v) && self.cap[*v] > 0)
        .collect();
        let Some(vz) = groepen
            .iter()
            .copied()
            .max_by_key(|v| self.cap[*v])
            .or_else(|| kleinschalig.iter().copied().min_by_key(|v| self.cap[*v]))
        else {
            return 0;
        };
        let cap = self.cap[vz];
        if cap <= 8 {
            self.actie(
                t,
                Actie::Opheffen {
                    vz,
                    reden: "locatie gesloten (afbouw)",
                },
            );
            return cap;
        }
        if self.w.voorzieningen[vz].vorm == Vorm::Kleinschalig {
            let n = (teveel.round() as i64).clamp(1, cap - 1) as u32;
            self.actie(
                t,
                Actie::Sluit {
                    vz,
                    n,
                    reden: "afbouw besloten kleinschalig",
                },
            );
            return i64::from(n);
        }
        let x = self.r.f64();
        let a = self.w.voorzieningen[vz].aanbieder;
        let (p_besloten, p_open) = if koers.koploper {
            (0.45, 0.30)
        } else {
            (0.05, 0.20)
        };
        if x < p_besloten {
            // A closed group of 8 becomes a closed small-scale unit of 4–6.
            let r#in = self.r.tussen(4, 6) as u32;
            let naar = self.nieuwe(a, l, Vorm::Kleinschalig, Regime::Gesloten, t);
            self.actie(
                t,
                Actie::Ombouw {
                    van: vz,
                    naar,
                    uit: 8,
                    r#in,
                    reden: "ombouw naar besloten kleinschalig",
                },
            );
            8 - i64::from(r#in)
        } else if x < p_besloten + p_open {
            // A closed group of 8 becomes an open small-scale home of 4–6.
            let r#in = self.r.tussen(4, 6) as u32;
            let naar = self.nieuwe(a, l, Vorm::Kleinschalig, Regime::Open, t);
            self.actie(
                t,
                Actie::Ombouw {
                    van: vz,
                    naar,
                    uit: 8,
                    r#in,
                    reden: "ombouw naar open kleinschalig",
                },
            );
            8
        } else {
            self.actie(
                t,
                Actie::Sluit {
                    vz,
                    n: 8,
                    reden: "groep gesloten (afbouw)",
                },
            );
            8
        }
    }

    /// Opbouw of alternatives: places removed `vertraging` months ago × `tempo`.
    fn bouw_alternatieven(&mut self, l: usize, t: NaiveDate) {
        let koers = self.w.landsdelen[l].koers;
        let grens = t - chrono::Months::new(koers.vertraging as u32);
        // Lagging landsdelen catch up from 2024 on.
        let tempo = if !koers.koploper && t >= ymd(2024, 1, 1) {
            koers.tempo + 0.5
        } else {
            koers.tempo
        };
        let weg: f64 = self.afgebouwd[l]
            .iter()
            .filter(|(d, _)| *d <= grens)
            .map(|(_, n)| n)
            .sum();
        for _ in 0..8 {
            if weg * tempo - self.alternatief_gebouwd[l] < 4.0 {
                break;
            }
            let vorm = self
                .r
                .kies(&[
                    (Vorm::Kleinschalig, 0.5),
                    (Vorm::Gezinshuis, 0.25),
                    (Vorm::Ambulant, 0.15),
                    (Vorm::Driemilieu, 0.10),
                ])
                .unwrap_or(Vorm::Kleinschalig);
            let n = match vorm {
                Vorm::Ambulant => self.r.tussen(10, 15),
                Vorm::Driemilieu => self.r.tussen(6, 8),
                _ => self.r.tussen(4, 6),
            } as u32;
            let a = if self.r.kans(0.5) {
                self.gesloten_aanbieder(l)
            } else {
                self.open_aanbieder[l]
            };
            let vz = self.nieuwe(a, l, vorm, Regime::Open, t);
            self.actie(t, Actie::Open { vz, n });
            self.alternatief_gebouwd[l] += f64::from(n);
        }
    }

    /// Capacity an open form needs in a landsdeel: expected stock ÷ target occupancy.
    fn open_doel(&self, l: usize, ov: kalibratie::OpenVorm, t: NaiveDate) -> f64 {
        let code = self.w.landsdelen[l].code;
        let aandeel = OPEN_AANDEEL
            .iter()
            .find(|a| a.0 == code)
            .map_or(0.2, |a| a.1);
        let extra = een_op_een_factor(&self.w.landsdelen[l], ov.vorm, t);
        let episodes = self.schaal(ov.plaatsingen(t)) * aandeel * extra;
        episodes * ov.verblijf_maanden / 12.0 / OPEN_BEZETTING_DOEL
    }

    fn volg_open(&mut self, l: usize, ov: kalibratie::OpenVorm, t: NaiveDate) {
        let doel = self.open_doel(l, ov, t);
        let stap = f64::from(ov.grootte.0.max(4));
        for _ in 0..40 {
            let huidig = self.segment_cap(l, ov.vorm, Regime::Open) as f64;
            let leden: Vec<usize> = self.w.segmenten[segment(l, ov.vorm, Regime::Open)]
                .iter()
                .copied()
                .filter(|v| self.actief(*v) && self.cap[*v] > 0)
                .collect();
            if doel - huidig >= stap {
                let grote_vorm = matches!(ov.vorm, Vorm::Pleegzorg | Vorm::Groep);
                if grote_vorm && !leden.is_empty() && self.r.kans(0.7) {
                    let vz = leden[self.r.index(leden.len())];
                    let n = ((doel - huidig).round() as u32).clamp(1, 8);
                    self.actie(t, Actie::Open { vz, n });
                } else {
                    let a = self.open_aanbieder_voor(l);
                    let n = self
                        .r
                        .tussen(i64::from(ov.grootte.0), i64::from(ov.grootte.1))
                        as u32;
                    let vz = self.nieuwe(a, l, ov.vorm, Regime::Open, t);
                    self.actie(t, Actie::Open { vz, n });
                }
            } else if huidig - doel >= stap {
                let Some(vz) = leden.iter().copied().max_by_key(|v| self.cap[*v]) else {
                    break;
                };
                let cap = self.cap[vz];
                if matches!(ov.vorm, Vorm::Pleegzorg | Vorm::Groep) && cap > 8 {
                    let koploper = self.w.landsdelen[l].koers.koploper;
                    if ov.vorm == Vorm::Groep && koploper && self.r.kans(0.4) {
                        let a = self.w.voorzieningen[vz].aanbieder;
                        let naar = self.nieuwe(a, l, Vorm::Kleinschalig, Regime::Open, t);
                        let r#in = self.r.tussen(4, 6) as u32;
                        self.actie(
                            t,
                            Actie::Ombouw {
                                van: vz,
                                naar,
                                uit: 8,
                                r#in,
                                reden: "ombouw open groep naar kleinschalig",
                            },
                        );
                    } else {
                        let n = ((huidig - doel).round() as i64).clamp(1, 8.min(cap - 1)) as u32;
                        self.actie(
                            t,
                            Actie::Sluit {
                                vz,
                                n,
                                reden: "afbouw",
                            },
                        );
                    }
                } else {
                    // Small units close as a whole; take the smallest one.
                    let Some(klein) = leden.iter().copied().min_by_key(|v| self.cap[*v]) else {
                        break;
                    };
                    self.actie(
                        t,
                        Actie::Opheffen {
                            vz: klein,
                            reden: "voorziening gesloten",
                        },
                    );
                }
            } else {
                break;
            }
        }
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

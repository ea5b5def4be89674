//! The figures the demo world is built from (inputs) and the checks it must pass (targets).
//!
//! Inputs and targets are kept apart on purpose: the generator is steered by the input
//! tables, and [`CALIBRATION`] says what an observer must be able to measure in the
//! result. `tests/calibration.rs` measures the generated facts directly
//! ([`crate::measurement`]); `tests/calibration_projections.rs` writes the same history into a
//! store, feeds it through the projections and checks [`CALIBRATION`] on their KPIs.
//!
//! # One deliberate deviation from a literal reading of the brief
//! DOMAIN.md's capacity figures (581 closed places on 2023-12-31, 525 on 2025-06-30) are
//! for 2023–2025. Read as "580 places already in 2019" they contradict the other 2019
//! figures: 1,707 placements a year with stays of about 6.5 months need about 740 youths
//! in care, i.e. about 900 places at 80–85 % occupancy, and Zuid-West alone had 235 closed
//! places in 2019 (going to 100 in 2024). So the national trajectory here starts at 875
//! places in 2019 and reaches 581 at the end of 2023 and 525 in mid-2025. Stays lengthen
//! from about 5.5 to about 7.5 months as the inflow falls faster than the capacity (the
//! reference figures imply that too: 891 placements and 495 occupied places in 2023).

use chrono::{Datelike, NaiveDate};

use crate::date::ymd;

/// National closed (GESLOTEN) capacity on 1 January, and the part of it in Zuid-West.
/// Linear in between. Sources: DOMAIN.md reference figures (2023-12-31: 581; 2025 Q1: 526;
/// 2025-06-30: 525), seeds/001 (Zuid-West 235 → 100 in 2024); 2019–2022 derived (see the
/// module documentation).
pub const GESLOTEN_CAPACITEIT: [(i32, f64, f64); 10] = [
    (2018, 900.0, 240.0),
    (2019, 875.0, 235.0),
    (2020, 790.0, 215.0),
    (2021, 705.0, 190.0),
    (2022, 640.0, 165.0),
    (2023, 615.0, 135.0),
    (2024, 581.0, 100.0),
    (2025, 535.0, 90.0),
    (2026, 515.0, 82.0),
    (2027, 505.0, 76.0),
];

/// Closed placements per year *including* doorplaatsingen into closed facilities (NJi:
/// 2019 1,707; 2021 1,181; 2022 989; 2023 891; 2020 and 2024+ interpolated/extrapolated).
pub const GESLOTEN_PLAATSINGEN: [(i32, f64); 10] = [
    (2018, 1800.0),
    (2019, 1707.0),
    (2020, 1440.0),
    (2021, 1181.0),
    (2022, 989.0),
    (2023, 891.0),
    (2024, 860.0),
    (2025, 830.0),
    (2026, 800.0),
    (2027, 780.0),
];

/// Share of the non-Zuid-West closed capacity per landsdeel (Noord, Oost, Zuid, Noord-West).
pub const GESLOTEN_AANDEEL_OVERIG: [(&str, f64); 4] = [
    ("NOORD", 0.17),
    ("OOST", 0.30),
    ("ZUID", 0.25),
    ("NOORD_WEST", 0.28),
];

/// Target occupancy the stays are tuned to, on 1 January (Jeugdautoriteit: "doorgaans
/// tussen 80 % en 85 %", 85 % at the end of 2023, 78 % in 2025 Q1).
pub const GESLOTEN_BEZETTING_DOEL: [(i32, f64); 7] = [
    (2018, 0.82),
    (2019, 0.82),
    (2023, 0.83),
    (2024, 0.85),
    (2025, 0.81),
    (2026, 0.81),
    (2027, 0.81),
];

/// How strongly the stay of a new youth reacts to the occupancy being off target: the
/// intended stay is multiplied by 1 + this × (target − current occupancy). Stays set at
/// entry act on the stock only months later, so without this feedback the occupancy
/// drifts by ±10 points; with it, it stays within a few points of the target, like a
/// system where providers and coordinators respond to full or empty groups.
pub const BEZETTING_TERUGKOPPELING: f64 = 3.0;

/// The occupancy target on `d`.
pub fn bezetting_doel(d: NaiveDate) -> f64 {
    interpoleer(&GESLOTEN_BEZETTING_DOEL, d)
}

/// Stays drawn are cut off at the 18th birthday (and at three years), which shortens long
/// stays most; this correction per month of intended stay (measured on generated
/// histories) compensates, so the realised stock matches Little's law.
pub const VERBLIJF_CORRECTIE_PER_MAAND: f64 = 0.022;

/// Doorplaatsingen out of closed facilities per closed placement (incl. doorplaatsingen).
pub const DOORPLAATSINGSRATIO: f64 = 0.20;

/// Share of doorplaatsingen out of closed care that go to another closed facility (the
/// rest step down to open small-scale care).
pub const DOORPLAATSING_NAAR_GESLOTEN: f64 = 0.8;

/// Share of urgent (spoed) closed placements: 72 % in 2019 (Zuid-West), slowly falling.
pub fn spoedaandeel(jaar: i32) -> f64 {
    (0.72 - 0.006 * f64::from(jaar - 2019)).clamp(0.6, 0.75)
}

/// Share of closed placement requests withdrawn before a placement: (spoed, regulier).
pub const VERZOEK_INTREKKING_GESLOTEN: (f64, f64) = (0.04, 0.15);

/// Share of open-care requests (other than crisis) withdrawn before a placement.
pub const VERZOEK_INTREKKING_OPEN: f64 = 0.08;

/// Mean wait (days) of a regulier request for a closed place that is placed.
pub const WACHTTIJD_REGULIER_GESLOTEN: f64 = 42.0;

/// Share of closed placements whose request needed an open specialised form (small-scale,
/// 3-milieu, 1-op-1) that was not available: the youth is placed in closed care as a bridge.
pub const NODIG_OPEN_BIJ_GESLOTEN: f64 = 0.08;

/// Chance that a new closed episode goes to a youth whose last closed episode ended while
/// absent, when there is one (Zuid-West 2019: 33 of 439 placements "na onttrekking").
pub const P_NA_ONTTREKKING: f64 = 0.9;

/// Share of planned doorplaatsingen that are asked for with a request beforehand.
pub const P_DOORPLAATSVERZOEK: f64 = 0.35;

/// Expected share of closed requests withdrawn on `d` (for the request rate).
pub fn intrekkingsaandeel_gesloten(d: NaiveDate) -> f64 {
    let s = spoedaandeel(d.year());
    s * VERZOEK_INTREKKING_GESLOTEN.0 + (1.0 - s) * VERZOEK_INTREKKING_GESLOTEN.1
}

/// Linear interpolation in a yearly table (values on 1 January), clamped at both ends.
pub fn interpoleer(tabel: &[(i32, f64)], d: NaiveDate) -> f64 {
    let (Some(first), Some(last)) = (tabel.first(), tabel.last()) else {
        return 0.0;
    };
    if d.year() < first.0 {
        return first.1;
    }
    if d.year() >= last.0 {
        return last.1;
    }
    for w in tabel.windows(2) {
        let (a, b) = (w[0], w[1]);
        if d.year() == a.0 {
            let start = ymd(a.0, 1, 1);
            let end = ymd(b.0, 1, 1);
            let total = (end - start).num_days().max(1) as f64;
            let f = (d - start).num_days() as f64 / total;
            return a.1 + (b.1 - a.1) * f;
        }
    }
    last.1
}

/// National closed capacity (scale 1) on `d`.
pub fn gesloten_capaciteit_landelijk(d: NaiveDate) -> f64 {
    let t: Vec<(i32, f64)> = GESLOTEN_CAPACITEIT.iter().map(|r| (r.0, r.1)).collect();
    interpoleer(&t, d)
}

/// Zuid-West closed capacity (scale 1) on `d`.
pub fn gesloten_capaciteit_zuid_west(d: NaiveDate) -> f64 {
    let t: Vec<(i32, f64)> = GESLOTEN_CAPACITEIT.iter().map(|r| (r.0, r.2)).collect();
    interpoleer(&t, d)
}

/// Closed capacity (scale 1) of one landsdeel on `d`.
pub fn gesloten_capaciteit(landsdeel: &str, d: NaiveDate) -> f64 {
    if landsdeel == "ZUID_WEST" {
        return gesloten_capaciteit_zuid_west(d);
    }
    let overig = gesloten_capaciteit_landelijk(d) - gesloten_capaciteit_zuid_west(d);
    GESLOTEN_AANDEEL_OVERIG
        .iter()
        .find(|(c, _)| *c == landsdeel)
        .map_or(0.0, |(_, a)| overig * a)
}

/// Closed placements incl. doorplaatsingen a year around `d` (scale 1). The table has
/// yearly totals, so each value is placed mid-year and interpolated in between: the
/// inflow does not jump on 1 January and the year's total matches the table.
pub fn gesloten_plaatsingen(d: NaiveDate) -> f64 {
    interpoleer(&GESLOTEN_PLAATSINGEN, d - chrono::Duration::days(182))
}

/// New closed episodes per year: placements minus the doorplaatsingen from closed into
/// closed care (those are counted as placements but start no episode).
pub fn gesloten_episodes(d: NaiveDate) -> f64 {
    gesloten_plaatsingen(d) * (1.0 - DOORPLAATSINGSRATIO * DOORPLAATSING_NAAR_GESLOTEN)
}

/// Mean closed stay (months) for youths entering on `d`, chosen so that occupancy is
/// about [`GESLOTEN_BEZETTING_DOEL`] half a year later (Little's law: stock = inflow × stay). The capacity
/// is averaged over the coming half-year, because that is where the youth will stay.
pub fn gesloten_verblijf_maanden(d: NaiveDate) -> f64 {
    let later = d + chrono::Duration::days(180);
    let cap = (gesloten_capaciteit_landelijk(d) + gesloten_capaciteit_landelijk(later)) / 2.0;
    let episodes = gesloten_episodes(d).max(1.0);
    let bezetting = interpoleer(&GESLOTEN_BEZETTING_DOEL, later);
    let maanden = bezetting * cap * 12.0 / episodes;
    (maanden * (1.0 + VERBLIJF_CORRECTIE_PER_MAAND * maanden)).clamp(2.0, 14.0)
}

/// One form of open residential care in the `all-residential` scope.
#[derive(Debug, Clone, Copy)]
pub struct OpenVorm {
    pub vorm: kringloop_events::Vorm,
    /// New episodes a year nationally (scale 1) in 2019 and in 2026, linear in between.
    pub plaatsingen_2019: f64,
    pub plaatsingen_2026: f64,
    /// Mean stay in months and the log-normal shape.
    pub verblijf_maanden: f64,
    pub sigma: f64,
    /// Facility size range (places; trajectory slots for AMBULANT).
    pub grootte: (u32, u32),
    /// Youngest and oldest age at placement.
    pub leeftijd: (u8, u8),
    /// Doorplaatsingen per episode.
    pub doorplaatsing: f64,
}

/// Open residential care (plus intensive ambulant trajectories): about 50,000 episodes a
/// year nationally. Stocks follow (pleegzorg ~23,000, groups ~10,000, …), in line with
/// CBS Beleidsinformatie Jeugd orders of magnitude.
pub const OPEN_VORMEN: [OpenVorm; 9] = {
    use kringloop_events::Vorm::*;
    [
        OpenVorm {
            vorm: Groep,
            plaatsingen_2019: 13_000.0,
            plaatsingen_2026: 8_000.0,
            verblijf_maanden: 9.0,
            sigma: 0.9,
            grootte: (24, 48),
            leeftijd: (8, 17),
            doorplaatsing: 0.25,
        },
        OpenVorm {
            vorm: Kleinschalig,
            plaatsingen_2019: 3_500.0,
            plaatsingen_2026: 7_500.0,
            verblijf_maanden: 12.0,
            sigma: 0.8,
            grootte: (4, 6),
            leeftijd: (10, 17),
            doorplaatsing: 0.12,
        },
        OpenVorm {
            vorm: Gezinshuis,
            plaatsingen_2019: 2_500.0,
            plaatsingen_2026: 3_500.0,
            verblijf_maanden: 24.0,
            sigma: 0.7,
            grootte: (4, 6),
            leeftijd: (2, 16),
            doorplaatsing: 0.08,
        },
        OpenVorm {
            vorm: Pleegzorg,
            plaatsingen_2019: 14_000.0,
            plaatsingen_2026: 14_500.0,
            verblijf_maanden: 20.0,
            sigma: 1.0,
            grootte: (60, 300),
            leeftijd: (0, 16),
            doorplaatsing: 0.10,
        },
        OpenVorm {
            vorm: Gezinsopname,
            plaatsingen_2019: 1_500.0,
            plaatsingen_2026: 1_500.0,
            verblijf_maanden: 3.0,
            sigma: 0.5,
            grootte: (8, 12),
            leeftijd: (0, 12),
            doorplaatsing: 0.05,
        },
        OpenVorm {
            vorm: Driemilieu,
            plaatsingen_2019: 900.0,
            plaatsingen_2026: 900.0,
            verblijf_maanden: 8.0,
            sigma: 0.6,
            grootte: (8, 16),
            leeftijd: (8, 17),
            doorplaatsing: 0.10,
        },
        OpenVorm {
            vorm: EenOpEen,
            plaatsingen_2019: 300.0,
            plaatsingen_2026: 700.0,
            verblijf_maanden: 4.0,
            sigma: 0.8,
            grootte: (1, 2),
            leeftijd: (12, 17),
            doorplaatsing: 0.30,
        },
        OpenVorm {
            vorm: Crisis,
            plaatsingen_2019: 9_000.0,
            plaatsingen_2026: 8_500.0,
            verblijf_maanden: 1.0,
            sigma: 0.8,
            grootte: (8, 12),
            leeftijd: (0, 17),
            doorplaatsing: 0.45,
        },
        OpenVorm {
            vorm: Ambulant,
            plaatsingen_2019: 4_000.0,
            plaatsingen_2026: 7_000.0,
            verblijf_maanden: 6.0,
            sigma: 0.6,
            grootte: (10, 20),
            leeftijd: (10, 17),
            doorplaatsing: 0.0,
        },
    ]
};

impl OpenVorm {
    /// New episodes a year (scale 1) around `d`.
    pub fn plaatsingen(&self, d: NaiveDate) -> f64 {
        let f = ((d - ymd(2019, 1, 1)).num_days() as f64 / (365.25 * 7.0)).clamp(0.0, 1.0);
        self.plaatsingen_2019 + (self.plaatsingen_2026 - self.plaatsingen_2019) * f
    }
}

/// Share of the national open-care volume per landsdeel (population-like weights).
pub const OPEN_AANDEEL: [(&str, f64); 5] = [
    ("NOORD", 0.10),
    ("OOST", 0.22),
    ("ZUID", 0.21),
    ("ZUID_WEST", 0.22),
    ("NOORD_WEST", 0.25),
];

/// Target occupancy of open facilities (capacity is sized from demand with this).
pub const OPEN_BEZETTING_DOEL: f64 = 0.85;

// ------------------------------------------------------------------ the checks

/// A date as (year, month, day), so the table can be a `const`.
pub type Dag = (i32, u32, u32);

/// What is measured (on the generated facts, in valid time, with corrections applied and
/// retractions removed: "as known now"). "Closed" means regime GESLOTEN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// Closed places nationally at the start of a day.
    GeslotenPlaatsen(Dag),
    /// Closed places in landsdeel Zuid-West at the start of a day.
    GeslotenPlaatsenZuidWest(Dag),
    /// Placements starting in a closed facility plus doorplaatsingen into one, in a year.
    GeslotenPlaatsingenIncl(i32),
    /// Urgent share of placements starting in a closed facility, in a range of years.
    Spoedaandeel(i32, i32),
    /// Mean length (months of 30.44 days) of episodes that started in closed care and
    /// ended in the years given.
    GemiddeldeVerblijfsduur(i32, i32),
    /// Share of those episodes shorter than 31 days.
    AandeelKorterDanMaand(i32, i32),
    /// Share of those episodes longer than 365 days.
    AandeelLangerDanJaar(i32, i32),
    /// Doorplaatsingen out of closed facilities ÷ closed placements incl. doorplaatsingen.
    Doorplaatsingsratio(i32, i32),
    /// Active placements in closed facilities ÷ closed places at the start of a day.
    Bezettingsgraad(Dag),
    /// Share of closed episodes ended in the years with destination THUIS or NETWERK,
    /// among those with a known destination.
    UitstroomThuisNetwerk(i32, i32),
    /// Same, destination residential single-form care (OPEN_RESIDENTIEEL, KLEINSCHALIG,
    /// GEZINSHUIS, PLEEGZORG).
    UitstroomResidentieel(i32, i32),
    /// Youths waiting for a closed place (a request needing regime GESLOTEN, open that
    /// day, of a region in Zuid-West), unique per day, averaged over the 365 days centred
    /// on the date: one day alone is a handful of youths, most of them waiting weeks, and
    /// even a quarter varies by a factor two between seeds.
    WachtendenGeslotenZuidWest(Dag),
    /// Share of urgent requests fulfilled in the years that were placed within 7 days.
    SpoedBinnenWeek(i32, i32),
    /// Share of requests fulfilled in the years whose place differs in form or regime from
    /// the one needed (bridging places included).
    NietPassend(i32, i32),
    /// Mean number of distinct providers a request closed in the years was registered with.
    AanmeldingenPerVerzoek(i32, i32),
    /// Share of closed episode starts in the years of youths whose latest earlier closed
    /// episode ended while they were absent without leave.
    NaOnttrekking(i32, i32),
    /// Share of closed episode starts in the years of youths without an earlier closed
    /// episode.
    Nieuw(i32, i32),
}

/// How far a measurement may be from its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// |measured − target| ≤ fraction × target.
    Relative(f64),
    /// |measured − target| ≤ absolute amount (same unit as the target).
    Absolute(f64),
    /// measured ≤ target × (1 + fraction).
    AtMost(f64),
}

/// One calibration target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationTarget {
    pub measure: Measure,
    /// Target at scale 1.
    pub target: f64,
    pub tolerance: Tolerance,
    /// Counts (places, placements) scale with `DemoConfig::scale`; shares and means don't.
    pub scales: bool,
    /// Where the figure comes from.
    pub source: &'static str,
}

impl CalibrationTarget {
    /// The target at a given scale.
    pub fn target_at(&self, scale: f64) -> f64 {
        if self.scales {
            self.target * scale
        } else {
            self.target
        }
    }

    /// Whether `gemeten` (measured on a history generated at `scale`) is within tolerance.
    pub fn within(&self, gemeten: f64, scale: f64) -> bool {
        let target = self.target_at(scale);
        match self.tolerance {
            Tolerance::Relative(f) => (gemeten - target).abs() <= f * target.abs(),
            Tolerance::Absolute(a) => (gemeten - target).abs() <= a,
            Tolerance::AtMost(f) => gemeten <= target * (1.0 + f),
        }
    }
}

const fn target(
    measure: Measure,
    target: f64,
    tolerance: Tolerance,
    scales: bool,
    source: &'static str,
) -> CalibrationTarget {
    CalibrationTarget {
        measure,
        target,
        tolerance,
        scales,
        source,
    }
}

/// The calibration targets of the JeugdzorgPlus (closed care) world, 2019–2026, with the
/// tolerances the generator is tested against (at `scale` 1; counts scale with `scale`).
pub const CALIBRATION: &[CalibrationTarget] = &[
    target(
        Measure::GeslotenPlaatsen((2019, 1, 1)),
        875.0,
        Tolerance::Relative(0.10),
        true,
        "afgeleid: 1.707 plaatsingen × ~6 mnd bij 81 % bezetting; ZW 235",
    ),
    target(
        Measure::GeslotenPlaatsen((2023, 12, 31)),
        581.0,
        Tolerance::Relative(0.10),
        true,
        "Jeugdautoriteit 2023-12-31",
    ),
    target(
        Measure::GeslotenPlaatsen((2024, 6, 30)),
        564.0,
        Tolerance::Relative(0.10),
        true,
        "Jeugdautoriteit 2024-06-30",
    ),
    target(
        Measure::GeslotenPlaatsen((2025, 6, 30)),
        525.0,
        Tolerance::Relative(0.10),
        true,
        "Jeugdautoriteit 2025-06-30",
    ),
    target(
        Measure::GeslotenPlaatsenZuidWest((2019, 1, 1)),
        235.0,
        Tolerance::Relative(0.10),
        true,
        "seeds/001: Zuid-West 235 gesloten plaatsen",
    ),
    target(
        Measure::GeslotenPlaatsenZuidWest((2024, 1, 1)),
        100.0,
        Tolerance::Relative(0.15),
        true,
        "seeds/001: doel 100 in 2024",
    ),
    target(
        Measure::GeslotenPlaatsingenIncl(2019),
        1707.0,
        Tolerance::Relative(0.15),
        true,
        "NJi 2019",
    ),
    target(
        Measure::GeslotenPlaatsingenIncl(2021),
        1181.0,
        Tolerance::Relative(0.15),
        true,
        "NJi 2021",
    ),
    target(
        Measure::GeslotenPlaatsingenIncl(2023),
        900.0,
        Tolerance::AtMost(0.10),
        true,
        "NJi 2023: 891 (< 900)",
    ),
    target(
        Measure::Spoedaandeel(2019, 2026),
        0.70,
        Tolerance::Absolute(0.07),
        false,
        "JB West 2019: 72 % spoed",
    ),
    target(
        Measure::GemiddeldeVerblijfsduur(2019, 2022),
        6.5,
        Tolerance::Absolute(1.0),
        false,
        "NJi 2021: gemiddeld 6,5 maand",
    ),
    target(
        Measure::AandeelKorterDanMaand(2019, 2026),
        0.11,
        Tolerance::Absolute(0.05),
        false,
        "NJi: 11 % korter dan een maand",
    ),
    target(
        Measure::AandeelLangerDanJaar(2019, 2026),
        0.13,
        Tolerance::Absolute(0.06),
        false,
        "NJi: 13 % langer dan een jaar",
    ),
    target(
        Measure::Doorplaatsingsratio(2019, 2026),
        0.20,
        Tolerance::Absolute(0.05),
        false,
        "ongeveer 1 op 5 plaatsingen is een doorplaatsing",
    ),
    target(
        Measure::Bezettingsgraad((2023, 12, 31)),
        0.85,
        Tolerance::Absolute(0.08),
        false,
        "Jeugdautoriteit 2023-12-31: 495/581",
    ),
    target(
        Measure::Bezettingsgraad((2024, 6, 30)),
        0.82,
        Tolerance::Absolute(0.08),
        false,
        "Jeugdautoriteit 2024-06-30: 462/564",
    ),
    target(
        Measure::Bezettingsgraad((2025, 3, 31)),
        0.78,
        Tolerance::Absolute(0.08),
        false,
        "Jeugdautoriteit 2025 Q1: 408/526",
    ),
    target(
        Measure::Bezettingsgraad((2025, 6, 30)),
        0.81,
        Tolerance::Absolute(0.08),
        false,
        "Jeugdautoriteit 2025-06-30: 421/525",
    ),
    target(
        Measure::Bezettingsgraad((2020, 6, 30)),
        0.81,
        Tolerance::Absolute(0.08),
        false,
        "\"doorgaans tussen 80 % en 85 %\"",
    ),
    target(
        Measure::UitstroomThuisNetwerk(2019, 2026),
        0.31,
        Tolerance::Absolute(0.05),
        false,
        "Zuid-West 2019: 31 % naar huis/netwerk",
    ),
    target(
        Measure::UitstroomResidentieel(2019, 2026),
        0.34,
        Tolerance::Absolute(0.05),
        false,
        "Zuid-West 2019: 34 % naar enkelvoudig residentieel",
    ),
    target(
        Measure::WachtendenGeslotenZuidWest((2024, 1, 1)),
        6.0,
        Tolerance::Absolute(3.0),
        true,
        "Jeugdbescherming West: 6 jongeren wachtend op een JZ+-plek in Zuid-Holland/Zeeland op 2024-01-01",
    ),
    target(
        Measure::SpoedBinnenWeek(2019, 2026),
        0.87,
        Tolerance::Absolute(0.07),
        false,
        "spoedplaatsingen merendeels binnen een week (norm 7 dagen)",
    ),
    target(
        Measure::NietPassend(2019, 2026),
        0.20,
        Tolerance::Absolute(0.06),
        false,
        "veel jongeren op een plek die niet past (seeds/000, hoofdstuk 2): 15–25 %",
    ),
    target(
        Measure::AanmeldingenPerVerzoek(2019, 2026),
        2.5,
        Tolerance::Absolute(0.7),
        false,
        "aangemeld bij tot tien aanbieders tegelijk; gemiddeld 2 à 3",
    ),
    target(
        Measure::NaOnttrekking(2020, 2026),
        0.075,
        Tolerance::Absolute(0.03),
        false,
        "plaatsingscoördinatie Zuid-West 2019: 33 van 439 plaatsingen na onttrekking",
    ),
    target(
        Measure::Nieuw(2020, 2026),
        0.68,
        Tolerance::Absolute(0.08),
        false,
        "plaatsingscoördinatie Zuid-West 2019: 300 van 439 plaatsingen nieuw",
    ),
];

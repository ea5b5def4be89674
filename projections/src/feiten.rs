//! The compact facts the KPIs are computed from.
//!
//! Ids are interned `u32`s, dates `i32` day numbers, enums `u8` indices, so that a
//! placement version (fact + knowledge interval) is 48 bytes and a ten-year national
//! history fits comfortably in memory.

use kringloop_events::{MachtigingSoort, Regime, Verblijfplaats, Vorm};

use crate::periode::OPEN;
use crate::versions::ValidTime;

/// "None" for interned ids and u8 codes.
pub(crate) const GEEN: u32 = u32::MAX;
pub(crate) const GEEN8: u8 = u8::MAX;

pub(crate) fn vorm_code(v: Vorm) -> u8 {
    Vorm::ALL.iter().position(|&x| x == v).unwrap_or(0) as u8
}

pub(crate) fn vorm_van(c: u8) -> Option<Vorm> {
    Vorm::ALL.get(c as usize).copied()
}

pub(crate) const REGIMES: [Regime; 2] = [Regime::Gesloten, Regime::Open];

pub(crate) fn regime_code(r: Regime) -> u8 {
    match r {
        Regime::Gesloten => 0,
        Regime::Open => 1,
    }
}

pub(crate) fn regime_van(c: u8) -> Option<Regime> {
    REGIMES.get(c as usize).copied()
}

pub(crate) fn bestemming_code(v: Verblijfplaats) -> u8 {
    Verblijfplaats::ALL
        .iter()
        .position(|&x| x == v)
        .unwrap_or(0) as u8
}

pub(crate) fn bestemming_van(c: u8) -> Option<Verblijfplaats> {
    Verblijfplaats::ALL.get(c as usize).copied()
}

/// Legal basis of a closed stay on a date.
pub(crate) mod basis {
    pub const GEEN: u8 = 0;
    pub const MGJ: u8 = 1;
    pub const SPOED: u8 = 2;
    pub const VOORWAARDELIJK: u8 = 3;
}

pub(crate) fn machtiging_code(s: MachtigingSoort) -> u8 {
    match s {
        MachtigingSoort::Mgj => basis::MGJ,
        MachtigingSoort::Spoedmachtiging => basis::SPOED,
        MachtigingSoort::VoorwaardelijkeMachtiging => basis::VOORWAARDELIJK,
    }
}

/// Placement flags.
pub(crate) mod vlag {
    /// First placement of an episode.
    pub const EPISODESTART: u8 = 1;
    /// Started by a doorplaatsing.
    pub const DOOR: u8 = 2;
    pub const SPOED: u8 = 4;
    pub const CRISIS: u8 = 8;
    /// In an ambulant facility (runs alongside residential care).
    pub const AMBULANT: u8 = 16;
}

/// One stay of a youth in one facility: [begin, eind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plaatsing {
    pub jeugdige: u32,
    pub voorziening: u32,
    pub begin: i32,
    pub eind: i32,
    /// Home gemeente at the start of the episode (woonplaatsbeginsel).
    pub herkomst: u32,
    pub vlaggen: u8,
    /// Legal basis on the start date (`basis::*`).
    pub basis: u8,
}

/// The counting rules on a placement that both tally paths apply: the per-period scan
/// (`tally.rs`, [`Projection::kpis`](crate::Projection::kpis)), the series sweep
/// (`sweep/placements.rs`, [`Projection::reeks`](crate::Projection::reeks)) and the key
/// sums of a protected caller (`key_sweep.rs`). The paths stay apart for speed (the sweep
/// counts whole buckets at once); the rules are written once, here and in
/// [`PlaatsingColumn`]. That the paths agree is shown by the property tests
/// `reeks_is_per_periode` and `reeks_is_per_periode_op_telgrenzen` in
/// `projections/tests/reeks.rs` (every KPI of a series equals its periods computed one
/// by one) and `reeks_raakt_elke_kpi` (each KPI is non-zero somewhere in them).
impl Plaatsing {
    /// exclusieveJeugdigen / plaatsingen: the placement starts an episode.
    #[inline]
    pub fn start_episode(&self) -> bool {
        self.vlaggen & vlag::EPISODESTART != 0
    }

    /// doorplaatsingen: the placement is a doorplaatsing.
    #[inline]
    pub fn is_doorplaatsing(&self) -> bool {
        self.vlaggen & vlag::DOOR != 0
    }

    /// uniekeJeugdigen: the youth counts once per period for an episode start or a
    /// doorplaatsing.
    #[inline]
    pub fn telt_voor_unieke(&self) -> bool {
        self.vlaggen & (vlag::EPISODESTART | vlag::DOOR) != 0
    }

    /// spoedaandeel, denominator (when the facility is closed, `Ctx::dicht`): a
    /// residential placement that starts an episode, never a doorplaatsing.
    #[inline]
    pub fn telt_voor_spoedaandeel(&self) -> bool {
        self.vlaggen & vlag::AMBULANT == 0 && self.start_episode()
    }

    /// spoedaandeel, numerator among those: a spoedmachtiging on the start date.
    #[inline]
    pub fn op_spoedmachtiging(&self) -> bool {
        self.basis == basis::SPOED
    }
}

impl Machtiging {
    /// spoedmachtigingen: the authorisation is a spoedmachtiging (counted in the period
    /// of its begin).
    #[inline]
    pub fn is_spoed(&self) -> bool {
        self.soort == basis::SPOED
    }
}

/// `impl ValidTime` for a fact whose valid time is [`$b`, `$e`), with the other items of
/// the impl (without them: no bucket sums and no column).
macro_rules! valid_time {
    ($t:ty, $b:ident, $e:ident) => {
        valid_time!($t, $b, $e, {
            type Sum = ();
            type Column = ();
        });
    };
    ($t:ty, $b:ident, $e:ident, { $($rest:tt)* }) => {
        impl ValidTime for $t {
            $($rest)*

            #[inline]
            fn begin(&self) -> i32 {
                self.$b
            }
            #[inline]
            fn eind(&self) -> i32 {
                self.$e
            }
        }
    };
}

/// What an open placement bucket sums over its live versions: a series over quarters
/// takes such a bucket at once (`sweep.rs`), since all its versions begin in one quarter
/// and end in one quarter, and only these sums tell them apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PlaatsingBucketSum {
    /// Σ begin and Σ eind (day numbers; `OPEN` for open ends).
    pub begin: i64,
    pub eind: i64,
    /// Versions that begin on the first day of the bucket's first quarter, and that end
    /// on the first day of its last.
    pub begin_op_kwartaaldag: i64,
    pub eind_op_kwartaaldag: i64,
    pub episodestarts: i64,
    pub door: i64,
}

/// No youth / no facility in a [`PlaatsingColumn`].
pub(crate) const COLUMN_NONE: u32 = u32::MAX;
/// Facility and gemeente of a dead slot in a column: no filter passes it (unlike `GEEN`,
/// which a filter on gemeente only lets through). A scan that reads the version behind
/// an entry still checks that it is live.
pub(crate) const COLUMN_DEAD: u32 = u32::MAX - 1;
/// The packed [`PlaatsingColumn::voorziening`]: the facility in the low 31 bits, and
/// bit 31 for a spoedmachtiging on the start date (spoedaandeel's numerator).
pub(crate) mod spoed_column {
    /// Bit 31: a spoedmachtiging on the start date.
    pub const BIT: u32 = 1 << 31;

    #[inline]
    pub fn pack(voorziening: u32, spoed: bool) -> u32 {
        (voorziening & !BIT) | if spoed { BIT } else { 0 }
    }

    /// The facility of a packed entry (`COLUMN_NONE` gives `u32::MAX >> 1`).
    #[inline]
    pub fn voorziening(packed: u32) -> u32 {
        packed & !BIT
    }

    /// 1 if the entry's bit 31 is set, else 0.
    #[inline]
    pub fn spoed(packed: u32) -> i64 {
        i64::from(packed >> 31)
    }
}

/// The fields of a placement version that a whole-bucket tally still reads one by one
/// (8 bytes beside a 48-byte version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlaatsingColumn {
    /// The youth, if the placement counts for uniekeJeugdigen (an episode start or a
    /// doorplaatsing), else `COLUMN_NONE`.
    pub jeugdige: u32,
    /// The facility, packed with the spoedmachtiging bit ([`spoed_column`]), if the
    /// placement is a residential episode start (what spoedaandeel counts), else
    /// `COLUMN_NONE`.
    pub voorziening: u32,
    /// What a filter looks at (`Filter::past`): the facility and the gemeente of
    /// origin, so that a filtered scan reads a version only if these pass.
    pub plek: u32,
    pub herkomst: u32,
}

impl Default for PlaatsingColumn {
    /// A dead slot: counts for nothing.
    fn default() -> Self {
        PlaatsingColumn {
            jeugdige: COLUMN_NONE,
            voorziening: COLUMN_NONE,
            plek: COLUMN_DEAD,
            herkomst: COLUMN_DEAD,
        }
    }
}

valid_time!(Plaatsing, begin, eind, {
    // Placement versions feed the occupancy log (`bezetting.rs`).
    const JOURNAL: bool = true;
    const COLUMN: bool = true;
    type Sum = PlaatsingBucketSum;
    type Column = PlaatsingColumn;

    #[inline]
    fn add_to_sum(&self, som: &mut PlaatsingBucketSum, teken: i64, van: i32, tot: i32) {
        som.begin += teken * i64::from(self.begin);
        som.eind += teken * i64::from(self.eind);
        som.begin_op_kwartaaldag += teken * i64::from(self.begin == van);
        som.eind_op_kwartaaldag += teken * i64::from(self.eind == tot);
        som.episodestarts += teken * i64::from(self.start_episode());
        som.door += teken * i64::from(self.is_doorplaatsing());
    }
    #[inline]
    fn column(&self) -> PlaatsingColumn {
        PlaatsingColumn {
            jeugdige: if self.telt_voor_unieke() {
                self.jeugdige
            } else {
                COLUMN_NONE
            },
            voorziening: if self.telt_voor_spoedaandeel() {
                spoed_column::pack(self.voorziening, self.op_spoedmachtiging())
            } else {
                COLUMN_NONE
            },
            plek: self.voorziening,
            herkomst: self.herkomst,
        }
    }
});

/// A chain of placements from a plaatsing to the uitstroom that ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Episode {
    pub jeugdige: u32,
    pub begin: i32,
    pub eind: i32,
    pub herkomst: u32,
    pub eerste: u32,
    /// The facility the youth is in (open episode) or left (ended episode).
    pub laatste: u32,
    /// Destination code, `GEEN8` while open.
    pub bestemming: u8,
    pub ambulant: bool,
    pub doorplaatsingen: u16,
    /// Date of the first doorplaatsing, `OPEN` if none.
    pub eerste_door: i32,
    /// History class of the youth at this episode's start (`pad::voorgeschiedenis`).
    pub voorgeschiedenis: u8,
    /// Start of the youth's next residential episode on or after this one's end, `OPEN`
    /// if none (terugval).
    pub volgende: i32,
}

/// What an open episode bucket sums over its live versions (see [`PlaatsingBucketSum`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EpisodeBucketSum {
    /// Episodes with a doorplaatsing within 365 days of their begin.
    pub cohort_door: i64,
    /// Ended episodes per destination code.
    pub bestemming: [i64; Verblijfplaats::ALL.len()],
}

/// The fields of an episode version that a whole-bucket tally still reads one by one,
/// and those a filter looks at (20 bytes beside a 56-byte version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EpisodeColumn {
    pub begin: i32,
    pub eind: i32,
    /// `laatste` << 8 | `bestemming`.
    pub laatste_bestemming: u32,
    pub eerste: u32,
    pub herkomst: u32,
}

impl EpisodeColumn {
    pub fn laatste(&self) -> u32 {
        self.laatste_bestemming >> 8
    }
}

impl Default for EpisodeColumn {
    /// A dead slot: no day (it begins after it ends), no destination, and no filter
    /// passes it.
    fn default() -> Self {
        EpisodeColumn {
            begin: OPEN,
            eind: i32::MIN,
            laatste_bestemming: (COLUMN_DEAD << 8) | u32::from(GEEN8),
            eerste: COLUMN_DEAD,
            herkomst: COLUMN_DEAD,
        }
    }
}

valid_time!(Episode, begin, eind, {
    const COLUMN: bool = true;
    type Sum = EpisodeBucketSum;
    type Column = EpisodeColumn;

    #[inline]
    fn add_to_sum(&self, som: &mut EpisodeBucketSum, teken: i64, _van: i32, _tot: i32) {
        som.cohort_door += teken * i64::from(self.eerste_door < self.begin.saturating_add(365));
        if let Some(b) = som.bestemming.get_mut(usize::from(self.bestemming)) {
            *b += teken;
        }
    }
    #[inline]
    fn column(&self) -> EpisodeColumn {
        EpisodeColumn {
            begin: self.begin,
            eind: self.eind,
            laatste_bestemming: (self.laatste << 8) | u32::from(self.bestemming),
            eerste: self.eerste,
            herkomst: self.herkomst,
        }
    }
});

/// CBS trajectory: youth × provider × form × regime, adjacent stays merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Traject {
    pub jeugdige: u32,
    /// Facility of the first stay.
    pub voorziening: u32,
    pub begin: i32,
    pub eind: i32,
    pub herkomst: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Machtiging {
    pub jeugdige: u32,
    /// Facility of the placement it was used for, `GEEN` if none.
    pub voorziening: u32,
    pub begin: i32,
    /// First day no longer valid.
    pub eind: i32,
    pub herkomst: u32,
    pub soort: u8,
}

pub(crate) mod signaal {
    pub const ZONDER_MACHTIGING: u8 = 0;
    pub const SPOED_TE_LANG: u8 = 1;
    pub const DOORPLAATSING: u8 = 2;
}

/// A flagged norm breach over [begin, eind).
///
/// A signal counts its subject once per period (docs/kpis.md, `signalen`). A closed
/// placement without a valid authorisation is stored as one signal per stretch of such
/// days, so a stretch counts in P only when the previous stretch of the same placement
/// (which ended at `vorige_eind`) does not reach into P: `vorige_eind ≤ van`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signaal {
    pub jeugdige: u32,
    pub voorziening: u32,
    pub begin: i32,
    pub eind: i32,
    /// End (exclusive) of the previous stretch of the same subject; `i32::MIN` for the
    /// first stretch and for the signals that are one stretch each (spoedmachtiging te
    /// lang, doorplaatsing).
    pub vorige_eind: i32,
    pub herkomst: u32,
    pub soort: u8,
}

pub(crate) mod cap {
    pub const GEOPEND: u8 = 0;
    pub const OMBOUW_IN: u8 = 1;
    pub const GESLOTEN: u8 = 2;
    pub const OMBOUW_UIT: u8 = 3;
    pub const OPGEHEVEN: u8 = 4;
}

/// A capacity change of a facility on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Capaciteit {
    pub voorziening: u32,
    pub datum: i32,
    pub delta: i32,
    pub soort: u8,
}

/// What a facility is, as registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VzAttr {
    pub voorziening: u32,
    pub aanbieder: u32,
    pub gemeente: u32,
    pub vorm: u8,
    pub regime: u8,
    /// Position of the original registration: the latest registration wins.
    pub orde: u32,
}

pub(crate) mod landschap {
    pub const GEMEENTE: u8 = 0;
    pub const REGIO: u8 = 1;
}

/// Gemeente → jeugdregio or jeugdregio → landsdeel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Landschap {
    pub soort: u8,
    pub code: u32,
    pub ouder: u32,
    pub orde: u32,
}

pub(crate) mod scope {
    pub const LANDELIJK: u8 = 0;
    pub const LANDSDEEL: u8 = 1;
    pub const JEUGDREGIO: u8 = 2;
    pub const AANBIEDER: u8 = 3;
}

/// One target point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Doel {
    pub scope_soort: u8,
    pub scope: u32,
    pub regime: u8,
    pub vorm: u8,
    pub datum: i32,
    pub plaatsen: u32,
    pub orde: u32,
}

/// What a filter looks at of a trajectory version (see [`PlaatsingColumn::plek`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TrajectColumn {
    pub voorziening: u32,
    pub herkomst: u32,
}

impl Default for TrajectColumn {
    fn default() -> Self {
        TrajectColumn {
            voorziening: COLUMN_DEAD,
            herkomst: COLUMN_DEAD,
        }
    }
}

valid_time!(Traject, begin, eind, {
    const COLUMN: bool = true;
    type Sum = ();
    type Column = TrajectColumn;

    #[inline]
    fn column(&self) -> TrajectColumn {
        TrajectColumn {
            voorziening: self.voorziening,
            herkomst: self.herkomst,
        }
    }
});
valid_time!(Machtiging, begin, eind);
valid_time!(Signaal, begin, eind);

valid_time!(Capaciteit, datum, datum);

valid_time!(Doel, datum, datum);

/// Landscape facts are timeless (one bucket).
impl ValidTime for VzAttr {
    type Sum = ();
    type Column = ();

    fn begin(&self) -> i32 {
        0
    }
    fn eind(&self) -> i32 {
        0
    }
}

impl ValidTime for Landschap {
    type Sum = ();
    type Column = ();

    fn begin(&self) -> i32 {
        0
    }
    fn eind(&self) -> i32 {
        0
    }
}

/// `OPEN` re-exported for the derivation code.
pub(crate) const OPEN_EIND: i32 = OPEN;

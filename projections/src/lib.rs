//! kringloop-projections: the bitemporal KPI engine. Pure: no IO.
//!
//! A [`Projection`] folds stored events (in position order) into compact facts:
//! placements, episodes, CBS trajectories, authorisations, signals, capacity changes,
//! facility attributes, the landscape and targets. Every fact is kept in versions, each
//! with the recorded time of the event that created it and of the event that superseded,
//! corrected or retracted it. A KPI "as known at K" filters those versions; it never
//! replays the log, so a past K costs about the same as now.
//!
//! ```text
//! apply(&RecordedEvent) ─► derive (per youth / facility) ─► close changed versions,
//!                                                           open new ones (known_from = r)
//! kpis(&Query) ─► facts visible at K ∩ buckets of P ∩ filter ─► KpiReport
//! ```
//!
//! The definitions are those of `KPIS.md`; the doc comments of [`KpiReport`]'s fields say
//! how each one is computed.

mod afleiding;
mod diff;
mod feiten;
mod kpi;
mod onderdruk;
mod periode;
mod projectie;
mod tabel;

pub use diff::{Diff, GebeurtenisRef};
pub use kpi::*;
pub use onderdruk::{SuppressionConfig, onderdruk};
pub use periode::{Granulariteit, Periode};
pub use projectie::{Meta, Omvang, Projection};

use chrono::NaiveDate;
use kringloop_events::DecodeError;
use uuid::Uuid;

/// What can go wrong while folding or querying.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("gebeurtenis op positie {positie} is niet te lezen: {bron}")]
    Decode {
        positie: i64,
        #[source]
        bron: DecodeError,
    },
    #[error("positie {positie} komt niet na de laatst verwerkte positie {vorige}")]
    Volgorde { positie: i64, vorige: i64 },
    #[error("registratietijd van positie {positie} ligt vóór die van de vorige gebeurtenis")]
    TijdTerug { positie: i64 },
    #[error("positie {positie} is groter dan deze projectie kan bijhouden")]
    PositieTeGroot { positie: i64 },
    #[error("correctie of intrekking op positie {positie} verwijst naar onbekend feit {event_id}")]
    OnbekendFeit { positie: i64, event_id: Uuid },
    #[error("correctie op positie {positie} vervangt een feit door een feit van een andere soort")]
    CorrectieAnderSoort { positie: i64 },
    #[error(
        "{soort} op positie {positie} staat in stroom `{stroom}`, niet in die van een jeugdige"
    )]
    VerkeerdeStroom {
        positie: i64,
        stroom: String,
        soort: &'static str,
    },
    #[error("periode van {van} tot {tot} is leeg")]
    LegePeriode { van: NaiveDate, tot: NaiveDate },
    #[error("ongeldige periode: jaar {jaar}, deel {deel}")]
    OngeldigePeriode { jaar: i32, deel: u32 },
}

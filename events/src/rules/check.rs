//! `DomainState::check`: judges a proposed fact against the current state.
//!
//! This file dispatches a fact to its group and holds the checks of corrections and
//! retractions; [`landscape`] checks master data, facilities and capacity, [`youth`] a
//! youth's registration, authorisations and placements, [`vraag`] the need side, and
//! [`contract`] contracts, agreements, budgets and restrictive measures.

mod contract;
#[cfg(test)]
pub(crate) use contract::euro;
mod landscape;
mod vraag;
mod youth;

use uuid::Uuid;

use super::{Afwijzing, AfwijzingCode as C, DomainState, Signaal, Soort, is_gemeentecode};
use crate::catalogue::{Gebeurtenis, pseudoniem_van_stream};

/// Longest spoedmachtiging the law allows, in days (4 weeks).
pub const SPOEDMACHTIGING_MAX_DAGEN: i64 = 28;
/// Largest difference between the registration year and the year of birth (verlengde
/// jeugdhulp runs to 23; a year of slack because only the birth year is known).
pub const MAX_LEEFTIJD_BIJ_REGISTRATIE: i32 = 24;

/// What a proposed fact does to the effective facts.
#[derive(Clone, Copy)]
enum Change<'a> {
    New(&'a Gebeurtenis),
    Replace {
        id: Uuid,
        oud: &'a Gebeurtenis,
        nieuw: &'a Gebeurtenis,
    },
    Retract {
        id: Uuid,
        oud: &'a Gebeurtenis,
    },
}

impl<'a> Change<'a> {
    fn nieuw(self) -> Option<&'a Gebeurtenis> {
        match self {
            Change::New(n) | Change::Replace { nieuw: n, .. } => Some(n),
            Change::Retract { .. } => None,
        }
    }
    fn oud(self) -> Option<&'a Gebeurtenis> {
        match self {
            Change::New(_) => None,
            Change::Replace { oud, .. } | Change::Retract { oud, .. } => Some(oud),
        }
    }
    fn origineel(self) -> Option<Uuid> {
        match self {
            Change::New(_) => None,
            Change::Replace { id, .. } | Change::Retract { id, .. } => Some(id),
        }
    }
    /// The content that decides which rules apply.
    fn inhoud(self) -> &'a Gebeurtenis {
        match self {
            Change::New(n) | Change::Replace { nieuw: n, .. } => n,
            Change::Retract { oud, .. } => oud,
        }
    }
}

fn afwijzing(code: C, melding: impl Into<String>) -> Afwijzing {
    Afwijzing::new(code, melding)
}

fn require_reason(reden: &str, wat: &str) -> Result<(), Afwijzing> {
    if reden.trim().is_empty() {
        return Err(afwijzing(
            C::RedenOntbreekt,
            format!("Een {wat} moet een reden hebben."),
        ));
    }
    Ok(())
}

fn require_key(key: &str, wat: &str) -> Result<(), Afwijzing> {
    if key.trim().is_empty() || key.trim() != key {
        return Err(afwijzing(
            C::OngeldigeSleutel,
            format!("De {wat} is leeg of begint of eindigt met spaties."),
        ));
    }
    Ok(())
}

fn require_gemeentecode(code: &str) -> Result<(), Afwijzing> {
    if !is_gemeentecode(code) {
        return Err(afwijzing(
            C::OngeldigeGemeentecode,
            format!(
                "'{code}' is geen geldige CBS-gemeentecode; verwacht 'GM' gevolgd door 4 cijfers (bijvoorbeeld GM0599)."
            ),
        ));
    }
    Ok(())
}

fn require_count(n: u32, wat: &str) -> Result<(), Afwijzing> {
    if n == 0 {
        return Err(afwijzing(
            C::OngeldigAantal,
            format!("Het aantal {wat} moet minstens 1 zijn."),
        ));
    }
    Ok(())
}

/// Whether a pseudonym could be a BSN (8 or 9 digits): never store those.
fn looks_like_bsn(p: &str) -> bool {
    (8..=9).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
}

/// How a facility is used by a fact: placements may not start on the closing date,
/// capacity changes may still happen on it (the last afbouw or ombouw).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Usage {
    Plaatsing,
    Capaciteit,
}

impl DomainState {
    /// Checks a proposed fact for `stream` against the current state.
    /// `Ok(signals)`: accept, with the norms it breaks; `Err`: reject.
    pub fn check(&self, stream: &str, fact: &Gebeurtenis) -> Result<Vec<Signaal>, Afwijzing> {
        // Lengths, control characters and BSNs first: no rule below may echo such a value.
        super::input::check_input(stream, fact)?;
        if self.is_gewist(stream) {
            return Err(afwijzing(
                C::JeugdigeGewist,
                "De persoonsgegevens van deze jeugdige zijn gewist; over deze jeugdige worden geen feiten meer vastgelegd.",
            ));
        }
        match fact {
            Gebeurtenis::FeitGecorrigeerd(c) => {
                require_reason(&c.reden, "correctie")?;
                if matches!(
                    *c.nieuw,
                    Gebeurtenis::FeitGecorrigeerd(_) | Gebeurtenis::FeitIngetrokken(_)
                ) {
                    return Err(afwijzing(
                        C::OngeldigeCorrectie,
                        "De nieuwe inhoud van een correctie moet een gewoon feit zijn, geen correctie of intrekking.",
                    ));
                }
                let feit = self.feiten.get(&c.vervangt).ok_or_else(|| {
                    afwijzing(
                        C::OnbekendFeit,
                        "Het feit dat gecorrigeerd moet worden, is niet bekend.",
                    )
                })?;
                let id = match feit.soort {
                    Soort::Origineel { .. } => c.vervangt,
                    Soort::Correctie { origineel } => origineel,
                    Soort::Intrekking { .. } => {
                        return Err(afwijzing(
                            C::OngeldigeCorrectie,
                            "Een intrekking kan niet gecorrigeerd worden; leg het feit opnieuw vast.",
                        ));
                    }
                };
                let (oud, origineel_stream) = self.original_content(id)?;
                if origineel_stream != stream {
                    return Err(wrong_stream_for_correction());
                }
                if oud.event_type() != c.nieuw.event_type() {
                    return Err(afwijzing(
                        C::AnderGebeurtenistype,
                        format!(
                            "Een correctie moet hetzelfde soort feit bevatten: het oorspronkelijke feit is een {}, de correctie een {}.",
                            oud.event_type(),
                            c.nieuw.event_type()
                        ),
                    ));
                }
                self.check_change(
                    stream,
                    Change::Replace {
                        id,
                        oud,
                        nieuw: &c.nieuw,
                    },
                )
            }
            Gebeurtenis::FeitIngetrokken(i) => {
                require_reason(&i.reden, "intrekking")?;
                let feit = self.feiten.get(&i.event_id).ok_or_else(|| {
                    afwijzing(
                        C::OnbekendFeit,
                        "Het feit dat ingetrokken moet worden, is niet bekend.",
                    )
                })?;
                if !matches!(feit.soort, Soort::Origineel { .. }) {
                    return Err(afwijzing(
                        C::AlleenOrigineelIntrekken,
                        "Een correctie of intrekking kan niet worden ingetrokken: trek het oorspronkelijke feit in of corrigeer opnieuw.",
                    ));
                }
                let (oud, origineel_stream) = self.original_content(i.event_id)?;
                if origineel_stream != stream {
                    return Err(wrong_stream_for_correction());
                }
                self.check_change(
                    stream,
                    Change::Retract {
                        id: i.event_id,
                        oud,
                    },
                )
            }
            other => self.check_change(stream, Change::New(other)),
        }
    }

    fn original_content(&self, id: Uuid) -> Result<(&Gebeurtenis, &str), Afwijzing> {
        let feit = self.feiten.get(&id).ok_or_else(|| {
            afwijzing(C::OnbekendFeit, "Het oorspronkelijke feit is niet bekend.")
        })?;
        match &feit.soort {
            Soort::Origineel { inhoud: Some(i) } => Ok((i, &feit.stream)),
            _ => Err(afwijzing(
                C::FeitIngetrokken,
                "Het feit is ingetrokken en kan niet meer gecorrigeerd of ingetrokken worden; leg zo nodig een nieuw feit vast.",
            )),
        }
    }

    fn check_change(&self, stream: &str, w: Change<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        if let Some(nieuw) = w.nieuw() {
            match nieuw.natural_stream() {
                Some(s) if s != stream => {
                    return Err(afwijzing(
                        C::VerkeerdeStroom,
                        format!(
                            "Een {} hoort in {}, niet in {}.",
                            nieuw.event_type(),
                            show_stream(&s),
                            show_stream(stream)
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    if pseudoniem_van_stream(stream).is_none_or(str::is_empty) {
                        return Err(afwijzing(
                            C::VerkeerdeStroom,
                            format!(
                                "Een {} hoort in de stroom van een jeugdige, niet in {}.",
                                nieuw.event_type(),
                                show_stream(stream)
                            ),
                        ));
                    }
                }
            }
        }
        use Gebeurtenis as G;
        match w.inhoud() {
            G::LandsdeelGeregistreerd(_)
            | G::JeugdregioGeregistreerd(_)
            | G::GemeenteGeregistreerd(_)
            | G::AanbiederGeregistreerd(_) => self.check_stamgegeven(w),
            G::VoorzieningGeregistreerd(_) => self.check_voorziening(w),
            G::PlaatsenGeopend(_) | G::PlaatsenGesloten(_) | G::PlaatsenOmgebouwd(_) => {
                self.check_capaciteit(w)
            }
            G::VoorzieningGesloten(_) => self.check_sluiting(w),
            G::CapaciteitsdoelVastgesteld(d) => {
                if w.nieuw().is_some() {
                    use crate::types::DoelScope;
                    match &d.scope {
                        DoelScope::Landelijk => {}
                        DoelScope::Landsdeel(c) => self.require_known(
                            &self.landsdelen,
                            c,
                            C::OnbekendLandsdeel,
                            "landsdeel",
                        )?,
                        DoelScope::Jeugdregio(c) => self.require_known(
                            &self.jeugdregios,
                            c,
                            C::OnbekendeJeugdregio,
                            "jeugdregio",
                        )?,
                        DoelScope::Aanbieder(c) => self.require_known(
                            &self.aanbieders,
                            c,
                            C::OnbekendeAanbieder,
                            "aanbieder",
                        )?,
                    }
                }
                Ok(Vec::new())
            }
            G::JeugdigeGeregistreerd(_)
            | G::WoongemeenteGewijzigd(_)
            | G::MachtigingAfgegeven(_)
            | G::MachtigingBeeindigd(_)
            | G::PlaatsingGestart(_)
            | G::Doorgeplaatst(_)
            | G::PlaatsingBeeindigd(_)
            | G::PlaatsingsverzoekIngediend(_)
            | G::JeugdigeAangemeld(_)
            | G::PlaatsAangeboden(_)
            | G::AanmeldingGeweigerd(_)
            | G::PlaatsingsverzoekIngetrokken(_)
            | G::JeugdigeOnttrokken(_)
            | G::JeugdigeTeruggekeerd(_)
            | G::MaatregelToegepast(_) => {
                let mut signalen = self.check_jeugdige(stream, w)?;
                self.check_jeugdige_contract(stream, w, &mut signalen)?;
                Ok(signalen)
            }
            G::JeugdigeGewist(g) => {
                if w.nieuw().is_none() || w.origineel().is_some() {
                    return Err(afwijzing(
                        C::OngeldigeCorrectie,
                        "Een wissing kan niet worden gecorrigeerd of ingetrokken.",
                    ));
                }
                if self
                    .jeugdigen
                    .get(stream)
                    .is_none_or(|j| j.registratie.is_none())
                {
                    return Err(afwijzing(
                        C::OnbekendeJeugdige,
                        "Deze jeugdige is niet geregistreerd; er is niets te wissen.",
                    ));
                }
                if g.kenmerk.as_deref().is_some_and(|k| k.trim().is_empty()) {
                    return Err(afwijzing(
                        C::OngeldigeSleutel,
                        "Het kenmerk van het verzoek is leeg; laat het weg of vul het in.",
                    ));
                }
                Ok(Vec::new())
            }
            G::FeitGecorrigeerd(_) | G::FeitIngetrokken(_) => Err(afwijzing(
                C::OngeldigeCorrectie,
                "Een correctie of intrekking kan alleen een gewoon feit betreffen.",
            )),
            // The link to the log this one was copied from: its stream is checked above.
            G::LogOvergezet(_) => {
                if w.nieuw().is_none() || w.origineel().is_some() {
                    return Err(afwijzing(
                        C::OngeldigeCorrectie,
                        "De overzetting van een log kan niet worden gecorrigeerd of ingetrokken.",
                    ));
                }
                Ok(Vec::new())
            }
            // The access log records reads, not facts about the world: nothing to check.
            G::PersoonsgegevensIngezien(_) => Ok(Default::default()),
            G::ContractGesloten(_)
            | G::TariefGeindexeerd(_)
            | G::VolumegarantieGewijzigd(_)
            | G::BudgetplafondGewijzigd(_)
            | G::ContractVerlengd(_)
            | G::ContractBeeindigd(_)
            | G::PrestatieafspraakVastgelegd(_)
            | G::PrestatieafspraakGewijzigd(_) => self.check_contract(w),
            G::BudgetVastgesteld(_) | G::BudgetVerschoven(_) => self.check_budget(w),
        }
    }

    fn require_known(
        &self,
        map: &std::collections::HashMap<String, Uuid>,
        code: &str,
        fout: C,
        wat: &str,
    ) -> Result<(), Afwijzing> {
        if map.contains_key(code) {
            Ok(())
        } else {
            Err(afwijzing(
                fout,
                format!("De {wat} '{code}' is niet geregistreerd."),
            ))
        }
    }

    fn signal_unknown_gemeente(&self, code: &str, signalen: &mut Vec<Signaal>) {
        if !self.gemeenten.is_empty() && !self.gemeenten.contains_key(code) {
            signalen.push(Signaal::OnbekendeGemeente {
                gemeente: code.to_owned(),
            });
        }
    }

    /// A facility by name for messages: `'De Hoeve' (F1)`.
    pub(crate) fn display_name(&self, voorziening: &str) -> String {
        match self.voorziening(voorziening) {
            Some(v) if !v.naam.is_empty() => format!("'{}' ({voorziening})", v.naam),
            _ => voorziening.to_owned(),
        }
    }
}

/// A stream name for a message: a youth's stream is never shown (it holds the pseudonym).
fn show_stream(stream: &str) -> String {
    if pseudoniem_van_stream(stream).is_some() {
        "de stroom van een jeugdige".to_owned()
    } else {
        format!("stroom '{stream}'")
    }
}

fn wrong_stream_for_correction() -> Afwijzing {
    afwijzing(
        C::VerkeerdeStroom,
        "Een correctie of intrekking hoort in dezelfde stroom als het feit dat zij betreft.",
    )
}

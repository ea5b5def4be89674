//! The input check that runs before any rule: every string of a proposed fact and its
//! stream name is short enough, holds no control characters, and holds no BSN. It does
//! not look at the state, so a caller can run it on its own ([`check_input`]) before
//! it queues, logs or echoes anything; [`super::DomainState::check`] runs it first too.
//!
//! Limits, in UTF-8 bytes (the GraphQL schema documents the same):
//!
//! | what | limit | control characters |
//! |---|---|---|
//! | stream name | [`MAX_STREAM`] | none |
//! | identifier: code, id, reference to a facility/provider/region/gemeente, pseudonym, machtiging | [`MAX_KEY`] | none |
//! | name: `naam`, `aangevraagd_door`, the access log's `wie`/`token`/`rol`/`wat` | [`MAX_NAME`] | none |
//! | free text: `reden` | [`MAX_TEXT`] | only tab, line feed, carriage return |
//!
//! Every string is searched with [`crate::bsn::contains_bsn`]. A rejection names the field
//! and the rule, never the value.

use super::{Afwijzing, AfwijzingCode as C};
use crate::bsn::contains_bsn;
use crate::catalogue::*;
use crate::types::DoelScope;

/// Longest stream name, in bytes.
pub const MAX_STREAM: usize = 128;
/// Longest identifier (code, id, reference, pseudonym), in bytes.
pub const MAX_KEY: usize = 64;
/// Longest name, in bytes.
pub const MAX_NAME: usize = 200;
/// Longest free text (a `reden`), in bytes.
pub const MAX_TEXT: usize = 2_000;

/// The kind of a string field, which sets its limit and the characters it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Stream,
    Key,
    Name,
    FreeText,
}

impl TextKind {
    /// Longest value, in bytes.
    pub fn max_bytes(self) -> usize {
        match self {
            TextKind::Stream => MAX_STREAM,
            TextKind::Key => MAX_KEY,
            TextKind::Name => MAX_NAME,
            TextKind::FreeText => MAX_TEXT,
        }
    }

    fn allows_char(self, c: char) -> bool {
        if c == '\0' {
            return false;
        }
        if !c.is_control() {
            return true;
        }
        self == TextKind::FreeText && matches!(c, '\t' | '\n' | '\r')
    }
}

/// Checks one string: `field` names it in the message (never the value).
pub fn check_text(field: &str, kind: TextKind, value: &str) -> Result<(), Afwijzing> {
    if value.len() > kind.max_bytes() {
        return Err(Afwijzing::new(
            C::TeLang,
            format!(
                "Het veld `{field}` is te lang: {} bytes, hooguit {} toegestaan.",
                value.len(),
                kind.max_bytes()
            ),
        ));
    }
    if let Some(c) = value.chars().find(|c| !kind.allows_char(*c)) {
        let wat = if c == '\0' {
            "een NUL-teken (0x00)".to_owned()
        } else {
            format!("een stuurteken (U+{:04X})", u32::from(c))
        };
        return Err(Afwijzing::new(
            C::OngeldigTeken,
            format!("Het veld `{field}` bevat {wat}; dat is niet toegestaan."),
        ));
    }
    if contains_bsn(value) {
        return Err(Afwijzing::new(
            C::BsnVerboden,
            format!(
                "Het veld `{field}` bevat iets dat op een BSN lijkt (8 of 9 cijfers die de elfproef halen); een BSN wordt nooit vastgelegd. Gebruik voor een jeugdige het pseudoniem."
            ),
        ));
    }
    Ok(())
}

/// Checks the stream name and every string of `fact` (see the module docs). Pure and
/// independent of the state.
pub fn check_input(stream: &str, fact: &Gebeurtenis) -> Result<(), Afwijzing> {
    check_text("stroom", TextKind::Stream, stream)?;
    let mut result = Ok(());
    text_fields(fact, &mut |field, kind, value| {
        if result.is_ok() {
            result = check_text(field, kind, value);
        }
    });
    result
}

/// Calls `f` with the name, kind and value of every string of a fact (of a correction's
/// new content too). Every struct is taken apart field by field, so a new string field
/// does not compile until it is listed here.
pub fn text_fields(fact: &Gebeurtenis, f: &mut dyn FnMut(&'static str, TextKind, &str)) {
    use Gebeurtenis as G;
    use TextKind::{FreeText, Key, Name};
    match fact {
        G::LandsdeelGeregistreerd(LandsdeelGeregistreerd { code, naam }) => {
            f("code", Key, code);
            f("naam", Name, naam);
        }
        G::JeugdregioGeregistreerd(JeugdregioGeregistreerd {
            code,
            naam,
            landsdeel,
        }) => {
            f("code", Key, code);
            f("naam", Name, naam);
            f("landsdeel", Key, landsdeel);
        }
        G::GemeenteGeregistreerd(GemeenteGeregistreerd {
            code,
            naam,
            jeugdregio,
        }) => {
            f("code", Key, code);
            f("naam", Name, naam);
            f("jeugdregio", Key, jeugdregio);
        }
        G::AanbiederGeregistreerd(AanbiederGeregistreerd { id, naam }) => {
            f("id", Key, id);
            f("naam", Name, naam);
        }
        G::VoorzieningGeregistreerd(VoorzieningGeregistreerd {
            id,
            aanbieder,
            naam,
            gemeente,
            vorm: _,
            regime: _,
            datum: _,
        }) => {
            f("id", Key, id);
            f("aanbieder", Key, aanbieder);
            f("naam", Name, naam);
            f("gemeente", Key, gemeente);
        }
        G::PlaatsenGeopend(PlaatsenGeopend {
            voorziening,
            datum: _,
            aantal: _,
        }) => f("voorziening", Key, voorziening),
        G::PlaatsenGesloten(PlaatsenGesloten {
            voorziening,
            datum: _,
            aantal: _,
            reden,
        }) => {
            f("voorziening", Key, voorziening);
            f("reden", FreeText, reden);
        }
        G::PlaatsenOmgebouwd(PlaatsenOmgebouwd {
            van,
            naar,
            datum: _,
            aantal_uit: _,
            aantal_in: _,
            reden,
        }) => {
            f("van", Key, van);
            f("naar", Key, naar);
            f("reden", FreeText, reden);
        }
        G::VoorzieningGesloten(VoorzieningGesloten {
            voorziening,
            datum: _,
            reden,
        }) => {
            f("voorziening", Key, voorziening);
            f("reden", FreeText, reden);
        }
        G::CapaciteitsdoelVastgesteld(CapaciteitsdoelVastgesteld {
            scope,
            regime: _,
            vorm: _,
            plaatsen: _,
            datum: _,
        }) => match scope {
            DoelScope::Landelijk => {}
            DoelScope::Landsdeel(c) | DoelScope::Jeugdregio(c) | DoelScope::Aanbieder(c) => {
                f("scope", Key, c);
            }
        },
        G::JeugdigeGeregistreerd(JeugdigeGeregistreerd {
            pseudoniem,
            geboortejaar: _,
            geslacht: _,
            woongemeente,
            datum: _,
        }) => {
            f("pseudoniem", Key, pseudoniem);
            f("woongemeente", Key, woongemeente);
        }
        G::WoongemeenteGewijzigd(WoongemeenteGewijzigd {
            woongemeente,
            datum: _,
        }) => f("woongemeente", Key, woongemeente),
        G::MachtigingAfgegeven(MachtigingAfgegeven {
            machtiging,
            soort: _,
            geldig_van: _,
            geldig_tot: _,
            aangevraagd_door,
        }) => {
            f("machtiging", Key, machtiging);
            f("aangevraagd_door", Name, aangevraagd_door);
        }
        G::MachtigingBeeindigd(MachtigingBeeindigd {
            machtiging,
            datum: _,
            reden,
        }) => {
            f("machtiging", Key, machtiging);
            f("reden", FreeText, reden);
        }
        G::PlaatsingGestart(PlaatsingGestart {
            voorziening,
            datum: _,
            spoed: _,
            crisis: _,
            verblijf_voor: _,
            verzoek,
            overbrugging: _,
        }) => {
            f("voorziening", Key, voorziening);
            if let Some(v) = verzoek {
                f("verzoek", Key, v);
            }
        }
        G::Doorgeplaatst(Doorgeplaatst {
            van,
            naar,
            datum: _,
            reden,
            tegen_wens_jeugdige: _,
            tegen_wens_aanbieder: _,
            verzoek,
            overbrugging: _,
        }) => {
            f("van", Key, van);
            f("naar", Key, naar);
            f("reden", FreeText, reden);
            if let Some(v) = verzoek {
                f("verzoek", Key, v);
            }
        }
        G::PlaatsingsverzoekIngediend(PlaatsingsverzoekIngediend {
            verzoek,
            datum: _,
            verwijzer: _,
            urgentie: _,
            vorm: _,
            regime: _,
            jeugdregio,
        }) => {
            f("verzoek", Key, verzoek);
            f("jeugdregio", Key, jeugdregio);
        }
        G::JeugdigeAangemeld(JeugdigeAangemeld {
            verzoek,
            aanbieder,
            voorziening,
            datum: _,
        }) => {
            f("verzoek", Key, verzoek);
            f("aanbieder", Key, aanbieder);
            if let Some(v) = voorziening {
                f("voorziening", Key, v);
            }
        }
        G::PlaatsAangeboden(PlaatsAangeboden {
            verzoek,
            voorziening,
            datum: _,
        }) => {
            f("verzoek", Key, verzoek);
            f("voorziening", Key, voorziening);
        }
        G::AanmeldingGeweigerd(AanmeldingGeweigerd {
            verzoek,
            aanbieder,
            datum: _,
            reden: _,
            toelichting,
        }) => {
            f("verzoek", Key, verzoek);
            f("aanbieder", Key, aanbieder);
            f("toelichting", FreeText, toelichting);
        }
        G::PlaatsingsverzoekIngetrokken(PlaatsingsverzoekIngetrokken {
            verzoek,
            datum: _,
            reden: _,
            toelichting,
        }) => {
            f("verzoek", Key, verzoek);
            f("toelichting", FreeText, toelichting);
        }
        G::JeugdigeOnttrokken(JeugdigeOnttrokken {
            voorziening,
            datum: _,
        }) => {
            if let Some(v) = voorziening {
                f("voorziening", Key, v);
            }
        }
        G::JeugdigeTeruggekeerd(JeugdigeTeruggekeerd { datum: _ }) => {}
        G::ContractGesloten(ContractGesloten {
            contract,
            aanbieder,
            jeugdregios,
            financiering: _,
            percelen,
            tarieven,
            van: _,
            tot_en_met: _,
            verlengingsopties: _,
            verlenging_maanden: _,
            volumegaranties,
            budgetplafond_cent: _,
        }) => {
            f("contract", Key, contract);
            f("aanbieder", Key, aanbieder);
            for r in jeugdregios {
                f("jeugdregios", Key, r);
            }
            for p in percelen {
                f("percelen.code", Key, &p.code);
                f("percelen.naam", Name, &p.naam);
                for pr in &p.producten {
                    f("percelen.producten.code", Key, &pr.code);
                }
            }
            for t in tarieven {
                f("tarieven.product", Key, &t.product);
            }
            for v in volumegaranties {
                f("volumegaranties.product", Key, &v.product);
            }
        }
        G::TariefGeindexeerd(TariefGeindexeerd {
            contract,
            product,
            geldig_van: _,
            bedrag_cent: _,
            reden,
        }) => {
            f("contract", Key, contract);
            f("product", Key, product);
            f("reden", FreeText, reden);
        }
        G::VolumegarantieGewijzigd(VolumegarantieGewijzigd {
            contract,
            datum: _,
            volumegaranties,
            reden,
        }) => {
            f("contract", Key, contract);
            for v in volumegaranties {
                f("volumegaranties.product", Key, &v.product);
            }
            f("reden", FreeText, reden);
        }
        G::BudgetplafondGewijzigd(BudgetplafondGewijzigd {
            contract,
            datum: _,
            budgetplafond_cent: _,
            reden,
        }) => {
            f("contract", Key, contract);
            f("reden", FreeText, reden);
        }
        G::ContractVerlengd(ContractVerlengd {
            contract,
            datum: _,
            tot_en_met: _,
        }) => f("contract", Key, contract),
        G::ContractBeeindigd(ContractBeeindigd {
            contract,
            tot_en_met: _,
            reden,
        }) => {
            f("contract", Key, contract);
            f("reden", FreeText, reden);
        }
        G::PrestatieafspraakVastgelegd(PrestatieafspraakVastgelegd {
            contract,
            afspraak,
            datum: _,
            inhoud: _,
            toelichting,
        }) => {
            f("contract", Key, contract);
            f("afspraak", Key, afspraak);
            f("toelichting", FreeText, toelichting);
        }
        G::PrestatieafspraakGewijzigd(PrestatieafspraakGewijzigd {
            contract,
            afspraak,
            datum: _,
            inhoud: _,
            reden,
        }) => {
            f("contract", Key, contract);
            f("afspraak", Key, afspraak);
            f("reden", FreeText, reden);
        }
        G::MaatregelToegepast(MaatregelToegepast {
            maatregel,
            soort: _,
            voorziening,
            begin: _,
            eind: _,
            toelichting,
        }) => {
            f("maatregel", Key, maatregel);
            f("voorziening", Key, voorziening);
            f("toelichting", FreeText, toelichting);
        }
        G::BudgetVastgesteld(BudgetVastgesteld {
            jeugdregio,
            jaar: _,
            segment: _,
            bedrag_cent: _,
        }) => f("jeugdregio", Key, jeugdregio),
        G::BudgetVerschoven(BudgetVerschoven {
            jeugdregio,
            jaar: _,
            van: _,
            naar: _,
            bedrag_cent: _,
            datum: _,
            reden,
        }) => {
            f("jeugdregio", Key, jeugdregio);
            f("reden", FreeText, reden);
        }
        G::PlaatsingBeeindigd(PlaatsingBeeindigd {
            voorziening,
            datum: _,
            bestemming: _,
            reden,
            reden_beeindiging: _,
        }) => {
            if let Some(v) = voorziening {
                f("voorziening", Key, v);
            }
            f("reden", FreeText, reden);
        }
        G::FeitGecorrigeerd(FeitGecorrigeerd {
            vervangt: _,
            nieuw,
            reden,
        }) => {
            f("reden", FreeText, reden);
            text_fields(nieuw, f);
        }
        G::FeitIngetrokken(FeitIngetrokken { event_id: _, reden }) => {
            f("reden", FreeText, reden);
        }
        G::JeugdigeGewist(JeugdigeGewist {
            grondslag: _,
            verzocht_door: _,
            kenmerk,
        }) => {
            if let Some(k) = kenmerk {
                f("kenmerk", Key, k);
            }
        }
        // Numbers and a hash the migration computed, no free text.
        G::LogOvergezet(_) => {}
        G::PersoonsgegevensIngezien(PersoonsgegevensIngezien {
            wie,
            token,
            rol,
            wat,
            stromen,
        }) => {
            f("wie", Name, wie);
            f("token", Name, token);
            f("rol", Name, rol);
            f("wat", Name, wat);
            for s in stromen {
                f("stromen", TextKind::Stream, s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn gesloten(reden: &str) -> Gebeurtenis {
        VoorzieningGesloten {
            voorziening: "F1".into(),
            datum: NaiveDate::default(),
            reden: reden.into(),
        }
        .into()
    }

    fn code(stroom: &str, feit: &Gebeurtenis) -> Option<C> {
        check_input(stroom, feit).err().map(|a| a.code)
    }

    #[test]
    fn limits_and_characters() {
        let s = "voorziening-F1";
        assert_eq!(code(s, &gesloten("afbouw volgens plan")), None);
        assert_eq!(code(s, &gesloten("regel 1\nregel 2\tmet tab")), None);
        assert_eq!(code(s, &gesloten(&"x".repeat(MAX_TEXT))), None);
        assert_eq!(
            code(s, &gesloten(&"x".repeat(MAX_TEXT + 1))),
            Some(C::TeLang)
        );
        assert_eq!(code(s, &gesloten("a\0b")), Some(C::OngeldigTeken));
        assert_eq!(code(s, &gesloten("a\u{1b}[31m")), Some(C::OngeldigTeken));
        assert_eq!(
            code(&"s".repeat(MAX_STREAM + 1), &gesloten("x")),
            Some(C::TeLang)
        );
        assert_eq!(
            code("voorziening-F\n1", &gesloten("x")),
            Some(C::OngeldigTeken)
        );
        let lang = AanbiederGeregistreerd {
            id: "A".repeat(MAX_KEY + 1),
            naam: "x".into(),
        }
        .into();
        assert_eq!(code("aanbieder-A", &lang), Some(C::TeLang));
    }

    #[test]
    fn a_bsn_anywhere_is_refused_without_echoing_it() {
        for bsn in ["999999990", "111222333", "123456782"] {
            let a = check_input(
                "voorziening-F1",
                &gesloten(&format!("jeugdige met bsn {bsn} verhuisd")),
            )
            .err();
            assert_eq!(a.as_ref().map(|a| a.code), Some(C::BsnVerboden));
            assert!(a.is_some_and(|a| !a.melding.contains(bsn)));
            for stroom in [
                format!("jeugdige-BSN{bsn}"),
                format!("jeugdige-0{bsn}"),
                format!("jeugdige-{bsn}"),
            ] {
                assert_eq!(
                    code(&stroom, &gesloten("x")),
                    Some(C::BsnVerboden),
                    "{stroom}"
                );
            }
        }
        // Inside a correction's new content too.
        let c: Gebeurtenis = FeitGecorrigeerd {
            vervangt: uuid::Uuid::nil(),
            nieuw: Box::new(gesloten("bsn 1234.56.782")),
            reden: "x".into(),
        }
        .into();
        assert_eq!(code("voorziening-F1", &c), Some(C::BsnVerboden));
    }
}

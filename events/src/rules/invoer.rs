//! The input check that runs before any rule: every string of a proposed fact and its
//! stream name is short enough, holds no control characters, and holds no BSN. It does
//! not look at the state, so a caller can run it on its own ([`controleer_invoer`]) before
//! it queues, logs or echoes anything; [`super::DomainState::check`] runs it first too.
//!
//! Limits, in UTF-8 bytes (the GraphQL schema documents the same):
//!
//! | what | limit | control characters |
//! |---|---|---|
//! | stream name | [`MAX_STROOM`] | none |
//! | identifier: code, id, reference to a facility/provider/region/gemeente, pseudonym, machtiging | [`MAX_SLEUTEL`] | none |
//! | name: `naam`, `aangevraagd_door`, the access log's `wie`/`token`/`rol`/`wat` | [`MAX_NAAM`] | none |
//! | free text: `reden` | [`MAX_TEKST`] | only tab, line feed, carriage return |
//!
//! Every string is searched with [`crate::bsn::bevat_bsn`]. A rejection names the field
//! and the rule, never the value.

use super::{Afwijzing, AfwijzingCode as C};
use crate::bsn::bevat_bsn;
use crate::catalogue::*;
use crate::types::DoelScope;

/// Longest stream name, in bytes.
pub const MAX_STROOM: usize = 128;
/// Longest identifier (code, id, reference, pseudonym), in bytes.
pub const MAX_SLEUTEL: usize = 64;
/// Longest name, in bytes.
pub const MAX_NAAM: usize = 200;
/// Longest free text (a `reden`), in bytes.
pub const MAX_TEKST: usize = 2_000;

/// The kind of a string field, which sets its limit and the characters it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tekstsoort {
    Stroom,
    Sleutel,
    Naam,
    VrijeTekst,
}

impl Tekstsoort {
    /// Longest value, in bytes.
    pub fn max_bytes(self) -> usize {
        match self {
            Tekstsoort::Stroom => MAX_STROOM,
            Tekstsoort::Sleutel => MAX_SLEUTEL,
            Tekstsoort::Naam => MAX_NAAM,
            Tekstsoort::VrijeTekst => MAX_TEKST,
        }
    }

    fn teken_toegestaan(self, c: char) -> bool {
        if c == '\0' {
            return false;
        }
        if !c.is_control() {
            return true;
        }
        self == Tekstsoort::VrijeTekst && matches!(c, '\t' | '\n' | '\r')
    }
}

/// Checks one string: `veld` names it in the message (never the value).
pub fn controleer_tekst(veld: &str, soort: Tekstsoort, waarde: &str) -> Result<(), Afwijzing> {
    if waarde.len() > soort.max_bytes() {
        return Err(Afwijzing::new(
            C::TeLang,
            format!(
                "Het veld `{veld}` is te lang: {} bytes, hooguit {} toegestaan.",
                waarde.len(),
                soort.max_bytes()
            ),
        ));
    }
    if let Some(c) = waarde.chars().find(|c| !soort.teken_toegestaan(*c)) {
        let wat = if c == '\0' {
            "een NUL-teken (0x00)".to_owned()
        } else {
            format!("een stuurteken (U+{:04X})", u32::from(c))
        };
        return Err(Afwijzing::new(
            C::OngeldigTeken,
            format!("Het veld `{veld}` bevat {wat}; dat is niet toegestaan."),
        ));
    }
    if bevat_bsn(waarde) {
        return Err(Afwijzing::new(
            C::BsnVerboden,
            format!(
                "Het veld `{veld}` bevat iets dat op een BSN lijkt (8 of 9 cijfers die de elfproef halen); een BSN wordt nooit vastgelegd. Gebruik voor een jeugdige het pseudoniem."
            ),
        ));
    }
    Ok(())
}

/// Checks the stream name and every string of `feit` (see the module docs). Pure and
/// independent of the state.
pub fn controleer_invoer(stroom: &str, feit: &Gebeurtenis) -> Result<(), Afwijzing> {
    controleer_tekst("stroom", Tekstsoort::Stroom, stroom)?;
    let mut fout = Ok(());
    teksten(feit, &mut |veld, soort, waarde| {
        if fout.is_ok() {
            fout = controleer_tekst(veld, soort, waarde);
        }
    });
    fout
}

/// Calls `f` with the name, kind and value of every string of a fact (of a correction's
/// new content too). Every struct is taken apart field by field, so a new string field
/// does not compile until it is listed here.
pub fn teksten(feit: &Gebeurtenis, f: &mut dyn FnMut(&'static str, Tekstsoort, &str)) {
    use Gebeurtenis as G;
    use Tekstsoort::{Naam, Sleutel, VrijeTekst};
    match feit {
        G::LandsdeelGeregistreerd(LandsdeelGeregistreerd { code, naam }) => {
            f("code", Sleutel, code);
            f("naam", Naam, naam);
        }
        G::JeugdregioGeregistreerd(JeugdregioGeregistreerd {
            code,
            naam,
            landsdeel,
        }) => {
            f("code", Sleutel, code);
            f("naam", Naam, naam);
            f("landsdeel", Sleutel, landsdeel);
        }
        G::GemeenteGeregistreerd(GemeenteGeregistreerd {
            code,
            naam,
            jeugdregio,
        }) => {
            f("code", Sleutel, code);
            f("naam", Naam, naam);
            f("jeugdregio", Sleutel, jeugdregio);
        }
        G::AanbiederGeregistreerd(AanbiederGeregistreerd { id, naam }) => {
            f("id", Sleutel, id);
            f("naam", Naam, naam);
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
            f("id", Sleutel, id);
            f("aanbieder", Sleutel, aanbieder);
            f("naam", Naam, naam);
            f("gemeente", Sleutel, gemeente);
        }
        G::PlaatsenGeopend(PlaatsenGeopend {
            voorziening,
            datum: _,
            aantal: _,
        }) => f("voorziening", Sleutel, voorziening),
        G::PlaatsenGesloten(PlaatsenGesloten {
            voorziening,
            datum: _,
            aantal: _,
            reden,
        }) => {
            f("voorziening", Sleutel, voorziening);
            f("reden", VrijeTekst, reden);
        }
        G::PlaatsenOmgebouwd(PlaatsenOmgebouwd {
            van,
            naar,
            datum: _,
            aantal_uit: _,
            aantal_in: _,
            reden,
        }) => {
            f("van", Sleutel, van);
            f("naar", Sleutel, naar);
            f("reden", VrijeTekst, reden);
        }
        G::VoorzieningGesloten(VoorzieningGesloten {
            voorziening,
            datum: _,
            reden,
        }) => {
            f("voorziening", Sleutel, voorziening);
            f("reden", VrijeTekst, reden);
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
                f("scope", Sleutel, c);
            }
        },
        G::JeugdigeGeregistreerd(JeugdigeGeregistreerd {
            pseudoniem,
            geboortejaar: _,
            geslacht: _,
            woongemeente,
            datum: _,
        }) => {
            f("pseudoniem", Sleutel, pseudoniem);
            f("woongemeente", Sleutel, woongemeente);
        }
        G::WoongemeenteGewijzigd(WoongemeenteGewijzigd {
            woongemeente,
            datum: _,
        }) => f("woongemeente", Sleutel, woongemeente),
        G::MachtigingAfgegeven(MachtigingAfgegeven {
            machtiging,
            soort: _,
            geldig_van: _,
            geldig_tot: _,
            aangevraagd_door,
        }) => {
            f("machtiging", Sleutel, machtiging);
            f("aangevraagd_door", Naam, aangevraagd_door);
        }
        G::MachtigingBeeindigd(MachtigingBeeindigd {
            machtiging,
            datum: _,
            reden,
        }) => {
            f("machtiging", Sleutel, machtiging);
            f("reden", VrijeTekst, reden);
        }
        G::PlaatsingGestart(PlaatsingGestart {
            voorziening,
            datum: _,
            spoed: _,
            crisis: _,
            verblijf_voor: _,
        }) => f("voorziening", Sleutel, voorziening),
        G::Doorgeplaatst(Doorgeplaatst {
            van,
            naar,
            datum: _,
            reden,
            tegen_wens_jeugdige: _,
            tegen_wens_aanbieder: _,
        }) => {
            f("van", Sleutel, van);
            f("naar", Sleutel, naar);
            f("reden", VrijeTekst, reden);
        }
        G::PlaatsingBeeindigd(PlaatsingBeeindigd {
            voorziening,
            datum: _,
            bestemming: _,
            reden,
            reden_beeindiging: _,
        }) => {
            if let Some(v) = voorziening {
                f("voorziening", Sleutel, v);
            }
            f("reden", VrijeTekst, reden);
        }
        G::FeitGecorrigeerd(FeitGecorrigeerd {
            vervangt: _,
            nieuw,
            reden,
        }) => {
            f("reden", VrijeTekst, reden);
            teksten(nieuw, f);
        }
        G::FeitIngetrokken(FeitIngetrokken { event_id: _, reden }) => {
            f("reden", VrijeTekst, reden);
        }
        G::PersoonsgegevensIngezien(PersoonsgegevensIngezien {
            wie,
            token,
            rol,
            wat,
            stromen,
        }) => {
            f("wie", Naam, wie);
            f("token", Naam, token);
            f("rol", Naam, rol);
            f("wat", Naam, wat);
            for s in stromen {
                f("stromen", Tekstsoort::Stroom, s);
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
        controleer_invoer(stroom, feit).err().map(|a| a.code)
    }

    #[test]
    fn limits_and_characters() {
        let s = "voorziening-F1";
        assert_eq!(code(s, &gesloten("afbouw volgens plan")), None);
        assert_eq!(code(s, &gesloten("regel 1\nregel 2\tmet tab")), None);
        assert_eq!(code(s, &gesloten(&"x".repeat(MAX_TEKST))), None);
        assert_eq!(
            code(s, &gesloten(&"x".repeat(MAX_TEKST + 1))),
            Some(C::TeLang)
        );
        assert_eq!(code(s, &gesloten("a\0b")), Some(C::OngeldigTeken));
        assert_eq!(code(s, &gesloten("a\u{1b}[31m")), Some(C::OngeldigTeken));
        assert_eq!(
            code(&"s".repeat(MAX_STROOM + 1), &gesloten("x")),
            Some(C::TeLang)
        );
        assert_eq!(
            code("voorziening-F\n1", &gesloten("x")),
            Some(C::OngeldigTeken)
        );
        let lang = AanbiederGeregistreerd {
            id: "A".repeat(MAX_SLEUTEL + 1),
            naam: "x".into(),
        }
        .into();
        assert_eq!(code("aanbieder-A", &lang), Some(C::TeLang));
    }

    #[test]
    fn a_bsn_anywhere_is_refused_without_echoing_it() {
        for bsn in ["999999990", "111222333", "123456782"] {
            let a = controleer_invoer(
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

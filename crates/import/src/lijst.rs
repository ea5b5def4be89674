//! The coordinator's list (`type` = `Plaatsingslijst`): how a placement coordination point
//! keeps its waiting list today, one row per registration, each row carrying the request's
//! own fields. A row expands into the facts of the catalogue:
//!
//! - `PlaatsingsverzoekIngediend` (the request: `verzoek`, `ingediend_op`, `verwijzer`,
//!   `urgentie`, `vorm`, `regime`, `jeugdregio`), once per request however many rows
//!   carry it;
//! - `JeugdigeAangemeld` when the row names an `aanbieder` (with `aangemeld_op`, and
//!   optionally the `voorziening`);
//! - `PlaatsAangeboden` when `aangeboden_op` is filled (the row's `voorziening`);
//! - `AanmeldingGeweigerd` when `geweigerd_op` is filled (`weigeringsreden`,
//!   `weigering_toelichting`), by the row's `aanbieder`;
//! - `PlaatsingsverzoekIngetrokken` when `ingetrokken_op` is filled (`intrekkingsreden`,
//!   `intrekking_toelichting`), once per request.
//!
//! A list is exported again and again as it grows: [`Verzoeken`] remembers the need-side
//! facts in the log, so a fact a row repeats (the same request, the same registration) is
//! skipped rather than refused, and a row that contradicts what is known (the same
//! `verzoek` with another urgency) is refused with both values. A placement fulfils a
//! request through `PlaatsingGestart` / `Doorgeplaatst` with `verzoek`: the list does not
//! record placements.

use std::borrow::Cow;
use std::collections::HashMap;

use uuid::Uuid;

use kringloop_events::{
    AanmeldingGeweigerd, Doorgeplaatst, Gebeurtenis, JeugdigeAangemeld, PlaatsAangeboden,
    PlaatsingGestart, PlaatsingsverzoekIngediend, PlaatsingsverzoekIngetrokken,
};

use crate::formaat::{
    self, INTREKKINGSREDENEN, REGIMES, Soort, TypeSpec, URGENTIES, VERWIJZERS, VORMEN, Veld,
    VeldFout, Velden, WEIGERINGSREDENEN,
};

/// The record type of a list row.
pub const LIJST_TYPE: &str = "Plaatsingslijst";

const fn v(naam: &'static str, soort: Soort) -> Veld {
    Veld {
        naam,
        soort,
        verplicht: true,
    }
}

const fn opt(naam: &'static str, soort: Soort) -> Veld {
    Veld {
        naam,
        soort,
        verplicht: false,
    }
}

/// The columns of a list row (besides `type`, `pseudoniem`/`bsn` and the meta columns).
pub const SPEC: TypeSpec = TypeSpec {
    event_type: LIJST_TYPE,
    jeugdige: true,
    velden: &[
        v("verzoek", Soort::Tekst),
        v("ingediend_op", Soort::Datum),
        v("verwijzer", Soort::Keuze(VERWIJZERS)),
        v("urgentie", Soort::Keuze(URGENTIES)),
        v("vorm", Soort::Keuze(VORMEN)),
        v("regime", Soort::Keuze(REGIMES)),
        v("jeugdregio", Soort::Tekst),
        opt("aanbieder", Soort::Tekst),
        opt("voorziening", Soort::Tekst),
        opt("aangemeld_op", Soort::Datum),
        opt("aangeboden_op", Soort::Datum),
        opt("geweigerd_op", Soort::Datum),
        opt("weigeringsreden", Soort::Keuze(WEIGERINGSREDENEN)),
        opt("weigering_toelichting", Soort::Tekst),
        opt("ingetrokken_op", Soort::Datum),
        opt("intrekkingsreden", Soort::Keuze(INTREKKINGSREDENEN)),
        opt("intrekking_toelichting", Soort::Tekst),
    ],
    uitleg: "de lijst van een plaatsingscoördinatie: één regel per aanmelding, met de gegevens van het verzoek",
};

/// Whether a column may be filled in a list row.
pub fn hoort_bij(column: &str) -> bool {
    SPEC.velden.iter().any(|v| v.naam == column)
}

/// The fields of a row under the names of one catalogue type: `namen` maps the type's
/// field to the list's column.
struct Hernoemd<'a> {
    rij: &'a dyn Velden,
    namen: &'a [(&'a str, &'a str)],
}

impl Velden for Hernoemd<'_> {
    fn tekst(&self, naam: &str) -> Result<Option<Cow<'_, str>>, VeldFout> {
        let kolom = self
            .namen
            .iter()
            .find(|(veld, _)| *veld == naam)
            .map_or(naam, |(_, kolom)| *kolom);
        self.rij.tekst(kolom)
    }
}

/// Builds one catalogue fact from a row, with error messages naming the list's columns.
fn bouw(
    event_type: &str,
    rij: &dyn Velden,
    namen: &[(&str, &str)],
    pseudoniem: &str,
) -> Result<Gebeurtenis, VeldFout> {
    let spec = formaat::spec(event_type)
        .ok_or_else(|| VeldFout(format!("{event_type} heeft geen recordformaat")))?;
    formaat::bouw(spec, &Hernoemd { rij, namen }, "", Some(pseudoniem), None).map_err(|e| {
        let mut m = e.0;
        for (veld, kolom) in namen {
            if veld != kolom {
                m = m.replacen(&format!("`{veld}`"), &format!("`{kolom}`"), 1);
            }
        }
        VeldFout(m)
    })
}

fn gevuld(rij: &dyn Velden, kolom: &str) -> Result<bool, VeldFout> {
    Ok(rij.tekst(kolom)?.is_some())
}

/// Reads one list row into its facts, in the order they happened (request, registration,
/// offer, refusal, withdrawal). Combinations that cannot be meant are refused here, with
/// the columns named: a refusal without a provider, a reason without a date.
pub fn lees(rij: &dyn Velden, pseudoniem: &str) -> Result<Vec<Gebeurtenis>, VeldFout> {
    // Every column is checked once for its own kind (dates, codes, no BSN), so that an
    // error names the list's column even for a fact that is not built.
    for veld in SPEC.velden {
        formaat::waarde(veld, rij.tekst(veld.naam)?.as_deref())?;
    }
    let paar = |a: &str, b: &str| -> Result<(), VeldFout> {
        match (gevuld(rij, a)?, gevuld(rij, b)?) {
            (true, false) => Err(VeldFout(format!(
                "`{a}` is gevuld maar `{b}` niet; vul ze samen in"
            ))),
            (false, true) => Err(VeldFout(format!(
                "`{b}` is gevuld maar `{a}` niet; vul ze samen in"
            ))),
            _ => Ok(()),
        }
    };
    paar("aanbieder", "aangemeld_op")?;
    paar("geweigerd_op", "weigeringsreden")?;
    paar("ingetrokken_op", "intrekkingsreden")?;
    if gevuld(rij, "voorziening")? && !gevuld(rij, "aanbieder")? {
        return Err(VeldFout(
            "`voorziening` is gevuld maar `aanbieder` niet: een aanmelding is bij een aanbieder"
                .to_owned(),
        ));
    }
    if gevuld(rij, "aangeboden_op")? && !gevuld(rij, "voorziening")? {
        return Err(VeldFout(
            "`aangeboden_op` is gevuld maar `voorziening` niet: vul de voorziening van de aangeboden plek in".to_owned(),
        ));
    }
    if gevuld(rij, "weigering_toelichting")? && !gevuld(rij, "geweigerd_op")? {
        return Err(VeldFout(
            "`weigering_toelichting` is gevuld maar `geweigerd_op` niet".to_owned(),
        ));
    }
    if gevuld(rij, "intrekking_toelichting")? && !gevuld(rij, "ingetrokken_op")? {
        return Err(VeldFout(
            "`intrekking_toelichting` is gevuld maar `ingetrokken_op` niet".to_owned(),
        ));
    }
    // The order of the row's dates: what happened to one registration cannot come before
    // the registration, nor a registration before the request.
    let datum = |kolom: &str| -> Result<Option<chrono::NaiveDate>, VeldFout> {
        Ok(rij.tekst(kolom)?.as_deref().and_then(formaat::parse_datum))
    };
    let volgorde = [
        ("aangemeld_op", "ingediend_op"),
        ("aangeboden_op", "aangemeld_op"),
        ("geweigerd_op", "aangemeld_op"),
        ("ingetrokken_op", "ingediend_op"),
    ];
    for (later, eerder) in volgorde {
        if let (Some(l), Some(e)) = (datum(later)?, datum(eerder)?)
            && l < e
        {
            return Err(VeldFout(format!(
                "`{later}` ({l}) ligt vóór `{eerder}` ({e})"
            )));
        }
    }
    let mut feiten = vec![bouw(
        "PlaatsingsverzoekIngediend",
        rij,
        &[("datum", "ingediend_op")],
        pseudoniem,
    )?];
    if gevuld(rij, "aanbieder")? {
        feiten.push(bouw(
            "JeugdigeAangemeld",
            rij,
            &[("datum", "aangemeld_op")],
            pseudoniem,
        )?);
    }
    if gevuld(rij, "aangeboden_op")? {
        feiten.push(bouw(
            "PlaatsAangeboden",
            rij,
            &[("datum", "aangeboden_op")],
            pseudoniem,
        )?);
    }
    if gevuld(rij, "geweigerd_op")? {
        feiten.push(bouw(
            "AanmeldingGeweigerd",
            rij,
            &[
                ("datum", "geweigerd_op"),
                ("reden", "weigeringsreden"),
                ("toelichting", "weigering_toelichting"),
            ],
            pseudoniem,
        )?);
    }
    if gevuld(rij, "ingetrokken_op")? {
        feiten.push(bouw(
            "PlaatsingsverzoekIngetrokken",
            rij,
            &[
                ("datum", "ingetrokken_op"),
                ("reden", "intrekkingsreden"),
                ("toelichting", "intrekking_toelichting"),
            ],
            pseudoniem,
        )?);
    }
    Ok(feiten)
}

/// What is known of one request: its facts as recorded (first version; corrections are
/// not followed, see the import documentation).
#[derive(Debug, Clone, Default)]
pub struct Verzoek {
    pub ingediend: Option<PlaatsingsverzoekIngediend>,
    pub aanmeldingen: Vec<JeugdigeAangemeld>,
    pub aanbiedingen: Vec<PlaatsAangeboden>,
    pub weigeringen: Vec<AanmeldingGeweigerd>,
    pub ingetrokken: Option<PlaatsingsverzoekIngetrokken>,
    /// A placement named it.
    pub vervuld: bool,
}

impl Verzoek {
    /// Neither fulfilled nor withdrawn.
    pub fn open(&self) -> bool {
        self.ingediend.is_some() && !self.vervuld && self.ingetrokken.is_none()
    }
}

/// The need-side facts per youth stream and request id: from the log, plus what the
/// current input added.
#[derive(Debug, Clone, Default)]
pub struct Verzoeken {
    per_stream: HashMap<String, Vec<(String, Verzoek)>>,
    /// The logged need-side facts by event id (stream and current content), so that a
    /// correction or retraction in the log replaces or removes what it names.
    per_id: HashMap<Uuid, (String, Gebeurtenis)>,
}

/// What to do with a fact from a list row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Oordeel {
    /// New: check it with the rules and write it.
    Nieuw,
    /// Already known with the same content: skip it.
    Bekend,
    /// Contradicts what is known: refuse the row.
    Strijdig(String),
}

impl Verzoeken {
    fn verzoek_mut(&mut self, stream: &str, id: &str) -> &mut Verzoek {
        let lijst = self.per_stream.entry(stream.to_owned()).or_default();
        let i = match lijst.iter().position(|(v, _)| v == id) {
            Some(i) => i,
            None => {
                lijst.push((id.to_owned(), Verzoek::default()));
                lijst.len() - 1
            }
        };
        &mut lijst[i].1
    }

    pub fn verzoek(&self, stream: &str, id: &str) -> Option<&Verzoek> {
        self.per_stream
            .get(stream)?
            .iter()
            .find(|(v, _)| v == id)
            .map(|(_, v)| v)
    }

    /// The youth's requests in the order they became known.
    pub fn van(&self, stream: &str) -> impl Iterator<Item = (&str, &Verzoek)> {
        self.per_stream
            .get(stream)
            .into_iter()
            .flatten()
            .map(|(id, v)| (id.as_str(), v))
    }

    /// Whether [`Verzoeken::apply`] remembers anything of `feit`.
    pub fn relevant(feit: &Gebeurtenis) -> bool {
        match feit {
            Gebeurtenis::PlaatsingsverzoekIngediend(_)
            | Gebeurtenis::JeugdigeAangemeld(_)
            | Gebeurtenis::PlaatsAangeboden(_)
            | Gebeurtenis::AanmeldingGeweigerd(_)
            | Gebeurtenis::PlaatsingsverzoekIngetrokken(_) => true,
            Gebeurtenis::PlaatsingGestart(e) => e.verzoek.is_some(),
            Gebeurtenis::Doorgeplaatst(e) => e.verzoek.is_some(),
            _ => false,
        }
    }

    /// Remembers a fact written (or about to be written) to `stream`.
    pub fn apply(&mut self, stream: &str, feit: &Gebeurtenis) {
        match feit {
            Gebeurtenis::PlaatsingsverzoekIngediend(e) => {
                let v = self.verzoek_mut(stream, &e.verzoek);
                if v.ingediend.is_none() {
                    v.ingediend = Some(e.clone());
                }
            }
            Gebeurtenis::JeugdigeAangemeld(e) => {
                self.verzoek_mut(stream, &e.verzoek)
                    .aanmeldingen
                    .push(e.clone());
            }
            Gebeurtenis::PlaatsAangeboden(e) => {
                self.verzoek_mut(stream, &e.verzoek)
                    .aanbiedingen
                    .push(e.clone());
            }
            Gebeurtenis::AanmeldingGeweigerd(e) => {
                self.verzoek_mut(stream, &e.verzoek)
                    .weigeringen
                    .push(e.clone());
            }
            Gebeurtenis::PlaatsingsverzoekIngetrokken(e) => {
                let v = self.verzoek_mut(stream, &e.verzoek);
                if v.ingetrokken.is_none() {
                    v.ingetrokken = Some(e.clone());
                }
            }
            Gebeurtenis::PlaatsingGestart(e) => {
                if let Some(id) = &e.verzoek {
                    self.verzoek_mut(stream, id).vervuld = true;
                }
            }
            Gebeurtenis::Doorgeplaatst(e) => {
                if let Some(id) = &e.verzoek {
                    self.verzoek_mut(stream, id).vervuld = true;
                }
            }
            _ => {}
        }
    }

    /// Remembers a fact from the log: as [`Verzoeken::apply`], and a correction or
    /// retraction of a need-side fact replaces or removes it.
    pub fn apply_logged(&mut self, stream: &str, event_id: Uuid, feit: &Gebeurtenis) {
        match feit {
            Gebeurtenis::FeitGecorrigeerd(c) => {
                if let Some((s, oud)) = self.per_id.get(&c.vervangt).cloned() {
                    self.remove(&s, &oud);
                    self.apply(&s, &c.nieuw);
                    self.per_id
                        .insert(c.vervangt, (s.clone(), (*c.nieuw).clone()));
                    self.per_id.insert(event_id, (s, (*c.nieuw).clone()));
                }
            }
            Gebeurtenis::FeitIngetrokken(i) => {
                if let Some((s, oud)) = self.per_id.remove(&i.event_id) {
                    self.remove(&s, &oud);
                }
            }
            _ if Self::relevant(feit) => {
                self.per_id
                    .insert(event_id, (stream.to_owned(), feit.clone()));
                self.apply(stream, feit);
            }
            _ => {}
        }
    }

    /// Forgets a fact (the opposite of [`Verzoeken::apply`]).
    fn remove(&mut self, stream: &str, feit: &Gebeurtenis) {
        fn weg<T: PartialEq>(lijst: &mut Vec<T>, x: &T) {
            if let Some(i) = lijst.iter().position(|y| y == x) {
                lijst.remove(i);
            }
        }
        let id = match feit {
            Gebeurtenis::PlaatsingsverzoekIngediend(e) => &e.verzoek,
            Gebeurtenis::JeugdigeAangemeld(e) => &e.verzoek,
            Gebeurtenis::PlaatsAangeboden(e) => &e.verzoek,
            Gebeurtenis::AanmeldingGeweigerd(e) => &e.verzoek,
            Gebeurtenis::PlaatsingsverzoekIngetrokken(e) => &e.verzoek,
            Gebeurtenis::PlaatsingGestart(PlaatsingGestart {
                verzoek: Some(id), ..
            })
            | Gebeurtenis::Doorgeplaatst(Doorgeplaatst {
                verzoek: Some(id), ..
            }) => id,
            _ => return,
        };
        let Some(v) = self
            .per_stream
            .get_mut(stream)
            .and_then(|l| l.iter_mut().find(|(x, _)| x == id))
            .map(|(_, v)| v)
        else {
            return;
        };
        match feit {
            Gebeurtenis::PlaatsingsverzoekIngediend(e) if v.ingediend.as_ref() == Some(e) => {
                v.ingediend = None;
            }
            Gebeurtenis::JeugdigeAangemeld(e) => weg(&mut v.aanmeldingen, e),
            Gebeurtenis::PlaatsAangeboden(e) => weg(&mut v.aanbiedingen, e),
            Gebeurtenis::AanmeldingGeweigerd(e) => weg(&mut v.weigeringen, e),
            Gebeurtenis::PlaatsingsverzoekIngetrokken(e) if v.ingetrokken.as_ref() == Some(e) => {
                v.ingetrokken = None;
            }
            Gebeurtenis::PlaatsingGestart(_) | Gebeurtenis::Doorgeplaatst(_) => v.vervuld = false,
            _ => {}
        }
    }

    /// Judges a fact from a list row against what is known (see [`Oordeel`]).
    pub fn oordeel(&self, stream: &str, feit: &Gebeurtenis) -> Oordeel {
        let bekend = |verzoek: &str| self.verzoek(stream, verzoek);
        match feit {
            Gebeurtenis::PlaatsingsverzoekIngediend(e) => {
                match bekend(&e.verzoek).and_then(|v| v.ingediend.as_ref()) {
                    None => Oordeel::Nieuw,
                    Some(k) if k == e => Oordeel::Bekend,
                    Some(k) => Oordeel::Strijdig(format!(
                        "verzoek {} is al bekend met andere gegevens: {}; deze regel zegt {}",
                        e.verzoek,
                        beschrijf(k),
                        beschrijf(e)
                    )),
                }
            }
            Gebeurtenis::JeugdigeAangemeld(e) => {
                let Some(v) = bekend(&e.verzoek) else {
                    return Oordeel::Nieuw;
                };
                if v.aanmeldingen.contains(e) {
                    Oordeel::Bekend
                } else if let Some(k) = v
                    .aanmeldingen
                    .iter()
                    .find(|k| k.aanbieder == e.aanbieder && k.voorziening == e.voorziening)
                {
                    Oordeel::Strijdig(format!(
                        "verzoek {} is al aangemeld bij {} op {}; deze regel zegt {}",
                        e.verzoek, e.aanbieder, k.datum, e.datum
                    ))
                } else {
                    Oordeel::Nieuw
                }
            }
            Gebeurtenis::PlaatsAangeboden(e) => match bekend(&e.verzoek) {
                Some(v) if v.aanbiedingen.contains(e) => Oordeel::Bekend,
                _ => Oordeel::Nieuw,
            },
            Gebeurtenis::AanmeldingGeweigerd(e) => {
                let Some(v) = bekend(&e.verzoek) else {
                    return Oordeel::Nieuw;
                };
                // The toelichting is not compared: it is sealed in the log, and erased
                // with the youth's key.
                let zelfde =
                    |k: &&AanmeldingGeweigerd| k.aanbieder == e.aanbieder && k.datum == e.datum;
                if v.weigeringen
                    .iter()
                    .any(|k| zelfde(&k) && k.reden == e.reden)
                {
                    Oordeel::Bekend
                } else if let Some(k) = v.weigeringen.iter().find(zelfde) {
                    Oordeel::Strijdig(format!(
                        "de weigering van verzoek {} door {} op {} is al bekend met reden {}; deze regel zegt {}",
                        e.verzoek,
                        e.aanbieder,
                        e.datum,
                        k.reden.code(),
                        e.reden.code()
                    ))
                } else {
                    Oordeel::Nieuw
                }
            }
            Gebeurtenis::PlaatsingsverzoekIngetrokken(e) => {
                match bekend(&e.verzoek).and_then(|v| v.ingetrokken.as_ref()) {
                    None => Oordeel::Nieuw,
                    // The toelichting is not compared (see the refusal above).
                    Some(k) if k.datum == e.datum && k.reden == e.reden => Oordeel::Bekend,
                    Some(k) => Oordeel::Strijdig(format!(
                        "verzoek {} is al ingetrokken op {} met reden {}; deze regel zegt {} met reden {}",
                        e.verzoek,
                        k.datum,
                        k.reden.code(),
                        e.datum,
                        e.reden.code()
                    )),
                }
            }
            _ => Oordeel::Nieuw,
        }
    }
}

fn beschrijf(e: &PlaatsingsverzoekIngediend) -> String {
    format!(
        "ingediend op {}, verwijzer {}, urgentie {}, vorm {}, regime {}, jeugdregio {}",
        e.datum,
        e.verwijzer.code(),
        e.urgentie.code(),
        e.vorm.code(),
        e.regime.code(),
        e.jeugdregio
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Kaart(HashMap<&'static str, &'static str>);
    impl Velden for Kaart {
        fn tekst(&self, naam: &str) -> Result<Option<Cow<'_, str>>, VeldFout> {
            Ok(self
                .0
                .get(naam)
                .filter(|s| !s.trim().is_empty())
                .map(|s| Cow::Borrowed(*s)))
        }
    }

    fn rij(extra: &[(&'static str, &'static str)]) -> Kaart {
        let mut m = HashMap::from([
            ("verzoek", "RMD-1"),
            ("ingediend_op", "2025-01-10"),
            ("verwijzer", "GEMEENTE_WIJKTEAM"),
            ("urgentie", "REGULIER"),
            ("vorm", "GEZINSHUIS"),
            ("regime", "OPEN"),
            ("jeugdregio", "RIJNMOND"),
        ]);
        m.extend(extra.iter().copied());
        Kaart(m)
    }

    fn fout(extra: &[(&'static str, &'static str)]) -> String {
        match lees(&rij(extra), "p1") {
            Ok(f) => panic!("accepted: {f:?}"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn a_row_expands_into_request_registration_refusal_and_withdrawal() {
        let f = lees(
            &rij(&[
                ("aanbieder", "SCHAKENBOSCH"),
                ("voorziening", "SKB-DE-LINDE"),
                ("aangemeld_op", "13-01-2025"),
                ("geweigerd_op", "2025-01-20"),
                ("weigeringsreden", "geen_plek"),
                ("ingetrokken_op", "2025-02-01"),
                ("intrekkingsreden", "ANDERE_OPLOSSING"),
            ]),
            "p1",
        )
        .map_err(|e| e.0);
        let typen: Vec<&str> = f.iter().flatten().map(Gebeurtenis::event_type).collect();
        assert_eq!(
            typen,
            [
                "PlaatsingsverzoekIngediend",
                "JeugdigeAangemeld",
                "AanmeldingGeweigerd",
                "PlaatsingsverzoekIngetrokken"
            ],
            "{f:?}"
        );
        let f = f.unwrap_or_default();
        assert!(
            matches!(&f[2], Gebeurtenis::AanmeldingGeweigerd(g) if g.toelichting.is_empty() && g.aanbieder == "SCHAKENBOSCH")
        );
        assert!(
            matches!(&f[0], Gebeurtenis::PlaatsingsverzoekIngediend(v) if v.datum.to_string() == "2025-01-10")
        );
    }

    #[test]
    fn unknown_codes_name_the_list_column() {
        let e = fout(&[("urgentie", "HEEL_SNEL")]);
        assert!(
            e.contains("`urgentie`") && e.contains("SPOED, REGULIER"),
            "{e}"
        );
        let e = fout(&[("verwijzer", "HUISARTS")]);
        assert!(
            e.contains("`verwijzer`") && e.contains("GECERTIFICEERDE_INSTELLING"),
            "{e}"
        );
        let e = fout(&[
            ("aanbieder", "A"),
            ("aangemeld_op", "2025-01-13"),
            ("geweigerd_op", "2025-01-14"),
            ("weigeringsreden", "TE_DUUR"),
        ]);
        assert!(
            e.contains("`weigeringsreden`") && e.contains("GEEN_PLEK"),
            "{e}"
        );
        let e = fout(&[
            ("ingetrokken_op", "2025-01-14"),
            ("intrekkingsreden", "WEG"),
        ]);
        assert!(
            e.contains("`intrekkingsreden`") && e.contains("NIET_MEER_NODIG"),
            "{e}"
        );
        let e = fout(&[("ingediend_op", "2025-13-01")]);
        assert!(
            e.contains("`ingediend_op`") && e.contains("geen geldige datum"),
            "{e}"
        );
    }

    #[test]
    fn missing_and_half_filled_columns_are_explained() {
        let mut r = rij(&[]);
        r.0.remove("jeugdregio");
        let e = lees(&r, "p1").err().map(|e| e.0).unwrap_or_default();
        assert!(e.contains("`jeugdregio` ontbreekt"), "{e}");
        let e = fout(&[("aanbieder", "HORIZON")]);
        assert!(e.contains("`aangemeld_op`"), "{e}");
        let e = fout(&[("geweigerd_op", "2025-01-20")]);
        assert!(e.contains("`weigeringsreden`"), "{e}");
        let e = fout(&[("intrekkingsreden", "ANDERS")]);
        assert!(e.contains("`ingetrokken_op`"), "{e}");
        let e = fout(&[("voorziening", "SKB-DE-LINDE")]);
        assert!(e.contains("`aanbieder`"), "{e}");
        let e = fout(&[
            ("aanbieder", "HORIZON"),
            ("aangemeld_op", "2025-01-13"),
            ("aangeboden_op", "2025-01-15"),
        ]);
        assert!(e.contains("`voorziening`"), "{e}");
    }

    #[test]
    fn a_bsn_in_a_toelichting_is_refused_and_not_echoed() {
        let e = fout(&[
            ("ingetrokken_op", "2025-02-01"),
            ("intrekkingsreden", "ANDERS"),
            ("intrekking_toelichting", "dossier 999900006 gesloten"),
        ]);
        assert!(
            e.contains("BSN") && e.contains("`intrekking_toelichting`"),
            "{e}"
        );
        assert!(!e.contains("999900006"));
        let e = fout(&[
            ("aanbieder", "A"),
            ("aangemeld_op", "2025-01-13"),
            ("geweigerd_op", "2025-01-14"),
            ("weigeringsreden", "ANDERS"),
            ("weigering_toelichting", "bsn 999900006"),
        ]);
        assert!(e.contains("BSN") && !e.contains("999900006"), "{e}");
    }

    #[test]
    fn a_repeated_fact_is_known_and_a_contradicting_one_refused() -> Result<(), VeldFout> {
        let mut bekend = Verzoeken::default();
        let eerste = lees(
            &rij(&[("aanbieder", "HORIZON"), ("aangemeld_op", "2025-01-13")]),
            "p1",
        )?;
        for f in &eerste {
            assert_eq!(bekend.oordeel("s", f), Oordeel::Nieuw);
            bekend.apply("s", f);
        }
        for f in &eerste {
            assert_eq!(bekend.oordeel("s", f), Oordeel::Bekend);
        }
        assert!(bekend.verzoek("s", "RMD-1").is_some_and(Verzoek::open));
        let anders = lees(&rij(&[("urgentie", "SPOED")]), "p1")?;
        assert!(
            matches!(bekend.oordeel("s", &anders[0]), Oordeel::Strijdig(ref m) if m.contains("urgentie REGULIER") && m.contains("urgentie SPOED"))
        );
        let later = lees(
            &rij(&[("aanbieder", "HORIZON"), ("aangemeld_op", "2025-01-20")]),
            "p1",
        )?;
        assert!(matches!(
            bekend.oordeel("s", &later[1]),
            Oordeel::Strijdig(_)
        ));
        assert_eq!(bekend.oordeel("andere", &later[1]), Oordeel::Nieuw);
        Ok(())
    }

    #[test]
    fn a_correction_in_the_log_replaces_and_a_retraction_removes() -> Result<(), VeldFout> {
        let mut bekend = Verzoeken::default();
        let feiten = lees(
            &rij(&[("aanbieder", "HORIZON"), ("aangemeld_op", "2025-01-13")]),
            "p1",
        )?;
        let ids = [Uuid::now_v7(), Uuid::now_v7()];
        for (id, f) in ids.iter().zip(&feiten) {
            bekend.apply_logged("s", *id, f);
        }
        let spoed = lees(&rij(&[("urgentie", "SPOED")]), "p1")?;
        assert!(matches!(
            bekend.oordeel("s", &spoed[0]),
            Oordeel::Strijdig(_)
        ));
        let correctie: Gebeurtenis = kringloop_events::FeitGecorrigeerd {
            vervangt: ids[0],
            nieuw: Box::new(spoed[0].clone()),
            reden: "spoed".into(),
        }
        .into();
        bekend.apply_logged("s", Uuid::now_v7(), &correctie);
        assert_eq!(bekend.oordeel("s", &spoed[0]), Oordeel::Bekend);
        let intrekking: Gebeurtenis = kringloop_events::FeitIngetrokken {
            event_id: ids[1],
            reden: "vergissing".into(),
        }
        .into();
        assert_eq!(bekend.oordeel("s", &feiten[1]), Oordeel::Bekend);
        bekend.apply_logged("s", Uuid::now_v7(), &intrekking);
        assert_eq!(bekend.oordeel("s", &feiten[1]), Oordeel::Nieuw);
        Ok(())
    }

    #[test]
    fn a_toelichting_is_not_compared() -> Result<(), VeldFout> {
        let mut bekend = Verzoeken::default();
        let geweigerd = [
            ("aanbieder", "A"),
            ("aangemeld_op", "2025-01-13"),
            ("geweigerd_op", "2025-01-14"),
            ("weigeringsreden", "GEEN_PLEK"),
        ];
        let met = lees(
            &rij(&[&geweigerd[..], &[("weigering_toelichting", "vol")]].concat()),
            "p1",
        )?;
        for f in &met {
            bekend.apply("s", f);
        }
        let zonder = lees(&rij(&geweigerd), "p1")?;
        assert_eq!(bekend.oordeel("s", &zonder[2]), Oordeel::Bekend);
        Ok(())
    }
}

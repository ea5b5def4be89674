//! From iJw messages to proposed facts.
//!
//! - JW305 StartProduct → `PlaatsingGestart` in the facility the region mapping names;
//! - JW307 StopProduct → `PlaatsingBeeindigd` on the day after Einddatum (iJw's Einddatum
//!   is the last day of care; kringloop's end date is the first day away), with the
//!   destination and reason the mapping gives for its RedenBeeindiging;
//! - a JW307 with RedenBeeindiging 38 (overgang naar andere aanbieder) and a JW305 for the
//!   same youth in another residential facility starting on Einddatum or the day after
//!   → one `Doorgeplaatst` (the episode continues) instead of an end and a new start;
//! - a youth seen for the first time (not in the log, not earlier in these messages) →
//!   `JeugdigeGeregistreerd` first, with year of birth, sex and the message's gemeente;
//! - a JW307 and a JW305 in the same facility on Einddatum or the day after (a new
//!   toewijzing for care that goes on) → nothing: reported as skipped;
//! - JW301 registers a youth seen for the first time (an allocation is not a stay);
//! - JW315 (verzoek om toewijzing) of a residential product → `PlaatsingsverzoekIngediend`
//!   (form and regime from the mapping, REGULIER unless the mapping marks the product
//!   spoed) and `JeugdigeAangemeld` with the sending provider; a JW315 for a youth with an
//!   open request only adds the registration (one message per provider, one request);
//! - a JW305 start (or a doorplaatsing's new facility) names the youth's open request
//!   registered with that facility's provider as the request it fulfils.
//!
//! Messages are processed in the order the knowledge arrived (Dagtekening), then valid
//! date, so a set of messages may be given in any order. A message already imported
//! (its key is in the log's sources) is skipped. Pairing happens within one import: give a
//! stop and its follow-up start in the same run to get a doorplaatsing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use kringloop_events::rules::DomainState;
use kringloop_events::{
    Doorgeplaatst, Gebeurtenis, JeugdigeAangemeld, JeugdigeGeregistreerd, PlaatsingBeeindigd,
    PlaatsingGestart, PlaatsingsverzoekIngediend, RedenBeeindiging, Urgentie, Verblijfplaats,
    Verwijzer, Vorm, jeugdige_stream,
};

use super::mapping::{MappingMatch, ProductRegel, RegioMapping};
use super::{Bericht, BerichtSoort, Product};
use crate::lijst::Verzoeken;
use crate::pseudonym::redact;
use crate::record::{Afgewezen, Location, Voorstel};
use crate::report::Overgeslagen;

/// A parsed message and the file it came from.
#[derive(Debug, Clone)]
pub struct InputMessage {
    pub bestand: String,
    pub bericht: Bericht,
}

/// The facts proposed for a set of messages, plus what was rejected or skipped.
#[derive(Debug, Default)]
pub struct Translation {
    pub voorstellen: Vec<Voorstel>,
    pub afgewezen: Vec<Afgewezen>,
    pub overgeslagen: Vec<Overgeslagen>,
    /// Product lines (and product-less messages) read.
    pub records: u64,
    /// The requests known after these messages (the log's plus those proposed here).
    pub verzoeken: Verzoeken,
}

#[derive(Debug, Clone, Copy)]
enum Kind<'m> {
    Registratie,
    Start {
        rule: &'m ProductRegel,
        datum: NaiveDate,
    },
    Stop {
        rule: &'m ProductRegel,
        /// Einddatum (inclusive).
        eind: NaiveDate,
        reden: RedenBeeindiging,
    },
    /// JW315: a provider asks for an allocation of a residential product.
    Verzoek {
        rule: &'m ProductRegel,
        verwijzer: Verwijzer,
    },
}

#[derive(Debug, Clone, Copy)]
struct Candidate<'m> {
    bericht: usize,
    product: Option<usize>,
    datum: NaiveDate,
    soort: Kind<'m>,
}

fn location(b: &InputMessage, product: Option<&Product>) -> Location {
    let mut e = format!("{} {}", b.bericht.soort.code(), b.bericht.identificatie);
    if let Some(p) = product {
        e.push_str(&format!(
            " {} {}",
            String::from_utf8_lossy(b.bericht.soort.product_element()),
            p.nummer
        ));
    }
    Location::element(&b.bestand, e)
}

fn residentieel(r: &ProductRegel) -> bool {
    r.vorm != Vorm::Ambulant
}

/// Translates messages into proposed facts (see the module docs).
pub fn translate(
    berichten: &[InputMessage],
    mapping: &RegioMapping,
    state: &DomainState,
    al_geimporteerd: &HashSet<String>,
    verzoeken: &Verzoeken,
    backfill: bool,
) -> Translation {
    let mut out = Translation {
        verzoeken: verzoeken.clone(),
        ..Translation::default()
    };
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    let mut gezien: HashSet<String> = HashSet::new();
    for (bi, b) in berichten.iter().enumerate() {
        let m = &b.bericht;
        let source_key = m.source_key();
        if al_geimporteerd.contains(&source_key) || !gezien.insert(source_key) {
            out.records += m.producten.len().max(1) as u64;
            out.overgeslagen.push(Overgeslagen {
                plaats: location(b, None),
                reden: "dit bericht is al eerder geïmporteerd".to_owned(),
            });
            continue;
        }
        if m.producten.is_empty() {
            out.records += 1;
            if matches!(m.soort, BerichtSoort::Jw301 | BerichtSoort::Jw315) {
                candidates.push(Candidate {
                    bericht: bi,
                    product: None,
                    datum: m.dagtekening,
                    soort: Kind::Registratie,
                });
            } else {
                out.afgewezen.push(Afgewezen::unreadable(
                    location(b, None),
                    format!("{} zonder producten", m.soort.code()),
                ));
            }
            continue;
        }
        for (pi, p) in m.producten.iter().enumerate() {
            out.records += 1;
            match candidate(b, bi, pi, p, mapping, state) {
                Ok(Some(k)) => candidates.push(k),
                Ok(None) => out.overgeslagen.push(Overgeslagen {
                    plaats: location(b, Some(p)),
                    reden: format!(
                        "product {} {} is volgens de regiomapping geen verblijf",
                        p.categorie.as_deref().map(redact).unwrap_or_default(),
                        p.code.as_deref().map(redact).unwrap_or_default()
                    ),
                }),
                Err(a) => out.afgewezen.push(a),
            }
        }
    }

    // Order: knowledge time (Dagtekening), then valid date, registrations before stops
    // before starts (a youth leaves before the next one arrives on the same day).
    // A request comes before a start on the same day, so that the start can fulfil it.
    let rang = |k: &Candidate<'_>| match k.soort {
        Kind::Registratie => 0,
        Kind::Verzoek { .. } => 1,
        Kind::Stop { .. } => 2,
        Kind::Start { .. } => 3,
    };
    candidates.sort_by_key(|k| {
        (
            berichten[k.bericht].bericht.dagtekening,
            k.datum,
            rang(k),
            k.bericht,
            k.product,
        )
    });

    // Pair stops with reason 38 with a start elsewhere on Einddatum or the day after.
    // Starts are indexed per youth so that pairing stays linear in the number of messages.
    let mut starts_per_jeugdige: HashMap<&str, Vec<usize>> = HashMap::new();
    for (ti, t) in candidates.iter().enumerate() {
        if matches!(t.soort, Kind::Start { .. }) {
            starts_per_jeugdige
                .entry(berichten[t.bericht].bericht.pseudoniem.as_str())
                .or_default()
                .push(ti);
        }
    }
    let mut partner: HashMap<usize, usize> = HashMap::new();
    let mut bezet: HashSet<usize> = HashSet::new();
    // A stop and a start in the same facility on Einddatum or the day after is an
    // administrative change (a new toewijzing), not a leave and a return: care goes on,
    // so neither becomes a fact.
    let mut doorlopend: HashSet<usize> = HashSet::new();
    for (si, s) in candidates.iter().enumerate() {
        let Kind::Stop {
            rule: van,
            eind,
            reden,
        } = s.soort
        else {
            continue;
        };
        let wie = berichten[s.bericht].bericht.pseudoniem.as_str();
        let volgende = eind.checked_add_days(Days::new(1));
        let find = |past: &dyn Fn(&ProductRegel) -> bool| {
            starts_per_jeugdige.get(wie).and_then(|starts| {
                starts.iter().copied().find(|ti| {
                    !bezet.contains(ti)
                        && matches!(candidates[*ti].soort, Kind::Start { rule: naar, datum }
                            if (datum == eind || Some(datum) == volgende) && past(naar))
                })
            })
        };
        if reden != RedenBeeindiging::Overlijden
            && let Some(ti) = find(&|naar| naar.voorziening == van.voorziening)
        {
            bezet.insert(ti);
            doorlopend.insert(si);
            doorlopend.insert(ti);
            continue;
        }
        if reden != RedenBeeindiging::AndereAanbieder {
            continue;
        }
        let gevonden = find(&|naar| {
            naar.voorziening != van.voorziening && residentieel(naar) && residentieel(van)
        });
        if let Some(ti) = gevonden {
            bezet.insert(ti);
            partner.insert(si, ti);
        }
    }
    let mut doorlopend_op_volgorde: Vec<usize> = doorlopend.iter().copied().collect();
    doorlopend_op_volgorde.sort_unstable();
    for i in doorlopend_op_volgorde {
        let k = candidates[i];
        let b = &berichten[k.bericht];
        out.overgeslagen.push(Overgeslagen {
            plaats: location(b, k.product.map(|pi| &b.bericht.producten[pi])),
            reden: "stop en start in dezelfde voorziening op aansluitende dagen: de zorg loopt door (administratieve wijziging)".to_owned(),
        });
    }
    let gepaard_start: HashSet<usize> = partner.values().copied().collect();

    // Each pair goes where its later message is.
    let mut volgorde: Vec<(usize, Option<usize>)> = Vec::new();
    let mut uitgesteld: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..candidates.len() {
        if gepaard_start.contains(&i) {
            volgorde.push((i, None));
            for s in uitgesteld.remove(&i).unwrap_or_default() {
                volgorde.push((s, Some(i)));
            }
            continue;
        }
        match partner.get(&i) {
            Some(&t) if t > i => uitgesteld.entry(t).or_default().push(i),
            Some(&t) => volgorde.push((i, Some(t))),
            None => volgorde.push((i, None)),
        }
    }

    let mut geregistreerd: HashSet<String> = HashSet::new();
    for (i, paar) in volgorde {
        let k = candidates[i];
        if doorlopend.contains(&i) {
            continue;
        }
        if gepaard_start.contains(&i) && paar.is_none() {
            continue; // emitted with its stop
        }
        let b = &berichten[k.bericht];
        let m = &b.bericht;
        let p = k.product.map(|pi| &m.producten[pi]);
        let mut bron = format!("import:ijw {}", m.source_key());
        let mut tijd_bericht = m;
        let mut place = location(b, p);
        let datum_feit = match (k.soort, paar) {
            (Kind::Stop { .. }, Some(t)) => candidates[t].datum,
            (Kind::Stop { eind, .. }, None) => eind.checked_add_days(Days::new(1)).unwrap_or(eind),
            _ => k.datum,
        };
        if let Some(t) = paar {
            let tb = &berichten[candidates[t].bericht];
            bron.push_str(&format!(" + {}", tb.bericht.source_key()));
            if tb.bericht.dagtekening > tijd_bericht.dagtekening {
                tijd_bericht = &tb.bericht;
            }
            place.element = Some(format!(
                "{} + {}",
                place.element.unwrap_or_default(),
                location(
                    tb,
                    candidates[t].product.map(|pi| &tb.bericht.producten[pi])
                )
                .element
                .unwrap_or_default()
            ));
        }
        let geregistreerd_op: Option<DateTime<Utc>> = backfill
            .then(|| {
                tijd_bericht
                    .dagtekening
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc())
            })
            .flatten();
        let stream = jeugdige_stream(&m.pseudoniem);

        if !geregistreerd.contains(&m.pseudoniem) && !state.is_jeugdige_geregistreerd(&m.pseudoniem)
        {
            match m.geboortejaar {
                Some(jaar) => {
                    geregistreerd.insert(m.pseudoniem.clone());
                    out.voorstellen.push(Voorstel {
                        plaats: place.clone(),
                        stream: Some(stream.clone()),
                        feit: JeugdigeGeregistreerd {
                            pseudoniem: m.pseudoniem.clone(),
                            geboortejaar: jaar,
                            geslacht: m.geslacht,
                            woongemeente: m.gemeente(),
                            datum: datum_feit,
                        }
                        .into(),
                        event_id: None,
                        geregistreerd_op,
                        source: bron.clone(),
                        uit_lijst: false,
                    });
                }
                None => {
                    out.afgewezen.push(Afgewezen::unreadable(
                        place.clone(),
                        "Client/Geboortedatum ontbreekt; nodig om een nieuwe jeugdige te registreren",
                    ));
                    continue;
                }
            }
        }
        let feit: Gebeurtenis = match (k.soort, paar) {
            (Kind::Registratie, _) => continue,
            (Kind::Verzoek { rule, verwijzer }, _) => {
                let Some(aanbieder) = state
                    .voorziening(&rule.voorziening)
                    .map(|v| v.aanbieder.clone())
                else {
                    out.afgewezen.push(Afgewezen {
                        plaats: place,
                        code: "VOORZIENING_ONBEKEND".to_owned(),
                        reden: format!(
                            "de regiomapping noemt voorziening {} voor dit product, maar die is niet geregistreerd; registreer haar eerst",
                            rule.voorziening
                        ),
                    });
                    continue;
                };
                // One message per provider: a youth registered with several providers for
                // one need arrives as several JW315s. They join the youth's open request
                // (from the log, a coordinator's list or an earlier message here).
                let open = out
                    .verzoeken
                    .van(&stream)
                    .filter(|(_, v)| v.open())
                    .last()
                    .map(|(id, _)| id.to_owned());
                let verzoek = match open {
                    Some(id) => id,
                    None => {
                        let id = format!("{} {}", m.soort.code(), m.identificatie);
                        let ingediend: Gebeurtenis = PlaatsingsverzoekIngediend {
                            verzoek: id.clone(),
                            datum: m.dagtekening,
                            verwijzer,
                            // iJw does not say how urgent a request is: a product the
                            // mapping marks as spoed makes it SPOED, otherwise REGULIER.
                            urgentie: if rule.spoed {
                                Urgentie::Spoed
                            } else {
                                Urgentie::Regulier
                            },
                            vorm: rule.vorm,
                            regime: rule.regime,
                            jeugdregio: mapping.regio.clone(),
                        }
                        .into();
                        out.verzoeken.apply(&stream, &ingediend);
                        out.voorstellen.push(Voorstel {
                            plaats: place.clone(),
                            stream: Some(stream.clone()),
                            feit: ingediend,
                            event_id: None,
                            geregistreerd_op,
                            source: bron.clone(),
                            uit_lijst: false,
                        });
                        id
                    }
                };
                if out
                    .verzoeken
                    .verzoek(&stream, &verzoek)
                    .is_some_and(|v| v.aanmeldingen.iter().any(|a| a.aanbieder == aanbieder))
                {
                    out.overgeslagen.push(Overgeslagen {
                        plaats: place,
                        reden: format!(
                            "het verzoek {verzoek} is al aangemeld bij {aanbieder}: een nieuw JW315 van dezelfde aanbieder is geen nieuwe aanmelding"
                        ),
                    });
                    continue;
                }
                JeugdigeAangemeld {
                    verzoek,
                    aanbieder,
                    voorziening: Some(rule.voorziening.clone()),
                    datum: m.dagtekening,
                }
                .into()
            }
            (Kind::Start { rule, datum }, _) => PlaatsingGestart {
                voorziening: rule.voorziening.clone(),
                datum,
                spoed: rule.spoed,
                crisis: rule
                    .crisis
                    .unwrap_or(p.and_then(|p| p.categorie.as_deref()) == Some("46")),
                // iJw does not say where the youth lived before.
                verblijf_voor: Verblijfplaats::Onbekend,
                verzoek: vervult(&out.verzoeken, state, &stream, &rule.voorziening, datum),
                overbrugging: false,
            }
            .into(),
            (Kind::Stop { rule: van, .. }, Some(t)) => {
                let Kind::Start { rule: naar, datum } = candidates[t].soort else {
                    continue;
                };
                Doorgeplaatst {
                    van: van.voorziening.clone(),
                    naar: naar.voorziening.clone(),
                    datum,
                    reden: mapping
                        .reden
                        .get("38")
                        .map(|r| r.reden.clone())
                        .unwrap_or_else(|| {
                            "overgang naar andere aanbieder (RedenBeeindiging 38)".to_owned()
                        }),
                    tegen_wens_jeugdige: false,
                    tegen_wens_aanbieder: false,
                    verzoek: vervult(&out.verzoeken, state, &stream, &naar.voorziening, datum),
                    overbrugging: false,
                }
                .into()
            }
            (Kind::Stop { rule, reden, .. }, None) => {
                let Some(r) = mapping.reden.get(reden.code()) else {
                    out.afgewezen.push(Afgewezen {
                        plaats: place,
                        code: "REDEN_NIET_GEMAPT".to_owned(),
                        reden: format!(
                            "RedenBeeindiging {} staat niet in de regiomapping ([reden.\"{}\"])",
                            reden.code(),
                            reden.code()
                        ),
                    });
                    continue;
                };
                PlaatsingBeeindigd {
                    voorziening: Some(rule.voorziening.clone()),
                    datum: datum_feit,
                    bestemming: r.bestemming,
                    reden: r.reden.clone(),
                    reden_beeindiging: Some(reden),
                }
                .into()
            }
        };
        out.verzoeken.apply(&stream, &feit);
        out.voorstellen.push(Voorstel {
            plaats: place,
            stream: Some(stream),
            feit,
            event_id: None,
            geregistreerd_op,
            source: bron,
            uit_lijst: false,
        });
    }
    out
}

/// The youth's open request a start in `voorziening` on `datum` fulfils: one registered
/// with the facility's provider on or before that date (iJw's JW305 does not name the
/// request; the registration from the JW315 is the link).
fn vervult(
    verzoeken: &Verzoeken,
    state: &DomainState,
    stream: &str,
    voorziening: &str,
    datum: NaiveDate,
) -> Option<String> {
    let aanbieder = &state.voorziening(voorziening)?.aanbieder;
    verzoeken
        .van(stream)
        .filter(|(_, v)| {
            v.open()
                && v.ingediend.as_ref().is_some_and(|i| i.datum <= datum)
                && v.aanmeldingen
                    .iter()
                    .any(|a| &a.aanbieder == aanbieder && a.datum <= datum)
        })
        .last()
        .map(|(id, _)| id.to_owned())
}

/// iJw's Verwijzer/Type code (JW315) as kringloop's referrer: 01 gemeente, 02 huisarts,
/// 03 jeugdarts, 04 gecertificeerde instelling, 05 medisch specialist, 06 zelfverwijzer
/// or geen verwijzer, 07 onbekend (only for care started before 2015), 08 rechter, Raad
/// voor de Kinderbescherming or officier van justitie. A huisarts or jeugdarts is not a
/// medisch specialist: they become ANDERS, as do 06 and 07.
pub fn verwijzer(code: &str) -> Option<Verwijzer> {
    Some(match code.trim().trim_start_matches('0') {
        "1" => Verwijzer::GemeenteWijkteam,
        "2" | "3" | "6" | "7" => Verwijzer::Anders,
        "4" => Verwijzer::GecertificeerdeInstelling,
        "5" => Verwijzer::MedischSpecialist,
        "8" => Verwijzer::RaadRechter,
        _ => return None,
    })
}

fn candidate<'m>(
    b: &InputMessage,
    bi: usize,
    pi: usize,
    p: &Product,
    mapping: &'m RegioMapping,
    state: &DomainState,
) -> Result<Option<Candidate<'m>>, Afgewezen> {
    let m = &b.bericht;
    let place = || location(b, Some(p));
    if m.soort == BerichtSoort::Jw301 {
        return Ok(Some(Candidate {
            bericht: bi,
            product: Some(pi),
            datum: p.begindatum.unwrap_or(m.dagtekening),
            soort: Kind::Registratie,
        }));
    }
    if p.categorie.is_none() {
        return Err(Afgewezen::unreadable(
            place(),
            "Product/Categorie ontbreekt",
        ));
    }
    let rule = match mapping.find(m, p) {
        MappingMatch::Voorziening(r) => r,
        MappingMatch::Negeren => return Ok(None),
        MappingMatch::Onbekend => {
            return Err(Afgewezen {
                plaats: place(),
                code: "PRODUCT_NIET_GEMAPT".to_owned(),
                reden: format!(
                    "product categorie {} code {} van aanbieder {} staat niet in regiomapping {}; voeg een [[product]] of [[negeer]] toe",
                    p.categorie.as_deref().map(redact).unwrap_or_default(),
                    p.code
                        .as_deref()
                        .map(redact)
                        .unwrap_or_else(|| "-".to_owned()),
                    redact(m.aanbieder()),
                    mapping.regio
                ),
            });
        }
    };
    if let Some(v) = state.voorziening(&rule.voorziening)
        && (v.vorm != rule.vorm || v.regime != rule.regime)
    {
        return Err(Afgewezen {
            plaats: place(),
            code: "MAPPING_KLOPT_NIET".to_owned(),
            reden: format!(
                "de regiomapping zegt dat voorziening {} {} {} is, maar zij is geregistreerd als {} {}",
                rule.voorziening, rule.vorm, rule.regime, v.vorm, v.regime
            ),
        });
    }
    match m.soort {
        BerichtSoort::Jw315 => {
            let code = p.verwijzer.as_deref().ok_or_else(|| {
                Afgewezen::unreadable(
                    place(),
                    "Verwijzer/Type ontbreekt; nodig voor het plaatsingsverzoek",
                )
            })?;
            let verwijzer = verwijzer(code).ok_or_else(|| Afgewezen {
                plaats: place(),
                code: "VERWIJZER_ONBEKEND".to_owned(),
                reden: format!(
                    "Verwijzer/Type `{}` is onbekend; geldig zijn 01 (gemeente), 02 (huisarts), 03 (jeugdarts), 04 (gecertificeerde instelling), 05 (medisch specialist), 06 (rechter, officier van justitie of JJI), 07 (geen verwijzer)",
                    redact(code)
                ),
            })?;
            // The request date is when the provider asked (Dagtekening); the requested
            // start (Ingangsdatum) is not a fact kringloop keeps.
            Ok(Some(Candidate {
                bericht: bi,
                product: Some(pi),
                datum: m.dagtekening,
                soort: Kind::Verzoek { rule, verwijzer },
            }))
        }
        BerichtSoort::Jw305 => {
            let datum = p
                .begindatum
                .ok_or_else(|| Afgewezen::unreadable(place(), "Begindatum ontbreekt"))?;
            Ok(Some(Candidate {
                bericht: bi,
                product: Some(pi),
                datum,
                soort: Kind::Start { rule, datum },
            }))
        }
        _ => {
            let eind = p
                .einddatum
                .ok_or_else(|| Afgewezen::unreadable(place(), "Einddatum ontbreekt"))?;
            let code = p
                .reden_beeindiging
                .as_deref()
                .ok_or_else(|| Afgewezen::unreadable(place(), "RedenBeeindiging ontbreekt"))?;
            let reden = RedenBeeindiging::from_code(code).ok_or_else(|| {
                Afgewezen::unreadable(
                    place(),
                    format!(
                        "RedenBeeindiging `{}` is onbekend; geldig zijn 02, 31, 32, 33, 34, 35, 38, 39",
                        redact(code)
                    ),
                )
            })?;
            Ok(Some(Candidate {
                bericht: bi,
                product: Some(pi),
                datum: eind.checked_add_days(Days::new(1)).unwrap_or(eind),
                soort: Kind::Stop { rule, eind, reden },
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kringloop_events::Geslacht;

    #[test]
    fn verwijzer_codes_map_to_the_domain_referrers() {
        assert_eq!(verwijzer("01"), Some(Verwijzer::GemeenteWijkteam));
        assert_eq!(verwijzer("02"), Some(Verwijzer::Anders));
        assert_eq!(verwijzer("03"), Some(Verwijzer::Anders));
        assert_eq!(verwijzer("04"), Some(Verwijzer::GecertificeerdeInstelling));
        assert_eq!(verwijzer("5"), Some(Verwijzer::MedischSpecialist));
        assert_eq!(verwijzer("06"), Some(Verwijzer::Anders));
        assert_eq!(verwijzer("07"), Some(Verwijzer::Anders));
        assert_eq!(verwijzer("08"), Some(Verwijzer::RaadRechter));
        assert_eq!(verwijzer("09"), None);
        assert_eq!(verwijzer("00"), None);
        assert_eq!(verwijzer(""), None);
    }

    fn mapping() -> RegioMapping {
        let tekst = include_str!("../../fixtures/ijw/mapping-rijnmond.toml");
        RegioMapping::read("mapping-rijnmond.toml", tekst).unwrap_or_else(|e| panic!("{e}"))
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn bericht(
        soort: BerichtSoort,
        id: &str,
        dag: &str,
        afzender: &str,
        p: Product,
    ) -> InputMessage {
        InputMessage {
            bestand: format!("{id}.xml"),
            bericht: Bericht {
                soort,
                identificatie: id.to_owned(),
                dagtekening: d(dag),
                afzender: afzender.to_owned(),
                afzender_kenmerk: afzender.to_owned(),
                ontvanger: "0599".to_owned(),
                pseudoniem: "p-a".to_owned(),
                geboortejaar: Some(2009),
                geslacht: Geslacht::Man,
                producten: vec![p],
            },
        }
    }

    fn product(
        cat: &str,
        code: &str,
        begin: &str,
        eind: Option<&str>,
        reden: Option<&str>,
    ) -> Product {
        Product {
            nummer: 1,
            categorie: Some(cat.to_owned()),
            code: Some(code.to_owned()),
            begindatum: Some(d(begin)),
            einddatum: eind.map(d),
            reden_beeindiging: reden.map(str::to_owned),
            ..Product::default()
        }
    }

    /// A JW305 start of product `cat`/`code` on `begin`.
    fn start(
        id: &str,
        dag: &str,
        afzender: &str,
        cat: &str,
        code: &str,
        begin: &str,
    ) -> InputMessage {
        bericht(
            BerichtSoort::Jw305,
            id,
            dag,
            afzender,
            product(cat, code, begin, None, None),
        )
    }

    /// A JW307 stop of the product started on `begin`, ending on `eind` for `reden`.
    fn stop(
        id: &str,
        dag: &str,
        afzender: &str,
        begin: &str,
        eind: &str,
        reden: &str,
    ) -> InputMessage {
        bericht(
            BerichtSoort::Jw307,
            id,
            dag,
            afzender,
            product("43", "43A41", begin, Some(eind), Some(reden)),
        )
    }

    /// A placement from 2024-03-01 in 43A41 and its stop on 2024-08-31 for `reden`.
    fn placed_and_stopped(reden: &str) -> [InputMessage; 2] {
        [
            start("S1", "2024-03-01", "87654321", "43", "43A41", "2024-03-01"),
            stop(
                "E1",
                "2024-09-02",
                "87654321",
                "2024-03-01",
                "2024-08-31",
                reden,
            ),
        ]
    }

    /// Translates against an empty state, nothing imported before.
    fn translate_fresh(berichten: &[InputMessage]) -> Translation {
        translate(
            berichten,
            &mapping(),
            &DomainState::new(),
            &HashSet::new(),
            &Verzoeken::default(),
            false,
        )
    }

    fn types(v: &Translation) -> Vec<&str> {
        v.voorstellen.iter().map(|v| v.feit.event_type()).collect()
    }

    #[test]
    fn a_start_reported_before_the_stop_still_makes_one_doorplaatsing() {
        let v = translate_fresh(&[
            // The new provider reports first, the old one a week later.
            start("S1", "2024-03-01", "87654321", "43", "43A41", "2024-03-01"),
            start("S2", "2024-09-02", "12345678", "44", "44A05", "2024-09-01"),
            stop(
                "E1",
                "2024-09-09",
                "87654321",
                "2024-03-01",
                "2024-08-31",
                "38",
            ),
        ]);
        assert!(v.afgewezen.is_empty(), "{:?}", v.afgewezen);
        assert_eq!(
            types(&v),
            ["JeugdigeGeregistreerd", "PlaatsingGestart", "Doorgeplaatst"]
        );
        let laatste = v
            .voorstellen
            .last()
            .map(|v| v.source.clone())
            .unwrap_or_default();
        assert!(
            laatste.contains("JW305 S2") && laatste.contains("JW307 E1"),
            "{laatste}"
        );
    }

    #[test]
    fn a_stop_with_another_reason_is_an_end_the_day_after_einddatum() {
        let [s1, e1] = placed_and_stopped("34");
        let v = translate_fresh(&[
            s1,
            e1,
            start("S2", "2024-09-03", "12345678", "44", "44A05", "2024-09-01"),
        ]);
        assert_eq!(
            types(&v),
            [
                "JeugdigeGeregistreerd",
                "PlaatsingGestart",
                "PlaatsingBeeindigd",
                "PlaatsingGestart"
            ]
        );
        assert_eq!(v.voorstellen[2].feit.valid_date(), Some(d("2024-09-01")));
    }

    #[test]
    fn a_stop_and_start_in_the_same_facility_is_care_that_goes_on() {
        let [s1, e1] = placed_and_stopped("34");
        let v = translate_fresh(&[
            s1,
            e1,
            start("S2", "2024-09-02", "87654321", "43", "43A41", "2024-09-01"),
        ]);
        assert_eq!(types(&v), ["JeugdigeGeregistreerd", "PlaatsingGestart"]);
        assert_eq!(v.overgeslagen.len(), 2);
    }

    #[test]
    fn unmapped_products_are_rejected_and_ignored_ones_skipped() {
        let v = translate_fresh(&[
            start("S1", "2024-03-01", "87654321", "43", "43Z99", "2024-03-01"),
            start("S2", "2024-03-01", "87654321", "45", "45A10", "2024-03-01"),
        ]);
        assert_eq!(v.afgewezen.len(), 1);
        assert_eq!(v.afgewezen[0].code, "PRODUCT_NIET_GEMAPT");
        assert_eq!(v.overgeslagen.len(), 1);
    }
}

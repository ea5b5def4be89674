//! Checks of the need side of a youth's path: placement requests, registrations, offers,
//! refusals, withdrawals, the placements that fulfil requests, and absences without
//! leave, judged against the youth's history folded in valid time
//! ([`crate::rules::vraag`]). Only violations a change adds reject it; the waiting-time
//! and fit norms give signals.

use std::collections::HashSet;

use chrono::NaiveDate;
use uuid::Uuid;

use super::{Change, afwijzing, require_key};
use crate::catalogue::{Gebeurtenis, jeugdige_stream};
use crate::rules::afleiding::Afleiding;
use crate::rules::vraag::{
    AfsluitingSoort, Normen, VraagAfleiding, VraagSchending, VraagSchendingSoort, is_vraagfeit,
    leid_vraag_af,
};
use crate::rules::{Afwijzing, AfwijzingCode as C, DomainState, JeugdigeState, Signaal, datum};

impl DomainState {
    /// A state whose waiting-time norms are `normen` (the binary's configuration).
    pub fn with_normen(normen: Normen) -> Self {
        DomainState {
            normen,
            ..DomainState::default()
        }
    }

    /// Sets the waiting-time norms; they judge facts checked from now on (signals of
    /// facts already recorded are not recomputed).
    pub fn set_normen(&mut self, normen: Normen) {
        self.normen = normen;
    }

    /// The waiting-time norms in force.
    pub fn normen(&self) -> Normen {
        self.normen
    }

    /// The youth's requests and absences as they stand (for a coordinator's view).
    pub fn vraag(&self, pseudoniem: &str) -> VraagAfleiding {
        let Some(j) = self.jeugdigen.get(jeugdige_stream(pseudoniem).as_str()) else {
            return VraagAfleiding::default();
        };
        leid_vraag_af(
            self.fold_input(&j.feiten, None),
            &j.afleiding.plaatsingen,
            |f| self.voorziening(f).map(|v| v.aanbieder.as_str()),
        )
    }

    /// The need-side rules for a change of a youth's facts. `input` holds the youth's
    /// effective facts after the change (the proposal under `proposal`), `after` their
    /// placement intervals.
    pub(super) fn check_vraag(
        &self,
        w: Change<'_>,
        proposal: Uuid,
        jeugdige: &JeugdigeState,
        input: &[(Uuid, i64, &Gebeurtenis)],
        after: &Afleiding,
        signalen: &mut Vec<Signaal>,
    ) -> Result<(), Afwijzing> {
        use Gebeurtenis as G;
        // Rules on the new content alone.
        match w.nieuw() {
            Some(G::PlaatsingsverzoekIngediend(v)) => {
                require_key(&v.verzoek, "kenmerk van het verzoek")?;
                if !self.jeugdregios.is_empty() && !self.jeugdregios.contains_key(&v.jeugdregio) {
                    return Err(afwijzing(
                        C::OnbekendeJeugdregio,
                        format!(
                            "De jeugdregio '{}' van verzoek {} is niet geregistreerd; gebruik de code van een bekende jeugdregio.",
                            v.jeugdregio, v.verzoek
                        ),
                    ));
                }
            }
            Some(G::JeugdigeAangemeld(a)) => {
                if !self.aanbieders.contains_key(&a.aanbieder) {
                    return Err(afwijzing(
                        C::OnbekendeAanbieder,
                        format!(
                            "Aanbieder '{}' is niet geregistreerd; een aanmelding kan alleen bij een bekende aanbieder.",
                            a.aanbieder
                        ),
                    ));
                }
                if let Some(f) = &a.voorziening {
                    let Some(v) = self.voorziening(f) else {
                        return Err(afwijzing(
                            C::OnbekendeVoorziening,
                            format!("Voorziening '{f}' is niet geregistreerd."),
                        ));
                    };
                    if v.aanbieder != a.aanbieder {
                        return Err(afwijzing(
                            C::VoorzieningVanAndereAanbieder,
                            format!(
                                "Voorziening {} hoort bij {}, niet bij {}; meld de jeugdige aan bij de aanbieder van die voorziening.",
                                self.display_name(f),
                                self.aanbieder_naam(&v.aanbieder),
                                self.aanbieder_naam(&a.aanbieder)
                            ),
                        ));
                    }
                }
            }
            Some(G::PlaatsAangeboden(a)) if self.voorziening(&a.voorziening).is_none() => {
                return Err(afwijzing(
                    C::OnbekendeVoorziening,
                    format!(
                        "Voorziening '{}' is niet geregistreerd; een plek kan alleen in een bekende voorziening worden aangeboden.",
                        a.voorziening
                    ),
                ));
            }
            _ => {}
        }

        // Youths without any need-side fact (most of the history) cost one scan.
        if !input.iter().any(|f| is_vraagfeit(f.2)) && !w.oud().is_some_and(is_vraagfeit) {
            return Ok(());
        }
        let aanbieder = |f: &str| self.voorziening(f).map(|v| v.aanbieder.as_str());
        let voor = leid_vraag_af(
            self.fold_input(&jeugdige.feiten, None),
            &jeugdige.afleiding.plaatsingen,
            aanbieder,
        );
        let na = leid_vraag_af(input.iter().copied(), &after.plaatsingen, aanbieder);

        let known: HashSet<(Uuid, &'static str)> = voor
            .schendingen
            .iter()
            .map(VraagSchending::sleutel)
            .collect();
        let mut added: Vec<&VraagSchending> = na
            .schendingen
            .iter()
            .filter(|s| !known.contains(&s.sleutel()))
            .collect();
        added.sort_by_key(|s| (s.event != proposal, s.datum));
        for s in added {
            // A late absence before a recorded one, without its return yet: it counts
            // until the later one starts (the return may follow), as a late placement
            // without an end does.
            if let VraagSchendingSoort::AlOnttrokken { sinds, oorzaak } = &s.soort
                && *oorzaak == proposal
                && s.event != proposal
            {
                signalen.push(Signaal::TerugkeerOntbreekt {
                    start: *sinds,
                    volgende_start: s.datum,
                });
                continue;
            }
            return Err(if s.event == proposal {
                self.vraag_afwijzing(s, w)
            } else {
                self.vraag_afhankelijk(s)
            });
        }

        let oud = self.vraag_signalen(&voor);
        signalen.extend(
            self.vraag_signalen(&na)
                .into_iter()
                .filter(|s| !oud.contains(s)),
        );
        Ok(())
    }

    /// The need-side signals a youth's history carries.
    fn vraag_signalen(&self, a: &VraagAfleiding) -> Vec<Signaal> {
        let mut out = Vec::new();
        for v in &a.verzoeken {
            let Some(s) = &v.afsluiting else { continue };
            if let AfsluitingSoort::Vervuld { voorziening, .. } = &s.soort
                && let Some(f) = self.voorziening(voorziening)
                && (f.vorm, f.regime) != (v.vorm, v.regime)
            {
                out.push(Signaal::NietPassendGeplaatst {
                    verzoek: v.verzoek.clone(),
                    voorziening: voorziening.clone(),
                    datum: s.datum,
                });
            }
            let dagen = (s.datum - v.datum).num_days();
            let norm = self.normen.norm(v.urgentie);
            if dagen > norm {
                out.push(Signaal::WachttijdOverschreden {
                    verzoek: v.verzoek.clone(),
                    urgentie: v.urgentie,
                    dagen,
                    norm,
                });
            }
        }
        out
    }

    /// A provider by name for messages: `'Horizon' (A1)`.
    fn aanbieder_naam(&self, id: &str) -> String {
        match self.aanbieders.get(id).and_then(|reg| self.inhoud(*reg)) {
            Some(Gebeurtenis::AanbiederGeregistreerd(a)) if !a.naam.is_empty() => {
                format!("aanbieder '{}' ({id})", a.naam)
            }
            _ => format!("aanbieder {id}"),
        }
    }

    /// Describes an earlier fact of the youth for a message.
    fn beschrijf(&self, id: Uuid) -> String {
        use Gebeurtenis as G;
        match self.inhoud(id) {
            Some(G::PlaatsingsverzoekIngediend(v)) => {
                format!("verzoek {} van {}", v.verzoek, datum(v.datum))
            }
            Some(G::JeugdigeAangemeld(a)) => format!(
                "de aanmelding voor verzoek {} bij {} op {}",
                a.verzoek,
                self.aanbieder_naam(&a.aanbieder),
                datum(a.datum)
            ),
            Some(G::PlaatsAangeboden(a)) => format!(
                "het aanbod van een plek in {} voor verzoek {} op {}",
                self.display_name(&a.voorziening),
                a.verzoek,
                datum(a.datum)
            ),
            Some(G::AanmeldingGeweigerd(a)) => format!(
                "de weigering van verzoek {} door {} op {}",
                a.verzoek,
                self.aanbieder_naam(&a.aanbieder),
                datum(a.datum)
            ),
            Some(G::PlaatsingsverzoekIngetrokken(i)) => format!(
                "de intrekking van verzoek {} op {}",
                i.verzoek,
                datum(i.datum)
            ),
            Some(G::JeugdigeOnttrokken(o)) => format!("de onttrekking op {}", datum(o.datum)),
            Some(G::JeugdigeTeruggekeerd(t)) => format!("de terugkeer op {}", datum(t.datum)),
            _ => self.describe(id),
        }
    }

    /// What the proposed fact is, for a message: "de aanmelding op 03-02-2024".
    fn wat(w: Change<'_>) -> String {
        use Gebeurtenis as G;
        let f = w.inhoud();
        let naam = match f {
            G::PlaatsingsverzoekIngediend(_) => "het verzoek",
            G::JeugdigeAangemeld(_) => "de aanmelding",
            G::PlaatsAangeboden(_) => "het aanbod",
            G::AanmeldingGeweigerd(_) => "de weigering",
            G::PlaatsingsverzoekIngetrokken(_) => "de intrekking",
            G::PlaatsingGestart(_) => "de plaatsing",
            G::Doorgeplaatst(_) => "de doorplaatsing",
            G::JeugdigeOnttrokken(_) => "de onttrekking",
            G::JeugdigeTeruggekeerd(_) => "de terugkeer",
            _ => "dit feit",
        };
        match f.valid_date() {
            Some(d) => format!("{naam} op {}", datum(d)),
            None => naam.to_owned(),
        }
    }

    /// How a request was closed, for a message: "al vervuld met de plaatsing in …".
    fn afgesloten(&self, s: &AfsluitingSoort, d: NaiveDate) -> String {
        match s {
            AfsluitingSoort::Vervuld { voorziening, .. } => format!(
                "op {} al vervuld met de plaatsing in {}",
                datum(d),
                self.display_name(voorziening)
            ),
            AfsluitingSoort::Ingetrokken => format!("op {} al ingetrokken", datum(d)),
        }
    }

    /// The rejection of a proposal that breaks a need-side rule itself.
    fn vraag_afwijzing(&self, s: &VraagSchending, w: Change<'_>) -> Afwijzing {
        use VraagSchendingSoort as S;
        let d = datum(s.datum);
        let wat = Self::wat(w);
        let sluit = matches!(
            w.inhoud(),
            Gebeurtenis::PlaatsingsverzoekIngetrokken(_)
                | Gebeurtenis::PlaatsingGestart(_)
                | Gebeurtenis::Doorgeplaatst(_)
        );
        match &s.soort {
            S::VerzoekAlIngediend { verzoek } => afwijzing(
                C::VerzoekAlIngediend,
                format!(
                    "Verzoek {verzoek} is voor deze jeugdige al ingediend. Corrigeer dat verzoek, of geef een nieuw verzoek een eigen kenmerk."
                ),
            ),
            S::OnbekendVerzoek { verzoek } => afwijzing(
                C::OnbekendVerzoek,
                format!(
                    "Verzoek {verzoek} is voor deze jeugdige niet bekend, dus {wat} kan er niet bij horen. Leg eerst het plaatsingsverzoek vast of controleer het kenmerk."
                ),
            ),
            S::VoorVerzoekdatum { verzoek, ingediend } => afwijzing(
                C::VoorVerzoekdatum,
                format!(
                    "Verzoek {verzoek} is pas op {} ingediend; {wat} kan niet eerder liggen.",
                    datum(*ingediend)
                ),
            ),
            S::VerzoekAfgesloten {
                verzoek,
                afsluiting,
            } => {
                let al = self.afgesloten(&afsluiting.soort, afsluiting.datum);
                let dan = if sluit {
                    "een verzoek wordt maar één keer vervuld of ingetrokken. Leg zo nodig een nieuw verzoek vast, of corrigeer de eerdere afsluiting"
                } else {
                    "daarna horen er geen aanmeldingen, aanbiedingen of weigeringen meer bij. Leg zo nodig een nieuw verzoek vast"
                };
                afwijzing(
                    C::VerzoekAfgesloten,
                    format!("Verzoek {verzoek} is {al}; {dan} ({wat})."),
                )
            }
            S::NietAangemeld { verzoek, aanbieder } => {
                let wie = if aanbieder.is_empty() {
                    "de aanbieder".to_owned()
                } else {
                    self.aanbieder_naam(aanbieder)
                };
                let aanbod = match w.inhoud() {
                    Gebeurtenis::PlaatsAangeboden(a) => {
                        format!(
                            "Voorziening {} is van {wie}. ",
                            self.display_name(&a.voorziening)
                        )
                    }
                    _ => String::new(),
                };
                afwijzing(
                    C::NietAangemeld,
                    format!(
                        "{aanbod}De jeugdige is voor verzoek {verzoek} op {d} niet aangemeld bij {wie}; alleen een aanbieder bij wie de jeugdige is aangemeld, kan een plek aanbieden of weigeren. Leg eerst de aanmelding vast."
                    ),
                )
            }
            S::OnttrekkingZonderPlaatsing { genoemd, lopend } => {
                let melding = match (genoemd, lopend) {
                    (Some(g), Some(l)) => format!(
                        "De jeugdige is op {d} niet geplaatst in {} maar in {}; een onttrekking geldt de lopende residentiële plaatsing.",
                        self.display_name(g),
                        self.display_name(l)
                    ),
                    _ => format!(
                        "De jeugdige heeft op {d} geen lopende residentiële plaatsing; een onttrekking (ongeoorloofd afwezig) kan alleen tijdens een plaatsing worden vastgelegd."
                    ),
                };
                afwijzing(C::OnttrekkingZonderPlaatsing, melding)
            }
            S::AlOnttrokken { sinds, .. } => afwijzing(
                C::AlOnttrokken,
                format!(
                    "De jeugdige is sinds {} al onttrokken (ongeoorloofd afwezig) en nog niet teruggekeerd; leg eerst de terugkeer vast.",
                    datum(*sinds)
                ),
            ),
            S::NietOnttrokken { zelfde_dag: true } => afwijzing(
                C::NietOnttrokken,
                format!(
                    "De onttrekking begint zelf op {d}; de terugkeer is de eerste dag dat de jeugdige terug is en ligt dus minstens een dag later."
                ),
            ),
            S::NietOnttrokken { zelfde_dag: false } => afwijzing(
                C::NietOnttrokken,
                format!(
                    "De jeugdige is op {d} niet onttrokken; een terugkeer kan alleen na een vastgelegde onttrekking."
                ),
            ),
        }
    }

    /// The rejection of a change that breaks a need-side fact recorded earlier.
    fn vraag_afhankelijk(&self, s: &VraagSchending) -> Afwijzing {
        use VraagSchendingSoort as S;
        let d = datum(s.datum);
        let feit = self.beschrijf(s.event);
        let reden = match &s.soort {
            S::AlOnttrokken { sinds, oorzaak } => {
                return afwijzing(
                    C::AlOnttrokken,
                    format!(
                        "Na deze wijziging zou de jeugdige op {d} nog onttrokken zijn (sinds {}), terwijl dan {feit} begint. Leg eerst de terugkeer vast na {}.",
                        datum(*sinds),
                        self.beschrijf(*oorzaak)
                    ),
                );
            }
            S::VerzoekAlIngediend { verzoek } => {
                format!("verzoek {verzoek} zou dan twee keer zijn ingediend")
            }
            S::OnbekendVerzoek { verzoek } => format!("verzoek {verzoek} bestaat dan niet"),
            S::VoorVerzoekdatum { verzoek, ingediend } => format!(
                "het ligt dan vóór de indiening van verzoek {verzoek} op {}",
                datum(*ingediend)
            ),
            S::VerzoekAfgesloten {
                verzoek,
                afsluiting,
            } => format!(
                "verzoek {verzoek} is dan {}",
                self.afgesloten(&afsluiting.soort, afsluiting.datum)
            ),
            S::NietAangemeld { verzoek, aanbieder } => format!(
                "de jeugdige is dan voor verzoek {verzoek} niet aangemeld bij {}",
                if aanbieder.is_empty() {
                    "de aanbieder".to_owned()
                } else {
                    self.aanbieder_naam(aanbieder)
                }
            ),
            S::OnttrekkingZonderPlaatsing { .. } => {
                format!("de jeugdige heeft dan op {d} geen lopende residentiële plaatsing (daar)")
            }
            S::NietOnttrokken { .. } => {
                "er is dan geen onttrekking die met die terugkeer eindigt".to_owned()
            }
        };
        afwijzing(
            C::AfhankelijkeFeiten,
            format!(
                "Na deze wijziging klopt {feit} niet meer: {reden}. Corrigeer of trek dat feit eerst in."
            ),
        )
    }
}

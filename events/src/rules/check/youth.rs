//! Checks of a youth's path: registration, residence, authorisations and placements,
//! judged against the youth's history folded in valid time.

use std::collections::HashSet;

use chrono::{Datelike, Months, NaiveDate};
use uuid::Uuid;

use super::{
    Change, MAX_LEEFTIJD_BIJ_REGISTRATIE, SPOEDMACHTIGING_MAX_DAGEN, Usage, afwijzing,
    looks_like_bsn, require_gemeentecode, require_key,
};
use crate::catalogue::Gebeurtenis;
use crate::rules::afleiding::{Afleiding, Plaatsing, Schending, SchendingSoort, leid_af};
use crate::rules::{Afwijzing, AfwijzingCode as C, DomainState, Signaal, datum};
use crate::types::{MachtigingSoort, Regime, Vorm};

impl DomainState {
    pub(super) fn check_jeugdige(
        &self,
        stream: &str,
        w: Change<'_>,
    ) -> Result<Vec<Signaal>, Afwijzing> {
        use Gebeurtenis as G;
        let jeugdige = self.jeugdigen.get(stream);
        let mut signalen = Vec::new();

        if let G::JeugdigeGeregistreerd(j) = w.inhoud() {
            let Some(_) = w.nieuw() else {
                if jeugdige.is_some_and(|j| !j.feiten.is_empty()) {
                    return Err(afwijzing(
                        C::AfhankelijkeFeiten,
                        "De registratie van de jeugdige kan niet worden ingetrokken: er zijn al machtigingen, plaatsingen, verzoeken of verhuizingen vastgelegd. Trek die eerst in.",
                    ));
                }
                return Ok(signalen);
            };
            if j.pseudoniem.is_empty()
                || j.pseudoniem.starts_with(crate::personal::PHYSICAL_MARK)
                || j.pseudoniem.chars().any(char::is_whitespace)
                || looks_like_bsn(&j.pseudoniem)
            {
                return Err(afwijzing(
                    C::OngeldigPseudoniem,
                    "Het pseudoniem is leeg, begint met '~', bevat spaties of lijkt op een BSN; leg nooit een BSN vast, alleen het pseudoniem.",
                ));
            }
            if let Some(reg) = jeugdige.and_then(|j| j.registratie)
                && Some(reg) != w.origineel()
            {
                return Err(afwijzing(
                    C::AlGeregistreerd,
                    "Deze jeugdige is al geregistreerd.",
                ));
            }
            let leeftijd = j.datum.year() - i32::from(j.geboortejaar);
            if !(0..=MAX_LEEFTIJD_BIJ_REGISTRATIE).contains(&leeftijd) {
                return Err(afwijzing(
                    C::GeboortejaarBuitenBereik,
                    format!(
                        "Geboortejaar {} past niet bij een jeugdige die op {} in de jeugdhulp is (leeftijd 0 tot en met 23 jaar).",
                        j.geboortejaar,
                        datum(j.datum)
                    ),
                ));
            }
            require_gemeentecode(&j.woongemeente)?;
            self.signal_unknown_gemeente(&j.woongemeente, &mut signalen);
            return Ok(signalen);
        }

        let Some(jeugdige) = jeugdige.filter(|j| j.registratie.is_some()) else {
            return Err(afwijzing(
                C::OnbekendeJeugdige,
                "Deze jeugdige is niet geregistreerd; registreer de jeugdige eerst.",
            ));
        };

        // Rules on the new content alone.
        match w.nieuw() {
            Some(G::WoongemeenteGewijzigd(g)) => {
                require_gemeentecode(&g.woongemeente)?;
                self.signal_unknown_gemeente(&g.woongemeente, &mut signalen);
            }
            Some(G::MachtigingAfgegeven(m)) => {
                require_key(&m.machtiging, "kenmerk van de machtiging")?;
                if m.geldig_tot < m.geldig_van {
                    return Err(afwijzing(
                        C::GeldigTotVoorGeldigVan,
                        format!(
                            "Machtiging {} is geldig tot {}, vóór de begindatum {}.",
                            m.machtiging,
                            datum(m.geldig_tot),
                            datum(m.geldig_van)
                        ),
                    ));
                }
                let dagen = (m.geldig_tot - m.geldig_van).num_days() + 1;
                match m.soort {
                    MachtigingSoort::Spoedmachtiging if dagen > SPOEDMACHTIGING_MAX_DAGEN => {
                        signalen.push(Signaal::SpoedmachtigingTeLang {
                            machtiging: m.machtiging.clone(),
                            dagen,
                        });
                    }
                    MachtigingSoort::Mgj => {
                        let jaar_later = m.geldig_van.checked_add_months(Months::new(12));
                        if jaar_later.is_some_and(|j| m.geldig_tot >= j) {
                            signalen.push(Signaal::MgjTeLang {
                                machtiging: m.machtiging.clone(),
                                dagen,
                            });
                        }
                    }
                    _ => {}
                }
            }
            Some(G::PlaatsingGestart(p)) => {
                self.voorziening_op(&p.voorziening, p.datum, Usage::Plaatsing)?;
            }
            Some(G::Doorgeplaatst(d)) => {
                if d.van == d.naar {
                    return Err(afwijzing(
                        C::ZelfdeVoorziening,
                        format!(
                            "Een doorplaatsing van voorziening {} naar dezelfde voorziening kan niet.",
                            self.display_name(&d.van)
                        ),
                    ));
                }
                self.voorziening_op(&d.naar, d.datum, Usage::Plaatsing)?;
            }
            _ => {}
        }

        // Rules on the youth's history in valid time.
        let mut input = self.fold_input(&jeugdige.feiten, w.origineel().map(|id| (id, w.nieuw())));
        let proposal = w.origineel().unwrap_or(Uuid::nil());
        if let Change::New(n) = w {
            input.push((proposal, i64::MAX, n));
        }
        let after = leid_af(input.iter().copied(), |f| self.vorm(f));
        let known: HashSet<(Uuid, &'static str)> = jeugdige
            .afleiding
            .schendingen
            .iter()
            .map(Schending::sleutel)
            .collect();
        let mut added: Vec<&Schending> = after
            .schendingen
            .iter()
            .filter(|s| !known.contains(&s.sleutel()))
            .collect();
        // An overlap explains more than the orphaned end it causes: report it first.
        added.sort_by_key(|s| {
            (
                !matches!(s.soort, SchendingSoort::AlGeplaatst { .. }),
                s.event != proposal,
                s.datum,
            )
        });
        for s in added {
            if let SchendingSoort::AlGeplaatst { oorzaak, .. } = &s.soort
                && *oorzaak == proposal
                && s.event != proposal
                && let Some(p) = after
                    .plaatsingen
                    .iter()
                    .find(|p| p.geopend_door == proposal && p.einde == Some(s.datum))
                && p.beeindigd_door.is_none()
            {
                signalen.push(Signaal::EindeOntbreekt {
                    voorziening: p.voorziening.clone(),
                    start: p.start,
                    volgende_start: s.datum,
                });
                continue;
            }
            return Err(self.afwijzing_voor(s, proposal, w, &after));
        }

        // Norms on the placement that starts.
        let placements_before = &jeugdige.afleiding.plaatsingen;
        match w.nieuw() {
            Some(G::PlaatsingGestart(p)) => {
                self.plaatsing_signalen(
                    &p.voorziening,
                    p.datum,
                    placements_before,
                    &after,
                    &mut signalen,
                );
            }
            Some(G::Doorgeplaatst(d)) => {
                signalen.push(Signaal::Doorplaatsing {
                    van: d.van.clone(),
                    naar: d.naar.clone(),
                    datum: d.datum,
                    tegen_wens_jeugdige: d.tegen_wens_jeugdige,
                    tegen_wens_aanbieder: d.tegen_wens_aanbieder,
                });
                self.plaatsing_signalen(&d.naar, d.datum, placements_before, &after, &mut signalen);
            }
            _ => {}
        }
        self.check_vraag(w, proposal, jeugdige, &input, &after, &mut signalen)?;
        Ok(signalen)
    }

    fn plaatsing_signalen(
        &self,
        voorziening: &str,
        d: NaiveDate,
        oud: &[Plaatsing],
        after: &Afleiding,
        signalen: &mut Vec<Signaal>,
    ) {
        let Some(v) = self.voorziening(voorziening) else {
            return;
        };
        if v.regime == Regime::Gesloten && !after.gesloten_verblijf_toegestaan(d) {
            signalen.push(Signaal::GeslotenZonderMachtiging {
                voorziening: voorziening.to_owned(),
                datum: d,
            });
        }
        let count = |ps: &[Plaatsing]| -> i64 {
            let n = ps
                .iter()
                .filter(|p| p.voorziening == voorziening && p.niet_leeg() && p.actief_op(d))
                .count();
            i64::try_from(n).unwrap_or(i64::MAX)
        };
        let bezetting = self.occupancy(voorziening, d) - count(oud) + count(&after.plaatsingen);
        let plaatsen = self.capacity(voorziening, d);
        if bezetting > plaatsen {
            signalen.push(Signaal::Overbezetting {
                voorziening: voorziening.to_owned(),
                datum: d,
                bezetting,
                plaatsen,
            });
        }
    }

    /// Describes an earlier fact of the youth for a message.
    pub(super) fn describe(&self, id: Uuid) -> String {
        match self.inhoud(id) {
            Some(Gebeurtenis::PlaatsingBeeindigd(e)) => match &e.voorziening {
                Some(f) => format!(
                    "het einde van de plaatsing in {} op {}",
                    self.display_name(f),
                    datum(e.datum)
                ),
                None => format!("het einde van de plaatsing op {}", datum(e.datum)),
            },
            Some(Gebeurtenis::Doorgeplaatst(d)) => format!(
                "de doorplaatsing van {} naar {} op {}",
                self.display_name(&d.van),
                self.display_name(&d.naar),
                datum(d.datum)
            ),
            Some(Gebeurtenis::PlaatsingGestart(p)) => format!(
                "de plaatsing in {} op {}",
                self.display_name(&p.voorziening),
                datum(p.datum)
            ),
            Some(Gebeurtenis::MachtigingBeeindigd(m)) => format!(
                "de beëindiging van machtiging {} op {}",
                m.machtiging,
                datum(m.datum)
            ),
            Some(Gebeurtenis::MachtigingAfgegeven(m)) => {
                format!("machtiging {}", m.machtiging)
            }
            _ => "een eerder vastgelegd feit".to_owned(),
        }
    }

    fn afwijzing_voor(
        &self,
        s: &Schending,
        proposal: Uuid,
        w: Change<'_>,
        after: &Afleiding,
    ) -> Afwijzing {
        let d = datum(s.datum);
        if s.event != proposal {
            // The change breaks a fact recorded earlier.
            let feit = self.describe(s.event);
            return match &s.soort {
                SchendingSoort::AlGeplaatst {
                    voorziening, sinds, ..
                } => afwijzing(
                    C::AlGeplaatst,
                    format!(
                        "Na deze wijziging zou de jeugdige op {d} nog geplaatst zijn in {} (sinds {}), terwijl {feit} dan begint.",
                        self.display_name(voorziening),
                        datum(*sinds)
                    ),
                ),
                _ => afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Na deze wijziging klopt {feit} niet meer. Corrigeer of trek dat feit eerst in."
                    ),
                ),
            };
        }
        match &s.soort {
            SchendingSoort::AlGeplaatst {
                voorziening, sinds, ..
            } => {
                let ambulant = self.vorm(voorziening) == Some(Vorm::Ambulant);
                let wat = if ambulant {
                    "heeft al een ambulant traject bij"
                } else {
                    "is al geplaatst in"
                };
                afwijzing(
                    C::AlGeplaatst,
                    format!(
                        "De jeugdige {wat} {} (sinds {}) op {d}. Beëindig die plaatsing eerst of leg een doorplaatsing vast.",
                        self.display_name(voorziening),
                        datum(*sinds)
                    ),
                )
            }
            SchendingSoort::NietGeplaatst { voorziening } => {
                // An end on or before the start of the placement it means?
                let later = after.plaatsingen.iter().find(|p| {
                    p.start >= s.datum
                        && p.geopend_door != proposal
                        && match voorziening {
                            Some(f) => &p.voorziening == f,
                            None => !p.ambulant,
                        }
                });
                let doorplaatsing = matches!(w.nieuw(), Some(Gebeurtenis::Doorgeplaatst(_)));
                if let Some(p) = later {
                    return afwijzing(
                        C::EindeVoorStart,
                        format!(
                            "De plaatsing in {} begint pas op {}; {} op {d} moet daarna liggen (de einddatum is de eerste dag dat de jeugdige er niet meer is).",
                            self.display_name(&p.voorziening),
                            datum(p.start),
                            if doorplaatsing {
                                "een doorplaatsing"
                            } else {
                                "een einde"
                            }
                        ),
                    );
                }
                let melding = match (voorziening, doorplaatsing) {
                    (Some(f), true) => format!(
                        "De jeugdige is op {d} niet geplaatst in {}; een doorplaatsing vanuit die voorziening kan niet.",
                        self.display_name(f)
                    ),
                    (Some(f), false) => format!(
                        "De jeugdige is op {d} niet (meer) geplaatst in {}; er valt geen plaatsing te beëindigen.",
                        self.display_name(f)
                    ),
                    (None, _) => format!(
                        "De jeugdige heeft op {d} geen lopende residentiële plaatsing; er valt geen plaatsing te beëindigen."
                    ),
                };
                afwijzing(C::NietGeplaatst, melding)
            }
            SchendingSoort::MachtigingAlAfgegeven { machtiging } => afwijzing(
                C::MachtigingAlAfgegeven,
                format!(
                    "Machtiging {machtiging} is voor deze jeugdige al vastgelegd; corrigeer die in plaats van haar opnieuw vast te leggen."
                ),
            ),
            SchendingSoort::OnbekendeMachtiging { machtiging } => afwijzing(
                C::OnbekendeMachtiging,
                format!(
                    "Machtiging {machtiging} is voor deze jeugdige niet bekend; leg eerst de afgifte vast."
                ),
            ),
            SchendingSoort::MachtigingEindeVoorStart {
                machtiging,
                geldig_van,
            } => afwijzing(
                C::EindeVoorStart,
                format!(
                    "Machtiging {machtiging} is pas geldig vanaf {}; beëindigen op {d} kan niet.",
                    datum(*geldig_van)
                ),
            ),
            SchendingSoort::MachtigingAlBeeindigd { machtiging } => afwijzing(
                C::MachtigingAlBeeindigd,
                format!(
                    "Machtiging {machtiging} is al beëindigd; corrigeer die beëindiging in plaats van een tweede vast te leggen."
                ),
            ),
        }
    }
}

//! `DomainState::check`: judges a proposed fact against the current state.

use std::collections::{BTreeSet, HashSet};

use chrono::{Datelike, Months, NaiveDate};
use uuid::Uuid;

use super::afleiding::{Afleiding, Plaatsing, Schending, SchendingSoort, leid_af};
use super::{
    Afwijzing, AfwijzingCode as C, DomainState, Signaal, Soort, capaciteitseffecten, datum,
    is_gemeentecode,
};
use crate::catalogue::{Gebeurtenis, VoorzieningGeregistreerd, pseudoniem_van_stream};
use crate::types::{MachtigingSoort, Regime, Vorm};

/// Longest spoedmachtiging the law allows, in days (4 weeks).
pub const SPOEDMACHTIGING_MAX_DAGEN: i64 = 28;
/// Largest difference between the registration year and the year of birth (verlengde
/// jeugdhulp runs to 23; a year of slack because only the birth year is known).
pub const MAX_LEEFTIJD_BIJ_REGISTRATIE: i32 = 24;

/// What a proposed fact does to the effective facts.
#[derive(Clone, Copy)]
enum Wijziging<'a> {
    Nieuw(&'a Gebeurtenis),
    Vervang {
        id: Uuid,
        oud: &'a Gebeurtenis,
        nieuw: &'a Gebeurtenis,
    },
    Intrek {
        id: Uuid,
        oud: &'a Gebeurtenis,
    },
}

impl<'a> Wijziging<'a> {
    fn nieuw(self) -> Option<&'a Gebeurtenis> {
        match self {
            Wijziging::Nieuw(n) | Wijziging::Vervang { nieuw: n, .. } => Some(n),
            Wijziging::Intrek { .. } => None,
        }
    }
    fn oud(self) -> Option<&'a Gebeurtenis> {
        match self {
            Wijziging::Nieuw(_) => None,
            Wijziging::Vervang { oud, .. } | Wijziging::Intrek { oud, .. } => Some(oud),
        }
    }
    fn origineel(self) -> Option<Uuid> {
        match self {
            Wijziging::Nieuw(_) => None,
            Wijziging::Vervang { id, .. } | Wijziging::Intrek { id, .. } => Some(id),
        }
    }
    /// The content that decides which rules apply.
    fn inhoud(self) -> &'a Gebeurtenis {
        match self {
            Wijziging::Nieuw(n) | Wijziging::Vervang { nieuw: n, .. } => n,
            Wijziging::Intrek { oud, .. } => oud,
        }
    }
}

fn afwijzing(code: C, melding: impl Into<String>) -> Afwijzing {
    Afwijzing::new(code, melding)
}

fn reden_verplicht(reden: &str, wat: &str) -> Result<(), Afwijzing> {
    if reden.trim().is_empty() {
        return Err(afwijzing(
            C::RedenOntbreekt,
            format!("Een {wat} moet een reden hebben."),
        ));
    }
    Ok(())
}

fn sleutel_verplicht(sleutel: &str, wat: &str) -> Result<(), Afwijzing> {
    if sleutel.trim().is_empty() || sleutel.trim() != sleutel {
        return Err(afwijzing(
            C::OngeldigeSleutel,
            format!("De {wat} is leeg of begint of eindigt met spaties."),
        ));
    }
    Ok(())
}

fn gemeentecode(code: &str) -> Result<(), Afwijzing> {
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

fn aantal(n: u32, wat: &str) -> Result<(), Afwijzing> {
    if n == 0 {
        return Err(afwijzing(
            C::OngeldigAantal,
            format!("Het aantal {wat} moet minstens 1 zijn."),
        ));
    }
    Ok(())
}

/// Whether a pseudonym could be a BSN (8 or 9 digits): never store those.
fn lijkt_op_bsn(p: &str) -> bool {
    (8..=9).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
}

/// How a facility is used by a fact: placements may not start on the closing date,
/// capacity changes may still happen on it (the last afbouw or ombouw).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gebruik {
    Plaatsing,
    Capaciteit,
}

impl DomainState {
    /// Checks a proposed fact for `stream` against the current state.
    /// `Ok(signals)`: accept, with the norms it breaks; `Err`: reject.
    pub fn check(&self, stream: &str, fact: &Gebeurtenis) -> Result<Vec<Signaal>, Afwijzing> {
        // Lengths, control characters and BSNs first: no rule below may echo such a value.
        super::invoer::controleer_invoer(stream, fact)?;
        match fact {
            Gebeurtenis::FeitGecorrigeerd(c) => {
                reden_verplicht(&c.reden, "correctie")?;
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
                let (oud, origineel_stream) = self.origineel_inhoud(id)?;
                if origineel_stream != stream {
                    return Err(verkeerde_stroom_correctie());
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
                self.check_wijziging(
                    stream,
                    Wijziging::Vervang {
                        id,
                        oud,
                        nieuw: &c.nieuw,
                    },
                )
            }
            Gebeurtenis::FeitIngetrokken(i) => {
                reden_verplicht(&i.reden, "intrekking")?;
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
                let (oud, origineel_stream) = self.origineel_inhoud(i.event_id)?;
                if origineel_stream != stream {
                    return Err(verkeerde_stroom_correctie());
                }
                self.check_wijziging(
                    stream,
                    Wijziging::Intrek {
                        id: i.event_id,
                        oud,
                    },
                )
            }
            other => self.check_wijziging(stream, Wijziging::Nieuw(other)),
        }
    }

    fn origineel_inhoud(&self, id: Uuid) -> Result<(&Gebeurtenis, &str), Afwijzing> {
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

    fn check_wijziging(&self, stream: &str, w: Wijziging<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        if let Some(nieuw) = w.nieuw() {
            match nieuw.natural_stream() {
                Some(s) if s != stream => {
                    return Err(afwijzing(
                        C::VerkeerdeStroom,
                        format!(
                            "Een {} hoort in {}, niet in {}.",
                            nieuw.event_type(),
                            toon_stroom(&s),
                            toon_stroom(stream)
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
                                toon_stroom(stream)
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
                        DoelScope::Landsdeel(c) => self.moet_bestaan(
                            &self.landsdelen,
                            c,
                            C::OnbekendLandsdeel,
                            "landsdeel",
                        )?,
                        DoelScope::Jeugdregio(c) => self.moet_bestaan(
                            &self.jeugdregios,
                            c,
                            C::OnbekendeJeugdregio,
                            "jeugdregio",
                        )?,
                        DoelScope::Aanbieder(c) => self.moet_bestaan(
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
            | G::PlaatsingBeeindigd(_) => self.check_jeugdige(stream, w),
            G::FeitGecorrigeerd(_) | G::FeitIngetrokken(_) => Err(afwijzing(
                C::OngeldigeCorrectie,
                "Een correctie of intrekking kan alleen een gewoon feit betreffen.",
            )),
            // The access log records reads, not facts about the world: nothing to check.
            G::PersoonsgegevensIngezien(_) => Ok(Default::default()),
        }
    }

    fn moet_bestaan(
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

    fn gemeente_signaal(&self, code: &str, signalen: &mut Vec<Signaal>) {
        if !self.gemeenten.is_empty() && !self.gemeenten.contains_key(code) {
            signalen.push(Signaal::OnbekendeGemeente {
                gemeente: code.to_owned(),
            });
        }
    }

    /// A facility by name for messages: `'De Hoeve' (F1)`.
    pub(crate) fn naam(&self, voorziening: &str) -> String {
        match self.voorziening(voorziening) {
            Some(v) if !v.naam.is_empty() => format!("'{}' ({voorziening})", v.naam),
            _ => voorziening.to_owned(),
        }
    }

    // ------------------------------------------------------------- master data

    fn check_stamgegeven(&self, w: Wijziging<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        use Gebeurtenis as G;
        let (map, sleutel, wat) = match w.inhoud() {
            G::LandsdeelGeregistreerd(e) => (&self.landsdelen, &e.code, "landsdeel"),
            G::JeugdregioGeregistreerd(e) => (&self.jeugdregios, &e.code, "jeugdregio"),
            G::GemeenteGeregistreerd(e) => (&self.gemeenten, &e.code, "gemeente"),
            G::AanbiederGeregistreerd(e) => (&self.aanbieders, &e.id, "aanbieder"),
            _ => return Ok(Vec::new()),
        };
        let Some(nieuw) = w.nieuw() else {
            // Retraction: nothing may refer to it any more.
            let verwijzers = match w.inhoud() {
                G::LandsdeelGeregistreerd(_) => self
                    .jeugdregios
                    .values()
                    .filter(|id| matches!(self.inhoud(**id), Some(G::JeugdregioGeregistreerd(r)) if &r.landsdeel == sleutel))
                    .count(),
                G::JeugdregioGeregistreerd(_) => self
                    .gemeenten
                    .values()
                    .filter(|id| matches!(self.inhoud(**id), Some(G::GemeenteGeregistreerd(g)) if &g.jeugdregio == sleutel))
                    .count(),
                G::GemeenteGeregistreerd(_) => self
                    .voorzieningen
                    .keys()
                    .filter(|f| self.voorziening(f).is_some_and(|v| &v.gemeente == sleutel))
                    .count(),
                _ => self
                    .voorzieningen
                    .keys()
                    .filter(|f| self.voorziening(f).is_some_and(|v| &v.aanbieder == sleutel))
                    .count(),
            };
            if verwijzers > 0 {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "De {wat} '{sleutel}' kan niet worden ingetrokken: {verwijzers} geregistreerde gegevens verwijzen ernaar."
                    ),
                ));
            }
            return Ok(Vec::new());
        };
        sleutel_verplicht(sleutel, &format!("code van de {wat}"))?;
        if let Some(bestaand) = map.get(sleutel.as_str())
            && Some(*bestaand) != w.origineel()
        {
            return Err(afwijzing(
                C::AlGeregistreerd,
                format!("De {wat} '{sleutel}' is al geregistreerd."),
            ));
        }
        match nieuw {
            G::JeugdregioGeregistreerd(e) => {
                self.moet_bestaan(
                    &self.landsdelen,
                    &e.landsdeel,
                    C::OnbekendLandsdeel,
                    "landsdeel",
                )?;
            }
            G::GemeenteGeregistreerd(e) => {
                gemeentecode(&e.code)?;
                self.moet_bestaan(
                    &self.jeugdregios,
                    &e.jeugdregio,
                    C::OnbekendeJeugdregio,
                    "jeugdregio",
                )?;
            }
            _ => {}
        }
        Ok(Vec::new())
    }

    // ------------------------------------------------------------- facilities

    fn check_voorziening(&self, w: Wijziging<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        let Gebeurtenis::VoorzieningGeregistreerd(v) = w.inhoud() else {
            return Ok(Vec::new());
        };
        let staat = self.voorzieningen.get(&v.id);
        let Some(_) = w.nieuw() else {
            if staat.is_some_and(|s| !s.feiten.is_empty() || !s.starts.is_empty()) {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Voorziening {} kan niet worden ingetrokken: er zijn capaciteitswijzigingen of plaatsingen op vastgelegd. Trek die eerst in.",
                        self.naam(&v.id)
                    ),
                ));
            }
            return Ok(Vec::new());
        };
        sleutel_verplicht(&v.id, "id van de voorziening")?;
        if let Some(reg) = staat.and_then(|s| s.registratie)
            && Some(reg) != w.origineel()
        {
            return Err(afwijzing(
                C::AlGeregistreerd,
                format!("Voorziening {} is al geregistreerd.", self.naam(&v.id)),
            ));
        }
        self.moet_bestaan(
            &self.aanbieders,
            &v.aanbieder,
            C::OnbekendeAanbieder,
            "aanbieder",
        )?;
        gemeentecode(&v.gemeente)?;
        if let (Some(s), Some(Gebeurtenis::VoorzieningGeregistreerd(oud))) = (staat, w.oud()) {
            let eerste = [
                s.capaciteit.keys().next(),
                s.starts.keys().next(),
                s.sluitingen.first().map(|(d, _)| d),
            ]
            .into_iter()
            .flatten()
            .min();
            if let Some(eerste) = eerste
                && *eerste < v.datum
            {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Voorziening {} heeft al feiten op {}, vóór de nieuwe registratiedatum {}.",
                        self.naam(&v.id),
                        datum(*eerste),
                        datum(v.datum)
                    ),
                ));
            }
            if (oud.vorm == Vorm::Ambulant) != (v.vorm == Vorm::Ambulant) && !s.starts.is_empty() {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Voorziening {} heeft al plaatsingen; de vorm kan niet wisselen tussen ambulant en residentieel.",
                        self.naam(&v.id)
                    ),
                ));
            }
        }
        let mut signalen = Vec::new();
        self.gemeente_signaal(&v.gemeente, &mut signalen);
        Ok(signalen)
    }

    /// The facility a fact uses on `d`: registered, registered by `d`, not closed on `d`.
    fn voorziening_op(
        &self,
        id: &str,
        d: NaiveDate,
        gebruik: Gebruik,
    ) -> Result<&VoorzieningGeregistreerd, Afwijzing> {
        let v = self.voorziening(id).ok_or_else(|| {
            afwijzing(
                C::OnbekendeVoorziening,
                format!("Voorziening '{id}' is niet geregistreerd."),
            )
        })?;
        if d < v.datum {
            return Err(afwijzing(
                C::VoorzieningNogNietGeregistreerd,
                format!(
                    "Voorziening {} bestaat pas vanaf {}; {} ligt daarvoor.",
                    self.naam(id),
                    datum(v.datum),
                    datum(d)
                ),
            ));
        }
        if let Some(s) = self.sluitingsdatum(id) {
            let gesloten = match gebruik {
                Gebruik::Plaatsing => s <= d,
                Gebruik::Capaciteit => s < d,
            };
            if gesloten {
                return Err(afwijzing(
                    C::VoorzieningGesloten,
                    format!(
                        "Voorziening {} is gesloten sinds {}; op {} kan daar niets meer gebeuren.",
                        self.naam(id),
                        datum(s),
                        datum(d)
                    ),
                ));
            }
        }
        Ok(v)
    }

    fn check_capaciteit(&self, w: Wijziging<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        use Gebeurtenis as G;
        if let Some(nieuw) = w.nieuw() {
            match nieuw {
                G::PlaatsenGeopend(e) => aantal(e.aantal, "geopende plaatsen")?,
                G::PlaatsenGesloten(e) => aantal(e.aantal, "gesloten plaatsen")?,
                G::PlaatsenOmgebouwd(e) => {
                    aantal(e.aantal_uit, "omgebouwde plaatsen (uit)")?;
                    aantal(e.aantal_in, "omgebouwde plaatsen (in)")?;
                    if e.van == e.naar {
                        return Err(afwijzing(
                            C::ZelfdeVoorziening,
                            format!(
                                "Ombouw van voorziening {} naar zichzelf kan niet; gebruik opbouw of afbouw.",
                                self.naam(&e.van)
                            ),
                        ));
                    }
                }
                _ => {}
            }
            for (f, d, _) in capaciteitseffecten(nieuw) {
                self.voorziening_op(f, d, Gebruik::Capaciteit)?;
            }
        }
        let oud = w.oud().map(capaciteitseffecten).unwrap_or_default();
        let nieuw = w.nieuw().map(capaciteitseffecten).unwrap_or_default();
        let betrokken: BTreeSet<&str> = oud.iter().chain(&nieuw).map(|(f, _, _)| *f).collect();
        let mut signalen = Vec::new();
        for f in betrokken {
            let huidig = self
                .voorzieningen
                .get(f)
                .map(|v| v.capaciteit.clone())
                .unwrap_or_default();
            let mut na = huidig.clone();
            for (g, d, delta) in &oud {
                if *g == f {
                    super::verschuif(&mut na, *d, -delta);
                }
            }
            for (g, d, delta) in &nieuw {
                if *g == f {
                    super::verschuif(&mut na, *d, *delta);
                }
            }
            let datums: BTreeSet<NaiveDate> = huidig.keys().chain(na.keys()).copied().collect();
            let (mut voor_som, mut na_som) = (0i64, 0i64);
            for d in datums {
                voor_som += huidig.get(&d).copied().unwrap_or(0);
                na_som += na.get(&d).copied().unwrap_or(0);
                if na_som < 0 && na_som < voor_som {
                    return Err(self.te_veel_gesloten(f, d, voor_som, na_som, w));
                }
            }
            // Afbouw below the occupancy of that date: accepted, flagged.
            let eigen_datums: BTreeSet<NaiveDate> = oud
                .iter()
                .chain(&nieuw)
                .filter(|(g, _, _)| *g == f)
                .map(|(_, d, _)| *d)
                .collect();
            for d in eigen_datums {
                let plaatsen = super::prefix(&na, d);
                let bezetting = self.occupancy(f, d);
                if plaatsen < super::prefix(&huidig, d) && bezetting > plaatsen {
                    signalen.push(Signaal::Overbezetting {
                        voorziening: f.to_owned(),
                        datum: d,
                        bezetting,
                        plaatsen,
                    });
                }
            }
        }
        Ok(signalen)
    }

    fn te_veel_gesloten(
        &self,
        f: &str,
        d: NaiveDate,
        voor: i64,
        na: i64,
        w: Wijziging<'_>,
    ) -> Afwijzing {
        let eigen_datum = w.inhoud().valid_date() == Some(d);
        let melding = match (w, eigen_datum) {
            (Wijziging::Nieuw(_), true) => format!(
                "Voorziening {} heeft op {} {} plaatsen; er kunnen er niet meer worden afgebouwd of omgebouwd (dan blijven er {} over).",
                self.naam(f),
                datum(d),
                voor.max(0),
                na
            ),
            _ => format!(
                "Na dit feit zou voorziening {} op {} {} plaatsen hebben: er worden meer plaatsen afgebouwd of omgebouwd dan er zijn.",
                self.naam(f),
                datum(d),
                na
            ),
        };
        afwijzing(C::TeVeelPlaatsenGesloten, melding)
    }

    fn check_sluiting(&self, w: Wijziging<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        let Some(Gebeurtenis::VoorzieningGesloten(s)) = w.nieuw() else {
            return Ok(Vec::new());
        };
        let v = self.voorziening(&s.voorziening).ok_or_else(|| {
            afwijzing(
                C::OnbekendeVoorziening,
                format!("Voorziening '{}' is niet geregistreerd.", s.voorziening),
            )
        })?;
        if s.datum < v.datum {
            return Err(afwijzing(
                C::VoorzieningNogNietGeregistreerd,
                format!(
                    "Voorziening {} bestaat pas vanaf {}; sluiten op {} kan niet.",
                    self.naam(&s.voorziening),
                    datum(v.datum),
                    datum(s.datum)
                ),
            ));
        }
        let Some(staat) = self.voorzieningen.get(&s.voorziening) else {
            return Ok(Vec::new());
        };
        if let Some((d, _)) = staat
            .sluitingen
            .iter()
            .find(|(_, id)| Some(*id) != w.origineel())
        {
            return Err(afwijzing(
                C::VoorzieningAlGesloten,
                format!(
                    "Voorziening {} is al gesloten op {}.",
                    self.naam(&s.voorziening),
                    datum(*d)
                ),
            ));
        }
        let later_capaciteit = staat
            .capaciteit
            .range(s.datum..)
            .find(|(d, _)| **d > s.datum);
        let later_start = staat.starts.range(s.datum..).next();
        if let Some((d, _)) = later_start.or(later_capaciteit) {
            return Err(afwijzing(
                C::FeitenNaSluiting,
                format!(
                    "Voorziening {} kan niet op {} sluiten: op {} is er nog een plaatsing of capaciteitswijziging vastgelegd.",
                    self.naam(&s.voorziening),
                    datum(s.datum),
                    datum(*d)
                ),
            ));
        }
        let lopend = self.occupancy(&s.voorziening, s.datum);
        let mut signalen = Vec::new();
        if lopend > 0 {
            signalen.push(Signaal::VoorzieningGeslotenMetLopendePlaatsingen {
                voorziening: s.voorziening.clone(),
                datum: s.datum,
                lopend,
            });
        }
        Ok(signalen)
    }

    // ------------------------------------------------------------- youths

    fn check_jeugdige(&self, stream: &str, w: Wijziging<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        use Gebeurtenis as G;
        let jeugdige = self.jeugdigen.get(stream);
        let mut signalen = Vec::new();

        if let G::JeugdigeGeregistreerd(j) = w.inhoud() {
            let Some(_) = w.nieuw() else {
                if jeugdige.is_some_and(|j| !j.feiten.is_empty()) {
                    return Err(afwijzing(
                        C::AfhankelijkeFeiten,
                        "De registratie van de jeugdige kan niet worden ingetrokken: er zijn al machtigingen, plaatsingen of verhuizingen vastgelegd. Trek die eerst in.",
                    ));
                }
                return Ok(signalen);
            };
            if j.pseudoniem.is_empty()
                || j.pseudoniem.chars().any(char::is_whitespace)
                || lijkt_op_bsn(&j.pseudoniem)
            {
                return Err(afwijzing(
                    C::OngeldigPseudoniem,
                    "Het pseudoniem is leeg, bevat spaties of lijkt op een BSN; leg nooit een BSN vast, alleen het pseudoniem.",
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
            gemeentecode(&j.woongemeente)?;
            self.gemeente_signaal(&j.woongemeente, &mut signalen);
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
                gemeentecode(&g.woongemeente)?;
                self.gemeente_signaal(&g.woongemeente, &mut signalen);
            }
            Some(G::MachtigingAfgegeven(m)) => {
                sleutel_verplicht(&m.machtiging, "kenmerk van de machtiging")?;
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
                self.voorziening_op(&p.voorziening, p.datum, Gebruik::Plaatsing)?;
            }
            Some(G::Doorgeplaatst(d)) => {
                if d.van == d.naar {
                    return Err(afwijzing(
                        C::ZelfdeVoorziening,
                        format!(
                            "Een doorplaatsing van voorziening {} naar dezelfde voorziening kan niet.",
                            self.naam(&d.van)
                        ),
                    ));
                }
                self.voorziening_op(&d.naar, d.datum, Gebruik::Plaatsing)?;
            }
            _ => {}
        }

        // Rules on the youth's history in valid time.
        let mut invoer = self.invoer(&jeugdige.feiten, w.origineel().map(|id| (id, w.nieuw())));
        let voorstel = w.origineel().unwrap_or(Uuid::nil());
        if let Wijziging::Nieuw(n) = w {
            invoer.push((voorstel, i64::MAX, n));
        }
        let na = leid_af(invoer, |f| self.vorm(f));
        let bekend: HashSet<(Uuid, &'static str)> = jeugdige
            .afleiding
            .schendingen
            .iter()
            .map(Schending::sleutel)
            .collect();
        let mut nieuwe: Vec<&Schending> = na
            .schendingen
            .iter()
            .filter(|s| !bekend.contains(&s.sleutel()))
            .collect();
        // An overlap explains more than the orphaned end it causes: report it first.
        nieuwe.sort_by_key(|s| {
            (
                !matches!(s.soort, SchendingSoort::AlGeplaatst { .. }),
                s.event != voorstel,
                s.datum,
            )
        });
        for s in nieuwe {
            if let SchendingSoort::AlGeplaatst { oorzaak, .. } = &s.soort
                && *oorzaak == voorstel
                && s.event != voorstel
                && let Some(p) = na
                    .plaatsingen
                    .iter()
                    .find(|p| p.geopend_door == voorstel && p.einde == Some(s.datum))
                && p.beeindigd_door.is_none()
            {
                signalen.push(Signaal::EindeOntbreekt {
                    voorziening: p.voorziening.clone(),
                    start: p.start,
                    volgende_start: s.datum,
                });
                continue;
            }
            return Err(self.afwijzing_voor(s, voorstel, w, &na));
        }

        // Norms on the placement that starts.
        let oude_plaatsingen = &jeugdige.afleiding.plaatsingen;
        match w.nieuw() {
            Some(G::PlaatsingGestart(p)) => {
                self.plaatsing_signalen(
                    &p.voorziening,
                    p.datum,
                    oude_plaatsingen,
                    &na,
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
                self.plaatsing_signalen(&d.naar, d.datum, oude_plaatsingen, &na, &mut signalen);
            }
            _ => {}
        }
        Ok(signalen)
    }

    fn plaatsing_signalen(
        &self,
        voorziening: &str,
        d: NaiveDate,
        oud: &[Plaatsing],
        na: &Afleiding,
        signalen: &mut Vec<Signaal>,
    ) {
        let Some(v) = self.voorziening(voorziening) else {
            return;
        };
        if v.regime == Regime::Gesloten && !na.gesloten_verblijf_toegestaan(d) {
            signalen.push(Signaal::GeslotenZonderMachtiging {
                voorziening: voorziening.to_owned(),
                datum: d,
            });
        }
        let tel = |ps: &[Plaatsing]| -> i64 {
            let n = ps
                .iter()
                .filter(|p| p.voorziening == voorziening && p.niet_leeg() && p.actief_op(d))
                .count();
            i64::try_from(n).unwrap_or(i64::MAX)
        };
        let bezetting = self.occupancy(voorziening, d) - tel(oud) + tel(&na.plaatsingen);
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
    fn beschrijf(&self, id: Uuid) -> String {
        match self.inhoud(id) {
            Some(Gebeurtenis::PlaatsingBeeindigd(e)) => match &e.voorziening {
                Some(f) => format!(
                    "het einde van de plaatsing in {} op {}",
                    self.naam(f),
                    datum(e.datum)
                ),
                None => format!("het einde van de plaatsing op {}", datum(e.datum)),
            },
            Some(Gebeurtenis::Doorgeplaatst(d)) => format!(
                "de doorplaatsing van {} naar {} op {}",
                self.naam(&d.van),
                self.naam(&d.naar),
                datum(d.datum)
            ),
            Some(Gebeurtenis::PlaatsingGestart(p)) => format!(
                "de plaatsing in {} op {}",
                self.naam(&p.voorziening),
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
        voorstel: Uuid,
        w: Wijziging<'_>,
        na: &Afleiding,
    ) -> Afwijzing {
        let d = datum(s.datum);
        if s.event != voorstel {
            // The change breaks a fact recorded earlier.
            let feit = self.beschrijf(s.event);
            return match &s.soort {
                SchendingSoort::AlGeplaatst {
                    voorziening, sinds, ..
                } => afwijzing(
                    C::AlGeplaatst,
                    format!(
                        "Na deze wijziging zou de jeugdige op {d} nog geplaatst zijn in {} (sinds {}), terwijl {feit} dan begint.",
                        self.naam(voorziening),
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
                        self.naam(voorziening),
                        datum(*sinds)
                    ),
                )
            }
            SchendingSoort::NietGeplaatst { voorziening } => {
                // An end on or before the start of the placement it means?
                let later = na.plaatsingen.iter().find(|p| {
                    p.start >= s.datum
                        && p.geopend_door != voorstel
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
                            self.naam(&p.voorziening),
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
                        self.naam(f)
                    ),
                    (Some(f), false) => format!(
                        "De jeugdige is op {d} niet (meer) geplaatst in {}; er valt geen plaatsing te beëindigen.",
                        self.naam(f)
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

/// A stream name for a message: a youth's stream is never shown (it holds the pseudonym).
fn toon_stroom(stream: &str) -> String {
    if pseudoniem_van_stream(stream).is_some() {
        "de stroom van een jeugdige".to_owned()
    } else {
        format!("stroom '{stream}'")
    }
}

fn verkeerde_stroom_correctie() -> Afwijzing {
    afwijzing(
        C::VerkeerdeStroom,
        "Een correctie of intrekking hoort in dezelfde stroom als het feit dat zij betreft.",
    )
}

//! Checks of landscape facts: master data (landsdelen, jeugdregio's, gemeenten,
//! aanbieders), facilities, their capacity and their closure.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::{Change, Usage, afwijzing, require_count, require_gemeentecode, require_key};
use crate::catalogue::{Gebeurtenis, VoorzieningGeregistreerd};
use crate::rules::{
    Afwijzing, AfwijzingCode as C, DomainState, Signaal, capaciteitseffecten, datum,
};
use crate::types::Vorm;

impl DomainState {
    pub(super) fn check_stamgegeven(&self, w: Change<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        use Gebeurtenis as G;
        let (map, key, wat) = match w.inhoud() {
            G::LandsdeelGeregistreerd(e) => (&self.landsdelen, &e.code, "landsdeel"),
            G::JeugdregioGeregistreerd(e) => (&self.jeugdregios, &e.code, "jeugdregio"),
            G::GemeenteGeregistreerd(e) => (&self.gemeenten, &e.code, "gemeente"),
            G::AanbiederGeregistreerd(e) => (&self.aanbieders, &e.id, "aanbieder"),
            _ => return Ok(Vec::new()),
        };
        let Some(nieuw) = w.nieuw() else {
            // Retraction: nothing may refer to it any more.
            let referrers = match w.inhoud() {
                G::LandsdeelGeregistreerd(_) => self
                    .jeugdregios
                    .values()
                    .filter(|id| matches!(self.inhoud(**id), Some(G::JeugdregioGeregistreerd(r)) if &r.landsdeel == key))
                    .count(),
                G::JeugdregioGeregistreerd(_) => self
                    .gemeenten
                    .values()
                    .filter(|id| matches!(self.inhoud(**id), Some(G::GemeenteGeregistreerd(g)) if &g.jeugdregio == key))
                    .count(),
                G::GemeenteGeregistreerd(_) => self
                    .voorzieningen
                    .keys()
                    .filter(|f| self.voorziening(f).is_some_and(|v| &v.gemeente == key))
                    .count(),
                _ => self
                    .voorzieningen
                    .keys()
                    .filter(|f| self.voorziening(f).is_some_and(|v| &v.aanbieder == key))
                    .count(),
            };
            if referrers > 0 {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "De {wat} '{key}' kan niet worden ingetrokken: {referrers} geregistreerde gegevens verwijzen ernaar."
                    ),
                ));
            }
            return Ok(Vec::new());
        };
        require_key(key, &format!("code van de {wat}"))?;
        if let Some(existing) = map.get(key.as_str())
            && Some(*existing) != w.origineel()
        {
            return Err(afwijzing(
                C::AlGeregistreerd,
                format!("De {wat} '{key}' is al geregistreerd."),
            ));
        }
        match nieuw {
            G::JeugdregioGeregistreerd(e) => {
                self.require_known(
                    &self.landsdelen,
                    &e.landsdeel,
                    C::OnbekendLandsdeel,
                    "landsdeel",
                )?;
            }
            G::GemeenteGeregistreerd(e) => {
                require_gemeentecode(&e.code)?;
                self.require_known(
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

    pub(super) fn check_voorziening(&self, w: Change<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        let Gebeurtenis::VoorzieningGeregistreerd(v) = w.inhoud() else {
            return Ok(Vec::new());
        };
        let state = self.voorzieningen.get(&v.id);
        let Some(_) = w.nieuw() else {
            if state.is_some_and(|s| !s.feiten.is_empty() || !s.starts.is_empty()) {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Voorziening {} kan niet worden ingetrokken: er zijn capaciteitswijzigingen of plaatsingen op vastgelegd. Trek die eerst in.",
                        self.display_name(&v.id)
                    ),
                ));
            }
            return Ok(Vec::new());
        };
        require_key(&v.id, "id van de voorziening")?;
        if let Some(reg) = state.and_then(|s| s.registratie)
            && Some(reg) != w.origineel()
        {
            return Err(afwijzing(
                C::AlGeregistreerd,
                format!(
                    "Voorziening {} is al geregistreerd.",
                    self.display_name(&v.id)
                ),
            ));
        }
        self.require_known(
            &self.aanbieders,
            &v.aanbieder,
            C::OnbekendeAanbieder,
            "aanbieder",
        )?;
        require_gemeentecode(&v.gemeente)?;
        if let (Some(s), Some(Gebeurtenis::VoorzieningGeregistreerd(oud))) = (state, w.oud()) {
            let first = [
                s.capaciteit.keys().next(),
                s.starts.keys().next(),
                s.sluitingen.first().map(|(d, _)| d),
            ]
            .into_iter()
            .flatten()
            .min();
            if let Some(first) = first
                && *first < v.datum
            {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Voorziening {} heeft al feiten op {}, vóór de nieuwe registratiedatum {}.",
                        self.display_name(&v.id),
                        datum(*first),
                        datum(v.datum)
                    ),
                ));
            }
            if (oud.vorm == Vorm::Ambulant) != (v.vorm == Vorm::Ambulant) && !s.starts.is_empty() {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Voorziening {} heeft al plaatsingen; de vorm kan niet wisselen tussen ambulant en residentieel.",
                        self.display_name(&v.id)
                    ),
                ));
            }
        }
        let mut signalen = Vec::new();
        self.signal_unknown_gemeente(&v.gemeente, &mut signalen);
        Ok(signalen)
    }

    /// The facility a fact uses on `d`: registered, registered by `d`, not closed on `d`.
    pub(super) fn voorziening_op(
        &self,
        id: &str,
        d: NaiveDate,
        gebruik: Usage,
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
                    self.display_name(id),
                    datum(v.datum),
                    datum(d)
                ),
            ));
        }
        if let Some(s) = self.sluitingsdatum(id) {
            let gesloten = match gebruik {
                Usage::Plaatsing => s <= d,
                Usage::Capaciteit => s < d,
            };
            if gesloten {
                return Err(afwijzing(
                    C::VoorzieningGesloten,
                    format!(
                        "Voorziening {} is gesloten sinds {}; op {} kan daar niets meer gebeuren.",
                        self.display_name(id),
                        datum(s),
                        datum(d)
                    ),
                ));
            }
        }
        Ok(v)
    }

    pub(super) fn check_capaciteit(&self, w: Change<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        use Gebeurtenis as G;
        if let Some(nieuw) = w.nieuw() {
            match nieuw {
                G::PlaatsenGeopend(e) => require_count(e.aantal, "geopende plaatsen")?,
                G::PlaatsenGesloten(e) => require_count(e.aantal, "gesloten plaatsen")?,
                G::PlaatsenOmgebouwd(e) => {
                    require_count(e.aantal_uit, "omgebouwde plaatsen (uit)")?;
                    require_count(e.aantal_in, "omgebouwde plaatsen (in)")?;
                    if e.van == e.naar {
                        return Err(afwijzing(
                            C::ZelfdeVoorziening,
                            format!(
                                "Ombouw van voorziening {} naar zichzelf kan niet; gebruik opbouw of afbouw.",
                                self.display_name(&e.van)
                            ),
                        ));
                    }
                }
                _ => {}
            }
            for (f, d, _) in capaciteitseffecten(nieuw) {
                self.voorziening_op(f, d, Usage::Capaciteit)?;
            }
        }
        let oud = w.oud().map(capaciteitseffecten).unwrap_or_default();
        let nieuw = w.nieuw().map(capaciteitseffecten).unwrap_or_default();
        let affected: BTreeSet<&str> = oud.iter().chain(&nieuw).map(|(f, _, _)| *f).collect();
        let mut signalen = Vec::new();
        for f in affected {
            let current = self
                .voorzieningen
                .get(f)
                .map(|v| v.capaciteit.clone())
                .unwrap_or_default();
            let mut after = current.clone();
            for (g, d, delta) in &oud {
                if *g == f {
                    crate::rules::shift(&mut after, *d, -delta);
                }
            }
            for (g, d, delta) in &nieuw {
                if *g == f {
                    crate::rules::shift(&mut after, *d, *delta);
                }
            }
            let dates: BTreeSet<NaiveDate> = current.keys().chain(after.keys()).copied().collect();
            let (mut sum_before, mut sum_after) = (0i64, 0i64);
            for d in dates {
                sum_before += current.get(&d).copied().unwrap_or(0);
                sum_after += after.get(&d).copied().unwrap_or(0);
                if sum_after < 0 && sum_after < sum_before {
                    return Err(self.te_veel_gesloten(f, d, sum_before, sum_after, w));
                }
            }
            // Afbouw below the occupancy of that date: accepted, flagged.
            let own_dates: BTreeSet<NaiveDate> = oud
                .iter()
                .chain(&nieuw)
                .filter(|(g, _, _)| *g == f)
                .map(|(_, d, _)| *d)
                .collect();
            for d in own_dates {
                let plaatsen = crate::rules::prefix(&after, d);
                let bezetting = self.occupancy(f, d);
                if plaatsen < crate::rules::prefix(&current, d) && bezetting > plaatsen {
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
        before: i64,
        after: i64,
        w: Change<'_>,
    ) -> Afwijzing {
        let own_date = w.inhoud().valid_date() == Some(d);
        let melding = match (w, own_date) {
            (Change::New(_), true) => format!(
                "Voorziening {} heeft op {} {} plaatsen; er kunnen er niet meer worden afgebouwd of omgebouwd (dan blijven er {} over).",
                self.display_name(f),
                datum(d),
                before.max(0),
                after
            ),
            _ => format!(
                "Na dit feit zou voorziening {} op {} {} plaatsen hebben: er worden meer plaatsen afgebouwd of omgebouwd dan er zijn.",
                self.display_name(f),
                datum(d),
                after
            ),
        };
        afwijzing(C::TeVeelPlaatsenGesloten, melding)
    }

    pub(super) fn check_sluiting(&self, w: Change<'_>) -> Result<Vec<Signaal>, Afwijzing> {
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
                    self.display_name(&s.voorziening),
                    datum(v.datum),
                    datum(s.datum)
                ),
            ));
        }
        let Some(state) = self.voorzieningen.get(&s.voorziening) else {
            return Ok(Vec::new());
        };
        if let Some((d, _)) = state
            .sluitingen
            .iter()
            .find(|(_, id)| Some(*id) != w.origineel())
        {
            return Err(afwijzing(
                C::VoorzieningAlGesloten,
                format!(
                    "Voorziening {} is al gesloten op {}.",
                    self.display_name(&s.voorziening),
                    datum(*d)
                ),
            ));
        }
        let later_capaciteit = state
            .capaciteit
            .range(s.datum..)
            .find(|(d, _)| **d > s.datum);
        let later_start = state.starts.range(s.datum..).next();
        if let Some((d, _)) = later_start.or(later_capaciteit) {
            return Err(afwijzing(
                C::FeitenNaSluiting,
                format!(
                    "Voorziening {} kan niet op {} sluiten: op {} is er nog een plaatsing of capaciteitswijziging vastgelegd.",
                    self.display_name(&s.voorziening),
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
}

//! Checks of contracts and money: a contract and its changes (tariff indexations, volume
//! guarantees, budget ceilings, extensions, early termination), its performance
//! agreements, a region's budget and its shifts, and a youth's restrictive measures; the
//! signals `CONTRACT_ONTBREEKT` (a placement at a provider without a contract for that
//! care) and `MAATREGEL_IN_OPEN_VOORZIENING`.
//!
//! Every check is a lookup in the state (a contract by id, a provider's contracts, a
//! budget by region, year and segment, a youth's measures and placements); only a change
//! of the contract itself re-checks the contract's own facts.

use std::collections::HashSet;

use chrono::{Datelike, Months, NaiveDate};
use uuid::Uuid;

use super::{Change, afwijzing, require_key};
use crate::catalogue::{ContractGesloten, Gebeurtenis};
use crate::geld::{Afspraakinhoud, Normkpi, Volumegarantie};
use crate::rules::afleiding::{Plaatsing, is_plaatsingsfeit, leid_af};
use crate::rules::{
    Afwijzing, AfwijzingCode as C, ContractStand, ContractState, DomainState, Signaal, datum,
    product_van,
};
use crate::types::Regime;

/// The contract a contract-stream fact is about.
fn contract_id(feit: &Gebeurtenis) -> Option<&str> {
    use Gebeurtenis as G;
    Some(match feit {
        G::ContractGesloten(e) => &e.contract,
        G::TariefGeindexeerd(e) => &e.contract,
        G::VolumegarantieGewijzigd(e) => &e.contract,
        G::BudgetplafondGewijzigd(e) => &e.contract,
        G::ContractVerlengd(e) => &e.contract,
        G::ContractBeeindigd(e) => &e.contract,
        G::PrestatieafspraakVastgelegd(e) => &e.contract,
        G::PrestatieafspraakGewijzigd(e) => &e.contract,
        _ => return None,
    })
}

/// "01-01-2024 tot en met 31-12-2025": a contract's period for messages.
fn looptijd(stand: &ContractStand<'_>) -> String {
    format!(
        "{} tot en met {}",
        datum(stand.gesloten.van),
        datum(stand.laatste_dag)
    )
}

/// An amount in eurocents as a Dutch reader writes it: `€ 1.234,50`, `€ -0,05`.
pub(crate) fn euro(cent: i64) -> String {
    let teken = if cent < 0 { "-" } else { "" };
    let abs = cent.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut groepen = Vec::new();
    let mut rest = euros.as_str();
    while rest.len() > 3 {
        let (kop, staart) = rest.split_at(rest.len() - 3);
        groepen.push(staart);
        rest = kop;
    }
    groepen.push(rest);
    groepen.reverse();
    format!("€ {teken}{},{:02}", groepen.join("."), abs % 100)
}

fn require_bedrag(bedrag: i64, wat: &str) -> Result<(), Afwijzing> {
    if bedrag < 0 {
        return Err(afwijzing(
            C::OngeldigBedrag,
            format!(
                "{wat} is negatief ({}); bedragen zijn 0 of meer.",
                euro(bedrag)
            ),
        ));
    }
    Ok(())
}

/// A date of a contract change must lie in the contract's period.
fn require_in_looptijd(
    d: NaiveDate,
    wat: &str,
    stand: &ContractStand<'_>,
) -> Result<(), Afwijzing> {
    if !stand.loopt_op(d) {
        return Err(afwijzing(
            C::DatumBuitenLooptijd,
            format!(
                "{wat} ({}) ligt buiten de looptijd van contract {} ({}).",
                datum(d),
                stand.gesloten.contract,
                looptijd(stand)
            ),
        ));
    }
    Ok(())
}

/// Volume guarantees: products of the contract, once each, exactly one of places and
/// share, a share of at most 100 %.
fn check_garanties(gs: &[Volumegarantie], c: &ContractGesloten) -> Result<(), Afwijzing> {
    let mut gezien = HashSet::new();
    for g in gs {
        if product_van(c, &g.product).is_none() {
            return Err(afwijzing(
                C::ProductNietInContract,
                format!(
                    "De volumegarantie noemt product '{}', maar contract {} heeft dat product niet.",
                    g.product, c.contract
                ),
            ));
        }
        if !gezien.insert(g.product.as_str()) {
            return Err(afwijzing(
                C::DubbeleCode,
                format!(
                    "Product '{}' heeft twee volumegaranties; geef per product één garantie.",
                    g.product
                ),
            ));
        }
        match (g.plaatsen, g.bezettingsaandeel_procent) {
            (Some(_), None) => {}
            (None, Some(p)) if p <= 100 => {}
            (None, Some(p)) => {
                return Err(afwijzing(
                    C::OngeldigeVolumegarantie,
                    format!(
                        "De volumegarantie voor product '{}' is {p} % van de plaatsen; een bezettingsaandeel is ten hoogste 100 %.",
                        g.product
                    ),
                ));
            }
            _ => {
                return Err(afwijzing(
                    C::OngeldigeVolumegarantie,
                    format!(
                        "De volumegarantie voor product '{}' moet óf een aantal plaatsen óf een bezettingsaandeel noemen, precies één van de twee.",
                        g.product
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// What an agreement says must make sense on its own.
fn check_afspraakinhoud(afspraak: &str, inhoud: &Afspraakinhoud) -> Result<(), Afwijzing> {
    match inhoud {
        Afspraakinhoud::Capaciteit { punten, .. } => {
            if punten.is_empty() {
                return Err(afwijzing(
                    C::CapaciteitspuntenOntbreken,
                    format!(
                        "Capaciteitsafspraak {afspraak} heeft geen punten; noem per datum het aantal plaatsen."
                    ),
                ));
            }
        }
        Afspraakinhoud::Norm {
            kpi,
            van,
            tot_en_met,
            min,
            max,
        } => {
            let fout = |reden: String| {
                Err(afwijzing(
                    C::OngeldigeNorm,
                    format!("Norm {afspraak} ({}): {reden}", kpi.code()),
                ))
            };
            if tot_en_met < van {
                return fout(format!(
                    "de meetperiode eindigt op {}, vóór het begin op {}.",
                    datum(*tot_en_met),
                    datum(*van)
                ));
            }
            if min.is_none() && max.is_none() {
                return fout("noem een ondergrens (min), een bovengrens (max) of allebei.".into());
            }
            let aandeel = matches!(
                kpi,
                Normkpi::Spoedaandeel | Normkpi::UitstroomLichtereZorg | Normkpi::Bezettingsgraad
            );
            for grens in [min, max].into_iter().flatten() {
                if !grens.is_finite() || *grens < 0.0 {
                    return fout(format!(
                        "grens {grens} is ongeldig; een grens is een getal van 0 of meer."
                    ));
                }
                if aandeel && *grens > 1.0 {
                    return fout(format!(
                        "grens {grens} ligt buiten 0 tot en met 1; dit kengetal is een aandeel (0,25 is 25 %)."
                    ));
                }
            }
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                return fout(format!("de ondergrens {lo} ligt boven de bovengrens {hi}."));
            }
        }
    }
    Ok(())
}

/// An agreement's period (measurement period, capacity points) must lie in the contract's.
fn check_afspraak_in_looptijd(
    afspraak: &str,
    inhoud: &Afspraakinhoud,
    stand: &ContractStand<'_>,
) -> Result<(), Afwijzing> {
    if let Some((eerste, laatste)) = inhoud.looptijd()
        && (!stand.loopt_op(eerste) || !stand.loopt_op(laatste))
    {
        return Err(afwijzing(
            C::AfspraakBuitenLooptijd,
            format!(
                "Afspraak {afspraak} gaat over {} tot en met {}, buiten de looptijd van contract {} ({}).",
                datum(eerste),
                datum(laatste),
                stand.gesloten.contract,
                looptijd(stand)
            ),
        ));
    }
    Ok(())
}

/// An extension: an option left, a later last day, at most one option's months.
fn check_verlenging(tot_en_met: NaiveDate, stand: &ContractStand<'_>) -> Result<(), Afwijzing> {
    let id = &stand.gesloten.contract;
    if stand.beeindigd.is_some() {
        return Err(afwijzing(
            C::ContractAlBeeindigd,
            format!("Contract {id} is beëindigd en kan niet meer worden verlengd."),
        ));
    }
    let opties = usize::from(stand.gesloten.verlengingsopties);
    if stand.verlengingen >= opties {
        return Err(afwijzing(
            C::TeVeelVerlengingen,
            format!(
                "Contract {id} heeft {opties} verlengingsoptie(s) en die zijn alle gebruikt; een verdere verlenging vraagt een nieuw contract."
            ),
        ));
    }
    let huidig = stand.laatste_dag;
    if tot_en_met <= huidig {
        return Err(afwijzing(
            C::VerlengingNietLater,
            format!(
                "Contract {id} loopt al tot en met {}; een verlenging tot en met {} verlengt niets.",
                datum(huidig),
                datum(tot_en_met)
            ),
        ));
    }
    let maanden = stand.gesloten.verlenging_maanden;
    let uiterst = huidig
        .succ_opt()
        .and_then(|d| d.checked_add_months(Months::new(u32::from(maanden))))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX);
    if tot_en_met > uiterst {
        return Err(afwijzing(
            C::VerlengingTeLang,
            format!(
                "Een verlengingsoptie van contract {id} is {maanden} maanden: verlengen kan tot en met {}, niet tot en met {}.",
                datum(uiterst),
                datum(tot_en_met)
            ),
        ));
    }
    Ok(())
}

impl DomainState {
    // ------------------------------------------------------------- contracts

    pub(super) fn check_contract(&self, w: Change<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        use Gebeurtenis as G;
        let Some(id) = contract_id(w.inhoud()) else {
            return Ok(Vec::new());
        };
        let state = self.contracten.get(id);
        if let G::ContractGesloten(_) = w.inhoud() {
            return self.check_contract_gesloten(w, state);
        }
        let Some(nieuw) = w.nieuw() else {
            return self.check_contract_intrekking(w, state);
        };
        let stand = state
            .and_then(|c| self.contract_stand(c, None, w.origineel()))
            .ok_or_else(|| {
                afwijzing(
                    C::OnbekendContract,
                    format!(
                        "Contract {id} is niet bekend; leg eerst het contract vast (ContractGesloten)."
                    ),
                )
            })?;
        match nieuw {
            G::TariefGeindexeerd(t) => {
                self.check_tarief_in_contract(&t.product, t.geldig_van, &stand)?;
                require_bedrag(
                    t.bedrag_cent,
                    &format!("Het tarief van product '{}'", t.product),
                )?;
            }
            G::VolumegarantieGewijzigd(v) => {
                require_in_looptijd(v.datum, "De wijziging van de volumegarantie", &stand)?;
                check_garanties(&v.volumegaranties, stand.gesloten)?;
            }
            G::BudgetplafondGewijzigd(b) => {
                require_in_looptijd(b.datum, "De wijziging van het budgetplafond", &stand)?;
                if let Some(p) = b.budgetplafond_cent {
                    require_bedrag(p, "Het budgetplafond")?;
                }
            }
            G::ContractVerlengd(v) => check_verlenging(v.tot_en_met, &stand)?,
            G::ContractBeeindigd(b) => {
                if stand.beeindigd.is_some() {
                    return Err(afwijzing(
                        C::ContractAlBeeindigd,
                        format!(
                            "Contract {id} is al beëindigd; corrigeer die beëindiging in plaats van een tweede vast te leggen."
                        ),
                    ));
                }
                if b.tot_en_met < stand.gesloten.van || b.tot_en_met > stand.laatste_dag {
                    return Err(afwijzing(
                        C::DatumBuitenLooptijd,
                        format!(
                            "Contract {id} loopt van {}; een beëindiging met laatste dag {} ligt daarbuiten.",
                            looptijd(&stand),
                            datum(b.tot_en_met)
                        ),
                    ));
                }
            }
            G::PrestatieafspraakVastgelegd(a) => {
                require_key(&a.afspraak, "kenmerk van de afspraak")?;
                let bestaand = state.and_then(|c| c.afspraken.get(&a.afspraak));
                if bestaand.is_some_and(|s| s.vastgelegd.iter().any(|v| Some(*v) != w.origineel()))
                {
                    return Err(afwijzing(
                        C::AfspraakAlVastgelegd,
                        format!(
                            "Contract {id} heeft al een afspraak {}; leg een wijziging vast (PrestatieafspraakGewijzigd) of kies een eigen kenmerk.",
                            a.afspraak
                        ),
                    ));
                }
                if let Some(G::PrestatieafspraakVastgelegd(oud)) = w.oud()
                    && oud.afspraak != a.afspraak
                    && state
                        .and_then(|c| c.afspraken.get(&oud.afspraak))
                        .is_some_and(|s| !s.wijzigingen.is_empty())
                {
                    return Err(afwijzing(
                        C::AfhankelijkeFeiten,
                        format!(
                            "Afspraak {} heeft al wijzigingen; het kenmerk kan niet veranderen. Trek die wijzigingen eerst in.",
                            oud.afspraak
                        ),
                    ));
                }
                check_afspraakinhoud(&a.afspraak, &a.inhoud)?;
                check_afspraak_in_looptijd(&a.afspraak, &a.inhoud, &stand)?;
            }
            G::PrestatieafspraakGewijzigd(a) => {
                if state
                    .and_then(|c| c.afspraken.get(&a.afspraak))
                    .is_none_or(|s| s.vastgelegd.is_empty())
                {
                    return Err(afwijzing(
                        C::OnbekendeAfspraak,
                        format!(
                            "Contract {id} heeft geen afspraak {}; leg die eerst vast (PrestatieafspraakVastgelegd).",
                            a.afspraak
                        ),
                    ));
                }
                check_afspraakinhoud(&a.afspraak, &a.inhoud)?;
                check_afspraak_in_looptijd(&a.afspraak, &a.inhoud, &stand)?;
            }
            _ => {}
        }
        // A changed or withdrawn extension moves the period the contract's facts lie in.
        if let (G::ContractVerlengd(_), Change::Replace { .. }, Some(c)) = (nieuw, w, state) {
            let na = self.contract_stand_na(c, w)?;
            self.check_afhankelijk(c, &na)?;
        }
        Ok(Vec::new())
    }

    fn check_tarief_in_contract(
        &self,
        product: &str,
        geldig_van: NaiveDate,
        stand: &ContractStand<'_>,
    ) -> Result<(), Afwijzing> {
        if stand.product(product).is_none() {
            return Err(afwijzing(
                C::ProductNietInContract,
                format!(
                    "Contract {} heeft geen product '{product}'; een tarief kan alleen gelden voor een product van het contract.",
                    stand.gesloten.contract
                ),
            ));
        }
        if !stand.loopt_op(geldig_van) {
            return Err(afwijzing(
                C::DatumBuitenLooptijd,
                format!(
                    "Het tarief van product '{product}' geldt vanaf {}, buiten de looptijd van contract {} ({}).",
                    datum(geldig_van),
                    stand.gesloten.contract,
                    looptijd(stand)
                ),
            ));
        }
        Ok(())
    }

    /// A contract's stand after the change `w` of one of its extensions.
    fn contract_stand_na<'a>(
        &'a self,
        c: &ContractState,
        w: Change<'_>,
    ) -> Result<ContractStand<'a>, Afwijzing> {
        let mut stand = self
            .contract_stand(c, None, w.origineel())
            .ok_or_else(|| afwijzing(C::OnbekendContract, "Het contract is niet bekend."))?;
        if let Some(Gebeurtenis::ContractVerlengd(v)) = w.nieuw() {
            stand.verlengingen += 1;
            if stand.beeindigd.is_none() {
                stand.laatste_dag = stand.laatste_dag.max(v.tot_en_met);
            }
        }
        Ok(stand)
    }

    fn check_contract_gesloten(
        &self,
        w: Change<'_>,
        state: Option<&ContractState>,
    ) -> Result<Vec<Signaal>, Afwijzing> {
        let Some(Gebeurtenis::ContractGesloten(c)) = w.nieuw() else {
            // Retraction: nothing of the contract may remain.
            if state.is_some_and(|s| {
                !s.feiten.is_empty() || !s.verlengingen.is_empty() || !s.beeindigingen.is_empty()
            }) {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    "Dit contract kan niet worden ingetrokken: er zijn tarieven, wijzigingen, verlengingen, een beëindiging of afspraken op vastgelegd. Trek die eerst in.",
                ));
            }
            return Ok(Vec::new());
        };
        require_key(&c.contract, "id van het contract")?;
        if state.is_some_and(|s| s.gesloten.iter().any(|(_, id)| Some(*id) != w.origineel())) {
            return Err(afwijzing(
                C::ContractAlGesloten,
                format!(
                    "Contract {} is al vastgelegd; leg een wijziging vast of corrigeer het contract.",
                    c.contract
                ),
            ));
        }
        self.require_known(
            &self.aanbieders,
            &c.aanbieder,
            C::OnbekendeAanbieder,
            "aanbieder",
        )?;
        if c.jeugdregios.is_empty() {
            return Err(afwijzing(
                C::JeugdregioOntbreekt,
                format!(
                    "Contract {} noemt geen jeugdregio; noem de contracterende regio('s), de centrumregio eerst.",
                    c.contract
                ),
            ));
        }
        let mut regios = HashSet::new();
        for r in &c.jeugdregios {
            self.require_known(&self.jeugdregios, r, C::OnbekendeJeugdregio, "jeugdregio")?;
            if !regios.insert(r.as_str()) {
                return Err(afwijzing(
                    C::DubbeleCode,
                    format!("Contract {} noemt jeugdregio '{r}' twee keer.", c.contract),
                ));
            }
        }
        if c.tot_en_met < c.van {
            return Err(afwijzing(
                C::ContractEindeVoorBegin,
                format!(
                    "Contract {} eindigt op {}, vóór de begindatum {}.",
                    c.contract,
                    datum(c.tot_en_met),
                    datum(c.van)
                ),
            ));
        }
        if c.percelen.is_empty() || c.percelen.iter().any(|p| p.producten.is_empty()) {
            return Err(afwijzing(
                C::ProductOntbreekt,
                format!(
                    "Contract {} heeft geen percelen of een perceel zonder producten; elk perceel noemt de producten (vorm, regime, eenheid) die het omvat.",
                    c.contract
                ),
            ));
        }
        let mut percelen = HashSet::new();
        let mut producten = HashSet::new();
        for p in &c.percelen {
            require_key(&p.code, "code van het perceel")?;
            if !percelen.insert(p.code.as_str()) {
                return Err(afwijzing(
                    C::DubbeleCode,
                    format!(
                        "Contract {} heeft perceel '{}' twee keer.",
                        c.contract, p.code
                    ),
                ));
            }
            for pr in &p.producten {
                require_key(&pr.code, "code van het product")?;
                if !producten.insert(pr.code.as_str()) {
                    return Err(afwijzing(
                        C::DubbeleCode,
                        format!(
                            "Contract {} heeft product '{}' twee keer; een productcode is uniek binnen het contract.",
                            c.contract, pr.code
                        ),
                    ));
                }
            }
        }
        for t in &c.tarieven {
            if product_van(c, &t.product).is_none() {
                return Err(afwijzing(
                    C::ProductNietInContract,
                    format!(
                        "Contract {} heeft een tarief voor product '{}', maar dat product zit in geen van de percelen.",
                        c.contract, t.product
                    ),
                ));
            }
            require_bedrag(
                t.bedrag_cent,
                &format!("Het tarief van product '{}'", t.product),
            )?;
            if t.geldig_van > c.tot_en_met {
                return Err(afwijzing(
                    C::DatumBuitenLooptijd,
                    format!(
                        "Het tarief van product '{}' geldt vanaf {}, na het einde van contract {} ({}).",
                        t.product,
                        datum(t.geldig_van),
                        c.contract,
                        datum(c.tot_en_met)
                    ),
                ));
            }
        }
        for pr in c.percelen.iter().flat_map(|p| &p.producten) {
            if !c
                .tarieven
                .iter()
                .any(|t| t.product == pr.code && t.geldig_van <= c.van)
            {
                return Err(afwijzing(
                    C::TariefOntbreekt,
                    format!(
                        "Product '{}' van contract {} heeft geen tarief dat op de eerste dag van het contract ({}) geldt; geef elk product een tarief vanaf de begindatum.",
                        pr.code,
                        c.contract,
                        datum(c.van)
                    ),
                ));
            }
        }
        check_garanties(&c.volumegaranties, c)?;
        if let Some(p) = c.budgetplafond_cent {
            require_bedrag(p, "Het budgetplafond")?;
        }
        // A correction: the contract's recorded facts must still fit it.
        if let (Change::Replace { .. }, Some(s)) = (w, state)
            && let Some(stand) = self.contract_stand(s, Some(c), None)
        {
            if stand.verlengingen > usize::from(c.verlengingsopties) {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Contract {} is al {} keer verlengd; met {} verlengingsoptie(s) klopt dat niet meer. Trek een verlenging eerst in.",
                        c.contract, stand.verlengingen, c.verlengingsopties
                    ),
                ));
            }
            if let Some(b) = stand.beeindigd
                && b < c.van
            {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Contract {} is beëindigd met laatste dag {}, vóór de nieuwe begindatum {}. Corrigeer of trek de beëindiging eerst in.",
                        c.contract,
                        datum(b),
                        datum(c.van)
                    ),
                ));
            }
            self.check_afhankelijk(s, &stand)?;
        }
        Ok(Vec::new())
    }

    fn check_contract_intrekking(
        &self,
        w: Change<'_>,
        state: Option<&ContractState>,
    ) -> Result<Vec<Signaal>, Afwijzing> {
        match w.inhoud() {
            Gebeurtenis::PrestatieafspraakVastgelegd(a)
                if state
                    .and_then(|c| c.afspraken.get(&a.afspraak))
                    .is_some_and(|s| !s.wijzigingen.is_empty() && s.vastgelegd.len() <= 1) =>
            {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Afspraak {} kan niet worden ingetrokken: er zijn wijzigingen op vastgelegd. Trek die eerst in.",
                        a.afspraak
                    ),
                ));
            }
            Gebeurtenis::ContractVerlengd(_) => {
                if let Some(c) = state {
                    let na = self.contract_stand_na(c, w)?;
                    self.check_afhankelijk(c, &na)?;
                }
            }
            _ => {}
        }
        Ok(Vec::new())
    }

    /// The contract's tariffs, changes and agreements must lie in `stand` (its product
    /// list and period after a change of the contract or an extension).
    fn check_afhankelijk(
        &self,
        c: &ContractState,
        stand: &ContractStand<'_>,
    ) -> Result<(), Afwijzing> {
        use Gebeurtenis as G;
        for id in &c.feiten {
            let Some(feit) = self.inhoud(*id) else {
                continue;
            };
            let (wat, gevolg) = match feit {
                G::TariefGeindexeerd(t) => (
                    format!(
                        "de indexatie van product '{}' per {}",
                        t.product,
                        datum(t.geldig_van)
                    ),
                    self.check_tarief_in_contract(&t.product, t.geldig_van, stand),
                ),
                G::VolumegarantieGewijzigd(v) => (
                    format!("de wijziging van de volumegarantie per {}", datum(v.datum)),
                    require_in_looptijd(v.datum, "De wijziging", stand)
                        .and_then(|()| check_garanties(&v.volumegaranties, stand.gesloten)),
                ),
                G::BudgetplafondGewijzigd(b) => (
                    format!("de wijziging van het budgetplafond per {}", datum(b.datum)),
                    require_in_looptijd(b.datum, "De wijziging", stand),
                ),
                G::PrestatieafspraakVastgelegd(a) => (
                    format!("afspraak {}", a.afspraak),
                    check_afspraak_in_looptijd(&a.afspraak, &a.inhoud, stand),
                ),
                G::PrestatieafspraakGewijzigd(a) => (
                    format!(
                        "de wijziging van afspraak {} per {}",
                        a.afspraak,
                        datum(a.datum)
                    ),
                    check_afspraak_in_looptijd(&a.afspraak, &a.inhoud, stand),
                ),
                _ => continue,
            };
            if let Err(e) = gevolg {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Na deze wijziging past {wat} niet meer in contract {}: {} Corrigeer of trek dat feit eerst in.",
                        stand.gesloten.contract, e.melding
                    ),
                ));
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------- budgets

    pub(super) fn check_budget(&self, w: Change<'_>) -> Result<Vec<Signaal>, Afwijzing> {
        use Gebeurtenis as G;
        match w.nieuw() {
            Some(G::BudgetVastgesteld(b)) => {
                self.require_known(
                    &self.jeugdregios,
                    &b.jeugdregio,
                    C::OnbekendeJeugdregio,
                    "jeugdregio",
                )?;
                require_bedrag(
                    b.bedrag_cent,
                    &format!(
                        "Het budget {} {} van {}",
                        b.segment.code(),
                        b.jaar,
                        b.jeugdregio
                    ),
                )?;
            }
            Some(G::BudgetVerschoven(v)) => {
                self.require_known(
                    &self.jeugdregios,
                    &v.jeugdregio,
                    C::OnbekendeJeugdregio,
                    "jeugdregio",
                )?;
                if v.van == v.naar {
                    return Err(afwijzing(
                        C::ZelfdeSegment,
                        format!(
                            "Een budgetverschuiving van segment {} naar hetzelfde segment verschuift niets.",
                            v.van.code()
                        ),
                    ));
                }
                if v.bedrag_cent <= 0 {
                    return Err(afwijzing(
                        C::OngeldigBedrag,
                        format!(
                            "Een budgetverschuiving moet een bedrag groter dan 0 hebben (nu {}); verschuif de andere kant op met een positief bedrag.",
                            euro(v.bedrag_cent)
                        ),
                    ));
                }
                if v.datum.year() != v.jaar {
                    return Err(afwijzing(
                        C::DatumBuitenLooptijd,
                        format!(
                            "De verschuiving in het budget van {} gaat in op {}, buiten dat jaar.",
                            v.jaar,
                            datum(v.datum)
                        ),
                    ));
                }
                let mut beschikbaar = self.budget(&v.jeugdregio, v.jaar, v.van);
                if let Some(G::BudgetVerschoven(oud)) = w.oud()
                    && oud.jeugdregio == v.jeugdregio
                    && oud.jaar == v.jaar
                {
                    if oud.van == v.van {
                        beschikbaar = beschikbaar.saturating_add(oud.bedrag_cent);
                    }
                    if oud.naar == v.van {
                        beschikbaar = beschikbaar.saturating_sub(oud.bedrag_cent);
                    }
                }
                if v.bedrag_cent > beschikbaar {
                    let bekend = if self.budget_vastgesteld(&v.jeugdregio, v.jaar, v.van) {
                        format!("het budget van dat segment is {}", euro(beschikbaar))
                    } else {
                        "voor dat segment is geen budget vastgesteld".to_owned()
                    };
                    return Err(afwijzing(
                        C::BudgetOntoereikend,
                        format!(
                            "{} verschuiven uit segment {} ({} {}) kan niet: {bekend}.",
                            euro(v.bedrag_cent),
                            v.van.code(),
                            v.jeugdregio,
                            v.jaar
                        ),
                    ));
                }
            }
            _ => {}
        }
        Ok(Vec::new())
    }

    // ------------------------------------------------------------- youth facts

    /// The contract rules of a youth fact, after the youth's own rules accepted it:
    /// restrictive measures, placements that would leave a measure without its placement,
    /// and `CONTRACT_ONTBREEKT`.
    pub(super) fn check_jeugdige_contract(
        &self,
        stream: &str,
        w: Change<'_>,
        signalen: &mut Vec<Signaal>,
    ) -> Result<(), Afwijzing> {
        use Gebeurtenis as G;
        match w.nieuw() {
            Some(G::MaatregelToegepast(m)) => {
                require_key(&m.maatregel, "kenmerk van de maatregel")?;
                if m.eind <= m.begin {
                    return Err(afwijzing(
                        C::MaatregelEindeVoorBegin,
                        format!(
                            "Maatregel {} eindigt op {}, niet na het begin op {}.",
                            m.maatregel,
                            m.eind.format("%d-%m-%Y %H:%M"),
                            m.begin.format("%d-%m-%Y %H:%M")
                        ),
                    ));
                }
                let Some(v) = self.voorziening(&m.voorziening) else {
                    return Err(afwijzing(
                        C::OnbekendeVoorziening,
                        format!("Voorziening '{}' is niet geregistreerd.", m.voorziening),
                    ));
                };
                let dag = m.begin.date();
                let jeugdige = self.jeugdigen.get(stream);
                let geplaatst = jeugdige.is_some_and(|j| {
                    j.afleiding
                        .plaatsingen
                        .iter()
                        .any(|p| p.voorziening == m.voorziening && p.actief_op(dag))
                });
                if !geplaatst {
                    return Err(afwijzing(
                        C::NietGeplaatst,
                        format!(
                            "De jeugdige is op {} niet geplaatst in {}; een maatregel kan alleen worden vastgelegd in de voorziening waar de jeugdige dan verblijft.",
                            datum(dag),
                            self.display_name(&m.voorziening)
                        ),
                    ));
                }
                if jeugdige
                    .and_then(|j| j.maatregelen.get(&m.maatregel))
                    .is_some_and(|ids| ids.iter().any(|id| Some(*id) != w.origineel()))
                {
                    return Err(afwijzing(
                        C::MaatregelAlVastgelegd,
                        format!(
                            "Maatregel {} is voor deze jeugdige al vastgelegd; corrigeer die in plaats van haar opnieuw vast te leggen.",
                            m.maatregel
                        ),
                    ));
                }
                if v.regime == Regime::Open {
                    signalen.push(Signaal::MaatregelInOpenVoorziening {
                        maatregel: m.maatregel.clone(),
                        voorziening: m.voorziening.clone(),
                        datum: dag,
                    });
                }
            }
            Some(G::PlaatsingGestart(p)) => {
                self.signaleer_contract(&p.voorziening, p.datum, signalen);
            }
            Some(G::Doorgeplaatst(d)) => self.signaleer_contract(&d.naar, d.datum, signalen),
            _ => {}
        }
        self.check_maatregelen_gedekt(stream, w)
    }

    /// `CONTRACT_ONTBREEKT` when the region works with contracts and the facility's
    /// provider has none in force on `d` with a product of the facility's form and regime.
    fn signaleer_contract(&self, voorziening: &str, d: NaiveDate, signalen: &mut Vec<Signaal>) {
        if !self.heeft_contracten() {
            return;
        }
        let Some(v) = self.voorziening(voorziening) else {
            return;
        };
        let gedekt = self.contracten_van(&v.aanbieder).any(|id| {
            self.contract(id)
                .is_some_and(|c| c.loopt_op(d) && c.heeft_product_voor(v.vorm, v.regime))
        });
        if !gedekt {
            signalen.push(Signaal::ContractOntbreekt {
                voorziening: voorziening.to_owned(),
                aanbieder: v.aanbieder.clone(),
                datum: d,
            });
        }
    }

    /// A change of a placement fact may not leave a recorded measure outside the
    /// placement it was applied in.
    fn check_maatregelen_gedekt(&self, stream: &str, w: Change<'_>) -> Result<(), Afwijzing> {
        let raakt =
            w.nieuw().is_some_and(is_plaatsingsfeit) || w.oud().is_some_and(is_plaatsingsfeit);
        let Some(j) = self.jeugdigen.get(stream) else {
            return Ok(());
        };
        if !raakt || j.maatregelen.is_empty() {
            return Ok(());
        }
        let mut input = self.fold_input(&j.feiten, w.origineel().map(|id| (id, w.nieuw())));
        if let Change::New(n) = w {
            input.push((Uuid::nil(), i64::MAX, n));
        }
        let na = leid_af(input, |f| self.vorm(f));
        let gedekt = |ps: &[Plaatsing], f: &str, d: NaiveDate| {
            ps.iter().any(|p| p.voorziening == f && p.actief_op(d))
        };
        for id in j.maatregelen.values().flatten() {
            let Some(Gebeurtenis::MaatregelToegepast(m)) = self.inhoud(*id) else {
                continue;
            };
            let dag = m.begin.date();
            if gedekt(&j.afleiding.plaatsingen, &m.voorziening, dag)
                && !gedekt(&na.plaatsingen, &m.voorziening, dag)
            {
                return Err(afwijzing(
                    C::AfhankelijkeFeiten,
                    format!(
                        "Na deze wijziging is de jeugdige op {} niet meer geplaatst in {}, waar toen maatregel {} is toegepast. Corrigeer of trek die maatregel eerst in.",
                        datum(dag),
                        self.display_name(&m.voorziening),
                        m.maatregel
                    ),
                ));
            }
        }
        Ok(())
    }
}

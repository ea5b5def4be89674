//! A contract in a spreadsheet: one row per product (`type` = `ContractGesloten`), each row
//! repeating the contract's own columns. [`Groepering`] joins the rows of one contract
//! into one `ContractGesloten` (its lots, products, tariffs and guarantees), between the
//! reader and the planner, for CSV and JSON Lines alike:
//!
//! - the rows of a contract must agree on the contract columns (`aanbieder`,
//!   `jeugdregios`, `financiering`, `van`, `tot_en_met`, `verlengingsopties`,
//!   `verlenging_maanden`, `budgetplafond`; and `event_id`, `geregistreerd_op` where
//!   filled); a row that disagrees is refused with both values and the contract's line;
//! - a lot (`perceel`) has one name; a product code is unique within the contract, and a
//!   second row of the same product (same lot, form, regime and unit) adds a tariff from
//!   another `tarief_geldig_van`;
//! - the rows of one contract stand together: rows of several contracts may be mixed, but
//!   a row of another type ends them, and a contract whose rows come back after that is
//!   refused (it would be two facts). The contract becomes one fact at the place of its
//!   first row, written where its block of rows ends.
//!
//! A correction (`FeitGecorrigeerd` with `nieuw_type` = `ContractGesloten`) is joined the
//! same way, by the event it replaces (`vervangt`).

use std::collections::{HashMap, VecDeque};

use kringloop_events::{ContractGesloten, Gebeurtenis};
use uuid::Uuid;

use crate::csv::Item;
use crate::record::{Afgewezen, Voorstel};

/// The code of a contract row that contradicts an earlier row of the same contract.
pub const CONTRACTREGELS_ONEENS: &str = "CONTRACTREGELS_ONEENS";

/// What joins rows into one fact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Sleutel {
    Contract(String),
    Correctie(Uuid),
}

impl Sleutel {
    fn van(feit: &Gebeurtenis) -> Option<Sleutel> {
        match feit {
            Gebeurtenis::ContractGesloten(c) => Some(Sleutel::Contract(c.contract.clone())),
            Gebeurtenis::FeitGecorrigeerd(c)
                if matches!(*c.nieuw, Gebeurtenis::ContractGesloten(_)) =>
            {
                Some(Sleutel::Correctie(c.vervangt))
            }
            _ => None,
        }
    }

    fn naam(&self) -> String {
        match self {
            Sleutel::Contract(c) => format!("contract {c}"),
            Sleutel::Correctie(id) => format!("de correctie van {id}"),
        }
    }
}

/// Joins contract rows of a stream of [`Item`]s (see the module documentation).
#[derive(Debug, Default)]
pub struct Groepering {
    /// The contracts of the current block of contract rows, in the order of their first
    /// row.
    blok: Vec<(Sleutel, Voorstel)>,
    /// Contracts whose block ended, with the line of their first row.
    gesloten: HashMap<Sleutel, String>,
    uit: VecDeque<Item>,
}

impl Groepering {
    /// The next item, reading from `bron` as far as needed.
    pub fn volgende(&mut self, mut bron: impl FnMut() -> Option<Item>) -> Option<Item> {
        loop {
            if let Some(item) = self.uit.pop_front() {
                return Some(item);
            }
            match bron() {
                None if self.blok.is_empty() => return None,
                None => self.sluit(),
                Some(Item::Voorstel(v)) => match Sleutel::van(&v.feit) {
                    Some(sleutel) => self.voeg_toe(sleutel, *v),
                    None => {
                        self.sluit();
                        self.uit.push_back(Item::Voorstel(v));
                    }
                },
                // A row that could not be read does not end a block: it may be one of
                // the contract's own rows.
                Some(a @ Item::Afgewezen(_)) => self.uit.push_back(a),
            }
        }
    }

    fn voeg_toe(&mut self, sleutel: Sleutel, rij: Voorstel) {
        if let Some((_, doel)) = self.blok.iter_mut().find(|(s, _)| *s == sleutel) {
            if let Err(reden) = voeg_samen(doel, &rij) {
                self.uit.push_back(Item::Afgewezen(Afgewezen {
                    plaats: rij.plaats,
                    code: CONTRACTREGELS_ONEENS.to_owned(),
                    reden: format!("{}: {reden}", sleutel.naam()),
                }));
            }
            return;
        }
        if let Some(eerste) = self.gesloten.get(&sleutel) {
            self.uit.push_back(Item::Afgewezen(Afgewezen {
                plaats: rij.plaats,
                code: CONTRACTREGELS_ONEENS.to_owned(),
                reden: format!(
                    "de regels van {} staan niet bij elkaar: het contract begon op {eerste} en een regel van een ander type stond ertussen; zet alle regels van een contract onder elkaar",
                    sleutel.naam()
                ),
            }));
            return;
        }
        self.blok.push((sleutel, rij));
    }

    /// Ends the current block: its contracts are complete.
    fn sluit(&mut self) {
        for (sleutel, v) in self.blok.drain(..) {
            self.gesloten.insert(sleutel, v.plaats.to_string());
            self.uit.push_back(Item::Voorstel(Box::new(v)));
        }
    }
}

/// Joins the contract rows of `items` (a whole file read at once).
pub fn groepeer(items: Vec<Item>) -> Vec<Item> {
    if !items.iter().any(|i| match i {
        Item::Voorstel(v) => Sleutel::van(&v.feit).is_some(),
        Item::Afgewezen(_) => false,
    }) {
        return items;
    }
    let mut g = Groepering::default();
    let mut items = items.into_iter();
    std::iter::from_fn(|| g.volgende(|| items.next())).collect()
}

/// An amount for a message: euros with a decimal comma.
fn euro(cent: Option<i64>) -> String {
    match cent {
        Some(c) => format!("{},{:02}", c / 100, c % 100),
        None => "leeg".to_owned(),
    }
}

fn contract_mut(feit: &mut Gebeurtenis) -> Option<&mut ContractGesloten> {
    match feit {
        Gebeurtenis::ContractGesloten(c) => Some(c),
        Gebeurtenis::FeitGecorrigeerd(c) => match c.nieuw.as_mut() {
            Gebeurtenis::ContractGesloten(n) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

fn contract_ref(feit: &Gebeurtenis) -> Option<&ContractGesloten> {
    match feit {
        Gebeurtenis::ContractGesloten(c) => Some(c),
        Gebeurtenis::FeitGecorrigeerd(c) => match c.nieuw.as_ref() {
            Gebeurtenis::ContractGesloten(n) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// Adds a row (one product of the contract) to the contract of the rows before it.
fn voeg_samen(doel: &mut Voorstel, rij: &Voorstel) -> Result<(), String> {
    let waar = doel
        .plaats
        .regel
        .map_or_else(String::new, |r| format!(" (regel {r})"));
    let oneens = |kolom: &str, eerder: String, hier: String| {
        Err(format!(
            "`{kolom}` is {eerder} op de eerste regel van het contract{waar} maar {hier} op deze regel; de contractkolommen (aanbieder, jeugdregios, financiering, van, tot_en_met, verlengingsopties, verlenging_maanden, budgetplafond) moeten op elke regel van een contract gelijk zijn"
        ))
    };
    match (doel.event_id, rij.event_id) {
        (Some(a), Some(b)) if a != b => return oneens("event_id", a.to_string(), b.to_string()),
        (None, b) => doel.event_id = b,
        _ => {}
    }
    match (doel.geregistreerd_op, rij.geregistreerd_op) {
        (Some(a), Some(b)) if a != b => {
            return oneens("geregistreerd_op", a.to_rfc3339(), b.to_rfc3339());
        }
        (None, b) => doel.geregistreerd_op = b,
        _ => {}
    }
    if let (Gebeurtenis::FeitGecorrigeerd(a), Gebeurtenis::FeitGecorrigeerd(b)) =
        (&doel.feit, &rij.feit)
        && a.reden != b.reden
    {
        return oneens("reden", a.reden.clone(), b.reden.clone());
    }
    let (Some(c), Some(r)) = (contract_mut(&mut doel.feit), contract_ref(&rij.feit)) else {
        return Err("geen contractregel".to_owned());
    };
    if c.aanbieder != r.aanbieder {
        return oneens("aanbieder", c.aanbieder.clone(), r.aanbieder.clone());
    }
    if c.jeugdregios != r.jeugdregios {
        return oneens(
            "jeugdregios",
            c.jeugdregios.join(";"),
            r.jeugdregios.join(";"),
        );
    }
    if c.financiering != r.financiering {
        return oneens(
            "financiering",
            c.financiering.code().to_owned(),
            r.financiering.code().to_owned(),
        );
    }
    if c.van != r.van {
        return oneens("van", c.van.to_string(), r.van.to_string());
    }
    if c.tot_en_met != r.tot_en_met {
        return oneens(
            "tot_en_met",
            c.tot_en_met.to_string(),
            r.tot_en_met.to_string(),
        );
    }
    if c.verlengingsopties != r.verlengingsopties {
        return oneens(
            "verlengingsopties",
            c.verlengingsopties.to_string(),
            r.verlengingsopties.to_string(),
        );
    }
    if c.verlenging_maanden != r.verlenging_maanden {
        return oneens(
            "verlenging_maanden",
            c.verlenging_maanden.to_string(),
            r.verlenging_maanden.to_string(),
        );
    }
    if c.budgetplafond_cent != r.budgetplafond_cent {
        return oneens(
            "budgetplafond",
            euro(c.budgetplafond_cent),
            euro(r.budgetplafond_cent),
        );
    }
    // The row's own lot, product, tariff and guarantee (a row holds exactly one).
    let (Some(perceel), Some(tarief)) = (r.percelen.first(), r.tarieven.first()) else {
        return Err("de regel heeft geen perceel of tarief".to_owned());
    };
    let Some(product) = perceel.producten.first() else {
        return Err("de regel heeft geen product".to_owned());
    };
    if let Some(p) = c.percelen.iter().find(|p| p.code == perceel.code)
        && p.naam != perceel.naam
    {
        return Err(format!(
            "perceel {} heet `{}` op een eerdere regel{waar} maar `{}` op deze regel (`perceel_naam`)",
            perceel.code, p.naam, perceel.naam
        ));
    }
    let bestaand = c.percelen.iter().find_map(|p| {
        p.producten
            .iter()
            .find(|x| x.code == product.code)
            .map(|x| (p.code.clone(), x.clone()))
    });
    match bestaand {
        Some((perceelcode, x)) => {
            if perceelcode != perceel.code || x != *product {
                return Err(format!(
                    "product {} staat al in het contract{waar}, in perceel {perceelcode} als {}/{}/{}; deze regel zegt perceel {} als {}/{}/{} (een productcode is uniek binnen een contract)",
                    product.code,
                    x.vorm.code(),
                    x.regime.code(),
                    x.eenheid.code(),
                    perceel.code,
                    product.vorm.code(),
                    product.regime.code(),
                    product.eenheid.code()
                ));
            }
            if c.tarieven
                .iter()
                .any(|t| t.product == tarief.product && t.geldig_van == tarief.geldig_van)
            {
                return Err(format!(
                    "product {} heeft al een tarief vanaf {}; een tweede regel van een product geeft een tarief vanaf een andere `tarief_geldig_van`",
                    product.code, tarief.geldig_van
                ));
            }
        }
        None => match c.percelen.iter_mut().find(|p| p.code == perceel.code) {
            Some(p) => p.producten.push(product.clone()),
            None => c.percelen.push(perceel.clone()),
        },
    }
    c.tarieven.push(tarief.clone());
    for g in &r.volumegaranties {
        match c.volumegaranties.iter().find(|x| x.product == g.product) {
            Some(x) if x != g => {
                return Err(format!(
                    "product {} heeft op twee regels een andere `garantie`; vul de garantie op één regel van het product in",
                    g.product
                ));
            }
            Some(_) => {}
            None => c.volumegaranties.push(g.clone()),
        }
    }
    Ok(())
}

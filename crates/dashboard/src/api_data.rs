//! The dashboard's data, fetched through the GraphQL schema in-process as the signed-in
//! principal: the same resolvers, role guards and small-number suppression as
//! `POST /graphql`, without an HTTP round trip.

use async_graphql::{Request, Variables};
use kringloop_graphql::{KringloopSchema, Principal};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::selection::{Periode, Selectie, einde_dag};

/// A GraphQL error as the dashboard shows it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{melding}")]
pub struct ApiFout {
    pub code: Option<String>,
    pub melding: String,
}

/// Runs one query as `principal` and decodes `data`.
pub async fn vraag<T: DeserializeOwned>(
    schema: &KringloopSchema,
    principal: &Principal,
    query: &str,
    variabelen: Value,
) -> Result<T, ApiFout> {
    let req = Request::new(query)
        .variables(Variables::from_json(variabelen))
        .data(principal.clone());
    let resp = schema.execute(req).await;
    if let Some(e) = resp.errors.first() {
        let code = e
            .extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                async_graphql::Value::Enum(s) => Some(s.to_string()),
                _ => None,
            });
        return Err(ApiFout {
            code,
            melding: e.message.clone(),
        });
    }
    let data = resp.data.into_json().map_err(|e| ApiFout {
        code: None,
        melding: format!("antwoord niet te lezen: {e}"),
    })?;
    serde_json::from_value(data).map_err(|e| ApiFout {
        code: None,
        melding: format!("antwoord niet te lezen: {e}"),
    })
}

/// How the API protected a value: the schema's own enum.
pub use kringloop_graphql::types::Bescherming;

/// A count and how it was protected.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
pub struct Aantal {
    pub waarde: Option<i64>,
    pub bescherming: Bescherming,
}

/// A share teller ÷ noemer.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
pub struct Verhouding {
    pub waarde: Option<f64>,
    pub bescherming: Bescherming,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kruistabel {
    pub rijen: Vec<String>,
    pub kolommen: Vec<String>,
    pub cellen: Vec<Vec<Aantal>>,
    #[serde(default)]
    pub kolomtotalen: Vec<Aantal>,
    pub totaal: Aantal,
}

impl Kruistabel {
    pub fn cel(&self, rij: &str, kolom: &str) -> Option<Aantal> {
        let r = self.rijen.iter().position(|x| x == rij)?;
        let k = self.kolommen.iter().position(|x| x == kolom)?;
        self.cellen.get(r)?.get(k).copied()
    }

    pub fn kolomtotaal(&self, kolom: &str) -> Option<Aantal> {
        let k = self.kolommen.iter().position(|x| x == kolom)?;
        self.kolomtotalen.get(k).copied()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct PeriodeJson {
    pub van: chrono::NaiveDate,
    pub tot: chrono::NaiveDate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub periode: PeriodeJson,
    pub peildatum: chrono::NaiveDate,
    pub gebeurtenissen: i64,
    pub positie: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Balans {
    pub opbouw_alternatieven: i64,
    pub afbouw_gesloten: i64,
    pub balans: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bezetting {
    pub graad: Verhouding,
    pub onder_levensvatbaarheid: bool,
    pub overbezet: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plaatsingen {
    pub exclusief_doorplaatsingen: Aantal,
    pub inclusief_doorplaatsingen: Aantal,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Doorplaatsingen {
    pub aantal: Aantal,
    pub per_jeugdige: Verhouding,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UitstroomLichter {
    pub lichter: Verhouding,
    #[serde(default)]
    pub bestemmingen: Option<Kruistabel>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Verblijfsduur {
    pub aantal: Aantal,
    pub gemiddelde: Option<f64>,
    pub mediaan: Option<f64>,
    pub bescherming: Bescherming,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signalen {
    pub overbezetting: Aantal,
    pub zonder_machtiging: Aantal,
    pub spoedmachtiging_te_lang: Aantal,
    pub doorplaatsing: Aantal,
}

/// The part of a `KpiRapport` the dashboard shows.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rapport {
    pub meta: Meta,
    pub plaatsen: Kruistabel,
    pub balans: Balans,
    pub bezetting: Bezetting,
    pub plaatsingen: Plaatsingen,
    pub spoedmachtigingen: Aantal,
    pub spoedaandeel: Verhouding,
    pub doorplaatsingen: Doorplaatsingen,
    pub uitstroom_naar_lichtere_zorg: UitstroomLichter,
    pub verblijfsduur: Verblijfsduur,
    pub signalen: Signalen,
}

const KERN: &str = r"
fragment A on Aantal { waarde bescherming }
fragment V on Verhouding { waarde bescherming }
fragment Kern on KpiRapport {
  meta { periode { van tot } peildatum gebeurtenissen positie }
  plaatsen { rijen kolommen cellen { ...A } kolomtotalen { ...A } totaal { ...A } }
  balans { opbouwAlternatieven afbouwGesloten balans }
  bezetting { graad { ...V } onderLevensvatbaarheid overbezet }
  plaatsingen { exclusiefDoorplaatsingen { ...A } inclusiefDoorplaatsingen { ...A } }
  spoedmachtigingen { ...A }
  spoedaandeel { ...V }
  doorplaatsingen { aantal { ...A } perJeugdige { ...V } }
  uitstroomNaarLichtereZorg { lichter { ...V } }
  verblijfsduur { aantal { ...A } gemiddelde mediaan bescherming }
  signalen { overbezetting { ...A } zonderMachtiging { ...A } spoedmachtigingTeLang { ...A } doorplaatsing { ...A } }
}
";

#[derive(Debug, Clone, Deserialize)]
pub struct Landsdeel {
    pub code: String,
    pub naam: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Jeugdregio {
    pub code: String,
    pub naam: String,
    pub landsdeel: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Referentie {
    pub landsdelen: Vec<Landsdeel>,
    pub jeugdregios: Vec<Jeugdregio>,
}

/// Target and closed places at the end of one quarter (filter regime GESLOTEN).
#[derive(Debug, Clone, Deserialize)]
pub struct DoelPunt {
    pub doel: Option<f64>,
    pub plaatsen: i64,
}

#[derive(Debug, Clone, Deserialize)]
struct Gesloten {
    doelafwijking: DoelPunt,
    bezetting: Bezetting,
}

/// The dashboard's occupancy is that of the closed places (the 90 % viability norm is
/// about closed facilities; over every form the open alternatives without registered
/// placements would drown it).
fn met_gesloten(
    mut rapporten: Vec<Rapport>,
    gesloten: Vec<Gesloten>,
) -> (Vec<Rapport>, Vec<DoelPunt>) {
    let mut doelen = Vec::with_capacity(gesloten.len());
    for (r, g) in rapporten.iter_mut().zip(gesloten) {
        r.bezetting = g.bezetting;
        doelen.push(g.doelafwijking);
    }
    (rapporten, doelen)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GebeurtenisRef {
    pub positie: i64,
    #[serde(rename = "type")]
    pub soort: String,
    pub stroom: String,
    pub geregistreerd_op: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Verschil {
    pub k1: String,
    pub k2: String,
    pub voor: Rapport,
    pub na: Rapport,
    pub gebeurtenissen: Vec<GebeurtenisRef>,
}

/// Everything one dashboard view needs.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub referentie: Referentie,
    /// Quarterly reports from the first year up to the selected period's last quarter.
    pub kwartalen: Vec<Rapport>,
    /// Closed places and target per quarter (same quarters).
    pub doelen: Vec<DoelPunt>,
    /// The selected period and the one before it.
    pub huidig: Rapport,
    pub vorig: Option<Rapport>,
    /// Evaluators: the comparison of two knowledge moments (or why there is none).
    pub verschil: Option<Result<Verschil, ApiFout>>,
    /// The section "Vraag en aanbod".
    pub vraag_aanbod: crate::vraag_aanbod::VraagAanbod,
    /// The money section (costs against budget, leegstand) for the roles that read
    /// costs; a failure shows in the section, not as an error page.
    pub geld: Option<Result<crate::contracten::GeldOverzicht, ApiFout>>,
}

fn filter_met(sel: &Selectie, regime: Option<&str>) -> Value {
    let mut f = sel.gebied.filter();
    if let (Some(r), Some(o)) = (regime, f.as_object_mut()) {
        o.insert("regime".to_owned(), json!(r));
    }
    f
}

fn periode_invoer(p: Periode) -> Value {
    match p {
        Periode::Kwartaal(j, k) => json!({ "jaar": j, "kwartaal": k }),
        Periode::Halfjaar(j, h) => json!({ "jaar": j, "halfjaar": h }),
        Periode::Jaar(j) => json!({ "jaar": j }),
    }
}

/// Loads a view: five GraphQL queries (six for evaluators; one more for the roles that
/// read costs).
pub async fn laad(
    schema: &KringloopSchema,
    principal: &Principal,
    sel: &Selectie,
    eerste_jaar: i32,
    persoonsniveau: bool,
) -> Result<Dashboard, ApiFout> {
    let referentie: Referentie = vraag(
        schema,
        principal,
        "{ landsdelen { code naam } jeugdregios { code naam landsdeel } }",
        json!({}),
    )
    .await?;

    let kennis = sel.as_known_at().map(|k| k.to_rfc3339());
    let laatste = sel.periode.laatste_kwartaal();
    let begin = Periode::Kwartaal(eerste_jaar, 1).min(laatste);

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Reeks {
        kpi_reeks: Vec<Rapport>,
        gesloten: Vec<Gesloten>,
    }
    // `gesloten`: the same periods filtered on regime GESLOTEN, for the target (targets
    // are set for closed places) and the occupancy the 90 % viability norm is about.
    let reeks_q = format!(
        "query Reeks($g: Granulariteit!, $van: NaiveDate!, $tot: NaiveDate!, $filter: FilterInvoer, $fg: FilterInvoer, $k: DateTime) {{
           kpiReeks(granulariteit: $g, van: $van, tot: $tot, filter: $filter, asKnownAt: $k) {{
             ...Kern
             uitstroomNaarLichtereZorg {{ bestemmingen {{ rijen kolommen cellen {{ ...A }} totaal {{ ...A }} }} }}
           }}
           gesloten: kpiReeks(granulariteit: $g, van: $van, tot: $tot, filter: $fg, asKnownAt: $k) {{
             doelafwijking {{ doel plaatsen }}
             bezetting {{ graad {{ ...V }} onderLevensvatbaarheid overbezet }}
           }}
         }}
         {KERN}"
    );
    let reeks = |g: &str, van: chrono::NaiveDate, tot: chrono::NaiveDate| {
        json!({
            "g": g,
            "van": van,
            "tot": tot,
            "filter": filter_met(sel, None),
            "fg": filter_met(sel, Some("GESLOTEN")),
            "k": kennis,
        })
    };
    let kwartalen: Reeks = vraag(
        schema,
        principal,
        &reeks_q,
        reeks("KWARTAAL", begin.van(), laatste.tot()),
    )
    .await?;
    let (kwartalen, doelen) = met_gesloten(kwartalen.kpi_reeks, kwartalen.gesloten);

    let vorige = sel.periode.vorige();
    let tegels: Reeks = vraag(
        schema,
        principal,
        &reeks_q,
        reeks(sel.periode.granulariteit(), vorige.van(), sel.periode.tot()),
    )
    .await?;
    let (mut tegels, _) = met_gesloten(tegels.kpi_reeks, tegels.gesloten);
    let huidig = tegels.pop().ok_or_else(|| ApiFout {
        code: None,
        melding: "de API gaf geen cijfers voor deze periode".to_owned(),
    })?;
    let vorig = tegels.pop();

    let vraag_aanbod = crate::vraag_aanbod::laad(
        schema,
        principal,
        sel,
        periode_invoer(sel.periode),
        Periode::Kwartaal(eerste_jaar, 1),
    )
    .await?;

    let verschil = if persoonsniveau {
        Some(laad_verschil(schema, principal, sel).await)
    } else {
        None
    };

    let geld = if crate::contracten::mag(principal.rol) {
        Some(crate::contracten::laad_overzicht(schema, principal, sel).await)
    } else {
        None
    };

    Ok(Dashboard {
        geld,
        referentie,
        kwartalen,
        doelen,
        huidig,
        vorig,
        verschil,
        vraag_aanbod,
    })
}

/// The same period as known at k1 and at k2 (`diff`): evaluators and admins only.
async fn laad_verschil(
    schema: &KringloopSchema,
    principal: &Principal,
    sel: &Selectie,
) -> Result<Verschil, ApiFout> {
    let vandaag = chrono::Utc::now();
    let k2 = sel
        .k2
        .map(einde_dag)
        .or(sel.as_known_at())
        .unwrap_or(vandaag);
    // Default k1: the end of the period itself, i.e. what was known when it closed.
    let k1 = sel
        .k1
        .map(einde_dag)
        .unwrap_or_else(|| einde_dag(sel.periode.tot()));
    #[derive(Deserialize)]
    struct B {
        bezetting: Bezetting,
    }
    #[derive(Deserialize)]
    struct D {
        diff: Verschil,
        gv: B,
        gn: B,
    }
    let d: D = vraag(
        schema,
        principal,
        &format!(
            "query Verschil($p: PeriodeInvoer!, $k1: DateTime!, $k2: DateTime!, $filter: FilterInvoer, $fg: FilterInvoer) {{
               diff(periode: $p, k1: $k1, k2: $k2, filter: $filter) {{
                 k1 k2
                 voor {{ ...Kern }}
                 na {{ ...Kern }}
                 gebeurtenissen {{ positie type stroom geregistreerdOp }}
               }}
               gv: kpis(periode: $p, filter: $fg, asKnownAt: $k1) {{ bezetting {{ graad {{ ...V }} onderLevensvatbaarheid overbezet }} }}
               gn: kpis(periode: $p, filter: $fg, asKnownAt: $k2) {{ bezetting {{ graad {{ ...V }} onderLevensvatbaarheid overbezet }} }}
             }}
             {KERN}"
        ),
        json!({
            "p": periode_invoer(sel.periode),
            "k1": k1.to_rfc3339(),
            "k2": k2.to_rfc3339(),
            "filter": filter_met(sel, None),
            "fg": filter_met(sel, Some("GESLOTEN")),
        }),
    )
    .await?;
    // Occupancy of the closed places, as everywhere on the page (the diff itself is over
    // every regime).
    let mut v = d.diff;
    v.voor.bezetting = d.gv.bezetting;
    v.na.bezetting = d.gn.bezetting;
    Ok(v)
}

//! The need side through the importers: the templates of the new facts and the
//! coordinator's list land in the store as the facts they describe, an updated list only
//! adds what is new, bad rows are refused with their line and write nothing, and iJw
//! JW315 messages become a request with a registration per provider.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kringloop_events::{
    Gebeurtenis, Intrekkingsreden, RecordedEvent, Urgentie, Verwijzer, Weigeringsreden,
    jeugdige_stream,
};
use kringloop_import::ijw::mapping::RegioMapping;
use kringloop_import::importer::{Format, ImportConfig, Importer, LIJST_STRIJDIG};
use kringloop_import::lijst::LIJST_TYPE;
use kringloop_import::pseudonym::{Bsn, Pseudonymizer};
use kringloop_import::report::{Rapport, Uitkomst};
use kringloop_import::templates::{
    EXAMPLE_BSN, ORDER, VERZOEK_AFSCHALING, VERZOEK_INGETROKKEN, VERZOEK_SPOED,
};
use kringloop_store::EventStore;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

const SLEUTEL: &str = "test-sleutel-regio-rijnmond-2026";
/// The youth of the JW315 fixtures (a test BSN).
const BSN_D: &str = "999900067";
/// The landscape part of the templates (up to and including the capacity target).
const LANDSCHAP: usize = 10;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn template(formaat: &str, t: &str) -> PathBuf {
    crate_dir()
        .join("templates")
        .join(formaat)
        .join(format!("{t}.{formaat}"))
}

fn pseudo() -> R<Pseudonymizer> {
    Ok(Pseudonymizer::new(SLEUTEL)?)
}

fn pseudoniem(bsn: &str) -> R<String> {
    Ok(pseudo()?.pseudoniem(&Bsn::parse(bsn)?))
}

async fn open(dir: &Path) -> R<(Arc<dyn EventStore>, Importer)> {
    let store = kringloop_store::open(&dir.join("log.db").display().to_string()).await?;
    let mut c = ImportConfig::new("import:test");
    c.pseudonimiseerder = Some(pseudo()?);
    c.mapping = Some(RegioMapping::read(
        "mapping-rijnmond.toml",
        &std::fs::read_to_string(crate_dir().join("fixtures/ijw/mapping-rijnmond.toml"))?,
    )?);
    let imp = Importer::open(store.clone(), c).await?;
    Ok((store, imp))
}

async fn alle(store: &Arc<dyn EventStore>) -> R<Vec<RecordedEvent>> {
    let mut out = Vec::new();
    loop {
        let na = out.last().map_or(0, |e: &RecordedEvent| e.position);
        let pagina = store.read_all(na, 1000).await?;
        if pagina.is_empty() {
            return Ok(out);
        }
        out.extend(pagina);
    }
}

async fn feiten_na(store: &Arc<dyn EventStore>, voor: i64) -> R<Vec<Gebeurtenis>> {
    let mut out = Vec::new();
    for e in alle(store).await?.iter().filter(|e| e.position > voor) {
        out.push(Gebeurtenis::from_recorded(e)?);
    }
    Ok(out)
}

async fn templates(imp: &mut Importer, formaat: &str, tot: usize) -> R<Vec<Rapport>> {
    let f = if formaat == "csv" {
        Format::Csv
    } else {
        Format::Jsonl
    };
    let mut out = Vec::new();
    for t in &ORDER[..tot] {
        let r = imp.import_file(&template(formaat, t), f).await?;
        assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
        out.push(r);
    }
    Ok(out)
}

fn typen(feiten: &[Gebeurtenis]) -> Vec<&'static str> {
    feiten.iter().map(Gebeurtenis::event_type).collect()
}

/// No BSN in the log or the reports.
async fn geen_bsn(store: &Arc<dyn EventStore>, rapporten: &[Rapport]) -> R {
    let log = serde_json::to_string(&alle(store).await?)?;
    let rapport = serde_json::to_string(rapporten)?;
    for bsn in [EXAMPLE_BSN, BSN_D] {
        assert!(!log.contains(bsn), "BSN in het log");
        assert!(!rapport.contains(bsn), "BSN in een rapport");
    }
    Ok(())
}

/// The templates of the new facts, then the coordinator's list: the store holds exactly
/// the facts the rows describe, each request once.
async fn templates_en_lijst(formaat: &str) -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let mut rapporten = templates(&mut imp, formaat, ORDER.len()).await?;
    let stroom = jeugdige_stream(&pseudoniem(EXAMPLE_BSN)?);
    let feiten = feiten_na(&store, 0).await?;
    // The requests of the templates and what fulfils them.
    let verzoeken: Vec<(&str, Urgentie)> = feiten
        .iter()
        .filter_map(|f| match f {
            Gebeurtenis::PlaatsingsverzoekIngediend(v) => Some((v.verzoek.as_str(), v.urgentie)),
            _ => None,
        })
        .collect();
    assert_eq!(
        verzoeken,
        [
            (VERZOEK_SPOED, Urgentie::Spoed),
            (VERZOEK_AFSCHALING, Urgentie::Regulier),
            (VERZOEK_INGETROKKEN, Urgentie::Regulier)
        ]
    );
    assert!(feiten.iter().any(|f| matches!(f,
        Gebeurtenis::PlaatsingGestart(p) if p.verzoek.as_deref() == Some(VERZOEK_SPOED) && !p.overbrugging)));
    assert!(feiten.iter().any(|f| matches!(f,
        Gebeurtenis::Doorgeplaatst(d) if d.verzoek.as_deref() == Some(VERZOEK_AFSCHALING))));
    assert!(feiten.iter().any(|f| matches!(f,
        Gebeurtenis::PlaatsingsverzoekIngetrokken(i) if i.verzoek == VERZOEK_INGETROKKEN
            && i.reden == Intrekkingsreden::AndereOplossing)));
    assert!(feiten.iter().any(|f| matches!(f,
        Gebeurtenis::AanmeldingGeweigerd(g) if g.aanbieder == "SCHAKENBOSCH"
            && g.reden == Weigeringsreden::Groepssamenstelling)));
    for t in [
        "JeugdigeOnttrokken",
        "JeugdigeTeruggekeerd",
        "PlaatsAangeboden",
    ] {
        assert_eq!(typen(&feiten).iter().filter(|x| **x == t).count(), 1, "{t}");
    }

    // The list: three rows, two requests.
    let voor = store.head_position().await?;
    let lijst = template(formaat, LIJST_TYPE);
    let f = if formaat == "csv" {
        Format::Csv
    } else {
        Format::Jsonl
    };
    let r = imp.import_file(&lijst, f).await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    assert_eq!(r.records, 3, "{r}");
    assert_eq!(r.geschreven, 8, "{r}");
    assert_eq!(r.overgeslagen.len(), 1, "the request on two rows: {r}");
    let nieuw = feiten_na(&store, voor).await?;
    assert_eq!(
        typen(&nieuw),
        [
            "PlaatsingsverzoekIngediend",
            "JeugdigeAangemeld",
            "AanmeldingGeweigerd",
            "JeugdigeAangemeld",
            "PlaatsingsverzoekIngediend",
            "JeugdigeAangemeld",
            "PlaatsAangeboden",
            "PlaatsingsverzoekIngetrokken",
        ]
    );
    match &nieuw[0] {
        Gebeurtenis::PlaatsingsverzoekIngediend(v) => {
            assert_eq!(v.verzoek, "RMD-2025-004");
            assert_eq!(v.verwijzer, Verwijzer::GemeenteWijkteam);
            assert_eq!(v.jeugdregio, "RIJNMOND");
            assert_eq!(v.datum.to_string(), "2025-01-10");
        }
        other => panic!("{other:?}"),
    }
    match &nieuw[2] {
        Gebeurtenis::AanmeldingGeweigerd(g) => {
            assert_eq!(
                (g.aanbieder.as_str(), g.reden),
                ("SCHAKENBOSCH", Weigeringsreden::GeenPlek)
            );
            assert_eq!(g.toelichting, "gezinshuis vol tot de zomer");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&nieuw[3], Gebeurtenis::JeugdigeAangemeld(a)
        if a.aanbieder == "HORIZON" && a.voorziening.is_none()));
    let eigen = alle(&store).await?;
    assert!(
        eigen
            .iter()
            .filter(|e| e.position > voor)
            .all(|e| e.stream == stroom)
    );
    rapporten.push(r);

    // The same file again writes nothing.
    let r = imp.import_file(&lijst, f).await?;
    assert_eq!(r.uitkomst, Uitkomst::AlGeimporteerd, "{r}");

    // The list a week later: the same rows plus a new registration. Only that is new,
    // also for an importer that knows the requests from the log alone.
    let (_, mut vers) = {
        let store = store.clone();
        let mut c = imp.config().clone();
        c.voortgang = false;
        (store.clone(), Importer::open(store, c).await?)
    };
    let bijgewerkt = if formaat == "csv" {
        let mut t = std::fs::read_to_string(&lijst)?;
        t.push_str(&format!(
            "{LIJST_TYPE},,{EXAMPLE_BSN},RMD-2025-004,2025-01-10,GEMEENTE_WIJKTEAM,REGULIER,GEZINSHUIS,OPEN,RIJNMOND,HORIZON,HZN-KLEINE-HAVEN,2025-01-27,,,,,,,,,,\n"
        ));
        t
    } else {
        let mut t = std::fs::read_to_string(&lijst)?;
        t.push_str(&format!(
            r#"{{"type":"{LIJST_TYPE}","bsn":"{EXAMPLE_BSN}","verzoek":"RMD-2025-004","ingediend_op":"2025-01-10","verwijzer":"GEMEENTE_WIJKTEAM","urgentie":"REGULIER","vorm":"GEZINSHUIS","regime":"OPEN","jeugdregio":"RIJNMOND","aanbieder":"HORIZON","voorziening":"HZN-KLEINE-HAVEN","aangemeld_op":"2025-01-27"}}"#
        ));
        t.push('\n');
        t
    };
    let voor = store.head_position().await?;
    let r = vers
        .import_table(f, &format!("lijst-week-5.{formaat}"), bijgewerkt.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    assert_eq!(r.geschreven, 1, "{r}");
    assert!(
        r.overgeslagen
            .iter()
            .any(|o| o.reden.starts_with("10 feiten")),
        "{r}"
    );
    let nieuw = feiten_na(&store, voor).await?;
    assert!(matches!(&nieuw[..], [Gebeurtenis::JeugdigeAangemeld(a)]
        if a.voorziening.as_deref() == Some("HZN-KLEINE-HAVEN")));
    rapporten.push(r);

    // A list that contradicts the log (another urgency for a known request) is refused
    // with both values, and writes nothing.
    let strijdig = bijgewerkt.replacen("REGULIER", "SPOED", 1);
    let voor = store.head_position().await?;
    let r = vers
        .import_table(f, &format!("lijst-fout.{formaat}"), strijdig.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert_eq!(r.afgewezen.len(), 1, "{r}");
    assert_eq!(r.afgewezen[0].code, LIJST_STRIJDIG);
    assert_eq!(
        r.afgewezen[0].plaats.regel,
        Some(if formaat == "csv" { 2 } else { 1 })
    );
    assert!(
        r.afgewezen[0].reden.contains("urgentie REGULIER")
            && r.afgewezen[0].reden.contains("urgentie SPOED"),
        "{r}"
    );
    assert_eq!(store.head_position().await?, voor);
    rapporten.push(r);
    geen_bsn(&store, &rapporten).await
}

#[tokio::test]
async fn csv_need_templates_and_the_coordinators_list_land_in_the_store() -> R {
    templates_en_lijst("csv").await
}

#[tokio::test]
async fn jsonl_need_templates_and_the_coordinators_list_land_in_the_store() -> R {
    templates_en_lijst("jsonl").await
}

/// The header of a list for the bad-input cases.
const KOP: &str = "type,pseudoniem,verzoek,ingediend_op,verwijzer,urgentie,vorm,regime,jeugdregio,aanbieder,aangemeld_op,geweigerd_op,weigeringsreden,weigering_toelichting,ingetrokken_op,intrekkingsreden,intrekking_toelichting\n";

#[tokio::test]
async fn bad_list_rows_are_refused_with_their_line_and_write_nothing() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    templates(&mut imp, "csv", LANDSCHAP).await?;
    let registratie = "type,pseudoniem,geboortejaar,geslacht,woongemeente,datum\n\
                       JeugdigeGeregistreerd,pj1,2009,MAN,GM0599,2024-01-01\n";
    let r = imp
        .import_table(Format::Csv, "jeugdige.csv", registratie.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let voor = store.head_position().await?;
    let rij = |rest: &str| format!("{LIJST_TYPE},pj1,{rest}\n");
    let goed = "V1,2024-03-01,GEMEENTE_WIJKTEAM,REGULIER,GROEP,OPEN,RIJNMOND";
    let csv = [
        KOP.to_owned(),
        // 2: fine
        rij(&format!("{goed},HORIZON,2024-03-02,,,,,,")),
        // 3: unknown urgency
        rij("V2,2024-03-01,GEMEENTE_WIJKTEAM,HEEL_SNEL,GROEP,OPEN,RIJNMOND,,,,,,,,"),
        // 4: unknown referrer
        rij("V3,2024-03-01,HUISARTS,REGULIER,GROEP,OPEN,RIJNMOND,,,,,,,,"),
        // 5: unknown refusal reason
        rij(&format!("{goed},HORIZON,2024-03-02,2024-03-05,TE_DUUR,,,,")),
        // 6: unknown withdrawal reason
        rij(&format!("{goed},,,,,,2024-03-09,WEG,")),
        // 7: missing region
        rij("V4,2024-03-01,GEMEENTE_WIJKTEAM,REGULIER,GROEP,OPEN,,,,,,,,,"),
        // 8: a refusal without its reason
        rij(&format!("{goed},HORIZON,2024-03-02,2024-03-05,,,,,")),
        // 9: a BSN in a toelichting
        rij(&format!(
            "{goed},,,,,,2024-03-09,ANDERS,dossier 999900067 dicht"
        )),
        // 10: the same request with another form
        rij("V1,2024-03-01,GEMEENTE_WIJKTEAM,REGULIER,GEZINSHUIS,OPEN,RIJNMOND,,,,,,,,"),
        // 11: refused before it was registered
        rij(&format!(
            "{goed},SCHAKENBOSCH,2024-03-06,2024-03-05,GEEN_PLEK,,,,"
        )),
        // 12: registered before the request
        rij(&format!("{goed},SCHAKENBOSCH,2024-02-28,,,,,,")),
    ]
    .concat();
    let r = imp
        .import_table(Format::Csv, "lijst.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    let regels: Vec<u64> = r.afgewezen.iter().filter_map(|a| a.plaats.regel).collect();
    assert_eq!(regels, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "{r}");
    let reden = |i: usize| r.afgewezen[i].reden.as_str();
    assert!(reden(0).contains("`urgentie`") && reden(0).contains("SPOED, REGULIER"));
    assert!(reden(1).contains("`verwijzer`") && reden(1).contains("RAAD_RECHTER"));
    assert!(reden(2).contains("`weigeringsreden`") && reden(2).contains("GROEPSSAMENSTELLING"));
    assert!(reden(3).contains("`intrekkingsreden`") && reden(3).contains("JEUGDIGE_ONVINDBAAR"));
    assert!(reden(4).contains("`jeugdregio` ontbreekt"), "{}", reden(4));
    assert!(reden(5).contains("`weigeringsreden`"), "{}", reden(5));
    assert!(reden(6).contains("BSN") && reden(6).contains("`intrekking_toelichting`"));
    assert_eq!(r.afgewezen[7].code, LIJST_STRIJDIG);
    assert!(reden(7).contains("vorm GROEP") && reden(7).contains("vorm GEZINSHUIS"));
    assert!(
        reden(8).contains("`geweigerd_op`") && reden(8).contains("`aangemeld_op`"),
        "{}",
        reden(8)
    );
    assert!(
        reden(9).contains("`aangemeld_op`") && reden(9).contains("`ingediend_op`"),
        "{}",
        reden(9)
    );
    assert_eq!(store.head_position().await?, voor, "nothing of the file");
    let tekst = serde_json::to_string(&r)? + &r.to_string();
    assert!(!tekst.contains("999900067"), "the BSN is never echoed");

    // The record types themselves, one per line: unknown codes, a missing field and a
    // BSN in a toelichting.
    let csv = "type,pseudoniem,verzoek,datum,verwijzer,urgentie,vorm,regime,jeugdregio,aanbieder,reden,toelichting\n\
               PlaatsingsverzoekIngediend,pj1,V9,2024-03-01,GEMEENTE_WIJKTEAM,ZO_SNEL_MOGELIJK,GROEP,OPEN,RIJNMOND,,,\n\
               PlaatsingsverzoekIngediend,pj1,V9,2024-03-01,ZELF,REGULIER,GROEP,OPEN,RIJNMOND,,,\n\
               AanmeldingGeweigerd,pj1,V9,2024-03-05,,,,,,HORIZON,VOL,\n\
               PlaatsingsverzoekIngetrokken,pj1,V9,2024-03-05,,,,,,,OPGELOST,\n\
               JeugdigeAangemeld,pj1,V9,,,,,,,HORIZON,,\n\
               PlaatsingsverzoekIngetrokken,pj1,V9,2024-03-05,,,,,,,ANDERS,bsn 999900067\n";
    let r = imp
        .import_table(Format::Csv, "feiten.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    let regels: Vec<u64> = r.afgewezen.iter().filter_map(|a| a.plaats.regel).collect();
    assert_eq!(regels, [2, 3, 4, 5, 6, 7], "{r}");
    let reden = |i: usize| r.afgewezen[i].reden.as_str();
    assert!(reden(0).contains("`urgentie`"), "{}", reden(0));
    assert!(reden(1).contains("`verwijzer`"), "{}", reden(1));
    assert!(
        reden(2).contains("`reden`") && reden(2).contains("GEEN_PLEK"),
        "{}",
        reden(2)
    );
    assert!(
        reden(3).contains("`reden`") && reden(3).contains("NIET_MEER_NODIG"),
        "{}",
        reden(3)
    );
    assert!(reden(4).contains("`datum` ontbreekt"), "{}", reden(4));
    assert!(
        reden(5).contains("BSN") && !reden(5).contains("999900067"),
        "{}",
        reden(5)
    );
    assert_eq!(store.head_position().await?, voor);
    Ok(())
}

/// Two JW315s of two providers for one youth are one request with two registrations; the
/// provider's JW305 start fulfils it.
#[tokio::test]
async fn jw315_messages_become_one_request_registered_with_each_provider() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let mut rapporten = templates(&mut imp, "csv", LANDSCHAP).await?;
    let voor = store.head_position().await?;
    let r = imp
        .import_paths(&[crate_dir().join("fixtures/ijw/verzoeken")])
        .await?;
    let r = r.into_iter().next().ok_or("geen rapport")?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let feiten = feiten_na(&store, voor).await?;
    assert_eq!(
        typen(&feiten),
        [
            "JeugdigeGeregistreerd",
            "PlaatsingsverzoekIngediend",
            "JeugdigeAangemeld",
            "JeugdigeAangemeld",
            "PlaatsingGestart",
        ]
    );
    let verzoek = "JW315 HZN-2024-0400";
    match &feiten[1] {
        Gebeurtenis::PlaatsingsverzoekIngediend(v) => {
            assert_eq!(v.verzoek, verzoek);
            assert_eq!(v.datum.to_string(), "2024-04-02");
            assert_eq!(v.verwijzer, Verwijzer::RaadRechter, "Verwijzer/Type 08");
            assert_eq!(v.urgentie, Urgentie::Regulier, "not in the message");
            assert_eq!(
                (v.vorm, v.regime),
                (
                    kringloop_events::Vorm::Groep,
                    kringloop_events::Regime::Gesloten
                ),
                "the first provider's product, through the region's mapping"
            );
            assert_eq!(v.jeugdregio, "RIJNMOND");
        }
        other => panic!("{other:?}"),
    }
    let aangemeld: Vec<(&str, &str, String)> = feiten
        .iter()
        .filter_map(|f| match f {
            Gebeurtenis::JeugdigeAangemeld(a) => Some((
                a.verzoek.as_str(),
                a.aanbieder.as_str(),
                a.datum.to_string(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        aangemeld,
        [
            (verzoek, "HORIZON", "2024-04-02".to_owned()),
            (verzoek, "SCHAKENBOSCH", "2024-04-03".to_owned())
        ]
    );
    assert!(matches!(&feiten[4], Gebeurtenis::PlaatsingGestart(p)
        if p.verzoek.as_deref() == Some(verzoek) && p.voorziening == "HZN-DE-BRUG"));
    rapporten.push(r);

    // A later JW315 of a provider already registered: nothing new. (Its Dagtekening is
    // after the placement, so the youth has no open request: a new one.)
    let opnieuw = std::fs::read_to_string(
        crate_dir().join("fixtures/ijw/verzoeken/02-jw315-schakenbosch-verzoek-d.xml"),
    )?
    .replace("SKB-2024-0088", "SKB-2024-0099")
    .replace(
        "<jw315:Dagtekening>2024-04-03",
        "<jw315:Dagtekening>2024-05-01",
    );
    let voor = store.head_position().await?;
    let r = imp
        .import_ijw_bytes(&[("skb-mei.xml".to_owned(), opnieuw.into_bytes())])
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let feiten = feiten_na(&store, voor).await?;
    assert_eq!(
        typen(&feiten),
        ["PlaatsingsverzoekIngediend", "JeugdigeAangemeld"],
        "the fulfilled request is closed: a new one"
    );
    assert!(
        matches!(&feiten[0], Gebeurtenis::PlaatsingsverzoekIngediend(v)
        if v.verzoek == "JW315 SKB-2024-0099" && v.vorm == kringloop_events::Vorm::Gezinshuis)
    );
    rapporten.push(r);
    geen_bsn(&store, &rapporten).await
}

#[tokio::test]
async fn a_jw315_with_an_unknown_or_missing_referrer_writes_nothing() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    templates(&mut imp, "csv", LANDSCHAP).await?;
    let voor = store.head_position().await?;
    let bericht = std::fs::read_to_string(
        crate_dir().join("fixtures/ijw/verzoeken/01-jw315-horizon-verzoek-d.xml"),
    )?;
    let onbekend = bericht.replace("<jw315:Type>08</jw315:Type>", "<jw315:Type>09</jw315:Type>");
    let r = imp
        .import_ijw_bytes(&[("onbekend.xml".to_owned(), onbekend.into_bytes())])
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert_eq!(r.afgewezen[0].code, "VERWIJZER_ONBEKEND", "{r}");
    assert!(r.afgewezen[0].reden.contains("`09`"), "{r}");
    assert!(
        r.afgewezen[0]
            .plaats
            .element
            .as_deref()
            .is_some_and(|e| e.contains("JW315 HZN-2024-0400 AangevraagdProduct 1")),
        "{r}"
    );
    let zonder = bericht.replace("<jw315:Type>08</jw315:Type>", "");
    let r = imp
        .import_ijw_bytes(&[("zonder.xml".to_owned(), zonder.into_bytes())])
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert!(
        r.afgewezen[0].reden.contains("Verwijzer/Type ontbreekt"),
        "{r}"
    );
    assert_eq!(store.head_position().await?, voor);
    Ok(())
}

// ------------------------------------------------------------------ the rules' part
//
// The cases below are refused by the domain rules (events/src/rules), not by the
// importer's record checks: they pass once the need-side rules are merged (issue 21's
// rules contract, items 1, 2 and 4). The importer's part is that a rule's refusal of
// one fact refuses the whole file, with the line.

#[tokio::test]
async fn rule_refusals_of_need_facts_refuse_the_whole_file() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    templates(&mut imp, "csv", LANDSCHAP).await?;
    let registratie = "type,pseudoniem,geboortejaar,geslacht,woongemeente,datum\n\
                       JeugdigeGeregistreerd,pj2,2009,MAN,GM0599,2024-01-01\n";
    imp.import_table(Format::Csv, "jeugdige.csv", registratie.as_bytes())
        .await?;
    let voor = store.head_position().await?;
    let gevallen = [
        // A refusal by a provider the request was never registered with (rule 4): HORIZON
        // refuses, only SCHAKENBOSCH had it. (A list row cannot say this: its refusal is
        // by the row's own provider, and a refusal dated before the row's registration is
        // refused by the record check.)
        "type,pseudoniem,verzoek,datum,verwijzer,urgentie,vorm,regime,jeugdregio,aanbieder,reden\n\
         PlaatsingsverzoekIngediend,pj2,V2,2024-03-01,GEMEENTE_WIJKTEAM,REGULIER,GROEP,OPEN,RIJNMOND,,\n\
         JeugdigeAangemeld,pj2,V2,2024-03-02,,,,,,SCHAKENBOSCH,\n\
         AanmeldingGeweigerd,pj2,V2,2024-03-03,,,,,,HORIZON,GEEN_PLEK\n"
            .to_owned(),
        // A request id that already exists for the youth (rule 1).
        "type,pseudoniem,verzoek,datum,verwijzer,urgentie,vorm,regime,jeugdregio\n\
         PlaatsingsverzoekIngediend,pj2,V3,2024-03-01,GEMEENTE_WIJKTEAM,REGULIER,GROEP,OPEN,RIJNMOND\n\
         PlaatsingsverzoekIngediend,pj2,V3,2024-04-01,GEMEENTE_WIJKTEAM,SPOED,GROEP,OPEN,RIJNMOND\n"
            .to_owned(),
        // A registration for a request that does not exist (rule 2).
        "type,pseudoniem,verzoek,datum,aanbieder\n\
         JeugdigeAangemeld,pj2,ONBEKEND,2024-03-02,HORIZON\n"
            .to_owned(),
    ];
    for (i, csv) in gevallen.iter().enumerate() {
        let r = imp
            .import_table(Format::Csv, &format!("geval-{i}.csv"), csv.as_bytes())
            .await?;
        assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "geval {i}: {r}");
        assert_eq!(r.afgewezen.len(), 1, "geval {i}: {r}");
        assert_eq!(
            store.head_position().await?,
            voor,
            "geval {i}: nothing written"
        );
    }
    Ok(())
}

/// The second provider's JW315 arriving in a later import joins the request in the log,
/// and so does a JW315 for a youth whose request came from the coordinator's list.
#[tokio::test]
async fn a_later_jw315_joins_the_open_request_in_the_log() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    templates(&mut imp, "csv", LANDSCHAP).await?;
    let verzoeken = crate_dir().join("fixtures/ijw/verzoeken");
    let r = imp
        .import_paths(&[verzoeken.join("01-jw315-horizon-verzoek-d.xml")])
        .await?;
    assert_eq!(r[0].uitkomst, Uitkomst::Geschreven, "{}", r[0]);
    let voor = store.head_position().await?;
    // A new process: the open request is known from the log only.
    let (_, mut later) = open(dir.path()).await?;
    let r = later
        .import_paths(&[verzoeken.join("02-jw315-schakenbosch-verzoek-d.xml")])
        .await?;
    assert_eq!(r[0].uitkomst, Uitkomst::Geschreven, "{}", r[0]);
    let feiten = feiten_na(&store, voor).await?;
    assert!(
        matches!(&feiten[..], [Gebeurtenis::JeugdigeAangemeld(a)]
            if a.verzoek == "JW315 HZN-2024-0400" && a.aanbieder == "SCHAKENBOSCH"),
        "{feiten:?}"
    );

    // A youth on the coordinator's list: the provider's JW315 registers with that request.
    let c = pseudoniem("999900043")?;
    let registratie = format!(
        "type,pseudoniem,geboortejaar,geslacht,woongemeente,datum\n\
         JeugdigeGeregistreerd,{c},2010,ONBEKEND,GM0599,2024-12-01\n"
    );
    let r = later
        .import_table(Format::Csv, "c.csv", registratie.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let lijst = format!(
        "type,pseudoniem,verzoek,ingediend_op,verwijzer,urgentie,vorm,regime,jeugdregio\n\
         {LIJST_TYPE},{c},RMD-7,2024-12-10,GECERTIFICEERDE_INSTELLING,SPOED,GEZINSHUIS,OPEN,RIJNMOND\n"
    );
    let r = later
        .import_table(Format::Csv, "lijst.csv", lijst.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let voor = store.head_position().await?;
    let r = later
        .import_paths(&[
            crate_dir().join("fixtures/ijw/berichten/07-jw315-schakenbosch-verzoek-c.xml")
        ])
        .await?;
    assert_eq!(r[0].uitkomst, Uitkomst::Geschreven, "{}", r[0]);
    let feiten = feiten_na(&store, voor).await?;
    assert!(
        matches!(&feiten[..], [Gebeurtenis::JeugdigeAangemeld(a)]
            if a.verzoek == "RMD-7" && a.aanbieder == "SCHAKENBOSCH"
                && a.datum.to_string() == "2024-12-20"),
        "{feiten:?}"
    );
    Ok(())
}

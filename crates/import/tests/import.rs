//! End-to-end tests of the importers against a real SQLite store: templates and fixtures
//! import as expected, bad input writes nothing and is reported with its place, the same
//! file twice writes once, a dry run writes nothing, and no BSN reaches the store.
//!
//! One file of ~1,000 lines on purpose: the cases share the store, importer and template
//! helpers at its top and each one reads as a scenario from file to store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kringloop_events::{Gebeurtenis, RecordedEvent, jeugdige_stream};
use kringloop_import::ijw::mapping::RegioMapping;
use kringloop_import::importer::{Format, ImportConfig, ImportError, Importer};
use kringloop_import::pseudonym::{Bsn, Pseudonymizer};
use kringloop_import::report::{Rapport, Uitkomst};
use kringloop_import::templates::{EXAMPLE_BSN, ORDER};
use kringloop_store::EventStore;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

const SLEUTEL: &str = "test-sleutel-regio-rijnmond-2026";
const PRINCIPAL: &str = "import:test";
/// Every BSN used in templates and fixtures.
const BSNS: [&str; 5] = [
    EXAMPLE_BSN,
    "999900018",
    "999900031",
    "999900043",
    "999900055",
];

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

fn config() -> R<ImportConfig> {
    let mut c = ImportConfig::new(PRINCIPAL);
    c.pseudonimiseerder = Some(pseudo()?);
    let mapping = crate_dir().join("fixtures/ijw/mapping-rijnmond.toml");
    c.mapping = Some(RegioMapping::read(
        "mapping-rijnmond.toml",
        &std::fs::read_to_string(mapping)?,
    )?);
    Ok(c)
}

async fn store(dir: &Path) -> R<Arc<dyn EventStore>> {
    Ok(kringloop_store::open(&dir.join("log.db").display().to_string()).await?)
}

/// A store in `dir` and an importer on it with the test configuration.
async fn open(dir: &Path) -> R<(Arc<dyn EventStore>, Importer)> {
    open_with(dir, |_| {}).await
}

/// As [`open`], with the test configuration changed by `change`.
async fn open_with(
    dir: &Path,
    change: impl FnOnce(&mut ImportConfig),
) -> R<(Arc<dyn EventStore>, Importer)> {
    let store = store(dir).await?;
    let mut c = config()?;
    change(&mut c);
    let imp = Importer::open(store.clone(), c).await?;
    Ok((store, imp))
}

/// The events after position `voor`.
async fn events_after(store: &Arc<dyn EventStore>, voor: i64) -> R<Vec<RecordedEvent>> {
    Ok(alle(store)
        .await?
        .into_iter()
        .filter(|e| e.position > voor)
        .collect())
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

/// Another writer (the API) appends `fact` to `stream` after the importer read the log.
async fn write_elsewhere(store: &Arc<dyn EventStore>, stream: &str, fact: Gebeurtenis) -> R {
    let provenance = kringloop_events::Provenance {
        recorded_by: "api".into(),
        source: "api".into(),
        correlation_id: None,
        causation_id: None,
    };
    store
        .append(
            stream,
            vec![fact.to_new_event(&provenance)],
            kringloop_store::AppendOptions::default(),
        )
        .await?;
    Ok(())
}

/// The store refused a write because another writer got in between.
fn assert_conflict<T: std::fmt::Debug>(r: &Result<T, ImportError>) {
    assert!(
        matches!(
            r,
            Err(ImportError::Store(
                kringloop_store::StoreError::Conflict { .. }
            ))
        ),
        "{r:?}"
    );
}

fn pseudoniem(bsn: &str) -> R<String> {
    Ok(pseudo()?.pseudoniem(&Bsn::parse(bsn)?))
}

/// No BSN in the events, the reports, or anywhere in the database files on disk.
async fn geen_bsn(store: &Arc<dyn EventStore>, dir: &Path, rapporten: &[Rapport]) -> R {
    let events = alle(store).await?;
    let tekst = serde_json::to_string(&events)?;
    let rapport = serde_json::to_string(rapporten)? + &format!("{rapporten:?}");
    for r in rapporten {
        let _ = r.to_string();
    }
    let display: String = rapporten.iter().map(ToString::to_string).collect();
    store.close().await?;
    let mut schijf = Vec::new();
    for e in std::fs::read_dir(dir)? {
        schijf.extend(std::fs::read(e?.path())?);
    }
    for bsn in BSNS {
        assert!(!tekst.contains(bsn), "BSN in de gebeurtenissen");
        assert!(
            !rapport.contains(bsn) && !display.contains(bsn),
            "BSN in het rapport"
        );
        assert!(
            !schijf.windows(bsn.len()).any(|w| w == bsn.as_bytes()),
            "BSN in de databasebestanden"
        );
    }
    Ok(())
}

async fn import_templates(imp: &mut Importer, formaat: &str, tot: usize) -> R<Vec<Rapport>> {
    let f = if formaat == "csv" {
        Format::Csv
    } else {
        Format::Jsonl
    };
    let mut rapporten = Vec::new();
    for t in &ORDER[..tot] {
        let r = imp.import_file(&template(formaat, t), f).await?;
        assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
        rapporten.push(r);
    }
    Ok(rapporten)
}

async fn templates_importeren(formaat: &str) -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let rapporten = import_templates(&mut imp, formaat, ORDER.len()).await?;
    let events = alle(&store).await?;
    let verwacht: u64 = rapporten.iter().map(|r| r.geschreven).sum();
    assert_eq!(events.len() as u64, verwacht);
    assert_eq!(events.len(), 57, "alle voorbeeldregels");
    let jeugdige = jeugdige_stream(&pseudoniem(EXAMPLE_BSN)?);
    for e in &events {
        assert_eq!(e.recorded_by, PRINCIPAL);
        assert!(
            e.source.starts_with(&format!("import:{formaat} ")),
            "{}",
            e.source
        );
        let feit = Gebeurtenis::from_recorded(e)?;
        if feit.natural_stream().is_none() {
            assert_eq!(e.stream, jeugdige, "{}", e.event_type);
        }
    }
    let eerste_voorziening = events
        .iter()
        .find(|e| e.event_type == "VoorzieningGeregistreerd")
        .ok_or("geen voorziening")?;
    let pad = template(formaat, "VoorzieningGeregistreerd")
        .display()
        .to_string();
    assert_eq!(
        eerste_voorziening.source,
        if formaat == "csv" {
            format!("import:csv {pad}:2 (contractregister Rijnmond)")
        } else {
            format!("import:jsonl {pad}:1 (contractregister Rijnmond)")
        }
    );
    let doorplaatsing = rapporten
        .iter()
        .flat_map(|r| &r.signalen)
        .any(|s| s.code == "DOORPLAATSING");
    assert!(doorplaatsing, "de doorplaatsing geeft een signaal");
    geen_bsn(&store, dir.path(), &rapporten).await
}

#[tokio::test]
async fn csv_templates_import_through_the_rules() -> R {
    templates_importeren("csv").await
}

#[tokio::test]
async fn jsonl_templates_import_through_the_rules() -> R {
    templates_importeren("jsonl").await
}

/// The landscape part of the templates: up to and including the capacity target.
const LANDSCHAP: usize = 10;

#[tokio::test]
async fn ijw_fixtures_become_placements_a_doorplaatsing_and_ends() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let mut rapporten = import_templates(&mut imp, "csv", LANDSCHAP).await?;
    let voor = store.head_position().await?;
    let r = imp
        .import_paths(&[crate_dir().join("fixtures/ijw/berichten")])
        .await?;
    assert_eq!(r.len(), 1);
    let r = r.into_iter().next().ok_or("geen rapport")?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    assert_eq!(r.overgeslagen.len(), 1, "het ambulante product 45A10: {r}");
    let events = events_after(&store, voor).await?;
    let typen: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        typen,
        [
            "JeugdigeGeregistreerd",      // A, from the JW301
            "PlaatsingGestart",           // A in De Brug
            "JeugdigeGeregistreerd",      // B
            "PlaatsingGestart",           // B in De Kleine Haven (ReferentieAanbieder KH-)
            "Doorgeplaatst",              // A: JW307 reason 38 + JW305 at Schakenbosch
            "PlaatsingBeeindigd",         // B: reason 39
            "JeugdigeGeregistreerd",      // C, from the JW315
            "PlaatsingsverzoekIngediend", // C: Schakenbosch asks for a gezinshuis place
            "JeugdigeAangemeld",          // C at Schakenbosch, De Linde
            "PlaatsingBeeindigd",         // A leaves De Linde: reason 31
        ]
    );
    let a = jeugdige_stream(&pseudoniem("999900018")?);
    assert_eq!(events[0].stream, a);
    assert!(
        events[0]
            .source
            .starts_with("import:ijw JW301 RDM-2024-0412 (2024-03-01")
    );
    assert!(
        events[1]
            .source
            .starts_with("import:ijw JW305 HZN-2024-0101")
    );
    assert!(
        events[4].source.contains("JW307 HZN-2024-0301")
            && events[4].source.contains("JW305 SKB-2024-0077")
    );
    match Gebeurtenis::from_recorded(&events[4])? {
        Gebeurtenis::Doorgeplaatst(d) => {
            assert_eq!(
                (d.van.as_str(), d.naar.as_str()),
                ("HZN-DE-BRUG", "SKB-DE-LINDE")
            );
            assert_eq!(d.datum.to_string(), "2024-09-01");
        }
        other => panic!("{other:?}"),
    }
    match Gebeurtenis::from_recorded(&events[7])? {
        Gebeurtenis::PlaatsingsverzoekIngediend(v) => {
            assert_eq!(v.verzoek, "JW315 SKB-2024-0131");
            assert_eq!(v.datum.to_string(), "2024-12-20", "the Dagtekening");
            assert_eq!(
                v.verwijzer,
                kringloop_events::Verwijzer::GecertificeerdeInstelling
            );
            assert_eq!(v.urgentie, kringloop_events::Urgentie::Regulier);
            assert_eq!(
                (v.vorm, v.regime, v.jeugdregio.as_str()),
                (
                    kringloop_events::Vorm::Gezinshuis,
                    kringloop_events::Regime::Open,
                    "RIJNMOND"
                )
            );
        }
        other => panic!("{other:?}"),
    }
    match Gebeurtenis::from_recorded(&events[8])? {
        Gebeurtenis::JeugdigeAangemeld(a) => {
            assert_eq!(a.aanbieder, "SCHAKENBOSCH");
            assert_eq!(a.voorziening.as_deref(), Some("SKB-DE-LINDE"));
        }
        other => panic!("{other:?}"),
    }
    match Gebeurtenis::from_recorded(&events[9])? {
        Gebeurtenis::PlaatsingBeeindigd(p) => {
            // Einddatum 2025-02-28 is the last day of care; the end is the day after.
            assert_eq!(p.datum.to_string(), "2025-03-01");
            assert_eq!(p.bestemming, kringloop_events::Verblijfplaats::Thuis);
        }
        other => panic!("{other:?}"),
    }
    match Gebeurtenis::from_recorded(&events[0])? {
        Gebeurtenis::JeugdigeGeregistreerd(j) => {
            assert_eq!(j.geboortejaar, 2009);
            assert_eq!(j.woongemeente, "GM0599");
        }
        other => panic!("{other:?}"),
    }
    assert!(events.iter().all(|e| e.recorded_by == PRINCIPAL));
    // A second run over the same directory writes nothing.
    let nog = imp
        .import_paths(&[crate_dir().join("fixtures/ijw/berichten")])
        .await?;
    assert_eq!(nog[0].uitkomst, Uitkomst::AlGeimporteerd);
    // And a subset of them, in a fresh importer, is skipped message by message.
    let mut imp2 = Importer::open(store.clone(), config()?).await?;
    let deel = imp2
        .import_paths(&[crate_dir().join("fixtures/ijw/berichten/04-jw307-horizon-stop-a.xml")])
        .await?;
    assert_eq!(deel[0].geschreven, 0, "{}", deel[0]);
    assert_eq!(deel[0].overgeslagen.len(), 1);
    rapporten.push(r);
    rapporten.extend(deel);
    let head = store.head_position().await?;
    assert_eq!(head, voor + 10);
    // Nothing from the names and birth dates in the messages is stored either.
    let alles = serde_json::to_string(&alle(&store).await?)?;
    assert!(!alles.contains("Jansen") && !alles.contains("2009-03-12"));
    geen_bsn(&store, dir.path(), &rapporten).await
}

#[tokio::test]
async fn an_impossible_ijw_stop_writes_nothing_and_names_the_message() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    import_templates(&mut imp, "csv", LANDSCHAP).await?;
    let voor = store.head_position().await?;
    let r = imp
        .import_paths(&[crate_dir().join("fixtures/ijw/onmogelijk")])
        .await?;
    let r = &r[0];
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert_eq!(r.afgewezen.len(), 1, "{r}");
    let a = &r.afgewezen[0];
    assert!(
        a.plaats
            .element
            .as_deref()
            .is_some_and(|e| e.contains("JW307 HZN-2024-0170 StopProduct 1")),
        "{a}"
    );
    assert_eq!(store.head_position().await?, voor, "niets geschreven");
    geen_bsn(&store, dir.path(), std::slice::from_ref(r)).await
}

#[tokio::test]
async fn a_malformed_csv_is_reported_line_by_line_and_writes_nothing() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let csv = "type,id,naam\n\
               AanbiederGeregistreerd,HORIZON,Horizon\n\
               AanbiederGeregistreerd,SKB\n\
               AanbiederGeregistreerd,,Leeg\n\
               Aanbieder,X,Y\n\
               AanbiederGeregistreerd,HORIZON,Horizon dubbel\n";
    let r = imp
        .import_table(Format::Csv, "aanbieders.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen);
    let regels: Vec<u64> = r.afgewezen.iter().filter_map(|a| a.plaats.regel).collect();
    assert_eq!(regels, vec![3, 4, 5, 6], "{r}");
    assert!(r.afgewezen[0].reden.contains("kolommen"));
    assert!(
        r.afgewezen[2].reden.contains("AanbiederGeregistreerd"),
        "valid types are listed"
    );
    assert_eq!(r.afgewezen[3].code, "AL_GEREGISTREERD", "{r}");
    assert_eq!(store.head_position().await?, 0);
    let tekst = r.to_string();
    assert!(tekst.contains("aanbieders.csv:3"), "{tekst}");
    Ok(())
}

#[tokio::test]
async fn an_end_before_the_start_writes_nothing_and_names_the_line() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    import_templates(&mut imp, "csv", LANDSCHAP).await?;
    let voor = store.head_position().await?;
    let csv = format!(
        "type,bsn,geboortejaar,geslacht,woongemeente,datum,voorziening,spoed,crisis,verblijf_voor,bestemming,reden\n\
         JeugdigeGeregistreerd,{b},2008,MAN,GM0599,2024-03-01,,,,,,\n\
         PlaatsingGestart,{b},,,,2024-03-01,HZN-DE-BRUG,nee,nee,THUIS,,\n\
         PlaatsingBeeindigd,{b},,,,2024-02-01,HZN-DE-BRUG,,,,THUIS,volgens plan\n",
        b = "999900067"
    );
    let r = imp
        .import_table(Format::Csv, "plaatsingen.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert_eq!(r.afgewezen.len(), 1, "{r}");
    assert_eq!(r.afgewezen[0].plaats.regel, Some(4));
    assert_eq!(
        r.geaccepteerd, 2,
        "the first two lines were fine but are not written either"
    );
    assert_eq!(store.head_position().await?, voor);
    assert!(!r.to_string().contains("999900067"));
    Ok(())
}

#[tokio::test]
async fn the_same_file_twice_writes_once() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let pad = template("csv", "LandsdeelGeregistreerd");
    let eerste = imp.import_file(&pad, Format::Csv).await?;
    assert_eq!(eerste.uitkomst, Uitkomst::Geschreven);
    let head = store.head_position().await?;
    let tweede = imp.import_file(&pad, Format::Csv).await?;
    assert_eq!(tweede.uitkomst, Uitkomst::AlGeimporteerd, "{tweede}");
    // A new process reading the log recognises it as well.
    let mut opnieuw = Importer::open(store.clone(), config()?).await?;
    let derde = opnieuw.import_file(&pad, Format::Csv).await?;
    assert_eq!(derde.uitkomst, Uitkomst::AlGeimporteerd, "{derde}");
    assert_eq!(store.head_position().await?, head);
    Ok(())
}

#[tokio::test]
async fn a_dry_run_writes_nothing_but_reports_everything() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open_with(dir.path(), |c| c.dry_run = true).await?;
    let mut totaal = 0;
    for t in ORDER {
        let r = imp.import_file(&template("csv", t), Format::Csv).await?;
        assert_eq!(r.uitkomst, Uitkomst::ProefDraai, "{r}");
        totaal += r.gebeurtenissen;
    }
    assert_eq!(totaal, 57);
    assert_eq!(store.head_position().await?, 0);
    Ok(())
}

#[tokio::test]
async fn refuses_to_run_without_a_key() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open_with(dir.path(), |c| c.pseudonimiseerder = None).await?;
    let ijw = imp
        .import_paths(&[crate_dir().join("fixtures/ijw/berichten")])
        .await;
    assert!(matches!(ijw, Err(ImportError::Sleutel(_))), "{ijw:?}");
    let csv = imp
        .import_file(&template("csv", "JeugdigeGeregistreerd"), Format::Csv)
        .await;
    assert!(matches!(csv, Err(ImportError::Sleutel(_))));
    let e = csv.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("KRINGLOOP_PSEUDONIEM_SLEUTEL"), "{e}");
    assert_eq!(store.head_position().await?, 0);
    Ok(())
}

#[tokio::test]
async fn backfill_keeps_the_recorded_times_and_refuses_them_going_back() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let terug = "type,id,naam,geregistreerd_op\n\
                 AanbiederGeregistreerd,A1,Een,2024-04-20T09:30:00+02:00\n\
                 AanbiederGeregistreerd,A2,Twee,2024-04-01\n";
    let r = imp
        .import_table(Format::Csv, "terug.csv", terug.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen);
    assert_eq!(r.afgewezen[0].code, "REGISTRATIETIJD_TERUG", "{r}");
    assert_eq!(r.afgewezen[0].plaats.regel, Some(3));
    let goed = "type,id,naam,geregistreerd_op\n\
                AanbiederGeregistreerd,A1,Een,2024-04-20T09:30:00+02:00\n\
                AanbiederGeregistreerd,A2,Twee,2024-05-01\n\
                AanbiederGeregistreerd,A3,Drie,\n";
    let r = imp
        .import_table(Format::Csv, "historie.csv", goed.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let events = alle(&store).await?;
    assert_eq!(
        events[0].recorded_at.to_rfc3339(),
        "2024-04-20T07:30:00+00:00"
    );
    assert_eq!(
        events[1].recorded_at.to_rfc3339(),
        "2024-05-01T00:00:00+00:00"
    );
    assert!(
        events[2].recorded_at.timestamp() > 1_700_000_000,
        "no time given: now"
    );
    Ok(())
}

/// A store that lets the first `n` `append_many` calls through and then fails, as a
/// process killed between two batches would leave things.
struct StoptNa {
    binnen: Arc<dyn EventStore>,
    over: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl EventStore for StoptNa {
    async fn append(
        &self,
        stream: &str,
        events: Vec<kringloop_events::NewEvent>,
        options: kringloop_store::AppendOptions,
    ) -> kringloop_store::Result<kringloop_store::AppendResult> {
        self.binnen.append(stream, events, options).await
    }
    async fn append_many(
        &self,
        appends: Vec<kringloop_store::StreamAppend>,
        options: kringloop_store::AppendOptions,
    ) -> kringloop_store::Result<Vec<kringloop_store::AppendResult>> {
        use std::sync::atomic::Ordering;
        if self.over.load(Ordering::SeqCst) == 0 {
            return Err(kringloop_store::StoreError::WriterGone);
        }
        self.over.fetch_sub(1, Ordering::SeqCst);
        self.binnen.append_many(appends, options).await
    }
    async fn read_stream(&self, s: &str, v: i64) -> kringloop_store::Result<Vec<RecordedEvent>> {
        self.binnen.read_stream(s, v).await
    }
    async fn read_all(&self, a: i64, l: usize) -> kringloop_store::Result<Vec<RecordedEvent>> {
        self.binnen.read_all(a, l).await
    }
    async fn read_filtered(
        &self,
        a: i64,
        l: usize,
        f: &kringloop_store::ReadFilter,
    ) -> kringloop_store::Result<Vec<RecordedEvent>> {
        self.binnen.read_filtered(a, l, f).await
    }
    async fn stream_version(&self, s: &str) -> kringloop_store::Result<u64> {
        self.binnen.stream_version(s).await
    }
    async fn head_position(&self) -> kringloop_store::Result<i64> {
        self.binnen.head_position().await
    }
    async fn verify(&self) -> kringloop_store::Result<kringloop_store::VerifyReport> {
        self.binnen.verify().await
    }
    fn backend(&self) -> &'static str {
        "test"
    }
}

#[tokio::test]
async fn a_backfill_file_stopped_between_batches_continues_where_it_stopped() -> R {
    let dir = tempfile::tempdir()?;
    let echt = store(dir.path()).await?;
    let csv = "type,id,naam,geregistreerd_op\n\
               AanbiederGeregistreerd,A1,Een,2024-04-20\n\
               AanbiederGeregistreerd,A2,Twee,2024-04-20\n\
               AanbiederGeregistreerd,A3,Drie,2024-05-01\n";
    let stopt: Arc<dyn EventStore> = Arc::new(StoptNa {
        binnen: echt.clone(),
        over: std::sync::atomic::AtomicUsize::new(1),
    });
    let mut imp = Importer::open(stopt, config()?).await?;
    let fout = imp
        .import_table(Format::Csv, "historie.csv", csv.as_bytes())
        .await;
    assert!(fout.is_err(), "the second batch fails");
    assert_eq!(
        echt.head_position().await?,
        2,
        "the first batch (one transaction) is in"
    );
    let mut opnieuw = Importer::open(echt.clone(), config()?).await?;
    let r = opnieuw
        .import_table(Format::Csv, "historie.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    assert_eq!(r.geschreven, 1, "{r}");
    assert_eq!(r.overgeslagen.len(), 1, "{r}");
    assert_eq!(echt.head_position().await?, 3);
    let weer = opnieuw
        .import_table(Format::Csv, "historie.csv", csv.as_bytes())
        .await?;
    assert_eq!(weer.uitkomst, Uitkomst::AlGeimporteerd, "{weer}");
    assert_eq!(echt.head_position().await?, 3);
    Ok(())
}

/// A coordinator's list written in two batches (two recorded times) and stopped between
/// them: the rerun writes the second batch only, and nothing is lost or doubled.
#[tokio::test]
async fn a_coordinators_list_stopped_between_batches_loses_nothing() -> R {
    let dir = tempfile::tempdir()?;
    let echt = store(dir.path()).await?;
    let mut imp = Importer::open(echt.clone(), config()?).await?;
    // Backfill times throughout: they may not go back behind what the log holds.
    let landschap = "type,code,naam,landsdeel,id,geregistreerd_op\n\
                     LandsdeelGeregistreerd,ZUID_WEST,Zuid-West,,,2024-01-01\n\
                     JeugdregioGeregistreerd,RIJNMOND,Rijnmond,ZUID_WEST,,2024-01-01\n\
                     AanbiederGeregistreerd,,Horizon,,HORIZON,2024-01-01\n\
                     AanbiederGeregistreerd,,Schakenbosch,,SCHAKENBOSCH,2024-01-01\n";
    let r = imp
        .import_table(Format::Csv, "landschap.csv", landschap.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let registratie = "type,pseudoniem,geboortejaar,geslacht,woongemeente,datum,geregistreerd_op\n\
                       JeugdigeGeregistreerd,pk1,2009,MAN,GM0599,2024-01-01,2024-01-02\n";
    let r = imp
        .import_table(Format::Csv, "jeugdige.csv", registratie.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let voor = echt.head_position().await?;
    let lijst = "type,pseudoniem,verzoek,ingediend_op,verwijzer,urgentie,vorm,regime,jeugdregio,aanbieder,aangemeld_op,geregistreerd_op\n\
        Plaatsingslijst,pk1,V1,2024-03-01,GEMEENTE_WIJKTEAM,REGULIER,GROEP,OPEN,RIJNMOND,HORIZON,2024-03-02,2024-03-02\n\
        Plaatsingslijst,pk1,V1,2024-03-01,GEMEENTE_WIJKTEAM,REGULIER,GROEP,OPEN,RIJNMOND,SCHAKENBOSCH,2024-03-09,2024-03-09\n";
    let stopt: Arc<dyn EventStore> = Arc::new(StoptNa {
        binnen: echt.clone(),
        over: std::sync::atomic::AtomicUsize::new(1),
    });
    let mut halverwege = Importer::open(stopt, config()?).await?;
    let fout = halverwege
        .import_table(Format::Csv, "lijst.csv", lijst.as_bytes())
        .await;
    assert!(fout.is_err(), "the second batch fails");
    assert_eq!(
        echt.head_position().await?,
        voor + 2,
        "the first batch (request and registration) is in"
    );
    let mut opnieuw = Importer::open(echt.clone(), config()?).await?;
    let r = opnieuw
        .import_table(Format::Csv, "lijst.csv", lijst.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    assert_eq!(r.geschreven, 1, "the second registration: {r}");
    let typen: Vec<String> = events_after(&echt, voor)
        .await?
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        typen,
        [
            "PlaatsingsverzoekIngediend",
            "JeugdigeAangemeld",
            "JeugdigeAangemeld"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn a_concurrent_write_makes_the_whole_file_fail_and_nothing_of_it_is_written() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    import_templates(&mut imp, "csv", 5).await?;
    let voor = store.head_position().await?;
    // Someone else writes to one of the facility streams after the importer read the log.
    let tussendoor: Gebeurtenis = kringloop_events::PlaatsenGeopend {
        voorziening: "SKB-DE-LINDE".into(),
        datum: "2021-01-01".parse()?,
        aantal: 1,
    }
    .into();
    write_elsewhere(&store, "voorziening-SKB-DE-LINDE", tussendoor).await?;
    let r = imp
        .import_file(&template("csv", "PlaatsenGeopend"), Format::Csv)
        .await;
    assert_conflict(&r);
    assert_eq!(
        store.head_position().await?,
        voor + 1,
        "none of the four streams of the file was written"
    );
    Ok(())
}

/// The binary runs imports on a multi-threaded runtime: the futures must be `Send`
/// (this only has to compile).
#[tokio::test]
async fn import_futures_are_send() -> R {
    let dir = tempfile::tempdir()?;
    let store = store(dir.path()).await?;
    let pad = template("csv", "LandsdeelGeregistreerd");
    let taak = tokio::spawn(async move {
        let paden = vec![pad];
        kringloop_import::importer::run_import(store, ImportConfig::new("p"), &paden).await
    });
    let rapporten = taak.await??;
    assert_eq!(rapporten[0].uitkomst, Uitkomst::Geschreven);
    Ok(())
}

#[tokio::test]
async fn ijw_backfill_records_each_fact_at_its_dagtekening() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open_with(dir.path(), |c| c.ijw_backfill = true).await?;
    // The landscape, recorded long before the messages.
    let t = "2019-01-01T00:00:00Z";
    let landschap = format!(
        "type,id,naam,aanbieder,gemeente,vorm,regime,datum,voorziening,aantal,geregistreerd_op\n\
         AanbiederGeregistreerd,HORIZON,Horizon,,,,,,,,{t}\n\
         AanbiederGeregistreerd,SCHAKENBOSCH,Schakenbosch,,,,,,,,{t}\n\
         VoorzieningGeregistreerd,HZN-DE-BRUG,De Brug,HORIZON,GM0599,GROEP,GESLOTEN,2019-01-01,,,{t}\n\
         VoorzieningGeregistreerd,HZN-KLEINE-HAVEN,De Kleine Haven,HORIZON,GM0599,KLEINSCHALIG,OPEN,2019-01-01,,,{t}\n\
         VoorzieningGeregistreerd,SKB-DE-LINDE,De Linde,SCHAKENBOSCH,GM0518,GEZINSHUIS,OPEN,2019-01-01,,,{t}\n\
         PlaatsenGeopend,,,,,,,2019-01-01,HZN-DE-BRUG,24,{t}\n\
         PlaatsenGeopend,,,,,,,2019-01-01,HZN-KLEINE-HAVEN,8,{t}\n\
         PlaatsenGeopend,,,,,,,2019-01-01,SKB-DE-LINDE,6,{t}\n"
    );
    let r = imp
        .import_table(Format::Csv, "landschap.csv", landschap.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let voor = store.head_position().await?;
    let pad = crate_dir().join("fixtures/ijw/berichten");
    let r = imp.import_paths(std::slice::from_ref(&pad)).await?;
    assert_eq!(r[0].uitkomst, Uitkomst::Geschreven, "{}", r[0]);
    let events = events_after(&store, voor).await?;
    assert_eq!(events.len(), 10);
    // The first fact comes from the JW301 of 2024-03-01; the doorplaatsing is known once
    // both its messages are, on 2024-09-03.
    assert_eq!(
        events[0].recorded_at.to_rfc3339(),
        "2024-03-01T00:00:00+00:00"
    );
    assert_eq!(events[4].event_type, "Doorgeplaatst");
    assert_eq!(
        events[4].recorded_at.to_rfc3339(),
        "2024-09-03T00:00:00+00:00"
    );
    assert!(
        events
            .windows(2)
            .all(|w| w[0].recorded_at <= w[1].recorded_at)
    );
    // Written per Dagtekening; a second run writes nothing.
    let nog = imp.import_paths(&[pad]).await?;
    assert_eq!(nog[0].uitkomst, Uitkomst::AlGeimporteerd, "{}", nog[0]);
    assert_eq!(store.head_position().await?, voor + 10);
    Ok(())
}

/// A file of a few thousand youths: its events go to the store while later rows are still
/// being checked (many batches of one transaction). A rejection in the last row, or a
/// concurrent write to a youth stream, still leaves nothing of the file in the log; the
/// corrected file is written once, with every event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_rejected_at_its_last_row_writes_nothing() -> R {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let landschap = "type,id,naam,aanbieder,gemeente,vorm,regime,datum,voorziening,aantal\n\
        AanbiederGeregistreerd,A1,Aanbieder 1,,,,,,,\n\
        VoorzieningGeregistreerd,V1,Voorziening 1,A1,GM0599,GROEP,OPEN,2019-01-01,,\n\
        PlaatsenGeopend,,,,,,,2019-01-01,V1,100000\n";
    let r = imp
        .import_table(Format::Csv, "landschap.csv", landschap.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let voor = store.head_position().await?;
    let jeugdigen: u64 = 3000;
    let mut csv = String::from(
        "type,pseudoniem,geboortejaar,geslacht,woongemeente,datum,voorziening,spoed,crisis,verblijf_voor,bestemming,reden\n",
    );
    for j in 0..jeugdigen {
        writeln!(
            csv,
            "JeugdigeGeregistreerd,p{j:07},2008,MAN,GM0599,2024-01-01,,,,,,"
        )?;
        writeln!(
            csv,
            "PlaatsingGestart,p{j:07},,,,2024-01-02,V1,nee,nee,THUIS,,"
        )?;
    }
    // The last row ends a placement before it started.
    let fout = format!(
        "{csv}PlaatsingBeeindigd,p{:07},,,,2023-06-02,V1,,,,THUIS,te vroeg\n",
        jeugdigen - 1
    );
    let r = imp
        .import_table(Format::Csv, "groot.csv", fout.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert_eq!(r.afgewezen.len(), 1);
    assert_eq!(r.afgewezen[0].plaats.regel, Some(2 * jeugdigen + 2));
    assert_eq!(store.head_position().await?, voor, "nothing of the file");

    // Someone else registers one of the youths while the importer is not looking.
    let tussendoor: Gebeurtenis = kringloop_events::JeugdigeGeregistreerd {
        pseudoniem: format!("p{:07}", jeugdigen - 1),
        geboortejaar: 2008,
        geslacht: kringloop_events::Geslacht::Man,
        woongemeente: "GM0599".into(),
        datum: "2024-01-01".parse()?,
    }
    .into();
    let stroom = jeugdige_stream(&format!("p{:07}", jeugdigen - 1));
    write_elsewhere(&store, &stroom, tussendoor).await?;
    let r = imp
        .import_table(Format::Csv, "groot.csv", csv.as_bytes())
        .await;
    assert_conflict(&r);
    assert_eq!(
        store.head_position().await?,
        voor + 1,
        "nothing of the file"
    );

    // A fresh importer (it reads the other write) writes the file once, all of it.
    let dir2 = tempfile::tempdir()?;
    let store2 = self::store(dir2.path()).await?;
    let mut imp = Importer::open(store2.clone(), config()?).await?;
    imp.import_table(Format::Csv, "landschap.csv", landschap.as_bytes())
        .await?;
    let voor = store2.head_position().await?;
    // One that read the log before the file was written (see below).
    let mut oud = Importer::open(store2.clone(), config()?).await?;
    let r = imp
        .import_table(Format::Csv, "groot.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    assert_eq!(r.records, 2 * jeugdigen);
    assert_eq!(r.gebeurtenissen, 2 * jeugdigen);
    assert_eq!(r.geschreven, 2 * jeugdigen);
    let events = alle(&store2).await?;
    assert_eq!(events.len() as i64, voor + 2 * jeugdigen as i64);
    assert!(
        events[voor as usize..]
            .iter()
            .all(|e| e.idempotency_key.as_deref() == Some(r.idempotentiesleutel.as_str()))
    );
    let again = imp
        .import_table(Format::Csv, "groot.csv", csv.as_bytes())
        .await?;
    assert_eq!(again.uitkomst, Uitkomst::AlGeimporteerd);
    // An importer that did not see the write: the store itself refuses the repeat.
    let r = oud
        .import_table(Format::Csv, "groot.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::AlGeimporteerd, "{r}");
    assert_eq!(r.geschreven, 0);
    assert_eq!(store2.head_position().await?, voor + 2 * jeugdigen as i64);
    assert!(store2.verify().await?.failure.is_none());
    Ok(())
}

// ---------------------------------------------------------------- issue 20: bad input

/// Test BSNs (each passes the elfproef) that the tests below try to slip in.
const TEST_BSNS: [&str; 3] = ["999999990", "111222333", "123456782"];

/// None of `verboden` in the events, the reports (JSON, Debug, Display) or the database
/// files on disk. Closes the store.
async fn nergens(
    store: &Arc<dyn EventStore>,
    dir: &Path,
    rapporten: &[Rapport],
    verboden: &[&str],
) -> R {
    let tekst = serde_json::to_string(&alle(store).await?)?;
    let display: String = rapporten.iter().map(ToString::to_string).collect();
    let rapport = serde_json::to_string(rapporten)? + &format!("{rapporten:?}") + &display;
    store.close().await?;
    let mut schijf = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_file() {
            schijf.extend(std::fs::read(p)?);
        }
    }
    for v in verboden {
        assert!(!tekst.contains(v), "{v} in de gebeurtenissen");
        assert!(!rapport.contains(v), "{v} in het rapport: {display}");
        assert!(
            !schijf.windows(v.len()).any(|w| w == v.as_bytes()),
            "{v} in de databasebestanden"
        );
    }
    Ok(())
}

#[tokio::test]
async fn an_unterminated_quote_is_refused_with_its_line_and_writes_nothing() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    // Without the check the quote on line 3 swallows line 4 into the name of A2, and
    // the file is written as two providers instead of three.
    let csv = "type,id,naam\n\
               AanbiederGeregistreerd,A1,\"Eerste, met komma\"\n\
               AanbiederGeregistreerd,A2,\"Tweede\n\
               AanbiederGeregistreerd,A3,Derde\n";
    let r = imp
        .import_table(Format::Csv, "aanbieders.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert_eq!(r.afgewezen.len(), 1, "{r}");
    assert_eq!(r.afgewezen[0].plaats.regel, Some(3), "{r}");
    assert!(r.afgewezen[0].reden.contains("aanhalingsteken"), "{r}");
    assert!(r.to_string().contains("aanbieders.csv:3"), "{r}");
    assert_eq!(store.head_position().await?, 0, "niets geschreven");
    // In the header, too.
    let r = imp
        .import_table(Format::Csv, "kop.csv", b"type,\"id,naam\nX,Y,Z\n")
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert_eq!(r.afgewezen[0].plaats.regel, Some(1), "{r}");
    // Quotes that are closed, doubled or in the middle of a field are fine.
    let goed = "type,id,naam\n\
                AanbiederGeregistreerd,A1,\"Een \"\"goede\"\" naam, met komma\"\n\
                AanbiederGeregistreerd,A2,De 2\"-groep\n";
    let r = imp
        .import_table(Format::Csv, "goed.csv", goed.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    Ok(())
}

#[tokio::test]
async fn nul_bytes_in_a_csv_are_refused_with_their_line_and_write_nothing() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let csv =
        b"type,id,naam\nAanbiederGeregistreerd,A1,Eerste\nAanbiederGeregistreerd,A2,Twee\0de\n";
    let r = imp.import_table(Format::Csv, "nul.csv", csv).await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert_eq!(r.afgewezen.len(), 1, "{r}");
    assert_eq!(r.afgewezen[0].plaats.regel, Some(3), "{r}");
    assert!(r.afgewezen[0].reden.contains("NUL"), "{r}");
    assert!(!r.to_string().contains('\0'));
    // The same for JSON Lines (an escaped NUL; a raw one is not JSON at all).
    let jsonl = "{\"type\":\"AanbiederGeregistreerd\",\"id\":\"A1\",\"naam\":\"Een\"}\n\
                 {\"type\":\"AanbiederGeregistreerd\",\"id\":\"A2\",\"naam\":\"Twee\\u0000\"}\n";
    let r = imp
        .import_table(Format::Jsonl, "nul.jsonl", jsonl.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    assert_eq!(r.afgewezen[0].plaats.regel, Some(2), "{r}");
    assert_eq!(r.afgewezen[0].code, "ONGELDIG_TEKEN", "{r}");
    assert_eq!(store.head_position().await?, 0, "niets geschreven");
    Ok(())
}

#[tokio::test]
async fn bsn_like_values_never_reach_the_log_or_a_report_from_csv_or_json_lines() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let mut rapporten = import_templates(&mut imp, "csv", LANDSCHAP).await?;
    let voor = store.head_position().await?;
    let kop = "type,pseudoniem,geboortejaar,geslacht,woongemeente,datum,voorziening,spoed,crisis,verblijf_voor,bestemming,reden,bron\n";
    let [a, b, c] = TEST_BSNS;
    let gevallen: Vec<(String, String)> = vec![
        // A pseudonym that is a BSN with letters or a zero in front.
        (
            "pseudoniem.csv".into(),
            format!("{kop}JeugdigeGeregistreerd,BSN{a},2008,MAN,GM0599,2024-03-01,,,,,,,\n"),
        ),
        (
            "nul-ervoor.csv".into(),
            format!("{kop}JeugdigeGeregistreerd,0{b},2008,MAN,GM0599,2024-03-01,,,,,,,\n"),
        ),
        // Free text with a BSN written with dots.
        (
            "reden.csv".into(),
            format!(
                "{kop}JeugdigeGeregistreerd,p-ok,2008,MAN,GM0599,2024-03-01,,,,,,,\n\
                 PlaatsingGestart,p-ok,,,,2024-03-02,HZN-DE-BRUG,nee,nee,THUIS,,,\n\
                 PlaatsingBeeindigd,p-ok,,,,2024-04-01,HZN-DE-BRUG,,,,THUIS,bsn {}.{}.{} verhuisd,\n",
                &c[..4],
                &c[4..6],
                &c[6..]
            ),
        ),
        (
            "bron.csv".into(),
            format!(
                "{kop}JeugdigeGeregistreerd,p-ok2,2008,MAN,GM0599,2024-03-01,,,,,,,dossier {a}\n"
            ),
        ),
    ];
    for (naam, csv) in gevallen {
        let r = imp.import_table(Format::Csv, &naam, csv.as_bytes()).await?;
        assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{naam}: {r}");
        rapporten.push(r);
    }
    let jsonl = format!(
        "{{\"type\":\"JeugdigeGeregistreerd\",\"pseudoniem\":\"jeugdige{b}\",\"geboortejaar\":2008,\"geslacht\":\"MAN\",\"woongemeente\":\"GM0599\",\"datum\":\"2024-03-01\"}}\n"
    );
    let r = imp
        .import_table(Format::Jsonl, "pseudoniem.jsonl", jsonl.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    rapporten.push(r);
    // A file named after a BSN: accepted, the name masked in the source and the report.
    let r = imp
        .import_table(
            Format::Csv,
            &format!("export-{c}.csv"),
            format!("{kop}JeugdigeGeregistreerd,p-naam,2008,MAN,GM0599,2024-03-01,,,,,,,\n")
                .as_bytes(),
        )
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    rapporten.push(r);
    let events = alle(&store).await?;
    assert_eq!(events.len() as i64, voor + 1, "alleen het laatste bestand");
    assert_eq!(
        events.last().map(|e| e.source.as_str()),
        Some("import:csv export-*********.csv:2")
    );
    nergens(&store, dir.path(), &rapporten, &TEST_BSNS).await
}

#[tokio::test]
async fn an_ijw_identificatie_that_passes_the_elfproef_is_stored_as_a_keyed_pseudonym() -> R {
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = open(dir.path()).await?;
    let mut rapporten = import_templates(&mut imp, "csv", LANDSCHAP).await?;
    let voor = store.head_position().await?;
    // The fixtures, with two message identifications that are valid 11-proof numbers
    // (one written with dots) and a file named after a BSN.
    let berichten = dir.path().join("berichten");
    std::fs::create_dir(&berichten)?;
    let [a, b, c] = TEST_BSNS;
    for e in std::fs::read_dir(crate_dir().join("fixtures/ijw/berichten"))? {
        let p = e?.path();
        let naam = p.file_name().and_then(|n| n.to_str()).ok_or("naam")?;
        let tekst = std::fs::read_to_string(&p)?
            .replace("HZN-2024-0101", a)
            .replace(
                "RDM-2024-0412",
                &format!("{}.{}.{}", &b[..4], &b[4..6], &b[6..]),
            );
        let naam = if naam.starts_with("08-") {
            format!("08-{c}.xml")
        } else {
            naam.to_owned()
        };
        std::fs::write(berichten.join(naam), tekst)?;
    }
    let r = imp.import_paths(std::slice::from_ref(&berichten)).await?;
    let r = r.into_iter().next().ok_or("geen rapport")?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let events = events_after(&store, voor).await?;
    assert_eq!(events.len(), 10);
    assert!(
        events[0].source.starts_with("import:ijw JW301 psn-"),
        "{}",
        events[0].source
    );
    assert!(
        events[1].source.starts_with("import:ijw JW305 psn-"),
        "{}",
        events[1].source
    );
    // The pseudonym is keyed and stable: the same messages again are recognised.
    let mut opnieuw = Importer::open(store.clone(), config()?).await?;
    let nog = opnieuw
        .import_paths(&[berichten.join("02-jw305-horizon-start-a.xml")])
        .await?;
    assert_eq!(nog[0].geschreven, 0, "{}", nog[0]);
    assert_eq!(nog[0].overgeslagen.len(), 1, "{}", nog[0]);
    rapporten.push(r);
    rapporten.extend(nog);
    let mut verboden = TEST_BSNS.to_vec();
    verboden.extend(BSNS);
    nergens(&store, dir.path(), &rapporten, &verboden).await
}

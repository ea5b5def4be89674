//! Import speed, measured (not asserted: the machine varies). Run with
//! `cargo run --release -p kringloop-import --example import_snelheid`.
//! Goals (issue 5): CSV ≥ 100,000 records/s, iJw ≥ 10,000 messages/s.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use kringloop_import::ijw::mapping::RegioMapping;
use kringloop_import::importer::{Format, ImportConfig, Importer};
use kringloop_import::pseudonym::{Bsn, Pseudonymizer};
use kringloop_import::report::Uitkomst;
use kringloop_store::EventStore;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn n_uit_env(naam: &str, standaard: usize) -> usize {
    std::env::var(naam)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(standaard)
}

fn landschap(voorzieningen: usize) -> String {
    let mut s =
        String::from("type,id,naam,aanbieder,gemeente,vorm,regime,datum,voorziening,aantal\n");
    s.push_str("AanbiederGeregistreerd,A1,Aanbieder 1,,,,,,,\n");
    for i in 0..voorzieningen {
        let _ = writeln!(
            s,
            "VoorzieningGeregistreerd,V{i},Voorziening {i},A1,GM0599,GROEP,OPEN,2019-01-01,,"
        );
        let _ = writeln!(s, "PlaatsenGeopend,,,,,,,2019-01-01,V{i},100000");
    }
    s
}

/// CPU seconds per thread name (Linux: `/proc/self/task`; empty elsewhere), to see where
/// an import's time goes when the machine is shared: the wall clock then says little.
fn cpu_per_thread() -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(taken) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for t in taken.flatten() {
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ... utime stime: fields 14 and 15, counted after `)`.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let naam = stat[open + 1..close].to_owned();
        let velden: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let tikken = |i: usize| velden.get(i).and_then(|v| v.parse::<f64>().ok());
        if let (Some(u), Some(k)) = (tikken(11), tikken(12)) {
            // Clock ticks of 1/100 s on Linux.
            *out.entry(naam).or_insert(0.0) += (u + k) / 100.0;
        }
    }
    out
}

fn cpu_verschil(
    voor: &std::collections::BTreeMap<String, f64>,
    na: &std::collections::BTreeMap<String, f64>,
) -> String {
    na.iter()
        .map(|(naam, s)| (naam, s - voor.get(naam).copied().unwrap_or(0.0)))
        .filter(|(_, s)| *s >= 0.01)
        .map(|(naam, s)| format!("{naam} {s:.2} s"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The store to measure: SQLite in `dir`, or PostgreSQL when `KRINGLOOP_SNELHEID_PG_URL`
/// names an (empty, throw-away) database.
async fn importer(
    dir: &std::path::Path,
    mapping: Option<RegioMapping>,
) -> R<(Arc<dyn EventStore>, Importer)> {
    let url = std::env::var("KRINGLOOP_SNELHEID_PG_URL")
        .unwrap_or_else(|_| dir.join("log.db").display().to_string());
    let store = kringloop_store::open(&url).await?;
    let mut c = ImportConfig::new("import:snelheid");
    c.pseudonimiseerder = Some(Pseudonymizer::new("snelheid-sleutel-lang-genoeg")?);
    c.mapping = mapping;
    let imp = Importer::open(store.clone(), c).await?;
    Ok((store, imp))
}

async fn csv_records_per_second() -> R {
    let n = n_uit_env("KRINGLOOP_SNELHEID_N", 100_000);
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = importer(dir.path(), None).await?;
    let r = imp
        .import_table(Format::Csv, "landschap.csv", landschap(200).as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    // Per youth: registration, start, end (three records).
    let mut csv = String::from(
        "type,pseudoniem,geboortejaar,geslacht,woongemeente,datum,voorziening,spoed,crisis,verblijf_voor,bestemming,reden\n",
    );
    for j in 0..n / 3 {
        let v = j % 200;
        let _ = writeln!(
            csv,
            "JeugdigeGeregistreerd,p{j:07},2008,MAN,GM0599,2024-01-01,,,,,,"
        );
        let _ = writeln!(
            csv,
            "PlaatsingGestart,p{j:07},,,,2024-01-02,V{v},nee,nee,THUIS,,"
        );
        let _ = writeln!(
            csv,
            "PlaatsingBeeindigd,p{j:07},,,,2024-06-02,V{v},,,,THUIS,volgens plan"
        );
    }
    let records = (n / 3) * 3;
    // Reading and checking alone (dry run), then the real import.
    let mut c = imp.config().clone();
    c.dry_run = true;
    let mut droog = Importer::open(store.clone(), c).await?;
    let t = Instant::now();
    let r = droog
        .import_table(Format::Csv, "plaatsingen.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::ProefDraai);
    println!(
        "CSV lezen + controleren (proefdraai): {records} records in {:.2} s = {:.0} records/s",
        t.elapsed().as_secs_f64(),
        records as f64 / t.elapsed().as_secs_f64()
    );
    let cpu_voor = cpu_per_thread();
    let t = Instant::now();
    let r = imp
        .import_table(Format::Csv, "plaatsingen.csv", csv.as_bytes())
        .await?;
    let duur = t.elapsed();
    let cpu = cpu_verschil(&cpu_voor, &cpu_per_thread());
    assert_eq!(
        r.uitkomst,
        Uitkomst::Geschreven,
        "{}",
        r.afgewezen
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    println!(
        "CSV: {records} records in {:.2} s = {:.0} records/s (store {}: {} events)",
        duur.as_secs_f64(),
        records as f64 / duur.as_secs_f64(),
        store.backend(),
        store.head_position().await?
    );
    if !cpu.is_empty() {
        println!("CSV: CPU per thread tijdens het schrijvende importeren: {cpu}");
    }
    Ok(())
}

fn geldige_bsns(n: usize) -> Vec<String> {
    (999_900_000u32..=999_999_999)
        .map(|b| b.to_string())
        .filter(|b| Bsn::parse(b).is_ok())
        .take(n)
        .collect()
}

fn bericht(soort: &str, id: usize, bsn: &str, dag: &str, product: &str) -> Vec<u8> {
    let p = soort.to_ascii_lowercase();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<{p}:Bericht xmlns:{p}="http://www.istandaarden.nl/ijw/3_2/{p}/schema">
  <{p}:Header><{p}:BerichtCode>418</{p}:BerichtCode><{p}:Afzender>87654321</{p}:Afzender><{p}:Ontvanger>0599</{p}:Ontvanger>
    <{p}:BerichtIdentificatie><{p}:Identificatie>B{id}</{p}:Identificatie><{p}:Dagtekening>{dag}</{p}:Dagtekening></{p}:BerichtIdentificatie></{p}:Header>
  <{p}:Client><{p}:Bsn>{bsn}</{p}:Bsn><{p}:Geboortedatum><{p}:Datum>2008-04-01</{p}:Datum></{p}:Geboortedatum><{p}:Geslacht>1</{p}:Geslacht>
    {product}
  </{p}:Client>
</{p}:Bericht>"#
    )
    .into_bytes()
}

async fn ijw_messages_per_second() -> R {
    let n = n_uit_env("KRINGLOOP_SNELHEID_IJW", 10_000);
    let bsns = geldige_bsns(n / 2);
    let mapping = RegioMapping::read(
        "m.toml",
        "regio = \"X\"\n[[product]]\ncategorie = \"43\"\nvoorziening = \"V0\"\nvorm = \"GROEP\"\nregime = \"OPEN\"\n[reden.\"31\"]\nbestemming = \"THUIS\"\nreden = \"volgens plan\"\n",
    )?;
    let dir = tempfile::tempdir()?;
    let (store, mut imp) = importer(dir.path(), Some(mapping)).await?;
    let r = imp
        .import_table(Format::Csv, "landschap.csv", landschap(1).as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let mut berichten = Vec::with_capacity(bsns.len() * 2);
    for (i, bsn) in bsns.iter().enumerate() {
        let start = "<jw305:StartProducten><jw305:StartProduct><jw305:Product><jw305:Categorie>43</jw305:Categorie><jw305:Code>43A41</jw305:Code></jw305:Product><jw305:Begindatum>2024-01-02</jw305:Begindatum></jw305:StartProduct></jw305:StartProducten>";
        let stop = "<jw307:StopProducten><jw307:StopProduct><jw307:Product><jw307:Categorie>43</jw307:Categorie><jw307:Code>43A41</jw307:Code></jw307:Product><jw307:Begindatum>2024-01-02</jw307:Begindatum><jw307:Einddatum>2024-06-01</jw307:Einddatum><jw307:RedenBeeindiging>31</jw307:RedenBeeindiging></jw307:StopProduct></jw307:StopProducten>";
        berichten.push((
            format!("m{i}-305.xml"),
            bericht("JW305", 2 * i, bsn, "2024-01-03", start),
        ));
        berichten.push((
            format!("m{i}-307.xml"),
            bericht("JW307", 2 * i + 1, bsn, "2024-06-03", stop),
        ));
    }
    let mut c = imp.config().clone();
    c.dry_run = true;
    let mut droog = Importer::open(store.clone(), c).await?;
    let t = Instant::now();
    let r = droog.import_ijw_bytes(&berichten).await?;
    assert_eq!(r.uitkomst, Uitkomst::ProefDraai, "{r}");
    println!(
        "iJw lezen + controleren (proefdraai): {} berichten in {:.2} s = {:.0} berichten/s",
        berichten.len(),
        t.elapsed().as_secs_f64(),
        berichten.len() as f64 / t.elapsed().as_secs_f64()
    );
    let pseudo = Pseudonymizer::new("snelheid-sleutel-lang-genoeg")?;
    let t = Instant::now();
    for (_, b) in &berichten {
        kringloop_import::ijw::parse(b, &pseudo)?;
    }
    println!(
        "iJw alleen parsen: {:.0} berichten/s",
        berichten.len() as f64 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let r = imp.import_ijw_bytes(&berichten).await?;
    let duur = t.elapsed();
    assert_eq!(
        r.uitkomst,
        Uitkomst::Geschreven,
        "{}",
        r.afgewezen
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    println!(
        "iJw: {} berichten in {:.2} s = {:.0} berichten/s ({} gebeurtenissen, store {})",
        berichten.len(),
        duur.as_secs_f64(),
        berichten.len() as f64 / duur.as_secs_f64(),
        r.geschreven,
        store.backend()
    );
    Ok(())
}

/// `cargo run --release -p kringloop-import --example import_snelheid`; with
/// `KRINGLOOP_SNELHEID_ALLEEN=csv` or `=ijw` only that part (on PostgreSQL each part needs
/// its own empty database: both import the same facility ids).
#[tokio::main]
async fn main() -> R {
    let alleen = std::env::var("KRINGLOOP_SNELHEID_ALLEEN").ok();
    if alleen.as_deref() != Some("ijw") {
        csv_records_per_second().await?;
    }
    if alleen.as_deref() != Some("csv") {
        ijw_messages_per_second().await?;
    }
    Ok(())
}

//! Fuzzing the readers with proptest: arbitrary bytes and mutated valid files must never
//! panic and must finish quickly (the readers are linear and bounded; a hang would show up
//! as a case taking seconds). Mutations: byte flips, cuts, duplicated slices and inserted
//! markup at random places of the committed templates and iJw fixtures.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use kringloop_import::pseudonym::Pseudonymizer;
use kringloop_import::{csv, ijw, jsonl};
use proptest::prelude::*;

/// Generous for a debug build on a busy 2-core machine; the real cost is microseconds.
const MAX_DUUR: Duration = Duration::from_secs(2);

fn pseudo() -> Pseudonymizer {
    match Pseudonymizer::new("fuzz-sleutel-die-lang-genoeg-is") {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn lees(rel: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap_or_default()
}

fn csv_voorbeeld() -> Vec<u8> {
    let mut v = lees("templates/csv/PlaatsingGestart.csv");
    v.extend(lees("templates/csv/VoorzieningGeregistreerd.csv"));
    v
}

fn jsonl_voorbeeld() -> Vec<u8> {
    let mut v = lees("templates/jsonl/FeitGecorrigeerd.jsonl");
    v.extend(lees("templates/jsonl/MachtigingAfgegeven.jsonl"));
    v
}

fn xml_voorbeeld() -> Vec<u8> {
    lees("fixtures/ijw/berichten/02-jw305-horizon-start-a.xml")
}

#[derive(Debug, Clone)]
enum Mutatie {
    Flip(usize, u8),
    Knip(usize),
    Dubbel(usize, usize),
    Voeg(usize, Vec<u8>),
}

fn mutatie() -> impl Strategy<Value = Mutatie> {
    let stukjes = prop::sample::select(vec![
        b"<".to_vec(),
        b">".to_vec(),
        b"</".to_vec(),
        b"&amp;".to_vec(),
        b"&#x0;".to_vec(),
        b"&onbekend;".to_vec(),
        b"<![CDATA[x]]>".to_vec(),
        b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaa\">]>".to_vec(),
        b"\"".to_vec(),
        b",".to_vec(),
        b";".to_vec(),
        b"\n".to_vec(),
        b"\r\n".to_vec(),
        b"{".to_vec(),
        b"}".to_vec(),
        b"\xff\xfe".to_vec(),
        "\u{feff}".as_bytes().to_vec(),
        b"999900006".to_vec(),
        // The client's own BSN in the fixture.
        b"999900018".to_vec(),
        b"<jw305:StartProduct>".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutatie::Flip(i, b)),
        any::<usize>().prop_map(Mutatie::Knip),
        (any::<usize>(), 0usize..400).prop_map(|(i, n)| Mutatie::Dubbel(i, n)),
        (any::<usize>(), stukjes).prop_map(|(i, s)| Mutatie::Voeg(i, s)),
    ]
}

fn pas_toe(mut data: Vec<u8>, mutaties: &[Mutatie]) -> Vec<u8> {
    for m in mutaties {
        if data.is_empty() {
            break;
        }
        let n = data.len();
        match m {
            Mutatie::Flip(i, b) => data[i % n] = *b,
            Mutatie::Knip(i) => data.truncate(i % n),
            Mutatie::Dubbel(i, len) => {
                let start = i % n;
                let eind = (start + len).min(n);
                let stuk = data[start..eind].to_vec();
                data.splice(start..start, stuk);
            }
            Mutatie::Voeg(i, s) => {
                let at = i % n;
                data.splice(at..at, s.iter().copied());
            }
        }
    }
    data
}

fn binnen_tijd(start: Instant) -> Result<(), TestCaseError> {
    prop_assert!(
        start.elapsed() < MAX_DUUR,
        "te traag: {:?}",
        start.elapsed()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn csv_survives_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        let p = pseudo();
        let t = Instant::now();
        let _ = csv::read("fuzz.csv", &data, Some(&p));
        binnen_tijd(t)?;
    }

    #[test]
    fn csv_survives_mutated_templates(m in prop::collection::vec(mutatie(), 1..8)) {
        let p = pseudo();
        let data = pas_toe(csv_voorbeeld(), &m);
        let t = Instant::now();
        let items = csv::read("fuzz.csv", &data, Some(&p));
        binnen_tijd(t)?;
        // Whatever comes out never echoes the BSN that may have been inserted.
        for i in items {
            if let csv::Item::Afgewezen(a) = i {
                prop_assert!(!a.reden.contains("999900006"), "{}", a.reden);
            }
        }
    }

    #[test]
    fn jsonl_survives_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        let p = pseudo();
        let t = Instant::now();
        let _ = jsonl::read("fuzz.jsonl", &data, Some(&p));
        binnen_tijd(t)?;
    }

    #[test]
    fn jsonl_survives_mutated_templates(m in prop::collection::vec(mutatie(), 1..8)) {
        let p = pseudo();
        let data = pas_toe(jsonl_voorbeeld(), &m);
        let t = Instant::now();
        let _ = jsonl::read("fuzz.jsonl", &data, Some(&p));
        binnen_tijd(t)?;
    }

    #[test]
    fn xml_survives_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        let p = pseudo();
        let t = Instant::now();
        let _ = ijw::parse(&data, &p);
        binnen_tijd(t)?;
    }

    #[test]
    fn xml_survives_arbitrary_text(s in "\\PC{0,512}") {
        let p = pseudo();
        let t = Instant::now();
        let _ = ijw::parse(s.as_bytes(), &p);
        binnen_tijd(t)?;
    }

    #[test]
    fn xml_survives_mutated_messages(m in prop::collection::vec(mutatie(), 1..8)) {
        let p = pseudo();
        let data = pas_toe(xml_voorbeeld(), &m);
        let t = Instant::now();
        match ijw::parse(&data, &p) {
            // A parsed message never holds its client's BSN; an error never echoes any.
            Ok(b) => {
                let tekst = format!("{b:?}");
                prop_assert!(!tekst.contains("999900018"));
            }
            Err(e) => {
                let tekst = e.to_string();
                prop_assert!(!tekst.contains("999900006") && !tekst.contains("999900018"), "{}", tekst);
            }
        }
        binnen_tijd(t)?;
    }
}

#[test]
fn deeply_nested_and_huge_inputs_are_refused_quickly() {
    let p = pseudo();
    let mut diep = String::from(
        "<jw305:Bericht xmlns:jw305=\"http://www.istandaarden.nl/ijw/3_2/jw305/schema\">",
    );
    for _ in 0..10_000 {
        diep.push_str("<a>");
    }
    let t = Instant::now();
    assert!(ijw::parse(diep.as_bytes(), &p).is_err());
    let lang = format!(
        "<jw305:Bericht xmlns:jw305=\"http://www.istandaarden.nl/ijw/3_2/jw305/schema\"><Header><Afzender>{}</Afzender></Header></jw305:Bericht>",
        "x".repeat(1_000_000)
    );
    assert!(ijw::parse(lang.as_bytes(), &p).is_err());
    let csv_lang = format!("type,naam\n{}\n", "\"".repeat(1_000_000));
    let _ = csv::read("lang.csv", csv_lang.as_bytes(), Some(&p));
    assert!(t.elapsed() < MAX_DUUR);
}

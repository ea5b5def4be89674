//! Every generated fact must pass the domain rules (signals are expected, rejections not),
//! when folded in the order the store would record them; no placement lacks a contract and
//! no measure is applied in an open facility.

use std::collections::BTreeMap;

use kringloop_demo::{DemoConfig, Scope, generate};
use kringloop_events::RecordedEvent;
use kringloop_events::rules::DomainState;

fn fold(config: &DemoConfig) -> (u64, BTreeMap<String, u64>) {
    let mut state = DomainState::new();
    let mut afgewezen: Vec<String> = Vec::new();
    let mut signalen: BTreeMap<String, u64> = BTreeMap::new();
    let mut versies: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut n = 0u64;
    for (i, e) in generate(config).expect("valid config").enumerate() {
        n += 1;
        match state.check(&e.stream, &e.fact) {
            Ok(s) => {
                for x in s {
                    *signalen
                        .entry(
                            format!("{x:?}")
                                .split(['(', ' ', '{'])
                                .next()
                                .unwrap_or("?")
                                .to_owned(),
                        )
                        .or_default() += 1;
                }
            }
            Err(a) => {
                if afgewezen.len() < 20 {
                    afgewezen.push(format!(
                        "#{i} {} {} {:?}: {a:?}",
                        e.recorded_at, e.stream, e.fact
                    ));
                }
                *signalen.entry("AFGEWEZEN".to_owned()).or_default() += 1;
            }
        }
        let v = versies.entry(e.stream.clone()).or_insert(0);
        *v += 1;
        let ne = e.to_new_event();
        let recorded = RecordedEvent {
            position: i as i64 + 1,
            stream: e.stream.clone(),
            stream_version: *v,
            event_id: ne.event_id,
            event_type: ne.event_type,
            schema_version: ne.schema_version,
            payload: ne.payload,
            valid_date: ne.valid_date,
            recorded_at: e.recorded_at,
            recorded_by: ne.recorded_by,
            source: ne.source,
            correlation_id: None,
            causation_id: None,
            idempotency_key: None,
            prev_hash: [0; 32],
            hash: [0; 32],
        };
        state.apply(&recorded, &e.fact);
    }
    // Every placement falls under a contract with a product for it, and measures are
    // applied in closed facilities only.
    for s in ["ContractOntbreekt", "MaatregelInOpenVoorziening"] {
        assert!(!signalen.contains_key(s), "{s}: {signalen:?}");
    }
    assert!(
        afgewezen.is_empty(),
        "afgewezen feiten ({}):\n{}",
        signalen.get("AFGEWEZEN").copied().unwrap_or(0),
        afgewezen.join("\n")
    );
    (n, signalen)
}

#[test]
fn jeugdzorgplus_history_passes_the_domain_rules() {
    let (n, signalen) = fold(&DemoConfig::default());
    println!("{n} gebeurtenissen, signalen: {signalen:?}");
    assert!(n > 10_000);
}

#[test]
fn small_all_residential_history_passes_the_domain_rules() {
    let config = DemoConfig {
        scope: Scope::AllResidential,
        scale: 0.05,
        from_year: 2019,
        to_year: 2026,
        ..DemoConfig::default()
    };
    let (n, signalen) = fold(&config);
    println!("{n} gebeurtenissen, signalen: {signalen:?}");
}

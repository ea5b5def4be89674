//! A quick local measurement of fold speed and query latency on synthetic data (not the
//! project's benchmark, which uses the demo generator and the store).
//!
//! `cargo run --release -p kringloop-projections --example snelheid -- 1000000`

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kringloop_events::*;
use kringloop_projections::*;
use uuid::Uuid;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// Nanoseconds this thread has been on a CPU (less disturbed by a busy machine than
/// wall time).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// (minor page faults, user ticks, system ticks) of this thread.
fn tik() -> (u64, u64, u64) {
    let s = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')').
    let na = s.rsplit_once(')').map_or("", |(_, r)| r);
    let v: Vec<u64> = na
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let veld = |i: usize| v.get(i).copied().unwrap_or(0);
    // minflt is field 10, utime 14, stime 15 (1-based, counting the pid as 1).
    (veld(7), veld(11), veld(12))
}

struct Ev {
    stroom: String,
    g: Gebeurtenis,
    at: i64,
}

fn main() {
    let doel: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let start = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or_default();
    let dag = |n: i64| start + Duration::days(n);
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut evs: Vec<Ev> = Vec::new();
    let landsdelen = ["NOORD", "OOST", "ZUID", "ZUID_WEST", "NOORD_WEST"];
    for l in landsdelen {
        evs.push(Ev {
            stroom: format!("landsdeel-{l}"),
            g: LandsdeelGeregistreerd {
                code: l.into(),
                naam: l.into(),
            }
            .into(),
            at: 0,
        });
    }
    for reg in 0..42 {
        evs.push(Ev {
            stroom: format!("jeugdregio-R{reg}"),
            g: JeugdregioGeregistreerd {
                code: format!("R{reg}"),
                naam: format!("R{reg}"),
                landsdeel: landsdelen[reg % 5].into(),
            }
            .into(),
            at: 0,
        });
    }
    for gem in 0..342 {
        evs.push(Ev {
            stroom: format!("gemeente-G{gem}"),
            g: GemeenteGeregistreerd {
                code: format!("G{gem}"),
                naam: format!("G{gem}"),
                jeugdregio: format!("R{}", gem % 42),
            }
            .into(),
            at: 0,
        });
    }
    let nvz = 600u64;
    for v in 0..nvz {
        let vorm = Vorm::ALL[(v % 9) as usize];
        let regime = if v.is_multiple_of(5) {
            Regime::Gesloten
        } else {
            Regime::Open
        };
        let id = format!("V{v}");
        evs.push(Ev {
            stroom: voorziening_stream(&id),
            g: VoorzieningGeregistreerd {
                id: id.clone(),
                aanbieder: format!("A{}", v % 120),
                naam: id.clone(),
                gemeente: format!("G{}", v % 342),
                vorm,
                regime,
                datum: dag(0),
            }
            .into(),
            at: 0,
        });
        evs.push(Ev {
            stroom: voorziening_stream(&id),
            g: PlaatsenGeopend {
                voorziening: id.clone(),
                datum: dag(0),
                aantal: 4 + r.below(20) as u32,
            }
            .into(),
            at: 0,
        });
        for _ in 0..4 {
            let dd = r.below(3650) as i64;
            evs.push(Ev {
                stroom: voorziening_stream(&id),
                g: PlaatsenGesloten {
                    voorziening: id.clone(),
                    datum: dag(dd),
                    aantal: 1,
                    reden: "".into(),
                }
                .into(),
                at: dd * 86_400,
            });
        }
    }
    let mut j = 0u64;
    while evs.len() < doel {
        j += 1;
        let p = format!("J{j}");
        let stroom = jeugdige_stream(&p);
        let mut d = r.below(3650) as i64;
        let vertraging =
            |r: &mut Rng, d: i64| (d + r.below(60) as i64) * 86_400 + r.below(86_400) as i64;
        let at = vertraging(&mut r, d);
        evs.push(Ev {
            stroom: stroom.clone(),
            g: JeugdigeGeregistreerd {
                pseudoniem: p.clone(),
                geboortejaar: 2008,
                geslacht: Geslacht::Onbekend,
                woongemeente: format!("G{}", r.below(342)),
                datum: dag(d),
            }
            .into(),
            at,
        });
        let mut vz = r.below(nvz);
        if vz.is_multiple_of(5) {
            let at = vertraging(&mut r, d);
            evs.push(Ev {
                stroom: stroom.clone(),
                g: MachtigingAfgegeven {
                    machtiging: "M1".into(),
                    soort: MachtigingSoort::Mgj,
                    geldig_van: dag(d),
                    geldig_tot: dag(d + 365),
                    aangevraagd_door: "GI".into(),
                }
                .into(),
                at,
            });
        }
        let at = vertraging(&mut r, d);
        evs.push(Ev {
            stroom: stroom.clone(),
            g: PlaatsingGestart {
                voorziening: format!("V{vz}"),
                datum: dag(d),
                spoed: false,
                crisis: false,
                verblijf_voor: Verblijfplaats::Thuis,
                verzoek: None,
                overbrugging: false,
            }
            .into(),
            at,
        });
        for _ in 0..r.below(3) {
            d += 1 + r.below(120) as i64;
            let naar = r.below(nvz);
            let at = vertraging(&mut r, d);
            evs.push(Ev {
                stroom: stroom.clone(),
                g: Doorgeplaatst {
                    van: format!("V{vz}"),
                    naar: format!("V{naar}"),
                    datum: dag(d),
                    reden: "".into(),
                    tegen_wens_jeugdige: false,
                    tegen_wens_aanbieder: false,
                    verzoek: None,
                    overbrugging: false,
                }
                .into(),
                at,
            });
            vz = naar;
        }
        if r.below(10) < 9 {
            d += 1 + r.below(300) as i64;
            let at = vertraging(&mut r, d);
            evs.push(Ev {
                stroom: stroom.clone(),
                g: PlaatsingBeeindigd {
                    voorziening: None,
                    datum: dag(d),
                    bestemming: Verblijfplaats::ALL[r.below(16) as usize],
                    reden: "".into(),
                    reden_beeindiging: None,
                }
                .into(),
                at,
            });
        }
    }
    evs.sort_by_key(|e| e.at);
    let epoch: DateTime<Utc> = DateTime::from_timestamp(1_420_070_400, 0).unwrap_or_default();
    let ids: Vec<Uuid> = (0..evs.len())
        .map(|i| Uuid::from_u128(i as u128 + 1))
        .collect();
    println!("{} events, {} youths", evs.len(), j);

    // Decode cost, on a sample: payload JSON → Gebeurtenis.
    let sample: Vec<(String, &'static str, i32)> = evs
        .iter()
        .take(200_000)
        .map(|e| (e.g.payload_json(), e.g.event_type(), e.g.schema_version()))
        .collect();
    let t0 = Instant::now();
    let mut ok = 0usize;
    for (json, ty, v) in &sample {
        ok += usize::from(Gebeurtenis::decode(ty, *v, json).is_ok());
    }
    let dt = t0.elapsed();
    println!(
        "decode: {:.0} events/s ({ok} ok)",
        sample.len() as f64 / dt.as_secs_f64()
    );

    let mut p = Projection::new();
    let t_voor = tik();
    let c0 = cpu_ns();
    let t0 = Instant::now();
    for (i, e) in evs.iter().enumerate() {
        let meta = Meta {
            position: i as i64 + 1,
            event_id: ids[i],
            recorded_at: epoch + Duration::seconds(e.at),
            stream: &e.stroom,
        };
        if let Err(f) = p.apply_decoded(meta, &e.g) {
            println!("error: {f}");
        }
    }
    let dt = t0.elapsed();
    let cpu = (cpu_ns() - c0) as f64 / 1e9;
    let t_na = tik();
    println!(
        "fold: {:.2} s wall, {:.2} s cpu, {:.0} events/s (wall), {:.0} events/s (cpu)",
        dt.as_secs_f64(),
        cpu,
        evs.len() as f64 / dt.as_secs_f64(),
        evs.len() as f64 / cpu
    );
    println!(
        "fold: {} minor page faults, user {:.2} s, system {:.2} s",
        t_na.0 - t_voor.0,
        (t_na.1 - t_voor.1) as f64 / 100.0,
        (t_na.2 - t_voor.2) as f64 / 100.0
    );
    println!("{:?}", p.sizes());
    // Peak resident memory (includes the generated input held alongside).
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for l in status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        {
            println!("{l}");
        }
    }
    if std::env::args().nth(2).as_deref() == Some("fold") {
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("controle") {
        // A fingerprint of many figures, to compare two builds on the same history.
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let perioden = Periode::reeks(start, start + Duration::days(3652), Granulariteit::Kwartaal)
            .unwrap_or_default();
        let filters = [
            Filter::default(),
            Filter {
                landsdeel: Some("ZUID_WEST".into()),
                regime: Some(Regime::Gesloten),
                ..Filter::default()
            },
            Filter {
                gemeente: Some("G7".into()),
                ..Filter::default()
            },
        ];
        let mut n = 0;
        for f in filters {
            for t in [Toerekening::Herkomst, Toerekening::Locatie] {
                for k in [None, Some(epoch + Duration::days(365 * 6))] {
                    let mut q = Query::new(perioden[0]).filter(f.clone()).toerekening(t);
                    q.known_at = k;
                    for r in p.reeks(&q, &perioden) {
                        format!("{r:?}").hash(&mut h);
                        n += 1;
                    }
                }
            }
        }
        let q = Query::new(Periode::kwartaal(2019, 3).unwrap_or_else(|e| panic!("{e}")));
        let d = p.diff(
            &q,
            epoch + Duration::days(365 * 4 + 200),
            epoch + Duration::days(365 * 5),
        );
        format!("{d:?}").hash(&mut h);
        println!(
            "controle: {n} reports + diff, fingerprint {:016x}",
            h.finish()
        );
        return;
    }

    let filter = Filter {
        landsdeel: Some("ZUID_WEST".into()),
        regime: Some(Regime::Gesloten),
        ..Filter::default()
    };
    let q = Query::new(Periode::kwartaal(2020, 2).unwrap_or_else(|e| panic!("{e}"))).filter(filter);
    let meet = |naam: &str, f: &dyn Fn()| {
        let mut wall = Vec::new();
        let mut cpu = Vec::new();
        for _ in 0..40 {
            let c0 = cpu_ns();
            let t0 = Instant::now();
            f();
            wall.push(t0.elapsed().as_secs_f64() * 1000.0);
            cpu.push((cpu_ns() - c0) as f64 / 1e6);
        }
        wall.sort_by(|a, b| a.total_cmp(b));
        cpu.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{naam}: wall p50 {:.2} ms, p99 {:.2} ms; cpu p50 {:.2} ms, p99 {:.2} ms",
            wall[wall.len() / 2],
            wall[wall.len() * 99 / 100],
            cpu[cpu.len() / 2],
            cpu[cpu.len() * 99 / 100]
        );
    };

    meet("kwartaal, gefilterd, nu", &|| {
        let _ = p.kpis(&q);
    });
    let verleden = epoch + Duration::days(365 * 6);
    let qk = q.clone().known_at(verleden);
    meet("kwartaal, gefilterd, K in het verleden", &|| {
        let _ = p.kpis(&qk);
    });
    let perioden = Periode::reeks(start, start + Duration::days(3652), Granulariteit::Kwartaal)
        .unwrap_or_default();
    meet(
        &format!("reeks van {} kwartalen, gefilterd", perioden.len()),
        &|| {
            let _ = p.reeks(&q, &perioden);
        },
    );
    let alles = Query::new(Periode::kwartaal(2020, 2).unwrap_or_else(|e| panic!("{e}")));
    meet("kwartaal, ongefilterd", &|| {
        let _ = p.kpis(&alles);
    });
    let r = p.kpis(&alles);
    println!(
        "Q2 2020: plaatsingen {:?}, lopend {:?}",
        r.plaatsingen.waarde.exclusief_doorplaatsingen.waarde, r.stroom_episodes.waarde.eind.waarde
    );
}

use super::overbezetting::*;
use crate::bezetting::KnownChange;
use crate::occupancy::*;
use crate::periode::{kwartaal_begin, kwartaalnummer};

/// Occupancy changes (one per day, as in the log), capacity changes and periods with
/// gaps, from a small generator.
#[allow(clippy::type_complexity)]
fn geval(x: &mut u64) -> (Vec<(i32, i32)>, Vec<(u32, i32, i32)>, Vec<i32>, Vec<i32>) {
    let mut volgende = |n: u64| {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        (*x % n) as i32
    };
    let mut occ: Vec<(i32, i32)> = Vec::new();
    let mut dag = volgende(20) - 10;
    for _ in 0..volgende(30) {
        dag += 1 + volgende(6);
        let delta = volgende(5) - 2;
        if delta != 0 {
            occ.push((dag, delta));
        }
    }
    let mut cap: Vec<(u32, i32, i32)> = Vec::new();
    let mut dag = volgende(20) - 15;
    for _ in 0..volgende(5) {
        // Capacity changes may share a day with each other and with occupancy ones.
        dag += volgende(8);
        cap.push((0, dag, volgende(7) - 2));
    }
    let (mut van, mut tot) = (Vec::new(), Vec::new());
    let mut dag = volgende(10);
    for _ in 0..1 + volgende(8) {
        dag += volgende(3);
        van.push(dag);
        dag += 1 + volgende(9);
        tot.push(dag);
    }
    (occ, cap, van, tot)
}

/// The rule of `Ctx::overbezetting`, day by day: occupied on some day of the period
/// and over capacity on some day of it, with the state at the end of each day.
fn per_dag(occ: &[(i32, i32)], cap: &[(u32, i32, i32)], van: &[i32], tot: &[i32]) -> Vec<i64> {
    van.iter()
        .zip(tot)
        .map(|(&v, &t)| {
            let (mut bezet, mut over) = (false, false);
            for d in v..t {
                let b: i64 = occ
                    .iter()
                    .filter(|x| x.0 <= d)
                    .map(|x| i64::from(x.1))
                    .sum();
                let c: i64 = cap
                    .iter()
                    .filter(|x| x.1 <= d)
                    .map(|x| i64::from(x.2))
                    .sum();
                bezet |= b > 0;
                over |= b > c;
            }
            i64::from(bezet && over)
        })
        .collect()
}

/// A facility's quarter state says for every run of quarters what the sweep over its
/// log says, before, inside and after the quarters of its changes; the day-by-day
/// rule agrees on the first cases.
#[test]
fn kwartaaltoestand_follows_the_sweep() {
    let mut x: u64 = 0x9E6C_63D0_676A_9A99;
    let mut overbezet = 0;
    for geval_nr in 0..2000 {
        let (occ, cap, _, _) = geval(&mut x);
        // Spread the changes over some forty quarters.
        let occ: Vec<(i32, i32)> = occ.iter().map(|&(d, b)| (d * 37, b)).collect();
        let cap: Vec<(u32, i32, i32)> = cap.iter().map(|&(v, d, c)| (v, d * 37, c)).collect();
        let t = kwartaaltoestand(&occ, &cap);
        let q = kwartaalnummer(-2_000);
        let (mut van, mut tot) = (Vec::new(), Vec::new());
        let mut qq = q + (geval_nr % 3) as i16;
        while qq < q + 80 {
            let lengte = 1 + (qq.rem_euclid(4) + geval_nr as i16).rem_euclid(4);
            van.push(kwartaal_begin(qq));
            tot.push(kwartaal_begin(qq + lengte));
            // Now and then a gap of a quarter.
            qq += lengte + i16::from(qq.rem_euclid(7) == 0);
        }
        let mut verwacht = vec![0i64; van.len()];
        count_overbezet(Wijzigingen::new(&occ, &cap, ()), &van, &tot, &mut verwacht);
        let gekregen: Vec<i64> = van
            .iter()
            .zip(&tot)
            .map(|(&v, &w)| i64::from(t.overbezet(kwartaalnummer(v), kwartaalnummer(w))))
            .collect();
        assert_eq!(gekregen, verwacht, "case {geval_nr}: {occ:?} {cap:?} {t:?}");
        if geval_nr < 100 {
            assert_eq!(verwacht, per_dag(&occ, &cap, &van, &tot), "case {geval_nr}");
        }
        overbezet += verwacht.iter().sum::<i64>();
    }
    assert!(
        overbezet > 500,
        "the cases must exercise overbezetting: {overbezet}"
    );
}

/// At a past K, the quarter states of now up to the first day that can differ, then
/// the walk of the bitemporal log, count what the walk alone counts: with changes
/// made after K from some day on, capacity that differs between K and now from some
/// day on, and a first day given early (a block's first day, as the log gives it).
#[test]
fn at_past_knowledge_follows_the_sweep() {
    let mut x: u64 = 0x5851_F42D_4C95_7F2D;
    let volgende = |n: u64, x: &mut u64| {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        (*x % n) as i32
    };
    let (mut overbezet, mut met_nu) = (0, 0);
    for geval_nr in 0..2000 {
        let (occ, cap, _, _) = geval(&mut x);
        let last_known_pos = 10u32;
        // Made at or before K.
        let mut known: Vec<KnownChange> = occ
            .iter()
            .enumerate()
            .map(|(n, &(d, b))| {
                // Some on a quarter's first day, where the walk may start.
                let d = if n % 3 == 0 {
                    kwartaal_begin(kwartaalnummer(d * 37))
                } else {
                    d * 37
                };
                (d, b, 1 + n as u32 % 10)
            })
            .collect();
        // Made after K, from day `na` on.
        let na = volgende(4_000, &mut x) - 600;
        for n in 0..volgende(6, &mut x) {
            let delta = if n % 2 == 0 { 1 } else { -1 };
            let d = na + volgende(900, &mut x);
            let d = if n == 0 {
                kwartaal_begin(kwartaalnummer(d))
            } else {
                d
            };
            known.push((d, delta, 11 + n as u32));
        }
        known.sort_by_key(|w| (w.0, w.2));
        let eerste_na = known
            .iter()
            .filter(|w| w.2 > last_known_pos)
            .map(|w| w.0)
            .min();
        // Given early, as by a block's first entry.
        let eerste_na = eerste_na.map(|d| d - volgende(200, &mut x));
        // The log of now: every change, netted per day.
        let mut nu_log: Vec<(i32, i32)> = Vec::new();
        for &(d, b, _) in &known {
            match nu_log.last_mut() {
                Some(l) if l.0 == d => l.1 += b,
                _ => nu_log.push((d, b)),
            }
        }
        nu_log.retain(|l| l.1 != 0);
        let cap_k: Vec<(u32, i32, i32)> = cap.iter().map(|&(v, d, c)| (v, d * 37, c)).collect();
        let mut cap_nu = cap_k.clone();
        match volgende(3, &mut x) {
            0 => {}
            1 => cap_nu.push((0, volgende(4_000, &mut x) - 600, -3)),
            _ => {
                if let Some(c) = cap_nu.get_mut(volgende(4, &mut x) as usize) {
                    c.2 -= 2;
                }
            }
        }
        cap_nu.sort_unstable();
        let nu = kwartaaltoestand(&nu_log, &cap_nu);
        let q = kwartaalnummer(-2_000);
        let (mut van, mut tot, mut kwartalen) = (Vec::new(), Vec::new(), Vec::new());
        let mut qq = q + (geval_nr % 3) as i16;
        while qq < q + 80 {
            let lengte = 1 + (qq.rem_euclid(4) + geval_nr as i16).rem_euclid(4);
            van.push(kwartaal_begin(qq));
            tot.push(kwartaal_begin(qq + lengte));
            kwartalen.push((qq, qq + lengte));
            qq += lengte + i16::from(qq.rem_euclid(7) == 0);
        }
        let mut verwacht = vec![0i64; van.len()];
        count_overbezet(
            Wijzigingen::new(&known, &cap_k, last_known_pos),
            &van,
            &tot,
            &mut verwacht,
        );
        let mut gekregen = vec![0i64; van.len()];
        AtPastKnowledge {
            nu: &nu,
            occ: &known,
            cap: &cap_k,
            cap_nu: &cap_nu,
            eerste_na,
            last_known_pos,
        }
        .tel(&kwartalen, &van, &tot, &mut gekregen);
        assert_eq!(
            gekregen, verwacht,
            "case {geval_nr}: {known:?} {cap_k:?} {cap_nu:?} {eerste_na:?}"
        );
        overbezet += verwacht.iter().sum::<i64>();
        // Periods on which K and now disagree: the test is not only of the walk.
        let mut nu_telt = vec![0i64; van.len()];
        count_overbezet(
            Wijzigingen::new(&nu_log, &cap_nu, ()),
            &van,
            &tot,
            &mut nu_telt,
        );
        met_nu += i64::from(nu_telt != verwacht);
    }
    assert!(overbezet > 500, "overbezetting must occur: {overbezet}");
    assert!(met_nu > 200, "K and now must differ: {met_nu}");
}

/// Both sweeps, the one over the occupancy log and the one over changes gathered per
/// period (`overbezet_in`, as `Bezet::tel` calls it), agree with the day-by-day rule,
/// also with changes on a period's first day, in gaps and on one day together.
#[test]
fn overbezetting_volgt_de_dagen() {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut overbezet = 0;
    for geval_nr in 0..3000 {
        let (occ, cap, van, tot) = geval(&mut x);
        let verwacht = per_dag(&occ, &cap, &van, &tot);
        overbezet += verwacht.iter().sum::<i64>();

        let mut uit = vec![0i64; van.len()];
        count_overbezet(Wijzigingen::new(&occ, &cap, ()), &van, &tot, &mut uit);
        assert_eq!(
            uit, verwacht,
            "log sweep, case {geval_nr}: {occ:?} {cap:?} {van:?} {tot:?}"
        );

        // The bitemporal log at K = 10: the same changes recorded before K, among
        // changes recorded after it (on other days and on the same ones), which
        // count for nothing.
        let mut known: Vec<KnownChange> = Vec::new();
        for (n, &(d, b)) in occ.iter().enumerate() {
            known.push((d, b, 10 - (n as u32 % 3)));
            known.push((d + (n as i32 % 4) - 1, 1 - 2 * (n as i32 % 2), 11));
        }
        known.sort_by_key(|w| (w.0, w.2));
        let mut uit = vec![0i64; van.len()];
        count_overbezet(Wijzigingen::new(&known, &cap, 10), &van, &tot, &mut uit);
        assert_eq!(
            uit, verwacht,
            "bitemporal log sweep, case {geval_nr}: {known:?} {cap:?} {van:?} {tot:?}"
        );

        // Per period: the changes up to its end not yet applied, those before its first
        // day moved onto that day, in day order.
        let mut alle: Vec<(i32, i32, i32)> = occ.iter().map(|&(d, b)| (d, b, 0)).collect();
        alle.extend(cap.iter().map(|&(_, d, c)| (d, 0, c)));
        alle.sort_by_key(|w| w.0);
        let (mut b, mut c, mut k) = (0i64, 0i64, 0);
        let per_periode: Vec<i64> = van
            .iter()
            .zip(&tot)
            .map(|(&v, &t)| {
                let mut w = Vec::new();
                while k < alle.len() && alle[k].0 < t {
                    w.push((alle[k].0.max(v), alle[k].1, alle[k].2));
                    k += 1;
                }
                if w.is_empty() && b <= 0 {
                    return 0;
                }
                i64::from(overbezet_in(
                    &mut Lijst { w: &w, k: 0 },
                    v,
                    i32::MAX,
                    &mut b,
                    &mut c,
                ))
            })
            .collect();
        assert_eq!(per_periode, verwacht, "per-period sweep, case {geval_nr}");
    }
    assert!(
        overbezet > 100,
        "the cases must exercise overbezetting: {overbezet}"
    );
}

use super::*;

fn kt(m: i64) -> KnowledgeTime {
    KnowledgeTime::from_micros(m)
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct F(i32, i32);

impl ValidTime for F {
    type Sum = ();
    type Column = ();
    fn begin(&self) -> i32 {
        self.0
    }
    fn eind(&self) -> i32 {
        self.1
    }
}

fn st(m: i64) -> Stamp {
    Stamp {
        known_at: kt(m),
        position: u32::try_from(m).unwrap_or(0),
    }
}

/// Segments: every index lands where it was pushed, across segment boundaries, and
/// `retain` keeps the order.
#[test]
fn segmenten_keep_every_element_in_place() {
    let mut s: Segments<u32> = Segments::default();
    for i in 0..5000u32 {
        assert_eq!(s.push(i * 3), i as usize);
    }
    assert_eq!(s.len(), 5000);
    assert_eq!(s.segments.len(), 9, "16 + 32 + … + 4096 ≥ 5000");
    for i in [0usize, 15, 16, 47, 48, 111, 112, 4079, 4080, 4999] {
        assert_eq!(s.get(i).copied(), Some(i as u32 * 3), "index {i}");
    }
    assert_eq!(s.get(5000), None);
    if let Some(v) = s.get_mut(48) {
        *v = 7;
    }
    assert_eq!(s.get(48).copied(), Some(7));
    assert!(
        s.iter()
            .copied()
            .eq((0..5000u32).map(|i| if i == 48 { 7 } else { i * 3 }))
    );
    s.retain(|v| v % 2 == 0);
    let even: Vec<u32> = (0..5000u32)
        .map(|i| if i == 48 { 7 } else { i * 3 })
        .filter(|v| v % 2 == 0)
        .collect();
    assert_eq!(s.len(), even.len());
    assert!(s.iter().copied().eq(even.iter().copied()));
    assert_eq!(s.get(even.len() - 1).copied(), even.last().copied());
}

/// Closing most versions of a bucket compacts it; handles of the survivors keep
/// pointing at the right facts and every knowledge time sees what it saw before.
#[test]
fn compaction_keeps_handles_and_history() {
    let mut t: VersionTable<F> = VersionTable::default();
    let dag = crate::periode::dag(chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default());
    let refs: Vec<FactRef> = (0..200)
        .map(|i| t.open(F(dag + i, crate::periode::OPEN), st(1)))
        .collect();
    for (i, r) in refs.iter().enumerate() {
        if i % 4 != 0 {
            t.close(*r, st(2));
        }
    }
    for (i, r) in refs.iter().enumerate() {
        let gezien = t.get(*r).copied();
        if i % 4 == 0 {
            assert_eq!(gezien, Some(F(dag + i as i32, crate::periode::OPEN)));
        } else {
            assert_eq!(gezien, None);
        }
    }
    assert_eq!(t.visible(kt(1), dag, dag + 300).count(), 200);
    assert_eq!(t.visible(kt(2), dag, dag + 300).count(), 50);
    assert_eq!(t.visible(KnowledgeTime::LATEST, dag, dag + 300).count(), 50);
    assert_eq!(t.alle().count(), 200);
    // Freed slots are reused by new versions without disturbing the survivors.
    let nieuw = t.open(F(dag, dag + 1), st(3));
    assert_eq!(t.get(nieuw).copied(), Some(F(dag, dag + 1)));
    assert_eq!(
        t.get(refs[4]).copied(),
        Some(F(dag + 4, crate::periode::OPEN))
    );
}

/// A fact with bucket sums (number, Σ begin) and a column (begin + 1; 0 = dead).
#[derive(Debug, Clone, Copy, PartialEq)]
struct G(i32, i32);

impl ValidTime for G {
    const COLUMN: bool = true;
    type Sum = (i64, i64);
    type Column = i64;
    fn begin(&self) -> i32 {
        self.0
    }
    fn eind(&self) -> i32 {
        self.1
    }
    fn add_to_sum(&self, som: &mut (i64, i64), teken: i64, van: i32, tot: i32) {
        assert!(van <= self.0 && tot <= self.1, "{van} {tot} {self:?}");
        som.0 += teken;
        som.1 += teken * i64::from(self.0);
    }
    fn column(&self) -> i64 {
        i64::from(self.0) + 1
    }
}

/// The sums and the column of a whole bucket stay those of its live versions through
/// opens, closes, compaction and reuse of slots.
#[test]
fn bucket_sums_and_column_follow_the_live_versions() {
    let mut t: VersionTable<G> = VersionTable::default();
    let dag = crate::periode::dag(chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap_or_default());
    let mut refs: Vec<FactRef> = (0..300)
        .map(|i| t.open(G(dag + i % 80, dag + 100 + i % 7), st(1)))
        .collect();
    for (i, r) in refs.iter().enumerate() {
        if i % 5 != 0 {
            t.close(*r, st(2));
        }
    }
    refs.retain(|r| t.get(*r).is_some());
    for i in 0..40 {
        refs.push(t.open(G(dag + i, crate::periode::OPEN), st(3)));
    }
    t.close(refs[3], st(4));
    let mut single = 0;
    t.per_whole(kt(5), dag, dag + 200, |g| {
        single += usize::from(matches!(g, Part::Single(_)));
    });
    assert_eq!(
        single, 99,
        "until the columns are brought up to date, versions one by one"
    );
    t.update_columns();
    let mut hele = 0;
    let mut gezien = 0;
    t.per_whole(kt(5), dag, dag + 200, |g| {
        let Part::Whole(e) = g else {
            panic!("every bucket is whole at K = 5");
        };
        hele += 1;
        let live_count: Vec<G> = e.live().copied().collect();
        gezien += live_count.len();
        assert_eq!(e.live_count(), live_count.len() as i64);
        assert_eq!(
            e.sum,
            (
                live_count.len() as i64,
                live_count.iter().map(|g| i64::from(g.0)).sum::<i64>()
            )
        );
        let kolom: Vec<i64> = e.column.iter().copied().filter(|&k| k != 0).collect();
        let verwacht: Vec<i64> = live_count.iter().map(G::column).collect();
        assert_eq!(kolom, verwacht);
        assert_eq!(e.column.len(), e.versions.len(), "one entry per slot");
        assert_eq!(e.begin_quarter_day, dag);
    });
    assert_eq!(hele, 2, "one bucket with closed ends, one with open ones");
    // A column-first scan yields what `visible` does, less the versions whose
    // entry fails, at every K (whole buckets or not).
    for k in [0, 1, 2, 3, 4, 5] {
        let mut verwacht: Vec<(i32, i32)> = t
            .visible(kt(k), dag, dag + 200)
            .filter(|g| g.0 % 3 != 0)
            .map(|g| (g.0, g.1))
            .collect();
        let mut gekregen = Vec::new();
        t.visible_where(
            kt(k),
            dag,
            dag + 200,
            |&x| (x - 1) % 3 != 0,
            |g| {
                if g.0 % 3 != 0 {
                    gekregen.push((g.0, g.1));
                }
            },
        );
        verwacht.sort_unstable();
        gekregen.sort_unstable();
        assert_eq!(gekregen, verwacht, "K = {k}");
        assert_eq!(gekregen.is_empty(), k == 0, "K = {k}");
    }
    assert_eq!(gezien, 60 + 40 - 1);
    assert_eq!(t.visible(kt(5), dag, dag + 200).count(), gezien);

    // Closes of versions whose entries exist, and new versions, after the columns
    // were built: brought up to date again, they match the live versions.
    let live_count: Vec<FactRef> = refs
        .iter()
        .copied()
        .filter(|r| t.get(*r).is_some())
        .collect();
    for r in live_count.iter().step_by(4) {
        t.close(*r, st(6));
    }
    for i in 0..7 {
        t.open(G(dag + 3 * i, dag + 101), st(6));
    }
    t.update_columns();
    let mut gezien = 0;
    t.per_whole(kt(6), dag, dag + 200, |g| {
        let Part::Whole(e) = g else {
            panic!("every bucket is whole at K = 6");
        };
        let live_count: Vec<i64> = e.live().map(G::column).collect();
        gezien += live_count.len();
        let kolom: Vec<i64> = e.column.iter().copied().filter(|&k| k != 0).collect();
        assert_eq!(kolom, live_count);
        assert_eq!(e.column.len(), e.versions.len());
    });
    assert_eq!(gezien, t.visible(kt(6), dag, dag + 200).count());
    assert_eq!(gezien, 99 - 25 + 7);
}

/// `per_bucket` stands for exactly the versions `visible` yields, as far as the
/// quarters of their days go: a bucket comes whole only when all its live versions
/// are visible and none ends before it begins.
#[test]
fn per_bucket_counts_what_visible_yields() {
    let mut t: VersionTable<F> = VersionTable::default();
    let dag = crate::periode::dag(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default());
    let mut refs = Vec::new();
    for i in 0..120 {
        let begin = dag + (i % 7) * 40;
        let eind = match i % 5 {
            0 => crate::periode::OPEN,
            // Ends before it begins, in an earlier quarter.
            1 if i % 3 == 0 => begin - 100,
            _ => begin + 10 + (i % 4) * 60,
        };
        refs.push(t.open(F(begin, eind), st(i64::from(i / 10) + 1)));
    }
    for (i, r) in refs.iter().enumerate() {
        if i % 9 == 0 {
            t.close(*r, st(20));
        }
    }
    let sleutel = |f: &F| (quarter(f.0), quarter(f.1), f.1 >= f.0);
    for k in [0, 3, 7, 12, 19, 20, 25] {
        let mut verwacht: Vec<_> = t
            .visible(kt(k), dag - 500, dag + 900)
            .map(sleutel)
            .collect();
        let mut gekregen = Vec::new();
        let mut hele = 0;
        t.per_bucket(kt(k), dag - 500, dag + 900, |f, stuk| match stuk {
            Piece::Bucket(n) => {
                hele += 1;
                for _ in 0..n {
                    gekregen.push(sleutel(f));
                }
            }
            Piece::Single => gekregen.push(sleutel(f)),
        });
        let mut single = Vec::new();
        t.per_whole(kt(k), dag - 500, dag + 900, |g| match g {
            Part::Whole(e) => single.extend(e.live().map(sleutel)),
            Part::Single(f) => single.push(sleutel(f)),
        });
        single.sort_unstable();
        verwacht.sort_unstable();
        gekregen.sort_unstable();
        assert_eq!(gekregen, verwacht, "K = {k}");
        assert_eq!(
            single, verwacht,
            "K = {k}: every version once, also inside buckets"
        );
        if k >= 19 {
            assert!(hele > 0, "K = {k}: some buckets come whole");
        }
    }
}

//! Measures a generated history against [`crate::CALIBRATION`], directly from the facts
//! (valid time, corrections applied, retractions removed: "as known now").
//!
//! This is deliberately independent of the projections: it is the generator's own check.
//! It keeps every youth fact in memory, so use it on `scale` ≤ 1 JeugdzorgPlus histories.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use kringloop_events::{Gebeurtenis, Regime, Urgentie, Verblijfplaats, Vorm};
use uuid::Uuid;

use crate::DemoEvent;
use crate::calibration::{Dag, Measure};
use crate::date::ymd;

#[derive(Debug, Clone)]
struct Voorziening {
    regime: Regime,
    vorm: Vorm,
    landsdeel: String,
    /// Capacity deltas by date; a closure is recorded as `None` (capacity 0 from then).
    wijzigingen: Vec<(NaiveDate, Option<i64>)>,
}

#[derive(Debug, Clone)]
struct Segment {
    vz: String,
    start: NaiveDate,
    eind: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
struct Episode {
    start: NaiveDate,
    eind: Option<NaiveDate>,
    gesloten: bool,
    bestemming: Option<Verblijfplaats>,
}

/// A placement request as measured.
#[derive(Debug, Clone)]
struct VerzoekMeting {
    jeugdige: usize,
    datum: NaiveDate,
    spoed: bool,
    nodig: (Vorm, Regime),
    landsdeel: String,
    aanbieders: HashSet<String>,
    /// Closure date and, when fulfilled, the (form, regime) of the place.
    sluiting: Option<(NaiveDate, Option<(Vorm, Regime)>)>,
}

/// History of a youth at a closed episode start (plaatsingenNaarVoorgeschiedenis).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voorgeschiedenis {
    Nieuw,
    Hernieuwd,
    NaOnttrekking,
}

/// Figures measured on a history.
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    regio_landsdeel: HashMap<String, String>,
    verzoeken: Vec<VerzoekMeting>,
    /// Closed episode starts by the youth's history.
    voorgeschiedenis: Vec<(NaiveDate, Voorgeschiedenis)>,
    /// Absences without leave: (start, return).
    onttrekkingen: Vec<(NaiveDate, Option<NaiveDate>)>,
    voorzieningen: HashMap<String, Voorziening>,
    segmenten: Vec<Segment>,
    episodes: Vec<Episode>,
    /// Placements starting in closed facilities: (date, spoed).
    gesloten_starts: Vec<(NaiveDate, bool)>,
    /// Doorplaatsingen: (date, from closed, into closed).
    doorplaatsingen: Vec<(NaiveDate, bool, bool)>,
}

/// Folds a history into a [`Measurement`].
pub fn measure<'a>(events: impl IntoIterator<Item = &'a DemoEvent>) -> Measurement {
    let mut regio_landsdeel: HashMap<String, String> = HashMap::new();
    let mut gemeente_regio: HashMap<String, String> = HashMap::new();
    let mut m = Measurement::default();
    // Youth placement facts by id, in recorded order, with their stream.
    let mut feiten: Vec<(Uuid, usize, Option<Gebeurtenis>)> = Vec::new();
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    let mut streams: HashMap<String, usize> = HashMap::new();

    for e in events {
        match &e.fact {
            Gebeurtenis::JeugdregioGeregistreerd(r) => {
                regio_landsdeel.insert(r.code.clone(), r.landsdeel.clone());
            }
            Gebeurtenis::GemeenteGeregistreerd(g) => {
                gemeente_regio.insert(g.code.clone(), g.jeugdregio.clone());
            }
            Gebeurtenis::VoorzieningGeregistreerd(v) => {
                let landsdeel = gemeente_regio
                    .get(&v.gemeente)
                    .and_then(|r| regio_landsdeel.get(r))
                    .cloned()
                    .unwrap_or_default();
                m.voorzieningen.insert(
                    v.id.clone(),
                    Voorziening {
                        regime: v.regime,
                        vorm: v.vorm,
                        landsdeel,
                        wijzigingen: Vec::new(),
                    },
                );
            }
            Gebeurtenis::PlaatsenGeopend(p) => {
                m.wijzig(&p.voorziening, p.datum, Some(i64::from(p.aantal)))
            }
            Gebeurtenis::PlaatsenGesloten(p) => {
                m.wijzig(&p.voorziening, p.datum, Some(-i64::from(p.aantal)))
            }
            Gebeurtenis::PlaatsenOmgebouwd(p) => {
                m.wijzig(&p.van, p.datum, Some(-i64::from(p.aantal_uit)));
                m.wijzig(&p.naar, p.datum, Some(i64::from(p.aantal_in)));
            }
            Gebeurtenis::VoorzieningGesloten(p) => m.wijzig(&p.voorziening, p.datum, None),
            Gebeurtenis::PlaatsingGestart(_)
            | Gebeurtenis::Doorgeplaatst(_)
            | Gebeurtenis::PlaatsingBeeindigd(_)
            | Gebeurtenis::PlaatsingsverzoekIngediend(_)
            | Gebeurtenis::JeugdigeAangemeld(_)
            | Gebeurtenis::AanmeldingGeweigerd(_)
            | Gebeurtenis::PlaatsAangeboden(_)
            | Gebeurtenis::PlaatsingsverzoekIngetrokken(_)
            | Gebeurtenis::JeugdigeOnttrokken(_)
            | Gebeurtenis::JeugdigeTeruggekeerd(_) => {
                let n = streams.len();
                let s = *streams.entry(e.stream.clone()).or_insert(n);
                index.insert(e.event_id, feiten.len());
                feiten.push((e.event_id, s, Some(e.fact.clone())));
            }
            Gebeurtenis::FeitGecorrigeerd(c) => {
                if let Some(i) = index.get(&c.vervangt) {
                    feiten[*i].2 = Some((*c.nieuw).clone());
                }
            }
            Gebeurtenis::FeitIngetrokken(x) => {
                if let Some(i) = index.get(&x.event_id) {
                    feiten[*i].2 = None;
                }
            }
            _ => {}
        }
    }

    m.regio_landsdeel = regio_landsdeel;
    // Per youth, in valid time: end < start < the rest on the same date, a return last.
    let mut per_stream: Vec<Vec<Gebeurtenis>> = vec![Vec::new(); streams.len()];
    for (_, s, f) in feiten {
        if let Some(f) = f {
            per_stream[s].push(f);
        }
    }
    for (jeugdige, mut lijst) in per_stream.into_iter().enumerate() {
        lijst.sort_by_key(|f| {
            let rang = match f {
                Gebeurtenis::PlaatsingsverzoekIngediend(_) => 0,
                Gebeurtenis::PlaatsingBeeindigd(_) => 1,
                Gebeurtenis::PlaatsingGestart(_) => 2,
                Gebeurtenis::JeugdigeTeruggekeerd(_) => 4,
                _ => 3,
            };
            (f.valid_date(), rang)
        });
        m.vouw_jeugdige(jeugdige, &lijst);
    }
    m
}

impl Measurement {
    fn wijzig(&mut self, vz: &str, d: NaiveDate, delta: Option<i64>) {
        if let Some(v) = self.voorzieningen.get_mut(vz) {
            v.wijzigingen.push((d, delta));
        }
    }

    fn gesloten(&self, vz: &str) -> bool {
        self.voorzieningen
            .get(vz)
            .is_some_and(|v| v.regime == Regime::Gesloten)
    }

    fn vorm_regime(&self, vz: &str) -> Option<(Vorm, Regime)> {
        self.voorzieningen.get(vz).map(|v| (v.vorm, v.regime))
    }

    fn sluit_verzoek(
        &mut self,
        verzoeken: &HashMap<String, usize>,
        id: Option<&String>,
        datum: NaiveDate,
        plek: Option<(Vorm, Regime)>,
    ) {
        if let Some(i) = id.and_then(|id| verzoeken.get(id))
            && self.verzoeken[*i].sluiting.is_none()
        {
            self.verzoeken[*i].sluiting = Some((datum, plek));
        }
    }

    fn vouw_jeugdige(&mut self, jeugdige: usize, lijst: &[Gebeurtenis]) {
        let mut lopend: Option<(usize, usize)> = None; // (segment, episode)
        let mut verzoeken: HashMap<String, usize> = HashMap::new();
        // Open absence; whether the latest closed episode ended while away (None: none).
        let mut afwezig: Option<usize> = None;
        let mut vorige_gesloten: Option<bool> = None;
        for f in lijst {
            match f {
                Gebeurtenis::PlaatsingsverzoekIngediend(v) => {
                    let landsdeel = self
                        .regio_landsdeel
                        .get(&v.jeugdregio)
                        .cloned()
                        .unwrap_or_default();
                    verzoeken.insert(v.verzoek.clone(), self.verzoeken.len());
                    self.verzoeken.push(VerzoekMeting {
                        jeugdige,
                        datum: v.datum,
                        spoed: v.urgentie == Urgentie::Spoed,
                        nodig: (v.vorm, v.regime),
                        landsdeel,
                        aanbieders: HashSet::new(),
                        sluiting: None,
                    });
                }
                Gebeurtenis::JeugdigeAangemeld(a) => {
                    if let Some(i) = verzoeken.get(&a.verzoek) {
                        self.verzoeken[*i].aanbieders.insert(a.aanbieder.clone());
                    }
                }
                Gebeurtenis::PlaatsingsverzoekIngetrokken(x) => {
                    self.sluit_verzoek(&verzoeken, Some(&x.verzoek), x.datum, None);
                }
                Gebeurtenis::JeugdigeOnttrokken(o) if afwezig.is_none() => {
                    afwezig = Some(self.onttrekkingen.len());
                    self.onttrekkingen.push((o.datum, None));
                }
                Gebeurtenis::JeugdigeTeruggekeerd(t) => {
                    if let Some(i) = afwezig.take() {
                        self.onttrekkingen[i].1 = Some(t.datum);
                    }
                }
                Gebeurtenis::PlaatsingGestart(p) => {
                    let plek = self.vorm_regime(&p.voorziening);
                    self.sluit_verzoek(&verzoeken, p.verzoek.as_ref(), p.datum, plek);
                    let gesloten = self.gesloten(&p.voorziening);
                    if gesloten {
                        self.gesloten_starts.push((p.datum, p.spoed));
                        let v = match vorige_gesloten {
                            None => Voorgeschiedenis::Nieuw,
                            Some(false) => Voorgeschiedenis::Hernieuwd,
                            Some(true) => Voorgeschiedenis::NaOnttrekking,
                        };
                        self.voorgeschiedenis.push((p.datum, v));
                    }
                    self.segmenten.push(Segment {
                        vz: p.voorziening.clone(),
                        start: p.datum,
                        eind: None,
                    });
                    self.episodes.push(Episode {
                        start: p.datum,
                        eind: None,
                        gesloten,
                        bestemming: None,
                    });
                    lopend = Some((self.segmenten.len() - 1, self.episodes.len() - 1));
                }
                Gebeurtenis::Doorgeplaatst(d) => {
                    let plek = self.vorm_regime(&d.naar);
                    self.sluit_verzoek(&verzoeken, d.verzoek.as_ref(), d.datum, plek);
                    let van = self.gesloten(&d.van);
                    let naar = self.gesloten(&d.naar);
                    self.doorplaatsingen.push((d.datum, van, naar));
                    if let Some((s, e)) = lopend {
                        self.segmenten[s].eind = Some(d.datum);
                        self.segmenten.push(Segment {
                            vz: d.naar.clone(),
                            start: d.datum,
                            eind: None,
                        });
                        lopend = Some((self.segmenten.len() - 1, e));
                    }
                }
                Gebeurtenis::PlaatsingBeeindigd(b) => {
                    if let Some((s, e)) = lopend.take() {
                        self.segmenten[s].eind = Some(b.datum);
                        self.episodes[e].eind = Some(b.datum);
                        self.episodes[e].bestemming = Some(b.bestemming);
                        if self.episodes[e].gesloten {
                            vorige_gesloten = Some(afwezig.is_some());
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn capaciteit(v: &Voorziening, d: NaiveDate) -> i64 {
        let mut cap = 0;
        for (datum, delta) in &v.wijzigingen {
            if *datum <= d {
                match delta {
                    Some(x) => cap += x,
                    None => return 0,
                }
            }
        }
        cap.max(0)
    }

    /// Closed places on `d` (optionally in one landsdeel).
    pub fn gesloten_plaatsen(&self, d: NaiveDate, landsdeel: Option<&str>) -> i64 {
        self.voorzieningen
            .values()
            .filter(|v| v.regime == Regime::Gesloten && landsdeel.is_none_or(|l| v.landsdeel == l))
            .map(|v| Self::capaciteit(v, d))
            .sum()
    }

    /// Closed places on `d` in facilities of one form.
    pub fn gesloten_plaatsen_vorm(&self, d: NaiveDate, vorm: Vorm) -> i64 {
        self.voorzieningen
            .values()
            .filter(|v| v.regime == Regime::Gesloten && v.vorm == vorm)
            .map(|v| Self::capaciteit(v, d))
            .sum()
    }

    /// Balans in a landsdeel over [van, tot): closed places removed (closed + converted out
    /// of GESLOTEN facilities) and places of alternatives added (opened or converted into
    /// non-GESLOTEN facilities), per KPIS.md `balans`.
    pub fn balans(&self, landsdeel: &str, van: NaiveDate, tot: NaiveDate) -> (i64, i64) {
        let (mut afbouw, mut opbouw) = (0, 0);
        for v in self
            .voorzieningen
            .values()
            .filter(|v| v.landsdeel == landsdeel)
        {
            let mut cap = 0i64;
            let mut wijzigingen = v.wijzigingen.clone();
            wijzigingen.sort_by_key(|w| w.0);
            for (d, delta) in wijzigingen {
                let verschil = match delta {
                    Some(x) => x,
                    None => -cap,
                };
                cap += verschil;
                if d < van || d >= tot {
                    continue;
                }
                if v.regime == Regime::Gesloten && verschil < 0 {
                    afbouw -= verschil;
                } else if v.regime != Regime::Gesloten && verschil > 0 {
                    opbouw += verschil;
                }
            }
        }
        (afbouw, opbouw)
    }

    /// Places and youths placed on `d` per form and regime.
    pub fn per_vorm(&self, d: NaiveDate) -> std::collections::BTreeMap<(Vorm, Regime), (i64, i64)> {
        let mut uit: std::collections::BTreeMap<(Vorm, Regime), (i64, i64)> = Default::default();
        for v in self.voorzieningen.values() {
            uit.entry((v.vorm, v.regime)).or_default().0 += Self::capaciteit(v, d);
        }
        for s in self
            .segmenten
            .iter()
            .filter(|s| s.start <= d && s.eind.is_none_or(|e| d < e))
        {
            if let Some(v) = self.voorzieningen.get(&s.vz) {
                uit.entry((v.vorm, v.regime)).or_default().1 += 1;
            }
        }
        uit
    }

    /// Youths in closed facilities on `d`.
    pub fn gesloten_bezetting(&self, d: NaiveDate) -> i64 {
        self.segmenten
            .iter()
            .filter(|s| s.start <= d && s.eind.is_none_or(|e| d < e) && self.gesloten(&s.vz))
            .count() as i64
    }

    /// Closed placements incl. doorplaatsingen into closed facilities in `jaar`.
    pub fn gesloten_plaatsingen_incl(&self, jaar: i32) -> i64 {
        let starts = self
            .gesloten_starts
            .iter()
            .filter(|s| s.0.year() == jaar)
            .count();
        let door = self
            .doorplaatsingen
            .iter()
            .filter(|d| d.0.year() == jaar && d.2)
            .count();
        (starts + door) as i64
    }

    fn beeindigde_gesloten(&self, van: i32, tot: i32) -> impl Iterator<Item = &Episode> {
        self.episodes
            .iter()
            .filter(move |e| e.gesloten && e.eind.is_some_and(|d| (van..=tot).contains(&d.year())))
    }

    /// The measured value of one calibration measure (`None` when there is nothing to
    /// measure, e.g. a share of zero episodes).
    pub fn value(&self, measure: Measure) -> Option<f64> {
        let dag = |d: Dag| ymd(d.0, d.1, d.2);
        match measure {
            Measure::GeslotenPlaatsen(d) => Some(self.gesloten_plaatsen(dag(d), None) as f64),
            Measure::GeslotenPlaatsenZuidWest(d) => {
                Some(self.gesloten_plaatsen(dag(d), Some("ZUID_WEST")) as f64)
            }
            Measure::GeslotenPlaatsingenIncl(j) => Some(self.gesloten_plaatsingen_incl(j) as f64),
            Measure::Spoedaandeel(van, tot) => {
                let s: Vec<bool> = self
                    .gesloten_starts
                    .iter()
                    .filter(|s| (van..=tot).contains(&s.0.year()))
                    .map(|s| s.1)
                    .collect();
                aandeel(s.iter().filter(|x| **x).count(), s.len())
            }
            Measure::GemiddeldeVerblijfsduur(van, tot) => {
                let duur: Vec<i64> = self
                    .beeindigde_gesloten(van, tot)
                    .filter_map(duur)
                    .collect();
                if duur.is_empty() {
                    return None;
                }
                Some(duur.iter().sum::<i64>() as f64 / duur.len() as f64 / 30.44)
            }
            Measure::AandeelKorterDanMaand(van, tot) => {
                let duur: Vec<i64> = self
                    .beeindigde_gesloten(van, tot)
                    .filter_map(duur)
                    .collect();
                aandeel(duur.iter().filter(|d| **d < 31).count(), duur.len())
            }
            Measure::AandeelLangerDanJaar(van, tot) => {
                let duur: Vec<i64> = self
                    .beeindigde_gesloten(van, tot)
                    .filter_map(duur)
                    .collect();
                aandeel(duur.iter().filter(|d| **d > 365).count(), duur.len())
            }
            Measure::Doorplaatsingsratio(van, tot) => {
                let door = self
                    .doorplaatsingen
                    .iter()
                    .filter(|d| (van..=tot).contains(&d.0.year()) && d.1)
                    .count();
                let incl: i64 = (van..=tot).map(|j| self.gesloten_plaatsingen_incl(j)).sum();
                aandeel(door, incl as usize)
            }
            Measure::Bezettingsgraad(d) => {
                let plaatsen = self.gesloten_plaatsen(dag(d), None);
                if plaatsen == 0 {
                    return None;
                }
                Some(self.gesloten_bezetting(dag(d)) as f64 / plaatsen as f64)
            }
            Measure::WachtendenGeslotenZuidWest(d) => {
                let d = dag(d);
                let dagen = (-182..=182).map(|i| d + chrono::Duration::days(i));
                let som: usize = dagen
                    .map(|x| self.wachtenden(x, Some("ZUID_WEST"), Some(Regime::Gesloten)))
                    .sum();
                Some(som as f64 / 365.0)
            }
            Measure::SpoedBinnenWeek(van, tot) => {
                let w: Vec<i64> = self
                    .vervuld(van, tot)
                    .filter(|v| v.spoed)
                    .filter_map(wachttijd)
                    .collect();
                aandeel(w.iter().filter(|d| **d <= 7).count(), w.len())
            }
            Measure::NietPassend(van, tot) => {
                let v: Vec<&VerzoekMeting> = self.vervuld(van, tot).collect();
                let niet = v
                    .iter()
                    .filter(|v| v.sluiting.and_then(|s| s.1) != Some(v.nodig))
                    .count();
                aandeel(niet, v.len())
            }
            Measure::AanmeldingenPerVerzoek(van, tot) => {
                let n: Vec<usize> = self
                    .verzoeken
                    .iter()
                    .filter(|v| {
                        v.sluiting
                            .is_some_and(|s| (van..=tot).contains(&s.0.year()))
                    })
                    .map(|v| v.aanbieders.len())
                    .collect();
                (!n.is_empty()).then(|| n.iter().sum::<usize>() as f64 / n.len() as f64)
            }
            Measure::NaOnttrekking(van, tot) => {
                self.voorgeschiedenis_aandeel(van, tot, Voorgeschiedenis::NaOnttrekking)
            }
            Measure::Nieuw(van, tot) => {
                self.voorgeschiedenis_aandeel(van, tot, Voorgeschiedenis::Nieuw)
            }
            Measure::UitstroomThuisNetwerk(van, tot) => {
                use Verblijfplaats::*;
                self.uitstroom(van, tot, &[Thuis, Netwerk])
            }
            Measure::UitstroomResidentieel(van, tot) => {
                use Verblijfplaats::*;
                self.uitstroom(
                    van,
                    tot,
                    &[OpenResidentieel, Kleinschalig, Gezinshuis, Pleegzorg],
                )
            }
        }
    }

    /// Unique youths with a request open on `d` (datum ≤ d < closure), optionally only
    /// those of one landsdeel (by the responsible region) or needing one regime.
    pub fn wachtenden(
        &self,
        d: NaiveDate,
        landsdeel: Option<&str>,
        regime: Option<Regime>,
    ) -> usize {
        self.verzoeken
            .iter()
            .filter(|v| v.datum <= d && v.sluiting.is_none_or(|s| d < s.0))
            .filter(|v| landsdeel.is_none_or(|l| v.landsdeel == l))
            .filter(|v| regime.is_none_or(|r| v.nodig.1 == r))
            .map(|v| v.jeugdige)
            .collect::<HashSet<usize>>()
            .len()
    }

    /// Requests: (made, fulfilled, withdrawn, still open at the end).
    pub fn verzoeken(&self) -> (usize, usize, usize, usize) {
        let vervuld = self
            .verzoeken
            .iter()
            .filter(|v| v.sluiting.is_some_and(|s| s.1.is_some()))
            .count();
        let open = self
            .verzoeken
            .iter()
            .filter(|v| v.sluiting.is_none())
            .count();
        let n = self.verzoeken.len();
        (n, vervuld, n - vervuld - open, open)
    }

    /// Absences without leave: (count, ended, mean length in days of the ended ones).
    pub fn onttrekkingen(&self) -> (usize, usize, f64) {
        let duur: Vec<i64> = self
            .onttrekkingen
            .iter()
            .filter_map(|(a, b)| b.map(|b| (b - *a).num_days()))
            .collect();
        let gem = duur.iter().sum::<i64>() as f64 / duur.len().max(1) as f64;
        (self.onttrekkingen.len(), duur.len(), gem)
    }

    fn vervuld(&self, van: i32, tot: i32) -> impl Iterator<Item = &VerzoekMeting> {
        self.verzoeken.iter().filter(move |v| {
            v.sluiting
                .is_some_and(|s| s.1.is_some() && (van..=tot).contains(&s.0.year()))
        })
    }

    fn voorgeschiedenis_aandeel(&self, van: i32, tot: i32, soort: Voorgeschiedenis) -> Option<f64> {
        let v: Vec<Voorgeschiedenis> = self
            .voorgeschiedenis
            .iter()
            .filter(|s| (van..=tot).contains(&s.0.year()))
            .map(|s| s.1)
            .collect();
        aandeel(v.iter().filter(|x| **x == soort).count(), v.len())
    }

    fn uitstroom(&self, van: i32, tot: i32, doelen: &[Verblijfplaats]) -> Option<f64> {
        let bekend: Vec<Verblijfplaats> = self
            .beeindigde_gesloten(van, tot)
            .filter_map(|e| e.bestemming)
            .filter(|b| *b != Verblijfplaats::Onbekend)
            .collect();
        aandeel(
            bekend.iter().filter(|b| doelen.contains(b)).count(),
            bekend.len(),
        )
    }
}

fn wachttijd(v: &VerzoekMeting) -> Option<i64> {
    v.sluiting.map(|s| (s.0 - v.datum).num_days())
}

fn duur(e: &Episode) -> Option<i64> {
    e.eind.map(|d| (d - e.start).num_days())
}

fn aandeel(teller: usize, noemer: usize) -> Option<f64> {
    (noemer > 0).then(|| teller as f64 / noemer as f64)
}

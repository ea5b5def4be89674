//! Restrictive measures (vrijheidsbeperkende maatregelen) in closed facilities, and the
//! money plan recorded with the opening balance.
//!
//! At the end of each simulated day, every youth in a closed facility has a small chance
//! of a measure that began the day before: separatie and afzondering about 1.5 per 1,000
//! bed-days, fixatie rare, the searches and restrictions less often; a quarter fewer in
//! small-scale units, and 4 % fewer each year (seeds/001 §2.5: "minder inzet van middelen
//! en maatregelen"). Only youths who have been there for over a week, whose planned end
//! is more than a week away, and who are not away without leave: a measure then lies
//! inside the placement as the log knows it, even when the start was first recorded a few
//! days late or the end will be (both up to 7 days off, corrected later; the rules refuse
//! a placement fact that would leave a recorded measure outside its placement). It is
//! recorded by the provider that evening (10 % one to three days later), after every
//! earlier fact of the youth, and every later fact of the youth is recorded after it.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use kringloop_events::{Gebeurtenis, MaatregelToegepast, Maatregelsoort, Regime, Vorm};

use super::*;
use crate::geld;

/// Per kind: measures per 1,000 bed-days in a closed group in 2019, and the duration
/// (mean hours, log-normal σ, minimum and maximum hours).
const SOORTEN: [(Maatregelsoort, f64, f64, f64, f64, f64); 11] = [
    (Maatregelsoort::Afzondering, 0.95, 3.0, 0.6, 0.25, 16.0),
    (Maatregelsoort::Separatie, 0.65, 4.0, 0.6, 0.5, 24.0),
    (Maatregelsoort::Fixatie, 0.05, 0.4, 0.5, 0.1, 2.0),
    (Maatregelsoort::Insluiting, 0.25, 9.0, 0.2, 4.0, 12.0),
    (
        Maatregelsoort::OnderzoekLichaamKleding,
        0.3,
        0.25,
        0.4,
        0.1,
        1.0,
    ),
    (
        Maatregelsoort::OnderzoekVerblijfsruimte,
        0.15,
        0.5,
        0.4,
        0.1,
        2.0,
    ),
    (Maatregelsoort::OnderzoekUrine, 0.2, 0.25, 0.3, 0.1, 1.0),
    (Maatregelsoort::Toezicht, 0.05, 48.0, 0.4, 12.0, 168.0),
    (
        Maatregelsoort::BeperkingBewegingsvrijheid,
        0.05,
        72.0,
        0.5,
        24.0,
        336.0,
    ),
    (
        Maatregelsoort::BeperkingBezoek,
        0.03,
        168.0,
        0.5,
        24.0,
        672.0,
    ),
    (
        Maatregelsoort::BeperkingCommunicatie,
        0.04,
        120.0,
        0.5,
        24.0,
        672.0,
    ),
];

/// Fixed phrases as toelichting (the field is sealed as personal; nothing personal here).
fn toelichting(soort: Maatregelsoort) -> &'static str {
    match soort {
        Maatregelsoort::Afzondering | Maatregelsoort::Separatie => {
            "acuut gevaar voor de jeugdige of de groep; conform behandelplan"
        }
        Maatregelsoort::Fixatie => "ernstig gevaar; kortdurend, onder toezicht gedragsdeskundige",
        Maatregelsoort::Insluiting => "nachtelijke insluiting op de eigen kamer",
        Maatregelsoort::OnderzoekLichaamKleding
        | Maatregelsoort::OnderzoekVerblijfsruimte
        | Maatregelsoort::OnderzoekUrine => "vermoeden van verboden middelen of voorwerpen",
        _ => "beperking in het belang van de behandeling",
    }
}

impl Simulation {
    /// The money plan: facts recorded before the history go into the opening balance
    /// (after the registry and the facilities, before the youths), the others wait for
    /// their recorded time.
    pub(super) fn geld_beginstand(&mut self) {
        let plan = geld::plan(&self.w, &self.cfg);
        let grens = day_start(self.w.t0);
        for f in plan.feiten {
            let t = match f.t {
                Some(t) if t >= grens + MICROS_PER_DAY => t,
                _ => self.clock(),
            };
            self.push(&f.stream, f.fact, t, f.door);
        }
    }

    /// The day's restrictive measures (see the module documentation).
    pub(super) fn maatregelen(&mut self, d: NaiveDate) {
        if self.silent || d <= self.w.t0 {
            return;
        }
        let gisteren = plus_days(d, -1);
        let trend = 0.96f64.powi((d.year() - 2019).max(0));
        let totaal: f64 = SOORTEN.iter().map(|s| s.1).sum::<f64>() / 1000.0;
        for i in 0..self.gesloten_vz.len() {
            let vz = self.gesloten_vz[i];
            let factor = if self.w.voorzieningen[vz].vorm == Vorm::Groep {
                1.0
            } else {
                0.75
            };
            let p = totaal * factor * trend;
            for j in 0..self.bewoners[vz].len() {
                let slot = self.bewoners[vz][j] as usize;
                if !self.m.chance(p) {
                    continue;
                }
                let y = &self.jeugd[slot];
                let Some(pl) = &y.plaatsing else {
                    continue;
                };
                if pl.vz != vz
                    || y.afwezig.is_some()
                    || !y.geregistreerd
                    || plus_days(pl.start, 8) > gisteren
                    || plus_days(gisteren, 9) > pl.eind
                {
                    continue;
                }
                self.maatregel(slot, vz, gisteren);
            }
        }
    }

    fn maatregel(&mut self, slot: usize, vz: usize, dag: NaiveDate) {
        let gewichten: Vec<(usize, f64)> =
            SOORTEN.iter().enumerate().map(|(i, s)| (i, s.1)).collect();
        let i = self.m.kies(&gewichten).unwrap_or(0);
        let (soort, _, uren, sigma, min, max) = SOORTEN[i];
        let begin_uur = if soort == Maatregelsoort::Insluiting {
            self.m.between(21, 23)
        } else {
            self.m.between(7, 22)
        };
        let begin_sec = begin_uur * 3600 + self.m.between(0, 3599);
        let duur_sec = (self.m.lognormaal(uren, sigma).clamp(min, max) * 3600.0).round() as i64;
        let begin = NaiveDateTime::new(
            dag,
            NaiveTime::from_num_seconds_from_midnight_opt(begin_sec as u32, 0)
                .unwrap_or(NaiveTime::MIN),
        );
        let eind = begin + chrono::Duration::seconds(duur_sec.max(60));
        self.maatregel_teller += 1;
        let f = MaatregelToegepast {
            maatregel: format!("VBM-{:06}", self.maatregel_teller),
            soort,
            voorziening: self.w.voorzieningen[vz].id.clone(),
            begin,
            eind,
            toelichting: toelichting(soort).to_owned(),
        };
        // Recorded that evening, now and then a few days later; always after the youth's
        // earlier facts, and every later fact of the youth after it.
        let vandaag = plus_days(dag, 1);
        let mut t = day_start(vandaag) + 17 * UUR + self.m.between(0, 3 * 3600) * MICROS_PER_SEC;
        if self.cfg.data_problems && self.m.chance(0.1) {
            t += self.m.between(1, 3) * MICROS_PER_DAY;
        }
        let y = &mut self.jeugd[slot];
        let t = t.max(y.laatst + MICROS_PER_SEC);
        y.laatst = t;
        let stream = y.stream.clone();
        self.push(&stream, Gebeurtenis::from(f), t, DOOR_AANBIEDER);
    }
}

/// The closed facilities, in index order.
pub(super) fn gesloten_voorzieningen(w: &World) -> Vec<usize> {
    (0..w.voorzieningen.len())
        .filter(|vz| w.voorzieningen[*vz].regime == Regime::Gesloten)
        .collect()
}

//! The need side of a youth's path: placement requests with their registrations,
//! refusals, offers and withdrawals, and absences without leave during placements.
//!
//! A request's facts up to its planned closure (registrations spread over the first weeks,
//! refusals, a planned withdrawal) are made on the day it is made and recorded on their own
//! dates; the offer and the placement that fulfils it come when a place is found. The
//! planned closure is never brought forward, so no fact made ahead can fall after it.

use super::*;

/// Chance that a closed episode has at least one absence without leave; each further
/// one comes with [`P_NOG_EEN_ONTTREKKING`].
const P_ONTTREKKING: f64 = 0.30;
const P_NOG_EEN_ONTTREKKING: f64 = 0.35;
/// Chance that a closed episode of three weeks or more ends while the youth is away.
const P_EINDE_TIJDENS_ONTTREKKING: f64 = 0.10;
/// Chance that a registered provider refuses (the others do not answer before the request
/// closes: the pollution of multi-registration).
const P_WEIGERING: f64 = 0.6;
const P_WEIGERING_OPEN: f64 = 0.35;

const WEIGERINGSREDENEN: [(Weigeringsreden, f64); 5] = [
    (Weigeringsreden::GeenPlek, 0.52),
    (Weigeringsreden::ZorgTeZwaar, 0.17),
    (Weigeringsreden::Groepssamenstelling, 0.15),
    (Weigeringsreden::ContraIndicatie, 0.09),
    (Weigeringsreden::Anders, 0.07),
];

const INTREKKINGSREDENEN: [(Intrekkingsreden, f64); 4] = [
    (Intrekkingsreden::NietMeerNodig, 0.35),
    (Intrekkingsreden::AndereOplossing, 0.38),
    (Intrekkingsreden::JeugdigeOnvindbaar, 0.17),
    (Intrekkingsreden::Anders, 0.10),
];

/// The free text of a refusal: fixed phrases, never anything person-identifying.
fn weigering_toelichting(reden: Weigeringsreden, keuze: usize) -> &'static str {
    let opties: &[&str] = match reden {
        Weigeringsreden::GeenPlek => &[
            "geen plek beschikbaar op de groep",
            "wachtlijst, geen plaats binnen de gevraagde termijn",
            "",
        ],
        Weigeringsreden::ZorgTeZwaar => &[
            "zorgvraag overstijgt wat de groep kan bieden",
            "intensiteit van begeleiding niet te leveren",
        ],
        Weigeringsreden::Groepssamenstelling => &[
            "huidige groepssamenstelling laat plaatsing niet toe",
            "leeftijd past niet bij de groep",
        ],
        Weigeringsreden::ContraIndicatie => &[
            "contra-indicatie in combinatie met de doelgroep",
            "behandelaanbod sluit niet aan",
        ],
        Weigeringsreden::Anders => &["besproken in het plaatsingsoverleg", ""],
    };
    opties[keuze % opties.len()]
}

fn intrekking_toelichting(reden: Intrekkingsreden) -> &'static str {
    match reden {
        Intrekkingsreden::NietMeerNodig => "situatie thuis voldoende gestabiliseerd",
        Intrekkingsreden::AndereOplossing => "ambulante hulp en netwerk ingezet",
        Intrekkingsreden::JeugdigeOnvindbaar => "verblijfplaats van de jeugdige onbekend",
        Intrekkingsreden::Anders => "verzoek vervangen na heroverweging",
    }
}

/// Whether a request goes into the log. The need side is registered where a region
/// coordinates placements, as the plaatsingscoördinatie of JeugdzorgPlus does: every
/// request for a new closed episode and for a doorplaatsing out of closed care (whatever
/// form it needs, so also the open alternatives). Open care is asked of providers directly
/// by the wijkteam; those requests shape the youth's waiting (the simulation still makes
/// them) but leave no fact, which keeps the need side a small part of the national history.
fn vastgelegd_in_het_log(soort: Aanvraag) -> bool {
    !matches!(soort, Aanvraag::Open(_))
}

impl Simulation {
    /// Recorded time of a need-side fact valid on `d`: office hours of that day (or today,
    /// if it lies before), after `na`.
    pub(super) fn need_time(&mut self, d: NaiveDate, na: i64) -> i64 {
        let basis = if d > self.dag { d } else { self.dag };
        let t = day_start(basis) + 9 * UUR + self.r.between(0, 8 * 3600) * MICROS_PER_SEC;
        t.max(na + MICROS_PER_SEC)
    }

    /// Up to `n` providers with facilities of these forms, the own landsdeel first, each
    /// with one of those facilities.
    fn kandidaten(&mut self, l: usize, vormen: &[(Vorm, Regime)], n: usize) -> Vec<(usize, usize)> {
        let mut uit: Vec<(usize, usize)> = Vec::with_capacity(n);
        let n_l = self.w.landsdelen.len();
        let start = self.r.index(n_l);
        let volgorde: Vec<usize> = std::iter::once(l)
            .chain((0..n_l).map(|i| (start + i) % n_l).filter(|x| *x != l))
            .collect();
        for ld in volgorde {
            for &(vorm, regime) in vormen {
                let seg = segment(ld, vorm, regime);
                let m = self.w.segmenten[seg].len();
                for _ in 0..m.min(6) {
                    let vz = self.w.segmenten[seg][self.r.index(m)];
                    let a = self.w.voorzieningen[vz].aanbieder;
                    if !uit.iter().any(|x| x.0 == a) {
                        uit.push((a, vz));
                        if uit.len() >= n {
                            return uit;
                        }
                    }
                }
            }
        }
        uit
    }

    fn aantal_aanmeldingen(&mut self, soort: Aanvraag, spoed: bool) -> usize {
        let tabel: &[(usize, f64)] = match soort {
            Aanvraag::Doorplaatsing => &[(1, 0.55), (2, 0.3), (3, 0.15)],
            Aanvraag::Open(i)
                if matches!(
                    OPEN_VORMEN[i].vorm,
                    Vorm::Pleegzorg | Vorm::Crisis | Vorm::Ambulant
                ) =>
            {
                &[(1, 0.9), (2, 0.1)]
            }
            // Open care is asked of fewer providers than a closed place.
            Aanvraag::Open(_) => &[(1, 0.8), (2, 0.2)],
            _ if spoed => &[(1, 0.4), (2, 0.3), (3, 0.15), (4, 0.1), (5, 0.05)],
            _ => &[
                (1, 0.12),
                (2, 0.2),
                (3, 0.22),
                (4, 0.16),
                (5, 0.1),
                (6, 0.08),
                (7, 0.05),
                (8, 0.03),
                (9, 0.02),
                (10, 0.02),
            ],
        };
        self.r.kies(tabel).unwrap_or(1)
    }

    fn verwijzer(&mut self, soort: Aanvraag) -> Verwijzer {
        use Verwijzer::*;
        let tabel: &[(Verwijzer, f64)] = match soort {
            Aanvraag::Gesloten => &[
                (GecertificeerdeInstelling, 0.72),
                (RaadRechter, 0.12),
                (GemeenteWijkteam, 0.08),
                (MedischSpecialist, 0.05),
                (Anders, 0.03),
            ],
            Aanvraag::Doorplaatsing => &[
                (GecertificeerdeInstelling, 0.7),
                (GemeenteWijkteam, 0.2),
                (Anders, 0.1),
            ],
            Aanvraag::Open(_) => &[
                (GemeenteWijkteam, 0.45),
                (GecertificeerdeInstelling, 0.35),
                (MedischSpecialist, 0.08),
                (RaadRechter, 0.04),
                (Anders, 0.08),
            ],
        };
        self.r.kies(tabel).unwrap_or(Anders)
    }

    /// Makes a request for the youth on `d` needing `vorm`/`regime`, with its registrations
    /// and refusals up to `sluiting` (the planned placement or withdrawal) and, when
    /// `intrekking` is given, its withdrawal on `sluiting`. Returns the request's token.
    // The arguments are the request's own fields.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn nieuw_verzoek(
        &mut self,
        slot: usize,
        d: NaiveDate,
        soort: Aanvraag,
        spoed: bool,
        (vorm, regime): (Vorm, Regime),
        overbrugging: bool,
        alternatieven: &[(Vorm, Regime)],
        sluiting: NaiveDate,
        intrekking: Option<Intrekkingsreden>,
    ) -> u64 {
        self.episode_teller += 1;
        let token = self.episode_teller;
        let l = self.jeugd[slot].landsdeel;
        let y = &mut self.jeugd[slot];
        y.v_teller += 1;
        let id = format!("PV-{}", y.v_teller);
        let jeugdregio = self.w.regios[self.w.gemeenten[y.gemeente].regio]
            .code
            .clone();
        let verwijzer = self.verwijzer(soort);
        let mut feiten: Vec<(NaiveDate, Gebeurtenis)> = vec![(
            d,
            PlaatsingsverzoekIngediend {
                verzoek: id.clone(),
                datum: d,
                verwijzer,
                urgentie: if spoed {
                    Urgentie::Spoed
                } else {
                    Urgentie::Regulier
                },
                vorm,
                regime,
                jeugdregio,
            }
            .into(),
        )];
        // A request of the warm-up that closes well before the first day is never
        // recorded: only its id and urgency matter (for the placement it leads to). Nor is
        // a request for open care (see `vastgelegd_in_het_log`).
        if (self.silent && plus_days(sluiting, 30) < self.w.t0) || !vastgelegd_in_het_log(soort) {
            self.jeugd[slot].verzoek = Some(Verzoek {
                token,
                id,
                soort,
                spoed,
                vorm,
                regime,
                overbrugging,
                aanmeldingen: Vec::new(),
                laatste: sluiting,
                laatst_t: 0,
                pogingen: 0,
                vastgelegd: false,
                opening: Vec::new(),
            });
            return token;
        }
        let k = self.aantal_aanmeldingen(soort, spoed);
        let mut vormen = Vec::with_capacity(alternatieven.len() + 1);
        vormen.push((vorm, regime));
        vormen.extend_from_slice(alternatieven);
        let kandidaten = self.kandidaten(l, &vormen, k);
        let span = (sluiting - d).num_days().max(0);
        let mut aanmeldingen = Vec::with_capacity(kandidaten.len());
        for (i, (a, vz)) in kandidaten.into_iter().enumerate() {
            // The first registrations go out at once, the rest over the first weeks.
            let dr = if i < 2 {
                d
            } else {
                plus_days(d, self.r.between(0, span.min(21)))
            };
            let voorziening = (!self.silent && self.open_op(vz, dr) && self.r.chance(0.4))
                .then(|| self.w.voorzieningen[vz].id.clone());
            feiten.push((
                dr,
                JeugdigeAangemeld {
                    verzoek: id.clone(),
                    aanbieder: self.w.aanbieders[a].id.clone(),
                    voorziening,
                    datum: dr,
                }
                .into(),
            ));
            aanmeldingen.push((a, dr));
            let p_weigering = match soort {
                Aanvraag::Open(_) => P_WEIGERING_OPEN,
                _ => P_WEIGERING,
            };
            if self.r.chance(p_weigering) {
                let rest = (sluiting - dr).num_days().clamp(0, 14);
                let dw = plus_days(dr, self.r.between(0, rest));
                let reden = self
                    .r
                    .kies(&WEIGERINGSREDENEN)
                    .unwrap_or(Weigeringsreden::GeenPlek);
                let keuze = self.r.index(3);
                feiten.push((
                    dw,
                    AanmeldingGeweigerd {
                        verzoek: id.clone(),
                        aanbieder: self.w.aanbieders[a].id.clone(),
                        datum: dw,
                        reden,
                        toelichting: weigering_toelichting(reden, keuze).to_owned(),
                    }
                    .into(),
                ));
            }
        }
        if let Some(reden) = intrekking {
            feiten.push((
                sluiting,
                PlaatsingsverzoekIngetrokken {
                    verzoek: id.clone(),
                    datum: sluiting,
                    reden,
                    toelichting: intrekking_toelichting(reden).to_owned(),
                }
                .into(),
            ));
        }
        // Stable: the request first, a registration before its own refusal.
        feiten.sort_by_key(|f| f.0);
        let laatste = feiten.iter().map(|f| f.0).max().unwrap_or(d);
        let mut v = Verzoek {
            token,
            id,
            soort,
            spoed,
            vorm,
            regime,
            overbrugging,
            aanmeldingen,
            laatste,
            laatst_t: 0,
            pogingen: 0,
            vastgelegd: true,
            opening: Vec::new(),
        };
        if self.silent {
            v.opening = feiten;
        } else {
            v.laatst_t = self.emit_verzoek(slot, feiten);
        }
        self.jeugd[slot].verzoek = Some(v);
        token
    }

    /// Records a request's facts in date order (registering the youth first if needed);
    /// returns the recorded time of the last one.
    fn emit_verzoek(&mut self, slot: usize, feiten: Vec<(NaiveDate, Gebeurtenis)>) -> i64 {
        let stream = self.jeugd[slot].stream.clone();
        let mut t = self.jeugd[slot].laatst;
        let mut eerste = true;
        for (d, f) in feiten {
            if d < self.w.t0 {
                t = self.clock().max(t + MICROS_PER_SEC);
            } else {
                t = self.need_time(d, t);
            }
            if eerste {
                if !self.jeugd[slot].geregistreerd {
                    self.registreer_jeugdige(slot, Some(t));
                    t += MICROS_PER_SEC;
                }
                // Later youth facts come after the request itself.
                let y = &mut self.jeugd[slot];
                y.laatst = y.laatst.max(t);
                eerste = false;
            }
            let door = match f {
                Gebeurtenis::AanmeldingGeweigerd(_) => DOOR_AANBIEDER,
                _ => DOOR_REGISTRATIE,
            };
            self.push(&stream, f, t, door);
        }
        t
    }

    /// The opening balance of a request made during the warm-up.
    pub(super) fn verzoek_beginstand(&mut self, slot: usize) {
        let Some(v) = self.jeugd[slot].verzoek.as_mut() else {
            return;
        };
        if v.opening.is_empty() {
            return;
        }
        let feiten = std::mem::take(&mut v.opening);
        let t = self.emit_verzoek(slot, feiten);
        if let Some(v) = self.jeugd[slot].verzoek.as_mut() {
            v.laatst_t = t;
        }
    }

    /// The youth's request is fulfilled by a place in `vz` on `d`: the provider is
    /// registered (if it was not yet) and offers the place. Returns the request id and
    /// whether the place is a bridging one.
    pub(super) fn aanbod(
        &mut self,
        slot: usize,
        vz: usize,
        d: NaiveDate,
    ) -> Option<(String, bool)> {
        let v = self.jeugd[slot].verzoek.take().filter(|v| v.vastgelegd)?;
        let stream = self.jeugd[slot].stream.clone();
        let f = &self.w.voorzieningen[vz];
        let (a, vorm, regime, vz_id) = (f.aanbieder, f.vorm, f.regime, f.id.clone());
        let mut t = v.laatst_t.max(self.jeugd[slot].laatst);
        if !v.aanmeldingen.iter().any(|x| x.0 == a) {
            t = self.need_time(d, t);
            let f = JeugdigeAangemeld {
                verzoek: v.id.clone(),
                aanbieder: self.w.aanbieders[a].id.clone(),
                voorziening: Some(vz_id.clone()),
                datum: d,
            };
            self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
        }
        t = self.need_time(d, t);
        let f = PlaatsAangeboden {
            verzoek: v.id.clone(),
            voorziening: vz_id,
            datum: d,
        };
        self.push(&stream, f.into(), t, DOOR_AANBIEDER);
        let y = &mut self.jeugd[slot];
        y.laatst = y.laatst.max(t);
        let passend = vorm == v.vorm && regime == v.regime;
        Some((v.id, !passend && v.overbrugging))
    }

    /// Withdraws the youth's open request on `d` (or on its last fact's date, if later).
    pub(super) fn trek_in(&mut self, slot: usize, d: NaiveDate, reden: Intrekkingsreden) {
        let Some(v) = self.jeugd[slot].verzoek.take().filter(|v| v.vastgelegd) else {
            return;
        };
        let datum = d.max(v.laatste);
        let t = self.need_time(datum, v.laatst_t.max(self.jeugd[slot].laatst));
        let f = PlaatsingsverzoekIngetrokken {
            verzoek: v.id,
            datum,
            reden,
            toelichting: intrekking_toelichting(reden).to_owned(),
        };
        let stream = self.jeugd[slot].stream.clone();
        self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
    }

    /// A withdrawal reason.
    pub(super) fn intrekkingsreden(&mut self) -> Intrekkingsreden {
        self.r
            .kies(&INTREKKINGSREDENEN)
            .unwrap_or(Intrekkingsreden::Anders)
    }

    /// A youth in care needs another place: the request for the doorplaatsing planned
    /// `wacht` days from now.
    pub(super) fn doorplaatsverzoek(&mut self, slot: usize, d: NaiveDate, wacht: u16) {
        if self.jeugd[slot].verzoek.is_some() {
            return;
        }
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return;
        };
        let van = &self.w.voorzieningen[p.vz];
        let (vorm, regime) = (van.vorm, van.regime);
        // Only the coordination of closed care keeps requests (see
        // `vastgelegd_in_het_log`): a doorplaatsing within open care comes without one.
        if regime != Regime::Gesloten {
            return;
        }
        let nodig = if self.r.chance(calibration::DOORPLAATSING_NAAR_GESLOTEN) {
            (vorm, Regime::Gesloten)
        } else {
            (Vorm::Kleinschalig, Regime::Open)
        };
        let spoed = self.r.chance(0.1);
        let overbrugging = self.r.chance(0.3);
        let sluiting = plus_days(d, i64::from(wacht));
        self.nieuw_verzoek(
            slot,
            d,
            Aanvraag::Doorplaatsing,
            spoed,
            nodig,
            overbrugging,
            &[],
            sluiting,
            None,
        );
    }

    /// The request a doorplaatsing on `d` fulfils (a scheduled one, not a move forced by a
    /// closure), with the form it needs.
    pub(super) fn doorplaatsing_nodig(
        &self,
        slot: usize,
        d: NaiveDate,
        gedwongen: bool,
    ) -> Option<(Vorm, Regime)> {
        match &self.jeugd[slot].verzoek {
            Some(v) if v.soort == Aanvraag::Doorplaatsing && !gedwongen && d >= v.laatste => {
                Some((v.vorm, v.regime))
            }
            _ => None,
        }
    }

    // ------------------------------------------------------------------ absences

    /// Absence durations in days: most youths are back within days, a few stay away for
    /// weeks.
    fn afwezigheidsduur(&mut self) -> i64 {
        let x = self.r.f64();
        if x < 0.40 {
            self.r.between(1, 2)
        } else if x < 0.75 {
            self.r.between(3, 7)
        } else if x < 0.94 {
            self.r.between(8, 30)
        } else {
            self.r.between(31, 90)
        }
    }

    /// Plans the absences of a closed episode that started on `d`. Some episodes end
    /// while the youth is away: the last absence starts 7–14 days before the planned end
    /// and lasts beyond it (the stay itself is not shortened, so occupancy stays as
    /// calibrated). Returns the date of the first absence.
    pub(super) fn plan_afwezigheid(
        &mut self,
        slot: usize,
        episode: u64,
        d: NaiveDate,
    ) -> Option<NaiveDate> {
        let eind = self.jeugd[slot].plaatsing.as_ref()?.eind;
        let dagen = (eind - d).num_days();
        if dagen < 4 {
            return None;
        }
        let aan_het_eind = dagen >= 21 && self.r.chance(P_EINDE_TIJDENS_ONTTREKKING);
        // The last day an earlier absence may last to.
        let grens = if aan_het_eind { dagen - 15 } else { dagen - 1 };
        let mut plan: Vec<(i64, i64)> = Vec::new();
        if grens >= 2 && self.r.chance(P_ONTTREKKING) {
            let mut n = 1;
            while n < 4 && self.r.chance(P_NOG_EEN_ONTTREKKING) {
                n += 1;
            }
            let mut starts: Vec<i64> = (0..n).map(|_| self.r.between(1, grens - 1)).collect();
            starts.sort_unstable();
            let mut vrij = 1i64;
            for s in starts {
                if s < vrij {
                    continue;
                }
                let mut duur = self.afwezigheidsduur();
                if aan_het_eind {
                    duur = duur.min(grens - s).max(1);
                }
                plan.push((s, duur));
                vrij = s + duur + 1;
                if s + duur >= dagen {
                    break;
                }
            }
        }
        if aan_het_eind {
            let voor_eind = self.r.between(7, 14);
            plan.push((dagen - voor_eind, voor_eind + self.r.between(1, 30)));
        }
        let mut laatste = None;
        for &(s, duur) in &plan {
            let start = plus_days(d, s);
            self.plan(
                start,
                slot,
                episode,
                Step::Onttrekken { dagen: duur as u16 },
            );
            laatste = Some(if s + duur < dagen {
                plus_days(start, duur)
            } else {
                start
            });
        }
        if let Some(p) = self.jeugd[slot].plaatsing.as_mut() {
            p.laatste_afwezigheid = laatste;
        }
        plan.first().map(|x| plus_days(d, x.0))
    }

    /// The youth leaves without leave on `d`.
    pub(super) fn onttrek(&mut self, slot: usize, d: NaiveDate, dagen: u16) {
        if self.jeugd[slot].afwezig.is_some() {
            return;
        }
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return;
        };
        let v = &self.w.voorzieningen[p.vz];
        if v.vorm == Vorm::Ambulant {
            return;
        }
        // Named when the facility is not closing (a closure moves youths the day before,
        // after the absence may already be recorded).
        let voorziening = (v.sluit.is_none() && self.r.chance(0.6)).then(|| v.id.clone());
        let t = self.record_time(slot, d, 0.0);
        let stream = self.jeugd[slot].stream.clone();
        self.push(
            &stream,
            JeugdigeOnttrokken {
                voorziening,
                datum: d,
            }
            .into(),
            t,
            DOOR_AANBIEDER,
        );
        self.episode_teller += 1;
        let token = self.episode_teller;
        self.jeugd[slot].afwezig = Some((token, d));
        self.plan(
            plus_days(d, i64::from(dagen)),
            slot,
            token,
            Step::Terugkeren,
        );
    }

    /// The absence ends on `d`; a youth whose placement ended meanwhile is free again.
    pub(super) fn terugkeer(&mut self, slot: usize, d: NaiveDate) {
        let t = self.record_time(slot, d, 0.0);
        let stream = self.jeugd[slot].stream.clone();
        self.push(
            &stream,
            JeugdigeTeruggekeerd { datum: d }.into(),
            t,
            DOOR_AANBIEDER,
        );
        self.jeugd[slot].afwezig = None;
        if self.jeugd[slot].plaatsing.is_none() && self.jeugd[slot].verzoek.is_none() {
            self.vrijgeven(slot, d, true);
        }
    }

    /// A youth without a placement, request or absence goes to the pool of those who may
    /// come back (or the slot is reused once they are too old).
    pub(super) fn vrijgeven(&mut self, slot: usize, d: NaiveDate, na_onttrekking: bool) {
        let y = &mut self.jeugd[slot];
        y.uit_sinds = y.uit_sinds.max(d);
        let l = y.landsdeel;
        if d.year() - i32::from(y.geboortejaar) < 17 {
            let pool = if na_onttrekking {
                &mut self.terug_onttrokken[l]
            } else {
                &mut self.terug[l]
            };
            pool.push(slot as u32);
            // Bound the pool: the oldest returners are the least likely to come back.
            let grens = (20_000.0 * self.cfg.scale).max(500.0) as usize;
            if pool.len() > grens {
                let weg = pool.swap_remove(0);
                self.free_slots.push(weg);
            }
        } else {
            self.free_slots.push(slot as u32);
        }
    }
}

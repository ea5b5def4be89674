//! Resolving the codes a filter names against the landscape in the log.
//!
//! A filter on a code the log does not know used to answer all zeros. Instead,
//! [`Projection::resolve_filter`] maps each code to the one the log knows: an exact
//! match first, then a match that ignores case and punctuation (`rijnmond` →
//! `RIJNMOND`, `Zuid-West` → `ZUID_WEST`) when exactly one code matches; anything else is
//! an [`OnbekendeCode`] that lists valid codes.

use crate::interner::Interner;
use crate::projectie::Projection;
use crate::query::Filter;

/// The landscape dimension a filter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeSoort {
    Landsdeel,
    Jeugdregio,
    Gemeente,
    Aanbieder,
    Voorziening,
}

impl CodeSoort {
    /// The filter field (and CLI option) in lower case.
    pub fn veld(self) -> &'static str {
        match self {
            CodeSoort::Landsdeel => "landsdeel",
            CodeSoort::Jeugdregio => "jeugdregio",
            CodeSoort::Gemeente => "gemeente",
            CodeSoort::Aanbieder => "aanbieder",
            CodeSoort::Voorziening => "voorziening",
        }
    }
}

/// How many valid codes the message of an [`OnbekendeCode`] lists at most.
pub const GETOOND: usize = 12;

/// A code in a filter that the log does not know (or that matches several codes when
/// case and punctuation are ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnbekendeCode {
    pub soort: CodeSoort,
    /// The code as given.
    pub gegeven: String,
    /// Candidates: the codes it matches ambiguously, else every valid code (sorted).
    pub geldig: Vec<String>,
    /// Several codes match when case and punctuation are ignored.
    pub dubbelzinnig: bool,
}

impl OnbekendeCode {
    /// The message, listing at most `max` valid codes (the `Display` lists [`GETOOND`]).
    pub fn melding(&self, max: usize) -> String {
        Melding(self, max).to_string()
    }
}

struct Melding<'a>(&'a OnbekendeCode, usize);

impl std::fmt::Display for OnbekendeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Melding(self, GETOOND).fmt(f)
    }
}

impl std::fmt::Display for Melding<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Melding(this, max) = *self;
        let soort = this.soort.veld();
        if this.dubbelzinnig {
            write!(f, "{soort} `{}` is dubbelzinnig: bedoelt u ", this.gegeven)?;
        } else if this.geldig.is_empty() {
            return write!(
                f,
                "onbekende {soort} `{}`: het log kent nog geen enkele {soort}",
                this.gegeven
            );
        } else {
            write!(f, "onbekende {soort} `{}`; geldig zijn: ", this.gegeven)?;
        }
        let toon: Vec<&str> = this.geldig.iter().take(max).map(String::as_str).collect();
        write!(f, "{}", toon.join(", "))?;
        if this.geldig.len() > max {
            write!(f, " (en {} meer)", this.geldig.len() - max)?;
        }
        Ok(())
    }
}

impl std::error::Error for OnbekendeCode {}

/// Upper case, every run of other characters than letters and digits one `_`.
fn normaal(s: &str) -> String {
    let mut uit = String::with_capacity(s.len());
    let mut scheiding = false;
    for c in s.trim().chars() {
        if c.is_alphanumeric() {
            if scheiding && !uit.is_empty() {
                uit.push('_');
            }
            scheiding = false;
            uit.extend(c.to_uppercase());
        } else {
            scheiding = true;
        }
    }
    uit
}

fn alle(namen: &Interner) -> Vec<String> {
    let mut v: Vec<String> = (0..namen.len())
        .filter_map(|i| u32::try_from(i).ok().and_then(|i| namen.naam(i)))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn resolve(soort: CodeSoort, namen: &Interner, gegeven: &str) -> Result<String, OnbekendeCode> {
    if !gegeven.is_empty() && namen.find(gegeven).is_some() {
        return Ok(gegeven.to_owned());
    }
    let alle = alle(namen);
    let doel = normaal(gegeven);
    let passend: Vec<&String> = alle.iter().filter(|c| normaal(c) == doel).collect();
    match passend.as_slice() {
        [een] if !doel.is_empty() => Ok((*een).clone()),
        [] | [_] => Err(OnbekendeCode {
            soort,
            gegeven: gegeven.to_owned(),
            geldig: alle,
            dubbelzinnig: false,
        }),
        meer => Err(OnbekendeCode {
            soort,
            gegeven: gegeven.to_owned(),
            geldig: meer.iter().map(|c| (*c).clone()).collect(),
            dubbelzinnig: true,
        }),
    }
}

impl Projection {
    fn namen(&self, soort: CodeSoort) -> &Interner {
        match soort {
            CodeSoort::Landsdeel => &self.landsdelen,
            CodeSoort::Jeugdregio => &self.regios,
            CodeSoort::Gemeente => &self.gemeenten,
            CodeSoort::Aanbieder => &self.aanbieders,
            CodeSoort::Voorziening => &self.vz_namen,
        }
    }

    /// Every code of `soort` the log names, sorted.
    pub fn codes(&self, soort: CodeSoort) -> Vec<String> {
        alle(self.namen(soort))
    }

    /// The code of `soort` that `gegeven` means: itself when the log knows it, else the
    /// one code that matches ignoring case and punctuation.
    pub fn resolve_code(&self, soort: CodeSoort, gegeven: &str) -> Result<String, OnbekendeCode> {
        resolve(soort, self.namen(soort), gegeven)
    }

    /// The filter with every code resolved by [`Projection::resolve_code`]; the first
    /// code that does not resolve is the error.
    pub fn resolve_filter(&self, filter: &Filter) -> Result<Filter, OnbekendeCode> {
        let los = |soort, v: &Option<String>| {
            v.as_deref()
                .map(|g| self.resolve_code(soort, g))
                .transpose()
        };
        Ok(Filter {
            landsdeel: los(CodeSoort::Landsdeel, &filter.landsdeel)?,
            jeugdregio: los(CodeSoort::Jeugdregio, &filter.jeugdregio)?,
            gemeente: los(CodeSoort::Gemeente, &filter.gemeente)?,
            aanbieder: los(CodeSoort::Aanbieder, &filter.aanbieder)?,
            voorziening: los(CodeSoort::Voorziening, &filter.voorziening)?,
            vorm: filter.vorm,
            regime: filter.regime,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interner(namen: &[&str]) -> Interner {
        let mut i = Interner::default();
        for n in namen {
            i.id(n);
        }
        i
    }

    #[test]
    fn exact_then_case_and_punctuation_insensitive() {
        let i = interner(&["RIJNMOND", "ZUID_WEST", "NOORD_OOST", "GM0599"]);
        let r = |g: &str| resolve(CodeSoort::Jeugdregio, &i, g);
        assert_eq!(r("RIJNMOND").ok().as_deref(), Some("RIJNMOND"));
        assert_eq!(r("rijnmond").ok().as_deref(), Some("RIJNMOND"));
        assert_eq!(r("Zuid-West").ok().as_deref(), Some("ZUID_WEST"));
        assert_eq!(r(" zuid west ").ok().as_deref(), Some("ZUID_WEST"));
        assert_eq!(r("gm0599").ok().as_deref(), Some("GM0599"));
        let fout = r("ONBEKEND").err();
        assert_eq!(fout.as_ref().map(|f| f.dubbelzinnig), Some(false));
        let melding = fout.map(|f| f.to_string()).unwrap_or_default();
        assert!(
            melding.contains("onbekende jeugdregio `ONBEKEND`"),
            "{melding}"
        );
        assert!(
            melding.contains("RIJNMOND") && melding.contains("ZUID_WEST"),
            "{melding}"
        );
        assert!(r("").is_err());
        assert!(r("--").is_err());
    }

    #[test]
    fn an_ambiguous_match_is_an_error_naming_the_candidates() {
        let i = interner(&["Rijnmond", "RIJNMOND"]);
        let f = resolve(CodeSoort::Jeugdregio, &i, "rijnmond").err();
        assert_eq!(f.as_ref().map(|f| f.dubbelzinnig), Some(true));
        assert_eq!(f.map(|f| f.geldig.len()), Some(2));
        // An exact match is never ambiguous.
        assert!(resolve(CodeSoort::Jeugdregio, &i, "Rijnmond").is_ok());
    }

    #[test]
    fn a_long_list_is_cut_short() {
        let namen: Vec<String> = (0..30).map(|i| format!("R{i:02}")).collect();
        let refs: Vec<&str> = namen.iter().map(String::as_str).collect();
        let i = interner(&refs);
        let m = resolve(CodeSoort::Jeugdregio, &i, "X")
            .err()
            .map(|f| f.to_string())
            .unwrap_or_default();
        assert!(m.contains("(en 18 meer)"), "{m}");
        let alle = resolve(CodeSoort::Jeugdregio, &i, "X")
            .err()
            .map(|f| f.melding(60))
            .unwrap_or_default();
        assert!(alle.contains("R29") && !alle.contains("meer"), "{alle}");
        let leeg = resolve(CodeSoort::Landsdeel, &interner(&[]), "X")
            .err()
            .map(|f| f.to_string())
            .unwrap_or_default();
        assert!(leeg.contains("nog geen enkele landsdeel"), "{leeg}");
    }
}

//! The one BSN detector: every place where a person-related string enters kringloop (the
//! domain rules, the API, the importers) asks this module whether the string could hold a
//! burgerservicenummer, and masks values with it before they are echoed.
//!
//! # What counts as a BSN
//! A *digit run* is a maximal sequence of ASCII digits `0`–`9`. Digit runs separated by
//! exactly one dot or one space (`1234.56.782`, `123 456 782`) are *written together*.
//! For every sequence of consecutive digit runs written together (a single run counts
//! too), the detector joins their digits and reports a BSN when:
//! - the joined number has 9 digits, or 8 (a leading zero dropped, as spreadsheets do),
//!   or more than 9 of which all but the last 9 are zeros (`0999999990`: zero-padded);
//! - its 9 digits d1…d9 (an 8-digit number gets a leading 0) pass the BSN elfproef:
//!   9·d1 + 8·d2 + 7·d3 + 6·d4 + 5·d5 + 4·d6 + 3·d7 + 2·d8 − 1·d9 is a multiple of 11
//!   and not 0 (`000000000` is not a BSN).
//!
//! Hash-shaped tokens are passed over: a maximal sequence of [`HASH_MIN`] or more
//! hexadecimal characters (`0`–`9`, `a`–`f`, `A`–`F`) with at least one letter among them,
//! as the keyed pseudonyms are (HMAC-SHA256 in hex), and a UUID (`8-4-4-4-12` hexadecimal
//! characters with dashes: event ids, idempotency keys). Their digits are random, so
//! without this 0.6 % of 16-character and 1.4 % of 32-character pseudonyms would hold a
//! "BSN" by chance (measured over 200,000 random ones each).
//!
//! Other letters and characters around the digits do not matter (`BSN999999990`,
//! `jeugdige-0999999990`, `bsn: 1234.56.782.` are all found), but digits do: a run of
//! 10 digits that does not start with a zero (`9999000061`) is a different number, not a
//! BSN with a digit added, and a dash or slash separates (dates like `2024-01-01` are not
//! joined into one number).
//!
//! Not detected: digits other than ASCII (full-width `９`), separators other than one dot
//! or space (two spaces, `-`, `/`, `_`), a BSN with two or more leading zeros dropped, a
//! BSN inside a hash-shaped token (`abcdef0999999990`: 16 hexadecimal characters).
//! About 1 in 11 arbitrary 8- or 9-digit numbers passes the elfproef, so an order number
//! or an 8-digit AGB code can be taken for a BSN; where that matters the caller replaces
//! the value by a keyed pseudonym instead of refusing it (the iJw importer does).

/// The BSN elfproef on 9 digits (each 0–9): 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a positive
/// multiple of 11.
pub fn elfproef(d: &[u8; 9]) -> bool {
    let mut som: i32 = 0;
    for (i, &cijfer) in d.iter().take(8).enumerate() {
        som += (9 - i as i32) * i32::from(cijfer);
    }
    som -= i32::from(d[8]);
    som > 0 && som % 11 == 0
}

/// Shortest hexadecimal token that is taken for a hash (a pseudonym) and not searched.
pub const HASH_MIN: usize = 16;

/// A digit run: where it starts and ends (byte offsets) in the text.
#[derive(Clone, Copy)]
struct Run {
    begin: usize,
    eind: usize,
}

/// The end (exclusive) of the hash-shaped token that starts at `i`, if one does: at least
/// [`HASH_MIN`] hexadecimal characters with a letter among them, or a UUID (8-4-4-4-12
/// hexadecimal characters with dashes), not preceded by a hexadecimal character.
fn hash_eind(b: &[u8], i: usize) -> Option<usize> {
    if i > 0 && b[i - 1].is_ascii_hexdigit() {
        return None;
    }
    let hex = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
    let n = hex(i);
    if n >= HASH_MIN && b[i..i + n].iter().any(u8::is_ascii_alphabetic) {
        return Some(i + n);
    }
    // A UUID: its first group of 8 is all digits in 2 % of random (and many time-based)
    // ones, and would then pass the elfproef 1 time in 11.
    let mut p = i;
    for (k, lengte) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if hex(p) != lengte {
            return None;
        }
        p += lengte;
        if k < 4 {
            if b.get(p) != Some(&b'-') {
                return None;
            }
            p += 1;
        }
    }
    Some(p)
}

/// The digit runs of a text (outside hash-shaped tokens), grouped into sequences
/// written together.
fn groepen(tekst: &str) -> Vec<Vec<Run>> {
    let b = tekst.as_bytes();
    let mut groepen: Vec<Vec<Run>> = Vec::new();
    let mut huidig: Vec<Run> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_hexdigit()
            && let Some(eind) = hash_eind(b, i)
        {
            // A pseudonym: its digits are not a number; it also separates groups.
            if !huidig.is_empty() {
                groepen.push(std::mem::take(&mut huidig));
            }
            i = eind;
            continue;
        }
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let begin = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let samen = huidig.last().is_some_and(|vorige| {
            begin == vorige.eind + 1 && matches!(b[vorige.eind], b'.' | b' ')
        });
        if !samen && !huidig.is_empty() {
            groepen.push(std::mem::take(&mut huidig));
        }
        huidig.push(Run { begin, eind: i });
    }
    if !huidig.is_empty() {
        groepen.push(huidig);
    }
    groepen
}

/// Whether the digits of `runs` (joined) form a BSN as described in the module docs.
fn is_bsn(tekst: &[u8], runs: &[Run]) -> bool {
    let cijfers = || {
        runs.iter()
            .flat_map(|r| tekst[r.begin..r.eind].iter().map(|c| c - b'0'))
    };
    let n: usize = runs.iter().map(|r| r.eind - r.begin).sum();
    if n < 8 {
        return false;
    }
    // More than 9 digits: only zero padding may come before the last 9.
    if n > 9 && cijfers().take(n - 9).any(|c| c != 0) {
        return false;
    }
    let mut d = [0u8; 9];
    let overslaan = n.saturating_sub(9);
    let begin = 9 - (n - overslaan);
    for (k, c) in cijfers().skip(overslaan).enumerate() {
        d[begin + k] = c;
    }
    elfproef(&d)
}

/// The byte ranges of every BSN in `tekst` (see the module docs), in order; ranges may
/// overlap when a sequence written together holds more than one.
fn vind(tekst: &str) -> Vec<std::ops::Range<usize>> {
    let b = tekst.as_bytes();
    let mut uit = Vec::new();
    for groep in groepen(tekst) {
        for start in 0..groep.len() {
            for eind in start + 1..=groep.len() {
                let runs = &groep[start..eind];
                let n: usize = runs.iter().map(|r| r.eind - r.begin).sum();
                let voorloop_nullen = runs
                    .iter()
                    .flat_map(|r| b[r.begin..r.eind].iter())
                    .take_while(|c| **c == b'0')
                    .count();
                if n > 9 + voorloop_nullen {
                    break; // longer sequences from this start only get longer
                }
                if is_bsn(b, runs) {
                    uit.push(runs[0].begin..runs[runs.len() - 1].eind);
                }
            }
        }
    }
    uit
}

/// Whether `tekst` contains a BSN (see the module docs for exactly what is detected).
pub fn bevat_bsn(tekst: &str) -> bool {
    // Fast path: fewer than 8 digits cannot hold one.
    if tekst.bytes().filter(u8::is_ascii_digit).nth(7).is_none() {
        return false;
    }
    !vind(tekst).is_empty()
}

/// `tekst` with every sequence of digit runs written together (see the module docs) that
/// has 8 or more digits replaced by `*********`: a value made safe to echo in a message,
/// a report or a log line. Deliberately wider than [`bevat_bsn`]: it masks whatever
/// could be a BSN, elfproef or not (hash-shaped tokens, pseudonyms, stay as they are).
pub fn maskeer(tekst: &str) -> String {
    if tekst.bytes().filter(u8::is_ascii_digit).nth(7).is_none() {
        return tekst.to_owned();
    }
    let mut uit = String::with_capacity(tekst.len());
    let mut vanaf = 0;
    for groep in groepen(tekst) {
        let n: usize = groep.iter().map(|r| r.eind - r.begin).sum();
        if n < 8 {
            continue;
        }
        let (begin, eind) = (groep[0].begin, groep[groep.len() - 1].eind);
        uit.push_str(&tekst[vanaf..begin]);
        uit.push_str("*********");
        vanaf = eind;
    }
    uit.push_str(&tekst[vanaf..]);
    uit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cijfers(s: &str) -> [u8; 9] {
        let mut d = [0u8; 9];
        for (i, c) in s.bytes().enumerate() {
            d[i] = c - b'0';
        }
        d
    }

    /// The test BSNs the suites use all pass the elfproef; a changed last digit fails it.
    #[test]
    fn test_bsns_pass_the_elfproef() {
        for bsn in [
            "999999990",
            "111222333",
            "123456782",
            "999900006",
            "999900018",
        ] {
            assert!(elfproef(&cijfers(bsn)), "{bsn}");
            assert!(bevat_bsn(bsn), "{bsn}");
        }
        for geen in ["999999991", "111222334", "123456789", "000000000"] {
            assert!(!elfproef(&cijfers(geen)), "{geen}");
            assert!(!bevat_bsn(geen), "{geen}");
        }
    }

    #[test]
    fn finds_bsns_in_the_ways_they_are_written() {
        for tekst in [
            "BSN999999990",
            "bsn:999999990.",
            "0999999990",
            "00999999990",
            "jeugdige-0999999990",
            "1234.56.782",
            "123 456 782",
            "12 34 56 782",
            "verhuisd, bsn 1234.56.782 bekend",
            // 8 digits: the leading zero dropped (012345672 passes the elfproef).
            "12345672",
            "2024-01-01 123456782",
            "ordernummer 7 en 111222333",
            // Hex around it, but too short for a hash.
            "abc999999990",
            "jeugdige999999990",
            "BSN999999990 158172905bc3632b",
            // Not a UUID: a group too long.
            "123456782-0000-7000-8000-000000000001",
        ] {
            assert!(bevat_bsn(tekst), "{tekst}");
        }
    }

    /// Keyed pseudonyms are hex; their digit runs pass the elfproef by chance. These were
    /// refused before hash-shaped tokens were passed over (the demo generator's).
    #[test]
    fn passes_over_pseudonyms() {
        for tekst in [
            "158172905bc3632b",
            "jeugdige-158172905bc3632b",
            "jeugdige-4c6dbb73882744e4",
            "9df43473210d6ceb",
            "158172905BC3632B",
            "158172905bc3632b158172905bc3632b",
            // A UUID whose first group is all digits (and 1 in 11 of those pass).
            "01234567-89ab-7def-8000-000000000001",
            "vervangt 12345672-0000-7000-8000-000000000001 wegens typefout",
        ] {
            assert!(!bevat_bsn(tekst), "{tekst}");
        }
    }

    #[test]
    fn leaves_other_numbers_alone() {
        for tekst in [
            "",
            "volgens plan 2024",
            "9999000061",
            "1999999990",
            "1234.56.7821",
            "12345.6789.12",
            "1234..56.782",
            "123  456 782",
            "2024-01-01",
            "01-02-2024",
            "GM0599",
            "43A41",
            "87654321",
            "12345678",
            "1234567",
            "00000000",
            "0000000000000",
        ] {
            assert!(!bevat_bsn(tekst), "{tekst}");
        }
    }

    #[test]
    fn masks_every_long_number_and_keeps_the_rest() {
        assert_eq!(maskeer("abc 999900006 x"), "abc ********* x");
        assert_eq!(maskeer("BSN1234.56.782!"), "BSN*********!");
        assert_eq!(maskeer("GROEP"), "GROEP");
        assert_eq!(maskeer("2024-01-01"), "2024-01-01");
        // Not a BSN, but long enough to be one: masked anyway.
        assert_eq!(maskeer("9999000061"), "*********");
        assert_eq!(maskeer("é 12345678 ü"), "é ********* ü");
        for bsn in ["999999990", "111222333", "123456782"] {
            assert!(!maskeer(&format!("x{bsn}y")).contains(bsn));
        }
    }
}

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
    let hex = |from: usize| {
        b[from..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
    };
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

/// Walks the digit runs of `b` outside hash-shaped tokens, in order, telling for each
/// whether it is written together with the previous one (one `.` or ` ` between them).
/// Stops, returning `true`, as soon as `f` does.
fn runs(b: &[u8], mut f: impl FnMut(Run, bool) -> bool) -> bool {
    let mut vorige: Option<Run> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_hexdigit()
            && let Some(eind) = hash_eind(b, i)
        {
            // A pseudonym: its digits are not a number. (The next run cannot be written
            // together with one before it: the token lies in between.)
            i = eind;
            continue;
        }
        if !c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let begin = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let run = Run { begin, eind: i };
        let samen = vorige.is_some_and(|v| begin == v.eind + 1 && matches!(b[v.eind], b'.' | b' '));
        vorige = Some(run);
        if f(run, samen) {
            return true;
        }
    }
    false
}

/// How many runs back a sequence written together is searched. A BSN has at most 9
/// significant digits, so at most 9 runs (zero padding in front is in the first of
/// them, or in runs of only zeros before it, which change nothing).
const TERUG: usize = 16;

/// Whether `tekst` contains a BSN (see the module docs for exactly what is detected).
/// One pass, no allocation: for every digit run, the sequences written together that
/// end with it are tried, shortest first.
pub fn bevat_bsn(tekst: &str) -> bool {
    // Fast path: fewer than 8 digits cannot hold one.
    if tekst.bytes().filter(u8::is_ascii_digit).nth(7).is_none() {
        return false;
    }
    let b = tekst.as_bytes();
    let mut ring = [Run { begin: 0, eind: 0 }; TERUG];
    let mut kop = 0; // where the next run goes
    let mut aantal = 0; // runs of the current sequence in the ring
    runs(b, |run, samen| {
        if !samen {
            aantal = 0;
        }
        ring[kop] = run;
        kop = (kop + 1) % TERUG;
        aantal = (aantal + 1).min(TERUG);
        // The k runs that end with this one.
        let nde = |k: usize| ring[(kop + TERUG - k) % TERUG];
        let mut n = 0;
        for k in 1..=aantal {
            let eerste = nde(k);
            n += eerste.eind - eerste.begin;
            if n < 8 {
                continue;
            }
            if n > 9 {
                // Only zero padding may come before the last 9 digits.
                let nullen = (1..=k)
                    .rev()
                    .flat_map(|j| {
                        let r = nde(j);
                        b[r.begin..r.eind].iter()
                    })
                    .take_while(|c| **c == b'0')
                    .count();
                if nullen < n - 9 {
                    if b[eerste.begin..eerste.eind].iter().any(|c| *c != b'0') {
                        // Longer sequences put more digits before this one's.
                        break;
                    }
                    continue;
                }
            }
            // The last 9 digits (fewer: zeros in front).
            let mut d = [0u8; 9];
            let mut plek = 9;
            'cijfers: for j in 1..=k {
                let r = nde(j);
                for c in b[r.begin..r.eind].iter().rev() {
                    if plek == 0 {
                        break 'cijfers;
                    }
                    plek -= 1;
                    d[plek] = c - b'0';
                }
            }
            if elfproef(&d) {
                return true;
            }
        }
        false
    })
}

/// `tekst` with every sequence of digit runs written together (see the module docs) that
/// has 8 or more digits replaced by `*********`: a value made safe to echo in a message,
/// a report or a log line. Deliberately wider than [`bevat_bsn`]: it masks whatever
/// could be a BSN, elfproef or not (hash-shaped tokens, pseudonyms, stay as they are).
pub fn maskeer(tekst: &str) -> String {
    if tekst.bytes().filter(u8::is_ascii_digit).nth(7).is_none() {
        return tekst.to_owned();
    }
    /// A sequence written together: first byte, end, number of digits.
    type Reeks = (usize, usize, usize);
    fn sluit(tekst: &str, r: Reeks, uit: &mut String, vanaf: &mut usize) {
        if r.2 >= 8 {
            uit.push_str(&tekst[*vanaf..r.0]);
            uit.push_str("*********");
            *vanaf = r.1;
        }
    }
    let mut uit = String::with_capacity(tekst.len());
    let mut vanaf = 0;
    let mut reeks: Option<Reeks> = None;
    runs(tekst.as_bytes(), |run, samen| {
        let lengte = run.eind - run.begin;
        match reeks.as_mut() {
            Some(r) if samen => {
                r.1 = run.eind;
                r.2 += lengte;
            }
            _ => {
                if let Some(r) = reeks.take() {
                    sluit(tekst, r, &mut uit, &mut vanaf);
                }
                reeks = Some((run.begin, run.eind, lengte));
            }
        }
        false
    });
    if let Some(r) = reeks {
        sluit(tekst, r, &mut uit, &mut vanaf);
    }
    uit.push_str(&tekst[vanaf..]);
    uit
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition of the module docs, written out plainly: every sequence of
    /// consecutive runs of a group, joined, checked on its own.
    fn referentie(tekst: &str) -> bool {
        let b = tekst.as_bytes();
        let mut groepen: Vec<Vec<Run>> = Vec::new();
        runs(b, |run, samen| {
            match groepen.last_mut() {
                Some(g) if samen => g.push(run),
                _ => groepen.push(vec![run]),
            }
            false
        });
        groepen.iter().any(|g| {
            (0..g.len()).any(|i| {
                (i + 1..=g.len()).any(|j| {
                    let cijfers: Vec<u8> = g[i..j]
                        .iter()
                        .flat_map(|r| b[r.begin..r.eind].iter().map(|c| c - b'0'))
                        .collect();
                    let n = cijfers.len();
                    if n < 8 || (n > 9 && cijfers[..n - 9].iter().any(|c| *c != 0)) {
                        return false;
                    }
                    let mut d = [0u8; 9];
                    let m = n.min(9);
                    d[9 - m..].copy_from_slice(&cijfers[n - m..]);
                    elfproef(&d)
                })
            })
        })
    }

    proptest! {
        /// The one-pass search finds exactly what the definition says (texts of digits,
        /// separators and a few letters, so that BSNs and near misses are common).
        #[test]
        fn the_fast_search_follows_the_definition(
            tekst in "[0-9. a-f_x-]{0,40}",
            bsn in prop::sample::select(vec!["999999990", "111222333", "123456782", "12345672"]),
            plek in 0usize..40,
        ) {
            prop_assert_eq!(bevat_bsn(&tekst), referentie(&tekst), "{:?}", tekst);
            let mut met = tekst.clone();
            let plek = (0..=plek.min(met.len())).rev().find(|p| met.is_char_boundary(*p)).unwrap_or(0);
            met.insert_str(plek, bsn);
            prop_assert_eq!(bevat_bsn(&met), referentie(&met), "{:?}", met);
        }
    }

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

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
    let mut sum: i32 = 0;
    for (i, &digit) in d.iter().take(8).enumerate() {
        sum += (9 - i as i32) * i32::from(digit);
    }
    sum -= i32::from(d[8]);
    sum > 0 && sum % 11 == 0
}

/// Shortest hexadecimal token that is taken for a hash (a pseudonym) and not searched.
pub const HASH_MIN: usize = 16;

/// A digit run: where it starts and ends (byte offsets) in the text.
#[derive(Clone, Copy)]
struct Run {
    begin: usize,
    end: usize,
}

/// The end (exclusive) of the hash-shaped token that starts at `i`, if one does: at least
/// [`HASH_MIN`] hexadecimal characters with a letter among them, or a UUID (8-4-4-4-12
/// hexadecimal characters with dashes), not preceded by a hexadecimal character.
fn hash_end(b: &[u8], i: usize) -> Option<usize> {
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
    for (k, length) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if hex(p) != length {
            return None;
        }
        p += length;
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
    let mut previous: Option<Run> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_hexdigit()
            && let Some(end) = hash_end(b, i)
        {
            // A pseudonym: its digits are not a number. (The next run cannot be written
            // together with one before it: the token lies in between.)
            i = end;
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
        let run = Run { begin, end: i };
        let together =
            previous.is_some_and(|v| begin == v.end + 1 && matches!(b[v.end], b'.' | b' '));
        previous = Some(run);
        if f(run, together) {
            return true;
        }
    }
    false
}

/// How many runs back a sequence written together is searched. A BSN has at most 9
/// significant digits, so at most 9 runs (zero padding in front is in the first of
/// them, or in runs of only zeros before it, which change nothing).
const LOOK_BACK: usize = 16;

/// Whether `text` contains a BSN (see the module docs for exactly what is detected).
/// One pass, no allocation: for every digit run, the sequences written together that
/// end with it are tried, shortest first.
pub fn contains_bsn(text: &str) -> bool {
    // Fast path: fewer than 8 digits cannot hold one.
    if text.bytes().filter(u8::is_ascii_digit).nth(7).is_none() {
        return false;
    }
    let b = text.as_bytes();
    let mut ring = [Run { begin: 0, end: 0 }; LOOK_BACK];
    let mut head = 0; // where the next run goes
    let mut count = 0; // runs of the current sequence in the ring
    runs(b, |run, together| {
        if !together {
            count = 0;
        }
        ring[head] = run;
        head = (head + 1) % LOOK_BACK;
        count = (count + 1).min(LOOK_BACK);
        // The k runs that end with this one.
        let nth = |k: usize| ring[(head + LOOK_BACK - k) % LOOK_BACK];
        let mut n = 0;
        for k in 1..=count {
            let first = nth(k);
            n += first.end - first.begin;
            if n < 8 {
                continue;
            }
            if n > 9 {
                // Only zero padding may come before the last 9 digits.
                let zeros = (1..=k)
                    .rev()
                    .flat_map(|j| {
                        let r = nth(j);
                        b[r.begin..r.end].iter()
                    })
                    .take_while(|c| **c == b'0')
                    .count();
                if zeros < n - 9 {
                    if b[first.begin..first.end].iter().any(|c| *c != b'0') {
                        // Longer sequences put more digits before this one's.
                        break;
                    }
                    continue;
                }
            }
            // The last 9 digits (fewer: zeros in front).
            let mut d = [0u8; 9];
            let mut slot = 9;
            'digits: for j in 1..=k {
                let r = nth(j);
                for c in b[r.begin..r.end].iter().rev() {
                    if slot == 0 {
                        break 'digits;
                    }
                    slot -= 1;
                    d[slot] = c - b'0';
                }
            }
            if elfproef(&d) {
                return true;
            }
        }
        false
    })
}

/// `text` with every sequence of digit runs written together (see the module docs) that
/// has 8 or more digits replaced by `*********`: a value made safe to echo in a message,
/// a report or a log line. Deliberately wider than [`contains_bsn`]: it masks whatever
/// could be a BSN, elfproef or not (hash-shaped tokens, pseudonyms, stay as they are).
pub fn mask(text: &str) -> String {
    if text.bytes().filter(u8::is_ascii_digit).nth(7).is_none() {
        return text.to_owned();
    }
    /// A sequence written together: first byte, end, number of digits.
    type Sequence = (usize, usize, usize);
    fn close(text: &str, r: Sequence, out: &mut String, from: &mut usize) {
        if r.2 >= 8 {
            out.push_str(&text[*from..r.0]);
            out.push_str("*********");
            *from = r.1;
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    let mut sequence: Option<Sequence> = None;
    runs(text.as_bytes(), |run, together| {
        let length = run.end - run.begin;
        match sequence.as_mut() {
            Some(r) if together => {
                r.1 = run.end;
                r.2 += length;
            }
            _ => {
                if let Some(r) = sequence.take() {
                    close(text, r, &mut out, &mut from);
                }
                sequence = Some((run.begin, run.end, length));
            }
        }
        false
    });
    if let Some(r) = sequence {
        close(text, r, &mut out, &mut from);
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition of the module docs, written out plainly: every sequence of
    /// consecutive runs of a group, joined, checked on its own.
    fn reference(text: &str) -> bool {
        let b = text.as_bytes();
        let mut groups: Vec<Vec<Run>> = Vec::new();
        runs(b, |run, together| {
            match groups.last_mut() {
                Some(g) if together => g.push(run),
                _ => groups.push(vec![run]),
            }
            false
        });
        groups.iter().any(|g| {
            (0..g.len()).any(|i| {
                (i + 1..=g.len()).any(|j| {
                    let digits: Vec<u8> = g[i..j]
                        .iter()
                        .flat_map(|r| b[r.begin..r.end].iter().map(|c| c - b'0'))
                        .collect();
                    let n = digits.len();
                    if n < 8 || (n > 9 && digits[..n - 9].iter().any(|c| *c != 0)) {
                        return false;
                    }
                    let mut d = [0u8; 9];
                    let m = n.min(9);
                    d[9 - m..].copy_from_slice(&digits[n - m..]);
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
            text in "[0-9. a-f_x-]{0,40}",
            bsn in prop::sample::select(vec!["999999990", "111222333", "123456782", "12345672"]),
            slot in 0usize..40,
        ) {
            prop_assert_eq!(contains_bsn(&text), reference(&text), "{:?}", text);
            let mut with = text.clone();
            let slot = (0..=slot.min(with.len())).rev().find(|p| with.is_char_boundary(*p)).unwrap_or(0);
            with.insert_str(slot, bsn);
            prop_assert_eq!(contains_bsn(&with), reference(&with), "{:?}", with);
        }
    }

    fn digits(s: &str) -> [u8; 9] {
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
            assert!(elfproef(&digits(bsn)), "{bsn}");
            assert!(contains_bsn(bsn), "{bsn}");
        }
        for geen in ["999999991", "111222334", "123456789", "000000000"] {
            assert!(!elfproef(&digits(geen)), "{geen}");
            assert!(!contains_bsn(geen), "{geen}");
        }
    }

    #[test]
    fn finds_bsns_in_the_ways_they_are_written() {
        for text in [
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
            assert!(contains_bsn(text), "{text}");
        }
    }

    /// Keyed pseudonyms are hex; their digit runs pass the elfproef by chance. These were
    /// refused before hash-shaped tokens were passed over (the demo generator's).
    #[test]
    fn passes_over_pseudonyms() {
        for text in [
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
            assert!(!contains_bsn(text), "{text}");
        }
    }

    #[test]
    fn leaves_other_numbers_alone() {
        for text in [
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
            assert!(!contains_bsn(text), "{text}");
        }
    }

    #[test]
    fn masks_every_long_number_and_keeps_the_rest() {
        assert_eq!(mask("abc 999900006 x"), "abc ********* x");
        assert_eq!(mask("BSN1234.56.782!"), "BSN*********!");
        assert_eq!(mask("GROEP"), "GROEP");
        assert_eq!(mask("2024-01-01"), "2024-01-01");
        // Not a BSN, but long enough to be one: masked anyway.
        assert_eq!(mask("9999000061"), "*********");
        assert_eq!(mask("é 12345678 ü"), "é ********* ü");
        for bsn in ["999999990", "111222333", "123456782"] {
            assert!(!mask(&format!("x{bsn}y")).contains(bsn));
        }
    }
}

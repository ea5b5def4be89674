//! Pseudonymisation of the BSN at the door.
//!
//! A youth is never stored by BSN (DOMAIN.md, "Jeugdige"). Every importer turns a BSN into
//! a pseudonym with a keyed HMAC-SHA256 the moment it reads it; the key lives outside the
//! event store (configuration or [`KEY_ENV`]), so the store alone cannot be reversed
//! by hashing all 10⁹ possible BSNs. The [`Bsn`] type has no `Display` and a redacting
//! `Debug`, so a BSN cannot end up in a log line or an error message by accident.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Environment variable that holds the pseudonymisation key.
pub const KEY_ENV: &str = "KRINGLOOP_PSEUDONIEM_SLEUTEL";

/// Minimum key length in bytes: shorter keys make the pseudonyms guessable.
pub const MIN_KEY_BYTES: usize = 16;

/// Why a key is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "geen pseudonimiseringssleutel: zet {KEY_ENV} of `pseudoniem_sleutel` in de configuratie; zonder sleutel wordt niets geïmporteerd"
    )]
    Missing,
    #[error("de pseudonimiseringssleutel is te kort: minstens {MIN_KEY_BYTES} bytes nodig")]
    TooShort,
}

/// A validated BSN. Deliberately not `Display`; `Debug` prints `Bsn(***)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Bsn([u8; 9]);

impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bsn(***)")
    }
}

/// Why a text is not a BSN. The message never contains the text itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BsnError {
    #[error("het BSN moet uit 8 of 9 cijfers bestaan")]
    Format,
    #[error("het BSN voldoet niet aan de elfproef")]
    Elfproef,
}

impl Bsn {
    /// Parses a BSN: 9 digits (8 digits get the leading zero back, as spreadsheets drop
    /// it) that pass the elfproef.
    pub fn parse(text: &str) -> Result<Bsn, BsnError> {
        let t = text.trim();
        if !(8..=9).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BsnError::Format);
        }
        let mut digits = [0u8; 9];
        let offset = 9 - t.len();
        for (i, b) in t.bytes().enumerate() {
            digits[offset + i] = b - b'0';
        }
        if !elfproef(&digits) {
            return Err(BsnError::Elfproef);
        }
        Ok(Bsn(digits))
    }

    fn ascii(&self) -> [u8; 9] {
        self.0.map(|d| d + b'0')
    }
}

pub use kringloop_events::bsn::{contains_bsn, elfproef};

/// Makes a value safe to echo in an error message or a report: every number of 8 or more
/// digits (a possible BSN, also when written with dots or spaces) is masked with
/// [`kringloop_events::bsn::mask`], and long values are cut.
pub fn redact(text: &str) -> String {
    let out = kringloop_events::bsn::mask(text);
    if out.chars().count() > 60 {
        let cut: String = out.chars().take(57).collect();
        return format!("{cut}…");
    }
    out
}

/// A file name as it may appear in a `source`, a report or a message: numbers that could
/// be a BSN masked (as [`redact`] does, but not cut) and control characters replaced by
/// `?`, so a name like `999999990.csv` or one with a line break stores nothing it should
/// not.
pub fn safe_file_name(name: &str) -> String {
    kringloop_events::bsn::mask(name)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Turns BSNs into pseudonyms with HMAC-SHA256 under a secret key.
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: Hmac<Sha256>,
}

impl fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymizer(key hidden)")
    }
}

impl Pseudonymizer {
    /// A pseudonymiser with this key (its UTF-8 bytes are the HMAC key).
    pub fn new(key: &str) -> Result<Self, KeyError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(KeyError::Missing);
        }
        if key.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort);
        }
        let mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(|_| KeyError::TooShort)?;
        Ok(Pseudonymizer { mac })
    }

    /// The key from the configuration if given, else from [`KEY_ENV`].
    pub fn from_config_or_env(config: Option<&str>) -> Result<Self, KeyError> {
        match config {
            Some(s) if !s.trim().is_empty() => Self::new(s),
            _ => match std::env::var(KEY_ENV) {
                Ok(s) => Self::new(&s),
                Err(_) => Err(KeyError::Missing),
            },
        }
    }

    /// The pseudonym of a BSN: the first 128 bits of HMAC-SHA256(key, 9 digits), in hex.
    /// 128 bits keep collisions out of reach for any population while keeping stream names
    /// short.
    pub fn pseudoniem(&self, bsn: &Bsn) -> String {
        let mut mac = self.mac.clone();
        mac.update(&bsn.ascii());
        let out = mac.finalize().into_bytes();
        hex::encode(&out[..16])
    }

    /// The keyed pseudonym of another value that must not be stored as it is (an iJw
    /// message Identificatie that could be a BSN): 64 bits of HMAC-SHA256(key,
    /// `kenmerk:` ‖ value), in hex. The prefix keeps it apart from youth pseudonyms, so
    /// a BSN typed into a header never yields the youth's stream name.
    pub fn kenmerk(&self, value: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"kenmerk:");
        mac.update(value.as_bytes());
        let out = mac.finalize().into_bytes();
        hex::encode(&out[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_bsns_pass_the_elfproef_and_others_do_not() {
        for ok in ["999900006", "999900018", "999999990"] {
            assert!(Bsn::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Bsn::parse("999900007"), Err(BsnError::Elfproef));
        assert_eq!(Bsn::parse("12345"), Err(BsnError::Format));
        assert_eq!(Bsn::parse("99990000a"), Err(BsnError::Format));
        assert_eq!(Bsn::parse("000000000"), Err(BsnError::Elfproef));
    }

    #[test]
    fn pseudonym_is_keyed_stable_and_hides_the_bsn() -> Result<(), Box<dyn std::error::Error>> {
        let a = Pseudonymizer::new("een-geheime-sleutel-van-de-regio")?;
        let b = Pseudonymizer::new("een-andere-sleutel-van-de-regio!")?;
        let bsn = Bsn::parse("999900006")?;
        assert_eq!(a.pseudoniem(&bsn), a.pseudoniem(&bsn));
        assert_ne!(a.pseudoniem(&bsn), b.pseudoniem(&bsn));
        assert_eq!(a.pseudoniem(&bsn).len(), 32);
        assert!(!a.pseudoniem(&bsn).contains("999900006"));
        assert_eq!(format!("{bsn:?}"), "Bsn(***)");
        assert!(!format!("{a:?}").contains("geheime"));
        Ok(())
    }

    #[test]
    fn short_or_missing_keys_are_refused() {
        assert_eq!(Pseudonymizer::new("").err(), Some(KeyError::Missing));
        assert_eq!(Pseudonymizer::new("kort").err(), Some(KeyError::TooShort));
    }

    #[test]
    fn finds_and_masks_bsn_like_text() {
        assert!(contains_bsn("verhuisd, bsn 999900006 bekend"));
        assert!(!contains_bsn("9999000061"));
        assert!(!contains_bsn("volgens plan 2024"));
        assert!(contains_bsn("bsn 1234.56.782"));
        assert_eq!(redact("abc 999900006 x"), "abc ********* x");
        assert_eq!(redact("abc 1234.56.782 x"), "abc ********* x");
        assert_eq!(redact("GROEP"), "GROEP");
    }
}

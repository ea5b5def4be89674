//! The keys and the sealing: a master key from outside the database, the keys derived
//! from it, and one random data key per youth.
//!
//! - The master key (32 bytes) never enters the database or a command line: it comes
//!   from a file or the environment ([`MasterKey::from_env`]).
//! - From it, HKDF-SHA256 derives the key-encryption key (wraps the youth keys) and the
//!   lookup key (a keyed hash of a pseudonym finds the youth's stream without storing the
//!   pseudonym in the clear).
//! - Every youth has a random data key. Personal fields are sealed under it with
//!   XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`), the associated data binding them
//!   to the youth's stream and the event type. The nonce is synthetic: an HMAC of the
//!   plaintext under the data key, so the same fact sealed twice gives the same bytes
//!   (a retried append is recognised as the same request by the store's idempotency
//!   check) and equal nonces only ever come with equal plaintexts.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::VaultError;

const NONCE: usize = 24;
const SALT: &[u8] = b"kringloop vault v1";
const CHECK_PLAINTEXT: &[u8] = b"kringloop: deze mastersleutel past bij deze database";

/// The environment variable with the master key (64 hex digits).
pub const ENV_KEY: &str = "KRINGLOOP_MASTERSLEUTEL";
/// The environment variable with the path of a file holding the master key.
pub const ENV_KEY_FILE: &str = "KRINGLOOP_MASTERSLEUTEL_BESTAND";

/// The master key. Not `Debug`, not `Display`: it is never printed.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// A fresh random key (`kringloop mastersleutel`, and the demo's key file).
    pub fn generate() -> MasterKey {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(k.as_mut());
        MasterKey(k)
    }

    /// Parses 64 hex digits (surrounding whitespace allowed: a file may end in a newline).
    pub fn from_hex(text: &str) -> Result<MasterKey, VaultError> {
        let text = Zeroizing::new(text.trim().to_owned());
        let mut k = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.as_bytes(), k.as_mut()).map_err(|_| {
            VaultError::MasterKey("de mastersleutel moet 64 hexadecimale tekens zijn".into())
        })?;
        Ok(MasterKey(k))
    }

    /// Reads the key from a file (64 hex digits).
    pub fn from_file(path: &std::path::Path) -> Result<MasterKey, VaultError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            VaultError::MasterKey(format!(
                "mastersleutelbestand {} is niet te lezen: {e}",
                path.display()
            ))
        })?);
        MasterKey::from_hex(&text)
    }

    /// The key named by the environment: [`ENV_KEY_FILE`] (a path) or [`ENV_KEY`] (the
    /// hex digits), not both. `None` when neither is set.
    pub fn from_env() -> Result<Option<MasterKey>, VaultError> {
        let file = std::env::var_os(ENV_KEY_FILE).filter(|v| !v.is_empty());
        let value = std::env::var(ENV_KEY).ok().filter(|v| !v.is_empty());
        match (file, value) {
            (Some(_), Some(_)) => Err(VaultError::MasterKey(format!(
                "zet {ENV_KEY_FILE} of {ENV_KEY}, niet allebei"
            ))),
            (Some(path), None) => MasterKey::from_file(std::path::Path::new(&path)).map(Some),
            (None, Some(v)) => MasterKey::from_hex(&Zeroizing::new(v)).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// The key as 64 hex digits, for writing a new key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    fn derive(&self, info: &[u8]) -> Zeroizing<[u8; 32]> {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(SALT), self.0.as_ref());
        let mut out = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's limit (255 × 32): this cannot fail.
        let _ = hk.expand(info, out.as_mut());
        out
    }
}

/// The keys derived from the master key.
pub(crate) struct Derived {
    wrap: XChaCha20Poly1305,
    lookup: Zeroizing<[u8; 32]>,
}

impl Derived {
    pub(crate) fn new(master: &MasterKey) -> Derived {
        let wrap_key = master.derive(b"youth key wrapping v1");
        Derived {
            wrap: XChaCha20Poly1305::new(&Key::from(*wrap_key)),
            lookup: master.derive(b"pseudonym lookup v1"),
        }
    }

    /// The keyed hash that finds a youth's stream by pseudonym.
    ///
    /// 128 bits of HMAC-SHA256: no two pseudonyms of a country meet by chance (for a
    /// million youths the chance is about 10^-27), and the unique index on it is half
    /// the size of one on all 256 bits, which a bulk append of new youths rewrites.
    pub(crate) fn lookup(&self, pseudonym: &str) -> Vec<u8> {
        hmac_parts(self.lookup.as_ref(), &[pseudonym.as_bytes()])[..16].to_vec()
    }

    /// A youth's data key, wrapped for the key table (bound to its stream).
    pub(crate) fn wrap(&self, stream: &str, key: &DataKey) -> Result<Vec<u8>, VaultError> {
        let aad = [b"youth key\0".as_slice(), stream.as_bytes()].concat();
        seal_random(&self.wrap, key.0.as_ref(), &aad)
    }

    pub(crate) fn unwrap(&self, stream: &str, wrapped: &[u8]) -> Result<DataKey, VaultError> {
        let aad = [b"youth key\0".as_slice(), stream.as_bytes()].concat();
        let plain = Zeroizing::new(open(&self.wrap, wrapped, &aad).map_err(|_| {
            VaultError::Corrupt(format!(
                "de sleutel van stroom `{stream}` is niet te openen"
            ))
        })?);
        let bytes: [u8; 32] = plain.as_slice().try_into().map_err(|_| {
            VaultError::Corrupt(format!(
                "de sleutel van stroom `{stream}` heeft een verkeerde lengte"
            ))
        })?;
        Ok(DataKey(Zeroizing::new(bytes)))
    }

    /// A value that only this master key opens, stored once per database.
    pub(crate) fn check_value(&self) -> Result<Vec<u8>, VaultError> {
        seal_random(&self.wrap, CHECK_PLAINTEXT, b"vault check")
    }

    /// Whether `value` was made by [`Derived::check_value`] under this master key.
    pub(crate) fn fits(&self, value: &[u8]) -> bool {
        open(&self.wrap, value, b"vault check").is_ok_and(|p| p == CHECK_PLAINTEXT)
    }
}

/// One youth's data key.
pub(crate) struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub(crate) fn generate() -> DataKey {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(k.as_mut());
        DataKey(k)
    }

    fn aad(stream: &str, what: &str) -> Vec<u8> {
        [stream.as_bytes(), b"\0", what.as_bytes()].concat()
    }

    /// Seals `plaintext` (the personal part of an event of type `what` in `stream`).
    /// Deterministic: see the module documentation.
    pub(crate) fn seal(
        &self,
        stream: &str,
        what: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let aad = Self::aad(stream, what);
        let tag = hmac_parts(self.0.as_ref(), &[b"nonce", &aad, plaintext]);
        let mut nonce = [0u8; NONCE];
        nonce.copy_from_slice(&tag[..NONCE]);
        let cipher = XChaCha20Poly1305::new(&Key::from(*self.0));
        let sealed = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Corrupt("versleutelen mislukt".into()))?;
        Ok([&tag[..NONCE], sealed.as_slice()].concat())
    }

    pub(crate) fn open(
        &self,
        stream: &str,
        what: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let cipher = XChaCha20Poly1305::new(&Key::from(*self.0));
        open(&cipher, sealed, &Self::aad(stream, what)).map_err(|_| {
            VaultError::Corrupt(format!(
                "verzegelde inhoud van een {what} in stroom `{stream}` is niet te openen"
            ))
        })
    }
}

fn hmac_parts(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return [0; 32];
    };
    for p in parts {
        mac.update(&(p.len() as u64).to_le_bytes());
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

fn seal_random(cipher: &XChaCha20Poly1305, msg: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut nonce = [0u8; NONCE];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg, aad })
        .map_err(|_| VaultError::Corrupt("versleutelen mislukt".into()))?;
    Ok([nonce.as_slice(), sealed.as_slice()].concat())
}

fn open(cipher: &XChaCha20Poly1305, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, ()> {
    if sealed.len() < NONCE {
        return Err(());
    }
    let (nonce, body) = sealed.split_at(NONCE);
    let mut n = [0u8; NONCE];
    n.copy_from_slice(nonce);
    cipher
        .decrypt(&XNonce::from(n), Payload { msg: body, aad })
        .map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_is_deterministic_and_bound_to_stream_and_type() {
        let k = DataKey::generate();
        let a = k
            .seal("jeugdige-~01", "Doorgeplaatst", b"{\"reden\":\"x\"}")
            .expect("seal");
        let b = k
            .seal("jeugdige-~01", "Doorgeplaatst", b"{\"reden\":\"x\"}")
            .expect("seal");
        assert_eq!(a, b);
        let c = k
            .seal("jeugdige-~01", "Doorgeplaatst", b"{\"reden\":\"y\"}")
            .expect("seal");
        assert_ne!(a[..NONCE], c[..NONCE]);
        assert_eq!(
            k.open("jeugdige-~01", "Doorgeplaatst", &a).expect("open"),
            b"{\"reden\":\"x\"}"
        );
        assert!(k.open("jeugdige-~02", "Doorgeplaatst", &a).is_err());
        assert!(k.open("jeugdige-~01", "PlaatsingBeeindigd", &a).is_err());
        assert!(
            DataKey::generate()
                .open("jeugdige-~01", "Doorgeplaatst", &a)
                .is_err()
        );
    }

    #[test]
    fn a_wrapped_key_opens_only_under_its_master_key_and_stream() {
        let m = Derived::new(&MasterKey::generate());
        let other = Derived::new(&MasterKey::generate());
        let k = DataKey::generate();
        let w = m.wrap("jeugdige-~01", &k).expect("wrap");
        let back = m.unwrap("jeugdige-~01", &w).expect("unwrap");
        assert_eq!(back.0.as_ref(), k.0.as_ref());
        assert!(m.unwrap("jeugdige-~02", &w).is_err());
        assert!(other.unwrap("jeugdige-~01", &w).is_err());
        let check = m.check_value().expect("check");
        assert!(m.fits(&check));
        assert!(!other.fits(&check));
    }

    #[test]
    fn master_keys_parse_from_hex_and_refuse_anything_else() {
        let k = MasterKey::generate();
        let again = MasterKey::from_hex(&format!("{}\n", k.to_hex().as_str())).expect("hex");
        assert_eq!(again.0.as_ref(), k.0.as_ref());
        assert!(MasterKey::from_hex("abc").is_err());
        assert!(MasterKey::from_hex(&"zz".repeat(32)).is_err());
        let d1 = Derived::new(&k);
        let d2 = Derived::new(&again);
        assert_eq!(d1.lookup("p1"), d2.lookup("p1"));
        assert_ne!(d1.lookup("p1"), d1.lookup("p2"));
    }
}

//! The interner: names (streams, facilities, gemeenten, …) to dense `u32` ids and back.

use std::hash::Hasher;
use std::sync::Arc;

use crate::feiten::GEEN;
use crate::mem::{Fx, FxMap, prefetch};

/// A short name kept inline in the interner's table, so a lookup compares it in the
/// table slot instead of following a pointer to a string elsewhere in memory (the fold
/// looks up the stream of every event; hundreds of thousands of youth streams). The
/// length is in the last byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShortName([u8; 32]);

const SHORT_MAX: usize = 31;

impl std::hash::Hash for ShortName {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        for c in self.0.chunks_exact(8) {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            state.write_u64(u64::from_le_bytes(a));
        }
    }
}

impl ShortName {
    #[inline]
    fn new(naam: &str) -> Option<ShortName> {
        let b = naam.as_bytes();
        if b.len() > SHORT_MAX {
            return None;
        }
        let mut bytes = [0u8; 32];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        bytes[SHORT_MAX] = u8::try_from(b.len()).ok()?;
        Some(ShortName(bytes))
    }

    fn text(&self) -> Option<&str> {
        let n = (self.0[SHORT_MAX] as usize).min(SHORT_MAX);
        std::str::from_utf8(self.0.get(..n)?).ok()
    }
}

/// Open addressing with linear probing for [`ShortName`] keys: the key sits in the slot
/// itself, so a lookup of a name not seen for a while costs one cache miss (the hash
/// map needs two: its control bytes and its entry).
#[derive(Debug, Clone, Default)]
struct ShortNameTable {
    slots: Vec<(ShortName, u32)>,
    n: usize,
}

/// An empty slot (a real key has a length of at most 31 in its last byte).
const EMPTY: ShortName = {
    let mut b = [0u8; 32];
    b[SHORT_MAX] = 0xFF;
    ShortName(b)
};

impl ShortNameTable {
    #[inline]
    fn start_slot(k: &ShortName, mask: usize) -> usize {
        let mut h = Fx::default();
        std::hash::Hash::hash(k, &mut h);
        (h.finish() as usize) & mask
    }

    #[inline]
    fn get(&self, k: &ShortName) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = Self::start_slot(k, mask);
        loop {
            let (sk, id) = self.slots.get(i)?;
            if sk == k {
                return Some(*id);
            }
            if *sk == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The slot where a lookup of `k` starts, and the one after it (a slot is 36 bytes,
    /// so a lookup that probes one further often reads a second cache line).
    #[inline]
    fn first_slots(&self, k: &ShortName) -> [Option<&(ShortName, u32)>; 2] {
        let Some(mask) = self.slots.len().checked_sub(1) else {
            return [None, None];
        };
        let i = Self::start_slot(k, mask);
        [self.slots.get(i), self.slots.get((i + 1) & mask)]
    }

    /// Moves every key into a table of `slots` slots (a power of two).
    fn rehash(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![(EMPTY, 0); slots]);
        for (sk, sid) in old {
            if sk != EMPTY {
                self.put(sk, sid);
            }
        }
    }

    /// Room for `n` keys without growing (growing rehashes every key into new memory).
    fn reserve(&mut self, n: usize) {
        let needed = (n * 10 / 7 + 1).next_power_of_two().max(64);
        if needed > self.slots.len() {
            self.rehash(needed);
        }
    }

    /// Inserts a key that is not in the table.
    fn insert(&mut self, k: ShortName, id: u32) {
        if (self.n + 1) * 10 > self.slots.len() * 7 {
            self.rehash((self.slots.len() * 2).max(64));
        }
        self.put(k, id);
        self.n += 1;
    }

    fn put(&mut self, k: ShortName, id: u32) {
        let mask = self.slots.len() - 1;
        let mut i = Self::start_slot(&k, mask);
        while let Some(slot) = self.slots.get_mut(i) {
            if slot.0 == EMPTY {
                *slot = (k, id);
                return;
            }
            i = (i + 1) & mask;
        }
    }
}

/// A name for the way back from id to text.
#[derive(Debug, Clone)]
enum Name {
    Short(ShortName),
    Long(Arc<str>),
}

/// Interner: strings to dense `u32` ids and back. Names up to 31 bytes are kept inline
/// (no allocation per name), longer ones as a shared string.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    short: ShortNameTable,
    long: FxMap<Arc<str>, u32>,
    names: Vec<Name>,
}

impl Interner {
    /// Room for `n` more names.
    pub fn reserve(&mut self, n: usize) {
        self.short.reserve(self.short.n + n);
        self.names.reserve(n);
    }

    #[inline]
    pub fn id(&mut self, naam: &str) -> u32 {
        let short = ShortName::new(naam);
        let known = match &short {
            Some(k) => self.short.get(k),
            None => self.long.get(naam).copied(),
        };
        if let Some(i) = known {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(GEEN);
        match short {
            Some(k) => {
                self.short.insert(k, i);
                self.names.push(Name::Short(k));
            }
            None => {
                let shared: Arc<str> = Arc::from(naam);
                self.long.insert(Arc::clone(&shared), i);
                self.names.push(Name::Long(shared));
            }
        }
        i
    }

    /// Asks the memory system for the slots where `naam` is looked up (see
    /// [`crate::Projection::prefetch_ahead`]); changes nothing.
    #[inline]
    pub fn prefetch(&self, naam: &str) {
        if let Some(k) = ShortName::new(naam) {
            self.short
                .first_slots(&k)
                .into_iter()
                .flatten()
                .for_each(prefetch);
        }
    }

    pub fn find(&self, naam: &str) -> Option<u32> {
        match ShortName::new(naam) {
            Some(k) => self.short.get(&k),
            None => self.long.get(naam).copied(),
        }
    }

    pub fn naam(&self, id: u32) -> Option<&str> {
        match self.names.get(id as usize)? {
            Name::Short(k) => k.text(),
            Name::Long(n) => Some(n),
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names of every length around the inline limit, many enough to grow the table
    /// several times, keep their ids both ways.
    #[test]
    fn namen_heen_en_terug() {
        let mut n = Interner::default();
        let naam = |i: usize| {
            let mut s = format!("jeugdige-{i}");
            s.extend(std::iter::repeat_n('x', i % 40));
            s
        };
        assert_eq!(n.id(""), 0);
        for i in 0..5000 {
            assert_eq!(n.id(&naam(i)) as usize, i + 1);
        }
        for i in 0..5000 {
            assert_eq!(n.id(&naam(i)) as usize, i + 1);
            assert_eq!(n.find(&naam(i)), Some(i as u32 + 1));
            assert_eq!(n.naam(i as u32 + 1), Some(naam(i).as_str()));
        }
        assert_eq!(n.find(""), Some(0));
        assert_eq!(n.naam(0), Some(""));
        assert_eq!(n.find("onbekend"), None);
        assert_eq!(n.find(&"y".repeat(40)), None);
        assert_eq!(n.len(), 5001);
    }
}

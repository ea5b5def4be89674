//! A writer for SQLite's binary JSON (JSONB, <https://sqlite.org/jsonb.html>; a stable,
//! documented on-disk format since SQLite 3.45), used to hand a whole chunk of rows to
//! SQLite as ONE bound blob: `INSERT … SELECT … FROM jsonb_each(?1)`.
//!
//! Why JSONB and not JSON text: strings go in as `TEXTRAW` elements, raw UTF-8 bytes
//! with a length header, so nothing is escaped here and nothing is unescaped in SQLite;
//! `value ->> i` returns exactly the bytes that were written (embedded NULs included).
//!
//! Every element is `header ‖ payload`. The header's low nibble is the type, the high
//! nibble the payload size (0–11 inline; 12/13/14 = 1/2/4 size bytes follow, big-endian).
//! Containers are written with a 4-byte size that is patched once the content is known;
//! SQLite accepts a size field wider than needed.

/// SQL NULL / JSON null.
const NULL: u8 = 0x0;
/// An integer as ASCII decimal digits.
const INT: u8 = 0x3;
/// A string of raw UTF-8 that needs no escaping in JSONB.
const TEXTRAW: u8 = 0xA;
/// An array: the concatenation of its elements.
const ARRAY: u8 = 0xB;
/// Header byte of a container with a 4-byte size field.
const WIDE: u8 = 0xE0;

/// A JSONB array of arrays (one inner array per row), built in one buffer.
#[derive(Debug)]
pub(crate) struct RowsWriter {
    buf: Vec<u8>,
    row_start: usize,
    rows: usize,
}

impl RowsWriter {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(bytes.max(16));
        buf.extend_from_slice(&[WIDE | ARRAY, 0, 0, 0, 0]);
        RowsWriter {
            buf,
            row_start: 0,
            rows: 0,
        }
    }

    /// Rows finished so far.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn begin_row(&mut self) {
        self.row_start = self.buf.len();
        self.buf.extend_from_slice(&[WIDE | ARRAY, 0, 0, 0, 0]);
    }

    pub(crate) fn end_row(&mut self) {
        patch_size(&mut self.buf, self.row_start);
        self.rows += 1;
    }

    /// The finished blob.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        patch_size(&mut self.buf, 0);
        self.buf
    }

    pub(crate) fn null(&mut self) {
        self.buf.push(NULL);
    }

    pub(crate) fn text(&mut self, s: &str) {
        self.header(TEXTRAW, s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Bytes as lowercase hex text, for `unhex(value ->> i)` on the SQL side.
    pub(crate) fn hex(&mut self, bytes: &[u8]) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        self.header(TEXTRAW, bytes.len() * 2);
        self.buf.reserve(bytes.len() * 2);
        for b in bytes {
            self.buf.push(DIGITS[usize::from(b >> 4)]);
            self.buf.push(DIGITS[usize::from(b & 0xf)]);
        }
    }

    pub(crate) fn opt_hex(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            Some(b) => self.hex(b),
            None => self.null(),
        }
    }

    pub(crate) fn int(&mut self, v: i64) {
        // At most 20 bytes: a sign and 19 digits.
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = v.unsigned_abs();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if v < 0 {
            i -= 1;
            digits[i] = b'-';
        }
        self.header(INT, digits.len() - i);
        self.buf.extend_from_slice(&digits[i..]);
    }

    fn header(&mut self, kind: u8, size: usize) {
        if size <= 11 {
            self.buf.push(((size as u8) << 4) | kind);
        } else if let Ok(s) = u8::try_from(size) {
            self.buf.extend_from_slice(&[0xC0 | kind, s]);
        } else if let Ok(s) = u16::try_from(size) {
            self.buf.push(0xD0 | kind);
            self.buf.extend_from_slice(&s.to_be_bytes());
        } else {
            // Callers keep every element below SQLite's 1 GB value limit, far below 4 GiB.
            let s = u32::try_from(size).unwrap_or(u32::MAX);
            self.buf.push(WIDE | kind);
            self.buf.extend_from_slice(&s.to_be_bytes());
        }
    }
}

/// Writes the payload size of the wide container header at `at`.
fn patch_size(buf: &mut [u8], at: usize) {
    let size = buf.len() - at - 5;
    let size = u32::try_from(size).unwrap_or(u32::MAX);
    buf[at + 1..at + 5].copy_from_slice(&size.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_ints() {
        let mut w = RowsWriter::with_capacity(0);
        w.begin_row();
        w.int(0);
        w.int(-12);
        w.int(i64::MIN);
        w.null();
        w.text("");
        w.text("abcdefghijkl"); // 12 bytes: one size byte
        w.hex(&[0x01, 0xab]);
        w.end_row();
        let blob = w.finish();
        let mut expected = vec![0xEB, 0, 0, 0, 0];
        let row: Vec<u8> = [
            &[0x13, b'0'][..],
            &[0x33, b'-', b'1', b'2'],
            &[0xC3, 20],
            b"-9223372036854775808",
            &[0x00],
            &[0x0A],
            &[0xCA, 12],
            b"abcdefghijkl",
            &[0x4A],
            b"01ab",
        ]
        .concat();
        expected.push(0xEB);
        expected.extend_from_slice(&(row.len() as u32).to_be_bytes());
        expected.extend_from_slice(&row);
        let outer = (expected.len() - 5) as u32;
        expected[1..5].copy_from_slice(&outer.to_be_bytes());
        assert_eq!(blob, expected);
    }
}

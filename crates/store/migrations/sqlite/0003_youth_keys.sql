-- Crypto-shredding: each youth's personal fields are sealed under a data key of its own,
-- and that key lives here, wrapped by a master key that never enters the database. The
-- log stays append-only; erasing a youth deletes its row, and without the data key its
-- sealed fields in the log can no longer be read. So this table, unlike `events`, must
-- allow DELETE (no refuse triggers here), and the store deletes with
-- `secure_delete = ON` and a truncating WAL checkpoint, so no copy of a deleted row stays
-- in the database files. To the store the columns are opaque bytes.
CREATE TABLE youth_keys (
    stream           TEXT    PRIMARY KEY,   -- the youth's physical stream
    lookup           BLOB    NOT NULL UNIQUE, -- keyed hash of the pseudonym (16 bytes)
    wrapped_key      BLOB    NOT NULL,      -- the data key, wrapped under the master key
    sealed_pseudonym BLOB    NOT NULL,      -- the pseudonym, sealed under the data key
    created_at       INTEGER NOT NULL       -- microseconds since the epoch, UTC
);

-- One row: a value sealed under the master key, which proves that a master key fits
-- this database before anything is sealed with it.
CREATE TABLE vault (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    check_value BLOB    NOT NULL
);

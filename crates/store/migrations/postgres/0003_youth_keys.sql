-- Crypto-shredding: each youth's personal fields are sealed under a data key of its own,
-- and that key lives here, wrapped by a master key that never enters the database. The
-- log stays append-only; erasing a youth deletes its row, and without the data key its
-- sealed fields in the log can no longer be read. So this table, unlike `events`, must
-- allow DELETE (no refuse triggers here), and the store rewrites it with VACUUM FULL
-- after a delete, so the dead row's bytes do not stay behind in a page. To the store
-- the columns are opaque bytes.
CREATE TABLE youth_keys (
    stream           TEXT COLLATE "C" PRIMARY KEY,  -- the youth's physical stream
    lookup           BYTEA       NOT NULL UNIQUE,   -- keyed hash of the pseudonym (16 bytes)
    wrapped_key      BYTEA       NOT NULL,          -- the data key, wrapped under the master key
    sealed_pseudonym BYTEA       NOT NULL,          -- the pseudonym, sealed under the data key
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row: a value sealed under the master key, which proves that a master key fits
-- this database before anything is sealed with it.
CREATE TABLE vault (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    check_value BYTEA   NOT NULL
);

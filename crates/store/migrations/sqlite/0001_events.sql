-- The append-only event log. `position` is the rowid alias: one writer task assigns it
-- densely under BEGIN IMMEDIATE, so rowid order is commit order.
CREATE TABLE events (
    position        INTEGER PRIMARY KEY,
    stream          TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_id        BLOB    NOT NULL,          -- UUID, 16 bytes
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    payload         TEXT    NOT NULL,          -- exact JSON text; the hash covers these bytes
    valid_date      TEXT,                      -- YYYY-MM-DD
    recorded_at     INTEGER NOT NULL,          -- microseconds since the epoch, UTC
    recorded_by     TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    correlation_id  BLOB,
    causation_id    BLOB,
    idempotency_key TEXT,
    prev_hash       BLOB    NOT NULL,
    hash            BLOB    NOT NULL,
    CHECK (position >= 1 AND stream_version >= 1),
    CHECK (length(prev_hash) = 32 AND length(hash) = 32)
);

-- Doubles as the by-stream index.
CREATE UNIQUE INDEX events_stream_version ON events (stream, stream_version);
CREATE UNIQUE INDEX events_event_id ON events (event_id);
CREATE INDEX events_by_type ON events (event_type, position);
CREATE INDEX events_by_recorded_at ON events (recorded_at, position);

-- Repeat detection for idempotency keys: the first result of each key.
CREATE TABLE idempotency_keys (
    key             TEXT    PRIMARY KEY,
    stream          TEXT    NOT NULL,
    first_position  INTEGER NOT NULL,
    last_position   INTEGER NOT NULL,
    stream_version  INTEGER NOT NULL,
    recorded_at     INTEGER NOT NULL
) WITHOUT ROWID;

-- The database itself refuses to change history.
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only: UPDATE refused');
END;

CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only: DELETE refused');
END;

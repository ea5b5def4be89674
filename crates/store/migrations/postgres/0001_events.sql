-- The append-only event log. `position` is assigned by the store under a transaction-level
-- advisory lock (not a bigserial), so positions are dense and commit in order.
CREATE TABLE events (
    position        BIGINT      PRIMARY KEY,
    stream          TEXT        NOT NULL,
    stream_version  BIGINT      NOT NULL,
    event_id        UUID        NOT NULL,
    event_type      TEXT        NOT NULL,
    schema_version  INTEGER     NOT NULL,
    -- json, not jsonb: json keeps the exact bytes, and the hash covers the exact bytes.
    payload         JSON        NOT NULL,
    valid_date      DATE,
    recorded_at     TIMESTAMPTZ NOT NULL,
    recorded_by     TEXT        NOT NULL,
    source          TEXT        NOT NULL,
    correlation_id  UUID,
    causation_id    UUID,
    idempotency_key TEXT,
    prev_hash       BYTEA       NOT NULL,
    hash            BYTEA       NOT NULL,
    CONSTRAINT events_position_positive CHECK (position >= 1 AND stream_version >= 1),
    CONSTRAINT events_hash_length CHECK (octet_length(prev_hash) = 32 AND octet_length(hash) = 32)
);

-- Doubles as the by-stream index.
CREATE UNIQUE INDEX events_stream_version ON events (stream, stream_version);
CREATE UNIQUE INDEX events_event_id ON events (event_id);
CREATE INDEX events_by_type ON events (event_type, position);
CREATE INDEX events_by_recorded_at ON events (recorded_at, position);

-- Repeat detection for idempotency keys: the first result of each key.
CREATE TABLE idempotency_keys (
    key             TEXT        PRIMARY KEY,
    stream          TEXT        NOT NULL,
    first_position  BIGINT      NOT NULL,
    last_position   BIGINT      NOT NULL,
    stream_version  BIGINT      NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL
);

-- The database itself refuses to change history.
CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_refuse_update_delete
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

CREATE TRIGGER events_refuse_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

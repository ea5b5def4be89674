-- Stream names, event types and idempotency keys are identifiers, not prose: compare them
-- byte by byte (COLLATE "C") instead of by the database's locale. Every append probes
-- and extends the B-trees on these columns (`events_stream_version`, `events_by_type`,
-- the key table); under a locale collation each comparison goes through strcoll, which
-- was ~12 % of the server's time in a CSV import. Nothing orders by these columns, and
-- equality is the same under both collations (the names are compared exactly either way).
ALTER TABLE events
    ALTER COLUMN stream TYPE TEXT COLLATE "C",
    ALTER COLUMN event_type TYPE TEXT COLLATE "C";

ALTER TABLE idempotency_keys
    ALTER COLUMN key TYPE TEXT COLLATE "C",
    ALTER COLUMN stream TYPE TEXT COLLATE "C";

-- REPLACE INTO events / INSERT OR REPLACE INTO events remove the rows they collide with
-- (same position, event id, or stream and version) without firing `events_refuse_delete`:
-- SQLite runs no delete triggers for REPLACE's implicit deletes unless the connection has
-- `recursive_triggers` on. Refuse them in the database too, whatever the connection's
-- settings.
--
-- A trigger cannot see a statement's conflict clause, but a statement in a trigger body
-- takes over the clause of the statement that fired it, when that one has one
-- (`INSERT OR …`, `REPLACE`). So before every row the trigger inserts, with OR IGNORE,
-- a row that no CHECK lets into `events_replace_guard`:
--   * plain INSERT (the store's), INSERT … ON CONFLICT (UPSERT) and INSERT OR IGNORE:
--     the guard row is skipped, nothing happens. Collisions in `events` then answer as
--     before (the store tells a stored event id by its UNIQUE error), and an UPSERT's
--     DO UPDATE meets `events_refuse_update`;
--   * REPLACE and INSERT OR REPLACE: a CHECK failure under REPLACE aborts the statement
--     (SQLite does not replace a row to satisfy a CHECK), so the whole statement fails
--     with the constraint's name as its message, before anything is replaced;
--   * INSERT OR ABORT / OR FAIL / OR ROLLBACK fail the same way, colliding or not: rows
--     are added by the store's plain INSERT only.
-- With `PRAGMA ignore_check_constraints` on, the guard row would go in and nothing would
-- be refused; the second step refuses every row then (and the abort takes the guard row
-- back out). Cost: every insert into `events` runs this trigger, and a table with row
-- triggers makes SQLite buffer an INSERT … SELECT's rows before inserting them; about
-- 10 % more instructions per event in a bulk append (callgrind, `store_perf` example).
CREATE TABLE events_replace_guard (
    refused INTEGER,
    CONSTRAINT "events is append-only: REPLACE refused (only INSERT and INSERT OR IGNORE add rows)"
        CHECK (0)
);

CREATE TRIGGER events_refuse_replace BEFORE INSERT ON events
BEGIN
    INSERT OR IGNORE INTO events_replace_guard (refused) VALUES (1);
    SELECT RAISE(ABORT, 'events is append-only: no row is added while CHECK constraints are ignored')
        WHERE EXISTS (SELECT 1 FROM events_replace_guard);
END;

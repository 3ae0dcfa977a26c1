-- A payload that several deliveries of one enqueue carry, as the deliveries
-- of one event to several endpoints do, gets a row of its own. The event
-- writes its bytes once, and the claims and records that rewrite those
-- delivery rows rewrite small rows. refs counts the deliveries that point to
-- a payload, and the trigger deletes the payload with the last of them. A
-- payload that one delivery carries stays in deliveries.payload, with
-- payload_id 0, as every payload written before this migration does.
CREATE TABLE payloads (
    id   INTEGER PRIMARY KEY,
    refs INTEGER NOT NULL,
    body BLOB NOT NULL
);
ALTER TABLE deliveries ADD COLUMN payload_id INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER deliveries_release_payload AFTER DELETE ON deliveries
WHEN old.payload_id != 0
BEGIN
    UPDATE payloads SET refs = refs - 1 WHERE id = old.payload_id;
    DELETE FROM payloads WHERE id = old.payload_id AND refs <= 0;
END;

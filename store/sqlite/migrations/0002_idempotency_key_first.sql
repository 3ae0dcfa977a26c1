-- The idempotency index leads with the key. The deliveries of one event
-- share their key, so an event's rows go to one page of this index instead
-- of one page per target, and each commit writes fewer pages. Uniqueness
-- and the lookups by target and key are unchanged.
DROP INDEX deliveries_idempotency;
CREATE UNIQUE INDEX deliveries_idempotency ON deliveries (idempotency_key, target_id)
    WHERE idempotency_key != '';

-- A new delivery enters the per-target and per-user indexes later, in a
-- batch. Each delivery of an event has its own place in deliveries_target,
-- so indexing it at the insert wrote one index page per endpoint, and often
-- their neighbours, at every Dispatch. New rows have indexed = 0 and sit
-- only in deliveries_unindexed, which grows at its end. The record of an
-- attempt, which rewrites the row anyway, sets indexed = 1 for a whole batch
-- of rows in one commit, and the store indexes rows that wait longer than a
-- second in the background. Listings read both sets.
ALTER TABLE deliveries ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1;
DROP INDEX deliveries_target;
DROP INDEX deliveries_user;
CREATE INDEX deliveries_target ON deliveries (target_id, id) WHERE indexed = 1;
CREATE INDEX deliveries_user ON deliveries (user_id, id) WHERE indexed = 1;
CREATE INDEX deliveries_unindexed ON deliveries (id) WHERE indexed = 0;

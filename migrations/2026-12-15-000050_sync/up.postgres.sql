-- Why commit order: the number is taken by a DEFERRED trigger, so at COMMIT, and the
-- counter row stays locked until the commit is done; the next writer waits for it. A reader
-- therefore sees the numbers as a prefix (no transaction with a lower number can commit
-- after one with a higher number became visible). Taking the number at commit, after every
-- row lock the transaction takes, also means the counter never enters a lock cycle.
-- The cost: committing writers of these three tables queue on that one row for the length
-- of their commit (docs/PERFORMANCE.md, "Sync stamps"), and each change writes its row twice.
INSERT INTO sync_sequence (id, value) VALUES (1, GREATEST(
    (SELECT COUNT(*) FROM needs), (SELECT COUNT(*) FROM offers), (SELECT COUNT(*) FROM matches)));
INSERT INTO sync_seen (item_id, visibility)
    SELECT id, visibility FROM needs WHERE status NOT IN ('draft', 'withdrawn')
    UNION SELECT id, visibility FROM offers WHERE status NOT IN ('draft', 'withdrawn')
    ON CONFLICT DO NOTHING;

CREATE INDEX needs_change_seq_idx ON needs (change_seq, id);
CREATE INDEX offers_change_seq_idx ON offers (change_seq, id);
CREATE INDEX matches_change_seq_idx ON matches (change_seq, id);

-- The private states ('draft', 'withdrawn') are `lifecycle::need_is_private` and
-- `offer_is_private`; the unit test
-- `catalogue::store::tests::the_sync_triggers_know_the_private_states` checks the two agree.
-- The row is read as it is at commit: a state it had only inside the transaction was never
-- visible to anyone.
CREATE FUNCTION sync_stamp() RETURNS trigger AS $$
DECLARE
    seq BIGINT;
BEGIN
    UPDATE sync_sequence SET value = value + 1 WHERE id = 1 RETURNING value INTO seq;
    EXECUTE format('UPDATE %I SET change_seq = $1 WHERE id = $2', TG_TABLE_NAME)
        USING seq, NEW.id;
    IF TG_TABLE_NAME IN ('needs', 'offers') THEN
        EXECUTE format(
            'INSERT INTO sync_seen (item_id, visibility) SELECT id, visibility FROM %I '
            'WHERE id = $1 AND status NOT IN (''draft'', ''withdrawn'') ON CONFLICT DO NOTHING',
            TG_TABLE_NAME) USING NEW.id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

-- `pg_trigger_depth() = 0`: the stamp's own UPDATE (at depth 1) queues no second stamp.
CREATE CONSTRAINT TRIGGER needs_sync_stamp AFTER INSERT OR UPDATE ON needs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION sync_stamp();
CREATE CONSTRAINT TRIGGER offers_sync_stamp AFTER INSERT OR UPDATE ON offers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION sync_stamp();
CREATE CONSTRAINT TRIGGER matches_sync_stamp AFTER INSERT OR UPDATE ON matches
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION sync_stamp();

-- SQLite has one writer, so numbers taken in statement order are in commit order.
INSERT INTO sync_sequence (id, value) VALUES (1, MAX(
    (SELECT COUNT(*) FROM needs), (SELECT COUNT(*) FROM offers), (SELECT COUNT(*) FROM matches)));
INSERT OR IGNORE INTO sync_seen (item_id, visibility)
    SELECT id, visibility FROM needs WHERE status NOT IN ('draft', 'withdrawn')
    UNION SELECT id, visibility FROM offers WHERE status NOT IN ('draft', 'withdrawn');

CREATE INDEX needs_change_seq_idx ON needs (change_seq, id);
CREATE INDEX offers_change_seq_idx ON offers (change_seq, id);
CREATE INDEX matches_change_seq_idx ON matches (change_seq, id);

-- The private states ('draft', 'withdrawn') are `lifecycle::need_is_private` and
-- `offer_is_private`; the unit test
-- `catalogue::store::tests::the_sync_triggers_know_the_private_states` checks the two agree.
-- The stamp's own UPDATE changes change_seq, so the update triggers' WHEN keeps it from
-- stamping again.
CREATE TRIGGER needs_sync_insert AFTER INSERT ON needs BEGIN
    UPDATE sync_sequence SET value = value + 1;
    UPDATE needs SET change_seq = (SELECT value FROM sync_sequence) WHERE id = NEW.id;
    INSERT OR IGNORE INTO sync_seen (item_id, visibility)
        SELECT NEW.id, NEW.visibility WHERE NEW.status NOT IN ('draft', 'withdrawn');
END;
CREATE TRIGGER needs_sync_update AFTER UPDATE ON needs
    WHEN NEW.change_seq = OLD.change_seq BEGIN
    UPDATE sync_sequence SET value = value + 1;
    UPDATE needs SET change_seq = (SELECT value FROM sync_sequence) WHERE id = NEW.id;
    INSERT OR IGNORE INTO sync_seen (item_id, visibility)
        SELECT NEW.id, NEW.visibility WHERE NEW.status NOT IN ('draft', 'withdrawn');
END;
CREATE TRIGGER offers_sync_insert AFTER INSERT ON offers BEGIN
    UPDATE sync_sequence SET value = value + 1;
    UPDATE offers SET change_seq = (SELECT value FROM sync_sequence) WHERE id = NEW.id;
    INSERT OR IGNORE INTO sync_seen (item_id, visibility)
        SELECT NEW.id, NEW.visibility WHERE NEW.status NOT IN ('draft', 'withdrawn');
END;
CREATE TRIGGER offers_sync_update AFTER UPDATE ON offers
    WHEN NEW.change_seq = OLD.change_seq BEGIN
    UPDATE sync_sequence SET value = value + 1;
    UPDATE offers SET change_seq = (SELECT value FROM sync_sequence) WHERE id = NEW.id;
    INSERT OR IGNORE INTO sync_seen (item_id, visibility)
        SELECT NEW.id, NEW.visibility WHERE NEW.status NOT IN ('draft', 'withdrawn');
END;
CREATE TRIGGER matches_sync_insert AFTER INSERT ON matches BEGIN
    UPDATE sync_sequence SET value = value + 1;
    UPDATE matches SET change_seq = (SELECT value FROM sync_sequence) WHERE id = NEW.id;
END;
CREATE TRIGGER matches_sync_update AFTER UPDATE ON matches
    WHEN NEW.change_seq = OLD.change_seq BEGIN
    UPDATE sync_sequence SET value = value + 1;
    UPDATE matches SET change_seq = (SELECT value FROM sync_sequence) WHERE id = NEW.id;
END;

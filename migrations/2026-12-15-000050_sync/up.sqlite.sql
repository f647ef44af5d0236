-- Incremental sync (docs/API.md, "Incremental sync"): every insert or update of a need, an
-- offer or a match takes the next number of one counter, so `ORDER BY change_seq` is the
-- order in which changes were committed (SQLite has one writer), and a partner that keeps
-- the last number it read never skips a change.
CREATE TABLE sync_sequence (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    value BIGINT NOT NULL
);

-- Each visibility an item had while its state was not private (not draft, not withdrawn):
-- who could have read it at some point, so that only they are told it left their view.
CREATE TABLE sync_seen (
    item_id    TEXT NOT NULL,
    visibility TEXT NOT NULL,
    PRIMARY KEY (item_id, visibility)
);

ALTER TABLE needs ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE offers ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE matches ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;

-- Rows written before this migration, numbered in the order they last changed.
UPDATE needs SET change_seq = r.n
    FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY updated_at, id) AS n FROM needs) AS r
    WHERE r.id = needs.id;
UPDATE offers SET change_seq = r.n
    FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY updated_at, id) AS n FROM offers) AS r
    WHERE r.id = offers.id;
UPDATE matches SET change_seq = r.n
    FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY updated_at, id) AS n FROM matches) AS r
    WHERE r.id = matches.id;
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

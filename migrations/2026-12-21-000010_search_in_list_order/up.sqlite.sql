-- Free-text search that walks in the lists' newest-first order and stops at the page
-- (docs/PERFORMANCE.md, "List and search that follow the page"). The FTS5 tables are rebuilt
-- so that an item's rowid is its place in that order: its created_at in microseconds since
-- 1970, times 1024, plus a number for items created in the same microsecond (0 for the
-- first; the store sorts such ties by id, as the list does). `ORDER BY rowid DESC LIMIT n`
-- then streams the matches newest first, and a common word stops after a page instead of
-- materialising every match. created_at is written once, at insert, so the key never moves.
-- The same expression is `catalogue::store::search_key` in Rust: the two must agree
-- (created_at is stored as `YYYY-MM-DD HH:MM:SS` and 0, 3 or 6 digits of a second).

DROP TRIGGER needs_fts_insert;
DROP TRIGGER needs_fts_update;
DROP TRIGGER needs_fts_delete;
DROP TABLE needs_fts;
CREATE VIRTUAL TABLE needs_fts USING fts5(id UNINDEXED, title, description, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO needs_fts (rowid, id, title, description)
SELECT (CAST(strftime('%s', created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024
        + row_number() OVER (PARTITION BY created_at ORDER BY id) - 1,
    id, title, description
FROM needs;
CREATE TRIGGER needs_fts_insert AFTER INSERT ON needs BEGIN
    -- 1,024 items in one microsecond would spill into the next one's keys.
    SELECT RAISE(ABORT, 'too many needs created in one microsecond')
    FROM (SELECT (CAST(strftime('%s', new.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(new.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024 AS k)
    WHERE (SELECT max(rowid) FROM needs_fts WHERE rowid BETWEEN k AND k + 1023) = k + 1023;
    INSERT INTO needs_fts (rowid, id, title, description)
    SELECT coalesce((SELECT max(rowid) + 1 FROM needs_fts WHERE rowid BETWEEN k AND k + 1023), k),
        new.id, new.title, new.description
    FROM (SELECT (CAST(strftime('%s', new.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(new.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024 AS k);
END;
-- The key bounds the item's row to its microsecond: no scan of the whole table for `id`.
CREATE TRIGGER needs_fts_update AFTER UPDATE OF title, description ON needs BEGIN
    UPDATE needs_fts SET title = new.title, description = new.description
    WHERE id = old.id AND rowid BETWEEN (CAST(strftime('%s', old.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(old.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024
        AND (CAST(strftime('%s', old.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(old.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024 + 1023;
END;
CREATE TRIGGER needs_fts_delete AFTER DELETE ON needs BEGIN
    DELETE FROM needs_fts
    WHERE id = old.id AND rowid BETWEEN (CAST(strftime('%s', old.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(old.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024
        AND (CAST(strftime('%s', old.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(old.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024 + 1023;
END;

DROP TRIGGER offers_fts_insert;
DROP TRIGGER offers_fts_update;
DROP TRIGGER offers_fts_delete;
DROP TABLE offers_fts;
CREATE VIRTUAL TABLE offers_fts USING fts5(id UNINDEXED, title, description, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO offers_fts (rowid, id, title, description)
SELECT (CAST(strftime('%s', created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024
        + row_number() OVER (PARTITION BY created_at ORDER BY id) - 1,
    id, title, description
FROM offers;
CREATE TRIGGER offers_fts_insert AFTER INSERT ON offers BEGIN
    -- 1,024 items in one microsecond would spill into the next one's keys.
    SELECT RAISE(ABORT, 'too many offers created in one microsecond')
    FROM (SELECT (CAST(strftime('%s', new.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(new.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024 AS k)
    WHERE (SELECT max(rowid) FROM offers_fts WHERE rowid BETWEEN k AND k + 1023) = k + 1023;
    INSERT INTO offers_fts (rowid, id, title, description)
    SELECT coalesce((SELECT max(rowid) + 1 FROM offers_fts WHERE rowid BETWEEN k AND k + 1023), k),
        new.id, new.title, new.description
    FROM (SELECT (CAST(strftime('%s', new.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(new.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024 AS k);
END;
-- The key bounds the item's row to its microsecond: no scan of the whole table for `id`.
CREATE TRIGGER offers_fts_update AFTER UPDATE OF title, description ON offers BEGIN
    UPDATE offers_fts SET title = new.title, description = new.description
    WHERE id = old.id AND rowid BETWEEN (CAST(strftime('%s', old.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(old.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024
        AND (CAST(strftime('%s', old.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(old.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024 + 1023;
END;
CREATE TRIGGER offers_fts_delete AFTER DELETE ON offers BEGIN
    DELETE FROM offers_fts
    WHERE id = old.id AND rowid BETWEEN (CAST(strftime('%s', old.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(old.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024
        AND (CAST(strftime('%s', old.created_at) AS INTEGER) * 1000000
        + CAST(substr(substr(old.created_at, 21) || '000000', 1, 6) AS INTEGER)) * 1024 + 1023;
END;

-- The filtered list (theme + country, newest first; open needs unless asked otherwise)
-- walked this index in order already; it now also carries what the visibility rule reads,
-- so that a need the reader may not see costs no read of the table.
DROP INDEX needs_country_status_created_idx;
CREATE INDEX needs_country_status_created_idx
    ON needs (country, status, created_at, id, visibility, organisation_id);

-- Incremental sync (docs/API.md, "Incremental sync"): every insert or update of a need, an
-- offer or a match takes the next number of one counter, so `ORDER BY change_seq` is the
-- order in which changes were committed, and a partner that keeps the last number it read
-- never skips a change. How each engine takes the numbers in commit order: up.<engine>.sql.
CREATE TABLE sync_sequence (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    value BIGINT NOT NULL
);

-- Each visibility an item had, at a commit, while its state was not private (not draft,
-- not withdrawn): who could have read it at some point, so that only they are told it left
-- their view.
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

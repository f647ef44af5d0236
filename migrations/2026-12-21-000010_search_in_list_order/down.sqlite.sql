DROP INDEX needs_country_status_created_idx;
CREATE INDEX needs_country_status_created_idx ON needs (country, status, created_at, id);

DROP TRIGGER needs_fts_insert;
DROP TRIGGER needs_fts_update;
DROP TRIGGER needs_fts_delete;
DROP TABLE needs_fts;
CREATE VIRTUAL TABLE needs_fts USING fts5(id UNINDEXED, title, description, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO needs_fts (id, title, description) SELECT id, title, description FROM needs;
CREATE TRIGGER needs_fts_insert AFTER INSERT ON needs BEGIN
    INSERT INTO needs_fts (id, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER needs_fts_update AFTER UPDATE OF title, description ON needs BEGIN
    DELETE FROM needs_fts WHERE id = old.id;
    INSERT INTO needs_fts (id, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER needs_fts_delete AFTER DELETE ON needs BEGIN
    DELETE FROM needs_fts WHERE id = old.id;
END;

DROP TRIGGER offers_fts_insert;
DROP TRIGGER offers_fts_update;
DROP TRIGGER offers_fts_delete;
DROP TABLE offers_fts;
CREATE VIRTUAL TABLE offers_fts USING fts5(id UNINDEXED, title, description, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO offers_fts (id, title, description) SELECT id, title, description FROM offers;
CREATE TRIGGER offers_fts_insert AFTER INSERT ON offers BEGIN
    INSERT INTO offers_fts (id, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER offers_fts_update AFTER UPDATE OF title, description ON offers BEGIN
    DELETE FROM offers_fts WHERE id = old.id;
    INSERT INTO offers_fts (id, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER offers_fts_delete AFTER DELETE ON offers BEGIN
    DELETE FROM offers_fts WHERE id = old.id;
END;

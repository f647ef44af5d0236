-- Free-text search: FTS5 indexes of title and description, kept in step by triggers.
CREATE VIRTUAL TABLE needs_fts USING fts5(id UNINDEXED, title, description, tokenize = 'unicode61 remove_diacritics 2');
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

CREATE VIRTUAL TABLE offers_fts USING fts5(id UNINDEXED, title, description, tokenize = 'unicode61 remove_diacritics 2');
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

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

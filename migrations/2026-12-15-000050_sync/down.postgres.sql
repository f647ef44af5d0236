DROP TRIGGER matches_sync_stamp ON matches;
DROP TRIGGER offers_sync_stamp ON offers;
DROP TRIGGER needs_sync_stamp ON needs;
DROP FUNCTION sync_stamp();
ALTER TABLE matches DROP COLUMN change_seq;
ALTER TABLE offers DROP COLUMN change_seq;
ALTER TABLE needs DROP COLUMN change_seq;
DROP TABLE sync_seen;
DROP TABLE sync_sequence;

ALTER TABLE offer_themes DROP COLUMN position;
ALTER TABLE need_themes DROP COLUMN position;

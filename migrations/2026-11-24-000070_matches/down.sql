DROP TABLE matches;
ALTER TABLE needs DROP COLUMN quantity_covered;

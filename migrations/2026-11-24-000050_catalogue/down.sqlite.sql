DROP TABLE offers_fts;
DROP TABLE needs_fts;

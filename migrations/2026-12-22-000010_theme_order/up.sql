-- The order in which a requester or provider listed an item's themes: the first is its main
-- one, which the matcher weighs most (docs/RANKING.md, "theme"). Rows written before this
-- migration all get 0 and read back in code order, as they did.
ALTER TABLE need_themes ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE offer_themes ADD COLUMN position INTEGER NOT NULL DEFAULT 0;

DROP TABLE audit_log;
DROP TABLE offer_themes;
DROP TABLE offers;
DROP TABLE need_themes;
DROP TABLE needs;
DROP TABLE themes;

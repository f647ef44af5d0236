DROP TABLE match_reports;
DROP TABLE reminders_sent;

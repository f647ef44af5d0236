DROP TABLE digest_items;
DROP TABLE notification_preferences;
DROP TABLE email_tokens;
DROP TABLE outbox;

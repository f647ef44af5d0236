ALTER TABLE audit_log DROP COLUMN actor_client_id;
DROP TABLE api_clients;

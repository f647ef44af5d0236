DROP FUNCTION audit_log_refuse_change();

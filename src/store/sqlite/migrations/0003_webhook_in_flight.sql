-- 0003: per-webhook max_in_flight (NULL: follow [webhooks] max_in_flight).

ALTER TABLE webhooks ADD COLUMN max_in_flight INTEGER;

-- Events naming no location or company were stored with an empty fairness key, which the claim's
-- round-robin (keys after the cursor, starting at '') never reaches: they waited forever. Their key is
-- '-' now; rows already waiting get it too.
UPDATE "webhook_events" SET "fairness_key" = '-' WHERE "fairness_key" = '' AND "status" IN ('pending', 'retry');

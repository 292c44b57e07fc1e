-- The crm module owns the write-through outbox now: its job kinds are crm.push-* (were ghl.push-*).
-- Jobs queued before the upgrade keep running under their new names.
UPDATE "jobs" SET "kind" = 'crm.push-' || substr("kind", length('ghl.push-') + 1) WHERE "kind" LIKE 'ghl.push-%';

-- Setup sync and reconciliation belong to the crm module: their job kinds and the reconcile cron
-- job are crm.* (were ghl.*). Queued jobs keep running under their new names.
UPDATE "jobs" SET "kind" = 'crm.setup-sync' WHERE "kind" = 'ghl.setup-sync';
--> statement-breakpoint
UPDATE "jobs" SET "kind" = 'crm.reconcile-location' WHERE "kind" = 'ghl.reconcile-location';
--> statement-breakpoint
UPDATE "scheduled_runs" SET "job_name" = 'crm.reconcile' WHERE "job_name" = 'ghl.reconcile';

DROP POLICY "reconcile_run_entities_tenant_isolation" ON "reconcile_run_entities" CASCADE;--> statement-breakpoint
DROP TABLE "reconcile_run_entities" CASCADE;--> statement-breakpoint
DROP POLICY "reconcile_runs_tenant_isolation" ON "reconcile_runs" CASCADE;--> statement-breakpoint
DROP TABLE "reconcile_runs" CASCADE;--> statement-breakpoint
DROP POLICY "sync_runs_tenant_isolation" ON "sync_runs" CASCADE;--> statement-breakpoint
DROP TABLE "sync_runs" CASCADE;--> statement-breakpoint
DROP POLICY "sync_steps_tenant_isolation" ON "sync_steps" CASCADE;--> statement-breakpoint
DROP TABLE "sync_steps" CASCADE;
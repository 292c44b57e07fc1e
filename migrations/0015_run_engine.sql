CREATE TABLE "run_steps" (
	"run_id" text NOT NULL,
	"step" text NOT NULL,
	"kind" text NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"position" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"params" jsonb,
	"cursor" jsonb,
	"high_water_at" timestamp with time zone,
	"record_count" integer DEFAULT 0 NOT NULL,
	"request_count" integer DEFAULT 0 NOT NULL,
	"rate_limited_count" integer DEFAULT 0 NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_steps_run_id_step_pk" PRIMARY KEY("run_id","step")
);
--> statement-breakpoint
ALTER TABLE "run_steps" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"params" jsonb NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"job_id" text,
	"ready_at" timestamp with time zone,
	"summary" jsonb,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "runs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "run_steps_location_kind_idx" ON "run_steps" USING btree ("location_id","kind","step","finished_at");--> statement-breakpoint
CREATE INDEX "runs_location_kind_idx" ON "runs" USING btree ("location_id","kind","created_at");--> statement-breakpoint
CREATE POLICY "run_steps_tenant_isolation" ON "run_steps" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "runs_tenant_isolation" ON "runs" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));
--> statement-breakpoint
-- Hand-written: an upgraded install keeps its setup sync and reconciliation history in the new tables.
INSERT INTO "runs" ("id", "kind", "company_id", "location_id", "params", "trigger", "status", "job_id", "ready_at", "summary", "error", "started_at", "finished_at", "created_at", "updated_at")
SELECT s."id", 'setup-sync', s."company_id", s."location_id", jsonb_build_object('ghlLocationId', s."ghl_location_id"), s."trigger", s."status",
  (SELECT j."id"::text FROM "jobs" j WHERE j."kind" = 'ghl.setup-sync' AND j."idempotency_key" = s."id"),
  s."usable_at",
  CASE WHEN s."grade" IS NULL THEN s."report" ELSE coalesce(s."report", '{}'::jsonb) || jsonb_build_object('grade', s."grade") END,
  NULL, s."started_at", s."finished_at", s."created_at", s."updated_at"
FROM "sync_runs" s;--> statement-breakpoint
INSERT INTO "run_steps" ("run_id", "step", "kind", "company_id", "location_id", "position", "status", "attempts", "cursor", "record_count", "request_count", "rate_limited_count", "duration_ms", "error", "started_at", "finished_at", "updated_at")
SELECT "run_id", "step", 'setup-sync', "company_id", "location_id", "position", "status", "attempts", "cursor", "record_count", "request_count", "rate_limited_count", "duration_ms", "error", "started_at", "finished_at", "updated_at"
FROM "sync_steps";--> statement-breakpoint
INSERT INTO "runs" ("id", "kind", "company_id", "location_id", "params", "trigger", "status", "job_id", "ready_at", "summary", "error", "started_at", "finished_at", "created_at", "updated_at")
SELECT "id", 'reconcile', "company_id", "location_id", jsonb_build_object('ghlLocationId', "ghl_location_id"), "trigger", "status", "job_id", NULL,
  CASE WHEN "status" IN ('done', 'partial', 'failed') THEN jsonb_build_object('listed', "listed_count", 'repaired', "repaired_count", 'coverage', "coverage") END,
  "error", "started_at", "finished_at", "created_at", "updated_at"
FROM "reconcile_runs";--> statement-breakpoint
INSERT INTO "run_steps" ("run_id", "step", "kind", "company_id", "location_id", "position", "status", "attempts", "params", "cursor", "high_water_at", "record_count", "request_count", "counts", "error", "started_at", "finished_at", "updated_at")
SELECT "run_id", "entity", 'reconcile', "company_id", "location_id", "position", "status", "attempts",
  CASE WHEN "previous_checkpoint_at" IS NOT NULL OR "since_at" IS NOT NULL THEN jsonb_build_object('previousCheckpointAt', "previous_checkpoint_at", 'sinceAt', "since_at") END,
  "cursor", "checkpoint_at", "fetched_count", "request_count",
  jsonb_build_object('listed', "listed_count", 'repaired', "repaired_count", 'unapplied', "unapplied_count"),
  "error", "started_at", "finished_at", "updated_at"
FROM "reconcile_run_entities";

CREATE TABLE "reconcile_run_entities" (
	"run_id" text NOT NULL,
	"entity" text NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"position" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"previous_checkpoint_at" timestamp with time zone,
	"since_at" timestamp with time zone,
	"checkpoint_at" timestamp with time zone,
	"cursor" jsonb,
	"fetched_count" integer DEFAULT 0 NOT NULL,
	"listed_count" integer DEFAULT 0 NOT NULL,
	"repaired_count" integer DEFAULT 0 NOT NULL,
	"unapplied_count" integer DEFAULT 0 NOT NULL,
	"request_count" integer DEFAULT 0 NOT NULL,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reconcile_run_entities_run_id_entity_pk" PRIMARY KEY("run_id","entity")
);
--> statement-breakpoint
ALTER TABLE "reconcile_run_entities" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "reconcile_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_location_id" text NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"job_id" text,
	"listed_count" integer DEFAULT 0 NOT NULL,
	"repaired_count" integer DEFAULT 0 NOT NULL,
	"coverage" double precision,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "reconcile_runs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "reconcile_run_entities_checkpoint_idx" ON "reconcile_run_entities" USING btree ("location_id","entity","finished_at");--> statement-breakpoint
CREATE INDEX "reconcile_runs_location_idx" ON "reconcile_runs" USING btree ("location_id","created_at");--> statement-breakpoint
CREATE POLICY "reconcile_run_entities_tenant_isolation" ON "reconcile_run_entities" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "reconcile_runs_tenant_isolation" ON "reconcile_runs" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));
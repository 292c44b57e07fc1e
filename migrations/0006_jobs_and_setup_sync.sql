CREATE TABLE "ghl_calendars" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"name" text,
	"calendar_type" text,
	"is_active" boolean,
	"group_id" text,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_calendars" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ghl_custom_fields" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"name" text,
	"field_key" text,
	"data_type" text,
	"model" text,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_custom_fields" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ghl_custom_values" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"name" text,
	"field_key" text,
	"value" text,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_custom_values" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ghl_location_profiles" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"ghl_company_id" text,
	"name" text,
	"timezone" text,
	"email" text,
	"phone" text,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_location_profiles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ghl_pipeline_stages" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"pipeline_ghl_id" text NOT NULL,
	"name" text,
	"position" integer,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_pipeline_stages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ghl_pipelines" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"name" text,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_pipelines" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_location_id" text NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"grade" text,
	"started_at" timestamp with time zone,
	"usable_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"report" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sync_runs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sync_steps" (
	"run_id" text NOT NULL,
	"step" text NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"position" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"cursor" jsonb,
	"record_count" integer DEFAULT 0 NOT NULL,
	"request_count" integer DEFAULT 0 NOT NULL,
	"rate_limited_count" integer DEFAULT 0 NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_steps_run_id_step_pk" PRIMARY KEY("run_id","step")
);
--> statement-breakpoint
ALTER TABLE "sync_steps" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"company_id" text,
	"location_id" text,
	"idempotency_key" text,
	"ordering_key" text,
	"priority" smallint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 8 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"locked_by" text,
	"last_error" text,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "jobs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_calendars_location_ghl_id_key" ON "ghl_calendars" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_custom_fields_location_ghl_id_key" ON "ghl_custom_fields" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "ghl_custom_fields_location_key_idx" ON "ghl_custom_fields" USING btree ("location_id","field_key");--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_custom_values_location_ghl_id_key" ON "ghl_custom_values" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_location_profiles_location_ghl_id_key" ON "ghl_location_profiles" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_pipeline_stages_location_ghl_id_key" ON "ghl_pipeline_stages" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "ghl_pipeline_stages_pipeline_idx" ON "ghl_pipeline_stages" USING btree ("location_id","pipeline_ghl_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_pipelines_location_ghl_id_key" ON "ghl_pipelines" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "sync_runs_location_idx" ON "sync_runs" USING btree ("location_id","created_at");--> statement-breakpoint
CREATE INDEX "sync_steps_location_idx" ON "sync_steps" USING btree ("location_id");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_kind_idempotency_key" ON "jobs" USING btree ("kind","idempotency_key");--> statement-breakpoint
CREATE INDEX "jobs_ready_idx" ON "jobs" USING btree ("priority" DESC NULLS LAST,"run_at","id") WHERE status in ('pending', 'retry');--> statement-breakpoint
CREATE INDEX "jobs_ordering_idx" ON "jobs" USING btree ("ordering_key","id") WHERE status in ('pending', 'retry', 'running');--> statement-breakpoint
CREATE INDEX "jobs_lease_idx" ON "jobs" USING btree ("lease_until") WHERE status = 'running';--> statement-breakpoint
CREATE INDEX "jobs_location_idx" ON "jobs" USING btree ("location_id","id");--> statement-breakpoint
CREATE POLICY "ghl_calendars_tenant_isolation" ON "ghl_calendars" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "ghl_custom_fields_tenant_isolation" ON "ghl_custom_fields" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "ghl_custom_values_tenant_isolation" ON "ghl_custom_values" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "ghl_location_profiles_tenant_isolation" ON "ghl_location_profiles" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "ghl_pipeline_stages_tenant_isolation" ON "ghl_pipeline_stages" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "ghl_pipelines_tenant_isolation" ON "ghl_pipelines" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "sync_runs_tenant_isolation" ON "sync_runs" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "sync_steps_tenant_isolation" ON "sync_steps" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "jobs_tenant_isolation" ON "jobs" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));
CREATE TABLE "ghl_location_defaults" (
	"location_id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"pipeline_ghl_id" text,
	"stage_ghl_id" text,
	"calendar_ghl_id" text,
	"timezone" text,
	"custom_field_ids" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_location_defaults" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "ghl_location_defaults_tenant_isolation" ON "ghl_location_defaults" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));
CREATE TABLE "ghl_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text,
	"subject_key" text NOT NULL,
	"user_type" text NOT NULL,
	"ghl_company_id" text NOT NULL,
	"ghl_location_id" text,
	"access_secret_id" text,
	"refresh_secret_id" text,
	"access_expires_at" timestamp with time zone,
	"scopes" text DEFAULT '' NOT NULL,
	"ghl_user_id" text,
	"plan_id" text,
	"status" text DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"refresh_count" integer DEFAULT 0 NOT NULL,
	"refreshed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_tokens_subject_key_key" ON "ghl_tokens" USING btree ("subject_key");--> statement-breakpoint
CREATE INDEX "ghl_tokens_company_id_idx" ON "ghl_tokens" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "ghl_tokens_access_expires_at_idx" ON "ghl_tokens" USING btree ("access_expires_at");--> statement-breakpoint
CREATE POLICY "ghl_tokens_tenant_isolation" ON "ghl_tokens" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));
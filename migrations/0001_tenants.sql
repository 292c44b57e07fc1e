CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"name" text NOT NULL,
	"role" text DEFAULT 'location_member' NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_by_user_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "auth_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"window_started_at" timestamp with time zone NOT NULL,
	"attempts" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "companies" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"ghl_company_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "companies" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "invites" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text,
	"role" text NOT NULL,
	"email" text,
	"code_prefix" text NOT NULL,
	"code_hash" text NOT NULL,
	"max_uses" integer DEFAULT 1 NOT NULL,
	"use_count" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_by_user_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "invites" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "location_memberships" (
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "location_memberships_location_id_user_id_pk" PRIMARY KEY("location_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "location_memberships" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "locations" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"name" text NOT NULL,
	"ghl_location_id" text,
	"timezone" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "locations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "vault_secrets" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"purpose" text NOT NULL,
	"key_id" text NOT NULL,
	"ciphertext" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "vault_secrets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invites" ADD CONSTRAINT "invites_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invites" ADD CONSTRAINT "invites_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invites" ADD CONSTRAINT "invites_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_memberships" ADD CONSTRAINT "location_memberships_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_memberships" ADD CONSTRAINT "location_memberships_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_memberships" ADD CONSTRAINT "location_memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "locations" ADD CONSTRAINT "locations_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE UNIQUE INDEX "companies_ghl_company_id_key" ON "companies" USING btree ("ghl_company_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invites_code_prefix_key" ON "invites" USING btree ("code_prefix");--> statement-breakpoint
CREATE INDEX "location_memberships_user_id_idx" ON "location_memberships" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "locations_ghl_location_id_key" ON "locations" USING btree ("ghl_location_id");--> statement-breakpoint
CREATE INDEX "locations_company_id_idx" ON "locations" USING btree ("company_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "users_company_id_idx" ON "users" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "vault_secrets_company_id_idx" ON "vault_secrets" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "vault_secrets_key_id_idx" ON "vault_secrets" USING btree ("key_id");--> statement-breakpoint
CREATE POLICY "api_keys_tenant_isolation" ON "api_keys" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "companies_tenant_isolation" ON "companies" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "invites_tenant_isolation" ON "invites" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "location_memberships_tenant_isolation" ON "location_memberships" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "locations_tenant_isolation" ON "locations" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "users_tenant_isolation" ON "users" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "vault_secrets_tenant_isolation" ON "vault_secrets" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));
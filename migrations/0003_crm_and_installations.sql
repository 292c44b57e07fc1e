CREATE TABLE "appointments" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"calendar_id" text,
	"contact_ghl_id" text,
	"group_id" text,
	"title" text,
	"status" text,
	"assigned_user_id" text,
	"address" text,
	"notes" text,
	"source" text,
	"start_time" timestamp with time zone,
	"end_time" timestamp with time zone,
	"date_added" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "appointments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"first_name" text,
	"last_name" text,
	"full_name" text,
	"email" text,
	"phone" text,
	"company_name" text,
	"tags" text[] DEFAULT '{}' NOT NULL,
	"is_dnd" boolean DEFAULT false NOT NULL,
	"dnd_settings" jsonb,
	"source" text,
	"assigned_to" text,
	"custom_fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"date_added" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "contacts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"contact_ghl_id" text,
	"last_message_ghl_id" text,
	"last_message_body" text,
	"last_message_type" text,
	"last_message_direction" text,
	"last_message_at" timestamp with time zone,
	"unread_count" integer,
	"is_starred" boolean,
	"is_inbox" boolean,
	"source_updated_at" timestamp with time zone,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ghl_users" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"ghl_location_ids" text[] DEFAULT '{}' NOT NULL,
	"first_name" text,
	"last_name" text,
	"email" text,
	"phone" text,
	"extension" text,
	"role" text,
	"permissions" jsonb,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"invoice_number" text,
	"name" text,
	"title" text,
	"status" text,
	"currency" text,
	"total_cents" bigint,
	"subtotal_cents" bigint,
	"discount_cents" bigint,
	"amount_paid_cents" bigint,
	"amount_due_cents" bigint,
	"contact_ghl_id" text,
	"contact_name" text,
	"contact_email" text,
	"issue_date" date,
	"due_date" date,
	"is_live_mode" boolean,
	"ghl_created_at" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "invoices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"conversation_ghl_id" text NOT NULL,
	"contact_ghl_id" text,
	"direction" text,
	"message_type" text,
	"body" text,
	"content_type" text,
	"status" text,
	"subject" text,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"call_duration_seconds" integer,
	"call_status" text,
	"email_message_id" text,
	"thread_id" text,
	"user_ghl_id" text,
	"source" text,
	"date_added" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "notes" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"contact_ghl_id" text,
	"body" text,
	"date_added" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "opportunities" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"name" text,
	"pipeline_id" text,
	"pipeline_stage_id" text,
	"status" text,
	"monetary_value_cents" bigint,
	"contact_ghl_id" text,
	"assigned_to" text,
	"source" text,
	"date_added" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "opportunities" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "orders" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"status" text,
	"fulfillment_status" text,
	"currency" text,
	"amount_cents" bigint,
	"subtotal_cents" bigint,
	"discount_cents" bigint,
	"tax_cents" bigint,
	"shipping_cents" bigint,
	"contact_ghl_id" text,
	"source_type" text,
	"source_name" text,
	"is_live_mode" boolean,
	"ghl_created_at" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "prices" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"product_ghl_id" text,
	"name" text,
	"price_type" text,
	"currency" text,
	"amount_cents" bigint,
	"compare_at_price_cents" bigint,
	"recurring_interval" text,
	"recurring_interval_count" integer,
	"available_quantity" integer,
	"ghl_created_at" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "prices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "products" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"name" text,
	"description" text,
	"product_type" text,
	"is_available_in_store" boolean,
	"image_url" text,
	"statement_descriptor" text,
	"ghl_created_at" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "products" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_id" text NOT NULL,
	"contact_ghl_id" text,
	"assigned_to" text,
	"title" text,
	"body" text,
	"due_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"date_added" timestamp with time zone,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tasks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ghl_installations" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text,
	"ghl_company_id" text,
	"ghl_location_id" text,
	"app_id" text NOT NULL,
	"version_id" text,
	"install_type" text NOT NULL,
	"ghl_target_id" text NOT NULL,
	"status" text NOT NULL,
	"plan_id" text,
	"installed_by_ghl_user_id" text,
	"installed_at" timestamp with time zone,
	"uninstalled_at" timestamp with time zone,
	"last_event_at" timestamp with time zone NOT NULL,
	"raw" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_installations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ghl_locations" (
	"ghl_location_id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text NOT NULL,
	"ghl_company_id" text NOT NULL,
	"name" text,
	"email" text,
	"timezone" text,
	"source_updated_at" timestamp with time zone NOT NULL,
	"source_event_at" timestamp with time zone,
	"raw" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ghl_locations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE UNIQUE INDEX "appointments_location_ghl_id_key" ON "appointments" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "appointments_location_start_idx" ON "appointments" USING btree ("location_id","start_time");--> statement-breakpoint
CREATE INDEX "appointments_location_contact_idx" ON "appointments" USING btree ("location_id","contact_ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_location_ghl_id_key" ON "contacts" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "contacts_location_email_idx" ON "contacts" USING btree ("location_id","email");--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_location_ghl_id_key" ON "conversations" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "conversations_location_last_message_idx" ON "conversations" USING btree ("location_id","last_message_at");--> statement-breakpoint
CREATE INDEX "conversations_location_contact_idx" ON "conversations" USING btree ("location_id","contact_ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_users_company_ghl_id_key" ON "ghl_users" USING btree ("company_id","ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_location_ghl_id_key" ON "invoices" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "invoices_location_contact_idx" ON "invoices" USING btree ("location_id","contact_ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_location_ghl_id_key" ON "messages" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "messages_location_conversation_idx" ON "messages" USING btree ("location_id","conversation_id","date_added");--> statement-breakpoint
CREATE UNIQUE INDEX "notes_location_ghl_id_key" ON "notes" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "notes_location_contact_idx" ON "notes" USING btree ("location_id","contact_ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "opportunities_location_ghl_id_key" ON "opportunities" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "opportunities_location_pipeline_idx" ON "opportunities" USING btree ("location_id","pipeline_id","pipeline_stage_id");--> statement-breakpoint
CREATE INDEX "opportunities_location_contact_idx" ON "opportunities" USING btree ("location_id","contact_ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_location_ghl_id_key" ON "orders" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "orders_location_contact_idx" ON "orders" USING btree ("location_id","contact_ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "prices_location_ghl_id_key" ON "prices" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "prices_location_product_idx" ON "prices" USING btree ("location_id","product_ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "products_location_ghl_id_key" ON "products" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_location_ghl_id_key" ON "tasks" USING btree ("location_id","ghl_id");--> statement-breakpoint
CREATE INDEX "tasks_location_contact_idx" ON "tasks" USING btree ("location_id","contact_ghl_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_installations_target_key" ON "ghl_installations" USING btree ("app_id","install_type","ghl_target_id");--> statement-breakpoint
CREATE INDEX "ghl_installations_company_idx" ON "ghl_installations" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "ghl_installations_ghl_company_idx" ON "ghl_installations" USING btree ("ghl_company_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ghl_locations_location_id_key" ON "ghl_locations" USING btree ("location_id");--> statement-breakpoint
CREATE POLICY "appointments_tenant_isolation" ON "appointments" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "contacts_tenant_isolation" ON "contacts" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "conversations_tenant_isolation" ON "conversations" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "ghl_users_tenant_isolation" ON "ghl_users" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "invoices_tenant_isolation" ON "invoices" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "messages_tenant_isolation" ON "messages" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "notes_tenant_isolation" ON "notes" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "opportunities_tenant_isolation" ON "opportunities" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "orders_tenant_isolation" ON "orders" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "prices_tenant_isolation" ON "prices" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "products_tenant_isolation" ON "products" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "tasks_tenant_isolation" ON "tasks" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));--> statement-breakpoint
CREATE POLICY "ghl_installations_tenant_isolation" ON "ghl_installations" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "ghl_locations_tenant_isolation" ON "ghl_locations" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ','))))));
CREATE TABLE "notification_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text,
	"event" text NOT NULL,
	"channel" text NOT NULL,
	"recipient" text NOT NULL,
	"recipient_name" text,
	"user_id" text,
	"time_zone" text,
	"provider" text,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"provider_message_id" text,
	"reason" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_transactional" boolean DEFAULT true NOT NULL,
	"source_key" text,
	"message_id" text NOT NULL,
	"not_before" timestamp with time zone,
	"attempt_started_at" timestamp with time zone,
	"in_flight_attempt" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resend_of" text
);
--> statement-breakpoint
ALTER TABLE "notification_deliveries" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "notification_preferences" (
	"company_id" text NOT NULL,
	"recipient_key" text NOT NULL,
	"disabled_events" text[] DEFAULT '{}'::text[] NOT NULL,
	"disabled_channels" text[] DEFAULT '{}'::text[] NOT NULL,
	"time_zone" text,
	"quiet_start_minute" integer,
	"quiet_end_minute" integer,
	"is_unsubscribed" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_preferences_company_id_recipient_key_pk" PRIMARY KEY("company_id","recipient_key")
);
--> statement-breakpoint
ALTER TABLE "notification_preferences" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "notification_settings" (
	"company_id" text PRIMARY KEY NOT NULL,
	"email_provider" text,
	"email_from" text,
	"smtp_host" text,
	"smtp_port" integer,
	"smtp_user" text,
	"email_secret_id" text,
	"twilio_account_sid" text,
	"twilio_auth_token_secret_id" text,
	"sms_from" text,
	"markup_email_bps" integer,
	"markup_sms_bps" integer,
	"markup_webhook_bps" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notification_settings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "notification_templates" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"event" text NOT NULL,
	"channel" text NOT NULL,
	"subject" text,
	"text" text NOT NULL,
	"html" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notification_templates" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "notification_usage" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "notification_usage_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"company_id" text NOT NULL,
	"location_id" text,
	"delivery_id" text NOT NULL,
	"channel" text NOT NULL,
	"provider" text NOT NULL,
	"units" integer NOT NULL,
	"unit_cost_millicents" integer NOT NULL,
	"base_cost_millicents" bigint NOT NULL,
	"markup_bps" integer NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notification_usage" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sms_opt_outs" (
	"sender" text NOT NULL,
	"phone" text NOT NULL,
	"keyword" text NOT NULL,
	"opted_out_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sms_opt_outs_sender_phone_pk" PRIMARY KEY("sender","phone")
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"location_id" text,
	"url" text NOT NULL,
	"description" text,
	"event_types" text[] DEFAULT '{}'::text[] NOT NULL,
	"is_enabled" boolean DEFAULT true NOT NULL,
	"disabled_at" timestamp with time zone,
	"disabled_reason" text,
	"failing_since" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_failure_at" timestamp with time zone,
	"last_failure_reason" text,
	"owner_email" text,
	"secret_id" text NOT NULL,
	"previous_secret_id" text,
	"previous_secret_expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "notification_deliveries_company_created_idx" ON "notification_deliveries" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE INDEX "notification_deliveries_provider_message_idx" ON "notification_deliveries" USING btree ("provider","provider_message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_deliveries_source_key" ON "notification_deliveries" USING btree ("company_id","source_key","channel","recipient");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_settings_sms_from_key" ON "notification_settings" USING btree ("sms_from");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_templates_company_event_channel_key" ON "notification_templates" USING btree ("company_id","event","channel");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_usage_delivery_key" ON "notification_usage" USING btree ("company_id","delivery_id");--> statement-breakpoint
CREATE INDEX "notification_usage_company_time_idx" ON "notification_usage" USING btree ("company_id","occurred_at");--> statement-breakpoint
CREATE INDEX "webhook_endpoints_company_idx" ON "webhook_endpoints" USING btree ("company_id");--> statement-breakpoint
CREATE POLICY "notification_deliveries_tenant_isolation" ON "notification_deliveries" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "notification_preferences_tenant_isolation" ON "notification_preferences" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "notification_settings_tenant_isolation" ON "notification_settings" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "notification_templates_tenant_isolation" ON "notification_templates" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "notification_usage_tenant_isolation" ON "notification_usage" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));--> statement-breakpoint
CREATE POLICY "webhook_endpoints_tenant_isolation" ON "webhook_endpoints" AS PERMISSIVE FOR ALL TO "switchboard_app" USING ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))) WITH CHECK ((current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true)));
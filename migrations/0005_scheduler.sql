CREATE TABLE "scheduled_runs" (
	"job_name" text NOT NULL,
	"slot_at" timestamp with time zone NOT NULL,
	"claimed_by" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"status" text NOT NULL,
	"error" text,
	"summary" text,
	CONSTRAINT "scheduled_runs_job_name_slot_at_pk" PRIMARY KEY("job_name","slot_at")
);

// Package schedule is elt's scheduler: jobs read from jobs.yml at the
// project root, run on cron schedules (5 or 6 fields, with a time zone) by
// github.com/go-co-op/gocron/v2, each job run recorded in the run-history
// store (history) with its scheduled time, attempts and outcome.
//
// A job runs one elt command (build, run, test, load, snapshot, source
// freshness, profile) as a child process of the same binary. A child is
// the unit that can be killed for sure when a timeout passes or the daemon
// stops, whose peak memory the kernel measures, and whose crash cannot take
// the scheduler down; the models' own safety (build under a temporary
// name, swap in one transaction) keeps a killed build from leaving a
// half-written table.
//
// Several `elt serve` replicas may share one Postgres history: each
// scheduled run is claimed by inserting its (job, scheduled_at, attempt)
// row, which only one replica can do, so every run happens once. Running
// rows carry a heartbeat; a run whose heartbeat stops (its process died)
// is marked interrupted and retried by its job's policy, by whichever
// replica notices first.
//
// schedule does not walk the DAG (graph does, inside the child) and does
// not own storage (history does).
package schedule

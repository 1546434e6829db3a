// Package alerts sends notifications when data goes wrong, and again when
// it recovers. Channels (a generic JSON webhook, a Slack-compatible webhook,
// a command) and rules (test failure, anomaly, quality score below a
// threshold, stale source) are declared in alerts.yml at the project root.
//
// Alerts are deduplicated per incident: the first failing check of a rule
// and subject opens an incident and alerts; while it stays open nothing more
// is sent; the first passing check resolves it and sends a recovery. The
// incident state lives in the run history (history.Store), so it holds
// across runs, processes and machines sharing the history.
package alerts

package schedule

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the scheduler's Prometheus metrics, in a registry of their
// own (no global registry: two schedulers in one process stay apart).
type Metrics struct {
	reg          *prometheus.Registry
	jobRuns      *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
	nodeDuration *prometheus.HistogramVec
	lastSuccess  *prometheus.GaugeVec
	qualityScore *prometheus.GaugeVec
	rowsLoaded   *prometheus.CounterVec
}

// NewMetrics registers the metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "elt_job_runs_total", Help: "Job run attempts by outcome.",
		}, []string{"job", "status"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "elt_job_duration_seconds", Help: "How long job run attempts took.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200},
		}, []string{"job"}),
		nodeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "elt_node_duration_seconds", Help: "How long each node took to build or test in job runs.",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"job", "node"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "elt_last_success_timestamp_seconds", Help: "When each job last succeeded (Unix time).",
		}, []string{"job"}),
		qualityScore: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "elt_quality_score", Help: "Latest data quality score of each model, 0 to 100, as elt build recorded it in the run history.",
		}, []string{"model"}),
		rowsLoaded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "elt_rows_loaded_total", Help: "Rows written by job runs' nodes.",
		}, []string{"job"}),
	}
	m.reg.MustRegister(m.jobRuns, m.jobDuration, m.nodeDuration, m.lastSuccess, m.qualityScore, m.rowsLoaded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe counts a finished (or skipped, or interrupted) attempt.
func (m *Metrics) observe(r JobRun) {
	if m == nil {
		return
	}
	switch r.Status {
	case StatusQueued, StatusRunning:
		return
	}
	m.jobRuns.WithLabelValues(r.Job, r.Status).Inc()
	if d := r.Duration(); d > 0 {
		m.jobDuration.WithLabelValues(r.Job).Observe(d.Seconds())
	}
	if r.Status == StatusSuccess && !r.EndedAt.IsZero() {
		m.lastSuccess.WithLabelValues(r.Job).Set(float64(r.EndedAt.Unix()))
	}
}

// ObserveNode records one node's duration and rows in a job's run.
func (m *Metrics) ObserveNode(job, node string, seconds float64, rows int64) {
	if m == nil {
		return
	}
	m.nodeDuration.WithLabelValues(job, node).Observe(seconds)
	if rows > 0 {
		m.rowsLoaded.WithLabelValues(job).Add(float64(rows))
	}
}

// SetQualityScore publishes a model's latest quality score (0 to 100).
func (m *Metrics) SetQualityScore(model string, score float64) {
	if m == nil {
		return
	}
	m.qualityScore.WithLabelValues(model).Set(score)
}

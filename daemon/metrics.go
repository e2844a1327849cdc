package daemon

import (
	"net/http"
	"strconv"
	"time"

	"github.com/aerocell/aerocell/fleet"
	"github.com/aerocell/aerocell/mavlink"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the daemon's Prometheus metrics, on a registry of its own (no
// package-level state). The bridge updates the gauges from the controller's
// snapshots; the controller's OnCommand hook feeds the command metrics.
type metrics struct {
	reg        *prometheus.Registry
	drones     *prometheus.GaugeVec
	coverage   *prometheus.GaugeVec
	planned    *prometheus.GaugeVec
	linkLoss   *prometheus.GaugeVec
	cmdSeconds *prometheus.HistogramVec
	cmdFailed  *prometheus.CounterVec
	cmdDrone   *prometheus.CounterVec
	rx         *prometheus.GaugeVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		drones: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aerocell_drones", Help: "Drones by controller state.",
		}, []string{"state"}),
		coverage: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aerocell_coverage_fraction", Help: "Fraction of the incident area covered now, from the drones' actual positions.",
		}, []string{"network"}),
		planned: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aerocell_planned_coverage_fraction", Help: "Fraction of the incident area the plan covers.",
		}, []string{"network"}),
		linkLoss: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aerocell_link_loss_percent", Help: "MAVLink frames lost per drone, from sequence gaps.",
		}, []string{"drone"}),
		cmdSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "aerocell_command_seconds", Help: "Time from a command sequence's start to its acknowledgement or failure.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"command"}),
		cmdFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aerocell_command_failures_total", Help: "Command sequences that failed after their retries.",
		}, []string{"command"}),
		cmdDrone: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aerocell_drone_commands_total", Help: "Command sequences sent to each drone, by kind: a quiet link sends a holding drone a few an hour.",
		}, []string{"drone", "command"}),
		rx: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aerocell_mavlink_frames", Help: "MAVLink frames by outcome since start (accepted, refused, dropped).",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.drones, m.coverage, m.planned, m.linkLoss, m.cmdSeconds, m.cmdFailed, m.cmdDrone, m.rx,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) command(drone int, what string, took time.Duration, err error) {
	m.cmdSeconds.WithLabelValues(what).Observe(took.Seconds())
	m.cmdDrone.WithLabelValues(strconv.Itoa(drone), what).Inc()
	if err != nil {
		m.cmdFailed.WithLabelValues(what).Inc()
	}
}

// observe sets the gauges from a snapshot and the link's counters.
func (m *metrics) observe(s fleet.Snapshot, st mavlink.Stats) {
	m.drones.Reset()
	for _, d := range s.Drones {
		m.drones.WithLabelValues(string(d.State)).Inc()
	}
	for _, n := range fleet.Networks {
		m.coverage.WithLabelValues(n.String()).Set(s.Coverage.Fraction[n])
		if s.Plan != nil {
			m.planned.WithLabelValues(n.String()).Set(s.Plan.Coverage[n])
		}
	}
	m.linkLoss.Reset()
	for _, d := range s.Drones {
		m.linkLoss.WithLabelValues(strconv.Itoa(d.ID)).Set(d.Link.LossPct)
	}
	for k, v := range map[string]uint64{
		"accepted": st.RxFrames, "bad_checksum": st.RxBadChecksum, "parse_error": st.RxParseErrors,
		"unsigned": st.RxUnsigned, "bad_signature": st.RxBadSignature, "tx": st.TxFrames, "tx_dropped": st.TxDropped,
	} {
		m.rx.WithLabelValues(k).Set(float64(v))
	}
}

package outbox

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	delivered *prometheus.CounterVec
	failed    *prometheus.CounterVec
	dead      *prometheus.CounterVec
	pending   *prometheus.GaugeVec
	latency   *prometheus.HistogramVec
	duration  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	labels := []string{"topic", "handler"}
	m := &metrics{
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onestamp_outbox_delivered_total", Help: "Deliveries a handler completed.",
		}, labels),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onestamp_outbox_failed_total", Help: "Delivery attempts that failed (each retry counts).",
		}, labels),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onestamp_outbox_dead_total", Help: "Deliveries given up after the last attempt.",
		}, labels),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "onestamp_outbox_pending", Help: "Deliveries waiting in the database (due, backing off or claimed).",
		}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "onestamp_outbox_delivery_latency_seconds",
			Help:    "From the time an event became due to its successful delivery, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 10),
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "onestamp_outbox_handler_seconds", Help: "Time one handler call took.",
			Buckets: prometheus.DefBuckets,
		}, labels),
	}
	if reg != nil {
		m.delivered = register(reg, m.delivered)
		m.failed = register(reg, m.failed)
		m.dead = register(reg, m.dead)
		m.pending = register(reg, m.pending)
		m.latency = register(reg, m.latency)
		m.duration = register(reg, m.duration)
	}
	return m
}

// register adds c to reg, or returns the collector already there, so that several dispatchers
// in one process (tests, or one per database) share their metrics.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

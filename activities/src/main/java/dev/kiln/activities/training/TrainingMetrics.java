package dev.kiln.activities.training;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Kiln's own gauges for the training this worker runs: step, loss, tokens per second. They go to Micrometer's
 * global registry, which the worker process exposes for Prometheus ({@code kiln worker --metrics-port}).
 */
final class TrainingMetrics {
  private final AtomicReference<double[]> latest = new AtomicReference<>(new double[] {0, Double.NaN, 0});

  TrainingMetrics() {
    this(Metrics.globalRegistry);
  }

  TrainingMetrics(MeterRegistry registry) {
    Gauge.builder("kiln.training.step", latest, l -> l.get()[0]).description("last optimizer step done").register(registry);
    Gauge.builder("kiln.training.loss", latest, l -> l.get()[1]).description("training loss of the last step").register(registry);
    Gauge.builder("kiln.training.tokens.per.second", latest, l -> l.get()[2])
        .description("training throughput of the running segment").register(registry);
  }

  void record(int step, double loss, double tokensPerSecond) {
    latest.set(new double[] {step, loss, tokensPerSecond});
  }
}

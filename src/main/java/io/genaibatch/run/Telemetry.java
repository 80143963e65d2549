package io.genaibatch.run;

import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.CallMeter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The process's meters, handed to the roles (through {@link RoleContext}) instead of a global registry: the
 * registry the roles count in, the Gemini call meter they share, and a way to bridge the metrics of the Kafka
 * clients they create. Close it after the roles.
 */
public final class Telemetry implements AutoCloseable {
    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus;
    private final CallMeter calls;
    /** False for {@link #none()}: Kafka clients are not bridged, so that no refresh thread runs for nothing. */
    private final boolean bridging;
    /** Refreshes the bridged Kafka metrics (new partitions, new nodes): one thread for every client. */
    private final ScheduledExecutorService kafkaRefresh = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "genai-batch-kafka-meters");
        t.setDaemon(true);
        return t;
    });

    private final List<AutoCloseable> jvm;

    private Telemetry(
            MeterRegistry registry, PrometheusMeterRegistry prometheus, List<AutoCloseable> jvm, boolean bridging) {
        this.registry = registry;
        this.prometheus = prometheus;
        this.jvm = jvm;
        this.bridging = bridging;
        this.calls = new CallMeter(registry);
    }

    /** A Prometheus registry with the JVM's meters: memory, GC, threads, class loading, processor, uptime. */
    public static Telemetry prometheus() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        JvmGcMetrics gc = new JvmGcMetrics();
        List<MeterBinder> binders = List.of(
                new JvmMemoryMetrics(),
                gc,
                new JvmThreadMetrics(),
                new ClassLoaderMetrics(),
                new ProcessorMetrics(),
                new UptimeMetrics());
        binders.forEach(b -> b.bindTo(registry));
        return new Telemetry(registry, registry, List.of(gc), true);
    }

    /** Counts nowhere: for roles built without a process around them (tests, benchmarks). */
    public static Telemetry none() {
        return new Telemetry(new CompositeMeterRegistry(), null, List.of(), false);
    }

    /** Counts into this registry (tests read it back). */
    public static Telemetry of(MeterRegistry registry) {
        return new Telemetry(registry, null, List.of(), true);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Gemini call meter, to plug into the client's retry policy; also tells whether the API answers. */
    public CallMeter calls() {
        return calls;
    }

    /**
     * Whether a role can reach the Gemini API through this client: not when the API did not answer as configured at
     * the last calls ({@link CallMeter#notAnswering()}), nor while the client's circuit is open. What the roles that
     * call the API add to their readiness.
     */
    public Readiness apiReadiness(BatchApi api) {
        return calls.notAnswering()
                .map(Readiness::notReady)
                .orElse(Readiness.READY)
                .and(api.unavailable().map(Readiness::notReady).orElse(Readiness.READY));
    }

    /** The Prometheus text exposition of every meter; empty when this telemetry is not Prometheus's. */
    public String scrape() {
        return prometheus == null ? "" : prometheus.scrape();
    }

    /** Bridges the client's own metrics (kafka_consumer_…); close the result with the client. */
    public KafkaClientMetrics bind(Consumer<?, ?> consumer) {
        return bound(new KafkaClientMetrics(consumer, Tags.empty(), kafkaRefresh));
    }

    /** Bridges the producer's own metrics (kafka_producer_…); close the result with the producer. */
    public KafkaClientMetrics bind(Producer<?, ?> producer) {
        return bound(new KafkaClientMetrics(producer, Tags.empty(), kafkaRefresh));
    }

    /** Bridges the Streams application's metrics (kafka_stream_…, and its clients'); close the result with it. */
    public KafkaStreamsMetrics bind(KafkaStreams streams) {
        return bound(new KafkaStreamsMetrics(streams, Tags.empty(), kafkaRefresh));
    }

    private <T extends MeterBinder> T bound(T binder) {
        if (bridging) {
            binder.bindTo(registry);
        }
        return binder;
    }

    @Override
    public void close() {
        kafkaRefresh.shutdownNow();
        for (AutoCloseable c : jvm) {
            try {
                c.close();
            } catch (Exception e) {
                // Only GC notification listeners: nothing to do about one that will not unregister.
            }
        }
        if (prometheus != null) {
            prometheus.close();
        }
    }
}

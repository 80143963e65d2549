package io.genaibatch.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * JUnit 5 extension that gives *IT tests a real Kafka broker: {@code KAFKA_BOOTSTRAP_SERVERS} when set,
 * a Testcontainers broker when a Docker engine answers, and otherwise an in-process KRaft broker.
 * One broker serves the whole test run (it is stored in the root context and closed at the end);
 * tests stay independent by using {@link #uniquePrefix(String)} for their topic names.
 *
 * <p>Use with {@code @ExtendWith(KafkaCluster.class)} and a {@code KafkaCluster} parameter.
 */
public final class KafkaCluster implements ParameterResolver {
    private static final Logger log = LoggerFactory.getLogger(KafkaCluster.class);
    private static final AtomicInteger PREFIX_COUNTER = new AtomicInteger();

    private final String bootstrapServers;
    private final String kind;

    public KafkaCluster() {
        this(null, null);
    }

    private KafkaCluster(String bootstrapServers, String kind) {
        this.bootstrapServers = bootstrapServers;
        this.kind = kind;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** What backs this cluster: "external", "testcontainers" or "in-process". */
    public String kind() {
        return kind;
    }

    /** A topic prefix no other test in this run uses, e.g. {@code it-3-roundtrip.}. */
    public static String uniquePrefix(String testName) {
        return "it-" + PREFIX_COUNTER.incrementAndGet() + "-" + testName.replaceAll("[^A-Za-z0-9]", "") + ".";
    }

    /**
     * {@code topics.<name>} → prefix + name for every topic genai-batch uses, in a fixed order: the settings that
     * keep one test's topics apart from the others' on the shared broker.
     */
    public static Map<String, String> isolatedTopics(String prefix) {
        Map<String, String> topics = new LinkedHashMap<>();
        for (String topic : List.of("requests", "batches", "jobs", "responses", "window-config", "dlq")) {
            topics.put("topics." + topic, prefix + topic);
        }
        return topics;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot()
                .getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(KafkaCluster.class, k -> new Holder(start()), Holder.class)
                .cluster;
    }

    private static Holder.Started start() {
        String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (external != null && !external.isBlank()) {
            log.info("Integration tests use the external Kafka at {}", external);
            return new Holder.Started(new KafkaCluster(external, "external"), () -> {});
        }
        if (dockerAnswers()) {
            KafkaContainer container = new KafkaContainer("apache/kafka:4.1.0");
            container.start();
            log.info("Integration tests use a Testcontainers Kafka at {}", container.getBootstrapServers());
            return new Holder.Started(
                    new KafkaCluster(container.getBootstrapServers(), "testcontainers"), container::stop);
        }
        try {
            Path dir = Files.createTempDirectory("genai-batch-it-kafka");
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, 0, Map.of()).start();
            log.info(
                    "No Docker engine: integration tests use an in-process KRaft broker at {}",
                    broker.bootstrapServers());
            return new Holder.Started(new KafkaCluster(broker.bootstrapServers(), "in-process"), () -> {
                broker.close();
                // Some 150 MB per run of the suite: left in the temp folder, repeated runs fill the disk.
                io.genaibatch.run.FileTrees.deleteQuietly(dir);
            });
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create a data directory for the test broker", e);
        }
    }

    private static boolean dockerAnswers() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    /** Closes the broker when the whole test run ends. */
    private static final class Holder implements ExtensionContext.Store.CloseableResource {
        record Started(KafkaCluster cluster, Runnable stopper) {}

        final KafkaCluster cluster;
        private final Runnable stopper;

        Holder(Started started) {
            this.cluster = started.cluster();
            this.stopper = started.stopper();
        }

        @Override
        public void close() {
            stopper.run();
        }
    }
}

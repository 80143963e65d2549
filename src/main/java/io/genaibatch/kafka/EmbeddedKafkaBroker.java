package io.genaibatch.kafka;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft broker (combined broker + controller) in this JVM, for {@code genai-batch kafka},
 * {@code genai-batch local} and the integration tests. Data lives in {@code dataDir} and survives restarts;
 * storage is formatted only once. docs/KAFKA-NOTES.md says why each setting is here.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> overrides;
    private KafkaRaftServer server;

    /**
     * @param port the client port, or 0 to pick a free one
     * @param overrides broker properties that win over the defaults set here
     */
    public EmbeddedKafkaBroker(Path dataDir, int port, Map<String, String> overrides) {
        this.dataDir = dataDir.toAbsolutePath();
        this.port = port == 0 ? freePort() : port;
        this.controllerPort = freePort();
        this.overrides = Map.copyOf(overrides);
    }

    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            return this;
        }
        KafkaConfig config = new KafkaConfig(brokerProperties(), false);
        try {
            Files.createDirectories(dataDir);
            formatOnce(config);
        } catch (Exception e) {
            throw new IllegalStateException("Could not format Kafka storage in " + dataDir + ": " + e.getMessage(), e);
        }
        KafkaRaftServer raftServer = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            raftServer.startup();
        } catch (RuntimeException e) {
            // The controller's non-daemon threads would keep the JVM alive after a failed start.
            raftServer.shutdown();
            raftServer.awaitShutdown();
            throw new IllegalStateException(
                    "Kafka broker did not start on port " + port + " (is the port in use?): " + e.getMessage(), e);
        }
        server = raftServer;
        log.info("Embedded Kafka broker up at {} (data in {})", bootstrapServers(), dataDir);
        return this;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        log.info("Stopping embedded Kafka broker at {}", bootstrapServers());
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dataDir.resolve("logs").toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "3");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("group.streams.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        // A restart after a kill -9 otherwise waits out the old registration (12 s measured, 5 s with these).
        p.put("broker.session.timeout.ms", "3000");
        p.put("broker.heartbeat.interval.ms", "1000");
        p.put("group.consumer.min.session.timeout.ms", "6000");
        p.putAll(overrides);
        return p;
    }

    private void formatOnce(KafkaConfig config) throws Exception {
        Path logDir = dataDir.resolve("logs");
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        new Formatter()
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(config.metadataLogDir())
                .setControllerListenerName("CONTROLLER")
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setIgnoreFormatted(true)
                .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                .run();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("No free local port: " + e.getMessage(), e);
        }
    }
}

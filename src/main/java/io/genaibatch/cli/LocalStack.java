package io.genaibatch.cli;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.EmbeddedKafkaBroker;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Everything `genai-batch local` runs in one process: an embedded broker, the emulator, the topics. */
final class LocalStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    private final EmbeddedKafkaBroker broker;
    private final GeminiEmulator emulator;
    private final GenAiBatchConfig config;

    private LocalStack(EmbeddedKafkaBroker broker, GeminiEmulator emulator, GenAiBatchConfig config) {
        this.broker = broker;
        this.emulator = emulator;
        this.config = config;
    }

    /**
     * Starts the broker on {@code kafkaPort} and the emulator on {@code emulatorPort} with data under {@code dataDir},
     * and creates the topics. {@code options} supplies the config file and flags; the bootstrap servers and the
     * Gemini base URL are those of the local broker and emulator.
     */
    static LocalStack start(
            Path dataDir,
            int kafkaPort,
            int emulatorPort,
            ConfigOptions options,
            Map<String, String> modeDefaults,
            Map<String, String> flags)
            throws Exception {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir.resolve("kafka"), kafkaPort, Map.of()).start();
        GeminiEmulator emulator = null;
        try {
            emulator = GeminiEmulator.start(EmulatorOptions.builder()
                    .port(emulatorPort)
                    .dataDir(dataDir.resolve("emulator"))
                    .build());
            Map<String, String> overrides = new java.util.HashMap<>(flags);
            overrides.put(ConfigKeys.BOOTSTRAP_SERVERS.name(), broker.bootstrapServers());
            overrides.put(ConfigKeys.GEMINI_BASE_URL.name(), emulator.baseUrl());
            GenAiBatchConfig config = options.load(modeDefaults, overrides);
            try (Admin admin = new KafkaClients(config).admin()) {
                new TopicAdmin(admin)
                        .createMissing(Topics.from(config).specs())
                        .forEach(s -> log.info("Topic {}", s.describe()));
            }
            return new LocalStack(broker, emulator, config);
        } catch (Exception | Error e) {
            if (emulator != null) {
                emulator.close();
            }
            broker.close();
            throw e;
        }
    }

    GenAiBatchConfig config() {
        return config;
    }

    EmbeddedKafkaBroker broker() {
        return broker;
    }

    GeminiEmulator emulator() {
        return emulator;
    }

    @Override
    public void close() {
        emulator.close();
        broker.close();
    }
}

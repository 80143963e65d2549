package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `genai-batch kafka` as a real process: it serves clients, stops cleanly on SIGTERM and keeps its data. */
class KafkaCommandIT {

    @Test
    void shouldStopCleanlyOnSigtermAndKeepTopicsAcrossRestarts(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path data = dir.resolve("kafka-data");

        // Step 1: start the broker process and create a topic through it
        try (JarProcess broker =
                JarProcess.start(dir, "kafka", "--port", String.valueOf(port), "--data-dir", data.toString())) {
            broker.awaitStdout("Kafka broker ready at localhost:" + port, Duration.ofSeconds(60));
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", "localhost:" + port))) {
                admin.createTopics(List.of(new NewTopic("survives", 1, (short) 1)))
                        .all()
                        .get();
            }

            // Step 2: SIGTERM stops it in an orderly way, and the shutdown is logged
            int exit = broker.terminate(Duration.ofSeconds(30));
            assertThat(exit).as(broker.describe()).isIn(0, 143);
            assertThat(broker.stderr()).contains("Stopping embedded Kafka broker at localhost:" + port);
        }

        // Step 3: a new process on the same data directory still has the topic
        try (JarProcess broker =
                JarProcess.start(dir, "kafka", "--port", String.valueOf(port), "--data-dir", data.toString())) {
            broker.awaitStdout("Kafka broker ready", Duration.ofSeconds(60));
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", "localhost:" + port))) {
                assertThat(admin.listTopics().names().get()).contains("survives");
            }
            broker.terminate(Duration.ofSeconds(30));
        }
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

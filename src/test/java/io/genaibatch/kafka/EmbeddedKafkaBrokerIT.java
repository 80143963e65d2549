package io.genaibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerIT {

    @Test
    void shouldKeepTopicsAndRecordsAcrossARestart(@TempDir Path dataDir) throws Exception {
        // Step 1: start a broker on a fresh directory and write a record
        int port;
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, 0, Map.of()).start()) {
            port = broker.port();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("kept", 2, (short) 1)))
                        .all()
                        .get();
            }
            produce(broker.bootstrapServers(), "kept", "k1", "v1");
        }

        // Step 2: restart on the same directory and port; the record must still be there
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, port, Map.of()).start()) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).contains("kept");
            }
            assertThat(consumeAll(broker.bootstrapServers(), "kept")).containsExactly("k1=v1");
        }
    }

    static void produce(String bootstrap, String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** The records of the topic as key=value, read to its end. */
    static List<String> consumeAll(String bootstrap, String topic) {
        return TopicReader.readToEnd(Map.of("bootstrap.servers", bootstrap), topic, Duration.ofSeconds(30)).stream()
                .map(r -> new String(r.key(), StandardCharsets.UTF_8) + "="
                        + new String(r.value(), StandardCharsets.UTF_8))
                .toList();
    }
}

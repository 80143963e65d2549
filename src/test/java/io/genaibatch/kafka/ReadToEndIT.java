package io.genaibatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaCluster.class)
class ReadToEndIT {

    @Test
    void shouldHandEveryRecordUpToTheEndsOfAllPartitions(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "all", 3);
        try (KafkaProducer<String, String> producer = producer(kafka, null)) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, "v" + i));
            }
        }
        try (KafkaConsumer<String, String> consumer = consumer(kafka, "read_committed")) {
            Map<TopicPartition, Long> ends = assignFromStart(consumer, topic);
            List<String> seen = new ArrayList<>();

            ReadToEnd.Result result = ReadToEnd.read(
                    consumer, ends, ReadToEnd.Limit.within(Duration.ofSeconds(30)), r -> seen.add(r.value()));

            assertThat(result.reached()).isTrue();
            assertThat(result.records()).isEqualTo(30);
            assertThat(seen).hasSize(30).doesNotHaveDuplicates();
        }
    }

    @Test
    void shouldGiveUpWhenATransactionLeftOpenHoldsTheReadBack(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "open", 1);
        try (KafkaProducer<String, String> open = producer(kafka, "read-to-end-open-" + System.nanoTime());
                KafkaProducer<String, String> plain = producer(kafka, null)) {
            open.initTransactions();
            open.beginTransaction();
            open.send(new ProducerRecord<>(topic, "held", "held")).get();
            plain.send(new ProducerRecord<>(topic, "after", "after")).get();
            // The ends a reader must reach counting the open transaction (read_uncommitted), as KnownJobs takes them.
            Map<TopicPartition, Long> ends;
            try (KafkaConsumer<String, String> uncommitted = consumer(kafka, "read_uncommitted")) {
                ends = assignFromStart(uncommitted, topic);
            }
            try (KafkaConsumer<String, String> consumer = consumer(kafka, "read_committed")) {
                assignFromStart(consumer, topic);
                List<String> seen = new ArrayList<>();

                ReadToEnd.Result result = ReadToEnd.read(
                        consumer, ends, ReadToEnd.Limit.whileMoving(Duration.ofSeconds(2)), r -> seen.add(r.value()));

                assertThat(result.reached()).isFalse();
                assertThat(seen).isEmpty();
                assertThat(result.firstBehind()).isEqualTo("partition 0 at offset 0 of 2");
            }
            open.abortTransaction();
        }
    }

    @Test
    void shouldStopAtTheDeadlineWhenTheEndIsOutOfReach(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "deadline", 1);
        try (KafkaProducer<String, String> producer = producer(kafka, null)) {
            producer.send(new ProducerRecord<>(topic, "k", "v")).get();
        }
        try (KafkaConsumer<String, String> consumer = consumer(kafka, "read_committed")) {
            assignFromStart(consumer, topic);
            TopicPartition tp = new TopicPartition(topic, 0);
            long started = System.nanoTime();

            ReadToEnd.Result result =
                    ReadToEnd.read(consumer, Map.of(tp, 5L), ReadToEnd.Limit.within(Duration.ofMillis(1500)), r -> {});

            assertThat(result.reached()).isFalse();
            assertThat(result.records()).isEqualTo(1);
            assertThat(result.behind()).containsEntry(tp, 1L);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        }
    }

    @Test
    void shouldKeepReadingPastTheNoProgressBoundWhileTheReadMoves(KafkaCluster kafka) throws Exception {
        // Eight transactions open at once, committed one a second: the read_committed position moves in steps, each
        // well inside the 3 s no-progress bound (slack for a busy machine), and the whole read takes about 8 s.
        String topic = topic(kafka, "moving", 1);
        List<KafkaProducer<String, String>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                KafkaProducer<String, String> p = producer(kafka, "read-to-end-moving-" + i + "-" + System.nanoTime());
                p.initTransactions();
                p.beginTransaction();
                p.send(new ProducerRecord<>(topic, "t" + i, "t" + i)).get();
                open.add(p);
            }
            Map<TopicPartition, Long> ends;
            try (KafkaConsumer<String, String> uncommitted = consumer(kafka, "read_uncommitted")) {
                ends = assignFromStart(uncommitted, topic);
            }
            Thread committer = new Thread(() -> {
                for (KafkaProducer<String, String> p : open) {
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    p.commitTransaction();
                }
            });
            committer.start();
            try (KafkaConsumer<String, String> consumer = consumer(kafka, "read_committed")) {
                assignFromStart(consumer, topic);
                List<String> seen = new ArrayList<>();

                ReadToEnd.Result result = ReadToEnd.read(
                        consumer, ends, ReadToEnd.Limit.whileMoving(Duration.ofSeconds(3)), r -> seen.add(r.value()));

                assertThat(result.reached())
                        .as("read to its end: %s", result.firstBehind())
                        .isTrue();
                assertThat(seen).containsExactly("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7");
            } finally {
                committer.join();
            }
        } finally {
            open.forEach(KafkaProducer::close);
        }
    }

    @Test
    void shouldReportNotReachedRatherThanThrowWhenTheBudgetIsAlreadySpent(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "spent", 1);
        try (KafkaProducer<String, String> producer = producer(kafka, null)) {
            producer.send(new ProducerRecord<>(topic, "k", "v")).get();
        }
        try (KafkaConsumer<String, String> consumer = consumer(kafka, "read_committed")) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));

            // A freshly seeked consumer has no position until it asks the broker: with no time left, it cannot.
            ReadToEnd.Result result =
                    ReadToEnd.read(consumer, Map.of(tp, 1L), ReadToEnd.Limit.until(System.nanoTime()), r -> {});

            assertThat(result.reached()).isFalse();
            assertThat(result.firstBehind()).startsWith("partition 0 at ").endsWith(" of 1");
        }
    }

    private static String topic(KafkaCluster kafka, String name, int partitions) throws Exception {
        String topic = KafkaCluster.uniquePrefix("read-to-end-" + name) + name;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get();
        }
        return topic;
    }

    private static Map<TopicPartition, Long> assignFromStart(KafkaConsumer<String, String> consumer, String topic) {
        List<TopicPartition> partitions = ReadToEnd.partitions(consumer, topic, Duration.ofSeconds(30));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer.endOffsets(partitions);
    }

    private static KafkaProducer<String, String> producer(KafkaCluster kafka, String transactionalId) {
        Map<String, Object> props =
                new java.util.HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(KafkaCluster kafka, String isolation) {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        isolation),
                new StringDeserializer(),
                new StringDeserializer());
    }
}

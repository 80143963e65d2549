package io.genaibatch.bench;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.ReadToEnd;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The pipeline's time from the roles' start to PUBLISHED, the emulator's part of it, the roles' start-up. */
record Pipeline(double seconds, double emulatorSeconds, double startupSeconds, double succeededToPublishedSeconds) {

    /** Runs the roles until the bench batch's job is PUBLISHED (watched through genai.jobs), then stops them. */
    static Pipeline run(
            SubmitPollBenchmark.Options options,
            RolesJvm roles,
            GenAiBatchConfig config,
            Topics topics,
            Map<String, String> settings,
            Path rolesDir,
            PrintWriter out)
            throws Exception {
        roles.start(settings, rolesDir);
        long launched = System.nanoTime();
        JobWatch watch = new JobWatch(options.requests(), roles::startedAt, out);
        long deadline = launched + options.timeout().toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                new KafkaClients(config).consumer(Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "bench-jobs-watch")),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = ReadToEnd.partitions(consumer, topics.jobs(), Duration.ofSeconds(60));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (watch.published == null) {
                roles.checkAlive(rolesDir);
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the job was not published within " + options.timeout()
                            + "; last record: " + watch.last + "; see " + rolesDir.resolve("roles.log"));
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (SubmitPollBenchmark.BATCH_ID.equals(r.key()) && r.value() != null) {
                        watch.on(RecordCodec.batchJob().decode(r.value()));
                    }
                }
            }
        }
        long startedAt = roles.startedAt();
        if (startedAt == 0) {
            throw new IllegalStateException("the roles' JVM never reported its start");
        }
        roles.stop();
        double seconds = (watch.published.getUpdatedAt().toEpochMilli() - startedAt) / 1e3;
        double emulator = watch.printPhases(startedAt, seconds);
        return new Pipeline(
                seconds,
                emulator,
                (roles.startSeenNanos() - launched) / 1e9,
                watch.succeeded == null
                        ? Double.NaN
                        : (watch.published.getUpdatedAt().toEpochMilli()
                                        - watch.succeeded.getUpdatedAt().toEpochMilli())
                                / 1e3);
    }
}

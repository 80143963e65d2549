package io.genaibatch.submit;

import static io.genaibatch.submit.SubmitItSupport.generate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.batch.JsonlLine;
import io.genaibatch.batch.Lineage;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchItem;
import io.genaibatch.submit.SubmitItSupport.BatchesTopic;
import io.genaibatch.submit.SubmitItSupport.TestBatch;
import io.genaibatch.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Reading a range child's items from its parent's range on a real broker, other batches interleaved. */
@ExtendWith(KafkaCluster.class)
class RangeSpoolerIT {
    @TempDir
    Path dir;

    @Test
    void shouldSpoolOnlyTheItemsOfTheRangesBatchInOffsetOrder(KafkaCluster kafka) throws Exception {
        Setup s = setup(kafka, "range-read");
        List<Long> offsets = s.batches.itemOffsets.get(s.root.batchId());
        SealedBatch child = child(s, offsets.get(3), offsets.get(7), 5);

        RangeSpooler.Spooled read = new RangeSpooler(s.consumers, s.topic, Duration.ofSeconds(30)).spool(child);

        assertThat(read.lost()).isNull();
        assertThat(read.count()).isEqualTo(5);
        assertThat(Files.readAllBytes(child.spool()))
                .as("items 4..8 of the root, nothing of the interleaved batch")
                .isEqualTo(jsonl(s.root.items().subList(3, 8)));
        assertThat(read.bytes()).isEqualTo(Files.size(child.spool()));
        s.batches.close();
    }

    @Test
    void shouldReportTheRangeLostWhenRetentionDeletedItsStart(KafkaCluster kafka) throws Exception {
        Setup s = setup(kafka, "range-lost");
        List<Long> offsets = s.batches.itemOffsets.get(s.root.batchId());
        try (Admin admin = new KafkaClients(s.config).admin()) {
            admin.deleteRecords(Map.of(new TopicPartition(s.topic, 0), RecordsToDelete.beforeOffset(offsets.get(2))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        SealedBatch child = child(s, offsets.get(0), offsets.get(4), 5);

        RangeSpooler.Spooled read = new RangeSpooler(s.consumers, s.topic, Duration.ofSeconds(30)).spool(child);

        assertThat(read.lost()).contains("retention").contains("offsets " + offsets.get(0) + ".." + offsets.get(4));
        assertThat(read.count()).isLessThan(5);
        s.batches.close();
    }

    @Test
    void shouldFailTheTryAndDeleteThePartialFileWhenTheReadMakesNoProgress(KafkaCluster kafka) throws Exception {
        Setup s = setup(kafka, "range-stall");
        List<Long> offsets = s.batches.itemOffsets.get(s.root.batchId());
        // The range runs past the end of the partition: the position stops there and never reaches its end.
        SealedBatch child = child(s, offsets.get(0), offsets.get(9) + 1_000, 10);

        assertThatThrownBy(() -> new RangeSpooler(s.consumers, s.topic, Duration.ofSeconds(1)).spool(child))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("made no progress for PT1S")
                .hasMessageContaining(s.topic + "-0")
                .hasMessageContaining("the position stayed at");
        assertThat(child.spool()).doesNotExist();
        s.batches.close();
    }

    @Test
    void shouldStopReadingWhenTheWorkerIsInterrupted(KafkaCluster kafka) throws Exception {
        Setup s = setup(kafka, "range-interrupt");
        List<Long> offsets = s.batches.itemOffsets.get(s.root.batchId());
        SealedBatch child = child(s, offsets.get(0), offsets.get(9) + 1_000, 10);
        RangeSpooler spooler = new RangeSpooler(s.consumers, s.topic, Duration.ofMinutes(5));
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                spooler.spool(child);
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        worker.start();
        // The spool file exists once the spooler has opened its output; it then reads the range, which never ends
        Await.until(
                "the spooler reading " + child.batchId(), Duration.ofSeconds(30), () -> Files.exists(child.spool()));

        worker.interrupt();

        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(child.spool()).doesNotExist();
        s.batches.close();
    }

    // ---- helpers ----

    private record Setup(
            GenAiBatchConfig config,
            String topic,
            BatchesTopic batches,
            TestBatch root,
            Supplier<Consumer<String, byte[]>> consumers) {}

    /** A root batch of 10 items and another batch of 6, interleaved in partition 0. */
    private Setup setup(KafkaCluster kafka, String name) {
        String prefix = KafkaCluster.uniquePrefix(name);
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        String topic = prefix + "batches";
        BatchesTopic batches = new BatchesTopic(kafka, topic);
        batches.partition = 0;
        TestBatch root = generate(prefix + "root", 10, 40);
        TestBatch other = generate(prefix + "other", 6, 40);
        batches.write(root, other);
        Supplier<Consumer<String, byte[]>> consumers = () -> new KafkaConsumer<>(
                new KafkaClients(config)
                        .properties(Map.of(
                                "isolation.level",
                                "read_committed",
                                "enable.auto.commit",
                                false,
                                "auto.offset.reset",
                                "none")),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        return new Setup(config, topic, batches, root, consumers);
    }

    private SealedBatch child(Setup s, long from, long to, int count) {
        String id = s.root.batchId() + ".s1";
        Lineage lineage = Lineage.root(s.root.batchId())
                .child(s.root.batchId(), 2, "JOB_EXPIRED", new Lineage.ItemsRange(s.root.batchId(), 0, from, to));
        return new SealedBatch(
                id,
                s.root.groupKey(),
                s.root.model(),
                s.root.kind(),
                count,
                0,
                0,
                from,
                to + 1,
                dir.resolve("spool").resolve(id + ".jsonl"),
                Instant.now(),
                lineage);
    }

    private static byte[] jsonl(List<BatchItem> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        items.forEach(i -> out.writeBytes(JsonlLine.bytes(i)));
        return out.toByteArray();
    }
}

package io.genaibatch.submit;

import static io.genaibatch.submit.SubmitItSupport.assertOneJobEach;
import static io.genaibatch.submit.SubmitItSupport.await;
import static io.genaibatch.submit.SubmitItSupport.awaitFailure;
import static io.genaibatch.submit.SubmitItSupport.committedPast;
import static io.genaibatch.submit.SubmitItSupport.generate;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.JsonlLine;
import io.genaibatch.batch.Lineage;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.submit.SubmitItSupport.BatchesTopic;
import io.genaibatch.submit.SubmitItSupport.JobsTopic;
import io.genaibatch.submit.SubmitItSupport.Placed;
import io.genaibatch.submit.SubmitItSupport.TestBatch;
import io.genaibatch.submit.SubmitterIT.SimulatedCrash;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Child batches the poller makes (job policies), against a real broker and the emulator: a range child (its items
 * are a range of its parent's) and a copied-items child each get exactly one job, and their genai.jobs records
 * carry their lineage.
 */
@ExtendWith(KafkaCluster.class)
class SubmitterChildrenIT {
    /** Every record goes to this genai.batches partition: the root, a batch interleaved with it, the children. */
    private static final int P = 1;

    private static GeminiEmulator emulator;
    private static BatchApi api;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEmulator() throws Exception {
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().runningMillis(60_000).build());
        api = SubmitItSupport.api(emulator);
    }

    @AfterAll
    static void stopEmulator() {
        api.close();
        emulator.close();
    }

    @Test
    void shouldSubmitARangeChildOnceWithTheSecondHalfOfItsParentsItems(KafkaCluster kafka) throws Exception {
        // Step 1: a root batch of 10 items, interleaved with another batch, submitted and committed past.
        String prefix = KafkaCluster.uniquePrefix("children-range");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.inline-max-bytes", "0"));
        TestBatch root = generate(prefix + "root", 10, 60);
        TestBatch other = generate(prefix + "other", 6, 60);
        String childId = Lineage.splitIds(root.batchId()).get(1);
        try (Submitter submitter = new Submitter(config, api);
                BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.partition = P;
            batches.write(root, other);
            submitter.start();
            jobs.awaitRecorded(List.of(root.batchId(), other.batchId()));
            await(() -> committedPast(config, prefix, batches), "offsets committed past the root's seal");
            long committedBefore =
                    SubmitItSupport.committedOffsets(config, prefix + "submit").get(P);

            // Step 2: the poller splits it; the second half is a lone seal naming items 6..10 of the root.
            List<Long> offsets = batches.itemOffsets.get(root.batchId());
            List<BatchItem> half = root.items().subList(5, 10);
            Lineage lineage = Lineage.root(root.batchId())
                    .child(
                            root.batchId(),
                            2,
                            "JOB_EXPIRED",
                            new Lineage.ItemsRange(root.batchId(), P, offsets.get(5), offsets.get(9)));
            Placed seal = batches.sealRange(childId, root, half.size(), bytes(half), lineage);

            // Step 3: one job for the child, from exactly those items, in order.
            Map<String, List<BatchJob>> history = jobs.awaitRecorded(List.of(childId));
            assertOneJobEach(emulator, history, List.of(childId));
            List<BatchJob> records = history.get(childId);
            assertThat(records).extracting(BatchJob::getState).first().isEqualTo(JobState.SUBMITTING);
            assertThat(jobs.lineages.get(childId))
                    .as("lineage header on every record of the child")
                    .hasSize(records.size())
                    .containsOnly(lineage);
            assertThat(jobs.lineages.get(root.batchId()))
                    .as("a root's records carry no header")
                    .containsOnlyNulls();
            for (BatchJob r : records) {
                assertThat(r.getAttempt()).isEqualTo(2);
                assertThat(r.getParentBatchId()).isEqualTo(root.batchId());
                assertThat(r.getItemsPartition()).isEqualTo(P);
                assertThat(r.getFirstItemOffset()).isEqualTo(offsets.get(5));
                assertThat(r.getLastItemOffset()).as("the child's seal").isEqualTo(seal.sealOffset());
                assertThat(r.getItemCount()).isEqualTo(5);
                assertThat(r.getItemBytes()).isEqualTo(bytes(half));
            }
            BatchJob done = records.get(records.size() - 1);
            assertThat(done.getInputMode()).isEqualTo(InputMode.FILE);
            Path got = dir.resolve("downloaded-child");
            api.downloadFile(done.getUploadedFile(), got);
            assertThat(Files.readAllBytes(got))
                    .as("the JSONL uploaded for the child")
                    .isEqualTo(jsonl(half));
            BatchJobInfo job = api.get(done.getJobName());
            assertThat(job.displayName()).isEqualTo(childId);

            // Offsets: past the child's seal, never back to the range's start below what was committed.
            await(() -> committedPast(config, prefix, batches), "offsets committed past the child's seal");
            assertThat(SubmitItSupport.committedOffsets(config, prefix + "submit")
                            .get(P))
                    .isGreaterThan(committedBefore);
            assertThat(emulator.jobsCreatedFor(root.batchId())).isEqualTo(1);
        }
    }

    @Test
    void shouldSubmitACopiedItemsChildLikeAnyBatchWithItsLineage(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("children-copied");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch root = generate(prefix + "root", 4, 30);
        TestBatch child = generate(Lineage.rebatchId(root.batchId(), 2), 3, 30);
        Lineage lineage = Lineage.root(root.batchId()).child(root.batchId(), 2, "RETRIABLE_ERRORS", null);
        try (Submitter submitter = new Submitter(config, api);
                BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.partition = P;
            batches.write(root);
            batches.lineage(child.batchId(), lineage);
            batches.write(child);
            submitter.start();

            Map<String, List<BatchJob>> history = jobs.awaitRecorded(List.of(root.batchId(), child.batchId()));

            assertOneJobEach(emulator, history, List.of(root.batchId(), child.batchId()));
            List<BatchJob> records = history.get(child.batchId());
            assertThat(records).hasSize(2);
            assertThat(jobs.lineages.get(child.batchId())).containsExactly(lineage, lineage);
            Placed at = batches.placed.get(child.batchId());
            for (BatchJob r : records) {
                assertThat(r.getAttempt()).isEqualTo(2);
                assertThat(r.getParentBatchId()).isEqualTo(root.batchId());
                assertThat(r.getItemsPartition()).isEqualTo(P);
                assertThat(r.getFirstItemOffset()).isEqualTo(at.firstItemOffset());
                assertThat(r.getLastItemOffset()).isEqualTo(at.sealOffset());
                assertThat(r.getItemCount()).isEqualTo(3);
            }
            assertThat(history.get(root.batchId()))
                    .extracting(BatchJob::getAttempt)
                    .containsOnly(1);
            await(() -> committedPast(config, prefix, batches), "offsets committed past both seals");
        }
    }

    @Test
    void shouldRecordARangeChildFailedWithoutAJobWhenItsRangeDoesNotMatchTheSeal(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("children-mismatch");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch root = generate(prefix + "root", 10, 30);
        List<String> halves = Lineage.splitIds(root.batchId());
        try (Submitter submitter = new Submitter(config, api);
                BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.partition = P;
            batches.write(root);
            submitter.start();
            jobs.awaitRecorded(List.of(root.batchId()));
            List<Long> offsets = batches.itemOffsets.get(root.batchId());

            // The second half: its seal says 6 items, the range holds 5.
            List<BatchItem> second = root.items().subList(5, 10);
            Lineage wrongCount = Lineage.root(root.batchId())
                    .child(
                            root.batchId(),
                            2,
                            "JOB_EXPIRED",
                            new Lineage.ItemsRange(root.batchId(), P, offsets.get(5), offsets.get(9)));
            batches.sealRange(halves.get(1), root, 6, bytes(second), wrongCount);
            // The first half: its start was deleted by retention before the seal came.
            try (Admin admin = new KafkaClients(config).admin()) {
                admin.deleteRecords(Map.of(
                                new TopicPartition(prefix + "batches", P),
                                RecordsToDelete.beforeOffset(offsets.get(2))))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            List<BatchItem> first = root.items().subList(0, 5);
            Lineage deleted = Lineage.root(root.batchId())
                    .child(
                            root.batchId(),
                            2,
                            "JOB_EXPIRED",
                            new Lineage.ItemsRange(root.batchId(), P, offsets.get(0), offsets.get(4)));
            batches.sealRange(halves.get(0), root, 5, bytes(first), deleted);

            Map<String, List<BatchJob>> history =
                    jobs.awaitUntil(h -> halves.stream().allMatch(h::containsKey), "both halves recorded");

            for (String id : halves) {
                assertThat(history.get(id)).as("records of %s", id).hasSize(1);
                BatchJob failed = history.get(id).get(0);
                assertThat(failed.getState()).isEqualTo(JobState.FAILED);
                assertThat(failed.getJobName()).isNull();
                assertThat(failed.getError().getCode()).isEqualTo("SEAL_MISMATCH");
                assertThat(failed.getAttempt()).isEqualTo(2);
                assertThat(failed.getParentBatchId()).isEqualTo(root.batchId());
                assertThat(failed.getLastItemOffset())
                        .isEqualTo(batches.placed.get(id).sealOffset());
                assertThat(emulator.jobsCreatedFor(id)).isZero();
            }
            assertThat(jobs.lineages.get(halves.get(1))).containsExactly(wrongCount);
            assertThat(jobs.lineages.get(halves.get(0))).containsExactly(deleted);
            assertThat(history.get(halves.get(1)).get(0).getError().getMessage())
                    .contains("says 6 items")
                    .contains("but 5 items");
            assertThat(history.get(halves.get(0)).get(0).getError().getMessage())
                    .contains("retention");
            assertThat(submitter.counters().snapshot().sealMismatches()).isEqualTo(2);
            await(() -> committedPast(config, prefix, batches), "offsets committed past both seals");
        }
    }

    @Test
    void shouldCreateExactlyOneJobForARangeChildWhenItCrashesAfterTheChildsIntent(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("children-crash-intent");
        crashAndTakeOver(
                kafka,
                prefix,
                new SubmitHooks() {
                    @Override
                    public void beforeCreate(BatchJob intent) {
                        if (intent.getParentBatchId() != null) {
                            throw new SimulatedCrash("before create of " + intent.getBatchId());
                        }
                    }
                },
                0);
    }

    @Test
    void shouldAdoptTheJobOfARangeChildWhenItCrashesAfterCreatingIt(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("children-crash-create");
        crashAndTakeOver(
                kafka,
                prefix,
                new SubmitHooks() {
                    @Override
                    public void afterCreate(BatchJob intent, BatchJobInfo job) {
                        if (intent.getParentBatchId() != null) {
                            throw new SimulatedCrash("after create of " + intent.getBatchId());
                        }
                    }
                },
                1);
    }

    /**
     * A root submitted normally, then a range child whose first run crashes at {@code hooks}; a fresh instance
     * re-reads the child's seal, finds its bare intent, looks the job up by displayName and ends with one job.
     */
    private void crashAndTakeOver(KafkaCluster kafka, String prefix, SubmitHooks hooks, int createdBeforeCrash)
            throws Exception {
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch root = generate(prefix + "root", 6, 30);
        String childId = Lineage.resubmitId(root.batchId(), 2);
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.partition = P;
            batches.write(root);
            List<Long> offsets = batches.itemOffsets.get(root.batchId());
            Lineage lineage = Lineage.root(root.batchId())
                    .child(
                            root.batchId(),
                            2,
                            "JOB_FAILED",
                            new Lineage.ItemsRange(root.batchId(), P, offsets.get(0), offsets.get(5)));

            // Step 1: the first run submits the root, then dies at the child.
            Submitter first = new Submitter(config, api, hooks, Clock.systemUTC());
            first.start();
            jobs.awaitRecorded(List.of(root.batchId()));
            batches.sealRange(childId, root, 6, root.bytes(), lineage);
            assertThat(awaitFailure(first)).isInstanceOf(SimulatedCrash.class);
            first.close();
            assertThat(jobs.readToEnd().get(childId))
                    .extracting(BatchJob::getJobName)
                    .containsOnlyNulls();
            assertThat(emulator.jobsCreatedFor(childId)).isEqualTo(createdBeforeCrash);

            // Step 2: a fresh instance takes over: one job for the child's displayName, the root left alone.
            try (Submitter second = new Submitter(config, api)) {
                second.start();
                Map<String, List<BatchJob>> history = jobs.awaitRecorded(List.of(childId));
                assertOneJobEach(emulator, history, List.of(root.batchId(), childId));
                // Looked up first, and again within submit.create-lookup-window before creating: never created blindly.
                assertThat(second.counters().snapshot().listings()).isGreaterThanOrEqualTo(1);
                assertThat(second.counters().snapshot().adopted()).isEqualTo(createdBeforeCrash);
                assertThat(jobs.lineages.get(childId)).containsOnly(lineage);
                assertThat(history.get(childId))
                        .extracting(BatchJob::getAttempt)
                        .containsOnly(2);
                BatchJob done = history.get(childId).get(history.get(childId).size() - 1);
                assertThat(done.getLastItemOffset())
                        .isEqualTo(batches.placed.get(childId).sealOffset());
                await(() -> committedPast(config, prefix, batches), "offsets committed past the child's seal");
            }
        }
    }

    private static long bytes(List<BatchItem> items) {
        return items.stream().mapToLong(BatchItem::getRequestBytes).sum();
    }

    private static byte[] jsonl(List<BatchItem> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        items.forEach(i -> out.writeBytes(JsonlLine.bytes(i)));
        return out.toByteArray();
    }
}

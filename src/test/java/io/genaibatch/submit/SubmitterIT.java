package io.genaibatch.submit;

import static io.genaibatch.submit.SubmitItSupport.assertOneJobEach;
import static io.genaibatch.submit.SubmitItSupport.await;
import static io.genaibatch.submit.SubmitItSupport.awaitFailure;
import static io.genaibatch.submit.SubmitItSupport.committedPast;
import static io.genaibatch.submit.SubmitItSupport.embed;
import static io.genaibatch.submit.SubmitItSupport.generate;
import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.cli.JsonLogCapture;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.submit.SubmitItSupport.BatchesTopic;
import io.genaibatch.submit.SubmitItSupport.JobsTopic;
import io.genaibatch.submit.SubmitItSupport.Placed;
import io.genaibatch.submit.SubmitItSupport.TestBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The submitter against a real broker and the emulator: genai.batches in, one job per batch, genai.jobs out. */
@ExtendWith(KafkaCluster.class)
class SubmitterIT {
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

    /** Thrown from a hook: the role stops as a killed process would, writing nothing more. */
    static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String where) {
            super("simulated crash " + where);
        }
    }

    @Test
    void shouldSendSmallGenerateBatchInlineAndLargeAndEmbedBatchesAsJsonlFiles(KafkaCluster kafka) throws Exception {
        // Step 1: a submitter with a 4 KB inline limit, and three sealed batches on genai.batches.
        String prefix = KafkaCluster.uniquePrefix("submit-plan");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.inline-max-bytes", "4KB"));
        TestBatch small = generate(prefix + "small", 5, 50);
        TestBatch large = generate(prefix + "large", 20, 400);
        TestBatch vectors = embed(prefix + "embed", 4);
        assertThat(small.bytes()).isLessThan(4000);
        assertThat(large.bytes()).isGreaterThan(4000);
        List<String> ids = List.of(small.batchId(), large.batchId(), vectors.batchId());
        try (Submitter submitter = new Submitter(config, api);
                BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.write(small, large, vectors);

            // Step 2: run until every batch has its job recorded.
            submitter.start();
            Map<String, List<BatchJob>> history = jobs.awaitRecorded(ids);

            // Step 3: one job each; the intent, then the same record with the job; the right input at the API.
            assertOneJobEach(emulator, history, ids);
            for (String id : ids) {
                List<BatchJob> records = history.get(id);
                Placed at = batches.placed.get(id);
                assertThat(records).as("records of %s", id).hasSize(2);
                BatchJob intent = records.get(0);
                BatchJob done = records.get(1);
                assertThat(intent.getState()).isEqualTo(JobState.SUBMITTING);
                assertThat(intent.getJobName()).isNull();
                assertThat(intent.getItemsPartition()).isEqualTo(at.partition());
                assertThat(intent.getFirstItemOffset()).isEqualTo(at.firstItemOffset());
                assertThat(intent.getLastItemOffset()).isEqualTo(at.sealOffset());
                assertThat(done.getJobName()).startsWith("batches/");
                assertThat(done.getState()).isIn(JobState.PENDING, JobState.RUNNING);
                assertThat(done.getSubmittedAt()).isNotNull();
                assertThat(done.getCreatedAt()).isEqualTo(intent.getCreatedAt());
            }
            assertThat(history.get(small.batchId()).get(1).getInputMode()).isEqualTo(InputMode.INLINE);
            assertThat(history.get(small.batchId()).get(1).getUploadedFile()).isNull();
            assertThat(history.get(small.batchId()).get(1).getItemCount()).isEqualTo(5);
            for (TestBatch b : List.of(large, vectors)) {
                BatchJob done = history.get(b.batchId()).get(1);
                assertThat(done.getInputMode())
                        .as("%s goes as a file", b.batchId())
                        .isEqualTo(InputMode.FILE);
                Path got = dir.resolve("downloaded-" + b.batchId());
                api.downloadFile(done.getUploadedFile(), got);
                assertThat(Files.readAllBytes(got))
                        .as("the JSONL uploaded for %s", b.batchId())
                        .isEqualTo(b.jsonl());
                assertThat(done.getItemBytes()).isEqualTo(b.bytes());
            }
            BatchJobInfo embedJob =
                    api.get(history.get(vectors.batchId()).get(1).getJobName());
            assertThat(embedJob.displayName()).isEqualTo(vectors.batchId());
            assertThat(embedJob.model()).contains("text-embedding-004");
            SubmitCounters.Snapshot counted = submitter.counters().snapshot();
            assertThat(counted.submittedInline()).isEqualTo(1);
            assertThat(counted.submittedFile()).isEqualTo(2);
            assertThat(counted.bytesUploaded()).isEqualTo(large.bytes() + vectors.bytes());

            // Offsets: everything is recorded, so the group has committed the end of every partition it read.
            await(() -> committedPast(config, prefix, batches), "offsets committed past every seal");
            await(() -> !spoolHasFiles(), "spool files deleted once recorded");
        }
    }

    /** genai.jobs must not grow for ever: it is read whole at every assignment. */
    @Test
    void shouldTombstoneOnlyFinishedJobsWhoseBatchRetentionDeletedAndNeverCreateOneTwice(KafkaCluster kafka)
            throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-history");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch publishedA = generate(prefix + "a", 2, 20);
        TestBatch publishedB = generate(prefix + "b", 3, 20);
        TestBatch running = generate(prefix + "c", 2, 20);
        TestBatch publishedKept = generate(prefix + "d", 2, 20);
        List<String> ids =
                List.of(publishedA.batchId(), publishedB.batchId(), running.batchId(), publishedKept.batchId());
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            // Step 1: four batches on one partition get their jobs; the submitter stops
            batches.partition = 0;
            batches.write(publishedA, publishedB, running);
            batches.write(publishedKept);
            try (Submitter submitter = new Submitter(config, api)) {
                submitter.start();
                jobs.awaitRecorded(ids);
                await(() -> committedPast(config, prefix, batches), "offsets committed past every seal");
            }
            // Step 2: the poller publishes three of them; the fourth job still runs
            Map<String, List<BatchJob>> history = jobs.readToEnd();
            for (TestBatch b : List.of(publishedA, publishedB, publishedKept)) {
                List<BatchJob> records = history.get(b.batchId());
                SubmitItSupport.writeJobRecord(
                        kafka,
                        prefix + "jobs",
                        BatchJob.newBuilder(records.get(records.size() - 1))
                                .setState(JobState.PUBLISHED)
                                .setPublishedThrough(b.items().size())
                                .build());
            }
            // Step 3: retention deletes genai.batches into the last batch: its first item goes, its seal stays. That
            // batch can still be read again (its seal with an item missing), so its job record must stay.
            long keptFrom = batches.placed.get(publishedKept.batchId()).firstItemOffset() + 1;
            assertThat(keptFrom)
                    .isLessThan(batches.placed.get(publishedKept.batchId()).sealOffset());
            try (org.apache.kafka.clients.admin.Admin admin = new io.genaibatch.kafka.KafkaClients(config).admin()) {
                admin.deleteRecords(Map.of(
                                new org.apache.kafka.common.TopicPartition(prefix + "batches", 0),
                                org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(keptFrom)))
                        .all()
                        .get();
            }

            // Step 4: restarted, the submitter tombstones the two finished jobs retention passed, and only them
            try (Submitter submitter = new Submitter(config, api)) {
                submitter.start();
                jobs.awaitUntil(
                        h -> jobs.tombstoned.containsAll(List.of(publishedA.batchId(), publishedB.batchId())),
                        "tombstones for the published batches retention deleted");
                // They are written in one transaction: whatever else it holds is visible now too.
                jobs.readToEnd();
                assertThat(jobs.tombstoned).containsExactlyInAnyOrder(publishedA.batchId(), publishedB.batchId());
                assertThat(jobs.history.get(running.batchId()))
                        .last()
                        .extracting(BatchJob::getState)
                        .isNotEqualTo(JobState.PUBLISHED);
                assertThat(jobs.history.get(publishedKept.batchId()))
                        .last()
                        .extracting(BatchJob::getState)
                        .isEqualTo(JobState.PUBLISHED);
            }

            // Step 5: a submitter of a new group reads genai.batches from its start: nothing is created again
            String otherGroup = prefix + "submit-other";
            GenAiBatchConfig other = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.group-id", otherGroup));
            long end = batches.placed.get(publishedKept.batchId()).sealOffset();
            try (Submitter submitter = new Submitter(other, api)) {
                submitter.start();
                await(() -> committedOffset(other, otherGroup) > end, "the other group's offsets past the last seal");
            }
            for (String id : ids) {
                assertThat(emulator.jobsCreatedFor(id))
                        .as("jobs created for %s", id)
                        .isEqualTo(1);
            }
            assertOneJobEach(
                    emulator,
                    Map.of(running.batchId(), jobs.readToEnd().get(running.batchId())),
                    List.of(running.batchId()));
        }
    }

    private static long committedOffset(GenAiBatchConfig config, String group) {
        try {
            return SubmitItSupport.committedOffsets(config, group).getOrDefault(0, -1L);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldHoldABoundedNumberOfSpoolFilesOpenWhateverTheNumberOfOpenBatches(KafkaCluster kafka) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isDirectory(Path.of("/proc/self/fd")), "open files are counted in /proc/self/fd");
        String prefix = KafkaCluster.uniquePrefix("submit-open-files");
        GenAiBatchConfig config = SubmitItSupport.config(
                kafka, prefix, dir, Map.of("submit.inline-max-bytes", "0", "submit.max-jobs-in-flight", "20"));
        List<TestBatch> all = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            all.add(generate(prefix + "m" + i, 2, 30));
        }
        List<String> ids = all.stream().map(TestBatch::batchId).toList();
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs");
                Submitter submitter = new Submitter(config, api)) {
            // Step 1: 150 batches open at once (one per model, say), their items interleaved, no seal yet
            batches.partition = 1;
            batches.writeItems(all, 0, 1);
            batches.writeItems(all, 1, 2);
            submitter.start();
            await(() -> spoolFiles() == all.size(), "a spool file for each open batch");

            // Step 2: the submitter holds a bounded number of them open, not one per open batch
            assertThat(SpoolTest.openFilesUnder(dir))
                    .as("spool files open with %d batches open", all.size())
                    .isLessThanOrEqualTo(Spool.MAX_OPEN_FILES);

            // Step 3: sealed, each batch gets one job whose uploaded JSONL is its items byte for byte
            batches.seal(all.toArray(TestBatch[]::new));
            Map<String, List<BatchJob>> history = jobs.awaitRecorded(ids);
            assertOneJobEach(emulator, history, ids);
            for (TestBatch b : all) {
                List<BatchJob> records = history.get(b.batchId());
                Path got = dir.resolve("downloaded-" + b.batchId());
                api.downloadFile(records.get(records.size() - 1).getUploadedFile(), got);
                assertThat(Files.readAllBytes(got))
                        .as("the JSONL uploaded for %s", b.batchId())
                        .isEqualTo(b.jsonl());
            }
        }
    }

    private long spoolFiles() {
        try (var files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".jsonl")).count();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    @Test
    void shouldSubmitInterleavedBatchesOnEveryPartitionOnceEach(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-interleave");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.inline-max-bytes", "2KB"));
        List<TestBatch> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.add(
                    i % 4 == 3
                            ? embed(prefix + "b" + i, 3 + i % 3)
                            : generate(prefix + "b" + i, 3 + i, 20 + 40 * (i % 3)));
        }
        List<String> ids = all.stream().map(TestBatch::batchId).toList();
        try (Submitter submitter = new Submitter(config, api);
                BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            submitter.start();
            // Items of all twelve batches interleave; half are sealed while the other half are still open.
            batches.writeItems(all, 0, 2);
            batches.writeItems(all.subList(0, 6), 2, 100);
            batches.seal(all.subList(0, 6).toArray(TestBatch[]::new));
            batches.writeItems(all.subList(6, 12), 2, 100);
            batches.seal(all.subList(6, 12).toArray(TestBatch[]::new));

            Map<String, List<BatchJob>> history = jobs.awaitRecorded(ids);

            assertOneJobEach(emulator, history, ids);
            assertThat(batches.placed.values().stream()
                            .map(Placed::partition)
                            .distinct()
                            .count())
                    .as("batches spread over the partitions")
                    .isGreaterThan(1);
            for (TestBatch b : all) {
                BatchJob done = history.get(b.batchId()).stream()
                        .filter(j -> j.getJobName() != null)
                        .findFirst()
                        .orElseThrow();
                assertThat(done.getItemCount()).isEqualTo(b.items().size());
                assertThat(done.getFirstItemOffset())
                        .isEqualTo(batches.placed.get(b.batchId()).firstItemOffset());
                assertThat(done.getLastItemOffset())
                        .isEqualTo(batches.placed.get(b.batchId()).sealOffset());
                assertThat(done.getInputMode())
                        .isEqualTo(
                                b.kind() == RequestKind.EMBED || b.bytes() > 2000 ? InputMode.FILE : InputMode.INLINE);
            }
            await(() -> committedPast(config, prefix, batches), "offsets committed past every seal");
        }
    }

    @Test
    void shouldRecordFailedAndCreateNothingWhenTheSealDoesNotMatchTheItems(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-mismatch");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch fourItems = generate(prefix + "bad", 4, 30);
        TestBatch sealSaysFive = generate(prefix + "bad", 5, 30);
        TestBatch good = generate(prefix + "good", 2, 30);
        try (Submitter submitter = new Submitter(config, api);
                BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.writeItems(List.of(fourItems, good), 0, 100);
            batches.seal(sealSaysFive, good);
            submitter.start();

            Map<String, List<BatchJob>> history = jobs.awaitUntil(
                    h -> h.containsKey(fourItems.batchId())
                            && h.getOrDefault(good.batchId(), List.of()).stream()
                                    .anyMatch(j -> j.getJobName() != null),
                    "the bad batch recorded and the good one submitted");

            BatchJob failed = history.get(fourItems.batchId()).get(0);
            assertThat(history.get(fourItems.batchId())).hasSize(1);
            assertThat(failed.getState()).isEqualTo(JobState.FAILED);
            assertThat(failed.getJobName()).isNull();
            assertThat(failed.getError().getCode()).isEqualTo("SEAL_MISMATCH");
            assertThat(failed.getError().getMessage()).contains("says 5 items").contains("but 4 items");
            assertThat(failed.getFirstItemOffset())
                    .isEqualTo(batches.placed.get(fourItems.batchId()).firstItemOffset());
            assertThat(emulator.jobsCreatedFor(fourItems.batchId())).isZero();
            assertThat(submitter.counters().snapshot().sealMismatches()).isEqualTo(1);
            assertOneJobEach(emulator, history, List.of(good.batchId()));
            await(() -> committedPast(config, prefix, batches), "offsets committed past both seals");
        }
    }

    @Test
    void shouldCreateExactlyOneJobWhenItCrashesAfterTheIntentBeforeCreate(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-crash-intent");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch batch = generate(prefix + "b", 4, 30);
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.write(batch);

            // Step 1: the first run dies right after its intent is committed.
            Submitter first = new Submitter(
                    config,
                    api,
                    new SubmitHooks() {
                        @Override
                        public void beforeCreate(BatchJob intent) {
                            throw new SimulatedCrash("before create of " + intent.getBatchId());
                        }
                    },
                    Clock.systemUTC());
            first.start();
            assertThat(awaitFailure(first)).isInstanceOf(SimulatedCrash.class);
            first.close();
            assertThat(jobs.readToEnd().get(batch.batchId()))
                    .extracting(BatchJob::getState)
                    .containsExactly(JobState.SUBMITTING);
            assertThat(emulator.jobsCreatedFor(batch.batchId())).isZero();

            // Step 2: a fresh submitter looks for the job by displayName, finds none, creates it once.
            try (Submitter second = new Submitter(config, api)) {
                second.start();
                Map<String, List<BatchJob>> history = jobs.awaitRecorded(List.of(batch.batchId()));
                assertOneJobEach(emulator, history, List.of(batch.batchId()));
                // Looked up first, and again within submit.create-lookup-window before creating: never created blindly.
                assertThat(second.counters().snapshot().listings()).isGreaterThanOrEqualTo(1);
                assertThat(second.counters().snapshot().adopted()).isZero();
            }
        }
    }

    @Test
    void shouldCreateOneJobWhenACreateAnswerIsLostAndTheJobShowsInTheListOnlyLater(KafkaCluster kafka)
            throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-lost-answer");
        GenAiBatchConfig config =
                SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.create-lookup-window", "20s"));
        TestBatch batch = generate(prefix + "b", 3, 30);
        // Step 1: the API makes the job but its answer is lost, and a new job shows in list only 5 s later
        emulator.loseNextCreateAnswers(1);
        emulator.delayJobsInList(Duration.ofSeconds(5));
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs");
                Submitter submitter = new Submitter(config, api)) {
            batches.write(batch);

            // Step 2: the submitter cannot tell whether the job exists
            submitter.start();
            Map<String, List<BatchJob>> history = jobs.awaitRecorded(List.of(batch.batchId()));

            // Step 3: it kept looking until the job showed up, and adopted it: one job, never a second create
            assertOneJobEach(emulator, history, List.of(batch.batchId()));
            assertThat(submitter.counters().snapshot().adopted()).isEqualTo(1);
        } finally {
            emulator.delayJobsInList(Duration.ZERO);
        }
    }

    @Test
    void shouldBridgeEachOfItsKafkaClientsUnderAClientIdOfItsOwn(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-client-ids");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.instance-id", "ids"));
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (io.genaibatch.run.Telemetry telemetry = io.genaibatch.run.Telemetry.of(meters);
                Submitter submitter = new Submitter(config, api, telemetry)) {
            submitter.start();

            // Two clients under one client.id: the second one's app-info gauges are refused (a WARN at each start)
            assertThat(meters.find("kafka.app.info.start.time.ms").gauges())
                    .extracting(g -> g.getId().getTag("client.id"))
                    .as("the group consumer, the genai.jobs consumer and the producer")
                    .containsExactlyInAnyOrder(
                            "genai-batch-submit-ids", "genai-batch-submit-ids-jobs", "genai-batch-submit-ids-producer");
        }
    }

    @Test
    void shouldStopNamingTheSharedInstanceIdWhenTwoInstancesUseTheSameOne(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-same-id");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.instance-id", "same"));
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                Submitter first = new Submitter(config, api);
                JsonLogCapture log = new JsonLogCapture()) {
            batches.write(generate(prefix + "b", 2, 20));
            first.start();
            await(() -> first.ownedPartitions() > 0, "the first instance owns its partitions");

            // Step 2: a second instance with the same submit.instance-id takes its transactional.id over
            try (Submitter second = new Submitter(
                    SubmitItSupport.config(kafka, prefix, dir.resolve("second"), Map.of("submit.instance-id", "same")),
                    api)) {
                second.start();
                for (int i = 0; i < 6; i++) {
                    batches.write(generate(prefix + "c" + i, 2, 20));
                }

                // Step 3: the fenced one stops with a message that says what is wrong and what to do
                Throwable failure = awaitFailure(first);
                assertThat(failure)
                        .hasMessageContaining("submit.instance-id")
                        .hasMessageContaining("'same'")
                        .hasMessageContaining("unique");
                // One ERROR, with its stack, for one failure (review-18b N12: the loop's and the lifecycle's were two)
                await(
                        () -> log.events().stream()
                                .anyMatch(e -> e.path("message").asText().contains("stopped on its own")),
                        "the role says it stopped");
                assertThat(log.events().stream()
                                .filter(e -> e.path("level").asText().equals("ERROR"))
                                .filter(e -> e.path("message").asText().contains("'same'"))
                                .map(e -> e.path("logger").asText() + ": "
                                        + e.path("message").asText()))
                        .singleElement()
                        .asString()
                        .contains("Role submit stopped on its own");
            }
        }
    }

    @Test
    void shouldNotCreateAgainABatchWhoseJobRecordATransactionLeftOpenHides(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-open-txn");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch batch = generate(prefix + "b", 3, 20);
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches")) {
            batches.write(batch);
            Placed placed = batches.placed.get(batch.batchId());
            // Step 1: the batch has its job, and its job record sits on genai.jobs behind a transaction that a
            // killed producer left open (its records stay invisible to read_committed readers until it ends)
            Path input = dir.resolve("input.jsonl");
            Files.write(input, batch.jsonl());
            BatchJobInfo created =
                    api.create(batch.model(), batch.batchId(), io.genaibatch.gemini.BatchInput.inline(input));
            try (org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> dead =
                    SubmitItSupport.openTransaction(kafka, prefix + "jobs", batch.batchId(), Duration.ofSeconds(10))) {
                SubmitItSupport.writeJobRecord(
                        kafka,
                        prefix + "jobs",
                        BatchJob.newBuilder()
                                .setBatchId(batch.batchId())
                                .setGroupKey(batch.groupKey())
                                .setModel(batch.model())
                                .setKind(batch.kind())
                                .setAttempt(1)
                                .setItemCount(3)
                                .setItemBytes(batch.bytes())
                                .setItemsPartition(placed.partition())
                                .setFirstItemOffset(placed.firstItemOffset())
                                .setLastItemOffset(placed.sealOffset())
                                .setInputMode(InputMode.INLINE)
                                .setJobName(created.name())
                                .setState(JobState.PENDING)
                                .setCreatedAt(java.time.Instant.now())
                                .setUpdatedAt(java.time.Instant.now())
                                .setSubmittedAt(java.time.Instant.now())
                                .build());

                // Step 2: a submitter starts meanwhile, and reads the batch
                try (Submitter submitter = new Submitter(config, api)) {
                    submitter.start();
                    await(() -> committedPast(config, prefix, batches), "offsets committed past the batch");

                    // Step 3: it waited for the transaction to end, saw the job record, and created nothing
                    assertThat(emulator.jobsCreatedFor(batch.batchId())).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void shouldRetryACreateAnswered404ThatDoesNotSayTheModelIsUnknown(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-create-404");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch batch = generate(prefix + "b", 3, 20);
        // Step 1: the first two creates answer 404 without naming the model (a routing blip, a proxy restarting)
        emulator.failNextRequests(2, 404, ":batchGenerateContent");

        // Step 2: the batch gets its one job instead of being recorded FAILED (CREATE_REFUSED) for good
        submitOneAndAssertItsJob(kafka, prefix, config, batch, SubmitHooks.NONE);
    }

    @Test
    void shouldRebuildASpoolFileDeletedWhileItsBatchWaitedFromTheBatchesTopic(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-spool-lost");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch batch = generate(prefix + "b", 4, 20);
        // Step 1: the first create fails (503 beyond the client's retries); meanwhile the spool file is deleted
        emulator.failNextRequests(6, 503, ":batchGenerateContent");
        AtomicInteger creates = new AtomicInteger();
        SubmitHooks deleteSpool = beforeFirstCreate(creates, intent -> {
            try (var files = java.nio.file.Files.walk(dir)) {
                files.filter(f -> f.toString().endsWith(".jsonl"))
                        .forEach(f -> f.toFile().delete());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        // Step 2: the batch gets its one job, with its own four requests, read again from genai.batches
        List<BatchJob> records = submitOneAndAssertItsJob(kafka, prefix, config, batch, deleteSpool);
        assertThat(creates.get()).isGreaterThan(1);
        assertThat(api.get(records.get(records.size() - 1).getJobName()).stats())
                .hasValueSatisfying(stats -> assertThat(stats.requestCount())
                        .as("requests in the job")
                        .isEqualTo(4));
    }

    @Test
    void shouldUploadAgainWhenTheInputFileIsGoneBeforeTheCreateGoesThrough(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-file-gone");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.inline-max-bytes", "0"));
        TestBatch batch = generate(prefix + "b", 3, 20);
        // Step 1: the first create is refused for the quota (429); meanwhile the uploaded file expires (deleted
        // here), as a file does 48 h after its upload while a batch waits out a long rate limit
        // More 429s than the client retries within one call: the submission itself tries again later.
        emulator.failNextRequests(6, 429, ":batchGenerateContent");
        SubmitHooks expireFile =
                beforeFirstCreate(new AtomicInteger(), intent -> api.deleteFile(intent.getUploadedFile()));

        // Step 2: the batch still gets its one job, from a new upload, instead of being recorded FAILED
        List<BatchJob> records = submitOneAndAssertItsJob(kafka, prefix, config, batch, expireFile);
        assertThat(records.stream().map(BatchJob::getUploadedFile).distinct().count())
                .as("intents name the first upload, then the second")
                .isEqualTo(2);
    }

    /** Hooks that run {@code action} before the first create only, counting every create in {@code creates}. */
    private static SubmitHooks beforeFirstCreate(AtomicInteger creates, java.util.function.Consumer<BatchJob> action) {
        return new SubmitHooks() {
            @Override
            public void beforeCreate(BatchJob intent) {
                if (creates.incrementAndGet() == 1) {
                    action.accept(intent);
                }
            }
        };
    }

    /**
     * Writes the batch and runs one submitter with {@code hooks} until the batch is recorded; checks it got exactly
     * one job and was not recorded FAILED, and returns its records. Scripted emulator failures are cleared after.
     */
    private List<BatchJob> submitOneAndAssertItsJob(
            KafkaCluster kafka, String prefix, GenAiBatchConfig config, TestBatch batch, SubmitHooks hooks)
            throws Exception {
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs");
                Submitter submitter = new Submitter(config, api, hooks, Clock.systemUTC())) {
            batches.write(batch);
            submitter.start();
            Map<String, List<BatchJob>> history = jobs.awaitRecorded(List.of(batch.batchId()));
            assertOneJobEach(emulator, history, List.of(batch.batchId()));
            List<BatchJob> records = history.get(batch.batchId());
            assertThat(records.get(records.size() - 1).getState()).isNotEqualTo(JobState.FAILED);
            return records;
        } finally {
            emulator.clearScriptedFailures();
        }
    }

    @Test
    void shouldSayRetentionDeletedItemsWhenTheCommittedOffsetFellOffTheLog(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-retention");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of());
        TestBatch first = generate(prefix + "a", 2, 20);
        TestBatch late = generate(prefix + "b", 4, 20);
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            // Step 1: a first batch is submitted and its offsets committed; the submitter stops
            batches.partition = 0;
            batches.write(first);
            try (Submitter submitter = new Submitter(config, api)) {
                submitter.start();
                jobs.awaitRecorded(List.of(first.batchId()));
                await(() -> committedPast(config, prefix, batches), "offsets committed past the first batch");
            }
            // Step 2: while it is down, a batch arrives and retention deletes its first two items
            batches.writeItems(List.of(late), 0, 4);
            batches.seal(late);
            long thirdItem = batches.itemOffsets.get(late.batchId()).get(2);
            int partition = batches.placed.get(late.batchId()).partition();
            try (org.apache.kafka.clients.admin.Admin admin = new io.genaibatch.kafka.KafkaClients(config).admin()) {
                admin.deleteRecords(Map.of(
                                new org.apache.kafka.common.TopicPartition(prefix + "batches", partition),
                                org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(thirdItem)))
                        .all()
                        .get();
            }

            // Step 3: restarted, the submitter says which records retention took, and the batch's record says so
            try (Submitter submitter = new Submitter(config, api)) {
                submitter.start();
                Map<String, List<BatchJob>> history =
                        jobs.awaitUntil(h -> h.containsKey(late.batchId()), "a record for the late batch");
                BatchJob record = history.get(late.batchId())
                        .get(history.get(late.batchId()).size() - 1);
                assertThat(record.getState()).isEqualTo(JobState.FAILED);
                assertThat(record.getError().getCode()).isEqualTo("SEAL_MISMATCH");
                assertThat(record.getError().getMessage())
                        .contains("deleted by retention")
                        .contains("before offset " + thirdItem);
            }
        }
    }

    @Test
    void shouldKeepEachGroupsSpoolWhenTwoGroupsShareTheSpoolDirectory(KafkaCluster kafka) throws Exception {
        String prefixA = KafkaCluster.uniquePrefix("submit-spool-a");
        String prefixB = KafkaCluster.uniquePrefix("submit-spool-b");
        Path shared = dir.resolve("shared-spool");
        GenAiBatchConfig configA =
                SubmitItSupport.config(kafka, prefixA, shared, Map.of("submit.inline-max-bytes", "0"));
        // Another deployment (its own group and genai.jobs) on the same genai.batches, in the same working directory
        GenAiBatchConfig configB = SubmitItSupport.config(
                kafka, prefixB, shared, Map.of("submit.inline-max-bytes", "0", "topics.batches", prefixA + "batches"));
        TestBatch batch = generate(prefixA + "b", 3, 20);
        try (BatchesTopic batches = new BatchesTopic(kafka, prefixA + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefixA + "jobs")) {
            batches.partition = 0;
            batches.write(batch);
            // B's group has already read everything: it will spool nothing of its own
            try (org.apache.kafka.clients.admin.Admin admin = new io.genaibatch.kafka.KafkaClients(configB).admin()) {
                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> end =
                        new java.util.HashMap<>();
                for (int p = 0; p < 3; p++) {
                    org.apache.kafka.common.TopicPartition tp =
                            new org.apache.kafka.common.TopicPartition(prefixA + "batches", p);
                    long last = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                            .partitionResult(tp)
                            .get()
                            .offset();
                    end.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(last));
                }
                admin.alterConsumerGroupOffsets(prefixB + "submit", end).all().get();
            }
            // Step 1: A spools the batch; its uploads fail for a while (503)
            emulator.failNextRequests(30, 503, "upload");
            try (Submitter a = new Submitter(configA, api)) {
                a.start();
                await(
                        () -> emulator.recordedRequests().stream()
                                .anyMatch(r -> r.path().contains("upload")),
                        "A trying to upload");

                // Step 2: B starts in the same spool directory and is given the same partitions
                try (Submitter b = new Submitter(configB, api)) {
                    b.start();
                    await(() -> b.ownedPartitions() == 3, "B owning its partitions");
                    emulator.clearScriptedFailures();

                    // Step 3: A's spool is still A's: its batch gets its job
                    Map<String, List<BatchJob>> history = jobs.awaitRecorded(List.of(batch.batchId()));
                    assertOneJobEach(emulator, history, List.of(batch.batchId()));
                }
            }
        } finally {
            emulator.clearScriptedFailures();
        }
    }

    @Test
    void shouldAdoptTheJobWhenItCrashesAfterCreateBeforeRecordingIt(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-crash-create");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.inline-max-bytes", "0"));
        TestBatch batch = generate(prefix + "b", 4, 30);
        AtomicReference<String> createdJob = new AtomicReference<>();
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.write(batch);

            // Step 1: the first run dies after the API created the job, before the job record is written.
            Submitter first = new Submitter(
                    config,
                    api,
                    new SubmitHooks() {
                        @Override
                        public void afterCreate(BatchJob intent, BatchJobInfo job) {
                            createdJob.set(job.name());
                            throw new SimulatedCrash("after create of " + job.name());
                        }
                    },
                    Clock.systemUTC());
            first.start();
            assertThat(awaitFailure(first)).isInstanceOf(SimulatedCrash.class);
            first.close();
            assertThat(emulator.jobsCreatedFor(batch.batchId())).isEqualTo(1);
            assertThat(jobs.readToEnd().get(batch.batchId()))
                    .extracting(BatchJob::getJobName)
                    .containsOnlyNulls();

            // Step 2: a fresh submitter finds that job by displayName and records it; nothing is created.
            try (Submitter second = new Submitter(config, api)) {
                second.start();
                Map<String, List<BatchJob>> history = jobs.awaitRecorded(List.of(batch.batchId()));
                assertOneJobEach(emulator, history, List.of(batch.batchId()));
                BatchJob recorded = history.get(batch.batchId())
                        .get(history.get(batch.batchId()).size() - 1);
                assertThat(recorded.getJobName()).isEqualTo(createdJob.get());
                assertThat(recorded.getInputMode()).isEqualTo(InputMode.FILE);
                assertThat(second.counters().snapshot().adopted()).isEqualTo(1);
                assertThat(second.counters().snapshot().submittedFile()).isZero();
            }
        }
    }

    @Test
    void shouldSubmitEveryBatchOnceWhenRestartedMidStream(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-restart");
        GenAiBatchConfig config = SubmitItSupport.config(
                kafka, prefix, dir, Map.of("submit.inline-max-bytes", "1KB", "submit.max-jobs-in-flight", "3"));
        List<TestBatch> all = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            all.add(i % 5 == 4 ? embed(prefix + "b" + i, 3) : generate(prefix + "b" + i, 2 + i % 4, 40 + 30 * (i % 4)));
        }
        List<String> ids = all.stream().map(TestBatch::batchId).toList();
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.write(all.subList(0, 8).toArray(TestBatch[]::new));

            // Run 1 crashes at its fifth create answer: four jobs recorded (or about to be), one created unrecorded.
            AtomicInteger creates = new AtomicInteger();
            Submitter first = new Submitter(
                    config,
                    api,
                    new SubmitHooks() {
                        @Override
                        public void afterCreate(BatchJob intent, BatchJobInfo job) {
                            if (creates.incrementAndGet() == 5) {
                                throw new SimulatedCrash("after the fifth create");
                            }
                        }
                    },
                    Clock.systemUTC());
            first.start();
            awaitFailure(first);
            first.close();

            // Run 2 picks up, more batches arrive, and it is closed in order while some are still in flight.
            Submitter second = new Submitter(config, api);
            second.start();
            batches.writeItems(all.subList(8, 16), 0, 2);
            batches.writeItems(all.subList(8, 16), 2, 100);
            batches.seal(all.subList(8, 16).toArray(TestBatch[]::new));
            jobs.awaitUntil(
                    h -> ids.subList(0, 10).stream()
                                    .filter(id -> h.getOrDefault(id, List.of()).stream()
                                            .anyMatch(j -> j.getJobName() != null))
                                    .count()
                            >= 10,
                    "ten batches recorded");
            batches.write(all.subList(16, 24).toArray(TestBatch[]::new));
            second.close();

            // Run 3 finishes: every batch has exactly one job, none was lost.
            try (Submitter third = new Submitter(config, api)) {
                third.start();
                Map<String, List<BatchJob>> history = jobs.awaitRecorded(ids);
                assertOneJobEach(emulator, history, ids);
                await(() -> committedPast(config, prefix, batches), "offsets committed past every seal");
            }
            assertThat(emulator.jobsCreatedByDisplayName().keySet().stream()
                            .filter(k -> k.startsWith(prefix))
                            .count())
                    .isEqualTo(ids.size());
        }
    }

    @Test
    void shouldShareBatchesBetweenTwoInstancesThroughRebalancesOnceEach(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-scale");
        List<TestBatch> all = new ArrayList<>();
        for (int i = 0; i < 18; i++) {
            all.add(i % 4 == 3 ? embed(prefix + "b" + i, 2) : generate(prefix + "b" + i, 2 + i % 3, 30));
        }
        List<String> ids = all.stream().map(TestBatch::batchId).toList();
        GenAiBatchConfig configA = SubmitItSupport.config(kafka, prefix, dir.resolve("a"), Map.of());
        GenAiBatchConfig configB = SubmitItSupport.config(kafka, prefix, dir.resolve("b"), Map.of());
        try (BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs");
                Submitter b = new Submitter(configB, api)) {
            Submitter a = new Submitter(configA, api);
            a.start();
            batches.write(all.subList(0, 6).toArray(TestBatch[]::new));
            jobs.awaitRecorded(ids.subList(0, 6));
            batches.writeItems(all.subList(6, 12), 0, 1);

            // B joins while A has batches open: some partitions move from A to B, open batches included.
            b.start();
            await(() -> b.ownedPartitions() > 0 && a.ownedPartitions() > 0, "A and B to share the partitions");
            batches.writeItems(all.subList(6, 12), 1, 100);
            batches.seal(all.subList(6, 12).toArray(TestBatch[]::new));
            jobs.awaitRecorded(ids.subList(0, 12));

            // A leaves while more batches arrive: B takes its partitions over.
            batches.writeItems(all.subList(12, 18), 0, 1);
            a.close();
            batches.writeItems(all.subList(12, 18), 1, 100);
            batches.seal(all.subList(12, 18).toArray(TestBatch[]::new));

            Map<String, List<BatchJob>> history = jobs.awaitRecorded(ids);
            assertOneJobEach(emulator, history, ids);
            assertThat(a.counters().snapshot().submittedInline()
                            + a.counters().snapshot().submittedFile())
                    .as("A's share")
                    .isPositive();
            assertThat(b.counters().snapshot().submittedInline()
                            + b.counters().snapshot().submittedFile())
                    .as("B's share")
                    .isPositive();
            await(() -> committedPast(configB, prefix, batches), "offsets committed past every seal");
        }
    }

    @Test
    void shouldStopConsumingAtMaxJobsInFlightAndResumeWhenOneIsRecorded(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-backpressure");
        // Files: inline creates go one at a time (heap), which would hide the limit under test.
        GenAiBatchConfig config = SubmitItSupport.config(
                kafka, prefix, dir, Map.of("submit.max-jobs-in-flight", "2", "submit.inline-max-bytes", "0"));
        List<TestBatch> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(generate(prefix + "b" + i, 3, 30));
        }
        List<String> ids = all.stream().map(TestBatch::batchId).toList();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger atCreate = new AtomicInteger();
        AtomicInteger mostAtCreate = new AtomicInteger();
        SubmitHooks holdCreates = new SubmitHooks() {
            @Override
            public void beforeCreate(BatchJob intent) {
                mostAtCreate.accumulateAndGet(atCreate.incrementAndGet(), Math::max);
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                atCreate.decrementAndGet();
            }
        };
        try (Submitter submitter = new Submitter(config, api, holdCreates, Clock.systemUTC());
                BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.write(all.toArray(TestBatch[]::new));
            submitter.start();

            // Two batches reach create and hold there; the third seal pauses consumption instead of a third job.
            await(
                    () -> {
                        assertThat(mostAtCreate.get())
                                .as("batches at create at once")
                                .isLessThanOrEqualTo(2);
                        return submitter.counters().snapshot().backpressurePauses() >= 1 && atCreate.get() == 2;
                    },
                    "two batches at create and consumption paused");
            Map<String, List<BatchJob>> held = jobs.awaitUntil(h -> h.size() >= 2, "two intents");
            assertThat(held).hasSize(2);
            assertThat(ids.stream().mapToInt(emulator::jobsCreatedFor).sum())
                    .as("jobs created while held")
                    .isZero();

            release.countDown();
            Map<String, List<BatchJob>> history = jobs.awaitRecorded(ids);

            assertOneJobEach(emulator, history, ids);
            assertThat(mostAtCreate.get()).as("batches in flight at once").isEqualTo(2);
            assertThat(submitter.counters().snapshot().backpressurePauses()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void shouldCreateOneJobPerBatchThroughRandom429And503Faults(KafkaCluster kafka) throws Exception {
        String prefix = KafkaCluster.uniquePrefix("submit-faults");
        GenAiBatchConfig config = SubmitItSupport.config(kafka, prefix, dir, Map.of("submit.inline-max-bytes", "1KB"));
        List<TestBatch> all = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            all.add(i % 3 == 2 ? embed(prefix + "b" + i, 3) : generate(prefix + "b" + i, 3, i % 3 == 0 ? 20 : 400));
        }
        List<String> ids = all.stream().map(TestBatch::batchId).toList();
        // One request in four fails with 429 or 503 (Retry-After 1 s): some failures outlast the client's retries.
        try (GeminiEmulator faulty = GeminiEmulator.start(EmulatorOptions.builder()
                        .rate429(0.15)
                        .rate503(0.15)
                        .seed(7)
                        .runningMillis(60_000)
                        .build());
                BatchApi faultyApi = SubmitItSupport.api(faulty);
                Submitter submitter = new Submitter(config, faultyApi);
                BatchesTopic batches = new BatchesTopic(kafka, prefix + "batches");
                JobsTopic jobs = new JobsTopic(kafka, prefix + "jobs")) {
            batches.write(all.toArray(TestBatch[]::new));
            submitter.start();

            Map<String, List<BatchJob>> history = jobs.awaitRecorded(ids);

            assertOneJobEach(faulty, history, ids);
            assertThat(faulty.recordedRequests().stream()
                            .filter(r -> r.status() == 429 || r.status() == 503)
                            .count())
                    .as("faults injected")
                    .isGreaterThan(3);
        }
    }

    private boolean spoolHasFiles() {
        try (var files = Files.walk(dir)) {
            return files.anyMatch(p -> p.toString().endsWith(".jsonl"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

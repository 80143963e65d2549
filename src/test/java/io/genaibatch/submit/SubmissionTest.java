package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.batch.JsonlLine;
import io.genaibatch.cli.JsonLogCapture;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchInput;
import io.genaibatch.gemini.GeminiSettings;
import io.genaibatch.gemini.RetrySettings;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.testkit.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One submission at a time, against a fake API (faults the emulator cannot make) or the emulator. */
class SubmissionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final FakeBatchApi fake = new FakeBatchApi();
    private final RecordingJobLog jobLog = new RecordingJobLog(fake.calls);
    private final ScheduledThreadPoolExecutor workers =
            new ScheduledThreadPoolExecutor(2, Threads.named("test-worker"));
    private final SubmitCounters counters = new SubmitCounters();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();

    @AfterEach
    void stopWorkers() throws InterruptedException {
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
        assertThat(fatal.get()).as("fatal error reported by a submission").isNull();
    }

    @Test
    void shouldCreateInlineOnlyAfterTheIntentIsCommitted() throws Exception {
        SealedBatch batch = batch("b-inline", RequestKind.GENERATE, 3);

        BatchJob recorded = submit(fake, batch, null, 10_000);

        assertThat(fake.calls).containsExactly("intent b-inline", "create b-inline", "record b-inline");
        FakeBatchApi.Created c = fake.created.get(0);
        assertThat(c.input()).isInstanceOf(BatchInput.InlineSpool.class);
        assertThat(c.inlineLines())
                .hasSize(3)
                .first()
                .asString()
                .startsWith("{\"key\": \"b-inline-r1\", \"request\": ");
        BatchJob intent = jobLog.intents.get(0);
        assertThat(intent.getState()).isEqualTo(JobState.SUBMITTING);
        assertThat(intent.getJobName()).isNull();
        assertThat(intent.getInputMode()).isEqualTo(InputMode.INLINE);
        assertThat(intent.getFirstItemOffset()).isEqualTo(10);
        assertThat(intent.getLastItemOffset()).isEqualTo(20);
        assertThat(recorded.getJobName()).isEqualTo(c.name());
        assertThat(recorded.getState()).isEqualTo(JobState.PENDING);
        assertThat(recorded.getSubmittedAt()).isNotNull();
        assertThat(counters.snapshot().submittedInline()).isEqualTo(1);
    }

    @Test
    void shouldLogTheSubmittedJobWithBatchIdJobAndModelFieldsAndLeaveNoneOnTheWorkerThreads() throws Exception {
        try (JsonLogCapture log = new JsonLogCapture()) {
            BatchJob recorded = submit(fake, batch("b-fields", RequestKind.GENERATE, 2), null, 10_000);
            // Both worker threads log once more, after the batch: neither may still carry its fields.
            java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
            List<java.util.concurrent.Future<?>> after =
                    List.of(workers.submit(unrelatedLine(both)), workers.submit(unrelatedLine(both)));
            for (java.util.concurrent.Future<?> f : after) {
                f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }

            List<JsonNode> events = log.events();
            assertThat(events)
                    .filteredOn(e -> e.path("message").asText().startsWith("Batch b-fields submitted as job"))
                    .singleElement()
                    .satisfies(submitted -> {
                        assertThat(submitted.path("batchId").asText()).isEqualTo("b-fields");
                        assertThat(submitted.path("job").asText()).isEqualTo(recorded.getJobName());
                        assertThat(submitted.path("model").asText()).isEqualTo("gemini-2.5-flash");
                    });
            assertThat(events)
                    .filteredOn(e -> e.path("message").asText().equals("unrelated, after the batch"))
                    .hasSize(2)
                    .allSatisfy(
                            e -> assertThat(e.has("batchId") || e.has("job")).isFalse());
        }
    }

    private Runnable unrelatedLine(java.util.concurrent.CyclicBarrier both) {
        return () -> {
            try {
                both.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("the two worker threads did not meet", e);
            }
            org.slf4j.LoggerFactory.getLogger("io.genaibatch.test").info("unrelated, after the batch");
        };
    }

    @Test
    void shouldUploadAGenerateBatchOverTheInlineLimitAsJsonl() throws Exception {
        SealedBatch batch = batch("b-big", RequestKind.GENERATE, 5);

        BatchJob recorded = submit(fake, batch, null, batch.itemBytes() - 1);

        assertThat(fake.calls)
                .containsExactly("upload b-big application/jsonl", "intent b-big", "create b-big", "record b-big");
        String file = ((BatchInput.UploadedFile) fake.created.get(0).input()).fileName();
        assertThat(fake.files.get(file)).isEqualTo(Files.readAllBytes(batch.spool()));
        assertThat(jobLog.intents.get(0).getUploadedFile()).isEqualTo(file);
        assertThat(recorded.getInputMode()).isEqualTo(InputMode.FILE);
        assertThat(counters.snapshot().submittedFile()).isEqualTo(1);
        assertThat(counters.snapshot().bytesUploaded()).isEqualTo(batch.itemBytes());
    }

    @Test
    void shouldSubmitAnEmbedBatchAsAFileHoweverSmall() throws Exception {
        SealedBatch batch = batch("b-embed", RequestKind.EMBED, 2);

        submit(fake, batch, null, 10_000_000);

        assertThat(fake.calls)
                .containsExactly(
                        "upload b-embed application/jsonl",
                        "intent b-embed",
                        "createEmbeddings b-embed",
                        "record b-embed");
    }

    @Test
    void shouldAdoptTheJobOfAnEarlierIntentInsteadOfCreatingAnother() throws Exception {
        SealedBatch batch = batch("b-adopt", RequestKind.GENERATE, 2);
        String existing = fake.create("gemini-2.5-flash", "b-adopt", BatchInput.inline(batch.spool()))
                .name();
        fake.calls.clear();
        BatchJob earlier =
                SubmitterJobRecords.intent(batch, InputMode.INLINE, null, null, Instant.parse("2026-01-01T00:00:00Z"));

        BatchJob recorded = submit(fake, batch, earlier, 10_000);

        assertThat(fake.calls).containsExactly("list", "record b-adopt");
        assertThat(fake.createsFor("b-adopt")).isEqualTo(1);
        assertThat(recorded.getJobName()).isEqualTo(existing);
        assertThat(recorded.getCreatedAt()).isEqualTo(earlier.getCreatedAt());
        assertThat(counters.snapshot().adopted()).isEqualTo(1);
    }

    @Test
    void shouldCreateOnceWhenTheEarlierIntentLedToNoJob() throws Exception {
        SealedBatch batch = batch("b-nojob", RequestKind.GENERATE, 2);
        BatchJob earlier = SubmitterJobRecords.intent(batch, InputMode.INLINE, null, null, Instant.now());

        submit(fake, batch, earlier, 10_000);

        // The same intent is on genai.jobs already: it is not written again.
        assertThat(fake.calls).containsExactly("list", "create b-nojob", "record b-nojob");
        assertThat(fake.createsFor("b-nojob")).isEqualTo(1);
    }

    @Test
    void shouldFindTheJobByDisplayNameWhenTheCreateAnswerIsLost() throws Exception {
        SealedBatch batch = batch("b-lost", RequestKind.GENERATE, 2);
        fake.loseNextCreateAnswers.set(1);

        BatchJob recorded = submit(fake, batch, null, 10_000);

        assertThat(fake.calls).containsExactly("intent b-lost", "create b-lost", "list", "record b-lost");
        assertThat(fake.createsFor("b-lost")).isEqualTo(1);
        assertThat(recorded.getJobName()).isEqualTo(fake.created.get(0).name());
        assertThat(counters.snapshot().createRetries()).isEqualTo(1);
        assertThat(counters.snapshot().adopted()).isEqualTo(1);
    }

    @Test
    void shouldUploadAsFileWhenTheClientCannotSendTheBatchInline() throws Exception {
        SealedBatch batch = batch("b-fallback", RequestKind.GENERATE, 2);
        fake.refuseNextInline.set(1);

        BatchJob recorded = submit(fake, batch, null, 10_000);

        assertThat(fake.calls)
                .containsExactly(
                        "intent b-fallback",
                        "create b-fallback",
                        "upload b-fallback application/jsonl",
                        "intent b-fallback",
                        "create b-fallback",
                        "record b-fallback");
        assertThat(fake.createsFor("b-fallback")).isEqualTo(1);
        assertThat(recorded.getInputMode()).isEqualTo(InputMode.FILE);
        assertThat(jobLog.intents).extracting(BatchJob::getInputMode).containsExactly(InputMode.INLINE, InputMode.FILE);
    }

    @Test
    void shouldNotCreateWhenTheIntentCannotBeCommittedBecauseThePartitionMoved() throws Exception {
        SealedBatch batch = batch("b-moved", RequestKind.GENERATE, 2);
        jobLog.refuseIntents = true;

        Submission s = new Submission(batch, null, context(fake, 10_000));
        s.start();

        awaitCondition(() -> fake.calls.contains("intent-refused b-moved"), "the intent to be refused");
        workers.shutdown();
        assertThat(workers.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(fake.created).isEmpty();
        assertThat(jobLog.records).isEmpty();
    }

    @Test
    void shouldNotCreateWhenCancelledWhileTheIntentIsBeingCommitted() throws Exception {
        SealedBatch batch = batch("b-cancel", RequestKind.GENERATE, 2);
        CountDownLatch release = new CountDownLatch(1);
        jobLog.holdIntents = release;
        Submission s = new Submission(batch, null, context(fake, 10_000));
        s.start();
        awaitCondition(() -> fake.calls.contains("intent b-cancel"), "the intent to be sent");

        assertThat(s.cancel()).as("cancel before create").isTrue();
        release.countDown();
        workers.shutdown();
        assertThat(workers.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

        assertThat(fake.created).isEmpty();
        assertThat(jobLog.records).isEmpty();
    }

    @Test
    void shouldRecordFailedWithoutAJobWhenTheApiRefusesTheModel() throws Exception {
        try (GeminiEmulator emulator =
                        GeminiEmulator.start(EmulatorOptions.builder().build());
                BatchApi api = BatchApi.open(settings(emulator))) {
            SealedBatch batch = new SealedBatch(
                    "b-nomodel",
                    "g",
                    "no-such-model",
                    RequestKind.GENERATE,
                    1,
                    Files.size(spool("b-nomodel", RequestKind.GENERATE, 1)),
                    0,
                    1,
                    2,
                    spool("b-nomodel", RequestKind.GENERATE, 1),
                    Instant.now());

            BatchJob recorded = submit(api, batch, null, 10_000);

            assertThat(recorded.getState()).isEqualTo(JobState.FAILED);
            assertThat(recorded.getJobName()).isNull();
            assertThat(recorded.getError().getCode()).isEqualTo("CREATE_REFUSED");
            assertThat(recorded.getError().getHttpStatus()).isEqualTo(404);
            assertThat(recorded.getError().getMessage()).contains("no-such-model");
            assertThat(emulator.jobsCreatedFor("b-nomodel")).isZero();
            assertThat(counters.snapshot().failedBatches()).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepTryingABatchWhoseCreateIsRefusedForAWrongApiKeyInsteadOfFailingIt() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(
                        EmulatorOptions.builder().apiKey("test-key").build());
                BatchApi wrongKey = BatchApi.open(
                        settings(emulator).toBuilder().apiKey("not-the-key").build())) {
            SealedBatch batch = batch("b-key", RequestKind.GENERATE, 2);

            // The service answers a wrong key 400 INVALID_ARGUMENT (reason API_KEY_INVALID), like a bad request
            Submission submission = new Submission(batch, null, context(wrongKey, 10_000));
            submission.start();

            // An operator fixes the key; nothing of the batch may have been answered FAILED meanwhile
            // (three refused creates give it the chance to answer FAILED; the assertion below says whether it did)
            Await.within(
                    "three creates refused",
                    Duration.ofSeconds(5),
                    () -> emulator.recordedRequests().stream()
                                    .filter(r -> r.status() == 400)
                                    .count()
                            >= 3);
            assertThat(jobLog.records)
                    .as("records of b-key")
                    .noneMatch(j -> j.getBatchId().equals("b-key"));
            submission.cancel();
        }
    }

    @Test
    void shouldListBeforeCreatingAgainAfterA5xxOnCreateAndRetryA429WithoutListing() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(
                        EmulatorOptions.builder().retryAfterSeconds(0).build());
                BatchApi api = BatchApi.open(settings(emulator))) {
            // 500, not 503: with Retry-After 0 OkHttp itself repeats a 503 at once, which would hide the step.
            emulator.failNextRequests(1, 500, ":batchGenerateContent");
            emulator.failNextRequests(1, 429, ":batchGenerateContent");
            SealedBatch batch = batch("b-faults", RequestKind.GENERATE, 2);

            BatchJob recorded = submit(api, batch, null, 10_000);

            assertThat(emulator.jobsCreatedFor("b-faults")).isEqualTo(1);
            assertThat(recorded.getJobName()).startsWith("batches/");
            // The emulator logs a request just after answering it: wait for the last entry.
            awaitCondition(() -> emulator.recordedRequests().size() >= 4, "four requests in the emulator's log");
            List<String> calls = emulator.recordedRequests().stream()
                    .sorted(java.util.Comparator.comparingLong(io.genaibatch.emulator.RecordedRequest::sequence))
                    .map(r -> r.method() + " " + r.path().replaceAll(".*/", "") + " " + r.status())
                    .toList();
            assertThat(calls)
                    .containsExactly(
                            "POST gemini-2.5-flash:batchGenerateContent 500",
                            "GET batches 200",
                            "POST gemini-2.5-flash:batchGenerateContent 429",
                            "POST gemini-2.5-flash:batchGenerateContent 200");
            assertThat(counters.snapshot().createRetries()).isEqualTo(2);
            assertThat(counters.snapshot().listings()).isEqualTo(1);
        }
    }

    // ---- helpers ----

    private BatchJob submit(BatchApi api, SealedBatch batch, BatchJob earlierIntent, long inlineMax) throws Exception {
        new Submission(batch, earlierIntent, context(api, inlineMax)).start();
        return jobLog.awaitRecord(batch.batchId(), WAIT);
    }

    private Submission.Context context(BatchApi api, long inlineMax) {
        return new Submission.Context(
                api,
                jobLog,
                new JobFinder(api, 100, counters),
                inlineMax,
                new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), () -> 0.5),
                counters,
                SubmitHooks.NONE,
                workers,
                Clock.systemUTC(),
                fatal::set,
                new java.util.concurrent.Semaphore(1),
                null,
                Duration.ZERO);
    }

    private static GeminiSettings settings(GeminiEmulator emulator) {
        return GeminiSettings.builder()
                .baseUrl(emulator.baseUrl())
                .apiKey("test-key")
                .connectTimeout(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofSeconds(30))
                .retry(RetrySettings.NO_RETRY)
                .build();
    }

    private SealedBatch batch(String batchId, RequestKind kind, int items) throws IOException {
        Path spool = spool(batchId, kind, items);
        String model = kind == RequestKind.EMBED ? "text-embedding-004" : "gemini-2.5-flash";
        return new SealedBatch(
                batchId, model + "|" + kind, model, kind, items, Files.size(spool), 3, 10, 20, spool, Instant.now());
    }

    private Path spool(String batchId, RequestKind kind, int items) throws IOException {
        Path spool = dir.resolve(batchId + ".jsonl");
        try (OutputStream out = Files.newOutputStream(spool)) {
            for (int i = 1; i <= items; i++) {
                String text = "prompt " + i + " of " + batchId;
                String request = kind == RequestKind.EMBED
                        ? "{\"content\":{\"parts\":[{\"text\":\"" + text + "\"}]}}"
                        : "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + text + "\"}]}]}";
                out.write(JsonlLine.bytes(batchId + "-r" + i, request));
            }
        }
        return spool;
    }

    private static void awaitCondition(java.util.function.BooleanSupplier done, String what) {
        Await.until(what, WAIT, done::getAsBoolean);
    }

    /** A JobLog that commits at once, logs into the fake's call list, and lets tests refuse or hold intents. */
    static final class RecordingJobLog implements JobLog {
        final List<String> calls;
        final List<BatchJob> intents = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<BatchJob> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Map<String, java.util.concurrent.CompletableFuture<BatchJob>> recorded = new ConcurrentHashMap<>();
        volatile boolean refuseIntents;
        volatile CountDownLatch holdIntents;

        RecordingJobLog(List<String> calls) {
            this.calls = calls;
        }

        @Override
        public void writeIntent(SealedBatch batch, BatchJob intent) throws InterruptedException, NotWritten {
            if (refuseIntents) {
                calls.add("intent-refused " + intent.getBatchId());
                throw new NotWritten("partition moved", true, null);
            }
            calls.add("intent " + intent.getBatchId());
            intents.add(intent);
            CountDownLatch hold = holdIntents;
            if (hold != null) {
                hold.await();
            }
        }

        @Override
        public void record(SealedBatch batch, BatchJob job) {
            calls.add("record " + batch.batchId());
            records.add(job);
            recorded.computeIfAbsent(batch.batchId(), k -> new java.util.concurrent.CompletableFuture<>())
                    .complete(job);
        }

        BatchJob awaitRecord(String batchId, Duration timeout) throws Exception {
            return recorded.computeIfAbsent(batchId, k -> new java.util.concurrent.CompletableFuture<>())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}

package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.batch.Lineage;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.gemini.BatchApiStub;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.BatchOutput;
import io.genaibatch.gemini.BatchState;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.JobState;
import io.genaibatch.records.ResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publication on its own: genai.batches from a MockConsumer, the results file from a fake API, transactions
 * recorded instead of committed. Covers what the emulator cannot produce: duplicated and unknown keys.
 */
class PublisherTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);
    private static final String TOPIC = "batches";

    /** One recorded transaction: responses, records for genai.batches (child batches), the job's record. */
    record Commit(
            List<GenAiResponse> responses,
            List<ProducerRecord<byte[], byte[]>> batches,
            BatchJob job,
            Lineage lineage,
            List<ProducerRecord<byte[], byte[]>> responseRecords,
            boolean withOffset) {}

    @TempDir
    Path dir;

    private final MockConsumer<byte[], byte[]> batches = new MockConsumer<>("none");
    private final List<Commit> commits = new ArrayList<>();
    private final JobTable table = new JobTable(new PollSchedule(Duration.ofMillis(100), Duration.ofSeconds(1)));
    private long nextOffset = 100;
    /** How many of the next transactions abort (the writer throws, as a failed commit does). */
    private int abortCommits;

    private List<ConsumerRecord<byte[], byte[]>> itemRecords = List.of();

    @Test
    void shouldAttachNoResultToAKeyThatSeveralResultsCarryNorToUnknownOrMissingKeys() throws Exception {
        // Items r-0..r-4; r-1's key is on two results, r-3 has none, one result has an unknown key, one no key
        JobTable.OpenJob entry = jobWithItems(5, 0);
        Path results = results(
                "{\"key\":\"genai.requests-0-4\",\"response\":{\"n\":4}}",
                "{\"key\":\"genai.requests-0-1\",\"response\":{\"n\":1}}",
                "{\"key\":\"stranger\",\"response\":{\"n\":99}}",
                "{\"response\":{\"n\":98}}",
                "{\"key\":\"genai.requests-0-0\",\"error\":{\"code\":400,\"message\":\"bad request\",\"status\":\"INVALID_ARGUMENT\"}}",
                "{\"key\":\"genai.requests-0-2\",\"response\":{\"n\":2}}",
                "{\"key\":\"genai.requests-0-1\",\"response\":{\"n\":-1}}");
        PollerCounters counters = new PollerCounters();

        publisher(10, Long.MAX_VALUE, results, counters).publish(entry, Optional.empty());

        assertThat(commits).hasSize(1);
        Map<String, GenAiResponse> byId = byRequestId();
        assertThat(byId.keySet()).containsExactly("r-0", "r-1", "r-2", "r-3", "r-4");
        assertThat(byId.get("r-0").getStatus()).isEqualTo(ResponseStatus.ERROR);
        assertThat(byId.get("r-0").getError().getCode()).isEqualTo("INVALID_ARGUMENT");
        assertThat(byId.get("r-1").getError().getCode()).isEqualTo("RESULT_DUPLICATED");
        assertThat(byId.get("r-2").getResponse()).isEqualTo("{\"n\":2}");
        assertThat(byId.get("r-3").getError().getCode()).isEqualTo("RESULT_MISSING");
        assertThat(byId.get("r-4").getResponse()).isEqualTo("{\"n\":4}");
        assertThat(commits.get(0).job().getState()).isEqualTo(JobState.PUBLISHED);
        assertThat(counters.snapshot().unattachedResults())
                .as("both r-1 results, the stranger, the keyless one")
                .isEqualTo(4);
    }

    @Test
    void shouldAnswerAKeyedResultWithNeitherResponseNorErrorAsOurFindingNamingTheJobAndKeyNotAsAnApiError()
            throws Exception {
        // r-1's line carries its key and nothing else; r-2's has a response and an error that are not objects
        JobTable.OpenJob entry = jobWithItems(3, 0);
        Path results = results(
                "{\"key\":\"genai.requests-0-0\",\"response\":{\"n\":0}}",
                "{\"key\":\"genai.requests-0-1\"}",
                "{\"key\":\"genai.requests-0-2\",\"response\":[1],\"error\":\"oops\"}");

        publisher(10, Long.MAX_VALUE, results, new PollerCounters()).publish(entry, Optional.empty());

        for (String id : List.of("r-1", "r-2")) {
            GenAiResponse r = byRequestId().get(id);
            assertThat(r.getStatus()).isEqualTo(ResponseStatus.ERROR);
            assertThat(r.getError().getCode()).isEqualTo("RESULT_UNREADABLE");
            assertThat(r.getError().getHttpStatus())
                    .as("no HTTP status: the API answered nothing")
                    .isNull();
            assertThat(r.getError().getMessage())
                    .as("says what was found where, like RESULT_MISSING does")
                    .contains(
                            "batch job batches/j-1",
                            "batch b-1",
                            "genai.requests-0-" + id.substring(2),
                            "request " + id,
                            "neither a response nor an error");
        }
    }

    @Test
    void shouldRebatchAnUnreadableResultLikeAMissingOneWhileAttemptsRemain() throws Exception {
        // Under the retrying policy a result we cannot read is not the API's per-request answer: it may succeed again
        JobTable.OpenJob entry = jobWithItems(3, 0);
        Path results = results(
                "{\"key\":\"genai.requests-0-0\",\"response\":{\"n\":0}}",
                "{\"key\":\"genai.requests-0-1\"}",
                "{\"key\":\"genai.requests-0-2\",\"response\":{\"n\":2}}");

        publisher(10, Long.MAX_VALUE, results, new PollerCounters(), RETRYING).publish(entry, Optional.empty());

        assertThat(byRequestId()).containsOnlyKeys("r-0", "r-2");
        assertThat(batchRecords().stream()
                        .filter(r -> r.getItem() != null)
                        .map(r -> r.getItem().getRequestId()))
                .containsExactly("r-1");
        Commit last = commits.get(commits.size() - 1);
        assertThat(Lineage.from(last.batches().get(last.batches().size() - 1).headers())
                        .orElseThrow()
                        .reason())
                .isEqualTo("RESULT_UNREADABLE");
    }

    @Test
    void shouldLogThePublishedJobWithBatchIdJobAndModelFieldsAndLeaveNoneOnTheThread() throws Exception {
        JobTable.OpenJob entry = jobWithItems(2, 0);
        Path results = results(
                "{\"key\":\"genai.requests-0-0\",\"response\":{\"n\":0}}",
                "{\"key\":\"genai.requests-0-1\",\"response\":{\"n\":1}}");

        try (io.genaibatch.cli.JsonLogCapture log = new io.genaibatch.cli.JsonLogCapture()) {
            publisher(10, Long.MAX_VALUE, results, new PollerCounters()).publish(entry, Optional.empty());
            org.slf4j.LoggerFactory.getLogger("io.genaibatch.test").info("unrelated, after the job");

            List<com.fasterxml.jackson.databind.JsonNode> events = log.events();
            assertThat(events)
                    .filteredOn(e -> e.path("message").asText().contains(": PUBLISHED,"))
                    .singleElement()
                    .satisfies(published -> {
                        assertThat(published.path("batchId").asText())
                                .isEqualTo(entry.job().getBatchId());
                        assertThat(published.path("job").asText())
                                .isEqualTo(entry.job().getJobName());
                        assertThat(published.path("model").asText())
                                .isEqualTo(entry.job().getModel());
                    });
            assertThat(events)
                    .filteredOn(e -> e.path("message").asText().equals("unrelated, after the job"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.has("batchId") || e.has("job")).isFalse());
        }
    }

    @Test
    void shouldCommitInChunksAndResumeAfterWhatWasPublished() throws Exception {
        JobTable.OpenJob entry = jobWithItems(7, 3);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            lines.add("{\"key\":\"genai.requests-0-" + i + "\",\"response\":{\"n\":" + i + "}}");
        }

        publisher(2, Long.MAX_VALUE, results(lines.toArray(String[]::new)), new PollerCounters())
                .publish(entry, Optional.empty());

        assertThat(commits).extracting(c -> c.job().getPublishedThrough()).containsExactly(5L, 7L);
        assertThat(commits).extracting(c -> c.job().getState()).containsExactly(JobState.SUCCEEDED, JobState.PUBLISHED);
        assertThat(commits)
                .extracting(Commit::withOffset)
                .as("the group's offset moves with the last chunk only")
                .containsExactly(false, true);
        assertThat(byRequestId().keySet())
                .as("the first three were published before")
                .containsExactly("r-3", "r-4", "r-5", "r-6");
        assertThat(commits)
                .extracting(c -> c.lineage().publishedThroughKey())
                .as("where the next resume starts")
                .containsExactly("genai.requests-0-4", "genai.requests-0-6");
    }

    /**
     * Finding 2: the RESPONSE_TOO_LARGE answer copies the request's metadata, headers and requestId, which
     * genai.responses' limit (lower than the limits the request passed on its way in) may not take either: a record
     * Kafka refuses fails the chunk at every retry.
     */
    @Test
    void shouldKeepTheTooLargeAnswerWithinTheLimitLeavingOutWhatTheRequestCopiesIn() throws Exception {
        int limit = 4000;
        String big = "m".repeat(5000);
        BatchItem plain = ItemIndexTest.item("r-0", "key-0");
        BatchItem withMetadata = BatchItem.newBuilder(ItemIndexTest.item("r-1", "key-1"))
                .setMetadata(Map.of("blob", big))
                .build();
        BatchItem withHeaders = BatchItem.newBuilder(ItemIndexTest.item("r-2", "key-2"))
                .setHeaders(List.of(new io.genaibatch.records.Header(
                        "blob", java.nio.ByteBuffer.wrap(big.getBytes(StandardCharsets.UTF_8)))))
                .build();
        BatchItem withLongId = BatchItem.newBuilder(ItemIndexTest.item("r-3", "key-3"))
                .setRequestId("r-3-" + big)
                .build();
        BatchItem withLongKey = BatchItem.newBuilder(ItemIndexTest.item("r-4", "key-4"))
                .setKey(java.nio.ByteBuffer.wrap(big.getBytes(StandardCharsets.UTF_8)))
                .build();
        JobTable.OpenJob entry = jobWithItems(List.of(plain, withMetadata, withHeaders, withLongId, withLongKey), 0);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lines.add("{\"key\":\"genai.requests-0-" + i + "\",\"response\":{\"t\":\"" + "x".repeat(6000) + "\","
                    + "\"usageMetadata\":{\"totalTokenCount\":7}}}");
        }

        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        publisher(
                        10,
                        Long.MAX_VALUE,
                        results(lines.toArray(String[]::new)),
                        new PollerCounters(io.genaibatch.run.Telemetry.of(meters), null),
                        JobPolicy.named("terminal", PolicySettings.defaults()),
                        new Responses("responses", ValueFormat.AVRO, limit))
                .publish(entry, Optional.empty());

        List<ProducerRecord<byte[], byte[]>> records =
                commits.stream().flatMap(c -> c.responseRecords().stream()).toList();
        assertThat(records)
                .allSatisfy(r -> assertThat(Responses.sizeUpperBound(r)).isLessThanOrEqualTo(limit));
        Map<String, GenAiResponse> byKey = new LinkedHashMap<>();
        records.forEach(r -> byKey.put(
                new String(r.key(), StandardCharsets.UTF_8),
                RecordCodec.genAiResponse().decode(r.value())));
        assertThat(byKey.values()).extracting(r -> r.getError().getCode()).containsOnly("RESPONSE_TOO_LARGE");
        assertThat(byKey.values())
                .extracting(r -> r.getUsage().getTotalTokens())
                .containsOnly(7L);
        assertThat(byKey.get("key-0").getMetadata()).isEqualTo(plain.getMetadata());
        assertThat(byKey.get("key-1").getMetadata()).isEmpty();
        assertThat(byKey.get("key-1").getError().getMessage()).contains("leaves out the request's metadata");
        ProducerRecord<byte[], byte[]> headersLeftOut = records.stream()
                .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals("key-2"))
                .findFirst()
                .orElseThrow();
        assertThat(headersLeftOut.headers().lastHeader("blob")).isNull();
        assertThat(headersLeftOut.headers().lastHeader(Lineage.ATTEMPT_HEADER)).isNotNull();
        assertThat(byKey.get("key-2").getError().getMessage()).contains("leaves out the request's headers");
        assertThat(byKey.get("key-3").getRequestId()).startsWith("r-3-mmm").hasSizeLessThan(300);
        assertThat(byKey.get("key-3").getError().getMessage()).contains("requestId is cut");
        assertThat(byKey)
                .as("a key of 5000 bytes cannot be answered under a limit of 4000")
                .hasSize(4);
        assertThat(meters.counter("genai.requests.unanswerable", "reason", "key_too_large")
                        .count())
                .as("the unanswerable request counted for its alert")
                .isEqualTo(1.0);
        assertThat(commits.get(commits.size() - 1).job().getState()).isEqualTo(JobState.PUBLISHED);
    }

    @Test
    void shouldCountAnUnanswerableRequestOnceWhenItsChunkIsAbortedAndPublishedAgain() throws Exception {
        String big = "k".repeat(5000);
        BatchItem plain = ItemIndexTest.item("r-0", "key-0");
        BatchItem withLongKey = BatchItem.newBuilder(ItemIndexTest.item("r-1", "key-1"))
                .setKey(java.nio.ByteBuffer.wrap(big.getBytes(StandardCharsets.UTF_8)))
                .build();
        JobTable.OpenJob entry = jobWithItems(List.of(plain, withLongKey), 0);
        Path results = results(
                "{\"key\":\"genai.requests-0-0\",\"response\":{\"t\":\"a\"}}",
                "{\"key\":\"genai.requests-0-1\",\"response\":{\"t\":\"" + "x".repeat(6000) + "\"}}");
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        Publisher publisher = publisher(
                10,
                Long.MAX_VALUE,
                results,
                new PollerCounters(io.genaibatch.run.Telemetry.of(meters), null),
                JobPolicy.named("terminal", PolicySettings.defaults()),
                new Responses("responses", ValueFormat.AVRO, 4000));
        abortCommits = 1;

        assertThatThrownBy(() -> publisher.publish(entry, Optional.empty())).hasMessageContaining("aborted");
        publisher.publish(entry, Optional.empty());

        assertThat(commits).hasSize(1);
        assertThat(commits.get(0).job().getState()).isEqualTo(JobState.PUBLISHED);
        assertThat(meters.counter("genai.requests.unanswerable", "reason", "key_too_large")
                        .count())
                .as("counted with the transaction that committed, not with the one aborted")
                .isEqualTo(1.0);
    }

    @Test
    void shouldCountRequestsThatVanishedOnceThoughThePublicationResumesTwice() throws Exception {
        // A job of five items published through r-0; retention has since deleted r-0 and r-1 from genai.batches:
        // r-1 was never answered and cannot be now (its key was only in the deleted record)
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 2; i < 5; i++) {
            records.add(new ConsumerRecord<>(
                    TOPIC,
                    0,
                    10 + i,
                    "b-1".getBytes(StandardCharsets.UTF_8),
                    RecordCodec.batchRecord()
                            .encode(
                                    BatchRecord.newBuilder()
                                            .setBatchId("b-1")
                                            .setGroupKey("g")
                                            .setItem(ItemIndexTest.item("r-" + i, "key-" + i))
                                            .build(),
                                    ValueFormat.AVRO)));
        }
        batches.schedulePollTask(() -> records.forEach(batches::addRecord));
        batches.updateBeginningOffsets(Map.of(tp, 12L));
        BatchJob job = BatchJob.newBuilder(JobTableTest.job("b-1", "batches/j-1", JobState.SUCCEEDED, 1))
                .setItemCount(5)
                .setItemsPartition(0)
                .setFirstItemOffset(10)
                .setLastItemOffset(14)
                .build();
        table.onRecord(
                0, 0, "b-1", job, Lineage.root("test").withPublishedThroughKey("genai.requests-0-0"), CLOCK.instant());
        JobTable.OpenJob entry = table.get("b-1").orElseThrow();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lines.add("{\"key\":\"genai.requests-0-" + i + "\",\"response\":{\"t\":\"a\"}}");
        }
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        Publisher publisher = publisher(
                10,
                Long.MAX_VALUE,
                results(lines.toArray(String[]::new)),
                new PollerCounters(io.genaibatch.run.Telemetry.of(meters), null));
        abortCommits = 1;

        assertThatThrownBy(() -> publisher.publish(entry, Optional.empty())).hasMessageContaining("aborted");
        publisher.publish(entry, Optional.empty());

        assertThat(commits).hasSize(1);
        assertThat(commits.get(0).responses())
                .extracting(GenAiResponse::getRequestId)
                .containsExactlyInAnyOrder("r-2", "r-3", "r-4");
        assertThat(meters.counter("genai.requests.unanswerable", "reason", "vanished")
                        .count())
                .as("r-1, counted with the PUBLISHED record, not at each resume")
                .isEqualTo(1.0);
    }

    @Test
    void shouldEndAChunkEarlyWhenItsResponsesReachTheByteBound() throws Exception {
        JobTable.OpenJob entry = jobWithItems(4, 0);
        String big = "x".repeat(1000);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            lines.add("{\"key\":\"genai.requests-0-" + i + "\",\"response\":{\"t\":\"" + big + "\"}}");
        }

        publisher(100, 1500, results(lines.toArray(String[]::new)), new PollerCounters())
                .publish(entry, Optional.empty());

        assertThat(commits).extracting(c -> c.responses().size()).containsExactly(2, 2);
    }

    @Test
    void shouldAnswerEveryItemOfAFailedJobWithoutReadingResults() throws Exception {
        JobTable.OpenJob entry = jobWithItems(3, 0);
        BatchJob failed =
                BatchJob.newBuilder(entry.job()).setState(JobState.FAILED).build();
        table.onRecord(0, 1, failed.getBatchId(), failed, io.genaibatch.batch.Lineage.root("test"), CLOCK.instant());
        entry = table.get(failed.getBatchId()).orElseThrow();

        publisher(10, Long.MAX_VALUE, null, new PollerCounters()).publish(entry, Optional.empty());

        assertThat(byRequestId().values()).extracting(GenAiResponse::getStatus).containsOnly(ResponseStatus.FAILED);
        assertThat(byRequestId().values())
                .extracting(r -> r.getError().getCode())
                .containsOnly("JOB_FAILED");
        assertThat(commits.get(commits.size() - 1).job().getState()).isEqualTo(JobState.PUBLISHED);
    }

    @Test
    void shouldAskAgainBeforeConcludingThatASucceededJobHasNoOutput() throws Exception {
        JobTable.OpenJob entry = jobWithItems(2, 0);
        Publisher publisher = new Publisher(
                settings(10, Long.MAX_VALUE),
                new CacheDirs(dir.resolve("cache"), "g", "jobs"),
                new NoOutputApi(),
                JobPolicy.named("terminal", PolicySettings.defaults()),
                new ItemLoader(batches, TOPIC, Duration.ofSeconds(5), Clock.systemUTC()),
                new Responses("responses", ValueFormat.AVRO),
                new ChildBatches(TOPIC, ValueFormat.AVRO),
                writer(),
                new PollerCounters(),
                CLOCK);

        // The first checks find no output: the round is given up to be tried again, nothing is answered
        assertThatThrownBy(() -> publisher.publish(entry, Optional.empty()))
                .isInstanceOf(RetryLaterException.class)
                .hasMessageContaining("without any output")
                .hasMessageContaining("check 1 of 3");
        entry.failures(1);
        assertThatThrownBy(() -> publisher.publish(entry, Optional.empty())).isInstanceOf(RetryLaterException.class);
        assertThat(commits).isEmpty();

        // The third still finds none: now every request is answered RESULT_MISSING
        entry.failures(2);
        publisher.publish(entry, Optional.empty());
        assertThat(byRequestId().values())
                .extracting(r -> r.getError().getCode())
                .containsOnly("RESULT_MISSING");
    }

    /** A SUCCEEDED job whose description carries no output at all. */
    private static final class NoOutputApi extends BatchApiStub {
        @Override
        public BatchJobInfo get(String jobName) {
            return new BatchJobInfo(
                    jobName,
                    "b-1",
                    BatchState.SUCCEEDED,
                    "models/m",
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    new BatchOutput(Optional.empty(), -1));
        }
    }

    // ----- the retrying policy's decisions -----

    private static final JobPolicy RETRYING = JobPolicy.named("retrying", PolicySettings.defaults());

    @Test
    void shouldRebatchRetriableErrorsAndMissingResultsIntoOneChildSealedWithTheLastChunk() throws Exception {
        // Items r-0..r-4: r-1 got a 503, r-2 no result, r-4 a 400 (not retriable)
        JobTable.OpenJob entry = jobWithItems(5, 0);
        Path results = results(
                "{\"key\":\"genai.requests-0-0\",\"response\":{\"n\":0}}",
                "{\"key\":\"genai.requests-0-1\",\"error\":{\"code\":503,\"message\":\"overloaded\"}}",
                "{\"key\":\"genai.requests-0-3\",\"response\":{\"n\":3}}",
                "{\"key\":\"genai.requests-0-4\",\"error\":{\"code\":400,\"message\":\"bad\",\"status\":\"INVALID_ARGUMENT\"}}");

        publisher(2, Long.MAX_VALUE, results, new PollerCounters(), RETRYING).publish(entry, Optional.empty());

        // Answered: r-0, r-3 SUCCEEDED and r-4 ERROR; r-1 and r-2 copied, whole, into b-1.r2 and sealed at the end
        assertThat(byRequestId()).containsOnlyKeys("r-0", "r-3", "r-4");
        assertThat(byRequestId().get("r-4").getStatus()).isEqualTo(ResponseStatus.ERROR);
        List<BatchRecord> copied = batchRecords();
        assertThat(copied).extracting(BatchRecord::getBatchId).containsOnly("b-1.r2");
        assertThat(copied.stream()
                        .filter(r -> r.getItem() != null)
                        .map(r -> r.getItem().getRequestId()))
                .containsExactly("r-1", "r-2");
        assertThat(copied.get(0).getItem().getRequest())
                .as("the request itself, not a slim copy")
                .contains("prompt");
        Commit last = commits.get(commits.size() - 1);
        BatchRecord seal = RecordCodec.batchRecord()
                .decode(last.batches().get(last.batches().size() - 1).value());
        assertThat(seal.getSeal().getCount()).isEqualTo(2);
        assertThat(seal.getSeal().getBytes()).isEqualTo(200);
        Lineage child = Lineage.from(
                        last.batches().get(last.batches().size() - 1).headers())
                .orElseThrow();
        assertThat(child.parentBatchId()).isEqualTo("b-1");
        assertThat(child.attempt()).isEqualTo(2);
        assertThat(child.items()).as("its items precede its seal").isNull();
        assertThat(last.job().getState()).isEqualTo(JobState.PUBLISHED);
        assertThat(last.lineage().decision()).isEqualTo(Lineage.REBATCHED);
        assertThat(last.lineage().children()).containsExactly("b-1.r2");
        assertThat(commits)
                .extracting(Commit::withOffset)
                .as("the seal goes with the last chunk, the one commit that moves the group's offset")
                .endsWith(true)
                .containsOnlyOnce(true);
    }

    @Test
    void shouldCountItemsRebatchedBeforeARestartInTheChildsSealAsTheirRecordSays() throws Exception {
        // The first chunk (r-0 answered, r-1 copied) committed before a crash: publishedThrough 2, one copy recorded
        JobTable.OpenJob first = jobWithItems(4, 2);
        table.onRecord(
                0,
                1,
                "b-1",
                first.job(),
                Lineage.root("b-1").withCopied(new Lineage.Copied(1, 100, "RETRIABLE_ERRORS")),
                CLOCK.instant());
        JobTable.OpenJob entry = table.get("b-1").orElseThrow();
        Path results = results(
                "{\"key\":\"genai.requests-0-0\",\"response\":{\"n\":0}}",
                "{\"key\":\"genai.requests-0-1\",\"error\":{\"code\":503,\"message\":\"overloaded\"}}",
                "{\"key\":\"genai.requests-0-2\",\"error\":{\"code\":503,\"message\":\"overloaded\"}}",
                "{\"key\":\"genai.requests-0-3\",\"response\":{\"n\":3}}");

        publisher(2, Long.MAX_VALUE, results, new PollerCounters(), RETRYING).publish(entry, Optional.empty());

        assertThat(byRequestId()).containsOnlyKeys("r-3");
        Commit last = commits.get(commits.size() - 1);
        BatchRecord seal = RecordCodec.batchRecord()
                .decode(last.batches().get(last.batches().size() - 1).value());
        assertThat(seal.getSeal().getCount())
                .as("r-1 from before the restart and r-2 now")
                .isEqualTo(2);
        assertThat(last.lineage().copied()).isEqualTo(new Lineage.Copied(2, 200, "RETRIABLE_ERRORS"));
    }

    @Test
    void shouldRecordTheCopiesMadeSoFarWithEveryChunk() throws Exception {
        JobTable.OpenJob entry = jobWithItems(4, 0);
        Path results = results(
                "{\"key\":\"genai.requests-0-0\",\"error\":{\"code\":503,\"message\":\"overloaded\"}}",
                "{\"key\":\"genai.requests-0-1\",\"response\":{\"n\":1}}",
                "{\"key\":\"genai.requests-0-3\",\"response\":{\"n\":3}}");

        publisher(2, Long.MAX_VALUE, results, new PollerCounters(), RETRYING).publish(entry, Optional.empty());

        assertThat(commits).hasSize(2);
        assertThat(commits.get(0).lineage().copied())
                .as("r-0 copied in the first chunk")
                .isEqualTo(new Lineage.Copied(1, 100, "RETRIABLE_ERRORS"));
        assertThat(commits.get(1).lineage().copied())
                .as("and r-2, whose result is missing, in the second")
                .isEqualTo(new Lineage.Copied(2, 200, "RESULT_MISSING+RETRIABLE_ERRORS"));
        Lineage child = Lineage.from(commits.get(1)
                        .batches()
                        .get(commits.get(1).batches().size() - 1)
                        .headers())
                .orElseThrow();
        assertThat(child.reason()).isEqualTo("RESULT_MISSING+RETRIABLE_ERRORS");
    }

    @Test
    void shouldRebatchOnlyTheRestWhenAPartlyPublishedJobIsResubmitted() throws Exception {
        // Two of five answered before the job's output vanished and it was recorded FAILED
        JobTable.OpenJob entry =
                finished(jobWithItems(5, 2), JobState.FAILED, CLOCK.instant().minusSeconds(3600));

        publisher(10, Long.MAX_VALUE, null, new PollerCounters(), RETRYING).publish(entry, Optional.empty());

        assertThat(byRequestId()).isEmpty();
        assertThat(batchRecords().stream()
                        .filter(r -> r.getItem() != null)
                        .map(r -> r.getItem().getRequestId()))
                .as("only the three not yet answered, copied; never the whole batch again")
                .containsExactly("r-2", "r-3", "r-4");
        Commit last = commits.get(commits.size() - 1);
        assertThat(last.lineage().decision()).isEqualTo(Lineage.REBATCHED);
        assertThat(RecordCodec.batchRecord()
                        .decode(last.batches().get(last.batches().size() - 1).value())
                        .getSeal()
                        .getCount())
                .isEqualTo(3);
    }

    @Test
    void shouldResubmitAFailedJobOverTheSameItemsOnceItsBackoffHasPassed() throws Exception {
        JobTable.OpenJob entry =
                finished(jobWithItems(5, 0), JobState.FAILED, CLOCK.instant().minusSeconds(3600));

        Optional<Instant> later = publisher(10, Long.MAX_VALUE, null, new PollerCounters(), RETRYING)
                .publish(entry, Optional.empty());

        assertThat(later).isEmpty();
        assertThat(commits).hasSize(1);
        Commit c = commits.get(0);
        assertThat(c.responses()).isEmpty();
        assertThat(c.batches()).hasSize(1);
        BatchRecord seal = RecordCodec.batchRecord().decode(c.batches().get(0).value());
        assertThat(seal.getBatchId()).isEqualTo("b-1.a2");
        assertThat(seal.getSeal().getCount()).isEqualTo(5);
        Lineage child = Lineage.from(c.batches().get(0).headers()).orElseThrow();
        assertThat(child.items())
                .as("the parent's items, not a copy")
                .isEqualTo(new Lineage.ItemsRange("b-1", 0, 10, 14));
        assertThat(child.attempt()).isEqualTo(2);
        assertThat(c.job().getState()).isEqualTo(JobState.PUBLISHED);
        assertThat(c.lineage().decision()).isEqualTo(Lineage.RESUBMITTED);
    }

    @Test
    void shouldWaitForTheBackoffBeforeResubmitting() throws Exception {
        JobTable.OpenJob entry = finished(jobWithItems(5, 0), JobState.FAILED, CLOCK.instant());

        Optional<Instant> later = publisher(10, Long.MAX_VALUE, null, new PollerCounters(), RETRYING)
                .publish(entry, Optional.empty());

        assertThat(later).contains(CLOCK.instant().plusSeconds(30));
        assertThat(commits).isEmpty();
    }

    @Test
    void shouldSplitAnExpiredJobIntoTwoRangesOfItsItems() throws Exception {
        JobTable.OpenJob entry = finished(jobWithItems(5, 0), JobState.EXPIRED, CLOCK.instant());

        publisher(10, Long.MAX_VALUE, null, new PollerCounters(), RETRYING).publish(entry, Optional.empty());

        Commit c = commits.get(0);
        assertThat(c.responses()).isEmpty();
        assertThat(c.batches())
                .extracting(r -> Lineage.from(r.headers()).orElseThrow().items())
                .containsExactly(new Lineage.ItemsRange("b-1", 0, 10, 11), new Lineage.ItemsRange("b-1", 0, 12, 14));
        assertThat(c.batches())
                .extracting(r ->
                        RecordCodec.batchRecord().decode(r.value()).getSeal().getCount())
                .containsExactly(2, 3);
        assertThat(c.lineage().children()).containsExactly("b-1.s0", "b-1.s1");
    }

    @Test
    void shouldResubmitASingleExpiredRequestThenAnswerItExpiredOnceTheAttemptsAreSpent() throws Exception {
        JobTable.OpenJob early = finished(jobWithItems(1, 0), JobState.EXPIRED, CLOCK.instant(), 1);
        assertThat(publisher(10, Long.MAX_VALUE, null, new PollerCounters(), RETRYING)
                        .publish(early, Optional.empty()))
                .as("resubmitted after its backoff")
                .contains(CLOCK.instant().plusSeconds(30));
        assertThat(commits).isEmpty();

        JobTable.OpenJob spent = finished(jobWithItems(1, 0), JobState.EXPIRED, CLOCK.instant(), 3);
        // Read twice: once looking for the halves, then to answer it
        List<ConsumerRecord<byte[], byte[]>> again = List.copyOf(itemRecords);
        batches.schedulePollTask(() -> again.forEach(batches::addRecord));

        publisher(10, Long.MAX_VALUE, null, new PollerCounters(), RETRYING).publish(spent, Optional.empty());

        assertThat(byRequestId().values()).extracting(GenAiResponse::getStatus).containsExactly(ResponseStatus.EXPIRED);
        assertThat(commits).allMatch(c -> c.batches().isEmpty());
    }

    @Test
    void shouldHoldASpentBatchOnceThenRetryItWhenAnOperatorAsks() throws Exception {
        JobPolicy holding = JobPolicy.named(
                "retrying",
                new PolicySettings(
                        3,
                        Duration.ofSeconds(30),
                        Duration.ofMinutes(2),
                        Duration.ofHours(36),
                        java.util.Set.of(),
                        true));
        JobTable.OpenJob entry =
                finished(jobWithItems(5, 0), JobState.FAILED, CLOCK.instant().minusSeconds(3600), 3);

        // Held: recorded once, nothing answered, looked at again later
        Optional<Instant> later = publisher(10, Long.MAX_VALUE, null, new PollerCounters(), holding)
                .publish(entry, Optional.empty());
        assertThat(later).isPresent();
        assertThat(commits).hasSize(1);
        assertThat(commits.get(0).lineage().decision()).isEqualTo(Lineage.HELD);
        assertThat(commits.get(0).job().getState()).as("still open").isEqualTo(JobState.FAILED);
        publisher(10, Long.MAX_VALUE, null, new PollerCounters(), holding).publish(entry, Optional.empty());
        assertThat(commits).as("the hold is written once").hasSize(1);

        // `jobs retry` wrote RETRY_REQUESTED: one more attempt, past poll.max-attempts
        table.onRecord(
                0,
                200,
                "b-1",
                entry.job(),
                entry.lineage().decided(Lineage.RETRY_REQUESTED, List.of()),
                CLOCK.instant());
        publisher(10, Long.MAX_VALUE, null, new PollerCounters(), holding)
                .publish(table.get("b-1").orElseThrow(), Optional.empty());
        Commit retried = commits.get(1);
        assertThat(RecordCodec.batchRecord()
                        .decode(retried.batches().get(0).value())
                        .getBatchId())
                .isEqualTo("b-1.a4");
        assertThat(retried.lineage().decision()).isEqualTo(Lineage.RESUBMITTED);
    }

    @Test
    void shouldAnswerAHeldBatchWhenAnOperatorAsks() throws Exception {
        JobPolicy holding = JobPolicy.named(
                "retrying",
                new PolicySettings(
                        3,
                        Duration.ofSeconds(30),
                        Duration.ofMinutes(2),
                        Duration.ofHours(36),
                        java.util.Set.of(),
                        true));
        JobTable.OpenJob entry = finished(jobWithItems(3, 0), JobState.FAILED, CLOCK.instant(), 3);
        publisher(10, Long.MAX_VALUE, null, new PollerCounters(), holding).publish(entry, Optional.empty());
        commits.clear();
        table.onRecord(
                0,
                200,
                "b-1",
                entry.job(),
                entry.lineage().decided(Lineage.ANSWER_REQUESTED, List.of()),
                CLOCK.instant());

        publisher(10, Long.MAX_VALUE, null, new PollerCounters(), holding)
                .publish(table.get("b-1").orElseThrow(), Optional.empty());

        assertThat(byRequestId().values()).extracting(GenAiResponse::getStatus).containsOnly(ResponseStatus.FAILED);
        assertThat(byRequestId().values())
                .allMatch(r -> r.getError().getMessage().contains("final after 3 attempts"));
        assertThat(commits.get(commits.size() - 1).job().getState()).isEqualTo(JobState.PUBLISHED);
    }

    @Test
    void shouldAnswerAHeldBatchAsTheOperatorAskedEvenAfterTheAttemptsWereRaised() throws Exception {
        JobTable.OpenJob entry = finished(jobWithItems(2, 0), JobState.FAILED, CLOCK.instant(), 3);
        publisher(
                        10,
                        Long.MAX_VALUE,
                        null,
                        new PollerCounters(),
                        JobPolicy.named(
                                "retrying",
                                new PolicySettings(
                                        3,
                                        Duration.ofSeconds(30),
                                        Duration.ofMinutes(2),
                                        Duration.ofHours(36),
                                        java.util.Set.of(),
                                        true)))
                .publish(entry, Optional.empty());
        commits.clear();
        table.onRecord(
                0,
                200,
                "b-1",
                entry.job(),
                entry.lineage().decided(Lineage.ANSWER_REQUESTED, List.of()),
                CLOCK.instant());

        // poll.max-attempts raised to 5 meanwhile: the policy alone would resubmit; `jobs answer` still answers
        publisher(
                        10,
                        Long.MAX_VALUE,
                        null,
                        new PollerCounters(),
                        JobPolicy.named(
                                "retrying",
                                new PolicySettings(
                                        5,
                                        Duration.ofSeconds(30),
                                        Duration.ofMinutes(2),
                                        Duration.ofHours(36),
                                        java.util.Set.of(),
                                        true)))
                .publish(table.get("b-1").orElseThrow(), Optional.empty());

        assertThat(byRequestId().values()).extracting(GenAiResponse::getStatus).containsOnly(ResponseStatus.FAILED);
        assertThat(batchRecords()).as("no child").isEmpty();
    }

    private JobTable.OpenJob finished(JobTable.OpenJob entry, JobState state, Instant endedAt) {
        return finished(entry, state, endedAt, 1);
    }

    private JobTable.OpenJob finished(JobTable.OpenJob entry, JobState state, Instant endedAt, int attempt) {
        BatchJob job = BatchJob.newBuilder(entry.job())
                .setState(state)
                .setEndedAt(endedAt)
                .setAttempt(attempt)
                .build();
        table.onRecord(0, 1, job.getBatchId(), job, Lineage.root(job.getBatchId()), CLOCK.instant());
        return table.get(job.getBatchId()).orElseThrow();
    }

    private List<BatchRecord> batchRecords() {
        List<BatchRecord> all = new ArrayList<>();
        commits.forEach(c ->
                c.batches().forEach(r -> all.add(RecordCodec.batchRecord().decode(r.value()))));
        return all;
    }

    // ----- set-up -----

    private JobTable.OpenJob jobWithItems(int n, long publishedThrough) {
        List<BatchItem> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(ItemIndexTest.item("r-" + i, "key-" + i));
        }
        return jobWithItems(items, publishedThrough);
    }

    private JobTable.OpenJob jobWithItems(List<BatchItem> items, long publishedThrough) {
        int n = items.size();
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BatchItem item = items.get(i);
            records.add(new ConsumerRecord<>(
                    TOPIC,
                    0,
                    10 + i,
                    "b-1".getBytes(StandardCharsets.UTF_8),
                    RecordCodec.batchRecord()
                            .encode(
                                    BatchRecord.newBuilder()
                                            .setBatchId("b-1")
                                            .setGroupKey("g")
                                            .setItem(item)
                                            .build(),
                                    ValueFormat.AVRO)));
        }
        batches.schedulePollTask(() -> records.forEach(batches::addRecord));
        itemRecords = records;
        batches.updateBeginningOffsets(Map.of(tp, 0L));
        BatchJob job = BatchJob.newBuilder(JobTableTest.job("b-1", "batches/j-1", JobState.SUCCEEDED, publishedThrough))
                .setItemCount(n)
                .setItemsPartition(0)
                .setFirstItemOffset(10)
                .setLastItemOffset(10 + n - 1)
                .build();
        table.onRecord(0, 0, "b-1", job, io.genaibatch.batch.Lineage.root("test"), CLOCK.instant());
        return table.get("b-1").orElseThrow();
    }

    private Path results(String... lines) throws IOException {
        Path file = dir.resolve("prepared-results.jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private Publisher publisher(int chunk, long chunkBytes, Path results, PollerCounters counters) {
        return publisher(chunk, chunkBytes, results, counters, JobPolicy.named("terminal", PolicySettings.defaults()));
    }

    private Publisher publisher(int chunk, long chunkBytes, Path results, PollerCounters counters, JobPolicy policy) {
        return publisher(chunk, chunkBytes, results, counters, policy, new Responses("responses", ValueFormat.AVRO));
    }

    private Publisher publisher(
            int chunk, long chunkBytes, Path results, PollerCounters counters, JobPolicy policy, Responses responses) {
        return new Publisher(
                settings(chunk, chunkBytes),
                new CacheDirs(dir.resolve("cache"), "g", "jobs"),
                new FileOutputApi(results),
                policy,
                new ItemLoader(batches, TOPIC, Duration.ofSeconds(5), Clock.systemUTC()),
                responses,
                new ChildBatches(TOPIC, ValueFormat.AVRO),
                writer(),
                counters,
                CLOCK);
    }

    private PollerSettings settings(int chunk, long chunkBytes) {
        return new PollerSettings(
                "g",
                new PollSchedule(Duration.ofMillis(100), Duration.ofSeconds(1)),
                chunk,
                chunkBytes,
                dir.resolve("cache"),
                "terminal",
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                PolicySettings.defaults(),
                Duration.ZERO,
                ConfigKeys.POLL_MAX_POLL_INTERVAL.defaultValue(),
                Math.toIntExact(ConfigKeys.POLL_PRODUCER_BATCH_SIZE.defaultValue()),
                ConfigKeys.POLL_PRODUCER_LINGER.defaultValue());
    }

    /** Records each transaction instead of committing it. */
    private Publisher.JobWriter writer() {
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        return new Publisher.JobWriter() {
            @Override
            public void send(JobTable.OpenJob entry, ProducerRecord<byte[], byte[]> record) {
                sent.add(record);
            }

            @Override
            public void abort(JobTable.OpenJob entry) {
                sent.clear();
            }

            @Override
            public void commit(
                    JobTable.OpenJob entry,
                    List<ProducerRecord<byte[], byte[]>> records,
                    BatchJob next,
                    Lineage lineage) {
                record(entry, records, next, lineage, true);
            }

            @Override
            public void commitChunk(JobTable.OpenJob entry, BatchJob next, Lineage lineage) {
                record(entry, List.of(), next, lineage, false);
            }

            private void record(
                    JobTable.OpenJob entry,
                    List<ProducerRecord<byte[], byte[]>> records,
                    BatchJob next,
                    Lineage lineage,
                    boolean withOffset) {
                List<ProducerRecord<byte[], byte[]>> responses = new ArrayList<>(sent);
                sent.clear();
                responses.addAll(records);
                if (abortCommits > 0) {
                    abortCommits--;
                    throw new IllegalStateException("transaction aborted (test)");
                }
                commits.add(new Commit(
                        responses.stream()
                                .filter(r -> r.topic().equals("responses"))
                                .map(r -> RecordCodec.genAiResponse().decode(r.value()))
                                .toList(),
                        responses.stream().filter(r -> r.topic().equals(TOPIC)).toList(),
                        next,
                        lineage,
                        responses.stream()
                                .filter(r -> r.topic().equals("responses"))
                                .toList(),
                        withOffset));
                table.onWritten(entry, next, lineage, nextOffset++);
            }

            @Override
            public void keepAlive(JobTable.OpenJob entry) {}
        };
    }

    private Map<String, GenAiResponse> byRequestId() {
        Map<String, GenAiResponse> m = new LinkedHashMap<>();
        commits.forEach(c -> c.responses().forEach(r -> {
            assertThat(m.put(r.getRequestId(), r))
                    .as("%s published twice", r.getRequestId())
                    .isNull();
        }));
        return m;
    }

    /** A finished job whose output is the prepared results file. */
    private static final class FileOutputApi extends BatchApiStub {
        private final Path results;

        FileOutputApi(Path results) {
            this.results = results;
        }

        @Override
        public BatchJobInfo get(String jobName) {
            return new BatchJobInfo(
                    jobName,
                    "b-1",
                    BatchState.SUCCEEDED,
                    "models/m",
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    new BatchOutput(Optional.of("files/out"), -1));
        }

        @Override
        public long downloadFile(String fileName, Path target) {
            try {
                Files.copy(results, target);
                return Files.size(target);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}

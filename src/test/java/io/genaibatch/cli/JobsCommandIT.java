package io.genaibatch.cli;

import static io.genaibatch.cli.JobFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.batch.Lineage;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.emulator.JobOutcome;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchInput;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.GeminiSettings;
import io.genaibatch.kafka.KafkaCluster;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.JobState;
import io.genaibatch.records.JobStats;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jobs list|show|cancel} against a real broker (genai.jobs written directly, as the submitter and poller
 * would) and, for cancel, a job really running in the Gemini emulator.
 */
@ExtendWith(KafkaCluster.class)
class JobsCommandIT {
    private static final String FLASH = "gemini-2.5-flash";
    private static final String EMBED = "gemini-embedding-001";
    private static final Map<String, String> ENV = Map.of("GEMINI_API_KEY", "test-key");

    private static GeminiEmulator emulator;
    private static BatchApi api;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startEmulator() throws Exception {
        emulator = GeminiEmulator.start(EmulatorOptions.defaults());
        api = BatchApi.open(GeminiSettings.builder()
                .baseUrl(emulator.baseUrl())
                .apiKey("test-key")
                .build());
    }

    @AfterAll
    static void stopEmulator() {
        if (api != null) {
            api.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    /**
     * The batches every test sees, created {@code ago} before now:
     * <ul>
     * <li>b-root (flash): EXPIRED, then PUBLISHED with JOB_EXPIRED and a SPLIT decision into b-root.s0 / .s1;</li>
     * <li>b-root.s0: attempt 2, RUNNING as job {@code s0Job}; b-root.s1: attempt 2, SUBMITTING (no job yet);</li>
     * <li>b-embed (embedding model): FAILED, not published yet;</li>
     * <li>b-gone: deleted by a tombstone.</li>
     * </ul>
     * genai.responses: 3 SUCCEEDED and 1 ERROR from b-root.s0 (root header b-root), 2 FAILED from b-embed.
     */
    private static List<String> fixture(KafkaCluster kafka, String testName, String s0Job) throws Exception {
        String prefix = KafkaCluster.uniquePrefix(testName);
        List<String> common = CliRunner.isolatedTopics(kafka, prefix);
        assertThat(CliRunner.run(with(common, "topics", "create")).exitCode()).isZero();
        Instant t = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.MILLIS);
        Error expired = new Error("JOB_EXPIRED", "batch job batches/b-root EXPIRED", null);
        Lineage rootLineage = Lineage.root("b-root");
        Lineage decided = rootLineage.decided(Lineage.SPLIT, Lineage.splitIds("b-root"));
        Lineage child = rootLineage.child("b-root", 2, "JOB_EXPIRED", new Lineage.ItemsRange("b-root", 0, 0, 4));
        try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
            String jobs = prefix + "jobs";
            BatchJob.Builder root = job("b-root", FLASH, JobState.SUBMITTING)
                    .setItemCount(40)
                    .setCreatedAt(t)
                    .setUpdatedAt(t);
            send(producer, jobs, root.build(), null);
            send(
                    producer,
                    jobs,
                    root.setState(JobState.RUNNING)
                            .setJobName("batches/root-job")
                            .build(),
                    null);
            send(
                    producer,
                    jobs,
                    root.setState(JobState.EXPIRED)
                            .setError(expired)
                            .setStats(new JobStats(40L, 0L, 0L, 40L))
                            .build(),
                    null);
            send(producer, jobs, root.setState(JobState.PUBLISHED).build(), decided);

            send(
                    producer,
                    jobs,
                    job("b-root.s0", FLASH, JobState.RUNNING)
                            .setItemCount(20)
                            .setAttempt(2)
                            .setParentBatchId("b-root")
                            .setJobName(s0Job)
                            .setStats(new JobStats(20L, 3L, 1L, 16L))
                            .setCreatedAt(t.plusSeconds(60))
                            .build(),
                    child);
            send(
                    producer,
                    jobs,
                    job("b-root.s1", FLASH, JobState.SUBMITTING)
                            .setItemCount(20)
                            .setAttempt(2)
                            .setParentBatchId("b-root")
                            .setCreatedAt(t.plusSeconds(61))
                            .build(),
                    rootLineage.child("b-root", 2, "JOB_EXPIRED", new Lineage.ItemsRange("b-root", 0, 5, 9)));
            send(
                    producer,
                    jobs,
                    job("b-embed", EMBED, JobState.FAILED)
                            .setKind(RequestKind.EMBED)
                            .setInputMode(io.genaibatch.records.InputMode.FILE)
                            .setItemCount(2)
                            .setError(new Error("INTERNAL", "backend failure", 500))
                            .setCreatedAt(t.plusSeconds(30))
                            .build(),
                    null);
            send(
                    producer,
                    jobs,
                    job("b-gone", FLASH, JobState.PUBLISHED)
                            .setCreatedAt(t.plusSeconds(1))
                            .build(),
                    null);
            producer.send(new ProducerRecord<>(jobs, "b-gone".getBytes(StandardCharsets.UTF_8), null))
                    .get();

            String responses = prefix + "responses";
            for (int i = 0; i < 4; i++) {
                answer(
                        producer,
                        responses,
                        "b-root.s0",
                        i < 3 ? ResponseStatus.SUCCEEDED : ResponseStatus.ERROR,
                        "b-root",
                        "k-" + i);
            }
            answer(producer, responses, "b-embed", ResponseStatus.FAILED, "b-embed", "e-1");
            answer(producer, responses, "b-embed", ResponseStatus.FAILED, "b-embed", "e-2");
        }
        return common;
    }

    @Test
    void shouldListTheLatestStateOfEveryJobWithTheDecisionOfItsParent(KafkaCluster kafka) throws Exception {
        List<String> common = fixture(kafka, "jobsList", "batches/s0-job");

        CliRunner.Result all = CliRunner.run(with(common, "jobs", "list"));

        assertThat(all.exitCode()).as(all.err()).isZero();
        List<String> lines = all.out().lines().toList();
        assertThat(lines.get(0))
                .matches("BATCH +MODEL +KIND +MODE +ATTEMPT +PARENT +STATE +REQUESTS +OK +FAILED +AGE +JOB");
        // Oldest first; the deleted batch is not listed.
        assertThat(lines).hasSize(5);
        assertThat(lines.get(1))
                .matches("b-root +gemini-2\\.5-flash +GENERATE +inline +1 +- +EXPIRED->SPLIT +40 +0 +0 "
                        + "+10m\\d{2}s +batches/root-job");
        assertThat(lines.get(2))
                .matches(
                        "b-embed +gemini-embedding-001 +EMBED +file +1 +- +FAILED +2 +- +- +\\d+m\\d{2}s +batches/b-embed");
        assertThat(lines.get(3))
                .matches("b-root\\.s0 +gemini-2\\.5-flash +GENERATE +inline +2 +b-root +RUNNING +20 +3 +1 "
                        + "+\\d+m\\d{2}s +batches/s0-job");
        assertThat(lines.get(4))
                .matches("b-root\\.s1 +gemini-2\\.5-flash +GENERATE +inline +2 +b-root +SUBMITTING +20 "
                        + "+- +- +\\d+m\\d{2}s +-");
        // Aligned: every column starts at the same place on every line.
        int stateColumn = lines.get(0).indexOf("STATE");
        assertThat(lines).allSatisfy(l -> assertThat(l.charAt(stateColumn - 1)).isEqualTo(' '));
        assertThat(lines.subList(1, 5))
                .allSatisfy(l -> assertThat(l.charAt(stateColumn)).isNotEqualTo(' '));

        CliRunner.Result open = CliRunner.run(with(common, "jobs", "list", "--open"));
        assertThat(ids(open.out())).containsExactly("b-embed", "b-root.s0", "b-root.s1");

        CliRunner.Result running = CliRunner.run(with(common, "jobs", "list", "--state", "RUNNING"));
        assertThat(ids(running.out())).containsExactly("b-root.s0");

        CliRunner.Result embed = CliRunner.run(with(common, "jobs", "list", "--model", EMBED));
        assertThat(ids(embed.out())).containsExactly("b-embed");

        CliRunner.Result none = CliRunner.run(with(common, "jobs", "list", "--state", "CANCELLED"));
        assertThat(none.exitCode()).isZero();
        assertThat(none.out().strip()).endsWith("jobs match (4 in all)");
    }

    @Test
    void shouldListJobsAsOneJsonObjectPerLineOldestFirst(KafkaCluster kafka) throws Exception {
        List<String> common = fixture(kafka, "jobsJson", "batches/s0-job");

        CliRunner.Result result = CliRunner.run(with(common, "jobs", "list", "--json"));

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<JsonNode> jobs = new ArrayList<>();
        for (String line : result.out().lines().toList()) {
            jobs.add(json.readTree(line));
        }
        assertThat(jobs)
                .extracting(j -> j.get("batchId").asText())
                .containsExactly("b-root", "b-embed", "b-root.s0", "b-root.s1");
        JsonNode root = jobs.get(0);
        assertThat(root.get("state").asText()).isEqualTo("PUBLISHED");
        assertThat(root.get("decision").asText()).isEqualTo("SPLIT");
        assertThat(root.get("children")).extracting(JsonNode::asText).containsExactly("b-root.s0", "b-root.s1");
        assertThat(root.at("/error/code").asText()).isEqualTo("JOB_EXPIRED");
        assertThat(root.get("rootBatchId").asText()).isEqualTo("b-root");
        assertThat(root.get("parentBatchId").isNull()).isTrue();
        assertThat(root.get("attempt").asInt()).isEqualTo(1);
        assertThat(root.get("requests").asInt()).isEqualTo(40);
        assertThat(root.get("jobName").asText()).isEqualTo("batches/root-job");
        assertThat(Instant.parse(root.get("createdAt").asText()))
                .isBefore(Instant.parse(jobs.get(1).get("createdAt").asText()));
        assertThat(Instant.parse(root.get("updatedAt").asText())).isNotNull();
        JsonNode s0 = jobs.get(2);
        assertThat(s0.get("state").asText()).isEqualTo("RUNNING");
        assertThat(s0.get("attempt").asInt()).isEqualTo(2);
        assertThat(s0.get("parentBatchId").asText()).isEqualTo("b-root");
        assertThat(s0.get("rootBatchId").asText()).isEqualTo("b-root");
        assertThat(s0.get("decision").isNull()).isTrue();
        assertThat(s0.get("error").isNull()).isTrue();
        assertThat(s0.at("/stats/successfulCount").asLong()).isEqualTo(3);
        assertThat(s0.get("inputMode").asText()).isEqualTo("INLINE");
        JsonNode embed = jobs.get(1);
        assertThat(embed.get("kind").asText()).isEqualTo("EMBED");
        assertThat(embed.get("model").asText()).isEqualTo(EMBED);
        assertThat(embed.at("/error/message").asText()).isEqualTo("backend failure");
        assertThat(embed.get("stats").isNull()).isTrue();
    }

    @Test
    void shouldSayNoJobsForAnEmptyTopicAndFailClearlyForAMissingOne(KafkaCluster kafka) {
        String prefix = KafkaCluster.uniquePrefix("jobsEmpty");
        List<String> common = CliRunner.isolatedTopics(kafka, prefix);

        CliRunner.Result missing = CliRunner.run(with(common, "jobs", "list"));
        assertThat(missing.exitCode()).isEqualTo(4);
        assertThat(missing.err())
                .contains("topic " + prefix + "jobs does not exist")
                .contains("genai-batch topics create")
                .doesNotContain("Exception");

        assertThat(CliRunner.run(with(common, "topics", "create")).exitCode()).isZero();
        CliRunner.Result table = CliRunner.run(with(common, "jobs", "list"));
        assertThat(table.exitCode()).isZero();
        assertThat(table.out().strip()).isEqualTo("no jobs in " + prefix + "jobs");
        CliRunner.Result lines = CliRunner.run(with(common, "jobs", "list", "--json"));
        assertThat(lines.exitCode()).isZero();
        assertThat(lines.out()).isEmpty();
    }

    @Test
    void shouldShowEveryRecordTheChildrenAndHowManyRequestsWereAnswered(KafkaCluster kafka) throws Exception {
        List<String> common = fixture(kafka, "jobsShow", "batches/s0-job");

        CliRunner.Result root = CliRunner.run(with(common, "jobs", "show", "b-root"));

        assertThat(root.exitCode()).as(root.err()).isZero();
        String out = root.out();
        assertThat(out).contains("batch b-root: 4 record(s) on ").contains("older records may be removed");
        List<String> history =
                out.lines().filter(l -> l.matches(" +\\d+ +20\\d\\d-.*")).toList();
        assertThat(history).hasSize(4);
        assertThat(history.get(0)).contains("SUBMITTING");
        assertThat(history.get(1)).contains("RUNNING").contains("batches/root-job");
        assertThat(history.get(2)).contains("EXPIRED");
        assertThat(history.get(3)).contains("PUBLISHED").contains("SPLIT into b-root.s0, b-root.s1");
        assertThat(out)
                .containsPattern("state: +EXPIRED->SPLIT")
                .containsPattern("error: +JOB_EXPIRED: batch job batches/b-root EXPIRED")
                .containsPattern("stats: +40 requests: 0 succeeded, 0 failed, 40 pending")
                .containsPattern("parent: +- \\(made by the accumulator\\)")
                .containsPattern("decision: +SPLIT")
                .containsPattern("children: +b-root.s0 RUNNING, b-root.s1 SUBMITTING")
                // The parent answered nothing itself; its lineage did.
                .containsPattern("answered: +0 response\\(s\\) with batchId b-root\n")
                .contains("4 response(s) in its lineage (root b-root, any attempt): ERROR 1, SUCCEEDED 3");

        CliRunner.Result child = CliRunner.run(with(common, "jobs", "show", "b-root.s0"));
        assertThat(child.exitCode()).as(child.err()).isZero();
        assertThat(child.out())
                .containsPattern("parent: +b-root \\(because JOB_EXPIRED\\)")
                .contains("its first record, SUBMITTING, is not there")
                .contains("child of b-root (attempt 2, JOB_EXPIRED)")
                .containsPattern("attempt: +2")
                .containsPattern("answered: +4 response\\(s\\) with batchId b-root.s0: ERROR 1, SUCCEEDED 3")
                .doesNotContain("in its lineage");

        CliRunner.Result asJson = CliRunner.run(with(common, "jobs", "show", "b-root", "--json"));
        assertThat(asJson.exitCode()).isZero();
        JsonNode o = json.readTree(asJson.out());
        assertThat(o.at("/latest/decision").asText()).isEqualTo("SPLIT");
        assertThat(o.get("records")).hasSize(4);
        assertThat(o.at("/records/3/state").asText()).isEqualTo("PUBLISHED");
        assertThat(o.at("/children/1/state").asText()).isEqualTo("SUBMITTING");
        assertThat(o.at("/responses/lineageByStatus/SUCCEEDED").asLong()).isEqualTo(3);
    }

    @Test
    void shouldSayThereIsNoSuchBatchWithExitFour(KafkaCluster kafka) throws Exception {
        List<String> common = fixture(kafka, "jobsShowUnknown", "batches/s0-job");

        CliRunner.Result unknown = CliRunner.run(with(common, "jobs", "show", "b-nope"));
        assertThat(unknown.exitCode()).isEqualTo(4);
        assertThat(unknown.err()).contains("no batch b-nope in ");

        // Deleted by a tombstone: shown as such, it is history.
        CliRunner.Result gone = CliRunner.run(with(common, "jobs", "show", "b-gone"));
        assertThat(gone.exitCode()).isZero();
        assertThat(gone.out()).contains("(tombstone)").contains("deleted: its latest record is a tombstone");
    }

    @Test
    void shouldCancelAJobRunningAtTheApi(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        BatchJobInfo running = stuckJob(dir, "b-root.s0");
        List<String> common = fixture(kafka, "jobsCancel", running.name());

        CliRunner.Result result = CliRunner.run(
                ENV, with(common, "jobs", "cancel", "b-root.s0", "--gemini-base-url", emulator.baseUrl()));

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out().strip())
                .isEqualTo("cancelled job " + running.name() + " of batch b-root.s0; the "
                        + "poller answers its 20 requests CANCELLED at its next check (within poll.max-interval, 5m)");
        assertThat(emulator.batchState(running.name())).isEqualTo("BATCH_STATE_CANCELLED");
    }

    @Test
    void shouldRefuseToCancelAFinishedJobOneNotCreatedYetAndAnUnknownBatch(KafkaCluster kafka) throws Exception {
        List<String> common = fixture(kafka, "jobsCancelRefused", "batches/s0-job");
        long requestsBefore = emulator.requestCount();

        CliRunner.Result finished =
                CliRunner.run(ENV, with(common, "jobs", "cancel", "b-embed", "--gemini-base-url", emulator.baseUrl()));
        assertThat(finished.exitCode()).isEqualTo(3);
        assertThat(finished.err()).contains("not cancelling batch b-embed: its job is already finished (FAILED)");

        CliRunner.Result published =
                CliRunner.run(ENV, with(common, "jobs", "cancel", "b-root", "--gemini-base-url", emulator.baseUrl()));
        assertThat(published.exitCode()).isEqualTo(3);
        assertThat(published.err())
                .contains("already finished (EXPIRED->SPLIT)")
                .contains("its requests are now with b-root.s0, b-root.s1");

        CliRunner.Result submitting = CliRunner.run(
                ENV, with(common, "jobs", "cancel", "b-root.s1", "--gemini-base-url", emulator.baseUrl()));
        assertThat(submitting.exitCode()).isEqualTo(3);
        assertThat(submitting.err())
                .contains("not created at the API yet (SUBMITTING, no job name); try again in a moment");

        CliRunner.Result unknown =
                CliRunner.run(ENV, with(common, "jobs", "cancel", "b-nope", "--gemini-base-url", emulator.baseUrl()));
        assertThat(unknown.exitCode()).isEqualTo(4);
        assertThat(unknown.err()).contains("no batch b-nope in ");

        // None of them reached the API.
        assertThat(emulator.requestCount()).isEqualTo(requestsBefore);
    }

    @Test
    void shouldReportTheApisMessageWhenItRefusesTheCancel(KafkaCluster kafka) throws Exception {
        // The record names a job the API does not know (deleted there, or another project's).
        List<String> common = fixture(kafka, "jobsCancelApiError", "batches/no-such-job");

        CliRunner.Result result = CliRunner.run(
                ENV, with(common, "jobs", "cancel", "b-root.s0", "--gemini-base-url", emulator.baseUrl()));

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .contains("the API did not cancel job batches/no-such-job of batch b-root.s0")
                .contains("404")
                .contains("batches/no-such-job");
    }

    /** A job that stays RUNNING at the emulator until cancelled. */
    private static BatchJobInfo stuckJob(Path dir, String displayName) throws Exception {
        Path spool = dir.resolve("spool.jsonl");
        Files.writeString(
                spool,
                "{\"key\":\"k-1\",\"request\":{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}}\n");
        emulator.scriptNextJobs(1, JobOutcome.STUCK);
        BatchJobInfo job = api.create(FLASH, displayName, BatchInput.inline(spool));
        Await.until(
                job.name() + " RUNNING",
                Duration.ofSeconds(10),
                () -> emulator.batchState(job.name()),
                "BATCH_STATE_RUNNING"::equals);
        assertThat(emulator.batchState(job.name())).isEqualTo("BATCH_STATE_RUNNING");
        return job;
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaCluster kafka) {
        return new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, BatchJob job, Lineage lineage)
            throws Exception {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                topic,
                job.getBatchId().getBytes(StandardCharsets.UTF_8),
                RecordCodec.batchJob().encode(job, ValueFormat.AVRO));
        if (lineage != null) {
            lineage.addTo(record.headers());
        }
        producer.send(record).get();
    }

    private static void answer(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            String batchId,
            ResponseStatus status,
            String root,
            String key)
            throws Exception {
        GenAiResponse response = GenAiResponse.newBuilder()
                .setRequestId(key)
                .setStatus(status)
                .setResponse(status == ResponseStatus.SUCCEEDED ? "{\"candidates\":[]}" : null)
                .setError(status == ResponseStatus.SUCCEEDED ? null : new Error(status.name(), "failed", null))
                .setModel(FLASH)
                .setBatchId(batchId)
                .setJobName("batches/x")
                .setCompletedAt(Instant.now())
                .build();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                topic,
                key.getBytes(StandardCharsets.UTF_8),
                RecordCodec.genAiResponse().encode(response, ValueFormat.JSON));
        record.headers().add(Lineage.ROOT_HEADER, root.getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();
    }

    private static List<String> ids(String table) {
        return table.lines().skip(1).map(l -> l.split(" +")[0]).toList();
    }

    private static String[] with(List<String> common, String... command) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(common);
        return all.toArray(String[]::new);
    }
}

package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.Content;
import com.google.genai.types.CreateBatchJobConfig;
import com.google.genai.types.File;
import com.google.genai.types.InlinedRequest;
import com.google.genai.types.JobState;
import com.google.genai.types.Part;
import com.google.genai.types.UploadFileConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a data directory, jobs, files and the per-displayName counters survive a restart on the same port and
 * directory (what a chaos run does to the emulator), through the real SDK.
 */
class PersistenceTest {
    @TempDir
    Path tmp;

    private EmulatorOptions options(int port, long runningMillis) {
        return EmulatorOptions.builder()
                .port(port)
                .dataDir(tmp.resolve("data"))
                .runningMillis(runningMillis)
                .build();
    }

    private File upload(Client client, String name, String content) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return client.files.upload(
                p.toString(),
                UploadFileConfig.builder().mimeType("jsonl").displayName(name).build());
    }

    @Test
    void shouldFinishRunningFileJobAfterRestartAndServeItsResultsAndFilesAndCounters() throws Exception {
        String jobName;
        String inputName;
        int port;
        // Jobs run a minute: still RUNNING however slow the restart is (its end at its due time is the test below)
        try (GeminiEmulator first = GeminiEmulator.start(options(0, 60_000));
                Client client = Sdk.client(first)) {
            port = first.port();
            inputName = upload(
                            client,
                            "in.jsonl",
                            FileJobTest.genLine("k-1", "alpha beta") + FileJobTest.genLine("k-2", "gamma"))
                    .name()
                    .orElseThrow();
            jobName = client.batches
                    .create(
                            "gemini-2.5-flash",
                            BatchJobSource.builder().fileName(inputName).build(),
                            CreateBatchJobConfig.builder()
                                    .displayName("b-persist")
                                    .build())
                    .name()
                    .orElseThrow();
            client.batches.create(
                    "gemini-2.5-flash",
                    BatchJobSource.builder().fileName(inputName).build(),
                    CreateBatchJobConfig.builder().displayName("b-persist").build());
            Sdk.awaitState(client, jobName, JobState.Known.JOB_STATE_RUNNING);
        }

        try (GeminiEmulator second = GeminiEmulator.start(options(port, 60_000));
                Client client = Sdk.client(second)) {
            assertThat(second.jobsCreatedFor("b-persist")).isEqualTo(2);
            assertThat(second.batchState(jobName)).isEqualTo("BATCH_STATE_RUNNING");
            second.finishNow(jobName);
            BatchJob done = Sdk.awaitState(client, jobName, JobState.Known.JOB_STATE_SUCCEEDED);
            String responses = done.dest().orElseThrow().fileName().orElseThrow();
            Path out = tmp.resolve("responses.jsonl");
            client.files.download(responses, out.toString(), null);
            List<String> lines = Files.readAllLines(out);
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).contains("\"key\":\"k-1\"").contains("echo: alpha beta");

            File input = client.files.get(inputName, null);
            assertThat(input.displayName()).contains("in.jsonl");
            assertThat(client.files.list(null).page())
                    .extracting(f -> f.name().orElseThrow())
                    .contains(inputName, responses)
                    .doesNotHaveDuplicates();

            // Ids go on from the saved counters: a job created now is a new one.
            String third = client.batches
                    .create(
                            "gemini-2.5-flash",
                            BatchJobSource.builder().fileName(inputName).build(),
                            CreateBatchJobConfig.builder()
                                    .displayName("b-persist")
                                    .build())
                    .name()
                    .orElseThrow();
            assertThat(third).isNotEqualTo(jobName);
            assertThat(second.jobsCreatedByDisplayName()).containsEntry("b-persist", 3);
        }
        try (GeminiEmulator third = GeminiEmulator.start(options(port, 5_000))) {
            assertThat(third.jobsCreatedFor("b-persist")).isEqualTo(3);
        }
    }

    @Test
    void shouldKeepFinishedCancelledAndDeletedJobsAsTheyWere() throws Exception {
        String succeeded;
        String cancelled;
        String deleted;
        String prioritised;
        JsonNode before;
        int port;
        try (GeminiEmulator first = GeminiEmulator.start(options(0, 10));
                Client client = Sdk.client(first)) {
            port = first.port();
            succeeded = createInline(client, "one two").name().orElseThrow();
            before = Sdk.awaitRawDone(first, succeeded);
            first.scriptNextJobs(2, JobOutcome.STUCK);
            cancelled = createInline(client, "x").name().orElseThrow();
            deleted = createInline(client, "y").name().orElseThrow();
            client.batches.cancel(cancelled, null);
            client.batches.delete(deleted, null);
            prioritised = Sdk.json(Sdk.post(
                                    first,
                                    "/v1beta/models/gemini-2.5-flash:batchGenerateContent",
                                    "{\"batch\":{\"priority\":\"3\",\"inputConfig\":{\"requests\":{\"requests\":[{\"request\":"
                                            + "{\"contents\":[{\"parts\":[{\"text\":\"p\"}]}]}}]}}}}")
                            .body())
                    .path("name")
                    .asText();
        }
        try (GeminiEmulator second = GeminiEmulator.start(options(port, 10));
                Client client = Sdk.client(second)) {
            JsonNode after = Sdk.json(Sdk.get(second, "/v1beta/" + succeeded).body());
            assertThat(after).isEqualTo(before);
            assertThat(after.at(
                                    "/response/inlinedResponses/inlinedResponses/0/response/candidates/0/content/parts/0/text")
                            .asText())
                    .isEqualTo("echo: one two");
            assertThat(second.batchState(cancelled)).isEqualTo("BATCH_STATE_CANCELLED");
            assertThat(Sdk.json(Sdk.get(second, "/v1beta/" + prioritised).body())
                            .at("/metadata/priority")
                            .asText())
                    .isEqualTo("3");
            assertThat(Sdk.get(second, "/v1beta/" + deleted).statusCode()).isEqualTo(404);
            assertThat(second.jobsCreatedByDisplayName())
                    .containsEntry("inline", 3)
                    .containsEntry("", 1);
        }
    }

    @Test
    void shouldStartAPendingJobAfterRestartAndAnswerItsRequests() throws Exception {
        String name;
        int port;
        EmulatorOptions.Builder slowStart = EmulatorOptions.builder()
                .dataDir(tmp.resolve("data"))
                .runningMillis(10)
                .pendingMillis(600_000);
        try (GeminiEmulator first = GeminiEmulator.start(slowStart.port(0).build());
                Client client = Sdk.client(first)) {
            port = first.port();
            name = createInline(client, "still waiting").name().orElseThrow();
            assertThat(first.batchState(name)).isEqualTo("BATCH_STATE_PENDING");
        }
        // Restarted with no pending time: the job waited long enough, it runs and answers as if never stopped.
        try (GeminiEmulator second = GeminiEmulator.start(options(port, 10));
                Client client = Sdk.client(second)) {
            JsonNode done = Sdk.awaitRawDone(second, name);
            assertThat(done.at("/metadata/state").asText()).isEqualTo("BATCH_STATE_SUCCEEDED");
            assertThat(done.at(
                                    "/response/inlinedResponses/inlinedResponses/0/response/candidates/0/content/parts/0/text")
                            .asText())
                    .isEqualTo("echo: still waiting");
        }
    }

    @Test
    void shouldEndRunningJobRightAfterRestartWhenItsTimeCameWhileStopped() throws Exception {
        String name;
        int port;
        try (GeminiEmulator first = GeminiEmulator.start(options(0, 60_000));
                Client client = Sdk.client(first)) {
            port = first.port();
            name = createInline(client, "late").name().orElseThrow();
            Sdk.awaitState(client, name, JobState.Known.JOB_STATE_RUNNING);
        }
        // The emulator was stopped past the job's due time: as if a minute went by, without waiting for it.
        Path record = tmp.resolve("data")
                .resolve("state")
                .resolve("jobs")
                .resolve(name.substring("batches/".length()) + ".json");
        com.fasterxml.jackson.databind.node.ObjectNode saved =
                (com.fasterxml.jackson.databind.node.ObjectNode) Sdk.json(Files.readString(record));
        assertThat(saved.path("state").asText()).isEqualTo("BATCH_STATE_RUNNING");
        saved.put("dueTime", java.time.Instant.now().minusSeconds(1).toString());
        Files.writeString(record, saved.toString());
        // The restart keeps the due time the job had, whatever runningMillis it is given: it ends at once.
        try (GeminiEmulator second = GeminiEmulator.start(options(port, 60_000));
                Client client = Sdk.client(second)) {
            long t0 = System.nanoTime();
            Sdk.awaitState(client, name, JobState.Known.JOB_STATE_SUCCEEDED);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
        }
    }

    @Test
    void shouldKeepNothingWithoutDataDir() throws Exception {
        String name;
        Path dir;
        try (GeminiEmulator first = GeminiEmulator.start(
                        EmulatorOptions.builder().runningMillis(10).build());
                Client client = Sdk.client(first)) {
            name = createInline(client, "gone").name().orElseThrow();
            dir = first.dataDir();
            assertThat(dir.resolve("state")).doesNotExist();
        }
        assertThat(dir).doesNotExist();
        try (GeminiEmulator second = GeminiEmulator.start(
                        EmulatorOptions.builder().runningMillis(10).build());
                Client client = Sdk.noRetryClient(second)) {
            assertThrows(com.google.genai.errors.ClientException.class, () -> client.batches.get(name, null));
            assertThat(second.jobsCreatedByDisplayName()).isEqualTo(Map.of());
        }
    }

    @Test
    void shouldWriteOneRecordPerJobAndFileAtomically() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(options(0, 10));
                Client client = Sdk.client(emulator)) {
            String input = upload(client, "r.jsonl", FileJobTest.genLine("k", "a"))
                    .name()
                    .orElseThrow();
            String job = client.batches
                    .create(
                            "gemini-2.5-flash",
                            BatchJobSource.builder().fileName(input).build(),
                            CreateBatchJobConfig.builder().displayName("rec").build())
                    .name()
                    .orElseThrow();
            Sdk.awaitRawDone(emulator, job);
            Path state = emulator.dataDir().resolve("state");
            String id = job.substring("batches/".length());
            JsonNode record = Sdk.json(Files.readString(state.resolve("jobs").resolve(id + ".json")));
            assertThat(record.path("state").asText()).isEqualTo("BATCH_STATE_SUCCEEDED");
            assertThat(record.path("displayName").asText()).isEqualTo("rec");
            assertThat(state.resolve("files").resolve(input.substring("files/".length()) + ".json"))
                    .exists();
            assertThat(state.resolve("batches.json")).exists();
            try (var entries = Files.walk(state)) {
                assertThat(entries.map(Path::toString)).noneMatch(p -> p.endsWith(".tmp"));
            }
        }
    }

    @Test
    void shouldCountEveryJobReadBackWhenAKillLostTheLastCounterUpdate() throws Exception {
        int port;
        try (GeminiEmulator first = GeminiEmulator.start(options(0, 60_000));
                Client client = Sdk.client(first)) {
            port = first.port();
            createInline(client, "a");
            createInline(client, "b");
            assertThat(first.jobsCreatedFor("inline")).isEqualTo(2);
        }
        // As after a kill -9 between saving the second job's record and the counters: the counters say one
        Path counters = tmp.resolve("data").resolve("state").resolve("batches.json");
        com.fasterxml.jackson.databind.node.ObjectNode saved =
                (com.fasterxml.jackson.databind.node.ObjectNode) Sdk.json(Files.readString(counters));
        ((com.fasterxml.jackson.databind.node.ObjectNode) saved.get("createdByDisplayName")).put("inline", 1);
        Files.writeString(counters, saved.toString());

        // Both creates are counted: a displayName created twice is never hidden from a chaos run
        try (GeminiEmulator second = GeminiEmulator.start(options(port, 60_000))) {
            assertThat(second.jobsCreatedFor("inline")).isEqualTo(2);
        }
    }

    private static BatchJob createInline(Client client, String text) {
        InlinedRequest request = InlinedRequest.builder()
                .contents(List.of(Content.builder()
                        .role("user")
                        .parts(List.of(Part.fromText(text)))
                        .build()))
                .build();
        return client.batches.create(
                "gemini-2.5-flash",
                BatchJobSource.builder().inlinedRequests(List.of(request)).build(),
                CreateBatchJobConfig.builder().displayName("inline").build());
    }
}

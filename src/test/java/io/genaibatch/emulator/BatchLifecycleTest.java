package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.Content;
import com.google.genai.types.CreateBatchJobConfig;
import com.google.genai.types.InlinedRequest;
import com.google.genai.types.InlinedResponse;
import com.google.genai.types.JobState;
import com.google.genai.types.Part;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batch jobs through the real SDK: create inline, watch the states, read the output. */
class BatchLifecycleTest {
    private static GeminiEmulator emulator;
    private static Client client;

    @BeforeAll
    static void start() throws Exception {
        emulator = GeminiEmulator.start(
                EmulatorOptions.builder().apiKey(Sdk.API_KEY).runningMillis(100).build());
        client = Sdk.client(emulator);
    }

    @AfterAll
    static void stop() {
        client.close();
        emulator.close();
    }

    static InlinedRequest inline(String key, String... turns) {
        List<Content> contents = java.util.Arrays.stream(turns)
                .map(t -> Content.builder().role("user").parts(Part.fromText(t)).build())
                .toList();
        return InlinedRequest.builder()
                .contents(contents)
                .metadata(Map.of("key", key))
                .build();
    }

    @Test
    void shouldAnswerEchoOfLastContentForInlineBatch() {
        // Step 1: create an inline batch of two requests, the second with two turns.
        BatchJob created = client.batches.create(
                "gemini-2.5-flash",
                BatchJobSource.builder()
                        .inlinedRequests(inline("k-1", "hello world"), inline("k-2", "first turn", "second turn here"))
                        .build(),
                CreateBatchJobConfig.builder().displayName("b-inline").build());
        assertThat(created.name()).hasValueSatisfying(n -> assertThat(n).startsWith("batches/"));
        assertThat(created.displayName()).contains("b-inline");
        assertThat(created.model()).contains("models/gemini-2.5-flash");

        // Step 2: poll until it succeeds.
        BatchJob done = Sdk.awaitState(client, created.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);

        // Step 3: the answers echo the last content, in order, with the metadata.
        List<InlinedResponse> responses =
                done.dest().orElseThrow().inlinedResponses().orElseThrow();
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0).response().orElseThrow().text()).isEqualTo("echo: hello world");
        assertThat(responses.get(0).metadata()).contains(Map.of("key", "k-1"));
        assertThat(responses.get(1).response().orElseThrow().text()).isEqualTo("echo: second turn here");
        assertThat(responses.get(1).metadata()).contains(Map.of("key", "k-2"));
        var usage = responses.get(1).response().orElseThrow().usageMetadata().orElseThrow();
        assertThat(usage.promptTokenCount()).contains(5);
        assertThat(usage.candidatesTokenCount()).contains(4);
        assertThat(usage.totalTokenCount()).contains(9);
        assertThat(done.endTime()).isPresent();
        assertThat(emulator.jobsCreatedFor("b-inline")).isEqualTo(1);
    }

    @Test
    void shouldReportStatsAndOutputInBothPlacesOfRawOperation() throws Exception {
        BatchJob created = client.batches.create(
                "gemini-2.5-flash",
                BatchJobSource.builder()
                        .inlinedRequests(inline("a", "one"), inline("b", "two"), inline("c", "three"))
                        .build(),
                CreateBatchJobConfig.builder().displayName("b-raw").build());
        JsonNode op = Sdk.awaitRawDone(emulator, created.name().orElseThrow());

        assertThat(op.path("metadata").path("state").asText()).isEqualTo("BATCH_STATE_SUCCEEDED");
        JsonNode stats = op.path("metadata").path("batchStats");
        assertThat(stats.path("requestCount").isTextual()).isTrue();
        assertThat(stats.path("requestCount").asText()).isEqualTo("3");
        assertThat(stats.path("successfulRequestCount").asText()).isEqualTo("3");
        assertThat(stats.path("failedRequestCount").asText()).isEqualTo("0");
        assertThat(stats.path("pendingRequestCount").asText()).isEqualTo("0");
        JsonNode inMetadata =
                op.path("metadata").path("output").path("inlinedResponses").path("inlinedResponses");
        JsonNode inResponse = op.path("response").path("inlinedResponses").path("inlinedResponses");
        assertThat(inMetadata).hasSize(3);
        assertThat(inResponse).isEqualTo(inMetadata);
        assertThat(op.path("response").path("@type").asText()).endsWith("GenerateContentBatchOutput");
        assertThat(inMetadata
                        .get(2)
                        .path("response")
                        .path("candidates")
                        .get(0)
                        .path("content")
                        .path("parts")
                        .get(0)
                        .path("text")
                        .asText())
                .isEqualTo("echo: three");
        assertThat(inMetadata.get(2).path("response").path("modelVersion").asText())
                .isEqualTo("gemini-2.5-flash");
        assertThat(inMetadata.get(2).path("response").path("responseId").asText())
                .isNotEmpty();
    }

    @Test
    void shouldPageBatchListWithoutTrailingTokenOnLastPage() throws Exception {
        try (GeminiEmulator own = GeminiEmulator.start(EmulatorOptions.defaults());
                Client c = Sdk.client(own)) {
            for (int i = 0; i < 5; i++) {
                c.batches.create(
                        "gemini-2.5-flash",
                        BatchJobSource.builder()
                                .inlinedRequests(inline("k", "x"))
                                .build(),
                        CreateBatchJobConfig.builder().displayName("page-" + i).build());
            }
            // Raw: 2 + 2 + 1, and no nextPageToken on the last page.
            List<Integer> sizes = new java.util.ArrayList<>();
            java.util.Set<String> names = new java.util.HashSet<>();
            String token = null;
            do {
                JsonNode page = Sdk.json(
                        Sdk.get(own, "/v1beta/batches?pageSize=2" + (token == null ? "" : "&pageToken=" + token))
                                .body());
                sizes.add(page.path("operations").size());
                page.path("operations").forEach(op -> names.add(op.path("name").asText()));
                token = page.has("nextPageToken") ? page.get("nextPageToken").asText() : null;
            } while (token != null);
            assertThat(sizes).containsExactly(2, 2, 1);
            assertThat(names).hasSize(5);

            // The SDK's pager follows the tokens to the same five jobs, newest first.
            List<String> viaSdk = new java.util.ArrayList<>();
            c.batches
                    .list(com.google.genai.types.ListBatchJobsConfig.builder()
                            .pageSize(2)
                            .build())
                    .forEach(j -> viaSdk.add(j.displayName().orElseThrow()));
            assertThat(viaSdk).containsExactly("page-4", "page-3", "page-2", "page-1", "page-0");
        }
    }

    @Test
    void shouldCancelAtOnceAndKeepNoOutput() {
        emulator.scriptNextJobs(1, JobOutcome.STUCK);
        BatchJob job = client.batches.create(
                "gemini-2.5-flash",
                BatchJobSource.builder().inlinedRequests(inline("k", "x")).build(),
                null);
        String name = job.name().orElseThrow();
        client.batches.cancel(name, null);
        BatchJob after = client.batches.get(name, null);
        assertThat(after.state().orElseThrow().knownEnum()).isEqualTo(JobState.Known.JOB_STATE_CANCELLED);
        assertThat(after.dest()).isEmpty();
        assertThat(after.endTime()).isPresent();
    }

    @Test
    void shouldDeleteBatchSoThatGetAnswers404() {
        BatchJob job = client.batches.create(
                "gemini-2.5-flash",
                BatchJobSource.builder().inlinedRequests(inline("k", "x")).build(),
                null);
        String name = job.name().orElseThrow();
        client.batches.delete(name, null);
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(
                com.google.genai.errors.ClientException.class, () -> client.batches.get(name, null));
        assertThat(e.code()).isEqualTo(404);
        assertThat(e.status()).isEqualTo("NOT_FOUND");
        assertThat(e.message()).contains(name);
    }

    @Test
    void shouldAnswerInlineEmbeddingsInRestShapeOfRawJson() throws Exception {
        BatchJob job = client.batches.createEmbeddings(
                "gemini-embedding-001",
                com.google.genai.types.EmbeddingsBatchJobSource.builder()
                        .inlinedRequests(com.google.genai.types.EmbedContentBatch.builder()
                                .contents(
                                        Content.fromParts(Part.fromText("one")),
                                        Content.fromParts(Part.fromText("two")))
                                .config(com.google.genai.types.EmbedContentConfig.builder()
                                        .outputDimensionality(4)
                                        .build())
                                .build())
                        .build(),
                com.google.genai.types.CreateEmbeddingsBatchJobConfig.builder()
                        .displayName("b-emb-inline")
                        .build());
        JsonNode op = Sdk.awaitRawDone(emulator, job.name().orElseThrow());

        assertThat(op.at("/metadata/@type").asText()).endsWith("EmbedContentBatch");
        JsonNode items = op.at("/metadata/output/inlinedResponses/inlinedResponses");
        assertThat(items).hasSize(2);
        float[] one = AnswerGenerator.vector("one", 4);
        JsonNode values = items.get(0).at("/response/embedding/values");
        assertThat(values).hasSize(4);
        assertThat((float) values.get(0).asDouble()).isEqualTo(one[0]);
        assertThat(items.get(1).at("/response/embedding/values/0").asDouble())
                .isNotEqualTo(values.get(0).asDouble());
    }

    @Test
    void shouldRejectUnknownModelWith404() {
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(
                com.google.genai.errors.ClientException.class,
                () -> client.batches.create(
                        "gpt-4",
                        BatchJobSource.builder()
                                .inlinedRequests(inline("k", "x"))
                                .build(),
                        null));
        assertThat(e.code()).isEqualTo(404);
        assertThat(e.status()).isEqualTo("NOT_FOUND");
        assertThat(e.message()).contains("models/gpt-4");
    }

    @Test
    void shouldRejectMalformedBodiesWith400() throws Exception {
        var notJson = Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", "{not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(Sdk.json(notJson.body()).at("/error/status").asText()).isEqualTo("INVALID_ARGUMENT");

        var noInput = Sdk.post(emulator, "/v1beta/models/gemini-2.5-flash:batchGenerateContent", "{\"batch\":{}}");
        assertThat(noInput.statusCode()).isEqualTo(400);
        assertThat(Sdk.json(noInput.body()).at("/error/message").asText()).contains("input_config");

        var noRequest = Sdk.post(
                emulator,
                "/v1beta/models/gemini-2.5-flash:batchGenerateContent",
                "{\"batch\":{\"inputConfig\":{\"requests\":{\"requests\":[{\"metadata\":{}}]}}}}");
        assertThat(noRequest.statusCode()).isEqualTo(400);
        assertThat(Sdk.json(noRequest.body()).at("/error/message").asText()).contains("requests[0].request");

        var unknownFile = Sdk.post(
                emulator,
                "/v1beta/models/gemini-2.5-flash:batchGenerateContent",
                "{\"batch\":{\"inputConfig\":{\"fileName\":\"files/nope\"}}}");
        assertThat(unknownFile.statusCode())
                .as("the Files API's answer for a file that is not there")
                .isEqualTo(403);
        assertThat(Sdk.json(unknownFile.body()).at("/error/message").asText()).contains("or it may not exist");
    }

    @Test
    void shouldForceStatesFromTestHandle() throws Exception {
        try (GeminiEmulator slow = GeminiEmulator.start(
                        EmulatorOptions.builder().pendingMillis(60_000).build());
                Client c = Sdk.client(slow)) {
            String a = c.batches
                    .create(
                            "gemini-2.5-flash",
                            BatchJobSource.builder()
                                    .inlinedRequests(inline("k", "a b"))
                                    .build(),
                            null)
                    .name()
                    .orElseThrow();
            String b = c.batches
                    .create(
                            "gemini-2.5-flash",
                            BatchJobSource.builder()
                                    .inlinedRequests(inline("k", "x"))
                                    .build(),
                            null)
                    .name()
                    .orElseThrow();
            String d = c.batches
                    .create(
                            "gemini-2.5-flash",
                            BatchJobSource.builder()
                                    .inlinedRequests(inline("k", "x"))
                                    .build(),
                            null)
                    .name()
                    .orElseThrow();
            assertThat(slow.batchState(a)).isEqualTo("BATCH_STATE_PENDING");

            slow.finishNow(a);
            slow.failNow(b, 429, "quota gone");
            slow.expireNow(d);

            BatchJob finished = c.batches.get(a, null);
            assertThat(finished.state().orElseThrow().knownEnum()).isEqualTo(JobState.Known.JOB_STATE_SUCCEEDED);
            assertThat(finished.dest()
                            .orElseThrow()
                            .inlinedResponses()
                            .orElseThrow()
                            .get(0)
                            .response()
                            .orElseThrow()
                            .text())
                    .isEqualTo("echo: a b");
            assertThat(c.batches.get(b, null).state().orElseThrow().knownEnum())
                    .isEqualTo(JobState.Known.JOB_STATE_FAILED);
            JsonNode failedRaw = Sdk.json(Sdk.get(slow, "/v1beta/" + b).body());
            assertThat(failedRaw.at("/error/code").asInt()).isEqualTo(429);
            assertThat(failedRaw.at("/error/message").asText()).isEqualTo("quota gone");
            assertThat(failedRaw.at("/metadata/error/message").asText()).isEqualTo("quota gone");
            assertThat(failedRaw.path("done").asBoolean()).isTrue();
            assertThat(c.batches.get(d, null).state().orElseThrow().knownEnum())
                    .isEqualTo(JobState.Known.JOB_STATE_EXPIRED);
        }
    }

    @Test
    void shouldEndScriptedJobsFailedExpiredOrStuck() throws Exception {
        emulator.scriptNextJobs(1, JobOutcome.FAIL);
        emulator.scriptNextJobs(1, JobOutcome.EXPIRE);
        emulator.scriptNextJobs(1, JobOutcome.STUCK);
        String failed = client.batches
                .create(
                        "gemini-2.5-flash",
                        BatchJobSource.builder()
                                .inlinedRequests(inline("k", "x"))
                                .build(),
                        null)
                .name()
                .orElseThrow();
        String expired = client.batches
                .create(
                        "gemini-2.5-flash",
                        BatchJobSource.builder()
                                .inlinedRequests(inline("k", "x"))
                                .build(),
                        null)
                .name()
                .orElseThrow();
        String stuck = client.batches
                .create(
                        "gemini-2.5-flash",
                        BatchJobSource.builder()
                                .inlinedRequests(inline("k", "x"))
                                .build(),
                        null)
                .name()
                .orElseThrow();

        Sdk.awaitState(client, failed, JobState.Known.JOB_STATE_FAILED);
        JsonNode raw = Sdk.json(Sdk.get(emulator, "/v1beta/" + failed).body());
        assertThat(raw.at("/error/code").asInt()).isEqualTo(500);
        assertThat(raw.at("/error/message").asText()).isNotEmpty();
        assertThat(raw.at("/metadata/output").isMissingNode()).isTrue();
        Sdk.awaitState(client, expired, JobState.Known.JOB_STATE_EXPIRED);
        // Past the time it was to end, the stuck job still runs.
        Sdk.awaitPastOutcome(emulator, client);
        assertThat(client.batches.get(stuck, null).state().orElseThrow().knownEnum())
                .isEqualTo(JobState.Known.JOB_STATE_RUNNING);
    }

    @Test
    void shouldCountJobsPerDisplayNameInAdminEndpoint() throws Exception {
        for (int i = 0; i < 3; i++) {
            client.batches.create(
                    "gemini-2.5-flash",
                    BatchJobSource.builder().inlinedRequests(inline("k", "x")).build(),
                    CreateBatchJobConfig.builder().displayName("b-counted").build());
        }
        assertThat(emulator.jobsCreatedFor("b-counted")).isEqualTo(3);
        assertThat(emulator.jobsCreatedFor("never")).isZero();
        JsonNode admin =
                Sdk.json(Sdk.get(emulator, "/admin/jobs-by-display-name").body());
        assertThat(admin.path("b-counted").asInt()).isEqualTo(3);
    }
}

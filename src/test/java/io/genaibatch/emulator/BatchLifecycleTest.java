package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batch jobs through the real SDK: create inline, watch the states, read the output. */
class BatchLifecycleTest {
    private static GeminiEmulator emulator;
    private static Client client;

    @BeforeAll
    static void start() throws Exception {
        emulator = GeminiEmulator.start(EmulatorOptions.builder().apiKey(Sdk.API_KEY).runningMillis(100).build());
        client = Sdk.client(emulator);
    }

    @AfterAll
    static void stop() {
        client.close();
        emulator.close();
    }

    static InlinedRequest inline(String key, String... turns) {
        List<Content> contents = java.util.Arrays.stream(turns)
                .map(t -> Content.builder().role("user").parts(Part.fromText(t)).build()).toList();
        return InlinedRequest.builder().contents(contents).metadata(Map.of("key", key)).build();
    }

    @Test
    void shouldAnswerEchoOfLastContentForInlineBatch() {
        // Step 1: create an inline batch of two requests, the second with two turns.
        BatchJob created = client.batches.create("gemini-2.5-flash", BatchJobSource.builder()
                .inlinedRequests(inline("k-1", "hello world"), inline("k-2", "first turn", "second turn here"))
                .build(), CreateBatchJobConfig.builder().displayName("b-inline").build());
        assertThat(created.name()).hasValueSatisfying(n -> assertThat(n).startsWith("batches/"));
        assertThat(created.displayName()).contains("b-inline");
        assertThat(created.model()).contains("models/gemini-2.5-flash");

        // Step 2: poll until it succeeds.
        BatchJob done = Sdk.awaitState(client, created.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);

        // Step 3: the answers echo the last content, in order, with the metadata.
        List<InlinedResponse> responses = done.dest().orElseThrow().inlinedResponses().orElseThrow();
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
        BatchJob created = client.batches.create("gemini-2.5-flash", BatchJobSource.builder()
                .inlinedRequests(inline("a", "one"), inline("b", "two"), inline("c", "three")).build(),
                CreateBatchJobConfig.builder().displayName("b-raw").build());
        JsonNode op = Sdk.awaitRawDone(emulator, created.name().orElseThrow());

        assertThat(op.path("metadata").path("state").asText()).isEqualTo("BATCH_STATE_SUCCEEDED");
        JsonNode stats = op.path("metadata").path("batchStats");
        assertThat(stats.path("requestCount").isTextual()).isTrue();
        assertThat(stats.path("requestCount").asText()).isEqualTo("3");
        assertThat(stats.path("successfulRequestCount").asText()).isEqualTo("3");
        assertThat(stats.path("failedRequestCount").asText()).isEqualTo("0");
        assertThat(stats.path("pendingRequestCount").asText()).isEqualTo("0");
        JsonNode inMetadata = op.path("metadata").path("output").path("inlinedResponses").path("inlinedResponses");
        JsonNode inResponse = op.path("response").path("inlinedResponses").path("inlinedResponses");
        assertThat(inMetadata).hasSize(3);
        assertThat(inResponse).isEqualTo(inMetadata);
        assertThat(op.path("response").path("@type").asText()).endsWith("GenerateContentBatchOutput");
        assertThat(inMetadata.get(2).path("response").path("candidates").get(0).path("content").path("parts")
                .get(0).path("text").asText()).isEqualTo("echo: three");
        assertThat(inMetadata.get(2).path("response").path("modelVersion").asText()).isEqualTo("gemini-2.5-flash");
        assertThat(inMetadata.get(2).path("response").path("responseId").asText()).isNotEmpty();
    }
}

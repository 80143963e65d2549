package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.genai.Client;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.JobState;
import io.genaibatch.testkit.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Test helpers: the real SDK pointed at an emulator, raw HTTP beside it, and polling with a deadline. */
final class Sdk {
    static final String API_KEY = "test-key";
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** How long a job of these tests may take to get where they wait for it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private Sdk() {}

    /** The SDK as a user sets it up, with its retries left on. */
    static Client client(GeminiEmulator emulator) {
        return Client.builder()
                .apiKey(API_KEY)
                .httpOptions(HttpOptions.builder()
                        .baseUrl(emulator.baseUrl())
                        .apiVersion("v1beta")
                        .build())
                .build();
    }

    /** The SDK with one attempt, so that an injected fault surfaces at once. */
    static Client noRetryClient(GeminiEmulator emulator) {
        return noRetryClient(emulator, API_KEY);
    }

    static Client noRetryClient(GeminiEmulator emulator, String apiKey) {
        return Client.builder()
                .apiKey(apiKey)
                .httpOptions(HttpOptions.builder()
                        .baseUrl(emulator.baseUrl())
                        .apiVersion("v1beta")
                        .retryOptions(HttpRetryOptions.builder().attempts(1).build())
                        .build())
                .build();
    }

    static BatchJob awaitState(Client client, String name, JobState.Known expected) {
        return Await.until(
                name + " to reach " + expected,
                TIMEOUT,
                () -> client.batches.get(name, null),
                job -> job.state().map(s -> s.knownEnum() == expected).orElse(false));
    }

    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> get(GeminiEmulator emulator, String path) throws IOException, InterruptedException {
        return HTTP.send(request(emulator, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(GeminiEmulator emulator, String path, String json)
            throws IOException, InterruptedException {
        return HTTP.send(
                request(emulator, path)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder request(GeminiEmulator emulator, String path) {
        return HttpRequest.newBuilder(URI.create(emulator.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("x-goog-api-key", API_KEY);
    }

    static JsonNode json(String body) throws IOException {
        return MAPPER.readTree(body);
    }

    /**
     * Returns once every job created so far has met its outcome, STUCK included (which changes nothing to see): a job
     * scripted to expire is created last and awaited. The emulator's one scheduler thread applies outcomes in the order
     * they fall due, and this job's falls due last.
     */
    static void awaitPastOutcome(GeminiEmulator emulator, Client client) {
        emulator.scriptNextJobs(1, JobOutcome.EXPIRE);
        String marker = client.batches
                .create(
                        "gemini-2.5-flash",
                        BatchJobSource.builder()
                                .inlinedRequests(BatchLifecycleTest.inline("marker", "x"))
                                .build(),
                        null)
                .name()
                .orElseThrow();
        awaitState(client, marker, JobState.Known.JOB_STATE_EXPIRED);
    }

    static JsonNode awaitRawDone(GeminiEmulator emulator, String name) {
        return Await.until(
                name + " to be done",
                TIMEOUT,
                () -> json(get(emulator, "/v1beta/" + name).body()),
                n -> n.path("done").asBoolean());
    }
}

package io.genaibatch.emulator;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.genai.Client;
import com.google.genai.types.BatchJob;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.JobState;

/** Test helpers: the real SDK pointed at an emulator, raw HTTP beside it, and polling with a deadline. */
final class Sdk {
    static final String API_KEY = "test-key";
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** How long a job of these tests may take to get where they wait for it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private Sdk() {
    }

    /** The SDK as a user sets it up, with its retries left on. */
    static Client client(GeminiEmulator emulator) {
        return Client.builder().apiKey(API_KEY).httpOptions(HttpOptions.builder()
                .baseUrl(emulator.baseUrl()).apiVersion("v1beta").build()).build();
    }

    /** The SDK with one attempt, so that an injected fault surfaces at once. */
    static Client noRetryClient(GeminiEmulator emulator) {
        return noRetryClient(emulator, API_KEY);
    }

    static Client noRetryClient(GeminiEmulator emulator, String apiKey) {
        return Client.builder().apiKey(apiKey).httpOptions(HttpOptions.builder()
                .baseUrl(emulator.baseUrl()).apiVersion("v1beta")
                .retryOptions(HttpRetryOptions.builder().attempts(1).build()).build()).build();
    }

    static BatchJob awaitState(Client client, String name, JobState.Known expected) {
        return Await.until(() -> client.batches.get(name, null),
                job -> job.state().map(s -> s.knownEnum() == expected).orElse(false),
                name + " to reach " + expected, TIMEOUT);
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> get(GeminiEmulator emulator, String path) throws IOException, InterruptedException {
        return HTTP.send(request(emulator, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(GeminiEmulator emulator, String path, String json)
            throws IOException, InterruptedException {
        return HTTP.send(request(emulator, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder request(GeminiEmulator emulator, String path) {
        return HttpRequest.newBuilder(URI.create(emulator.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("x-goog-api-key", API_KEY);
    }

    static JsonNode json(String body) throws IOException {
        return MAPPER.readTree(body);
    }

    static JsonNode awaitRawDone(GeminiEmulator emulator, String name) {
        return Await.until(() -> {
            try {
                return json(get(emulator, "/v1beta/" + name).body());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, n -> n.path("done").asBoolean(), name + " to be done", TIMEOUT);
    }
}

package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.errors.ClientException;
import com.google.genai.errors.ServerException;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.InlinedRequest;
import com.google.genai.types.InlinedResponse;
import com.google.genai.types.JobState;
import com.google.genai.types.UploadFileConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every fault the emulator can inject, seen from the real SDK (or raw HTTP where the SDK hides it). */
class FaultInjectionTest {
    @TempDir
    Path tmp;

    private static EmulatorOptions.Builder fast() {
        return EmulatorOptions.builder().runningMillis(20).apiKey(Sdk.API_KEY);
    }

    private static List<InlinedRequest> requests(int n) {
        List<InlinedRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(BatchLifecycleTest.inline("k-" + i, "text " + i));
        }
        return out;
    }

    private static BatchJob runInline(Client client, int n) {
        BatchJob job = client.batches.create(
                "gemini-2.5-flash",
                BatchJobSource.builder().inlinedRequests(requests(n)).build(),
                null);
        return Sdk.awaitState(client, job.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);
    }

    private String uploadLines(Client client, int n) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(FileJobTest.genLine("k-" + i, "text " + i));
        }
        Path p = tmp.resolve("in-" + System.nanoTime() + ".jsonl");
        Files.writeString(p, sb, StandardCharsets.UTF_8);
        return client.files
                .upload(
                        p.toString(),
                        UploadFileConfig.builder().mimeType("jsonl").build())
                .name()
                .orElseThrow();
    }

    @Test
    void shouldSurfaceScripted429AsClientExceptionWithRetryAfter() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(fast().build());
                Client client = Sdk.noRetryClient(emulator)) {
            emulator.failNextRequests(1, 429);
            ClientException e = catchThrowableOfType(
                    ClientException.class, () -> client.batches.list(null).page());
            assertThat(e.code()).isEqualTo(429);
            assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");

            emulator.failNextRequests(1, 429);
            var raw = Sdk.get(emulator, "/v1beta/batches");
            assertThat(raw.statusCode()).isEqualTo(429);
            assertThat(raw.headers().firstValue("Retry-After")).contains("1");
            // The script is used up: the next request is served.
            assertThat(Sdk.get(emulator, "/v1beta/batches").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldSurfaceScripted503AsServerException() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(fast().build());
                Client client = Sdk.noRetryClient(emulator)) {
            emulator.failNextRequests(1, 503, "/batches/");
            ServerException e =
                    catchThrowableOfType(ServerException.class, () -> client.batches.get("batches/whatever", null));
            assertThat(e.code()).isEqualTo(503);
            assertThat(e.status()).isEqualTo("UNAVAILABLE");
        }
    }

    @Test
    void shouldLetSdkRetriesRideOverOneFault() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(fast().build());
                Client client = Sdk.client(emulator)) {
            emulator.failNextRequests(1, 503);
            assertThat(client.batches.list(null).page()).isEmpty();
            List<Integer> statuses = emulator.recordedRequests().stream()
                    .map(RecordedRequest::status)
                    .toList();
            assertThat(statuses).containsExactly(503, 200);
        }
    }

    @Test
    void shouldDrawSameRandomFaultsForSameSeed() throws Exception {
        EmulatorOptions options = fast().rate429(0.3).rate503(0.2).seed(42).build();
        List<Integer> first = statusesOf20Requests(options);
        List<Integer> second = statusesOf20Requests(options);
        List<Integer> otherSeed =
                statusesOf20Requests(options.toBuilder().seed(7).build());
        assertThat(first).isEqualTo(second).contains(429, 503, 200).isNotEqualTo(otherSeed);
    }

    private static List<Integer> statusesOf20Requests(EmulatorOptions options) throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(options)) {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                out.add(Sdk.get(emulator, "/v1beta/batches").statusCode());
            }
            return out;
        }
    }

    @Test
    void shouldRefuseMissingOrWrongApiKey() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(fast().build());
                Client wrong = Sdk.noRetryClient(emulator, "wrong-key")) {
            ClientException e = catchThrowableOfType(
                    ClientException.class, () -> wrong.batches.list(null).page());
            // The service's shape: 400 INVALID_ARGUMENT, the reason in a google.rpc.ErrorInfo detail
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.status()).isEqualTo("INVALID_ARGUMENT");
            assertThat(e.message()).contains("API key not valid").contains("API_KEY_INVALID");

            var missing = Sdk.HTTP.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(emulator.baseUrl() + "/v1beta/batches"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(401);
            assertThat(Sdk.json(missing.body()).at("/error/status").asText()).isEqualTo("UNAUTHENTICATED");
            // ?key= works as well as the header, as for the real service.
            var byQuery = Sdk.HTTP.send(
                    java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create(emulator.baseUrl() + "/v1beta/batches?key=" + Sdk.API_KEY))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(byQuery.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldAnswerPerRequestErrorsCountedAsFailed() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(
                        fast().requestErrorRate(0.5).requestErrorCode(429).build());
                Client client = Sdk.client(emulator)) {
            BatchJob done = runInline(client, 40);
            List<InlinedResponse> items =
                    done.dest().orElseThrow().inlinedResponses().orElseThrow();
            long errors = items.stream().filter(r -> r.error().isPresent()).count();
            assertThat(items).hasSize(40);
            assertThat(errors).isBetween(5L, 35L);
            InlinedResponse anError = items.stream()
                    .filter(r -> r.error().isPresent())
                    .findFirst()
                    .orElseThrow();
            assertThat(anError.error().orElseThrow().code()).contains(429);
            assertThat(anError.metadata()).isPresent();
            JsonNode stats = Sdk.json(Sdk.get(emulator, "/v1beta/" + done.name().orElseThrow())
                            .body())
                    .at("/metadata/batchStats");
            assertThat(stats.path("failedRequestCount").asLong()).isEqualTo(errors);
            assertThat(stats.path("successfulRequestCount").asLong()).isEqualTo(40 - errors);
        }
    }

    @Test
    void shouldSilentlyDropResultsOfSomeKeys() throws Exception {
        try (GeminiEmulator emulator =
                        GeminiEmulator.start(fast().missingResultRate(0.5).build());
                Client client = Sdk.client(emulator)) {
            String input = uploadLines(client, 40);
            BatchJob job = client.batches.create(
                    "gemini-2.5-flash", BatchJobSource.builder().fileName(input).build(), null);
            BatchJob done = Sdk.awaitState(client, job.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);
            Path out = tmp.resolve("out.jsonl");
            client.files.download(done.dest().orElseThrow().fileName().orElseThrow(), out.toString(), null);
            long lines = Files.readAllLines(out).size();
            assertThat(lines).isBetween(5L, 35L);
            // Silently: the stats still claim every request succeeded.
            JsonNode stats = Sdk.json(Sdk.get(emulator, "/v1beta/" + done.name().orElseThrow())
                            .body())
                    .at("/metadata/batchStats");
            assertThat(stats.path("successfulRequestCount").asText()).isEqualTo("40");
        }
    }

    @Test
    void shouldShuffleInlineResponsesAndKeepEveryKey() throws Exception {
        try (GeminiEmulator emulator =
                        GeminiEmulator.start(fast().inlineOutOfOrder(true).build());
                Client client = Sdk.client(emulator)) {
            List<InlinedResponse> items = runInline(client, 20)
                    .dest()
                    .orElseThrow()
                    .inlinedResponses()
                    .orElseThrow();
            List<String> keys = items.stream()
                    .map(r -> r.metadata().orElseThrow().get("key"))
                    .toList();
            List<String> inOrder = requests(20).stream()
                    .map(r -> r.metadata().orElseThrow().get("key"))
                    .toList();
            assertThat(keys).containsExactlyInAnyOrderElementsOf(inOrder).isNotEqualTo(inOrder);
            // Each answer still belongs to its own key.
            for (InlinedResponse r : items) {
                String key = r.metadata().orElseThrow().get("key");
                assertThat(r.response().orElseThrow().text()).isEqualTo("echo: text " + key.substring(2));
            }
        }
    }

    @Test
    void shouldOmitInlineMetadataWhenToldTo() throws Exception {
        try (GeminiEmulator emulator =
                        GeminiEmulator.start(fast().dropInlineMetadata(true).build());
                Client client = Sdk.client(emulator)) {
            List<InlinedResponse> items =
                    runInline(client, 3).dest().orElseThrow().inlinedResponses().orElseThrow();
            assertThat(items)
                    .hasSize(3)
                    .allSatisfy(r -> assertThat(r.metadata()).isEmpty());
            assertThat(items.get(2).response().orElseThrow().text()).isEqualTo("echo: text 2");
        }
    }

    @Test
    void shouldAnswerFileJobInlineWithKeysInMetadata() throws Exception {
        try (GeminiEmulator emulator =
                        GeminiEmulator.start(fast().fileJobsAnswerInline(true).build());
                Client client = Sdk.client(emulator)) {
            String input = uploadLines(client, 3);
            BatchJob job = client.batches.create(
                    "gemini-2.5-flash", BatchJobSource.builder().fileName(input).build(), null);
            BatchJob done = Sdk.awaitState(client, job.name().orElseThrow(), JobState.Known.JOB_STATE_SUCCEEDED);
            assertThat(done.dest().orElseThrow().fileName()).isEmpty();
            Map<String, String> byKey = new HashMap<>();
            done.dest()
                    .orElseThrow()
                    .inlinedResponses()
                    .orElseThrow()
                    .forEach(r -> byKey.put(
                            r.metadata().orElseThrow().get("key"),
                            r.response().orElseThrow().text()));
            assertThat(byKey)
                    .containsEntry("k-0", "echo: text 0")
                    .containsEntry("k-2", "echo: text 2")
                    .hasSize(3);
        }
    }

    @Test
    void shouldAnswerInlineJobWithResponsesFileKeyedByMetadata() throws Exception {
        try (GeminiEmulator emulator =
                        GeminiEmulator.start(fast().inlineJobsAnswerFile(true).build());
                Client client = Sdk.client(emulator)) {
            BatchJob done = runInline(client, 2);
            assertThat(done.dest().orElseThrow().inlinedResponses()).isEmpty();
            Path out = tmp.resolve("inline-as-file.jsonl");
            client.files.download(done.dest().orElseThrow().fileName().orElseThrow(), out.toString(), null);
            List<String> lines = Files.readAllLines(out);
            assertThat(lines).hasSize(2);
            assertThat(Sdk.json(lines.get(1)).path("key").asText()).isEqualTo("k-1");
            assertThat(Sdk.json(lines.get(1))
                            .at("/response/candidates/0/content/parts/0/text")
                            .asText())
                    .isEqualTo("echo: text 1");
        }
    }

    @Test
    void shouldThrottleDownloads() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(
                        fast().throttleBytesPerSecond(200_000).build());
                Client client = Sdk.client(emulator)) {
            Path p = tmp.resolve("big.bin");
            Files.write(p, new byte[100_000]);
            String name = client.files
                    .upload(
                            p.toString(),
                            UploadFileConfig.builder()
                                    .mimeType("application/octet-stream")
                                    .build())
                    .name()
                    .orElseThrow();
            long start = System.nanoTime();
            var r = Sdk.HTTP.send(
                    Sdk.request(emulator, "/v1beta/" + name + ":download?alt=media")
                            .GET()
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(r.body()).hasSize(100_000);
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    void shouldEndJobsByConfiguredRates() throws Exception {
        assertThat(endStateWith(fast().jobFailRate(1.0))).isEqualTo(JobState.Known.JOB_STATE_FAILED);
        assertThat(endStateWith(fast().jobExpireRate(1.0))).isEqualTo(JobState.Known.JOB_STATE_EXPIRED);
        assertThat(endStateWith(fast().jobStuckRate(1.0))).isEqualTo(JobState.Known.JOB_STATE_RUNNING);
    }

    private static JobState.Known endStateWith(EmulatorOptions.Builder options) throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(options.build());
                Client client = Sdk.client(emulator)) {
            String name = client.batches
                    .create(
                            "gemini-2.5-flash",
                            BatchJobSource.builder()
                                    .inlinedRequests(requests(1))
                                    .build(),
                            null)
                    .name()
                    .orElseThrow();
            Sdk.awaitPastOutcome(emulator, client);
            return client.batches.get(name, null).state().orElseThrow().knownEnum();
        }
    }

    @Test
    void shouldThrottleUploadsAndDelayAnswers() throws Exception {
        try (GeminiEmulator emulator =
                GeminiEmulator.start(fast().throttleBytesPerSecond(200_000).build())) {
            long start = System.nanoTime();
            var r = Sdk.HTTP.send(
                    Sdk.request(emulator, "/upload/v1beta/files")
                            .header("X-Goog-Upload-Protocol", "resumable")
                            .header("X-Goog-Upload-Command", "start")
                            .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            String url = r.headers().firstValue("X-Goog-Upload-URL").orElseThrow();
            var done = UploadProtocolTest.send(url, "upload, finalize", 0, new byte[100_000], 0, 100_000);
            assertThat(done.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
        try (GeminiEmulator emulator =
                GeminiEmulator.start(fast().responseDelayMillis(300).build())) {
            long start = System.nanoTime();
            assertThat(Sdk.get(emulator, "/v1beta/batches").statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void shouldFailJobWhoseInputFileWasDeletedBeforeItRan() throws Exception {
        try (GeminiEmulator emulator =
                        GeminiEmulator.start(fast().pendingMillis(60_000).build());
                Client client = Sdk.client(emulator)) {
            String input = uploadLines(client, 2);
            String name = client.batches
                    .create(
                            "gemini-2.5-flash",
                            BatchJobSource.builder().fileName(input).build(),
                            null)
                    .name()
                    .orElseThrow();
            client.files.delete(input, null);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> emulator.finishNow(name))
                    .hasMessageContaining(input)
                    .hasMessageContaining("deleted");
            assertThat(emulator.batchState(name)).isEqualTo("BATCH_STATE_FAILED");
            JsonNode raw = Sdk.json(Sdk.get(emulator, "/v1beta/" + name).body());
            assertThat(raw.at("/error/message").asText()).contains("deleted before the job ran");
        }
    }
}

package io.genaibatch.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.genai.Client;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.UploadFileConfig;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request log, and with it the facts about what the Java SDK 2.0.0 sends that docs/EMULATOR.md records:
 * if an SDK upgrade changes one, a test here says which.
 */
class RequestLogTest {
    @TempDir
    Path tmp;

    @Test
    void shouldRecordMethodPathHeadersBodySizeAndStatus() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.defaults());
                Client client = Sdk.client(emulator)) {
            String name = client.batches
                    .create(
                            "gemini-2.5-flash",
                            BatchJobSource.builder()
                                    .inlinedRequests(BatchLifecycleTest.inline("k", "hi"))
                                    .build(),
                            null)
                    .name()
                    .orElseThrow();
            client.batches.cancel(name, null);

            RecordedRequest create = emulator.takeRequest(Duration.ofSeconds(1));
            assertThat(create.method()).isEqualTo("POST");
            assertThat(create.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:batchGenerateContent");
            assertThat(create.header("X-Goog-Api-Key")).isEqualTo(Sdk.API_KEY);
            assertThat(create.header("x-goog-api-client")).startsWith("google-genai-sdk/2.0.0 gl-java/");
            assertThat(create.bodySize()).isEqualTo(Long.parseLong(create.header("content-length")));
            assertThat(create.status()).isEqualTo(200);

            RecordedRequest cancel = emulator.takeRequest(Duration.ofSeconds(1));
            assertThat(cancel.path()).isEqualTo("/v1beta/" + name + ":cancel");
            assertThat(cancel.bodySize()).isEqualTo(2); // "{}"
            assertThat(emulator.takeRequest(Duration.ofMillis(50))).isNull();
        }
    }

    @Test
    void shouldKeepOnlyTheNewestRequestsWhenFull() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(
                EmulatorOptions.builder().requestLogCapacity(3).build())) {
            for (int i = 0; i < 5; i++) {
                Sdk.get(emulator, "/v1beta/batches?pageSize=" + (i + 1));
            }
            assertThat(emulator.requestCount()).isEqualTo(5);
            assertThat(emulator.recordedRequests())
                    .extracting(RecordedRequest::query)
                    .containsExactly("pageSize=3", "pageSize=4", "pageSize=5");
        }
    }

    @Test
    void shouldSeeWhatJavaSdkSendsBeyondTheProtocolPage() throws Exception {
        try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.defaults());
                Client client = Sdk.client(emulator)) {
            Path p = tmp.resolve("facts.jsonl");
            Files.writeString(p, "{}\n");
            client.files.upload(
                    p.toString(), UploadFileConfig.builder().mimeType("jsonl").build());
            client.batches.list(null).page();

            RecordedRequest start = emulator.takeRequest(Duration.ofSeconds(1));
            // The SDK names the file in a header docs/PROTOCOL.md does not mention; it is safe to ignore.
            assertThat(start.header("x-goog-upload-file-name")).isEqualTo("facts.jsonl");
            assertThat(start.header("x-goog-upload-header-content-type")).isEqualTo("jsonl");
            assertThat(start.header("content-type")).isEqualTo("application/json; charset=utf-8");
            RecordedRequest chunk = emulator.takeRequest(Duration.ofSeconds(1));
            assertThat(chunk.header("x-goog-upload-command")).isEqualTo("upload, finalize");
            assertThat(chunk.header("content-type")).isEqualTo("application/octet-stream");
            // Chunks carry the API key too, though the upload id alone authorises them here.
            assertThat(chunk.header("x-goog-api-key")).isEqualTo(Sdk.API_KEY);
            RecordedRequest list = emulator.takeRequest(Duration.ofSeconds(1));
            // Without a pageSize the SDK sends none: the emulator's default page size applies.
            assertThat(list.query()).isEmpty();
            assertThat(list.header("content-type")).isEqualTo("application/json");
            assertThat(list.header("accept-encoding")).isEqualTo("gzip");
        }
    }

    /**
     * The log is complete when an answer reaches its client, also with concurrent clients: each request, once
     * answered, is in the log with the status it was answered. (The JDK's HttpExchange attributes are shared by
     * every exchange of a context, so a hook passed that way fired for another request under concurrency.)
     */
    @Test
    void shouldHoldEachRequestWithItsStatusOnceAnsweredEvenWithConcurrentClients() throws Exception {
        int clients = 8;
        int perClient = 40;
        try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .requestLogCapacity(clients * perClient)
                .build())) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<List<String>>> results = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    results.add(pool.submit(() -> {
                        List<String> problems = new ArrayList<>();
                        for (int i = 0; i < perClient; i++) {
                            // Odd requests ask for an unknown batch (404), even ones list (200): a status recorded
                            // for the wrong request shows.
                            String tag = "c" + client + "-" + i;
                            boolean found = i % 2 == 0;
                            HttpResponse<String> answer = Sdk.get(
                                    emulator,
                                    found
                                            ? "/v1beta/batches?pageSize=1&tag=" + tag
                                            : "/v1beta/batches/none?tag=" + tag);
                            List<RecordedRequest> logged = emulator.recordedRequests().stream()
                                    .filter(r -> r.query().endsWith("tag=" + tag))
                                    .toList();
                            if (logged.size() != 1 || logged.get(0).status() != answer.statusCode()) {
                                problems.add(tag + " answered " + answer.statusCode() + ", logged " + logged);
                            }
                        }
                        return problems;
                    }));
                }
                List<String> problems = new ArrayList<>();
                for (Future<List<String>> f : results) {
                    problems.addAll(f.get());
                }
                assertThat(problems)
                        .as("requests missing from the log, or logged with another status, when their "
                                + "answer arrived")
                        .isEmpty();
                assertThat(emulator.requestCount()).isEqualTo(clients * perClient);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}

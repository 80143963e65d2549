package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.genai.Client;
import com.google.genai.errors.ApiException;
import com.google.genai.errors.ServerException;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.Content;
import com.google.genai.types.CreateBatchJobConfig;
import com.google.genai.types.CreateEmbeddingsBatchJobConfig;
import com.google.genai.types.EmbedContentBatch;
import com.google.genai.types.EmbeddingsBatchJobSource;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.InlinedRequest;
import com.google.genai.types.UploadFileConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.emulator.JobOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per fact about google-genai 2.0.0 that this package relies on (docs/PROTOCOL.md, "The Java SDK 2.0.0, measured"). When an
 * SDK upgrade makes one fail, revisit the SDK-vs-own-HTTP split in docs/GEMINI-CLIENT.md.
 */
class SdkFactsTest {
    private static GeminiEmulator emulator;
    private static Client sdk;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .apiKey(TestSupport.API_KEY)
                .runningMillis(50)
                .build());
        GeminiSettings settings = TestSupport.settings(emulator);
        // The SDK as SdkCalls configures it: one attempt, no retried status.
        sdk = Client.builder()
                .apiKey(settings.apiKey())
                .httpOptions(SdkCalls.sdkHttpOptions(settings))
                .build();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        emulator.close();
    }

    @Test
    void sdkCancelReturnsNormallyOn404() {
        emulator.clearRequestLog();

        sdk.batches.cancel("batches/does-not-exist", null);

        assertThat(emulator.recordedRequests())
                .singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(404));
    }

    @Test
    void sdkBatchJobExposesNeitherStatsNorTheErrorOfAFailedJob() {
        emulator.scriptNextJobs(1, JobOutcome.STUCK);
        BatchJob created = sdk.batches.create(
                "gemini-2.5-flash",
                BatchJobSource.builder()
                        .inlinedRequests(List.of(InlinedRequest.builder()
                                .contents(List.of(Content.fromParts(com.google.genai.types.Part.fromText("hi"))))
                                .build()))
                        .build(),
                CreateBatchJobConfig.builder().displayName("fact-failed").build());
        String name = created.name().orElseThrow();
        emulator.failNow(name, 500, "backend gave up");

        BatchJob failed = sdk.batches.get(name, null);

        assertThat(failed.state().map(Object::toString)).contains("JOB_STATE_FAILED");
        assertThat(failed.error()).isEmpty();
        assertThat(failed.completionStats()).isEmpty();
        // Through BatchApi (our own GET) both are there.
        try (BatchApi api = BatchApi.open(TestSupport.settings(emulator))) {
            BatchJobInfo info = api.get(name);
            assertThat(info.error())
                    .hasValueSatisfying(e -> assertThat(e.message()).isEqualTo("backend gave up"));
            assertThat(info.stats())
                    .hasValueSatisfying(s -> assertThat(s.requestCount()).isEqualTo(1));
        }
    }

    @Test
    void sdkUploadOfExactly16MiBCrashesBeforeFinalizing() throws IOException {
        Path file = TestSupport.patternFile(dir, "16mib.bin", 16L * 1024 * 1024);

        assertThatThrownBy(() -> sdk.files.upload(
                        file.toString(),
                        UploadFileConfig.builder().mimeType("application/jsonl").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 > -1");
    }

    @Test
    void sdkWithOneAttemptAndNoRetriedStatusSendsOneRequestAndDoesNotSleep() {
        emulator.clearRequestLog();
        emulator.failNextRequests(1, 503, "/batches/");
        long start = System.nanoTime();

        assertThatThrownBy(() -> sdk.batches.get("batches/anything", null))
                .isInstanceOfSatisfying(
                        ServerException.class, e -> assertThat(e.code()).isEqualTo(503));

        // attempts(1) alone would sleep 0-2 s after the 503 before returning it.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
        assertThat(emulator.recordedRequests()).hasSize(1);
    }

    @Test
    void sdkApiExceptionCarriesNoResponseHeaders() {
        // So Retry-After has to come from an interceptor on the SDK's OkHttp client (SdkCalls).
        List<String> accessors = Arrays.stream(ApiException.class.getMethods())
                .map(Method::getName)
                .toList();
        assertThat(accessors)
                .contains("code", "status", "message")
                .noneMatch(m ->
                        m.toLowerCase().contains("header") || m.toLowerCase().contains("retry"));
    }

    @Test
    void sdkConfigJsonReaderDropsUnknownFieldsSilently() {
        // Why InlineRequests compares every converted request with its source.
        GenerateContentConfig config = GenerateContentConfig.fromJson("{\"temperature\":0.5,\"someNewField\":1}");

        assertThat(config.toJson()).contains("temperature").doesNotContain("someNewField");
    }

    @Test
    void sdkLosesTheVectorsOfAnInlineEmbeddingsBatch() {
        BatchJob created = sdk.batches.createEmbeddings(
                "text-embedding-004",
                EmbeddingsBatchJobSource.builder()
                        .inlinedRequests(EmbedContentBatch.builder()
                                .contents(List.of(Content.fromParts(com.google.genai.types.Part.fromText("vector me"))))
                                .build())
                        .build(),
                CreateEmbeddingsBatchJobConfig.builder()
                        .displayName("fact-embed")
                        .build());
        String name = created.name().orElseThrow();
        emulator.finishNow(name);

        BatchJob done = sdk.batches.get(name, null);

        assertThat(done.state().map(Object::toString)).contains("JOB_STATE_SUCCEEDED");
        assertThat(done.dest().flatMap(d -> d.inlinedEmbedContentResponses())).isEmpty();
        assertThat(done.toJson()).doesNotContain("\"values\"");
        // The raw JSON has them (what BatchApi.inlineResults reads).
        try (BatchApi api = BatchApi.open(TestSupport.settings(emulator));
                var results = api.inlineResults(name)) {
            assertThat(results.toList()).singleElement().satisfies(r -> {
                assertThat(r.key()).isEmpty();
                assertThat(r.response()
                                .orElseThrow()
                                .path("embedding")
                                .path("values")
                                .size())
                        .isPositive();
            });
        }
    }

    @Test
    void sdkDownloadReadsTheWholeBodyIntoOneByteArray() throws IOException {
        // A bytecode tripwire: Files calls ResponseBody.bytes() (the whole body on heap). When this fails,
        // check whether the SDK now streams downloads.
        String constants;
        try (InputStream in = Client.class.getClassLoader().getResourceAsStream("com/google/genai/Files.class")) {
            constants = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertThat(constants)
                .contains("okhttp3/ResponseBody")
                .contains("bytes")
                .contains("()[B")
                .doesNotContain("byteStream");
    }
}

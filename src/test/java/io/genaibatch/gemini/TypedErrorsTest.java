package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each injected fault surfaces as a {@link GeminiApiException} with the right retriable flag and
 * Retry-After, whether the call went through the SDK (create) or our own HTTP (get, cancel, upload).
 */
class TypedErrorsTest {
    private static final int RETRY_AFTER_SECONDS = 7;
    private static GeminiEmulator emulator;
    private static BatchApi api;

    @TempDir
    Path dir;

    @BeforeAll
    static void startEmulator() throws IOException {
        emulator = GeminiEmulator.start(EmulatorOptions.builder()
                .apiKey(TestSupport.API_KEY)
                .retryAfterSeconds(RETRY_AFTER_SECONDS)
                .build());
        api = BatchApi.open(TestSupport.settings(emulator));
    }

    @AfterAll
    static void stopEmulator() {
        api.close();
        emulator.close();
    }

    @AfterEach
    void clearFaults() {
        emulator.clearScriptedFailures();
    }

    @Test
    void shouldSurface429WithRetryAfterFromOurOwnCall() {
        emulator.failNextRequests(1, 429, "/batches/");

        assertThatThrownBy(() -> api.get("batches/whatever")).isInstanceOfSatisfying(GeminiApiException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(429);
            assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");
            assertThat(e.isRetriable()).isTrue();
            assertThat(e.isCertainlyNotProcessed()).isTrue();
            assertThat(e.retryAfter()).contains(Duration.ofSeconds(RETRY_AFTER_SECONDS));
        });
    }

    @Test
    void shouldSurface429WithRetryAfterFromAnSdkCall() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "s.jsonl", TestSupport.prompts("s", 1));
        emulator.failNextRequests(1, 429, ":batchGenerateContent");

        assertThatThrownBy(() -> api.create("gemini-2.5-flash", "b-429", BatchInput.inline(spool)))
                .isInstanceOfSatisfying(GeminiApiException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(429);
                    assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");
                    assertThat(e.isRetriable()).isTrue();
                    // The SDK's ApiException has no headers: our interceptor on its OkHttp client kept it.
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(RETRY_AFTER_SECONDS));
                });
        assertThat(emulator.jobsCreatedFor("b-429")).isZero();
    }

    @Test
    void shouldSurface503AsRetriable() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "u.jsonl", TestSupport.prompts("u", 1));
        emulator.failNextRequests(1, 503, ":batchGenerateContent");

        assertThatThrownBy(() -> api.create("gemini-2.5-flash", "b-503", BatchInput.inline(spool)))
                .isInstanceOfSatisfying(GeminiApiException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(503);
                    assertThat(e.status()).isEqualTo("UNAVAILABLE");
                    assertThat(e.isRetriable()).isTrue();
                    // A 503 on create may hide a created job: not safe to resend blindly.
                    assertThat(e.isCertainlyNotProcessed()).isFalse();
                });
    }

    @Test
    void shouldSurfaceUnknownModelAsNotRetriable() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "m.jsonl", TestSupport.prompts("m", 1));

        assertThatThrownBy(() -> api.create("no-such-model", "b-model", BatchInput.inline(spool)))
                .isInstanceOfSatisfying(GeminiApiException.class, e -> {
                    // The emulator answers an unknown model as the real service does, 404 NOT_FOUND.
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.status()).isEqualTo("NOT_FOUND");
                    assertThat(e.serverMessage()).contains("no-such-model");
                    assertThat(e.isRetriable()).isFalse();
                    assertThat(e.retryAfter()).isEmpty();
                });
    }

    @Test
    void shouldSurfaceAnInvalidRequestAs400() {
        // A file that does not exist as input: INVALID_ARGUMENT or NOT_FOUND, never retriable.
        assertThatThrownBy(() -> api.create("gemini-2.5-flash", "b-400", BatchInput.file("files/missing")))
                .isInstanceOfSatisfying(GeminiApiException.class, e -> {
                    assertThat(e.httpStatus()).isBetween(400, 404);
                    assertThat(e.isRetriable()).isFalse();
                });
    }

    @Test
    void shouldSurfaceUnknownJobAs404() {
        assertThatThrownBy(() -> api.get("batches/unknown")).isInstanceOfSatisfying(GeminiApiException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(404);
            assertThat(e.status()).isEqualTo("NOT_FOUND");
            assertThat(e.isRetriable()).isFalse();
            assertThat(e.operation()).isEqualTo("get batches/unknown");
        });
        assertThatThrownBy(() -> api.delete("batches/unknown"))
                .isInstanceOfSatisfying(
                        GeminiApiException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(404));
    }

    @Test
    void shouldSurfaceAWrongApiKeyAsNotRetriableOnEveryPath() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "k.jsonl", TestSupport.prompts("k", 1));
        try (BatchApi wrongKey = BatchApi.open(
                TestSupport.settings(emulator).toBuilder().apiKey("wrong").build())) {
            List<Runnable> calls = List.of(
                    () -> wrongKey.get("batches/x"),
                    () -> wrongKey.create("gemini-2.5-flash", "b-key", BatchInput.inline(spool)),
                    () -> wrongKey.uploadFile(spool, "application/jsonl", "k"));
            for (Runnable call : calls) {
                assertThatThrownBy(call::run).isInstanceOfSatisfying(GeminiApiException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.status()).isEqualTo("INVALID_ARGUMENT");
                    assertThat(e.isRetriable()).isFalse();
                    assertThat(e.isApiKeyRejected()).as(e.getMessage()).isTrue();
                    assertThat(e.getMessage()).doesNotContain("wrong").doesNotContain(TestSupport.API_KEY);
                });
            }
        }
    }

    @Test
    void shouldSurfaceARefusedConnectionAsRetriableAndNotProcessed() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        GeminiSettings nowhere = TestSupport.settings(emulator).toBuilder()
                .baseUrl("http://127.0.0.1:" + port)
                .build();
        Path spool = TestSupport.generateSpool(dir, "n.jsonl", TestSupport.prompts("n", 1));
        try (BatchApi dead = BatchApi.open(nowhere)) {
            assertThatThrownBy(() -> dead.get("batches/x")).isInstanceOfSatisfying(GeminiApiException.class, e -> {
                assertThat(e.isTransportFailure()).isTrue();
                assertThat(e.isRetriable()).isTrue();
                assertThat(e.isCertainlyNotProcessed()).isTrue();
            });
            assertThatThrownBy(() -> dead.create("gemini-2.5-flash", "b", BatchInput.inline(spool)))
                    .isInstanceOfSatisfying(GeminiApiException.class, e -> {
                        assertThat(e.isTransportFailure()).isTrue();
                        assertThat(e.isCertainlyNotProcessed()).isTrue();
                    });
        }
    }

    @Test
    void shouldRetryThroughTwo503sHonouringRetryAfter() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "r.jsonl", TestSupport.prompts("r", 1));
        BatchJobInfo job = api.create("gemini-2.5-flash", "b-retry", BatchInput.inline(spool));
        List<Duration> sleeps = new ArrayList<>();
        RetryPolicy policy =
                new RetryPolicy(RetrySettings.DEFAULTS, Clock.systemUTC(), sleeps::add, () -> 0.5, CircuitBreaker.NONE);
        emulator.failNextRequests(2, 503, "/batches/");

        try (BatchApi retrying = BatchApi.open(TestSupport.settings(emulator), policy)) {
            BatchJobInfo got = retrying.get(job.name());
            assertThat(got.name()).isEqualTo(job.name());
        }
        // Two failures, two waits, each at least the server's Retry-After.
        assertThat(sleeps).hasSize(2).allSatisfy(d -> assertThat(d).isEqualTo(Duration.ofSeconds(RETRY_AFTER_SECONDS)));
    }

    @Test
    void shouldNotRetryACreateAfterA503() throws IOException {
        Path spool = TestSupport.generateSpool(dir, "c.jsonl", TestSupport.prompts("c", 1));
        List<Duration> sleeps = new ArrayList<>();
        RetryPolicy policy =
                new RetryPolicy(RetrySettings.DEFAULTS, Clock.systemUTC(), sleeps::add, () -> 0.5, CircuitBreaker.NONE);
        emulator.failNextRequests(1, 503, ":batchGenerateContent");

        try (BatchApi retrying = BatchApi.open(TestSupport.settings(emulator), policy)) {
            assertThatThrownBy(() -> retrying.create("gemini-2.5-flash", "b-no-resend", BatchInput.inline(spool)))
                    .isInstanceOf(GeminiApiException.class);
            assertThat(sleeps).isEmpty();

            // A 429 proves nothing was created: that one is retried.
            emulator.failNextRequests(1, 429, ":batchGenerateContent");
            BatchJobInfo job = retrying.create("gemini-2.5-flash", "b-after-429", BatchInput.inline(spool));
            assertThat(job.displayName()).isEqualTo("b-after-429");
            assertThat(sleeps).containsExactly(Duration.ofSeconds(RETRY_AFTER_SECONDS));
            assertThat(emulator.jobsCreatedFor("b-after-429")).isEqualTo(1);
        }
    }
}

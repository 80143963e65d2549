package io.genaibatch.gemini;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Counts every attempt of every API call (by operation and HTTP status) and every retry, and tells whether the
 * API answers as configured. Plugged in where a circuit breaker goes, so it sees each attempt; it never refuses
 * one ({@link ApiCircuit} does, on the same seam). Thread-safe.
 */
public final class CallMeter implements CircuitBreaker {
    /** Attempts in a row without an answer from the API before it is taken for not answering. */
    static final int UNANSWERED_IN_A_ROW = 3;

    /** Attempts in a row that got no answer from the API as configured, and the last of them. */
    private record Silence(int count, String last) {
        static final Silence NONE = new Silence(0, null);
    }

    private final MeterRegistry registry;
    private final AtomicReference<Silence> silence = new AtomicReference<>(Silence.NONE);

    public CallMeter(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("genai.gemini.api.answering", this, m -> m.notAnswering().isPresent() ? 0 : 1);
    }

    @Override
    public void onSuccess(String operation) {
        count(operation, "200");
        silence.set(Silence.NONE);
    }

    @Override
    public void onFailure(String operation, GeminiApiException failure) {
        if (failure.isCircuitOpen()) {
            // Refused by the breaker: not a call, and nothing learnt about the API.
            return;
        }
        count(
                operation,
                failure.httpStatus() == GeminiApiException.NO_HTTP_STATUS
                        ? "none"
                        : Integer.toString(failure.httpStatus()));
        if (unanswered(operation, failure)) {
            silence.updateAndGet(s -> new Silence(s.count() + 1, failure.getMessage()));
        } else {
            silence.set(Silence.NONE);
        }
    }

    @Override
    public void onRetry(String operation, GeminiApiException failure) {
        registry.counter("genai.gemini.retries", "operation", operationOf(operation))
                .increment();
    }

    /**
     * Why the API is taken for not answering as configured: the last {@value #UNANSWERED_IN_A_ROW} attempts or more
     * got no answer, a 404 that is not the API's (wrong gemini.base-url or gemini.api-version), a refused key, or a
     * listing answered 404. Empty once any attempt gets an answer.
     */
    public Optional<String> notAnswering() {
        Silence s = silence.get();
        return s.count() < UNANSWERED_IN_A_ROW
                ? Optional.empty()
                : Optional.of("the Gemini API did not answer as configured at the last " + s.count() + " calls (check "
                        + "gemini.base-url, gemini.api-version and the API key); last: " + s.last());
    }

    private static boolean unanswered(String operation, GeminiApiException f) {
        return f.isTransportFailure()
                || f.isApiKeyRejected()
                || (f.httpStatus() == 404 && !f.isApiNotFound())
                // A listing names no resource: its 404 can only mean a wrong path.
                || (f.httpStatus() == 404 && operationOf(operation).equals("list"));
    }

    private void count(String operation, String httpStatus) {
        registry.counter("genai.gemini.calls", "operation", operationOf(operation), "http_status", httpStatus)
                .increment();
    }

    /**
     * The operation's kind, a bounded label: the operation strings name jobs and files ("get batches/abc"),
     * which must not become label values.
     */
    static String operationOf(String operation) {
        String[][] kinds = {
            {"create embeddings", "create_embeddings"},
            {"create", "create"},
            {"get files/", "get_file"},
            {"get", "get"},
            {"list", "list"},
            {"cancel", "cancel"},
            {"delete files/", "delete_file"},
            {"delete", "delete"},
            {"read inline results", "inline_results"},
            {"download", "download"},
        };
        for (String[] k : kinds) {
            if (operation.startsWith(k[0])) {
                return k[1];
            }
        }
        if (operation.startsWith("upload")) {
            return operation.endsWith("(start)")
                    ? "upload_start"
                    : operation.contains("(chunk") ? "upload_chunk" : "upload";
        }
        return "other";
    }
}

package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallMeterTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CallMeter meter = new CallMeter(registry);

    @Test
    void operationsBecomeABoundedSetOfLabelsWithoutJobOrFileNames() {
        Map<String, String> kinds = new LinkedHashMap<>();
        kinds.put("create batch b-1", "create");
        kinds.put("create embeddings batch b-1", "create_embeddings");
        kinds.put("get batches/abc", "get");
        kinds.put("get files/abc", "get_file");
        kinds.put("list batches (page xyz)", "list");
        kinds.put("cancel batches/abc", "cancel");
        kinds.put("delete batches/abc", "delete");
        kinds.put("delete files/abc", "delete_file");
        kinds.put("read inline results of batches/abc", "inline_results");
        kinds.put("download files/abc", "download");
        kinds.put("upload b-1.jsonl (start)", "upload_start");
        kinds.put("upload b-1.jsonl (chunk at 8388608)", "upload_chunk");
        kinds.put("something new", "other");

        kinds.forEach((operation, kind) ->
                assertThat(CallMeter.operationOf(operation)).as(operation).isEqualTo(kind));
    }

    @Test
    void countsEachAttemptByOperationAndHttpStatusAndEachRetry() {
        GeminiApiException overloaded =
                GeminiApiException.http("get batches/a", 503, "UNAVAILABLE", "overloaded", null);
        meter.onFailure("get batches/a", overloaded);
        meter.onRetry("get batches/a", overloaded);
        meter.onSuccess("get batches/a");

        assertThat(registry.get("genai.gemini.calls")
                        .tags("operation", "get", "http_status", "503")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("genai.gemini.calls")
                        .tags("operation", "get", "http_status", "200")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("genai.gemini.retries")
                        .tags("operation", "get")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void threeFourOhFoursThatAreNotTheApisMakeItNotAnsweringUntilACallSucceeds() {
        GeminiApiException page = GeminiApiException.http("get batches/a", 404, null, "<html>Not Found</html>", null);
        meter.onFailure("get batches/a", page);
        meter.onFailure("get batches/a", page);
        assertThat(meter.notAnswering()).isEmpty();

        meter.onFailure("get batches/a", page);
        assertThat(meter.notAnswering()).hasValueSatisfying(r -> assertThat(r).contains("gemini.base-url", "3"));
        assertThat(registry.get("genai.gemini.api.answering").gauge().value()).isZero();

        meter.onSuccess("list batches");
        assertThat(meter.notAnswering()).isEmpty();
        assertThat(registry.get("genai.gemini.api.answering").gauge().value()).isEqualTo(1);
    }

    @Test
    void theApisOwnNotFoundForAJobIsAnAnswer() {
        GeminiApiException gone = GeminiApiException.http("get batches/a", 404, "NOT_FOUND", "not found", null);
        for (int i = 0; i < 5; i++) {
            meter.onFailure("get batches/a", gone);
        }
        assertThat(meter.notAnswering()).isEmpty();
    }
}

package io.genaibatch.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class CallMeterTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CallMeter meter = new CallMeter(registry);

    @Test
    void operationsBecomeABoundedSetOfLabelsWithoutJobOrFileNames() {
        assertThat(CallMeter.operationOf("create batch b-1")).isEqualTo("create");
        assertThat(CallMeter.operationOf("create embeddings batch b-1")).isEqualTo("create_embeddings");
        assertThat(CallMeter.operationOf("get batches/abc")).isEqualTo("get");
        assertThat(CallMeter.operationOf("get files/abc")).isEqualTo("get_file");
        assertThat(CallMeter.operationOf("list batches (page xyz)")).isEqualTo("list");
        assertThat(CallMeter.operationOf("cancel batches/abc")).isEqualTo("cancel");
        assertThat(CallMeter.operationOf("delete batches/abc")).isEqualTo("delete");
        assertThat(CallMeter.operationOf("delete files/abc")).isEqualTo("delete_file");
        assertThat(CallMeter.operationOf("read inline results of batches/abc")).isEqualTo("inline_results");
        assertThat(CallMeter.operationOf("download files/abc")).isEqualTo("download");
        assertThat(CallMeter.operationOf("upload b-1.jsonl (start)")).isEqualTo("upload_start");
        assertThat(CallMeter.operationOf("upload b-1.jsonl (chunk at 8388608)")).isEqualTo("upload_chunk");
        assertThat(CallMeter.operationOf("something new")).isEqualTo("other");
    }

    @Test
    void countsEachAttemptByOperationAndHttpStatusAndEachRetry() {
        GeminiApiException overloaded = GeminiApiException.http("get batches/a", 503, "UNAVAILABLE", "overloaded", null);
        meter.onFailure("get batches/a", overloaded);
        meter.onRetry("get batches/a", overloaded);
        meter.onSuccess("get batches/a");

        assertThat(registry.get("genai.gemini.calls").tags("operation", "get", "http_status", "503").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("genai.gemini.calls").tags("operation", "get", "http_status", "200").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("genai.gemini.retries").tags("operation", "get").counter().count()).isEqualTo(1);
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

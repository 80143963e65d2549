package io.genaibatch.accumulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.SealReason;
import io.genaibatch.run.Telemetry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The names a scraper sees for what the accumulator counts: Prometheus text from the process's telemetry. */
class AccumulatorMetricNamesTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void acceptedRejectedHeldAndSealedShowByModelAndACallersModelTextNeverBecomesALabel() {
        try (Telemetry telemetry = Telemetry.prometheus()) {
            AccumulatorMeters meters = new AccumulatorMeters(telemetry.registry());
            meters.requestAccepted(item("gemini-2.5-flash", 120));
            meters.requestAccepted(item("gemini-2.5-flash", 80));
            meters.requestRejected("gemini-2.5-flash", ErrorCode.EMPTY_CONTENTS, 1, true);
            meters.requestRejected("my-own-model-name", ErrorCode.UNKNOWN_MODEL, 1, true);
            // Refused for another reason, its model is still the producer's text: no label from it either.
            meters.requestRejected("free text <b>from a caller</b> 12345", ErrorCode.MISSING_KIND, 0, true);
            meters.requestRejected("gemini-made-up-42", ErrorCode.INVALID_KIND, 0, true);
            meters.requestHeld("gemini-2.5-pro", 0, 1);
            meters.heldRequestLost("gemini-2.5-pro", 0, 42);
            meters.batchSealed(
                    "b-1",
                    BatchSeal.newBuilder()
                            .setCount(2)
                            .setBytes(200)
                            .setReason(SealReason.MAX_WAIT)
                            .setGroupKey("g")
                            .setModel("gemini-2.5-flash")
                            .setKind(RequestKind.GENERATE)
                            .setOpenedAt(NOW)
                            .setSealedAt(NOW)
                            .build());

            String scrape = telemetry.scrape();

            assertThat(scrape)
                    .contains(
                            "genai_requests_accepted_total{model=\"gemini-2.5-flash\"} 2.0",
                            "genai_requests_accepted_size_bytes_total{model=\"gemini-2.5-flash\"} 200.0",
                            "genai_requests_rejected_total{code=\"EMPTY_CONTENTS\",model=\"gemini-2.5-flash\"} 1.0",
                            "genai_requests_rejected_total{code=\"UNKNOWN_MODEL\",model=\"unknown\"} 1.0",
                            "genai_requests_rejected_total{code=\"MISSING_KIND\",model=\"unknown\"} 1.0",
                            "genai_responses_total{model=\"unknown\",status=\"REJECTED\"} 2.0",
                            "genai_responses_total{model=\"gemini-2.5-pro\",status=\"ERROR\"} 1.0",
                            "genai_dlq_records_total{code=\"UNKNOWN_MODEL\"} 1.0",
                            "genai_requests_held_total{model=\"gemini-2.5-pro\"} 1.0",
                            "genai_requests_held_lost_total{model=\"gemini-2.5-pro\"} 1.0",
                            "genai_batches_sealed_total{model=\"gemini-2.5-flash\",reason=\"MAX_WAIT\"} 1.0",
                            "genai_batches_sealed_requests_total{model=\"gemini-2.5-flash\"} 2.0");
            assertThat(scrape).doesNotContain("my-own-model-name").doesNotContain("from a caller");
        }
    }

    private static BatchItem item(String model, long bytes) {
        return BatchItem.newBuilder()
                .setRequestId("r")
                .setKey(ByteBuffer.wrap(new byte[] {1}))
                .setHeaders(List.of())
                .setMetadata(Map.of())
                .setModel(model)
                .setKind(RequestKind.GENERATE)
                .setRequest("{}")
                .setRequestBytes(bytes)
                .setSourceTopic("genai.requests")
                .setSourcePartition(0)
                .setSourceOffset(0)
                .setReceivedAt(NOW)
                .build();
    }
}

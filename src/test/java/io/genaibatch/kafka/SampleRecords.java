package io.genaibatch.kafka;

import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.Error;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.Header;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.JobState;
import io.genaibatch.records.JobStats;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.SealReason;
import io.genaibatch.records.Usage;
import io.genaibatch.records.WindowPolicy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One record of each topic with every optional field set, and one with every optional field null.
 * REST JSON is written compact, as the JSON codec writes it, so both encodings give back equal records.
 * Text is deliberately non-ASCII and keys deliberately not UTF-8.
 */
final class SampleRecords {
    static final String GENERATE_REQUEST_JSON =
            "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Grüße, 世界 — why is the sky blue? 🌍\"}]}],"
                    + "\"generationConfig\":{\"temperature\":0.70,\"maxOutputTokens\":256}}";
    static final String EMBED_REQUEST_JSON =
            "{\"content\":{\"parts\":[{\"text\":\"naïve café\"}]},\"taskType\":\"RETRIEVAL_DOCUMENT\"}";
    static final String GENERATE_RESPONSE_JSON =
            "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Rayleigh scattering — 散乱.\"}]},\"finishReason\":\"STOP\"}],"
                    + "\"usageMetadata\":{\"promptTokenCount\":12,\"candidatesTokenCount\":7,\"totalTokenCount\":19},\"modelVersion\":\"gemini-2.5-flash\"}";
    static final byte[] BINARY_KEY = {0x00, (byte) 0xFF, (byte) 0x80, 0x7F, 0x0A, (byte) 0xC3, 0x01};
    static final Instant T0 = Instant.parse("2025-03-14T15:09:26.535Z");

    private SampleRecords() {}

    static GenAiRequest fullRequest() {
        return GenAiRequest.newBuilder()
                .setModel("gemini-2.5-flash")
                .setKind(RequestKind.GENERATE)
                .setRequest(GENERATE_REQUEST_JSON)
                .setMetadata(Map.of("team", "x", "schlüssel", "wert ✓"))
                .setRequestId("req-ü-1")
                .build();
    }

    static GenAiRequest minimalRequest() {
        return GenAiRequest.newBuilder()
                .setModel("gemini-embedding-001")
                .setKind(RequestKind.EMBED)
                .setRequest(EMBED_REQUEST_JSON)
                .build();
    }

    static BatchRecord itemRecord() {
        BatchItem item = BatchItem.newBuilder()
                .setRequestId("genai.requests-3-42")
                .setKey(ByteBuffer.wrap(BINARY_KEY))
                .setHeaders(List.of(
                        new Header("reply-to", ByteBuffer.wrap("responses-é".getBytes(StandardCharsets.UTF_8))),
                        new Header("trace", ByteBuffer.wrap(new byte[] {(byte) 0xFE, 0x00})),
                        new Header("empty", null)))
                .setMetadata(Map.of("team", "x"))
                .setModel("gemini-2.5-flash")
                .setKind(RequestKind.GENERATE)
                .setRequest(GENERATE_REQUEST_JSON)
                .setRequestBytes(311L)
                .setSourceTopic("genai.requests")
                .setSourcePartition(3)
                .setSourceOffset(42L)
                .setReceivedAt(T0)
                .build();
        return new BatchRecord("b-0001", "gemini-2.5-flash/GENERATE/0", item, null);
    }

    static BatchRecord sealRecord() {
        BatchSeal seal = BatchSeal.newBuilder()
                .setCount(1000)
                .setBytes(5_000_000_000L)
                .setReason(SealReason.MAX_WAIT)
                .setGroupKey("gemini-2.5-flash/GENERATE/0")
                .setModel("gemini-2.5-flash")
                .setKind(RequestKind.GENERATE)
                .setOpenedAt(T0)
                .setSealedAt(T0.plusSeconds(300))
                .build();
        return new BatchRecord("b-0001", "gemini-2.5-flash/GENERATE/0", null, seal);
    }

    static BatchJob fullJob() {
        return BatchJob.newBuilder()
                .setBatchId("b-0001-r1")
                .setGroupKey("gemini-2.5-flash/GENERATE/0")
                .setModel("gemini-2.5-flash")
                .setKind(RequestKind.GENERATE)
                .setAttempt(2)
                .setParentBatchId("b-0001")
                .setItemCount(500)
                .setItemBytes(1_234_567L)
                .setItemsPartition(7)
                .setFirstItemOffset(1000L)
                .setLastItemOffset(1999L)
                .setInputMode(InputMode.FILE)
                .setUploadedFile("files/abc123")
                .setJobName("batches/xyz789")
                .setState(JobState.FAILED)
                .setStats(new JobStats(500L, 480L, 20L, 0L))
                .setPublishedThrough(480L)
                .setError(new Error("RESOURCE_EXHAUSTED", "Quota exceeded — retry later", 429))
                .setCreatedAt(T0)
                .setUpdatedAt(T0.plusSeconds(3600))
                .setSubmittedAt(T0.plusSeconds(2))
                .setEndedAt(T0.plusSeconds(3500))
                .build();
    }

    static BatchJob minimalJob() {
        return BatchJob.newBuilder()
                .setBatchId("b-0002")
                .setGroupKey("gemini-embedding-001/EMBED/0")
                .setModel("gemini-embedding-001")
                .setKind(RequestKind.EMBED)
                .setAttempt(1)
                .setItemCount(1)
                .setItemBytes(80L)
                .setItemsPartition(0)
                .setFirstItemOffset(0L)
                .setLastItemOffset(0L)
                .setInputMode(InputMode.INLINE)
                .setState(JobState.SUBMITTING)
                .setCreatedAt(T0)
                .setUpdatedAt(T0)
                .build();
    }

    static GenAiResponse succeededResponse() {
        return GenAiResponse.newBuilder()
                .setRequestId("req-ü-1")
                .setStatus(ResponseStatus.SUCCEEDED)
                .setResponse(GENERATE_RESPONSE_JSON)
                .setUsage(new Usage(12L, 7L, 19L))
                .setModel("gemini-2.5-flash")
                .setKind(RequestKind.GENERATE)
                .setBatchId("b-0001")
                .setJobName("batches/xyz789")
                .setMetadata(Map.of("team", "x"))
                .setReceivedAt(T0)
                .setCompletedAt(T0.plusSeconds(3600))
                .build();
    }

    static GenAiResponse rejectedResponse() {
        return GenAiResponse.newBuilder()
                .setRequestId("genai.requests-0-7")
                .setStatus(ResponseStatus.REJECTED)
                .setError(new Error(
                        "INVALID_KIND", "JSON field 'kind': expected one of GENERATE, EMBED, found 'GEN'", null))
                .setModel("gemini-2.5-flash")
                .setCompletedAt(T0)
                .build();
    }

    static WindowPolicy fullPolicy() {
        return new WindowPolicy(1000, 100_000_000L, 300_000L, 4, true, "ops@example.com", T0);
    }

    static WindowPolicy emptyPolicy() {
        return new WindowPolicy(null, null, null, null, null, "genai-batch config", T0);
    }
}

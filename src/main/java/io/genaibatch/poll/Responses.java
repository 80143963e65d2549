package io.genaibatch.poll;

import com.fasterxml.jackson.databind.JsonNode;
import io.genaibatch.batch.ErrorCode;
import io.genaibatch.batch.Lineage;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.Error;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.Header;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.Usage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Builds the GenAiResponse of one request and the genai.responses record that carries it. */
final class Responses {
    /** Kafka's default max.request.size and about its default max.message.bytes: what a record may weigh at most. */
    static final int DEFAULT_MAX_RECORD_BYTES = 1_048_576;
    /**
     * Bytes a record takes beyond its key, value and headers in a batch of its own: the batch header (61) and the
     * record's length, attributes, timestamp and offset deltas and varint lengths, with room to spare.
     */
    private static final int RECORD_OVERHEAD = 128;

    private final String topic;
    private final ValueFormat format;
    private final int maxRecordBytes;
    private final RecordCodec<GenAiResponse> codec = RecordCodec.genAiResponse();

    Responses(String topic, ValueFormat format) {
        this(topic, format, DEFAULT_MAX_RECORD_BYTES);
    }

    /** @param maxRecordBytes the largest record genai.responses takes (producer max.request.size, topic max.message.bytes) */
    Responses(String topic, ValueFormat format, int maxRecordBytes) {
        this.topic = topic;
        this.format = format;
        this.maxRecordBytes = maxRecordBytes;
    }

    /** Whether Kafka takes the record: over the limit, a send fails and the chunk's transaction with it, every time. */
    boolean fits(ProducerRecord<byte[], byte[]> record) {
        return sizeUpperBound(record) <= maxRecordBytes;
    }

    int maxRecordBytes() {
        return maxRecordBytes;
    }

    static int sizeUpperBound(ProducerRecord<byte[], byte[]> record) {
        long size = RECORD_OVERHEAD
                + (record.key() == null ? 0 : record.key().length)
                + (record.value() == null ? 0 : record.value().length);
        for (org.apache.kafka.common.header.Header h : record.headers()) {
            size += 10 + h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length);
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    /** A response and the genai.responses record that carries it. */
    record Answer(GenAiResponse response, ProducerRecord<byte[], byte[]> record) {}

    /** A requestId longer than this is cut in a RESPONSE_TOO_LARGE answer that cannot fit otherwise. */
    static final int CUT_REQUEST_ID_CHARS = 200;

    /**
     * The answer to a request whose response record is {@code size} bytes, over the limit: ERROR RESPONSE_TOO_LARGE,
     * keeping the usage (the tokens were billed) and saying where the answer is (the job's output, by line key).
     *
     * <p>That answer still copies the request's metadata, headers and requestId, which can be over the limit by
     * themselves: genai.responses' limit may be lower than those the request passed on its way in, and a record
     * Kafka refuses fails its chunk at every retry. So what does not fit is left out, in this order, each said in the
     * message: the metadata, then the request's headers (ours stay), then the requestId past
     * {@value #CUT_REQUEST_ID_CHARS} characters. Empty when even that does not fit: the request's key alone is near
     * the limit, and it cannot be cut (it is what the answer is found by).
     */
    Optional<Answer> tooLarge(
            BatchJob job, BatchItem item, GenAiResponse response, int size, Lineage lineage, Instant now) {
        BatchItem copied = item;
        StringBuilder leftOut = new StringBuilder();
        while (true) {
            GenAiResponse answer = tooLargeResponse(job, copied, response, size, leftOut.toString(), now);
            ProducerRecord<byte[], byte[]> record = record(copied, answer, job, lineage);
            int answerSize = sizeUpperBound(record);
            if (answerSize <= maxRecordBytes) {
                return Optional.of(new Answer(answer, record));
            }
            String with = " (with it, this answer took " + answerSize + " bytes).";
            if (!copied.getMetadata().isEmpty()) {
                copied = BatchItem.newBuilder(copied).setMetadata(Map.of()).build();
                leftOut.append(" This answer leaves out the request's metadata").append(with);
            } else if (!copied.getHeaders().isEmpty()) {
                copied = BatchItem.newBuilder(copied).setHeaders(List.of()).build();
                leftOut.append(" This answer leaves out the request's headers").append(with);
            } else if (copied.getRequestId().length() > CUT_REQUEST_ID_CHARS) {
                copied = BatchItem.newBuilder(copied)
                        .setRequestId(copied.getRequestId().substring(0, CUT_REQUEST_ID_CHARS))
                        .build();
                leftOut.append(" Its requestId is cut to its first ")
                        .append(CUT_REQUEST_ID_CHARS)
                        .append(" characters")
                        .append(with);
            } else {
                return Optional.empty();
            }
        }
    }

    private GenAiResponse tooLargeResponse(
            BatchJob job, BatchItem item, GenAiResponse response, int size, String leftOut, Instant now) {
        String message = "the model's response for request " + item.getRequestId() + " (line key "
                + io.genaibatch.batch.LineKey.of(item) + ") is " + size + " bytes as a genai.responses record, over "
                + "the limit of " + maxRecordBytes + " bytes (the smaller of the producer's max.request.size and the "
                + "topic's max.message.bytes); it is in the output of batch job " + job.getJobName() + " (batch "
                + job.getBatchId() + ") under that key until the job is deleted. Raise both limits (kafka.properties."
                + "max.request.size and the topic's max.message.bytes) to have such answers published." + leftOut;
        return base(job, item, now)
                .setStatus(ResponseStatus.ERROR)
                .setUsage(response.getUsage())
                .setError(new Error(ErrorCode.RESPONSE_TOO_LARGE.code(), message, null))
                .build();
    }

    /** The model answered: its REST response as it came back, with the token counts it reported. */
    static GenAiResponse succeeded(BatchJob job, BatchItem item, ResultFile.Response response, Instant now) {
        return base(job, item, now)
                .setStatus(ResponseStatus.SUCCEEDED)
                .setResponse(response.json())
                .setUsage(usage(response.usageMetadata()))
                .build();
    }

    /** Any other terminal answer: the status and error say why there is no response. */
    static GenAiResponse answer(BatchJob job, BatchItem item, ResponseStatus status, Error error, Instant now) {
        return base(job, item, now).setStatus(status).setError(error).build();
    }

    /**
     * Keyed by the request's original key, with its original headers, in order, then two of ours saying which
     * attempt answered it and the batch at the top of its lineage (headers, not fields: the GenAiResponse schema is
     * the consumers' contract).
     */
    ProducerRecord<byte[], byte[]> record(BatchItem item, GenAiResponse response, BatchJob job, Lineage lineage) {
        ProducerRecord<byte[], byte[]> r =
                new ProducerRecord<>(topic, bytes(item.getKey()), codec.encode(response, format));
        for (Header h : item.getHeaders()) {
            r.headers().add(h.getKey(), h.getValue() == null ? null : bytes(h.getValue()));
        }
        r.headers()
                .add(Lineage.ATTEMPT_HEADER, Integer.toString(job.getAttempt()).getBytes(StandardCharsets.UTF_8));
        r.headers().add(Lineage.ROOT_HEADER, lineage.rootBatchId().getBytes(StandardCharsets.UTF_8));
        return r;
    }

    /** usageMetadata's counts; null when the response has none (embeddings usually do not). */
    static Usage usage(JsonNode usageMetadata) {
        if (usageMetadata == null || !usageMetadata.isObject()) {
            return null;
        }
        long prompt = usageMetadata.path("promptTokenCount").asLong(0);
        long candidates = usageMetadata.path("candidatesTokenCount").asLong(0);
        long total = usageMetadata.has("totalTokenCount")
                ? usageMetadata.path("totalTokenCount").asLong(0)
                : prompt + candidates;
        return new Usage(prompt, candidates, total);
    }

    private static GenAiResponse.Builder base(BatchJob job, BatchItem item, Instant now) {
        return GenAiResponse.newBuilder()
                .setRequestId(item.getRequestId())
                .setModel(item.getModel())
                .setKind(item.getKind())
                .setBatchId(job.getBatchId())
                .setJobName(job.getJobName())
                .setMetadata(item.getMetadata())
                .setReceivedAt(item.getReceivedAt())
                .setCompletedAt(now);
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] a = new byte[d.remaining()];
        d.get(a);
        return a;
    }
}

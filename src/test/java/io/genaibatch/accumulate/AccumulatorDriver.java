package io.genaibatch.accumulate;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.WindowPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The accumulator topology in a TopologyTestDriver, with helpers that speak in requests, batches and responses.
 * Wall-clock time is the driver's: advance it with {@link #advance(Duration)} to run the punctuations.
 */
final class AccumulatorDriver implements AutoCloseable {
    static final String REQUESTS = "genai.requests";
    static final String BATCHES = "genai.batches";
    static final String RESPONSES = "genai.responses";
    static final String WINDOW_CONFIG = "genai.window-config";
    static final String DLQ = "genai.requests.dlq";
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static final RecordCodec<GenAiRequest> REQUEST_CODEC = RecordCodec.genAiRequest();
    private static final RecordCodec<BatchRecord> BATCH_CODEC = RecordCodec.batchRecord();
    private static final RecordCodec<GenAiResponse> RESPONSE_CODEC = RecordCodec.genAiResponse();
    private static final RecordCodec<WindowPolicy> POLICY_CODEC = RecordCodec.windowPolicy();

    final TopologyTestDriver driver;
    final AccumulatorCounters counters = new AccumulatorCounters();
    /** What TooLargeRecordHandler would note; tests add to it to play a refusal by the broker. */
    final OversizedRequests oversized = new OversizedRequests();

    private final TestInputTopic<byte[], byte[]> requests;
    private final TestInputTopic<String, byte[]> windowConfig;
    private final TestOutputTopic<String, byte[]> batches;
    private final TestOutputTopic<byte[], byte[]> responses;
    private final TestOutputTopic<byte[], byte[]> dlq;
    private final List<BatchRecord> batchLog = new ArrayList<>();
    private final Path stateDir;
    /** Every record piped into genai.requests (one partition, 0): index = offset. Held requests are read from here. */
    private final List<HeldRecordReader.HeldRecord> piped = new ArrayList<>();
    /** Offsets below this are "deleted by retention" for the held-request reader. */
    private long requestsLogStart;
    /** What the held-request reader was asked for, one list per call. */
    final List<List<Long>> heldReads = new ArrayList<>();

    AccumulatorDriver(Map<String, String> settings) {
        this(settings, null);
    }

    AccumulatorDriver(Map<String, String> settings, AccumulatorMetrics metrics) {
        this(settings, metrics, HeldRequests.RELEASE_PER_PUNCTUATION);
    }

    /** @param releasePerPunctuation held requests released per model and punctuation */
    AccumulatorDriver(Map<String, String> settings, AccumulatorMetrics metrics, int releasePerPunctuation) {
        this(settings, metrics, releasePerPunctuation, null);
    }

    /** @param limits the record limits the topology checks against; null: Kafka's defaults */
    AccumulatorDriver(
            Map<String, String> settings, AccumulatorMetrics metrics, int releasePerPunctuation, RecordLimits limits) {
        try {
            stateDir = Files.createTempDirectory("accumulator-test");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> all = new HashMap<>(settings);
        all.put("accumulate.state-dir", stateDir.toString());
        GenAiBatchConfig config = GenAiBatchConfig.of(all);
        AccumulatorMetrics used = metrics == null ? counters : metrics;
        Properties props = AccumulatorTopology.streamsConfig(config, used, Map.of());
        RecordLimits usedLimits = limits != null
                ? limits
                : RecordLimits.defaults(
                        io.genaibatch.kafka.Topics.from(config), AccumulatorTopology.repartitionTopic(config));
        AccumulatorTopology.shareSizeGuards(props, usedLimits, oversized);
        driver = new TopologyTestDriver(
                AccumulatorTopology.build(
                        config, used, partition -> heldReader(), releasePerPunctuation, usedLimits, oversized),
                props,
                T0);
        requests = driver.createInputTopic(REQUESTS, new ByteArraySerializer(), new ByteArraySerializer());
        windowConfig = driver.createInputTopic(WINDOW_CONFIG, new StringSerializer(), new ByteArraySerializer());
        batches = driver.createOutputTopic(BATCHES, new StringDeserializer(), new ByteArrayDeserializer());
        responses = driver.createOutputTopic(RESPONSES, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static GenAiRequest request(String model, String text) {
        return GenAiRequest.newBuilder()
                .setModel(model)
                .setKind(RequestKind.GENERATE)
                .setRequest("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + text + "\"}]}]}")
                .setMetadata(Map.of())
                .setRequestId(null)
                .build();
    }

    /** A GENERATE request with the caller's requestId, so its line size is known in advance. */
    static GenAiRequest request(String model, String requestId, String text) {
        GenAiRequest r = request(model, text);
        r.setRequestId(requestId);
        return r;
    }

    /** The JSONL line size of {@link #request(String, String, String)} piped at {@code offset} (its line key). */
    static long lineBytes(long offset, String text) {
        return io.genaibatch.batch.JsonlLine.size(
                io.genaibatch.batch.LineKey.of(REQUESTS, 0, offset),
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + text + "\"}]}]}");
    }

    static GenAiRequest embed(String model, String text) {
        return GenAiRequest.newBuilder()
                .setModel(model)
                .setKind(RequestKind.EMBED)
                .setRequest("{\"content\":{\"parts\":[{\"text\":\"" + text + "\"}]}}")
                .setMetadata(Map.of())
                .setRequestId(null)
                .build();
    }

    void send(String key, GenAiRequest request) {
        sendRaw(
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                REQUEST_CODEC.encode(request, ValueFormat.AVRO),
                new RecordHeaders());
    }

    void sendRaw(byte[] key, byte[] value, Headers headers) {
        // An explicit timestamp, so that the held-request reader serves exactly what the processor saw.
        Instant timestamp = T0.plusMillis(piped.size());
        piped.add(new HeldRecordReader.HeldRecord(
                piped.size(), key, value, new RecordHeaders(headers.toArray()), timestamp.toEpochMilli()));
        requests.pipeInput(new TestRecord<>(key, value, headers, timestamp));
    }

    /** Simulates retention: genai.requests records below {@code offset} are gone. */
    void deleteRequestsBefore(long offset) {
        requestsLogStart = offset;
    }

    /** Reading back held requests fails (as a broker fault would) while the offsets asked for include {@code offset}; -1: never. */
    void failHeldReadsOf(long offset) {
        failingReadOffset = offset;
    }

    /** The record at {@code offset}, read back, makes the validate stage throw for a reason nobody foresaw. */
    void poisonHeldRecord(long offset) {
        poisonedOffset = offset;
    }

    /**
     * The record at {@code offset}, read back, carries {@code request} (same key, timestamp and headers): plays a
     * validation rule that changed while it was held, e.g. its model dropped from models.allowed before a restart.
     */
    void heldRecordReadsBackAs(long offset, GenAiRequest request) {
        readBackAs.put(offset, REQUEST_CODEC.encode(request, ValueFormat.AVRO));
    }

    private long failingReadOffset = -1;
    private long poisonedOffset = -1;
    private final Map<Long, byte[]> readBackAs = new HashMap<>();

    /** The records piped into genai.requests, as a real reader would read them back. */
    private HeldRecordReader heldReader() {
        return new HeldRecordReader() {
            @Override
            public Read read(int partition, List<Long> offsets, long deadlineNanos) {
                heldReads.add(List.copyOf(offsets));
                if (offsets.contains(failingReadOffset)) {
                    throw new IllegalStateException("test: genai.requests cannot be read now");
                }
                Map<Long, HeldRecord> out = new HashMap<>();
                for (long o : offsets) {
                    if (partition == 0 && o >= requestsLogStart && o < piped.size()) {
                        HeldRecord piped = AccumulatorDriver.this.piped.get((int) o);
                        HeldRecord r = !readBackAs.containsKey(o)
                                ? piped
                                : new HeldRecord(
                                        piped.offset(),
                                        piped.key(),
                                        readBackAs.get(o),
                                        piped.headers(),
                                        piped.timestamp());
                        out.put(
                                o,
                                o != poisonedOffset
                                        ? r
                                        : new HeldRecord(
                                                r.offset(),
                                                r.key(),
                                                r.value(),
                                                new RecordHeaders() {
                                                    @Override
                                                    public java.util.Iterator<org.apache.kafka.common.header.Header>
                                                            iterator() {
                                                        throw new IllegalStateException("test: boom while released");
                                                    }
                                                },
                                                r.timestamp()));
                    }
                }
                return new Read(out, offsets.isEmpty() ? -1 : offsets.get(offsets.size() - 1));
            }

            @Override
            public void close() {}
        };
    }

    void sendJson(String key, String json) {
        sendRaw(
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8),
                new RecordHeaders());
    }

    void setPolicy(String model, WindowPolicy policy) {
        windowConfig.pipeInput(model, policy == null ? null : POLICY_CODEC.encode(policy, ValueFormat.AVRO));
    }

    void setPolicyRaw(String model, byte[] value) {
        windowConfig.pipeInput(model, value);
    }

    static WindowPolicy.Builder policy() {
        return WindowPolicy.newBuilder().setUpdatedBy("test").setUpdatedAt(T0);
    }

    /** Runs the once-a-second punctuations (policy refresh, max-wait, release, commit) without reaching max-wait. */
    void tick() {
        driver.advanceWallClockTime(Duration.ofSeconds(1));
    }

    void advance(Duration d) {
        driver.advanceWallClockTime(d);
    }

    /** Every record written to genai.batches so far (accumulated across calls). */
    List<BatchRecord> batchRecords() {
        while (!batches.isEmpty()) {
            TestRecord<String, byte[]> r = batches.readRecord();
            BatchRecord b = BATCH_CODEC.decode(r.value());
            if (!b.getBatchId().equals(r.key())) {
                throw new AssertionError("record key " + r.key() + " is not its batchId " + b.getBatchId());
            }
            batchLog.add(b);
        }
        return batchLog;
    }

    List<BatchSeal> seals() {
        return batchRecords().stream()
                .filter(b -> b.getSeal() != null)
                .map(BatchRecord::getSeal)
                .toList();
    }

    List<BatchRecord> sealRecords() {
        return batchRecords().stream().filter(b -> b.getSeal() != null).toList();
    }

    List<BatchItem> items() {
        return batchRecords().stream()
                .filter(b -> b.getItem() != null)
                .map(BatchRecord::getItem)
                .toList();
    }

    List<TestRecord<byte[], GenAiResponse>> responses() {
        List<TestRecord<byte[], GenAiResponse>> out = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : responses.readRecordsToList()) {
            out.add(new TestRecord<>(r.key(), RESPONSE_CODEC.decode(r.value()), r.headers(), r.timestamp()));
        }
        return out;
    }

    List<TestRecord<byte[], byte[]>> dlq() {
        return dlq.readRecordsToList();
    }

    @Override
    public void close() {
        driver.close();
    }
}

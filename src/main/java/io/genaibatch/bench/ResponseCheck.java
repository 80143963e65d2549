package io.genaibatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.ReadToEnd;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The check of {@code bench submit-poll}: every response on genai.responses exactly once, and right. */
final class ResponseCheck {
    /** How long the read of genai.responses may go without progress before the check gives up. */
    private static final Duration READ_STALL = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();

    long records;
    long distinct;
    long duplicates;
    long unknown;
    long wrong;
    long valueBytes;
    final Map<ResponseStatus, Long> byStatus = new HashMap<>();
    String firstProblem;
    double seconds;

    /** Reads genai.responses read_committed from the beginning to its end and checks each against its request. */
    static ResponseCheck read(GenAiBatchConfig config, Topics topics, int count, BenchRequests requests) {
        long start = System.nanoTime();
        ResponseCheck c = new ResponseCheck();
        BitSet seen = new BitSet(count);
        RecordCodec<GenAiResponse> codec = RecordCodec.genAiResponse();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                new KafkaClients(config).consumer(Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "bench-check")),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = ReadToEnd.partitions(consumer, topics.responses(), READ_STALL);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            ReadToEnd.Result read = ReadToEnd.read(consumer, end, ReadToEnd.Limit.whileMoving(READ_STALL), r -> {
                c.records++;
                c.valueBytes += r.serializedValueSize();
                String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                int i = BenchRequests.index(key);
                if (i < 0 || i >= count) {
                    c.unknown++;
                    c.problem("a response with the unknown key '" + key + "'");
                    return;
                }
                if (seen.get(i)) {
                    c.duplicates++;
                    c.problem("a second response for " + key);
                    return;
                }
                seen.set(i);
                GenAiResponse response = codec.decode(r.value());
                c.byStatus.merge(response.getStatus(), 1L, Long::sum);
                String wrong = wrongAnswer(requests, i, response);
                if (wrong != null) {
                    c.wrong++;
                    c.problem(key + ": " + wrong);
                }
            });
            if (!read.reached()) {
                throw new IllegalStateException("could not read " + topics.responses() + " to its end: no progress for "
                        + READ_STALL + " (" + read.firstBehind() + ")");
            }
        }
        c.distinct = seen.cardinality();
        c.seconds = (System.nanoTime() - start) / 1e9;
        return c;
    }

    private void problem(String what) {
        if (firstProblem == null) {
            firstProblem = what;
        }
    }

    /** Null when the response is SUCCEEDED and its text is "echo: " and request i's prompt; else what is wrong. */
    private static String wrongAnswer(BenchRequests requests, int i, GenAiResponse response) {
        if (response.getStatus() != ResponseStatus.SUCCEEDED || response.getResponse() == null) {
            return "status " + response.getStatus()
                    + (response.getError() == null
                            ? ""
                            : " " + response.getError().getCode() + ": "
                                    + response.getError().getMessage());
        }
        if (!BenchRequests.requestId(i).equals(response.getRequestId())) {
            return "requestId " + response.getRequestId();
        }
        try {
            JsonNode body = JSON.readTree(response.getResponse());
            String text = body.at("/candidates/0/content/parts/0/text").asText(null);
            return ("echo: " + requests.prompt(i)).equals(text) ? null : "the answer is not the echo of its prompt";
        } catch (IOException e) {
            return "the response is not JSON";
        }
    }
}

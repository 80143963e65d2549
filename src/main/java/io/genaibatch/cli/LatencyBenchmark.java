package io.genaibatch.cli;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.ConfigType;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.JobState;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code bench latency}, run once the broker, the emulator and the three roles are up: sends single requests, each
 * after the previous one was answered and a gap, and measures each one's send → response time (the response as a
 * read_committed consumer sees it on genai.responses) against the bound a request that arrives alone is promised:
 * window.max-wait + the job's own run time (created → SUCCEEDED, the API's timestamps on genai.jobs) + the poll
 * interval + 1 s. A warm-up request first (group joins and first batches), not counted.
 */
final class LatencyBenchmark {
    /** What a request alone may take besides max-wait, its job and one poll interval: Kafka, seal, submit, publish. */
    static final Duration SLACK = Duration.ofSeconds(1);

    private final GenAiBatchConfig config;
    private final KafkaClients clients;
    private final Topics topics;
    private final PrintWriter out;
    private final Duration gap;
    private final Duration timeout;

    /** One request's figures. */
    record Measurement(Duration latency, Duration job, Duration bound) {
        double ratio() {
            return (double) latency.toMillis() / bound.toMillis();
        }
    }

    /** The measured requests; the ratio reported is the largest (every request must be within its bound). */
    record Result(List<Measurement> measurements) {
        double maxRatio() {
            return measurements.stream().mapToDouble(Measurement::ratio).max().orElse(Double.NaN);
        }

        double medianRatio() {
            return io.genaibatch.bench.AccumulateBenchmark.median(
                    measurements.stream().map(Measurement::ratio).toList());
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "RESULT latency: max ratio %.2f, median ratio %.2f over %d requests "
                            + "(measured / (max-wait + job + poll interval + 1 s))",
                    maxRatio(),
                    medianRatio(),
                    measurements.size());
        }
    }

    /**
     * @param config the running stack's: window.max-wait and poll.max-interval (the poll interval: the benchmark sets
     *     poll.initial-interval to the same) make the bound
     */
    LatencyBenchmark(GenAiBatchConfig config, PrintWriter out, Duration gap, Duration timeout) {
        this.config = config;
        this.clients = new KafkaClients(config);
        this.topics = Topics.from(config);
        this.out = out;
        this.gap = gap;
        this.timeout = timeout;
    }

    Result run(int requests) throws Exception {
        Duration maxWait = config.get(ConfigKeys.WINDOW_MAX_WAIT);
        Duration pollInterval = config.get(ConfigKeys.POLL_MAX_INTERVAL);
        out.printf(
                "bench latency: %d single requests, %s apart; window.max-wait %s, poll interval %s%n",
                requests, ConfigType.format(gap), ConfigType.format(maxWait), ConfigType.format(pollInterval));
        out.flush();
        String runId = UUID.randomUUID().toString().substring(0, 8);
        List<Measurement> measured = new ArrayList<>();
        try (TopicTail responses =
                        TopicTail.open(clients, topics.responses(), TopicTail.endOffsets(clients, topics.responses()));
                TopicTail jobs = TopicTail.open(clients, topics.jobs(), TopicTail.endOffsets(clients, topics.jobs()));
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        clients.producer(Map.of(ProducerConfig.CLIENT_ID_CONFIG, "genai-batch-bench-latency")),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            Map<String, BatchJob> ended = new HashMap<>();
            for (int i = 0; i <= requests; i++) {
                String key = "latency-" + runId + "-" + i;
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(
                                topics.requests(),
                                key.getBytes(StandardCharsets.UTF_8),
                                RecordCodec.genAiRequest().encode(request(i), clients.valueFormat())))
                        .get();
                GenAiResponse response = awaitResponse(responses, key, sent);
                Duration latency = Duration.ofNanos(System.nanoTime() - sent);
                BatchJob job = awaitEnded(jobs, response.getBatchId(), ended);
                Duration jobTime = Duration.between(job.getSubmittedAt(), job.getEndedAt());
                Measurement m = new Measurement(
                        latency,
                        jobTime,
                        maxWait.plus(jobTime).plus(pollInterval).plus(SLACK));
                out.printf(
                        Locale.ROOT,
                        "%-10s %6.2f s   bound %6.2f s (max-wait %s + job %.2f s + poll %s + 1 s)   ratio %.2f   %s%n",
                        i == 0 ? "warm-up" : "request " + i,
                        seconds(latency),
                        seconds(m.bound()),
                        ConfigType.format(maxWait),
                        seconds(jobTime),
                        ConfigType.format(pollInterval),
                        m.ratio(),
                        response.getStatus());
                out.flush();
                if (i > 0) {
                    measured.add(m);
                }
                Thread.sleep(gap.toMillis()); // apart: the next request opens a batch of its own
            }
        }
        Result result = new Result(List.copyOf(measured));
        out.println(result.line());
        out.flush();
        return result;
    }

    private static GenAiRequest request(int i) {
        return GenAiRequest.newBuilder()
                .setModel("gemini-2.5-flash")
                .setKind(io.genaibatch.records.RequestKind.GENERATE)
                .setRequest("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"latency probe " + i + "\"}]}]}")
                .setMetadata(Map.of())
                .build();
    }

    private GenAiResponse awaitResponse(TopicTail responses, String key, long sent) {
        GenAiResponse[] found = {null};
        long deadline = sent + timeout.toNanos();
        while (found[0] == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no response to " + key + " within " + ConfigType.format(timeout));
            }
            responses.poll(Duration.ofMillis(20), r -> {
                if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                    found[0] = RecordCodec.genAiResponse().decode(r.value());
                }
            });
        }
        return found[0];
    }

    /** The job of {@code batchId} as it ended at the API (its SUCCEEDED record, written before the responses). */
    private BatchJob awaitEnded(TopicTail jobs, String batchId, Map<String, BatchJob> ended) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!ended.containsKey(batchId)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no ended job on " + topics.jobs() + " for batch " + batchId);
            }
            jobs.poll(Duration.ofMillis(50), r -> {
                if (r.value() != null) {
                    BatchJob job = RecordCodec.batchJob().decode(r.value());
                    if (job.getEndedAt() != null
                            && job.getSubmittedAt() != null
                            && job.getState() == JobState.SUCCEEDED) {
                        ended.putIfAbsent(job.getBatchId(), job);
                    }
                }
            });
        }
        return ended.get(batchId);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}

package io.genaibatch.cli;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.ConfigType;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.ops.Prices;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.GenAiRequest;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * `local --demo N`: publishes N sample requests over two generation models and one embedding model, waits until
 * every one has its response on genai.responses, checks each response is the right one for its request, and prints
 * a summary. Exit code 0 only when every request got exactly one correct response.
 */
final class Demo {
    private final GenAiBatchConfig config;
    private final KafkaClients clients;
    private final Topics topics;
    private final PrintWriter out;
    private final Duration timeout;
    private final boolean terminal;

    /** {@code terminal}: whether {@code out} is a terminal, where progress is one bar redrawn in place. */
    Demo(GenAiBatchConfig config, PrintWriter out, Duration timeout, boolean terminal) {
        this.config = config;
        this.clients = new KafkaClients(config);
        this.topics = Topics.from(config);
        this.out = out;
        this.timeout = timeout;
        this.terminal = terminal;
    }

    int run(int count) throws Exception {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        long started = System.nanoTime();
        Map<TopicPartition, Long> responsesFrom = TopicTail.endOffsets(clients, topics.responses());
        Map<TopicPartition, Long> batchesFrom = TopicTail.endOffsets(clients, topics.batches());
        Map<TopicPartition, Long> jobsFrom = TopicTail.endOffsets(clients, topics.jobs());
        DemoProgress progress = new DemoProgress(out, terminal, count, started);

        out.printf(
                "Publishing %,d demo requests (run %s) to %s as %s; batches seal after window.max-wait (%s), "
                        + "then their jobs run.%n",
                count,
                runId,
                topics.requests(),
                clients.valueFormat().name().toLowerCase(Locale.ROOT),
                ConfigType.format(config.get(ConfigKeys.WINDOW_MAX_WAIT)));
        out.flush();
        AtomicLong sent = new AtomicLong();
        publish(runId, count, sent, () -> {
            progress.sent(sent.get(), System.nanoTime());
            progress.showIfDue(System.nanoTime());
        });
        progress.sent(sent.get(), System.nanoTime());

        DemoTally tally = awaitResponses(runId, count, new Positions(responsesFrom, batchesFrom, jobsFrom), progress);
        double seconds = (System.nanoTime() - started) / 1e9;
        printSummary(count, tally, batchesFrom, seconds);
        boolean ok = tally.answered() == count && tally.duplicates() == 0 && tally.wrong.isEmpty();
        out.println(
                ok
                        ? "Demo OK: every request got exactly one correct response."
                        : "Demo FAILED: " + (count - tally.answered()) + " requests without a response, "
                                + tally.duplicates()
                                + " answered more than once, " + tally.wrong.size() + " wrong answers"
                                + tally.wrong.entrySet().stream()
                                        .limit(3)
                                        .map(e -> "\n  " + e.getKey() + ": " + e.getValue())
                                        .reduce("", String::concat));
        out.flush();
        return ok ? 0 : 1;
    }

    /** Where this run's records start on the topics the demo watches. */
    private record Positions(
            Map<TopicPartition, Long> responses, Map<TopicPartition, Long> batches, Map<TopicPartition, Long> jobs) {}

    /** Publishes demo requests 0..count-1 of run {@code runId}; throws the first failed send. */
    void publish(String runId, int count) throws Exception {
        publish(runId, count, new AtomicLong(), () -> {});
    }

    /** As {@link #publish(String, int)}, counting acknowledged sends in {@code sent}; runs {@code betweenSends}. */
    private void publish(String runId, int count, AtomicLong sent, Runnable betweenSends) throws Exception {
        RecordCodec<GenAiRequest> codec = RecordCodec.genAiRequest();
        ValueFormat format = clients.valueFormat();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                clients.producer(Map.of(
                        ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.CLIENT_ID_CONFIG, "genai-batch-demo")),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < count && failure.get() == null; i++) {
                DemoRequests.Demo demo = DemoRequests.make(runId, i);
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                        topics.requests(),
                        demo.key().getBytes(StandardCharsets.UTF_8),
                        codec.encode(demo.request(), format));
                record.headers().add("correlation-id", demo.key().getBytes(StandardCharsets.UTF_8));
                producer.send(record, (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        sent.incrementAndGet();
                    }
                });
                betweenSends.run();
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private DemoTally awaitResponses(String runId, int count, Positions from, DemoProgress progress) {
        DemoTally tally = new DemoTally(runId);
        long deadline = System.nanoTime() + timeout.toNanos();
        long[] sealed = {0};
        long[] inJobs = {0};
        Set<String> jobsSeen = new HashSet<>();
        try (TopicTail responses = TopicTail.open(clients, topics.responses(), from.responses());
                TopicTail batches = TopicTail.open(clients, topics.batches(), from.batches());
                TopicTail jobs = TopicTail.open(clients, topics.jobs(), from.jobs())) {
            while (tally.answered() < count && System.nanoTime() < deadline) {
                responses.poll(Duration.ofMillis(100), tally::add);
                batches.poll(Duration.ZERO, r -> {
                    BatchRecord b = RecordCodec.batchRecord().decode(r.value());
                    if (b.getSeal() != null) {
                        sealed[0] += b.getSeal().getCount();
                    }
                });
                jobs.poll(Duration.ZERO, r -> {
                    BatchJob job =
                            r.value() == null ? null : RecordCodec.batchJob().decode(r.value());
                    // A batch's requests count once, when its first job exists; a child job re-runs some of them.
                    if (job != null
                            && job.getJobName() != null
                            && job.getParentBatchId() == null
                            && jobsSeen.add(job.getBatchId())) {
                        inJobs[0] += job.getItemCount();
                    }
                });
                long now = System.nanoTime();
                progress.sealed(sealed[0], now);
                progress.inJobs(inJobs[0], now);
                progress.answered(tally.answered(), now);
                progress.showIfDue(now);
            }
            progress.finish(System.nanoTime());
            // A duplicate would arrive after the last first answer: give it a moment to show up.
            long grace = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < grace) {
                responses.poll(Duration.ofMillis(200), tally::add);
            }
        }
        return tally;
    }

    private void printSummary(int count, DemoTally tally, Map<TopicPartition, Long> batchesFrom, double seconds) {
        Map<String, Integer> sealReasons = new TreeMap<>();
        try (TopicTail tail = TopicTail.open(clients, topics.batches(), batchesFrom)) {
            tail.readToEnd(r -> {
                BatchRecord b = RecordCodec.batchRecord().decode(r.value());
                if (b.getSeal() != null && tally.batchIds.contains(b.getBatchId())) {
                    sealReasons.merge(b.getSeal().getReason().name(), 1, Integer::sum);
                }
            });
        }
        Map<String, BatchJob> jobs = new HashMap<>();
        try (TopicTail tail = TopicTail.open(clients, topics.jobs(), Map.of())) {
            tail.readToEnd(r -> {
                if (r.value() != null) {
                    BatchJob job = RecordCodec.batchJob().decode(r.value());
                    if (tally.batchIds.contains(job.getBatchId())) {
                        jobs.put(job.getBatchId(), job);
                    }
                }
            });
        }
        Map<String, Integer> jobsByMode = new TreeMap<>();
        jobs.values().forEach(j -> jobsByMode.merge(j.getInputMode().name().toLowerCase(Locale.ROOT), 1, Integer::sum));

        out.printf("%nSummary (%,d requests, %.1f s)%n", count, seconds);
        out.printf("  responses        %s%n", tally.byStatus.isEmpty() ? "none" : tally.byStatus);
        out.printf(
                "  exactly once     %,d of %,d (%,d missing, %,d duplicated, %,d wrong)%n",
                tally.responsesByKey.values().stream().filter(n -> n == 1).count(),
                count,
                count - tally.answered(),
                tally.duplicates(),
                tally.wrong.size());
        out.printf("  headers kept     %,d of %,d%n", tally.answered() - tally.missingHeaders, tally.answered());
        out.printf("  batches          %,d, sealed by %s%n", tally.batchIds.size(), sealReasons);
        out.printf("  jobs             %,d %s%n", jobs.size(), jobsByMode);
        Prices prices = Prices.from(config);
        double batch = 0;
        double interactive = 0;
        for (Map.Entry<String, long[]> e : tally.tokensByModel.entrySet()) {
            Prices.Estimate estimate = prices.estimate(e.getKey(), e.getValue()[0], e.getValue()[1]);
            batch += estimate.batchUsd();
            interactive += estimate.interactiveUsd();
            out.printf("  tokens %-24s %,d in, %,d out%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        out.printf(
                "  estimated cost   $%.6f as batch jobs, $%.6f interactive: saved $%.6f (example prices, config/prices.yaml)%n",
                batch, interactive, interactive - batch);
    }
}

package io.genaibatch.bench;

import io.genaibatch.accumulate.AccumulateRole;
import io.genaibatch.accumulate.AccumulatorMetrics;
import io.genaibatch.accumulate.AccumulatorTopology;
import io.genaibatch.accumulate.RepartitionKeys;
import io.genaibatch.config.FixedKafkaSettings;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.TopicReadiness;
import io.genaibatch.kafka.TopicSpec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.RequestKind;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Records/s of the accumulator against two exactly_once_v2 pass-throughs, one hop ({@code stream → to}) and two hops
 * ({@code stream → repartition by the accumulator's group key → to}), on the same broker, the same input and the
 * same Streams settings, after a warm-up round of each; measured rounds alternate and the medians are compared.
 * A round's rate is measured from the first record processed to the commit that reaches the end of every topic
 * the application reads (for the accumulator, its repartition topic too; committed under EOS means its output is
 * committed), polled every 20 ms. Start-up and group join are left out of both.
 */
public final class AccumulateBenchmark {
    private static final String TWO_HOP_REPARTITION = "two-hop-by-group";
    private static final String[] MODELS = {"gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash"};

    private final GenAiBatchConfig base;
    private final int records;
    private final int requestBytes;
    private final int rounds;
    private final PrintWriter out;
    private final Path stateRoot;
    private final Map<String, Object> tuning;

    /**
     * @param tuning Kafka Streams settings given to all three topologies (the accumulator's own defaults, then these)
     */
    public AccumulateBenchmark(
            GenAiBatchConfig base,
            int records,
            int requestBytes,
            int rounds,
            Map<String, Object> tuning,
            PrintWriter out)
            throws Exception {
        this.base = base;
        this.records = records;
        this.requestBytes = requestBytes;
        this.rounds = rounds;
        this.out = out;
        this.stateRoot = Files.createTempDirectory("genai-batch-bench");
        Map<String, Object> all = new HashMap<>(AccumulatorTopology.tuning(base));
        all.putAll(tuning);
        this.tuning = Map.copyOf(all);
    }

    /** The Streams settings both topologies run with. */
    public Map<String, Object> tuning() {
        return tuning;
    }

    /** Medians of the measured rounds; the ratios are medians of the accumulator over medians of the baselines. */
    public record Result(double passThroughPerSecond, double twoHopPerSecond, double accumulatorPerSecond) {
        /** The target: the accumulator against the two-hop pass-through. */
        public static final double TWO_HOP_TARGET = 0.8;

        public double oneHopRatio() {
            return accumulatorPerSecond / passThroughPerSecond;
        }

        public double twoHopRatio() {
            return accumulatorPerSecond / twoHopPerSecond;
        }

        /** The last line of the benchmark. */
        public String line() {
            return String.format(
                    java.util.Locale.ROOT,
                    "RESULT accumulate: one-hop ratio %.2f, two-hop ratio %.2f",
                    oneHopRatio(),
                    twoHopRatio());
        }
    }

    public Result run() throws Exception {
        try {
            return measure();
        } finally {
            io.genaibatch.run.FileTrees.deleteQuietly(stateRoot); // one Streams state directory per round
        }
    }

    private Result measure() throws Exception {
        String prefix = "bench-" + System.currentTimeMillis() + ".";
        Map<String, String> settings = new HashMap<>();
        for (String t : List.of("requests", "batches", "jobs", "responses", "window-config", "dlq")) {
            settings.put("topics." + t, prefix + t);
        }
        settings.put("window.max-requests", "1000");
        GenAiBatchConfig config = withOverrides(settings);
        Topics topics = Topics.from(config);
        try (Admin admin = new KafkaClients(config).admin()) {
            new TopicAdmin(admin).createMissing(topics.specs());
            TopicReadiness.awaitServed(
                    admin, topics.specs().stream().map(TopicSpec::name).toList(), Duration.ofSeconds(60));
        }
        produceInput(config, topics.requests());
        List<Double> pass = new ArrayList<>();
        List<Double> twoHop = new ArrayList<>();
        List<Double> acc = new ArrayList<>();
        List<Double> twoHopCpu = new ArrayList<>();
        List<Double> accCpu = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            String label = round == 0 ? "warm-up" : "round " + round;
            Round p = passThrough(config, topics, prefix, round);
            Round t = twoHop(config, topics, prefix, round);
            Round a = accumulator(settings, prefix, round);
            out.printf(
                    "%-8s one-hop %,9.0f rec/s   two-hop %,9.0f rec/s   accumulator %,9.0f rec/s   ratios %.2f / %.2f%n",
                    label,
                    p.perSecond(),
                    t.perSecond(),
                    a.perSecond(),
                    a.perSecond() / p.perSecond(),
                    a.perSecond() / t.perSecond());
            out.printf(
                    "%-8s stream thread CPU per record: one-hop %.1f µs   two-hop %.1f µs   accumulator %.1f µs   two-hop/accumulator %.2f%n",
                    "",
                    p.cpuMicrosPerRecord(),
                    t.cpuMicrosPerRecord(),
                    a.cpuMicrosPerRecord(),
                    t.cpuMicrosPerRecord() / a.cpuMicrosPerRecord());
            out.flush();
            if (round > 0) {
                pass.add(p.perSecond());
                twoHop.add(t.perSecond());
                acc.add(a.perSecond());
                twoHopCpu.add(t.cpuMicrosPerRecord());
                accCpu.add(a.cpuMicrosPerRecord());
            }
        }
        Result result = new Result(median(pass), median(twoHop), median(acc));
        out.printf(
                "median   one-hop %,9.0f rec/s   two-hop %,9.0f rec/s   accumulator %,9.0f rec/s   ratios %.2f / %.2f%n",
                result.passThroughPerSecond(),
                result.twoHopPerSecond(),
                result.accumulatorPerSecond(),
                result.oneHopRatio(),
                result.twoHopRatio());
        out.printf(
                "median   stream thread CPU per record: two-hop %.1f µs   accumulator %.1f µs   two-hop/accumulator %.2f "
                        + "(the two-hop ratio if the stream thread alone set the pace)%n",
                median(twoHopCpu), median(accCpu), median(twoHopCpu) / median(accCpu));
        out.println(result.line());
        return result;
    }

    private void produceInput(GenAiBatchConfig config, String topic) throws Exception {
        Map<String, Object> props = Map.of(
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.BATCH_SIZE_CONFIG,
                256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "none");
        RecordCodec<GenAiRequest> codec = RecordCodec.genAiRequest();
        Random random = new Random(42);
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                new KafkaClients(config).producer(props), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                GenAiRequest request = GenAiRequest.newBuilder()
                        .setModel(MODELS[i % MODELS.length])
                        .setKind(RequestKind.GENERATE)
                        .setRequest(requestJson(random))
                        .setMetadata(Map.of())
                        .setRequestId(null)
                        .build();
                producer.send(new ProducerRecord<>(
                        topic, ("key-" + random.nextInt(100_000)).getBytes(), codec.encode(request, ValueFormat.AVRO)));
            }
            producer.flush();
        }
        out.printf(
                "input    %,d requests of %d bytes in %.1f s%n",
                records, requestBytes, (System.nanoTime() - start) / 1e9);
    }

    private String requestJson(Random random) {
        String head = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"";
        String tail = "\"}]}],\"generationConfig\":{\"temperature\":0.2}}";
        StringBuilder text = new StringBuilder();
        while (head.length() + text.length() + tail.length() < requestBytes) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return head + text + tail;
    }

    /** One hop: {@code stream(genai.requests) → to(output)}, bytes in, bytes out. */
    private Round passThrough(GenAiBatchConfig config, Topics topics, String prefix, int round) throws Exception {
        String output = createOutput(config, prefix + "passthrough-" + round);
        StreamsBuilder builder = new StreamsBuilder();
        RoundClock first = new RoundClock();
        builder.stream(topics.requests(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .peek((k, v) -> first.markFirst())
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return streamsRound(config, builder, prefix + "passthrough-app-" + round, first, List.of(topics.requests()));
    }

    /**
     * Two hops: {@code stream(genai.requests) → repartition by the accumulator's group key → to(output)}, the values
     * as bytes: the accumulator's shape without validation, store or batching ({@link RepartitionKeys}).
     */
    private Round twoHop(GenAiBatchConfig config, Topics topics, String prefix, int round) throws Exception {
        String output = createOutput(config, prefix + "twohop-" + round);
        int shards = config.get(io.genaibatch.config.ConfigKeys.WINDOW_SHARDS);
        StreamsBuilder builder = new StreamsBuilder();
        RoundClock first = new RoundClock();
        builder.stream(topics.requests(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .process(() -> new KeyByGroup(shards, first))
                .repartition(
                        Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName(TWO_HOP_REPARTITION))
                .to(output, Produced.with(Serdes.String(), Serdes.ByteArray()));
        String appId = prefix + "twohop-app-" + round;
        return streamsRound(
                config,
                builder,
                appId,
                first,
                List.of(topics.requests(), appId + "-" + TWO_HOP_REPARTITION + "-repartition"));
    }

    /** The two-hop round's first stage: one key function per task, as the validate stage has one decoder per task. */
    private static final class KeyByGroup implements Processor<byte[], byte[], String, byte[]> {
        private final RepartitionKeys keys;
        private final RoundClock first;
        private ProcessorContext<String, byte[]> context;

        KeyByGroup(int shards, RoundClock first) {
            this.keys = new RepartitionKeys(shards);
            this.first = first;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            first.markFirst();
            context.forward(record.withKey(keys.of(record.key(), record.value())));
        }
    }

    private static String createOutput(GenAiBatchConfig config, String output) throws Exception {
        try (Admin admin = new KafkaClients(config).admin()) {
            new TopicAdmin(admin)
                    .createMissing(List.of(new TopicSpec(
                            output,
                            config.get(io.genaibatch.config.ConfigKeys.TOPIC_PARTITIONS),
                            java.util.Optional.empty(),
                            Map.of())));
            TopicReadiness.awaitServed(admin, List.of(output), Duration.ofSeconds(60));
        }
        return output;
    }

    /**
     * Runs a baseline topology with the benchmark's Streams settings and exactly_once_v2 until its commits reach the
     * end of {@code read} (in that order: a repartition topic is complete once its source is committed); records/s.
     */
    private Round streamsRound(
            GenAiBatchConfig config, StreamsBuilder builder, String appId, RoundClock first, List<String> read)
            throws Exception {
        // The settings the accumulator's guarantees fix (exactly_once_v2, earliest) from the one place that fixes them.
        Map<String, Object> required = new HashMap<>(FixedKafkaSettings.streams());
        required.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        required.put(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(appId).toString());
        Properties props = new Properties();
        props.putAll(tuning);
        props.putAll(new KafkaClients(config).properties(required));
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        streams.start();
        try {
            return first.round(awaitAllCommitted(config, appId, read), records);
        } finally {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        }
    }

    /** {@link #awaitCommitted} for each topic in turn; the time the last one was reached. */
    private static long awaitAllCommitted(GenAiBatchConfig config, String group, List<String> topicNames)
            throws Exception {
        long done = 0;
        for (String topic : topicNames) {
            done = awaitCommitted(config, group, List.of(topic));
        }
        return done;
    }

    private Round accumulator(Map<String, String> settings, String prefix, int round) throws Exception {
        String appId = prefix + "accumulator-app-" + round;
        Map<String, String> roundSettings = new HashMap<>(settings);
        roundSettings.put("topics.batches", prefix + "batches-" + round);
        roundSettings.put("accumulate.application-id", appId);
        roundSettings.put("accumulate.state-dir", stateRoot.resolve(appId).toString());
        GenAiBatchConfig config = withOverrides(roundSettings);
        try (Admin admin = new KafkaClients(config).admin()) {
            new TopicAdmin(admin).createMissing(Topics.from(config).specs());
            TopicReadiness.awaitServed(admin, List.of(Topics.from(config).batches()), Duration.ofSeconds(60));
        }
        Map<String, Object> overrides = new HashMap<>(tuning);
        overrides.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        RoundClock first = new RoundClock();
        AccumulatorMetrics firstRecord = new AccumulatorMetrics() {
            @Override
            public void requestAccepted(io.genaibatch.records.BatchItem item) {
                first.markFirst();
            }
        };
        AccumulateRole role = new AccumulateRole(config, firstRecord, overrides);
        role.start();
        try {
            String repartition = appId + "-accumulate-by-group-repartition";
            long done =
                    awaitAllCommitted(config, appId, List.of(Topics.from(config).requests(), repartition));
            return first.round(done, records);
        } finally {
            role.close();
        }
    }

    /** One round of one topology: its rate, and its stream thread's CPU per record. */
    record Round(double perSecond, double cpuMicrosPerRecord) {}

    /**
     * The first record processed starts the clock: start-up and group join are left out of every figure. It also
     * notes the CPU time of the stream thread that processed it, so the round can say how much CPU that thread spent
     * per record: the rates depend on what else runs on the machine (the broker shares it), that figure much less.
     * With more than one stream thread it covers the first one only.
     */
    static final class RoundClock {
        private static final java.lang.management.ThreadMXBean THREADS =
                java.lang.management.ManagementFactory.getThreadMXBean();
        private final java.util.concurrent.atomic.AtomicLong first = new java.util.concurrent.atomic.AtomicLong();
        private volatile long thread;
        private volatile long cpuAtFirst;

        void markFirst() {
            if (first.get() == 0 && first.compareAndSet(0, System.nanoTime())) {
                thread = Thread.currentThread().getId();
                cpuAtFirst = THREADS.getCurrentThreadCpuTime();
            }
        }

        /** @param done when the round's last commit was seen (System.nanoTime) */
        Round round(long done, int records) {
            long cpu = THREADS.getThreadCpuTime(thread);
            return new Round(
                    records / ((done - first.get()) / 1e9), cpu < 0 ? Double.NaN : (cpu - cpuAtFirst) / 1e3 / records);
        }
    }

    /** Waits until the group's committed offsets reach the end of every partition of the topics. */
    private static long awaitCommitted(GenAiBatchConfig config, String group, List<String> topicNames)
            throws Exception {
        try (Admin admin = new KafkaClients(config).admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (var d : admin.describeTopics(topicNames).allTopicNames().get().values()) {
                d.partitions()
                        .forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get();
                long now = System.nanoTime();
                boolean done = end.entrySet().stream().allMatch(e -> {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    return c != null ? c.offset() >= e.getValue() : e.getValue() == 0;
                });
                if (done) {
                    return now;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "group " + group + " did not finish " + topicNames + " in 10 minutes");
                }
                Thread.sleep(20); // polling the broker's view of committed offsets, the end condition of a round
            }
        }
    }

    private GenAiBatchConfig withOverrides(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>();
        all.put("kafka.bootstrap-servers", base.get(io.genaibatch.config.ConfigKeys.BOOTSTRAP_SERVERS));
        all.putAll(settings);
        return GenAiBatchConfig.of(all);
    }

    public static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}

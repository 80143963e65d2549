package io.genaibatch.bench;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.EmbeddedKafkaBroker;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.TopicReadiness;
import io.genaibatch.kafka.TopicSpec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.poll.Poller;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.Admin;

/**
 * One large FILE batch through the submitter and the poller, with those two roles in their own JVM at a small heap,
 * against a transactional Kafka copy of the batch's items ({@link KafkaCopy}: what Kafka alone costs for the poller's
 * part, on the same broker) and against simply writing the same JSONL bytes to a file, fsyncing it and reading it back
 * line by line.
 *
 * <p>This JVM runs the broker and the emulator and writes the batch to genai.batches as the accumulator would (items
 * in transactions, then the seal with the exact count and bytes); that is set-up, not timed. The roles' JVM
 * ({@code java -Xmx<roles-heap> ... genai-batch bench roles --roles submit,poll}) is then started; the clock runs
 * from the moment it reports its roles started to the job's PUBLISHED record on genai.jobs, which the poller writes
 * in the transaction of the last chunk of responses: at that point every response is committed. The phases come from
 * the timestamps of the job's records on genai.jobs. Afterwards the responses are read back read_committed and
 * checked: exactly one per request, SUCCEEDED, and each the emulator's echo of its own prompt.
 *
 * <p>The baseline runs before and after the pipeline, in the same data directory; the ratio uses the faster of the
 * two (the disk at its best in this run).
 */
public final class SubmitPollBenchmark {
    static final String MODEL = "gemini-2.5-flash";
    static final String BATCH_ID = "bench-batch-1";
    /** Printed by the roles' JVM once its roles are started, with its clock in epoch milliseconds. */
    public static final String STARTED_MARKER = "roles-started";

    /**
     * What to run. {@code dataDir} must exist and is the caller's to delete. {@code settings} are config keys for the
     * roles and the Kafka copy alike, over the benchmark's own.
     */
    public record Options(
            int requests,
            int requestBytes,
            String rolesHeap,
            Path dataDir,
            Duration timeout,
            List<String> rolesJvmOptions,
            Map<String, String> settings) {
        public Options {
            Objects.requireNonNull(dataDir, "dataDir");
            if (requests < 1) {
                throw new IllegalArgumentException("--requests must be at least 1, found " + requests);
            }
            if (requestBytes < BenchRequests.MIN_REQUEST_BYTES) {
                throw new IllegalArgumentException("--request-bytes must be at least " + BenchRequests.MIN_REQUEST_BYTES
                        + ", found " + requestBytes);
            }
            rolesJvmOptions = List.copyOf(rolesJvmOptions);
            settings = Map.copyOf(settings);
        }
    }

    /** The baseline's times, in seconds. */
    public record Baseline(long bytes, double write, double fsync, double read) {
        double total() {
            return write + fsync + read;
        }
    }

    /** The pipeline's times (seconds from the roles' start) and what was checked. */
    public record Result(
            int requests,
            long bytes,
            double seconds,
            Baseline baseline,
            double ratio,
            HeapWatch.Figures heap,
            long responses,
            long distinct,
            long wrong,
            int jobs) {
        /** Every request answered exactly once, rightly, by one job. */
        public boolean complete() {
            return responses == requests && distinct == requests && wrong == 0 && jobs == 1;
        }
    }

    private final Options options;
    private final PrintWriter out;
    private final BenchRequests requests;
    private final RolesJvm roles;

    public SubmitPollBenchmark(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
        this.requests = new BenchRequests(options.requestBytes());
        this.roles = new RolesJvm(options.rolesHeap(), options.rolesJvmOptions(), out);
    }

    /** Runs the whole benchmark; returns its figures (complete() false when a response was missing or wrong). */
    public Result run() throws Exception {
        Path dir = options.dataDir();
        Path rolesDir = Files.createDirectories(dir.resolve("roles"));
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, Map.of()).start();
                GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.builder()
                        .dataDir(dir.resolve("emulator"))
                        .pendingMillis(0)
                        .runningMillis(100)
                        .build())) {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("kafka.bootstrap-servers", broker.bootstrapServers());
            settings.put("gemini.base-url", emulator.baseUrl());
            settings.put("submit.spool-dir", rolesDir.resolve("spool").toString());
            settings.put("poll.cache-dir", rolesDir.resolve("poll-cache").toString());
            settings.put("submit.instance-id", "bench");
            // Always a FILE job, whatever --requests: the benchmark is about the streamed upload and download.
            settings.put("submit.inline-max-bytes", "0");
            // The job is checked soon after it ends: the emulator finishes it as soon as it has processed it.
            settings.put("poll.initial-interval", "200ms");
            settings.put("poll.max-interval", "1s");
            for (String key : options.settings().keySet()) {
                if (settings.containsKey(key)) {
                    throw new IllegalArgumentException("--set " + key + ": the benchmark sets it itself ("
                            + settings.get(key) + "); it cannot be changed here");
                }
            }
            settings.putAll(options.settings());
            GenAiBatchConfig config = GenAiBatchConfig.of(settings);
            Topics topics = Topics.from(config);
            try (Admin admin = new KafkaClients(config).admin()) {
                new TopicAdmin(admin).createMissing(topics.specs());
                TopicReadiness.awaitServed(
                        admin, topics.specs().stream().map(TopicSpec::name).toList(), Duration.ofSeconds(60));
            }
            out.printf(
                    "bench submit-poll: %,d requests of %,d bytes, roles' JVM at -Xmx%s, broker %s, emulator %s,"
                            + " data in %s%n",
                    options.requests(),
                    options.requestBytes(),
                    options.rolesHeap(),
                    broker.bootstrapServers(),
                    emulator.baseUrl(),
                    dir);
            if (!options.settings().isEmpty()) {
                // A tuned run must not read as a default one: the settings are printed with its figures.
                out.printf("settings (--set) for the roles and the Kafka copy: %s%n", options.settings());
            }
            out.flush();

            // The first baseline runs before the batch is written: right after, the kernel is still writing the
            // broker's gigabyte back to disk, which slowed a baseline there down by 2x in a trial run.
            DiskBaseline baseline = new DiskBaseline(options.requests(), requests, out);
            Baseline before = baseline.measure(dir, "before");
            BenchBatchWriter batch = new BenchBatchWriter(options.requests(), requests, out);
            long bytes = batch.write(config, topics);
            if (before.bytes() != bytes) {
                throw new IllegalStateException(
                        "the baseline wrote " + before.bytes() + " bytes, the batch has " + bytes);
            }
            Pipeline pipeline = Pipeline.run(options, roles, config, topics, settings, rolesDir, out);
            HeapWatch.Figures heap = roles.heap();
            Baseline after = baseline.measure(dir, "after");
            Baseline best = before.total() <= after.total() ? before : after;

            ResponseCheck check = ResponseCheck.read(config, topics, options.requests(), requests);
            int jobs = emulator.jobsCreatedFor(BATCH_ID);
            KafkaCopy.Figures copy = kafkaCopy(config, topics, check, batch.partition());
            Result result = new Result(
                    options.requests(),
                    bytes,
                    pipeline.seconds(),
                    best,
                    pipeline.seconds() / best.total(),
                    heap,
                    check.records,
                    check.distinct,
                    check.wrong + check.unknown,
                    jobs);
            SubmitPollReport.print(out, options, result, pipeline, check, copy);
            return result;
        } finally {
            roles.stop();
        }
    }

    /** Runs the {@link KafkaCopy} of the batch with values of the responses' mean size, and prints its figures. */
    private KafkaCopy.Figures kafkaCopy(GenAiBatchConfig config, Topics topics, ResponseCheck check, int batchPartition)
            throws Exception {
        int valueBytes = check.records == 0 ? options.requestBytes() : (int) (check.valueBytes / check.records);
        int chunk = config.get(ConfigKeys.POLL_PUBLISH_CHUNK);
        long chunkBytes = config.get(ConfigKeys.POLL_PUBLISH_CHUNK_BYTES);
        TopicSpec responses = topics.specs().stream()
                .filter(s -> s.name().equals(topics.responses()))
                .findFirst()
                .orElseThrow();
        TopicSpec target = new TopicSpec(
                "bench.kafka-copy", responses.partitions(), responses.replicationFactor(), responses.configs());
        KafkaCopy.Figures f = new KafkaCopy(
                        new KafkaClients(config),
                        topics.batches(),
                        target,
                        chunk,
                        chunkBytes,
                        Poller.producerTuning(config))
                .run(BATCH_ID, batchPartition, valueBytes);
        out.printf(
                "kafka copy  genai.batches -> %s: %,d items read and decoded, %,d records of %,d bytes written in"
                        + " %,d transactions of at most %,d records or %,d bytes with their offsets: %.2f s%n",
                target.name(), f.records(), f.records(), valueBytes, f.transactions(), chunk, chunkBytes, f.seconds());
        out.flush();
        return f;
    }
}

package io.genaibatch.bench;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.batch.JsonlLine;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import io.genaibatch.kafka.EmbeddedKafkaBroker;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.TopicReadiness;
import io.genaibatch.kafka.TopicSpec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.BatchRecord;
import io.genaibatch.records.BatchSeal;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.JobState;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.SealReason;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One large FILE batch through the submitter and the poller, with those two roles in their own JVM at a small heap,
 * against simply writing the same JSONL bytes to a file, fsyncing it and reading it back line by line.
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
    private static final int ITEMS_PER_TRANSACTION = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to run. {@code dataDir} must exist and is the caller's to delete. */
    public record Options(int requests, int requestBytes, String rolesHeap, Path dataDir, Duration timeout,
                          List<String> rolesJvmOptions) {
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
        }
    }

    /** The baseline's times, in seconds. */
    public record Baseline(long bytes, double write, double fsync, double read) {
        double total() {
            return write + fsync + read;
        }
    }

    /** The pipeline's times (seconds from the roles' start) and what was checked. */
    public record Result(int requests, long bytes, double seconds, Baseline baseline, double ratio,
                         HeapWatch.Figures heap, long responses, long distinct, long wrong, int jobs) {
        /** Every request answered exactly once, rightly, by one job. */
        public boolean complete() {
            return responses == requests && distinct == requests && wrong == 0 && jobs == 1;
        }
    }

    private final Options options;
    private final PrintWriter out;
    private final BenchRequests requests;

    public SubmitPollBenchmark(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
        this.requests = new BenchRequests(options.requestBytes());
    }

    /** Runs the whole benchmark; returns its figures (complete() false when a response was missing or wrong). */
    public Result run() throws Exception {
        Path dir = options.dataDir();
        Path rolesDir = Files.createDirectories(dir.resolve("roles"));
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, Map.of()).start();
             GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.builder().dataDir(dir.resolve("emulator"))
                     .pendingMillis(0).runningMillis(100).build())) {
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
            GenAiBatchConfig config = GenAiBatchConfig.of(settings);
            Topics topics = Topics.from(config);
            try (Admin admin = new KafkaClients(config).admin()) {
                new TopicAdmin(admin).createMissing(topics.specs());
                TopicReadiness.awaitServed(admin, topics.specs().stream().map(TopicSpec::name).toList(),
                        Duration.ofSeconds(60));
            }
            out.printf("bench submit-poll: %,d requests of %,d bytes, roles' JVM at -Xmx%s, broker %s, emulator %s,"
                            + " data in %s%n", options.requests(), options.requestBytes(), options.rolesHeap(),
                    broker.bootstrapServers(), emulator.baseUrl(), dir);
            out.flush();

            // The first baseline runs before the batch is written: right after, the kernel is still writing the
            // broker's gigabyte back to disk, which slowed a baseline there down by 2x in a trial run.
            Baseline before = baseline(dir, "before");
            long bytes = writeBatch(config, topics);
            if (before.bytes() != bytes) {
                throw new IllegalStateException("the baseline wrote " + before.bytes() + " bytes, the batch has " + bytes);
            }
            Pipeline pipeline = pipeline(config, topics, settings, rolesDir);
            HeapWatch.Figures heap = rolesHeap;
            Baseline after = baseline(dir, "after");
            Baseline best = before.total() <= after.total() ? before : after;

            Check check = checkResponses(config, topics);
            int jobs = emulator.jobsCreatedFor(BATCH_ID);
            KafkaCopy.Figures copy = kafkaCopy(config, topics, check);
            Result result = new Result(options.requests(), bytes, pipeline.seconds, best, pipeline.seconds / best.total(),
                    heap, check.records, check.distinct, check.wrong + check.unknown, jobs);
            printSummary(result, pipeline, check, copy);
            return result;
        } finally {
            stopRoles();
        }
    }

    // ----- set-up: the batch on genai.batches, as the accumulator writes it -----

    /** The genai.batches partition the batch went to (its records are keyed by the batchId). */
    private final java.util.concurrent.atomic.AtomicInteger batchPartition = new java.util.concurrent.atomic.AtomicInteger(-1);

    private long writeBatch(GenAiBatchConfig config, Topics topics) throws Exception {
        RecordCodec<BatchRecord> codec = RecordCodec.batchRecord();
        String groupKey = MODEL + "|GENERATE|0";
        long start = System.nanoTime();
        Instant opened = Instant.now();
        long bytes = 0;
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(new KafkaClients(config).properties(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-accumulator",
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none")), new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < options.requests(); i++) {
                String request = requests.requestJson(i);
                long lineBytes = JsonlLine.size(BenchRequests.lineKey(i), request);
                bytes += lineBytes;
                BatchItem item = BatchItem.newBuilder().setRequestId(BenchRequests.requestId(i))
                        .setKey(java.nio.ByteBuffer.wrap(BenchRequests.key(i).getBytes(StandardCharsets.UTF_8)))
                        .setHeaders(List.of()).setMetadata(Map.of()).setModel(MODEL).setKind(RequestKind.GENERATE)
                        .setRequest(request).setRequestBytes(lineBytes).setSourceTopic(BenchRequests.SOURCE_TOPIC)
                        .setSourcePartition(0).setSourceOffset(i).setReceivedAt(opened).build();
                send(producer, topics.batches(), codec.encode(new BatchRecord(BATCH_ID, groupKey, item, null),
                        ValueFormat.AVRO), failure, batchPartition);
                if ((i + 1) % ITEMS_PER_TRANSACTION == 0) {
                    producer.commitTransaction();
                    producer.beginTransaction();
                }
            }
            BatchSeal seal = BatchSeal.newBuilder().setCount(options.requests()).setBytes(bytes)
                    .setReason(SealReason.MAX_BYTES).setGroupKey(groupKey).setModel(MODEL)
                    .setKind(RequestKind.GENERATE).setOpenedAt(opened).setSealedAt(Instant.now()).build();
            send(producer, topics.batches(), codec.encode(new BatchRecord(BATCH_ID, groupKey, null, seal),
                    ValueFormat.AVRO), failure, batchPartition);
            producer.commitTransaction();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        out.printf("set-up   genai.batches: %,d items + seal, %,d bytes of JSONL (%.2f GB), written in %.1f s (not timed)%n",
                options.requests(), bytes, bytes / 1e9, (System.nanoTime() - start) / 1e9);
        out.flush();
        return bytes;
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, byte[] value,
                             AtomicReference<Exception> failure, java.util.concurrent.atomic.AtomicInteger partition) {
        producer.send(new ProducerRecord<>(topic, BATCH_ID, value), (m, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                partition.set(m.partition());
            }
        });
    }

    // ----- the Kafka copy: Kafka's own share of the poller's work, on the same broker -----

    /** Runs the {@link KafkaCopy} of the batch with values of the responses' mean size, and prints its figures. */
    private KafkaCopy.Figures kafkaCopy(GenAiBatchConfig config, Topics topics, Check check) throws Exception {
        int valueBytes = check.records == 0 ? options.requestBytes() : (int) (check.valueBytes / check.records);
        int chunk = config.get(io.genaibatch.config.ConfigKeys.POLL_PUBLISH_CHUNK);
        TopicSpec responses = topics.specs().stream().filter(s -> s.name().equals(topics.responses())).findFirst()
                .orElseThrow();
        TopicSpec target = new TopicSpec("bench.kafka-copy", responses.partitions(), responses.replicationFactor(),
                responses.configs());
        KafkaCopy.Figures f = new KafkaCopy(new KafkaClients(config), topics.batches(), target, chunk)
                .run(BATCH_ID, batchPartition.get(), valueBytes);
        out.printf("kafka copy  genai.batches -> %s: %,d items read and decoded, %,d records of %,d bytes written in"
                        + " %,d transactions of %,d with their offsets: %.2f s%n", target.name(), f.records(), f.records(),
                valueBytes, f.transactions(), chunk, f.seconds());
        out.flush();
        return f;
    }

    // ----- the baseline: the same bytes to a file, fsync, read back line by line -----

    private Baseline baseline(Path dir, String label) throws IOException {
        for (int i : new int[] {0, options.requests() / 2, options.requests() - 1}) {
            requests.checkLine(i);
        }
        Path file = dir.resolve("baseline.jsonl");
        byte[] buf = requests.lineBuffer();
        long written = 0;
        long t0 = System.nanoTime();
        long t1;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream stream = new BufferedOutputStream(Channels.newOutputStream(channel), 64 << 10)) {
            for (int i = 0; i < options.requests(); i++) {
                int n = requests.line(i, buf);
                stream.write(buf, 0, n);
                written += n;
            }
            stream.flush();
            t1 = System.nanoTime();
            channel.force(true);
        }
        long t2 = System.nanoTime();
        long lines = 0;
        long chars = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines++;
                chars += line.length() + 1;
            }
        }
        long t3 = System.nanoTime();
        Files.delete(file);
        if (lines != options.requests() || chars != written) {
            throw new IllegalStateException("baseline wrote " + options.requests() + " lines / " + written
                    + " bytes and read " + lines + " lines / " + chars + " chars");
        }
        Baseline b = new Baseline(written, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
        out.printf("baseline (%s) write %.2f s + fsync %.2f s + read lines %.2f s = %.2f s (%.0f MB/s)%n", label,
                b.write(), b.fsync(), b.read(), b.total(), written / 1e6 / b.total());
        out.flush();
        return b;
    }

    // ----- the pipeline: the roles' JVM, watched through genai.jobs -----

    private Process roles;
    private volatile HeapWatch.Figures rolesHeap;
    private final AtomicLong rolesStartedAt = new AtomicLong();
    /** This JVM's nanoTime when the start marker was read. */
    private final AtomicLong rolesStartSeen = new AtomicLong();
    private Thread rolesOutput;

    /** The pipeline's time from the roles' start to PUBLISHED, the emulator's part of it, the roles' start-up. */
    private record Pipeline(double seconds, double emulatorSeconds, double startupSeconds,
                            double succeededToPublishedSeconds) {
    }

    /** Runs the roles until the job is PUBLISHED, then stops them. */
    private Pipeline pipeline(GenAiBatchConfig config, Topics topics, Map<String, String> settings, Path rolesDir)
            throws Exception {
        startRoles(settings, rolesDir);
        long launched = System.nanoTime();
        JobWatch watch = new JobWatch();
        long deadline = launched + options.timeout().toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(new KafkaClients(config).properties(Map.of(
                "isolation.level", "read_committed", "enable.auto.commit", false, "client.id", "bench-jobs-watch")),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topics.jobs()).stream()
                    .map(p -> new TopicPartition(topics.jobs(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (watch.published == null) {
                if (!roles.isAlive()) {
                    throw new IllegalStateException("the roles' JVM exited with " + roles.exitValue()
                            + " before the job was published; see " + rolesDir.resolve("roles.log"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the job was not published within " + options.timeout()
                            + "; last record: " + watch.last + "; see " + rolesDir.resolve("roles.log"));
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (BATCH_ID.equals(r.key()) && r.value() != null) {
                        watch.on(RecordCodec.batchJob().decode(r.value()));
                    }
                }
            }
        }
        long startedAt = rolesStartedAt.get();
        if (startedAt == 0) {
            throw new IllegalStateException("the roles' JVM never reported its start");
        }
        stopRoles();
        double seconds = (watch.published.getUpdatedAt().toEpochMilli() - startedAt) / 1e3;
        double emulator = watch.printPhases(startedAt, seconds);
        return new Pipeline(seconds, emulator, (rolesStartSeen.get() - launched) / 1e9,
                watch.succeeded == null ? Double.NaN
                        : (watch.published.getUpdatedAt().toEpochMilli() - watch.succeeded.getUpdatedAt().toEpochMilli())
                        / 1e3);
    }

    /** The job's records as they come: its phases, and progress now and then. */
    private final class JobWatch {
        BatchJob intent;
        BatchJob created;
        BatchJob succeeded;
        BatchJob firstChunk;
        BatchJob published;
        BatchJob last;
        long nextProgress = Math.max(1, options.requests() / 10);

        void on(BatchJob job) {
            last = job;
            long t = job.getUpdatedAt().toEpochMilli() - rolesStartedAt.get();
            if (job.getState() == JobState.SUBMITTING && intent == null) {
                intent = job;
                print(t, "SUBMITTING: input uploaded as " + job.getUploadedFile() + ", intent recorded");
            } else if (job.getJobName() != null && created == null && job.getSubmittedAt() != null) {
                created = job;
                print(t, "job " + job.getJobName() + " created (" + job.getState() + ")");
            } else if (job.getState() == JobState.SUCCEEDED && succeeded == null) {
                succeeded = job;
                print(t, "SUCCEEDED seen by the poller (the API ended it at +"
                        + seconds(job.getEndedAt()) + " s)");
            } else if (job.getState() == JobState.RUNNING || job.getState() == JobState.PENDING) {
                print(t, job.getState().toString());
            }
            if (job.getPublishedThrough() > 0 && firstChunk == null) {
                firstChunk = job;
                print(t, "first chunk published (" + job.getPublishedThrough() + " responses)");
            }
            if (job.getPublishedThrough() >= nextProgress && job.getState() != JobState.PUBLISHED) {
                print(t, String.format("published %,d of %,d", job.getPublishedThrough(), options.requests()));
                while (nextProgress <= job.getPublishedThrough()) {
                    nextProgress += Math.max(1, options.requests() / 10);
                }
            }
            if (job.getState() == JobState.PUBLISHED) {
                published = job;
                print(t, String.format("PUBLISHED: %,d responses", job.getPublishedThrough()));
            } else if (JobState.FAILED == job.getState() || JobState.EXPIRED == job.getState()
                    || JobState.CANCELLED == job.getState()) {
                print(t, job.getState() + (job.getError() == null ? "" : ": " + job.getError().getMessage()));
            }
        }

        private String seconds(Instant at) {
            return at == null ? "?" : String.format("%.1f", (at.toEpochMilli() - rolesStartedAt.get()) / 1e3);
        }

        private void print(long millis, String what) {
            out.printf("  %+8.1f s  %s%n", millis / 1e3, what);
            out.flush();
        }

        /** Prints the phases; returns the emulator's (the stand-in for Gemini's processing), in seconds. */
        double printPhases(long start, double total) {
            out.println("phases (from the timestamps on genai.jobs, seconds since the roles started):");
            double uploaded = at(intent == null ? null : intent.getCreatedAt(), start);
            double created = at(this.created == null ? null : this.created.getSubmittedAt(), start);
            double ended = at(succeeded == null ? null : succeeded.getEndedAt(), start);
            double seen = at(succeeded == null ? null : succeeded.getUpdatedAt(), start);
            double first = at(firstChunk == null ? null : firstChunk.getUpdatedAt(), start);
            phase("read genai.batches, spool, upload", 0, uploaded);
            phase("record intent, create the job", uploaded, created);
            phase("emulator: run the job", created, ended);
            phase("poller: notice it ended", ended, seen);
            phase("poller: index items, download, index results, 1st chunk", seen, first);
            phase("poller: publish the rest", first, total);
            return ended - created;
        }

        private void phase(String name, double from, double to) {
            out.printf("  %-58s %8.1f s  (%7.1f .. %7.1f)%n", name, to - from, from, to);
        }

        private double at(Instant instant, long start) {
            return instant == null ? Double.NaN : (instant.toEpochMilli() - start) / 1e3;
        }
    }

    private void startRoles(Map<String, String> settings, Path rolesDir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xmx" + options.rolesHeap());
        // An OOM must leave evidence: a heap dump next to the roles' log, and the process gone at once.
        command.add("-XX:+HeapDumpOnOutOfMemoryError");
        command.add("-XX:HeapDumpPath=" + rolesDir);
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-Xlog:gc:file=" + rolesDir.resolve("gc.log"));
        command.addAll(options.rolesJvmOptions());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.genaibatch.cli.Main");
        command.add("bench");
        command.add("roles");
        command.add("--roles");
        command.add("submit,poll");
        settings.forEach((k, v) -> {
            command.add("--set");
            command.add(k + "=" + v);
        });
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(rolesDir.resolve("roles.log").toFile());
        // The emulator takes any key; the Gemini client insists on one.
        pb.environment().put("GEMINI_API_KEY", "bench-emulator-key");
        pb.environment().remove("GOOGLE_API_KEY");
        out.println("roles    " + String.join(" ", command.subList(0, command.indexOf("-cp"))) + " -cp ... "
                + "io.genaibatch.cli.Main bench roles --roles submit,poll (log: " + rolesDir.resolve("roles.log") + ")");
        out.flush();
        roles = pb.start();
        Path stdout = rolesDir.resolve("roles.out");
        rolesOutput = new Thread(() -> readRolesOutput(stdout), "bench-roles-output");
        rolesOutput.setDaemon(true);
        rolesOutput.start();
    }

    private void readRolesOutput(Path copy) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(roles.getInputStream(), StandardCharsets.UTF_8));
             var file = Files.newBufferedWriter(copy)) {
            String line;
            while ((line = in.readLine()) != null) {
                file.write(line);
                file.newLine();
                file.flush();
                if (line.startsWith(STARTED_MARKER + " ")) {
                    rolesStartSeen.set(System.nanoTime());
                    rolesStartedAt.set(Long.parseLong(line.substring(STARTED_MARKER.length() + 1).trim()));
                }
                HeapWatch.Figures f = HeapWatch.Figures.parse(line);
                if (f != null) {
                    rolesHeap = f;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the roles' stdin, which stops them in order; they print their heap figures and exit. */
    private void stopRoles() throws InterruptedException {
        Process p = roles;
        if (p == null) {
            return;
        }
        roles = null;
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // Already gone.
        }
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            out.println("the roles' JVM did not stop within 3 minutes of being asked; killing it");
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        if (rolesOutput != null) {
            rolesOutput.join(10_000);
        }
    }

    // ----- the check: every response exactly once, and right -----

    private static final class Check {
        long records;
        long distinct;
        long duplicates;
        long unknown;
        long wrong;
        long valueBytes;
        Map<ResponseStatus, Long> byStatus = new HashMap<>();
        String firstProblem;
        double seconds;
    }

    private Check checkResponses(GenAiBatchConfig config, Topics topics) {
        long start = System.nanoTime();
        Check c = new Check();
        BitSet seen = new BitSet(options.requests());
        RecordCodec<GenAiResponse> codec = RecordCodec.genAiResponse();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(new KafkaClients(config).properties(Map.of(
                "isolation.level", "read_committed", "enable.auto.commit", false, "client.id", "bench-check")),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topics.responses()).stream()
                    .map(p -> new TopicPartition(topics.responses(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    c.records++;
                    c.valueBytes += r.serializedValueSize();
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    int i = BenchRequests.index(key);
                    if (i < 0 || i >= options.requests()) {
                        c.unknown++;
                        problem(c, "a response with the unknown key '" + key + "'");
                        continue;
                    }
                    if (seen.get(i)) {
                        c.duplicates++;
                        problem(c, "a second response for " + key);
                        continue;
                    }
                    seen.set(i);
                    GenAiResponse response = codec.decode(r.value());
                    c.byStatus.merge(response.getStatus(), 1L, Long::sum);
                    String wrong = wrongAnswer(i, response);
                    if (wrong != null) {
                        c.wrong++;
                        problem(c, key + ": " + wrong);
                    }
                }
            }
        }
        c.distinct = seen.cardinality();
        c.seconds = (System.nanoTime() - start) / 1e9;
        return c;
    }

    private static void problem(Check c, String what) {
        if (c.firstProblem == null) {
            c.firstProblem = what;
        }
    }

    /** Null when the response is SUCCEEDED and its text is "echo: " and request i's prompt; else what is wrong. */
    private String wrongAnswer(int i, GenAiResponse response) {
        if (response.getStatus() != ResponseStatus.SUCCEEDED || response.getResponse() == null) {
            return "status " + response.getStatus() + (response.getError() == null ? ""
                    : " " + response.getError().getCode() + ": " + response.getError().getMessage());
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

    // ----- the figures -----

    private void printSummary(Result r, Pipeline p, Check c, KafkaCopy.Figures copy) {
        out.printf("check    genai.responses (read_committed): %,d records, %,d distinct requests of %,d, %,d duplicates,"
                        + " %,d unknown keys, %,d wrong answers, statuses %s; jobs created at the API for the batch: %d"
                        + " (checked in %.1f s)%n", c.records, c.distinct, options.requests(), c.duplicates, c.unknown,
                c.wrong, c.byStatus, r.jobs(), c.seconds);
        if (c.firstProblem != null) {
            out.println("         first problem: " + c.firstProblem);
        }
        HeapWatch.Figures h = r.heap();
        out.printf("RESULT   %,d requests, %,d bytes of JSONL: submit + poll %.1f s (%.1f MB/s); baseline %.2f s"
                        + " (write %.2f + fsync %.2f + read %.2f); ratio %.1f%n", options.requests(), r.bytes(), r.seconds(),
                r.bytes() / 1e6 / r.seconds(), r.baseline().total(), r.baseline().write(), r.baseline().fsync(),
                r.baseline().read(), r.ratio());
        double roles = r.seconds() - p.emulatorSeconds();
        out.printf("RESULT   without the emulator's run of the job (%.1f s, Gemini's part): %.1f s, ratio %.1f;"
                + " the roles' JVM took %.1f s to start (not counted)%n", p.emulatorSeconds(), roles,
                roles / r.baseline().total(), p.startupSeconds());
        if (h == null) {
            out.println("RESULT   roles' heap: not reported (the roles' JVM did not stop normally)");
        } else {
            out.printf("RESULT   roles' JVM -Xmx%s (max heap %d MB): heap max after GC %.1f MB, peak used (sum of pool"
                            + " peaks) %.1f MB, %d GCs / %d ms, peak RSS %.0f MB%n", options.rolesHeap(), h.maxHeap() >> 20,
                    h.maxAfterGc() / 1048576.0, h.peakUsed() / 1048576.0, h.gcCount(), h.gcMillis(),
                    h.peakRss() / 1048576.0);
        }
        out.printf("RESULT   kafka copy (consume-transform-produce of the %,d items, transactions of the poller's chunk"
                + " size): %.2f s; submit + poll without the emulator's run over it: ratio %.1f%n", copy.records(),
                copy.seconds(), roles / copy.seconds());
        out.printf("RESULT submit-poll: kafka-copy ratio %.1f, succeeded-to-published %.1f s%n", roles / copy.seconds(),
                p.succeededToPublishedSeconds());
        out.println(r.complete()
                ? "RESULT   complete: every request got exactly one response, each the right answer, from one job"
                : "RESULT   INCOMPLETE: see above");
        out.flush();
    }
}

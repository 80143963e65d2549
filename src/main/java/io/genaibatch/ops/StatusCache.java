package io.genaibatch.ops;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.jobs.JobsReader;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.ReadToEnd;
import io.genaibatch.kafka.Topics;
import io.genaibatch.ops.UsageLedger.ModelUsage;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.run.OpenBatches;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the status page and /api/jobs, /api/models show, read from Kafka in the background every
 * {@code http.refresh-interval}: a hit only takes the latest {@link Status}, so a slow broker never makes a page
 * slow, and a hundred hits cost no more than one. Reading starts at the first hit (a process nobody looks at reads
 * nothing) and stops when the HTTP server closes.
 *
 * <p>genai.jobs and genai.window-config are compacted and read whole at each refresh; genai.responses is read once
 * from its beginning and then only its new records, into two ledgers (all the topic keeps, and today, UTC) and
 * per-minute throughput and latency for the last hour, bucketed by each response's {@code completedAt}.
 */
final class StatusCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusCache.class);
    static final int CHART_MINUTES = 60;

    /**
     * Responses completed in one minute, and their latency (completedAt - receivedAt) where receivedAt is known.
     */
    record Minute(Instant start, long responses, long timed, long latencySumMs, long latencyMaxMs) {
        long latencyMeanMs() {
            return timed == 0 ? 0 : latencySumMs / timed;
        }
    }

    /**
     * One refresh's view. A source that could not be read has its problem set and its value from the refresh
     * before (null if never read).
     *
     * @param window the window policy of every model with jobs, responses or a policy of its own
     *
     * @param openBatches this process's open batches, read from its accumulator (or why they are not known)
     * @param responsesCaughtUp false while the first read of genai.responses is still going through the topic
     */
    record Status(
            Instant refreshedAt,
            JobsReader.Snapshot jobs,
            String jobsProblem,
            Map<String, WindowPolicyReader.Policy> window,
            String windowProblem,
            OpenBatches openBatches,
            List<ModelUsage> usageTotal,
            List<ModelUsage> usageToday,
            List<Minute> lastHour,
            boolean responsesCaughtUp,
            String responsesProblem) {}

    private final GenAiBatchConfig config;
    private final WindowPolicyReader policies;
    private final OpenBatches.Source openBatches;
    private final Duration interval;
    private final UsageLedger total;
    private final AtomicReference<Status> status = new AtomicReference<>();
    private ScheduledExecutorService executor;
    private boolean closed;

    // Owned by the refresh thread.
    private final Prices prices;
    private KafkaConsumer<byte[], byte[]> responses;
    private UsageLedger today;
    private LocalDate day;
    private final TreeMap<Instant, long[]> minutes = new TreeMap<>();
    private boolean caughtUp;

    /** @param openBatches this process's accumulator, or a source that says there is none */
    StatusCache(GenAiBatchConfig config, WindowPolicyReader policies, OpenBatches.Source openBatches) {
        this.config = config;
        this.policies = policies;
        this.openBatches = openBatches;
        this.interval = config.get(ConfigKeys.HTTP_REFRESH_INTERVAL);
        this.prices = Prices.from(config);
        this.total = new UsageLedger(prices);
    }

    Duration interval() {
        return interval;
    }

    /** The latest refresh; empty until the first one is done. The first call starts the background reading. */
    Optional<Status> current() {
        startOnce();
        return Optional.ofNullable(status.get());
    }

    private synchronized void startOnce() {
        if (executor != null || closed) {
            return;
        }
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "genai-batch-status");
            t.setDaemon(true);
            return t;
        });
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        e.scheduleWithFixedDelay(this::refresh, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        executor = e;
        log.info(
                "status page: reading genai.jobs, genai.window-config and genai.responses every {}",
                ConfigKeys.HTTP_REFRESH_INTERVAL.format(interval));
    }

    /** A task that throws is never run again by its executor: whatever goes wrong, the next refresh still comes. */
    private void refresh() {
        try {
            refreshOnce();
        } catch (RuntimeException e) {
            log.warn(
                    "status page: refresh failed; trying again in {}",
                    ConfigKeys.HTTP_REFRESH_INTERVAL.format(interval),
                    e);
        }
    }

    private void refreshOnce() {
        Status before = status.get();
        Instant now = Instant.now();
        // Each source on its own: a missing topic must not hide what the others say.
        JobsReader.Snapshot jobs = before == null ? null : before.jobs();
        String jobsProblem = null;
        try {
            jobs = JobsReader.readJobs(
                    new KafkaClients(config), Topics.from(config).jobs(), interval.multipliedBy(3));
        } catch (RuntimeException e) {
            jobsProblem = problem("genai.jobs", e, before == null ? null : before.jobsProblem());
        }
        String responsesProblem = null;
        try {
            // Its own budget, taken after the genai.jobs read, which may have used up the interval.
            readResponses(interval);
        } catch (RuntimeException e) {
            responsesProblem = problem("genai.responses", e, before == null ? null : before.responsesProblem());
            closeResponses();
        }
        List<ModelUsage> usage = total.byModel();
        Map<String, WindowPolicyReader.Policy> window = before == null ? null : before.window();
        String windowProblem = null;
        try {
            window = policies.read(models(jobs, usage));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            windowProblem = problem("genai.window-config", e, before == null ? null : before.windowProblem());
        }
        OpenBatches open;
        try {
            open = openBatches.openBatches();
        } catch (RuntimeException e) {
            open = OpenBatches.unknown("the accumulator's store could not be read: " + e.getMessage());
        }
        rollDay();
        status.set(new Status(
                now,
                jobs,
                jobsProblem,
                window,
                windowProblem,
                open,
                usage,
                today.byModel(),
                lastHour(now),
                caughtUp,
                responsesProblem));
    }

    /** The models with a job on genai.jobs or a response. */
    private static Set<String> models(JobsReader.Snapshot jobs, List<ModelUsage> usage) {
        Set<String> models = new TreeSet<>();
        usage.forEach(u -> models.add(u.model()));
        if (jobs != null) {
            jobs.live().forEach(b -> models.add(JobsView.modelName(b.job().getModel())));
        }
        return models;
    }

    /** Logs a source's problem when it starts or changes, not at every refresh. */
    private static String problem(String source, Exception e, String before) {
        String message = source + " could not be read: " + e.getMessage();
        if (!message.equals(before)) {
            log.warn("status page: {}", message);
        }
        return message;
    }

    /** New records of genai.responses up to the end as it is now, or for {@code budget}. */
    private void readResponses(Duration budget) {
        if (responses == null) {
            responses = openResponses();
        } else {
            assignAddedPartitions();
        }
        Map<TopicPartition, Long> end = responses.endOffsets(responses.assignment(), interval);
        if (!ReadToEnd.read(responses, end, ReadToEnd.Limit.within(budget), this::add)
                .reached()) {
            return;
        }
        caughtUp = true;
    }

    /**
     * Partitions added to genai.responses since it was opened, read from their start. The consumer's own metadata
     * answers (no request to the broker), and it learns of new partitions within metadata.max.age.ms (5 minutes by
     * default), so this is cheap at every refresh.
     */
    private void assignAddedPartitions() {
        List<TopicPartition> now =
                ReadToEnd.partitions(responses, Topics.from(config).responses(), interval);
        List<TopicPartition> added =
                now.stream().filter(tp -> !responses.assignment().contains(tp)).toList();
        if (!added.isEmpty()) {
            List<TopicPartition> all = new java.util.ArrayList<>(responses.assignment());
            all.addAll(added);
            responses.assign(all);
            responses.seekToBeginning(added);
            caughtUp = false;
            log.info("status page: reading {} partitions added to genai.responses: {}", added.size(), added);
        }
    }

    private KafkaConsumer<byte[], byte[]> openResponses() {
        String topic = Topics.from(config).responses();
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                new KafkaClients(config)
                        .consumer(Map.of(
                                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                                false,
                                ConsumerConfig.CLIENT_ID_CONFIG,
                                "genai-batch-status")),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = ReadToEnd.partitions(consumer, topic, interval);
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return consumer;
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    private void add(ConsumerRecord<byte[], byte[]> record) {
        GenAiResponse response = total.addRecord(record);
        if (response == null) {
            return;
        }
        Instant completed = response.getCompletedAt();
        rollDay();
        if (LocalDate.ofInstant(completed, ZoneOffset.UTC).equals(day)) {
            today.add(response);
        }
        Instant minute = completed.truncatedTo(ChronoUnit.MINUTES);
        if (minute.isAfter(Instant.now().minus(Duration.ofMinutes(CHART_MINUTES + 1)))) {
            long[] m = minutes.computeIfAbsent(minute, k -> new long[4]);
            m[0]++;
            if (response.getReceivedAt() != null) {
                long latency = Math.max(
                        0, completed.toEpochMilli() - response.getReceivedAt().toEpochMilli());
                m[1]++;
                m[2] += latency;
                m[3] = Math.max(m[3], latency);
            }
        }
    }

    /** Today (UTC) starts an empty ledger at midnight. */
    private void rollDay() {
        LocalDate now = LocalDate.now(ZoneOffset.UTC);
        if (!now.equals(day)) {
            day = now;
            today = new UsageLedger(prices);
        }
    }

    /** The last {@value #CHART_MINUTES} minutes, oldest first, a zero minute where nothing completed. */
    private List<Minute> lastHour(Instant now) {
        Instant last = now.truncatedTo(ChronoUnit.MINUTES);
        Instant first = last.minus(Duration.ofMinutes(CHART_MINUTES - 1));
        minutes.headMap(first).clear();
        List<Minute> out = new ArrayList<>(CHART_MINUTES);
        for (Instant m = first; !m.isAfter(last); m = m.plus(Duration.ofMinutes(1))) {
            long[] c = minutes.getOrDefault(m, new long[4]);
            out.add(new Minute(m, c[0], c[1], c[2], c[3]));
        }
        return List.copyOf(out);
    }

    private void closeResponses() {
        if (responses != null) {
            responses.close(Duration.ZERO);
            responses = null;
            // Read again from the beginning: the ledgers start over with it.
            total.reset();
            today = null;
            day = null;
            minutes.clear();
            caughtUp = false;
        }
    }

    @Override
    public void close() {
        ScheduledExecutorService e;
        synchronized (this) {
            closed = true;
            e = executor;
        }
        if (e == null) {
            return;
        }
        e.shutdownNow();
        try {
            if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn(
                        "status page: the refresh thread did not stop within 5 s; its Kafka consumer is left to the JVM");
                return;
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return;
        }
        // The refresh thread has ended: its consumer can be closed from here.
        if (responses != null) {
            responses.close(Duration.ZERO);
        }
    }
}

package io.genaibatch.poll;

import io.genaibatch.gemini.BatchApi;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.poll.JobTable.OpenJob;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The poller's thread. It makes the Kafka clients ({@link PollerClients}) and wires the parts, through which work
 * flows one way: the {@link JobTable} says which job is due, {@link JobRounds} checks it at the API and records what
 * changed, the {@link Publisher} publishes a finished one, and {@link JobPartitions} writes every record in a
 * transaction of the job's genai.jobs partition (and reads those partitions into the table).
 *
 * <p>Everything runs on this one thread, but for the transfer of a job's results ({@link DownloadThread}), which
 * runs on a thread of its own while this one keeps polling.
 */
final class PollLoop implements Runnable {
    private static final Duration MAX_IDLE_POLL = Duration.ofMillis(200);

    private final KafkaClients clients;
    private final PollerSettings settings;
    private final BatchApi api;
    private final Topics topics;
    private final ValueFormat format;
    private final JobPolicy policy;
    private final PollerCounters counters;
    private final PollerHooks hooks;
    private final Clock clock;
    private final JobTable table;
    private final CacheDirs cache;

    private volatile boolean running = true;
    /** Volatile: {@link #stop()} wakes it up from the closing thread. */
    private volatile Consumer<byte[], byte[]> consumer;

    PollLoop(
            KafkaClients clients,
            PollerSettings settings,
            BatchApi api,
            Topics topics,
            ValueFormat format,
            JobPolicy policy,
            PollerCounters counters,
            PollerHooks hooks,
            Clock clock) {
        this.clients = clients;
        this.settings = settings;
        this.api = api;
        this.topics = topics;
        this.format = format;
        this.policy = policy;
        this.counters = counters;
        this.hooks = hooks;
        this.clock = clock;
        this.table = new JobTable(settings.schedule());
        this.cache =
                new CacheDirs(settings.cacheDir(), settings.cacheDirIsDefault(), settings.groupId(), topics.jobs());
    }

    /** The group consumer's metrics (thread-safe, unlike the consumer); empty while it is not open. */
    Map<MetricName, ? extends Metric> consumerMetrics() {
        Consumer<byte[], byte[]> c = consumer;
        return c == null ? Map.of() : c.metrics();
    }

    /** Asks the loop to stop at its next step; a chunk in flight is committed or aborted, never half-applied. */
    void stop() {
        running = false;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public void run() {
        JobPartitions partitions = null;
        try (PollerClients kafka = PollerClients.open(clients, settings, topics, hooks);
                KafkaClientMetrics jobsMeters = counters.meter(kafka.jobs());
                DownloadThread downloads = new DownloadThread()) {
            consumer = kafka.jobs();
            TopicAdmin topicAdmin = new TopicAdmin(kafka.admin());
            partitions = new JobPartitions(
                    kafka.jobs(),
                    kafka::producer,
                    kafka.admin(),
                    topics.jobs(),
                    format,
                    table,
                    cache,
                    hooks,
                    clock,
                    () -> running);
            Publisher publisher = new Publisher(
                    settings,
                    cache,
                    api,
                    policy,
                    new ItemLoader(kafka.batches(), topics.batches(), settings.itemsReadTimeout(), clock),
                    new Responses(
                            topics.responses(), format, kafka.maxResponseRecordBytes(topicAdmin, topics.responses())),
                    new ChildBatches(topics.batches(), format),
                    partitions,
                    counters,
                    clock,
                    downloads);
            JobRounds rounds =
                    new JobRounds(settings, api, policy, counters, clock, publisher, partitions, () -> running);
            if (policy.rebatches()) {
                RetentionCheck.warnIfShort(topicAdmin, topics.batches(), settings.retries());
            }
            partitions.subscribe();
            try {
                while (running) {
                    partitions.pollOnce(table.untilNextDue(clock.instant(), MAX_IDLE_POLL));
                    counters.oldestOpenJob(table.oldestSubmittedAt());
                    counters.jobsInFlight(table.inFlight());
                    for (OpenJob entry : table.due(clock.instant(), partitions.readyPartitions())) {
                        if (!running) {
                            break;
                        }
                        if (table.isCurrent(entry)) {
                            partitions.during(entry, () -> rounds.work(entry));
                        }
                    }
                }
            } finally {
                // The consumer closes next and revokes every partition: a poller stopping (or dying) keeps its
                // caches for its restart.
                partitions.leave();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            if (partitions != null) {
                partitions.closeProducers();
            }
            consumer = null;
        }
    }
}

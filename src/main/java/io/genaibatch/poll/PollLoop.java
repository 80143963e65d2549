package io.genaibatch.poll;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.genaibatch.batch.Lineage;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.GeminiApiException;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.kafka.TopicAdmin;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.poll.JobTable.OpenJob;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poller's thread: owns the genai.jobs partitions the group gives it, keeps the {@link JobTable} of their open
 * jobs, checks each job when due, records state changes, and has finished jobs published by the {@link Publisher}.
 * Every write goes through the transactional producer of the job's partition.
 *
 * <p>Fencing: each assigned partition p gets its own producer with {@code transactional.id =
 * <poll.group-id>-<jobs topic>-p}. The new owner of p calls initTransactions before it reads p, which aborts any
 * transaction the previous owner left open and fences that owner: a zombie still publishing p's job gets
 * ProducerFencedException at its next send or commit, and nothing of its unfinished chunk becomes visible. Every
 * transaction also commits the consumer offset of p with the consumer's group metadata (KIP-447), so a member
 * whose generation is stale cannot commit either.
 *
 * <p>Everything here runs on one thread, but for the transfer of a job's results ({@link DownloadThread}), which
 * runs on a thread of its own while this one keeps polling. Long work (that transfer, reading items, a large
 * publication) polls the consumer between steps ({@link #keepAlive}), which is also where a rebalance can take a
 * partition away: the work on that partition's job stops there, after its last committed chunk.
 */
final class PollLoop implements Runnable, Publisher.JobWriter {
    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
    private static final Duration MAX_IDLE_POLL = Duration.ofMillis(200);
    /**
     * First wait before retrying a job whose round failed for a reason of ours (Kafka, disk), not the API's; it
     * doubles with each failure in a row, up to poll.max-interval.
     */
    private static final Duration FIRST_RETRY_AFTER_FAILURE = Duration.ofSeconds(1);
    /** The API's NOT_FOUND answers in a row, each at the job's next check, before a job may be taken for gone. */
    static final int GONE_AFTER_NOT_FOUND = 3;
    /** Jobs read from {@code list} looking for one that answers NOT_FOUND (100 pages at most, a rare event). */
    private static final int GONE_LIST_SCAN = 10_000;
    private static final int LIST_PAGE_SIZE = 100;
    /**
     * Calls of commitTransaction for one transaction before its producer is given up (each may block max.block.ms,
     * 1 min by default; the group is polled in between). Five, as the submitter's JobsWriter.
     */
    static final int COMMIT_ATTEMPTS = 5;

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
    private final RecordCodec<BatchJob> jobCodec = RecordCodec.batchJob();
    private final Map<Integer, OwnedPartition> owned = new HashMap<>();
    /**
     * Partitions revoked while the poller runs, until assigned again: a job of theirs whose round was cut short
     * leaves a cache nobody will use here.
     */
    private final Set<Integer> revoked = new HashSet<>();
    /** The job whose round of work runs now: its index may be open, so its cache is never deleted under it. */
    private OpenJob working;

    private volatile boolean running = true;
    /** Set once the loop is over, before the consumer closes. */
    private boolean leaving;
    /** Volatile: {@link #stop()} wakes it up from the closing thread. */
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Publisher publisher;
    /** For the end offsets of assigned partitions; open while the loop runs. */
    private org.apache.kafka.clients.admin.Admin admin;

    /** One assigned partition of genai.jobs: its producer, and whether its open jobs are all known yet. */
    private static final class OwnedPartition {
        final TopicPartition tp;
        final Producer<byte[], byte[]> producer;
        /** The partition's end (read_committed) when it was assigned: its table is complete once read past it. */
        final long catchUpTo;
        boolean ready;

        OwnedPartition(TopicPartition tp, Producer<byte[], byte[]> producer, long catchUpTo) {
            this.tp = tp;
            this.producer = producer;
            this.catchUpTo = catchUpTo;
        }
    }

    PollLoop(KafkaClients clients, PollerSettings settings, BatchApi api, Topics topics, ValueFormat format,
             JobPolicy policy, PollerCounters counters, PollerHooks hooks, Clock clock) {
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
        counters.watchOpenJobs(table::size);
        this.cache = new CacheDirs(settings.cacheDir(), settings.cacheDirIsDefault(), settings.groupId(),
                topics.jobs());
    }

    /** The group consumer's metrics (thread-safe, unlike the consumer); empty while it is not open. */
    Map<MetricName, ? extends Metric> consumerMetrics() {
        KafkaConsumer<byte[], byte[]> c = consumer;
        return c == null ? Map.of() : c.metrics();
    }

    /** Asks the loop to stop at its next step; a chunk in flight is committed or aborted, never half-applied. */
    void stop() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public void run() {
        try (KafkaConsumer<byte[], byte[]> jobs = new KafkaConsumer<>(jobsConsumerProperties(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaClientMetrics jobsMeters = counters.meter(jobs);
             KafkaConsumer<byte[], byte[]> batches = new KafkaConsumer<>(clients.properties(
                     ItemLoader.consumerProperties()), new ByteArrayDeserializer(), new ByteArrayDeserializer());
             DownloadThread downloads = new DownloadThread()) {
            consumer = jobs;
            admin = clients.admin();
            TopicAdmin topicAdmin = new TopicAdmin(admin);
            publisher = new Publisher(settings, cache, api, policy,
                    new ItemLoader(batches, topics.batches(), settings.itemsReadTimeout(), clock),
                    new Responses(topics.responses(), format, maxResponseRecordBytes(topicAdmin)),
                    new ChildBatches(topics.batches(), format), this, counters, clock, downloads);
            if (policy.rebatches()) {
                RetentionCheck.warnIfShort(topicAdmin, topics.batches(), settings.retries());
            }
            jobs.subscribe(List.of(topics.jobs()), new Rebalance());
            log.info("Poller started: group {}, jobs from {}, responses to {}, cache {}", settings.groupId(),
                    topics.jobs(), topics.responses(), cache.root());
            try {
                while (running) {
                    pollOnce(table.untilNextDue(clock.instant(), MAX_IDLE_POLL));
                    counters.oldestOpenJob(table.oldestSubmittedAt());
                    for (OpenJob entry : table.due(clock.instant(), readyPartitions())) {
                        if (!running) {
                            break;
                        }
                        if (table.isCurrent(entry)) {
                            working = entry;
                            try {
                                work(entry);
                            } finally {
                                working = null;
                            }
                        }
                    }
                }
            } finally {
                // The consumer closes next and revokes every partition: a poller stopping (or dying) keeps its
                // caches for its restart.
                leaving = true;
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            closeProducers();
            consumer = null;
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
            log.info("Poller stopped");
        }
    }

    /** One round of work on a due job. Failures reschedule the job; only an Error ends the loop. */
    private void work(OpenJob entry) {
        try {
            JobState state = entry.job().getState();
            if (entry.notFound().longEnough(GONE_AFTER_NOT_FOUND, settings.goneAfter(), clock.instant())) {
                if (!confirmGone(entry)) {
                    return;
                }
                gone(entry);
            } else if (JobRecords.isFinished(state)) {
                publisher.publish(entry, Optional.empty()).ifPresent(entry::nextCheck);
            } else {
                check(entry);
            }
            entry.failures(0);
            entry.notFound(NotFoundStreak.NONE);
        } catch (PartitionUnusableException e) {
            throw e;
        } catch (JobAbandonedException e) {
            log.info("batch {} job {}: stopped ({}); its committed progress stands", entry.batchId(),
                    entry.job().getJobName(), e.getMessage());
            if (running && !leaving && revoked.contains(entry.partition())) {
                // Its index is closed now; the partition's other caches went when it was revoked.
                cache.deleteJob(entry.partition(), entry.job(), "partition " + entry.partition() + " of "
                        + topics.jobs() + " was revoked during the job's round: the job is another poller's now");
            }
        } catch (GeminiApiException e) {
            counters.apiError();
            Instant now = clock.instant();
            // Only the API's own NOT_FOUND answers in a row count; the job is declared gone by a later round,
            // inside this method's guard, once confirmed.
            if (e.isApiNotFound()) {
                entry.notFound(entry.notFound().plus(now, e.serverMessage()));
            } else if (!e.isRetriable() || e.httpStatus() == 404) {
                // A 429, a 503 or a lost connection says nothing about the job: the streak goes on through them.
                entry.notFound(NotFoundStreak.NONE);
                if (e.httpStatus() == 404) {
                    counters.apiUnreachable("a 404 that is not the API's answer (check gemini.base-url): " + e.getMessage());
                    log.error("batch {} job {}: {} — a 404 that is not the API's NOT_FOUND answer (a proxy's or "
                            + "a web server's page): check gemini.base-url and gemini.api-version; the job is not "
                            + "taken for gone on such answers", entry.batchId(), entry.job().getJobName(),
                            e.getMessage());
                }
            }
            entry.nextCheck(settings.schedule().afterFailure(JobTable.submittedAt(entry.job()), now,
                    e.retryAfter().orElse(null)));
            log.warn("batch {} job {}: {}; next try at {}", entry.batchId(), entry.job().getJobName(), e.getMessage(),
                    entry.nextCheck());
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RetryLaterException e) {
            Duration wait = retryAfterFailure(entry);
            log.warn("{}; next try in {} ms", e.getMessage(), wait.toMillis());
        } catch (RuntimeException e) {
            counters.jobError();
            Duration wait = retryAfterFailure(entry);
            log.error("batch {} job {}: {} (failure {} in a row); retrying in {} ms", entry.batchId(),
                    entry.job().getJobName(), e.toString(), entry.failures(), wait.toMillis(), e);
        }
    }

    /** Counts one more failed round of the job and schedules the next: 1 s, doubling, at most poll.max-interval. */
    private Duration retryAfterFailure(OpenJob entry) {
        int failures = entry.failures() + 1;
        entry.failures(failures);
        Duration wait = FIRST_RETRY_AFTER_FAILURE.multipliedBy(1L << Math.min(failures - 1, 20));
        if (wait.compareTo(settings.schedule().max()) > 0) {
            wait = settings.schedule().max();
        }
        entry.nextCheck(clock.instant().plus(wait));
        return wait;
    }

    /**
     * Whether a job that answered NOT_FOUND long enough is really gone: only if {@code list} works (so the base URL,
     * API version and key reach the API) and does not show the job still to run. A job whose output is gone but is
     * itself listed finished is gone too. Otherwise the streak starts again and the job is checked on.
     */
    private boolean confirmGone(OpenJob entry) {
        BatchJob job = entry.job();
        NotFoundStreak streak = entry.notFound();
        Optional<BatchJobInfo> listed = Optional.empty();
        int scanned = 0;
        try (Stream<BatchJobInfo> jobs = api.list(LIST_PAGE_SIZE)) {
            // Whatever order the API lists in: the whole list, up to a bound.
            for (Iterator<BatchJobInfo> it = jobs.iterator(); it.hasNext() && scanned < GONE_LIST_SCAN; scanned++) {
                BatchJobInfo j = it.next();
                if (j.name().equals(job.getJobName())) {
                    listed = Optional.of(j);
                    break;
                }
            }
        } catch (GeminiApiException e) {
            counters.apiError();
            counters.apiUnreachable("jobs answer NOT_FOUND and listing them fails too (check gemini.base-url, "
                    + "gemini.api-version and the API key): " + e.getMessage());
            entry.notFound(NotFoundStreak.NONE);
            entry.nextCheck(settings.schedule().afterFailure(JobTable.submittedAt(job), clock.instant(),
                    e.retryAfter().orElse(null)));
            log.error("batch {} job {}: {} checks since {} answered NOT_FOUND ({}), and listing jobs fails too ({}): "
                    + "the API is not reachable as configured (check gemini.base-url, gemini.api-version and the API "
                    + "key); no job is taken for gone while that lasts; next try at {}", job.getBatchId(),
                    job.getJobName(), streak.count(), streak.since(), streak.lastMessage(), e.getMessage(),
                    entry.nextCheck());
            return false;
        }
        if (listed.isEmpty() && scanned >= GONE_LIST_SCAN) {
            entry.notFound(NotFoundStreak.NONE);
            entry.nextCheck(clock.instant().plus(settings.schedule().interval(JobTable.submittedAt(job),
                    clock.instant())));
            log.warn("batch {} job {}: {} checks since {} answered NOT_FOUND ({}), but the project lists more than {} "
                    + "jobs and the job was not among those read: not taken for gone (delete old finished jobs at "
                    + "the API so that the list confirms it); checking on", job.getBatchId(),
                    job.getJobName(), streak.count(), streak.since(), streak.lastMessage(), GONE_LIST_SCAN);
            return false;
        }
        boolean outputGone = listed.isPresent() && JobRecords.isFinished(job.getState())
                && JobRecords.stateOf(listed.get().state()).map(JobRecords::isFinished).orElse(false);
        if (listed.isEmpty() || outputGone) {
            return true;
        }
        entry.notFound(NotFoundStreak.NONE);
        entry.nextCheck(clock.instant().plus(settings.schedule().interval(JobTable.submittedAt(job), clock.instant())));
        log.warn("batch {} job {}: {} checks since {} answered NOT_FOUND ({}), but the API lists the job {}: not "
                + "taken for gone; checking on", job.getBatchId(), job.getJobName(), streak.count(), streak.since(),
                streak.lastMessage(), listed.get().state());
        return false;
    }

    /**
     * The job answered NOT_FOUND at {@link #GONE_AFTER_NOT_FOUND} checks in a row over poll.gone-after, confirmed by
     * {@link #confirmGone}: it was deleted, or its output is gone (for a SUCCEEDED job not yet published). Recorded
     * FAILED (JOB_NOT_FOUND) so that the policy decides — resubmit or answer — instead of a retry without end.
     */
    private void gone(OpenJob entry) {
        BatchJob job = entry.job();
        NotFoundStreak streak = entry.notFound();
        log.error("batch {} job {}: the API answered NOT_FOUND at {} checks in a row since {} ({}) and does not list "
                + "it as still to run; the job, {} when last seen, is taken for gone and recorded FAILED "
                + "(JOB_NOT_FOUND) for the job policy to decide", job.getBatchId(), job.getJobName(), streak.count(),
                streak.since(), streak.lastMessage(), job.getState());
        record(entry, JobRecords.vanished(job, "batch job " + job.getJobName() + " (" + job.getState()
                + " when last seen) no longer exists at the API: " + streak.count() + " checks in a row since "
                + streak.since() + " answered NOT_FOUND (" + streak.lastMessage() + "); it was deleted, its output "
                + "expired, or it was never created under this name", clock.instant()));
        entry.notFound(NotFoundStreak.NONE);
        publisher.publish(entry, Optional.empty()).ifPresent(entry::nextCheck);
    }

    /** Asks the API how the job is, records a change, and publishes a job that finished. */
    private void check(OpenJob entry) {
        BatchJob job = entry.job();
        BatchJobInfo info = api.get(job.getJobName());
        counters.apiAnswered();
        Instant now = clock.instant();
        Optional<JobState> next = JobRecords.stateOf(info.state());
        if (next.isPresent() && next.get() != job.getState()) {
            record(entry, JobRecords.transition(job, next.get(), info, now));
            log.info("batch {} job {}: {} -> {}{}", job.getBatchId(), job.getJobName(), job.getState(), next.get(),
                    info.error().map(e -> " (" + e + ")").orElse(""));
        } else if (next.isEmpty()) {
            log.warn("batch {} job {}: the API reports state {}, which says nothing new; checking again later",
                    job.getBatchId(), job.getJobName(), info.state());
        }
        if (JobRecords.isFinished(entry.job().getState())) {
            publisher.publish(entry, Optional.of(info)).ifPresent(entry::nextCheck);
        } else if (policy.isStuck(entry.job(), now)) {
            cancelStuck(entry);
        } else {
            entry.nextCheck(now.plus(settings.schedule().interval(JobTable.submittedAt(job), now)));
        }
    }

    /**
     * A job PENDING or RUNNING for longer than poll.stuck-after: marked JOB_STUCK first (so that the CANCELLED it
     * becomes is told apart from an operator's cancel, even after a crash right after the cancel call), then
     * cancelled at the API. The next check finds it CANCELLED and the policy splits it.
     */
    private void cancelStuck(OpenJob entry) {
        BatchJob job = entry.job();
        Instant now = clock.instant();
        if (job.getError() == null || !RetryingJobPolicy.JOB_STUCK.equals(job.getError().getCode())) {
            record(entry, JobRecords.stuck(job, "batch job " + job.getJobName() + " (batch " + job.getBatchId()
                    + ") was still " + job.getState() + " " + java.time.Duration.between(JobTable.submittedAt(job), now)
                    .withNanos(0) + " after its submission (poll.stuck-after " + settings.retries().stuckAfter()
                    + "): cancelled by the poller and split", now));
            log.warn("batch {} job {}: {} since {}, longer than poll.stuck-after ({}); cancelling it, then splitting it",
                    job.getBatchId(), job.getJobName(), job.getState(), JobTable.submittedAt(job),
                    settings.retries().stuckAfter());
        }
        try {
            api.cancel(job.getJobName());
        } catch (GeminiApiException e) {
            // Finished meanwhile (nothing to cancel) or a failed call: the next check says which.
            log.warn("batch {} job {}: cancelling the stuck job failed ({}); checking it again", job.getBatchId(),
                    job.getJobName(), e.getMessage());
        }
        entry.nextCheck(clock.instant().plus(settings.schedule().initial()));
    }

    private void record(OpenJob entry, BatchJob next) {
        commit(entry, List.of(), next, entry.lineage());
        counters.jobState(next);
    }

    // ----- Publisher.JobWriter -----

    @Override
    public void commit(OpenJob entry, List<ProducerRecord<byte[], byte[]>> records, BatchJob next, Lineage lineage) {
        OwnedPartition p = owned.get(entry.partition());
        if (p == null || !table.isCurrent(entry)) {
            throw new JobAbandonedException("partition " + entry.partition() + " of " + topics.jobs()
                    + " is no longer this poller's", null);
        }
        Producer<byte[], byte[]> producer = p.producer;
        Future<RecordMetadata> written;
        try {
            producer.beginTransaction();
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            ProducerRecord<byte[], byte[]> jobRecord = new ProducerRecord<>(topics.jobs(), entry.partition(),
                    next.getBatchId().getBytes(StandardCharsets.UTF_8), jobCodec.encode(next, format));
            lineage.addTo(jobRecord.headers());
            written = producer.send(jobRecord);
            long offset = table.commitOffset(entry.partition(), consumer.position(p.tp));
            producer.sendOffsetsToTransaction(Map.of(p.tp, new OffsetAndMetadata(offset)), consumer.groupMetadata());
            hooks.beforeCommit(next.getBatchId(), next.getPublishedThrough());
            commitTransaction(p, entry);
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            release(p.tp.partition(), "fenced: its producer was taken over by a newer owner");
            throw new JobAbandonedException("fenced on partition " + p.tp, e);
        } catch (CommitInDoubtException | PartitionUnusableException e) {
            // No abort: the client refuses one after a timed-out commit (and the commit may be complete).
            throw e;
        } catch (RuntimeException e) {
            // Anything else (a send refused, a stale generation on the offset commit, a wakeup, and also a
            // sendOffsetsToTransaction that timed out: that call leaves no commit pending, so abort is allowed):
            // abort, so that the producer is ready for the next transaction and nothing of this one becomes visible.
            abortQuietly(producer, entry);
            throw e;
        }
        try {
            table.onWritten(entry, next, lineage, written.get().offset());
        } catch (ExecutionException e) {
            throw new IllegalStateException("committed, yet the job record's send failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobAbandonedException("interrupted", e);
        }
    }

    /**
     * Commits the open transaction. A commit that timed out (the coordinator did not answer within max.block.ms) may
     * still complete, so KafkaProducer allows nothing but calling commitTransaction again, or closing the producer:
     * an abort is refused, and so is every later beginTransaction, which wedged the partition until a restart. So the
     * commit is retried, up to {@link #COMMIT_ATTEMPTS} times in all, the group kept alive in between; past that, the
     * partition is opened again with a new producer (see {@link #reopen}).
     */
    private void commitTransaction(OwnedPartition p, OpenJob entry) {
        for (int attempt = 1; ; attempt++) {
            try {
                p.producer.commitTransaction();
                if (attempt > 1) {
                    log.info("batch {}: the commit on {} went through at attempt {}", entry.batchId(), p.tp, attempt);
                }
                return;
            } catch (TimeoutException e) {
                if (attempt >= COMMIT_ATTEMPTS) {
                    throw reopen(p, entry, attempt, e);
                }
                log.warn("batch {}: the commit on {} timed out (attempt {} of {}: {}); committing again, as Kafka "
                        + "requires after a timed-out commit", entry.batchId(), p.tp, attempt, COMMIT_ATTEMPTS,
                        e.getMessage());
            }
            pollOnce(Duration.ZERO);
            if (owned.get(p.tp.partition()) != p) {
                // Revoked meanwhile, its producer closed: the next owner's initTransactions completes or aborts it.
                throw new CommitInDoubtException("partition " + p.tp + " was revoked while the commit of batch "
                        + entry.batchId() + " was in doubt; its next owner resolves it", null);
            }
        }
    }

    /**
     * The commit timed out {@code attempts} times: the producer is closed (the only other thing it allows), and the
     * partition opened again as at an assignment. The new producer's initTransactions resolves the commit either way
     * (the coordinator completes a commit it received, aborts a transaction it did not), then the partition's jobs are
     * read again from the committed offset, so whatever became of the commit is what the table acts upon. When even
     * that fails, the poller stops: its partitions go to the other pollers, a restart resumes from what is committed.
     */
    private CommitInDoubtException reopen(OwnedPartition p, OpenJob entry, int attempts, TimeoutException cause) {
        log.error("batch {}: the commit on {} timed out {} times in a row ({}); closing its producer and opening the "
                + "partition again (a new producer resolves the commit, the partition's jobs are read again)",
                entry.batchId(), p.tp, attempts, cause.getMessage());
        release(p.tp.partition(), "closed after " + attempts + " commit timeouts");
        pollOnce(Duration.ZERO);
        if (!consumer.assignment().contains(p.tp)) {
            // Moved meanwhile: a producer of ours would fence its new owner's; that owner resolves the commit.
            return new CommitInDoubtException("partition " + p.tp + " was revoked while the commit of batch "
                    + entry.batchId() + " was in doubt; its next owner resolves it", cause);
        }
        try {
            // The committed offset only once the new producer has resolved the commit: read before, it could wait
            // on the offsets of the transaction in doubt (read_committed) or miss them.
            open(p.tp, () -> consumer.committed(Set.of(p.tp)).get(p.tp));
        } catch (RuntimeException e) {
            e.addSuppressed(cause);
            throw new PartitionUnusableException("partition " + p.tp + " could not be opened again after "
                    + attempts + " commit timeouts; the poller stops (a restart resumes from what is committed): "
                    + e, e);
        }
        return new CommitInDoubtException("the commit of batch " + entry.batchId() + " on " + p.tp + " timed out "
                + attempts + " times; the partition was opened again", cause);
    }

    @Override
    public void keepAlive(OpenJob entry) {
        if (!running) {
            throw new JobAbandonedException("the poller is closing", null);
        }
        pollOnce(Duration.ZERO);
        if (!owned.containsKey(entry.partition()) || !table.isCurrent(entry)) {
            throw new JobAbandonedException("partition " + entry.partition() + " of " + topics.jobs()
                    + " was reassigned", null);
        }
    }

    // ----- consuming genai.jobs -----

    private void pollOnce(Duration timeout) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
        Instant now = clock.instant();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            apply(r, now);
        }
        for (OwnedPartition p : owned.values()) {
            long position = consumer.position(p.tp);
            table.onPosition(p.tp.partition(), position);
            if (!p.ready && position >= p.catchUpTo) {
                p.ready = true;
                log.info("Partition {}: open jobs rebuilt ({} open in all)", p.tp, table.size());
                // Now that the partition's open jobs are all known, every other cache of it is garbage: jobs
                // published or closed meanwhile, by this poller before a crash or by another owner.
                cache.sweep(p.tp.partition(), cachesInUse(p.tp.partition()), "it belongs to no open job of "
                        + p.tp + ": published or closed meanwhile, by this poller before it stopped or by another one");
            }
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r, Instant now) {
        BatchJob job = null;
        if (r.value() != null) {
            try {
                job = jobCodec.decode(r.value());
            } catch (RecordDecodingException e) {
                log.warn("Skipping an unreadable job record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
                        e.getMessage());
                return;
            }
        }
        String batchId = job != null ? job.getBatchId()
                : r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (batchId == null) {
            return;
        }
        Lineage lineage;
        try {
            lineage = Lineage.orRoot(r.headers(), batchId);
        } catch (IllegalArgumentException e) {
            // Left to JobItems: a child without a readable lineage is refused there, loudly, at each check.
            log.error("batch {}: the job record at {}-{}@{} has an unreadable {} header: {}", batchId, r.topic(),
                    r.partition(), r.offset(), Lineage.HEADER, e.getMessage());
            lineage = Lineage.root(batchId);
        }
        Optional<OpenJob> before = table.get(batchId);
        boolean applied = table.onRecord(r.partition(), r.offset(), batchId, job, lineage, now);
        if (!applied && JobTable.isOperatorRequest(lineage)) {
            log.warn("batch {}: ignoring the operator's {} at {}-{}@{}: the batch is not HELD (any more)", batchId,
                    lineage.decision(), r.topic(), r.partition(), r.offset());
        }
        OwnedPartition p = owned.get(r.partition());
        if (before.isPresent() && table.get(batchId).isEmpty() && p != null && p.ready
                && (working == null || !working.batchId().equals(batchId))) {
            // Closed by a record this poller did not write (its own PUBLISHED deletes the cache as it commits).
            cache.deleteJob(r.partition(), before.get().job(), "its job was closed by a record at " + r.topic()
                    + "-" + r.partition() + "@" + r.offset() + " (" + (job == null ? "tombstone" : job.getState())
                    + ")");
        }
    }

    /** The cache directories of the partition that must stay: those of its open jobs, and the one in use now. */
    private Set<Path> cachesInUse(int partition) {
        Set<Path> keep = new HashSet<>();
        for (BatchJob job : table.openJobs(partition)) {
            keep.add(cache.jobDir(partition, job));
        }
        if (working != null && working.partition() == partition) {
            keep.add(cache.jobDir(partition, working.job()));
        }
        return keep;
    }

    private Set<Integer> readyPartitions() {
        Set<Integer> ready = new HashSet<>();
        owned.forEach((p, o) -> {
            if (o.ready) {
                ready.add(p);
            }
        });
        return ready;
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
            for (TopicPartition tp : partitions) {
                open(tp, () -> committed.get(tp));
                revoked.remove(tp.partition());
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                release(tp.partition(), "revoked");
                if (running && !leaving) {
                    // Deleted here, before this member rejoins: the partition's next owner cannot have it yet, even
                    // one on this machine sharing the cache dir. On close the caches stay instead, so that a
                    // restart resumes without downloading again; the sweep at the next assignment tidies them.
                    revoked.add(tp.partition());
                    cache.sweep(tp.partition(), cachesInUse(tp.partition()), "partition " + tp
                            + " was revoked: its jobs are another poller's now");
                }
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // No deletion: the partition may already be another member's, perhaps one sharing this cache dir.
            partitions.forEach(tp -> release(tp.partition(), "lost"));
        }
    }

    /**
     * Takes partition {@code tp} on: its producer, initialised first (it aborts what a previous owner left open, so
     * that the end offset read next is final for everything that owner wrote), then its jobs read again from
     * {@code from} (the group's committed offset; null: the beginning).
     */
    /** @param committed the offset to read from, asked once the partition's producer is initialised */
    private void open(TopicPartition tp, Supplier<OffsetAndMetadata> committed) {
        Producer<byte[], byte[]> producer = hooks.producer(producerProperties(tp.partition()));
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        long end;
        OffsetAndMetadata from;
        try {
            from = committed.get();
            end = endIncludingOpenTransactions(tp);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        if (from != null) {
            consumer.seek(tp, from);
        } else {
            consumer.seekToBeginning(List.of(tp));
        }
        owned.put(tp.partition(), new OwnedPartition(tp, producer, end));
        log.info("Partition {} opened: rebuilding its open jobs from offset {} to {} (a transaction still open there, "
                + "e.g. a killed submitter's, delays this until it ends)", tp,
                from == null ? "the beginning" : from.offset(), end);
    }

    /**
     * The partition's end counting records of transactions still open (read_uncommitted), not the last stable
     * offset a read_committed consumer sees: a transaction left open by a killed producer (a submitter, up to its
     * transaction.timeout.ms) hides every record committed after it began, such as the last chunk of a poller that
     * owned the partition before. Rebuilt only past this end, the table never acts on a record a later one
     * replaced (a stale publishedThrough would publish a chunk twice).
     */
    private long endIncludingOpenTransactions(TopicPartition tp) {
        try {
            return admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()),
                            new org.apache.kafka.clients.admin.ListOffsetsOptions(
                                    org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED))
                    .partitionResult(tp).get(30, java.util.concurrent.TimeUnit.SECONDS).offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new org.apache.kafka.common.errors.InterruptException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read the end offset of " + tp + " to rebuild its jobs: " + e, e);
        }
    }

    private void release(int partition, String why) {
        OwnedPartition p = owned.remove(partition);
        table.dropPartition(partition);
        if (p != null) {
            p.producer.close(Duration.ofSeconds(5));
            log.info("Partition {} {}: its jobs are left to their next owner", p.tp, why);
        }
    }

    private void closeProducers() {
        for (OwnedPartition p : owned.values()) {
            try {
                p.producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.warn("Closing the producer of {}: {}", p.tp, e.toString());
            }
        }
        owned.clear();
    }

    private void abortQuietly(Producer<byte[], byte[]> producer, OpenJob entry) {
        try {
            producer.abortTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            release(entry.partition(), "fenced: its producer was taken over by a newer owner");
        } catch (RuntimeException e) {
            log.warn("batch {}: aborting the transaction failed too: {}", entry.batchId(), e.toString());
        }
    }

    /**
     * The largest record genai.responses takes from this poller: the producer's max.request.size and the topic's
     * max.message.bytes, whichever is smaller (the topic's is read once at start; when it cannot be read, the
     * producer's alone).
     */
    private int maxResponseRecordBytes(TopicAdmin topicAdmin) {
        Object configured = clients.properties(Map.of()).get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        int limit = configured == null ? Responses.DEFAULT_MAX_RECORD_BYTES : Integer.parseInt(configured.toString());
        try {
            Optional<String> topicMax = topicAdmin.config(topics.responses(),
                    org.apache.kafka.common.config.TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Duration.ofSeconds(10));
            if (topicMax.isPresent()) {
                limit = Math.min(limit, Integer.parseInt(topicMax.get()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.info("Could not read max.message.bytes of {} ({}); responses are held to max.request.size {}",
                    topics.responses(), e.toString(), limit);
        }
        return limit;
    }

    // ----- client properties -----

    private Map<String, Object> jobsConsumerProperties() {
        Map<String, Object> tunable = new HashMap<>();
        // A round of work (an API call with its retries; not a download, see DownloadThread) can outlast the
        // default 5 minutes between polls; the work polls in between where it can, this is the bound where it
        // cannot. Kept under the default connections.max.idle.ms (9 min), past which the coordinator connection
        // could drop mid-rebalance.
        tunable.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Duration.ofMinutes(8).toMillis());
        tunable.keySet().removeAll(clients.properties(Map.of()).keySet());
        Map<String, Object> props = new HashMap<>(tunable);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Cooperative: a rebalance takes away only the partitions that move, not every job in flight.
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        return clients.properties(props);
    }

    private Map<String, Object> producerProperties(int partition) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.groupId() + "-" + topics.jobs() + "-" + partition);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return clients.properties(props);
    }
}

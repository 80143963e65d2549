package io.genaibatch.poll;

import io.genaibatch.batch.Lineage;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.poll.JobTable.OpenJob;
import io.genaibatch.records.BatchJob;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The genai.jobs partitions the group gives this poller: reading them into the {@link JobTable}, and writing to
 * them, the only way the poller writes anything. Each assigned partition gets its own transactional producer; each
 * write (a state change, a chunk of responses with the job's progress, child batches) is one transaction on it, with
 * the consumer offset of the partition unless it is a chunk before a publication's last.
 *
 * <p>Fencing: the producer of partition p has {@code transactional.id = <poll.group-id>-<jobs topic>-p}. The new
 * owner of p calls initTransactions before it reads p, which aborts any transaction the previous owner left open and
 * fences that owner: a zombie still publishing p's job gets ProducerFencedException at its next send or commit, and
 * nothing of its unfinished chunk becomes visible. A state change and a publication's last chunk also commit the
 * consumer offset of p with the consumer's group metadata (KIP-447), which the group coordinator refuses from a
 * member whose generation is stale when the offset is added (not at the commit). A publication's other chunks carry
 * no offset ({@link Publisher.JobWriter#commitChunk}): an evicted poller may commit some before the new owner's
 * initTransactions, which is harmless because the new owner asks for p's committed offset and end, and reads p, only
 * after its init, and so resumes after those chunks (docs/POLLER.md, Fencing).
 *
 * <p>Long work polls the consumer between steps ({@link #keepAlive}), which is also where a rebalance can take a
 * partition away: the work on that partition's job stops there, after its last committed chunk. Not thread-safe:
 * the poller thread owns it.
 */
final class JobPartitions implements Publisher.JobWriter {
    private static final Logger log = LoggerFactory.getLogger(JobPartitions.class);
    /**
     * Calls of commitTransaction for one transaction before its producer is given up (each may block max.block.ms,
     * 1 min by default; the group is polled in between). Five, as the submitter's JobsWriter.
     */
    static final int COMMIT_ATTEMPTS = 5;
    /**
     * Producers of one partition closed in a row for a fatal error, no transaction of theirs committed in between,
     * before the poller stops: a cause that outlives the producer (an ACL taken away) would otherwise have it close
     * and open producers in a loop. With the waits of {@link #FIRST_WAIT_AFTER_FATAL} the poller stops once such a
     * cause has lasted about 30 s (1 + 2 + 4 + 8 + 16 s, plus the work; longer when a reopen itself fails and is
     * tried again), and outlasts a briefer one (an ACL change that takes a few seconds to reach every broker). Also
     * the bound on failed opens of a partition in a row, and on its fences within {@link #FENCE_WINDOW} or in a row
     * with nothing committed.
     */
    static final int FATAL_REOPENS = 5;
    /**
     * How long the jobs of a partition opened again after its producer's first fatal error wait before their next
     * round; doubled at each further one in a row. Opened again at once, the next producer met a passing cause within
     * a second.
     */
    private static final Duration FIRST_WAIT_AFTER_FATAL = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final IntFunction<Producer<byte[], byte[]>> producers;
    private final Admin admin;
    private final String jobsTopic;
    private final ValueFormat format;
    private final JobTable table;
    private final CacheDirs cache;
    private final PollerHooks hooks;
    private final Clock clock;
    /** False once the poller is closing. */
    private final BooleanSupplier running;

    private final RecordCodec<BatchJob> jobCodec = RecordCodec.batchJob();
    private final Map<Integer, OwnedPartition> owned = new HashMap<>();
    /** Per partition, its producers closed in a row for a fatal error (see {@link #FATAL_REOPENS}); none: absent. */
    private final Map<Integer, Integer> fatalInARow = new HashMap<>();
    /**
     * Per partition, when its producers were fenced within the last {@link #FENCE_WINDOW} while the group kept the
     * partition with this poller (see {@link #fenced}); none: absent.
     */
    private final Map<Integer, List<Instant>> recentFences = new HashMap<>();
    /** Per partition, the fences of {@link #recentFences} since its last commit; none: absent. */
    private final Map<Integer, Integer> fencedInARow = new HashMap<>();
    /**
     * Partitions revoked while the poller runs, until assigned again: a job of theirs whose round was cut short
     * leaves a cache nobody will use here.
     */
    private final Set<Integer> revoked = new HashSet<>();
    /**
     * Assigned partitions whose opening failed (the producer's init, the committed or the end offset), paused and
     * tried again at a later poll: a failure in the middle of an assignment used to leave them assigned and never
     * opened, their jobs untouched until the next rebalance.
     */
    private final Map<TopicPartition, Unopened> unopened = new HashMap<>();
    /** The job whose round of work runs now: its index may be open, so its cache is never deleted under it. */
    private OpenJob working;
    /** Set once the poller's loop is over, before the consumer closes. */
    private boolean leaving;

    /**
     * An assigned partition not opened yet: its failed attempts in a row, when it is tried again, how long its jobs
     * then wait (after a fatal error: see {@link #FIRST_WAIT_AFTER_FATAL}), and the group generation that must be over
     * before it is (else {@link #ANY_GENERATION}): set when a producer of another may have been fenced on its behalf
     * (see {@link #fenced}).
     */
    private record Unopened(int failures, Instant notBefore, Duration jobsWait, int afterGeneration) {
        boolean due(Instant now, int generation) {
            return !now.isBefore(notBefore) && generation > afterGeneration;
        }
    }

    private static final int ANY_GENERATION = Integer.MIN_VALUE;

    /** How far back the fences of a partition count towards stopping the poller (see {@link #fenced}). */
    static final Duration FENCE_WINDOW = Duration.ofMinutes(10);

    /** One assigned partition of genai.jobs: its producer, and whether its open jobs are all known yet. */
    private static final class OwnedPartition {
        final TopicPartition tp;
        final Producer<byte[], byte[]> producer;
        /** The partition's end (read_committed) when it was assigned: its table is complete once read past it. */
        final long catchUpTo;

        boolean ready;
        /**
         * The batch whose records {@link #send} has put in the producer's open transaction, which its commit (or
         * abort) ends; null when no transaction is open.
         */
        String sending;
        /**
         * An abort that failed (timed out, interrupted): the client keeps it pending and refuses every other call,
         * beginTransaction included, until abortTransaction is called again; {@link #begin} does that first.
         */
        boolean abortOwed;
        /**
         * Opened again after a fatal error: its jobs, as they are read again, are not due before this (null: at
         * once).
         */
        Instant jobsNotBefore;

        OwnedPartition(TopicPartition tp, Producer<byte[], byte[]> producer, long catchUpTo) {
            this.tp = tp;
            this.producer = producer;
            this.catchUpTo = catchUpTo;
        }
    }

    /**
     * @param consumer  the genai.jobs consumer of the poll group (read_committed, no auto commit)
     * @param producers makes the transactional producer of a partition (not yet initialised); closed here
     * @param admin     for the end offsets of assigned partitions
     */
    JobPartitions(
            Consumer<byte[], byte[]> consumer,
            IntFunction<Producer<byte[], byte[]>> producers,
            Admin admin,
            String jobsTopic,
            ValueFormat format,
            JobTable table,
            CacheDirs cache,
            PollerHooks hooks,
            Clock clock,
            BooleanSupplier running) {
        this.consumer = consumer;
        this.producers = producers;
        this.admin = admin;
        this.jobsTopic = jobsTopic;
        this.format = format;
        this.table = table;
        this.cache = cache;
        this.hooks = hooks;
        this.clock = clock;
        this.running = running;
    }

    /** Joins the group: partitions come and go through the rebalance callbacks, at the polls. */
    void subscribe() {
        consumer.subscribe(List.of(jobsTopic), new Rebalance());
    }

    /** Runs a round of work on {@code entry}: its cache is in use meanwhile, never deleted under it. */
    void during(OpenJob entry, Runnable round) {
        working = entry;
        try {
            round.run();
        } finally {
            working = null;
        }
    }

    /** The poller's loop is over: the consumer closes next and revokes every partition, keeping their caches. */
    void leave() {
        leaving = true;
    }

    /**
     * The round of work on {@code entry} stopped because the job is no longer this poller's: if its partition was
     * revoked meanwhile, the job's cache (kept while its index was open) goes now.
     */
    void abandoned(OpenJob entry) {
        if (running.getAsBoolean() && !leaving && revoked.contains(entry.partition())) {
            // Its index is closed now; the partition's other caches went when it was revoked.
            cache.deleteJob(
                    entry.partition(),
                    entry.job(),
                    "partition " + entry.partition() + " of " + jobsTopic
                            + " was revoked during the job's round: the job is another poller's now");
        }
    }

    // ----- Publisher.JobWriter -----

    @Override
    public void send(OpenJob entry, ProducerRecord<byte[], byte[]> record) {
        OwnedPartition p = ownedFor(entry);
        try {
            if (p.sending == null) {
                // Set before the begin: a begin that fails (an abort still owed, an error state) is followed by an
                // abort, which settles it or shows the producer unusable.
                p.sending = entry.batchId();
                begin(p, entry);
            } else if (!p.sending.equals(entry.batchId())) {
                throw new IllegalStateException("batch " + entry.batchId() + ": the transaction on " + p.tp
                        + " holds records of batch " + p.sending + ", which neither committed nor aborted it");
            }
            p.producer.send(record);
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw fenced(p, e);
        } catch (RetryLaterException e) {
            // The owed abort timed out again: nothing was begun, and it stays owed (see begin).
            p.sending = null;
            throw e;
        } catch (RuntimeException e) {
            abortAfter(e, () -> abort(entry));
            throw e;
        }
        hooks.afterSend(entry.batchId());
    }

    /**
     * Runs {@code abort} after {@code failure}; when the abort ends the round itself (the producer fenced, or replaced
     * after a fatal error), what it throws carries {@code failure} too.
     */
    private static void abortAfter(RuntimeException failure, Runnable abort) {
        try {
            abort.run();
        } catch (RuntimeException e) {
            e.addSuppressed(failure);
            throw e;
        }
    }

    @Override
    public void abort(OpenJob entry) {
        OwnedPartition p = owned.get(entry.partition());
        if (p != null && p.sending != null) {
            p.sending = null;
            if (abortQuietly(p, entry)) {
                log.info(
                        "batch {}: the transaction on {} with its records sent so far was aborted",
                        entry.batchId(),
                        p.tp);
            }
        }
    }

    /**
     * Begins a transaction, after the abort a failed one still owes. When that abort times out again, it stays owed
     * to the job's next round ({@link RetryLaterException}) rather than being tried again at once by the caller's
     * failure handling: each try can hold the poll thread for max.block.ms. Any other failure of it is thrown as it
     * is, for that handling (a fatal producer is replaced there).
     */
    private static void begin(OwnedPartition p, OpenJob entry) {
        if (p.abortOwed) {
            try {
                p.producer.abortTransaction();
            } catch (TimeoutException | InterruptException e) {
                throw new RetryLaterException("batch " + entry.batchId() + ": the abort owed on " + p.tp
                        + " before a new transaction timed out again (" + e + "); it is tried again at the job's next"
                        + " round, and nothing of the old transaction is visible meanwhile");
            }
            p.abortOwed = false;
        }
        p.producer.beginTransaction();
    }

    private OwnedPartition ownedFor(OpenJob entry) {
        OwnedPartition p = owned.get(entry.partition());
        if (p == null || !table.isCurrent(entry)) {
            throw new JobAbandonedException(
                    "partition " + entry.partition() + " of " + jobsTopic + " is no longer this poller's", null);
        }
        return p;
    }

    @Override
    public void commit(OpenJob entry, List<ProducerRecord<byte[], byte[]>> records, BatchJob next, Lineage lineage) {
        commit(entry, records, next, lineage, true);
    }

    @Override
    public void commitChunk(OpenJob entry, BatchJob next, Lineage lineage) {
        commit(entry, List.of(), next, lineage, false);
    }

    /**
     * @param withOffset whether the transaction also commits the group's consumer offset of the partition (see
     *                   {@link Publisher.JobWriter#commitChunk} for when it does not)
     */
    private void commit(
            OpenJob entry,
            List<ProducerRecord<byte[], byte[]>> records,
            BatchJob next,
            Lineage lineage,
            boolean withOffset) {
        OwnedPartition p;
        try {
            p = ownedFor(entry);
        } catch (JobAbandonedException e) {
            abort(entry);
            throw e;
        }
        Producer<byte[], byte[]> producer = p.producer;
        Future<RecordMetadata> written;
        // From here on this call ends the transaction, whoever began it: committed, or aborted on failure.
        boolean begun = entry.batchId().equals(p.sending);
        if (p.sending != null && !begun) {
            abort(entry);
            throw new IllegalStateException("batch " + entry.batchId() + ": the transaction on " + p.tp
                    + " held records of another batch; aborted");
        }
        p.sending = null;
        try {
            if (!begun) {
                begin(p, entry);
            }
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            ProducerRecord<byte[], byte[]> jobRecord = new ProducerRecord<>(
                    jobsTopic,
                    entry.partition(),
                    next.getBatchId().getBytes(StandardCharsets.UTF_8),
                    jobCodec.encode(next, format));
            lineage.addTo(jobRecord.headers());
            written = producer.send(jobRecord);
            if (withOffset) {
                long offset = table.commitOffset(entry.partition(), consumer.position(p.tp));
                producer.sendOffsetsToTransaction(
                        Map.of(p.tp, new OffsetAndMetadata(offset)), consumer.groupMetadata());
            }
            hooks.beforeCommit(next.getBatchId(), next.getPublishedThrough());
            commitTransaction(p, entry);
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw fenced(p, e);
        } catch (CommitInDoubtException | PartitionUnusableException e) {
            // No abort: the client refuses one after a timed-out commit (and the commit may be complete).
            throw e;
        } catch (RetryLaterException e) {
            // The owed abort timed out again before anything was begun: it stays owed (see begin).
            throw e;
        } catch (RuntimeException e) {
            // Anything else (a send refused, a stale generation on the offset commit, a wakeup, and also a
            // sendOffsetsToTransaction that timed out: that call leaves no commit pending, so abort is allowed):
            // abort, so that the producer is ready for the next transaction and nothing of this one becomes visible.
            abortAfter(e, () -> abortQuietly(p, entry));
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
                fatalInARow.remove(p.tp.partition());
                fencedInARow.remove(p.tp.partition());
                if (attempt > 1) {
                    log.info("batch {}: the commit on {} went through at attempt {}", entry.batchId(), p.tp, attempt);
                }
                return;
            } catch (TimeoutException e) {
                if (attempt >= COMMIT_ATTEMPTS) {
                    throw reopen(p, entry, attempt, e);
                }
                log.warn(
                        "batch {}: the commit on {} timed out (attempt {} of {}: {}); committing again, as Kafka "
                                + "requires after a timed-out commit",
                        entry.batchId(),
                        p.tp,
                        attempt,
                        COMMIT_ATTEMPTS,
                        e.getMessage());
            }
            pollOnce(Duration.ZERO);
            if (owned.get(p.tp.partition()) != p) {
                // Revoked meanwhile, its producer closed: the next owner's initTransactions completes or aborts it.
                throw new CommitInDoubtException(
                        "partition " + p.tp + " was revoked while the commit of batch " + entry.batchId()
                                + " was in doubt; its next owner resolves it",
                        null);
            }
        }
    }

    /**
     * The commit timed out {@code attempts} times: the producer is closed (the only other thing it allows), and the
     * partition opened again as at an assignment. The new producer's initTransactions resolves the commit either way
     * (the coordinator completes a commit it received, aborts a transaction it did not), then the partition's jobs are
     * read again from the committed offset, so whatever became of the commit is what the table acts upon. When that
     * open fails, the partition waits and is tried again as one that failed to open at its assignment ({@link
     * #tryOpen}).
     */
    private CommitInDoubtException reopen(OwnedPartition p, OpenJob entry, int attempts, TimeoutException cause) {
        log.error(
                "batch {}: the commit on {} timed out {} times in a row ({}); closing its producer and opening the "
                        + "partition again (a new producer resolves the commit, the partition's jobs are read again)",
                entry.batchId(),
                p.tp,
                attempts,
                cause.getMessage());
        if (!openAgain(p, "closed after " + attempts + " commit timeouts", Duration.ZERO)) {
            // Moved meanwhile: a producer of ours would fence its new owner's; that owner resolves the commit.
            return new CommitInDoubtException(
                    "partition " + p.tp + " was revoked while the commit of batch " + entry.batchId()
                            + " was in doubt; its next owner resolves it",
                    cause);
        }
        return new CommitInDoubtException(
                "the commit of batch " + entry.batchId() + " on " + p.tp + " timed out " + attempts
                        + " times; its producer was replaced, and the partition's jobs are read again once it is open",
                cause);
    }

    /**
     * Closes the partition's producer and opens the partition again as at an assignment: a new producer, whose
     * initTransactions completes or aborts whatever transaction the old one left, then the partition's jobs read again
     * from the committed offset.
     *
     * <p>An open that fails here is retried at later polls, the partition paused meanwhile, as one that failed to open
     * at its assignment ({@link #tryOpen}, which stops the poller after {@link #FATAL_REOPENS} failures in a row); it
     * used to stop the poller at once.
     *
     * @param wait how long its jobs wait before their next round when it opens now (zero: they are due as at an
     *             assignment); the retries of a failed open wait 1, 2, 4 and 8 s instead
     * @return false when the partition was revoked meanwhile (its next owner settles the old producer's transaction)
     */
    private boolean openAgain(OwnedPartition p, String why, Duration wait) {
        close(
                p.tp.partition(),
                why + "; opening it again on this poller"
                        + (wait.isZero() ? "" : " (its jobs wait " + wait.toMillis() + " ms)"));
        // Paused before the poll, which would otherwise read the partition's records (this poller's own last
        // chunks) into the table for a partition nobody owns, should this open fail.
        consumer.pause(List.of(p.tp));
        pollOnce(Duration.ZERO);
        if (!consumer.assignment().contains(p.tp)) {
            return false;
        }
        tryOpen(p.tp, new Unopened(0, clock.instant(), wait, ANY_GENERATION));
        return true;
    }

    /**
     * The partition's producer was fenced: another producer with its transactional.id was initialised, or the
     * coordinator aborted a transaction that outlived transaction.timeout.ms. Usually it is the partition's next
     * owner, the group having moved it, and this poller's consumer learns so at a poll, which revokes the partition
     * or reports it lost. But the fence can come from a producer the group does not count (a poller the group evicted,
     * whose initTransactions went through late), the group still giving the partition to this poller: it used to be
     * released for good then, its jobs stalled until the next rebalance. So the poller asks the group to rebalance,
     * and opens the partition again, which fences that producer in turn, only once a later generation still gives it
     * the partition: a member the group has evicted learns so at that rejoin (the partition reported lost), one that
     * cannot reach its group coordinator never gets there, so neither takes the partition back from its real owner.
     * More than {@link #FATAL_REOPENS} such fences within {@link #FENCE_WINDOW}, or in a row with nothing committed in
     * between (fences far apart, as when each waits out a slow rebalance), the poller stops instead of fencing back
     * and forth (two groups whose poll.group-id and jobs topic join to the same transactional.id).
     *
     * @return what the caller throws: the round of work on the partition's job ends there
     */
    private RuntimeException fenced(OwnedPartition p, RuntimeException cause) {
        release(p.tp.partition(), "fenced: its producer was taken over by a newer owner");
        if (!running.getAsBoolean() || leaving || !consumer.assignment().contains(p.tp)) {
            return new JobAbandonedException("fenced on partition " + p.tp, cause);
        }
        Instant now = clock.instant();
        List<Instant> fences = recentFences.computeIfAbsent(p.tp.partition(), k -> new java.util.ArrayList<>());
        fences.removeIf(at -> at.isBefore(now.minus(FENCE_WINDOW)));
        fences.add(now);
        int inARow = fencedInARow.merge(p.tp.partition(), 1, Integer::sum);
        String transactionalId =
                PollerClients.transactionalId(consumer.groupMetadata().groupId(), jobsTopic, p.tp.partition());
        if (fences.size() > FATAL_REOPENS || inARow > FATAL_REOPENS) {
            recentFences.remove(p.tp.partition());
            fencedInARow.remove(p.tp.partition());
            String howOften = inARow > FATAL_REOPENS
                    ? inARow + " times in a row with nothing committed in between"
                    : fences.size() + " times within " + FENCE_WINDOW.toMinutes() + " min";
            return new PartitionUnusableException(
                    "partition " + p.tp + ": its producer was fenced " + howOften
                            + " while the group kept the partition with this poller; "
                            + "another producer keeps initialising transactional.id " + transactionalId + " (a poller "
                            + "of another group whose poll.group-id and jobs topic join to the same id?), or its "
                            + "transactions keep outliving transaction.timeout.ms; the poller stops",
                    cause);
        }
        int generation = askForNextGeneration("the producer of " + p.tp + " was fenced");
        waitToOpen(p.tp, new Unopened(0, now, Duration.ZERO, generation), FIRST_WAIT_AFTER_FATAL);
        log.warn(
                "Partition {} was fenced while still assigned to this poller, in group generation {} (another "
                        + "producer with transactional.id {} was initialised, perhaps by a poller the group evicted, or "
                        + "a transaction outlived transaction.timeout.ms); asking the group to rebalance: it is opened "
                        + "again on this poller once a later generation still gives it here",
                p.tp,
                generation,
                transactionalId);
        return new JobAbandonedException("fenced on partition " + p.tp, cause);
    }

    /**
     * Asks the group to rebalance; returns the generation that must be over before this poller may initialise the
     * producer of a partition held back by {@code reason} again. A rejoin always makes a new generation here: the classic
     * protocol's join metadata carries the member's generation (the consumer's subscription, and the cooperative
     * sticky assignor's user data), so it never matches what the coordinator holds and is never answered with the
     * current generation.
     */
    private int askForNextGeneration(String reason) {
        int generation = consumer.groupMetadata().generationId();
        consumer.enforceRebalance(reason + " while the partition is still assigned");
        return generation;
    }

    @Override
    public void keepAlive(OpenJob entry) {
        if (!running.getAsBoolean()) {
            throw new JobAbandonedException("the poller is closing", null);
        }
        pollOnce(Duration.ZERO);
        if (!owned.containsKey(entry.partition()) || !table.isCurrent(entry)) {
            throw new JobAbandonedException(
                    "partition " + entry.partition() + " of " + jobsTopic + " was reassigned", null);
        }
    }

    // ----- consuming genai.jobs -----

    /** Polls genai.jobs: its records go to the table; a partition read past its end at assignment is ready. */
    void pollOnce(Duration timeout) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
        Instant now = clock.instant();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            apply(r, now);
        }
        openWhenDue(now);
        for (OwnedPartition p : owned.values()) {
            long position = consumer.position(p.tp);
            table.onPosition(p.tp.partition(), position);
            if (!p.ready && position >= p.catchUpTo) {
                p.ready = true;
                log.info("Partition {}: open jobs rebuilt ({} open in all)", p.tp, table.size());
                // Now that the partition's open jobs are all known, every other cache of it is garbage: jobs
                // published or closed meanwhile, by this poller before a crash or by another owner.
                cache.sweep(
                        p.tp.partition(),
                        cachesInUse(p.tp.partition()),
                        "it belongs to no open job of " + p.tp
                                + ": published or closed meanwhile, by this poller before it stopped or by another one");
            }
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r, Instant now) {
        BatchJob job = null;
        if (r.value() != null) {
            try {
                job = jobCodec.decode(r.value());
            } catch (RecordDecodingException e) {
                log.warn(
                        "Skipping an unreadable job record at {}-{}@{}: {}",
                        r.topic(),
                        r.partition(),
                        r.offset(),
                        e.getMessage());
                return;
            }
        }
        String batchId =
                job != null ? job.getBatchId() : r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (batchId == null) {
            return;
        }
        Lineage lineage;
        try {
            lineage = Lineage.orRoot(r.headers(), batchId);
        } catch (IllegalArgumentException e) {
            // Left to JobItems: a child without a readable lineage is refused there, loudly, at each check.
            log.error(
                    "batch {}: the job record at {}-{}@{} has an unreadable {} header: {}",
                    batchId,
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    Lineage.HEADER,
                    e.getMessage());
            lineage = Lineage.root(batchId);
        }
        Optional<OpenJob> before = table.get(batchId);
        boolean applied = table.onRecord(r.partition(), r.offset(), batchId, job, lineage, now);
        if (!applied && JobTable.isOperatorRequest(lineage)) {
            log.warn(
                    "batch {}: ignoring the operator's {} at {}-{}@{}: the batch is not HELD (any more)",
                    batchId,
                    lineage.decision(),
                    r.topic(),
                    r.partition(),
                    r.offset());
        }
        OwnedPartition p = owned.get(r.partition());
        if (applied && p != null && p.jobsNotBefore != null && now.isBefore(p.jobsNotBefore)) {
            table.get(batchId)
                    .filter(e -> e.nextCheck().isBefore(p.jobsNotBefore))
                    .ifPresent(e -> e.nextCheck(p.jobsNotBefore));
        }
        if (before.isPresent()
                && table.get(batchId).isEmpty()
                && p != null
                && p.ready
                && (working == null || !working.batchId().equals(batchId))) {
            // Closed by a record this poller did not write (its own PUBLISHED deletes the cache as it commits).
            cache.deleteJob(
                    r.partition(),
                    before.get().job(),
                    "its job was closed by a record at " + r.topic()
                            + "-" + r.partition() + "@" + r.offset() + " ("
                            + (job == null ? "tombstone" : job.getState())
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

    /** The partitions whose open jobs are all known: only their jobs are acted upon. */
    Set<Integer> readyPartitions() {
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
            boolean failed = false;
            for (TopicPartition tp : partitions) {
                revoked.remove(tp.partition());
                fatalInARow.remove(tp.partition());
                recentFences.remove(tp.partition());
                fencedInARow.remove(tp.partition());
                Unopened first = new Unopened(0, clock.instant(), Duration.ZERO, ANY_GENERATION);
                if (failed) {
                    // One failed attempt per poll at most: each can block for max.block.ms, and a callback that
                    // tried every partition against a coordinator that is down would outlast max.poll.interval.ms.
                    // Not due in this poll either, which has had its attempt. Also after an interrupt or a wakeup:
                    // the consumer calls this callback again with none of these partitions.
                    waitToOpen(tp, first, FIRST_WAIT_AFTER_FATAL);
                    log.warn("Partition {} waits to be opened: another partition assigned with it failed to", tp);
                } else {
                    try {
                        failed = !tryOpen(tp, first);
                    } catch (WakeupException | InterruptException e) {
                        partitions.stream()
                                .filter(other -> !owned.containsKey(other.partition()) && !unopened.containsKey(other))
                                .forEach(other -> waitToOpen(other, first, FIRST_WAIT_AFTER_FATAL));
                        throw e;
                    }
                }
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                release(tp.partition(), "revoked");
                if (running.getAsBoolean() && !leaving) {
                    // Deleted here, before this member rejoins: the partition's next owner cannot have it yet, even
                    // one on this machine sharing the cache dir. On close the caches stay instead, so that a
                    // restart resumes without downloading again; the sweep at the next assignment tidies them.
                    revoked.add(tp.partition());
                    cache.sweep(
                            tp.partition(),
                            cachesInUse(tp.partition()),
                            "partition " + tp + " was revoked: its jobs are another poller's now");
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
     * Opens an assigned partition; when that fails, pauses it and tries it again at a later poll, 1, 2, 4 and 8 s on
     * (as a partition reopened after its producer's fatal error), until {@link #FATAL_REOPENS} attempts in a row have
     * failed: then the poller stops, naming it, rather than hold a partition it cannot act on (its partitions go to
     * the other pollers, a restart tries again). Interrupted or woken up, it is left paused for a later attempt too:
     * assigned and not opened, it would wait for the next rebalance.
     *
     * @param attempt the failed attempts before this one, and how long the jobs wait once it opens
     * @return whether it is open
     */
    private boolean tryOpen(TopicPartition tp, Unopened attempt) {
        try {
            open(tp);
        } catch (WakeupException | InterruptException e) {
            waitToOpen(tp, attempt, FIRST_WAIT_AFTER_FATAL);
            throw e;
        } catch (RuntimeException e) {
            boolean mayHaveFenced = e instanceof FailedAfterInit;
            RuntimeException error = mayHaveFenced ? (RuntimeException) e.getCause() : e;
            int failures = attempt.failures() + 1;
            if (failures >= FATAL_REOPENS) {
                unopened.remove(tp);
                throw new PartitionUnusableException(
                        "partition " + tp + " could not be opened " + failures + " times in a row; the poller stops"
                                + " (its partitions go to the other pollers, a restart tries again): " + error,
                        error);
            }
            Duration wait = FIRST_WAIT_AFTER_FATAL.multipliedBy(1L << (failures - 1));
            // Its producer's init went through (or timed out: perhaps through), fencing whoever else held the
            // transactional.id, then it failed: perhaps because this poller cannot reach its group coordinator, which
            // may have evicted it. Tried again only once a later generation still gives it the partition, so as not
            // to fence its real owner again.
            int afterGeneration =
                    mayHaveFenced ? askForNextGeneration("partition " + tp + " failed to open") : ANY_GENERATION;
            waitToOpen(tp, new Unopened(failures, attempt.notBefore(), attempt.jobsWait(), afterGeneration), wait);
            log.warn(
                    "Partition {} could not be opened (attempt {} of {}: {}); its jobs wait, tried again in {} ms{}",
                    tp,
                    failures,
                    FATAL_REOPENS,
                    error.toString(),
                    wait.toMillis(),
                    mayHaveFenced ? " once a later group generation still gives it to this poller" : "");
            return false;
        }
        consumer.resume(List.of(tp));
        Unopened waited = unopened.remove(tp);
        if (!attempt.jobsWait().isZero()) {
            owned.get(tp.partition()).jobsNotBefore = clock.instant().plus(attempt.jobsWait());
        }
        if (attempt.afterGeneration() != ANY_GENERATION) {
            log.info(
                    "Partition {} opened again in group generation {}, which still gives it to this poller (held back "
                            + "since generation {}, when its producer was fenced or its last attempt may have fenced "
                            + "another holder of its transactional.id)",
                    tp,
                    consumer.groupMetadata().generationId(),
                    attempt.afterGeneration());
        } else if (waited != null) {
            log.info("Partition {} opened at attempt {}", tp, attempt.failures() + 1);
        }
        return true;
    }

    /** Pauses an assigned partition not opened yet until it is tried again, {@code wait} from now. */
    private void waitToOpen(TopicPartition tp, Unopened attempt, Duration wait) {
        consumer.pause(List.of(tp));
        unopened.put(
                tp,
                new Unopened(
                        attempt.failures(), clock.instant().plus(wait), attempt.jobsWait(), attempt.afterGeneration()));
    }

    /**
     * Tries again an assigned partition not opened yet whose wait is over (and, fenced, whose group generation has
     * moved on): one per poll, since an attempt can block for max.block.ms (the producer's init) and several in a row
     * could outlast max.poll.interval.ms.
     */
    private void openWhenDue(Instant now) {
        if (unopened.isEmpty() || !running.getAsBoolean() || leaving) {
            return;
        }
        int generation = consumer.groupMetadata().generationId();
        unopened.entrySet().stream()
                .filter(e -> e.getValue().due(now, generation))
                .min(Map.Entry.comparingByValue(Comparator.comparing(Unopened::notBefore)))
                .ifPresent(e -> tryOpen(e.getKey(), e.getValue()));
    }

    /**
     * Takes partition {@code tp} on: its producer, initialised first (it aborts what a previous owner left open, so
     * that the end offset read next is final for everything that owner wrote), then its jobs read again from
     * the group's committed offset (null: the beginning).
     *
     * <p>The committed offset is asked only once the producer is initialised, one partition at a time: asked before,
     * the fetch would wait for an open transaction of the previous owner that carries offsets (a poller evicted before
     * its commit, a dead one, a commit in doubt) until that transaction or the fetch times out, the latter failing
     * the assignment; the init ends such a transaction at once.
     */
    private void open(TopicPartition tp) {
        Producer<byte[], byte[]> producer = producers.apply(tp.partition());
        long end;
        OffsetAndMetadata from;
        boolean initialised = false;
        try {
            producer.initTransactions();
            initialised = true;
            from = consumer.committed(Set.of(tp)).get(tp);
            end = endIncludingOpenTransactions(tp);
            // An explicit position, not seekToBeginning: a lazy reset would be resolved together with the other
            // partitions still without a position, such as one waiting to be opened again, whose committed offset
            // can stay unstable (a previous owner's open transaction) and hold this one up.
            consumer.seek(tp, from != null ? from : new OffsetAndMetadata(beginning(tp)));
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            // An init that timed out may have been carried out by the coordinator (which fences any other holder of the
            // id at once) with only its answer late.
            boolean mayHaveFenced = initialised || e instanceof TimeoutException;
            throw mayHaveFenced && !(e instanceof WakeupException || e instanceof InterruptException)
                    ? new FailedAfterInit(e)
                    : e;
        }
        owned.put(tp.partition(), new OwnedPartition(tp, producer, end));
        log.info(
                "Partition {} opened: rebuilding its open jobs from offset {} to {} (a transaction still open there, "
                        + "e.g. a killed submitter's, delays this until it ends)",
                tp,
                from == null ? "the beginning" : from.offset(),
                end);
    }

    /**
     * An open that failed after its producer's init went through, or timed out, which may have fenced any other holder
     * of its id.
     */
    private static final class FailedAfterInit extends RuntimeException {
        FailedAfterInit(RuntimeException cause) {
            super(cause);
        }
    }

    /** The partition's first offset: where its jobs are read from when the group has committed none. */
    private long beginning(TopicPartition tp) {
        return consumer.beginningOffsets(List.of(tp)).get(tp);
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
            return admin.listOffsets(
                            Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()),
                            new org.apache.kafka.clients.admin.ListOffsetsOptions(
                                    org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED))
                    .partitionResult(tp)
                    .get(30, java.util.concurrent.TimeUnit.SECONDS)
                    .offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new org.apache.kafka.common.errors.InterruptException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read the end offset of " + tp + " to rebuild its jobs: " + e, e);
        }
    }

    private void release(int partition, String why) {
        if (unopened.remove(new TopicPartition(jobsTopic, partition)) != null) {
            log.info(
                    "Partition {}-{} {} while waiting to be opened here: its jobs are left to their next owner",
                    jobsTopic,
                    partition,
                    why);
        }
        close(partition, why + ": its jobs are left to their next owner");
    }

    /** Closes the partition's producer and forgets its jobs; {@code what} says why, and what comes next. */
    private void close(int partition, String what) {
        OwnedPartition p = owned.remove(partition);
        table.dropPartition(partition);
        if (p != null) {
            p.producer.close(Duration.ofSeconds(5));
            log.info("Partition {} {}", p.tp, what);
        }
    }

    /** Closes the producers left (after the consumer closed, which releases the partitions it still had). */
    void closeProducers() {
        for (OwnedPartition p : owned.values()) {
            try {
                p.producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.warn("Closing the producer of {}: {}", p.tp, e.toString());
            }
        }
        owned.clear();
    }

    /**
     * Aborts the open transaction; true when it is aborted, false when the abort is still owed or the poller is
     * closing.
     *
     * <p>An abort refused for anything but a timeout or an interrupt means the producer is in a fatal state (an
     * authorization or sequence error, the client's own invalid state): Kafka allows nothing but closing it, and kept,
     * it would refuse every later transaction of the partition until a rebalance. So it is closed and the partition
     * opened again with a new producer, as after commits that keep timing out, its jobs waiting before their next
     * round (see {@link #FIRST_WAIT_AFTER_FATAL}); the round that met the error ends there, as abandoned.
     *
     * @throws JobAbandonedException      when the producer was fenced, or replaced after a fatal error
     * @throws PartitionUnusableException when the partition's producers keep meeting fatal errors or being fenced
     */
    private boolean abortQuietly(OwnedPartition p, OpenJob entry) {
        try {
            p.producer.abortTransaction();
            p.abortOwed = false;
            return true;
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw fenced(p, e);
        } catch (TimeoutException | InterruptException e) {
            p.abortOwed = true;
            log.warn(
                    "batch {}: aborting the transaction on {} failed too ({}); it is aborted again before the next "
                            + "transaction begins, and nothing of it is visible meanwhile",
                    entry.batchId(),
                    p.tp,
                    e.toString());
        } catch (RuntimeException e) {
            if (!running.getAsBoolean() || leaving) {
                log.warn(
                        "batch {}: the producer of {} refuses to abort ({}); the poller is closing, which closes it",
                        entry.batchId(),
                        p.tp,
                        e.toString());
                return false;
            }
            String error = e.getCause() == null ? e.toString() : e + ", caused by " + e.getCause();
            int inARow = fatalInARow.merge(p.tp.partition(), 1, Integer::sum);
            if (inARow > FATAL_REOPENS) {
                fatalInARow.remove(p.tp.partition());
                release(p.tp.partition(), "closed after a fatal error");
                throw new PartitionUnusableException(
                        "batch " + entry.batchId() + ": the producer of " + p.tp
                                + " is in a fatal state (abortTransaction: " + error + "), the " + inARow
                                + "th producer in a "
                                + "row to be, none of them committing; the poller stops (its partitions go to the other "
                                + "pollers, a restart resumes from what is committed)",
                        e);
            }
            Duration wait = FIRST_WAIT_AFTER_FATAL.multipliedBy(1L << (inARow - 1));
            log.error(
                    "batch {}: the producer of {} is in a fatal state (abortTransaction: {}; {} in a row); Kafka "
                            + "allows only closing it: closing it and opening the partition again with a new producer (its "
                            + "open transaction is aborted, its jobs read again from the committed offset and due in {} ms)",
                    entry.batchId(),
                    p.tp,
                    error,
                    inARow,
                    wait.toMillis());
            openAgain(p, "closed after a fatal error", wait);
            throw new JobAbandonedException("the producer of " + p.tp + " was replaced after a fatal error", e);
        }
        return false;
    }
}

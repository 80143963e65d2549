package io.genaibatch.poll;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.GeminiApiException;
import io.genaibatch.poll.JobTable.OpenJob;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import io.genaibatch.run.LogFields;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job state machine: one round of work on a due job. Asks the API how the job is and records a change, cancels a
 * stuck one, takes one that answers NOT_FOUND long enough for gone, and hands a finished one to the {@link Publisher}.
 * Every record goes through the job's partition ({@link JobPartitions}); a failed round reschedules the job.
 */
final class JobRounds {
    private static final Logger log = LoggerFactory.getLogger(JobRounds.class);
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

    private final PollerSettings settings;
    private final BatchApi api;
    private final JobPolicy policy;
    private final PollerCounters counters;
    private final Clock clock;
    private final Publisher publisher;
    private final JobPartitions partitions;
    /** False once the poller is closing: a wakeup is then its way of stopping, not a failure. */
    private final BooleanSupplier running;

    private final CircuitRefusals refusals;

    JobRounds(
            PollerSettings settings,
            BatchApi api,
            JobPolicy policy,
            PollerCounters counters,
            Clock clock,
            Publisher publisher,
            JobPartitions partitions,
            BooleanSupplier running) {
        this.settings = settings;
        this.api = api;
        this.policy = policy;
        this.counters = counters;
        this.clock = clock;
        this.publisher = publisher;
        this.partitions = partitions;
        this.running = running;
        this.refusals = new CircuitRefusals(api, clock);
    }

    /** One round of work on a due job. Failures reschedule the job; only an Error ends the loop. */
    void work(OpenJob entry) {
        refusals.settle();
        try (LogFields fields = LogFields.batch(
                entry.job().getBatchId(), entry.job().getJobName(), entry.job().getModel())) {
            workOn(entry);
        }
    }

    private void workOn(OpenJob entry) {
        try {
            JobState state = entry.job().getState();
            if (entry.notFound().longEnough(GONE_AFTER_NOT_FOUND, settings.goneAfter(), clock.instant())) {
                if (!confirmGone(entry)) {
                    return;
                }
                gone(entry);
            } else if (PollerJobRecords.isFinished(state)) {
                publisher.publish(entry, Optional.empty()).ifPresent(entry::nextCheck);
            } else {
                check(entry);
            }
            entry.failures(0);
            entry.notFound(NotFoundStreak.NONE);
        } catch (PartitionUnusableException e) {
            throw e;
        } catch (JobAbandonedException e) {
            log.info(
                    "batch {} job {}: stopped ({}); its committed progress stands",
                    entry.batchId(),
                    entry.job().getJobName(),
                    e.getMessage());
            partitions.abandoned(entry);
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
                    counters.apiUnreachable(
                            "a 404 that is not the API's answer (check gemini.base-url): " + e.getMessage());
                    log.error(
                            "batch {} job {}: {} — a 404 that is not the API's NOT_FOUND answer (a proxy's or "
                                    + "a web server's page): check gemini.base-url and gemini.api-version; the job is not "
                                    + "taken for gone on such answers",
                            entry.batchId(),
                            entry.job().getJobName(),
                            e.getMessage());
                }
            }
            entry.nextCheck(settings.schedule()
                    .afterFailure(
                            JobTable.submittedAt(entry.job()),
                            now,
                            e.retryAfter().orElse(null)));
            if (e.isCircuitOpen()) {
                // The circuit said it opened; its refusals, one per due job, are told once, when it lets calls through
                refusals.count(e);
                log.debug(
                        "batch {} job {}: {}; next try at {}",
                        entry.batchId(),
                        entry.job().getJobName(),
                        e.getMessage(),
                        entry.nextCheck());
            } else {
                log.warn(
                        "batch {} job {}: {}; next try at {}",
                        entry.batchId(),
                        entry.job().getJobName(),
                        e.getMessage(),
                        entry.nextCheck());
            }
        } catch (WakeupException e) {
            if (running.getAsBoolean()) {
                throw e;
            }
        } catch (RetryLaterException e) {
            Duration wait = retryAfterFailure(entry);
            log.warn("{}; next try in {} ms", e.getMessage(), wait.toMillis());
        } catch (RuntimeException e) {
            counters.jobError();
            Duration wait = retryAfterFailure(entry);
            log.error(
                    "batch {} job {}: {} (failure {} in a row); retrying in {} ms",
                    entry.batchId(),
                    entry.job().getJobName(),
                    e.toString(),
                    entry.failures(),
                    wait.toMillis(),
                    e);
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
            entry.nextCheck(settings.schedule()
                    .afterFailure(
                            JobTable.submittedAt(job),
                            clock.instant(),
                            e.retryAfter().orElse(null)));
            if (e.isRetriable() && e.httpStatus() != 404) {
                // The API unavailable for a while (its circuit open, a 503, a lost connection), which says nothing
                // about the configuration: the confirmation is tried again at the job's next round, the streak kept.
                if (!e.isCircuitOpen() || refusals.count(e)) {
                    log.warn(
                            "batch {} job {}: {} checks since {} answered NOT_FOUND ({}); listing jobs to confirm it "
                                    + "is gone failed ({}), trying again at {}{}",
                            job.getBatchId(),
                            job.getJobName(),
                            streak.count(),
                            streak.since(),
                            streak.lastMessage(),
                            e.getMessage(),
                            entry.nextCheck(),
                            e.isCircuitOpen()
                                    ? " (the circuit is open: its other refusals are counted, not logged)"
                                    : "");
                }
                return false;
            }
            counters.apiUnreachable("jobs answer NOT_FOUND and listing them fails too (check gemini.base-url, "
                    + "gemini.api-version and the API key): " + e.getMessage());
            entry.notFound(NotFoundStreak.NONE);
            log.error(
                    "batch {} job {}: {} checks since {} answered NOT_FOUND ({}), and listing jobs fails too ({}): "
                            + "the API is not reachable as configured (check gemini.base-url, gemini.api-version and the API "
                            + "key); no job is taken for gone while that lasts; next try at {}",
                    job.getBatchId(),
                    job.getJobName(),
                    streak.count(),
                    streak.since(),
                    streak.lastMessage(),
                    e.getMessage(),
                    entry.nextCheck());
            return false;
        }
        if (listed.isEmpty() && scanned >= GONE_LIST_SCAN) {
            entry.notFound(NotFoundStreak.NONE);
            entry.nextCheck(
                    clock.instant().plus(settings.schedule().interval(JobTable.submittedAt(job), clock.instant())));
            log.warn(
                    "batch {} job {}: {} checks since {} answered NOT_FOUND ({}), but the project lists more than {} "
                            + "jobs and the job was not among those read: not taken for gone (delete old finished jobs at "
                            + "the API so that the list confirms it); checking on",
                    job.getBatchId(),
                    job.getJobName(),
                    streak.count(),
                    streak.since(),
                    streak.lastMessage(),
                    GONE_LIST_SCAN);
            return false;
        }
        boolean outputGone = listed.isPresent()
                && PollerJobRecords.isFinished(job.getState())
                && PollerJobRecords.stateOf(listed.get().state())
                        .map(PollerJobRecords::isFinished)
                        .orElse(false);
        if (listed.isEmpty() || outputGone) {
            return true;
        }
        entry.notFound(NotFoundStreak.NONE);
        entry.nextCheck(clock.instant().plus(settings.schedule().interval(JobTable.submittedAt(job), clock.instant())));
        log.warn(
                "batch {} job {}: {} checks since {} answered NOT_FOUND ({}), but the API lists the job {}: not "
                        + "taken for gone; checking on",
                job.getBatchId(),
                job.getJobName(),
                streak.count(),
                streak.since(),
                streak.lastMessage(),
                listed.get().state());
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
        log.error(
                "batch {} job {}: the API answered NOT_FOUND at {} checks in a row since {} ({}) and does not list "
                        + "it as still to run; the job, {} when last seen, is taken for gone and recorded FAILED "
                        + "(JOB_NOT_FOUND) for the job policy to decide",
                job.getBatchId(),
                job.getJobName(),
                streak.count(),
                streak.since(),
                streak.lastMessage(),
                job.getState());
        record(
                entry,
                PollerJobRecords.vanished(
                        job,
                        "batch job " + job.getJobName() + " (" + job.getState()
                                + " when last seen) no longer exists at the API: " + streak.count()
                                + " checks in a row since "
                                + streak.since() + " answered NOT_FOUND (" + streak.lastMessage()
                                + "); it was deleted, its output "
                                + "expired, or it was never created under this name",
                        clock.instant()));
        entry.notFound(NotFoundStreak.NONE);
        publisher.publish(entry, Optional.empty()).ifPresent(entry::nextCheck);
    }

    /** Asks the API how the job is, records a change, and publishes a job that finished. */
    private void check(OpenJob entry) {
        BatchJob job = entry.job();
        BatchJobInfo info = api.get(job.getJobName());
        counters.apiAnswered();
        Instant now = clock.instant();
        Optional<JobState> next = PollerJobRecords.stateOf(info.state());
        if (next.isPresent() && next.get() != job.getState()) {
            record(entry, PollerJobRecords.transition(job, next.get(), info, now));
            log.info(
                    "batch {} job {}: {} -> {}{}",
                    job.getBatchId(),
                    job.getJobName(),
                    job.getState(),
                    next.get(),
                    info.error().map(e -> " (" + e + ")").orElse(""));
        } else if (next.isEmpty()) {
            log.warn(
                    "batch {} job {}: the API reports state {}, which says nothing new; checking again later",
                    job.getBatchId(),
                    job.getJobName(),
                    info.state());
        }
        if (PollerJobRecords.isFinished(entry.job().getState())) {
            publisher.publish(entry, Optional.of(info)).ifPresent(entry::nextCheck);
        } else if (policy.isStuck(entry.job(), now)) {
            cancelStuck(entry);
        } else {
            entry.nextCheck(now.plus(settings.schedule().interval(JobTable.submittedAt(job), now)));
            indexItemsAhead(entry);
        }
    }

    /**
     * Indexes a running job's items ahead of its end (a no-op once they are). A failure here is not the job's: it
     * is logged and the items are read again at the next check, or when the job has ended.
     */
    private void indexItemsAhead(OpenJob entry) {
        try {
            publisher.indexItemsAhead(entry);
        } catch (JobAbandonedException | WakeupException | PartitionUnusableException e) {
            throw e;
        } catch (RuntimeException e) {
            log.warn(
                    "batch {} job {}: indexing its items while it runs failed ({}); they are read again at its next "
                            + "check or once it has ended",
                    entry.batchId(),
                    entry.job().getJobName(),
                    e.toString());
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
        if (job.getError() == null || !ErrorCode.JOB_STUCK.is(job.getError().getCode())) {
            record(
                    entry,
                    PollerJobRecords.stuck(
                            job,
                            "batch job " + job.getJobName() + " (batch " + job.getBatchId()
                                    + ") was still " + job.getState() + " "
                                    + java.time.Duration.between(JobTable.submittedAt(job), now)
                                            .withNanos(0) + " after its submission (poll.stuck-after "
                                    + settings.retries().stuckAfter()
                                    + "): cancelled by the poller and split",
                            now));
            log.warn(
                    "batch {} job {}: {} since {}, longer than poll.stuck-after ({}); cancelling it, then splitting it",
                    job.getBatchId(),
                    job.getJobName(),
                    job.getState(),
                    JobTable.submittedAt(job),
                    settings.retries().stuckAfter());
        }
        try {
            api.cancel(job.getJobName());
        } catch (GeminiApiException e) {
            // Finished meanwhile (nothing to cancel) or a failed call: the next check says which.
            log.warn(
                    "batch {} job {}: cancelling the stuck job failed ({}); checking it again",
                    job.getBatchId(),
                    job.getJobName(),
                    e.getMessage());
        }
        entry.nextCheck(clock.instant().plus(settings.schedule().initial()));
    }

    private void record(OpenJob entry, BatchJob next) {
        JobState before = entry.job().getState();
        partitions.commit(entry, List.of(), next, entry.lineage());
        counters.jobState(next);
        if (next.getState() == JobState.RUNNING && before != JobState.RUNNING) {
            counters.jobStarted(next, next.getUpdatedAt() != null ? next.getUpdatedAt() : clock.instant());
        }
    }
}

package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch jobs and their life: PENDING for pendingMillis, RUNNING while the processor works and for at
 * least runningMillis, then the outcome decided at creation (scripted, else drawn from the seeded rates).
 * Cancel, delete and the test handle's forcing methods can cut in at any point.
 */
final class BatchStore {
    private static final Logger log = LoggerFactory.getLogger(BatchStore.class);
    /** How long forcing a job to finish waits for its processing before giving up. */
    private static final Duration FORCE_TIMEOUT = Duration.ofMinutes(5);

    static final int BATCH_ID_LENGTH = 36;

    private final EmulatorOptions options;
    private final Clock clock;
    private final Path jobsDir;
    private final BatchProcessor processor;
    private final FaultCounts faults;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService workers;
    private final AtomicLong seq = new AtomicLong();
    private final ConcurrentSkipListMap<Long, BatchJob> bySeq = new ConcurrentSkipListMap<>();
    private volatile Duration listLag = Duration.ZERO;
    private final java.util.concurrent.atomic.AtomicInteger lostCreateAnswers =
            new java.util.concurrent.atomic.AtomicInteger();
    private final Map<String, BatchJob> byId = new ConcurrentHashMap<>();
    private final Map<String, Integer> createdByDisplayName = new ConcurrentHashMap<>();
    private final Deque<JobOutcome> scriptedOutcomes = new ArrayDeque<>();
    /** Where jobs and counters are saved; null keeps them in memory only (no data directory given). */
    private final StateDir state;

    BatchStore(
            EmulatorOptions options,
            Clock clock,
            Path dataDir,
            BatchProcessor processor,
            FaultCounts faults,
            ScheduledExecutorService scheduler,
            ExecutorService workers,
            StateDir state)
            throws IOException {
        this.options = options;
        this.clock = clock;
        this.jobsDir = Files.createDirectories(dataDir.resolve("jobs"));
        this.processor = processor;
        this.faults = faults;
        this.scheduler = scheduler;
        this.workers = workers;
        this.state = state;
        if (state != null) {
            load();
        }
    }

    /** Reads back the jobs and counters a previous run saved; {@link #resume()} then sets unfinished jobs going. */
    private void load() throws IOException {
        ObjectNode counters = StateDir.read(state.batchCounters());
        long maxSeq = counters.path("seq").asLong();
        counters.path("createdByDisplayName")
                .fields()
                .forEachRemaining(
                        e -> createdByDisplayName.put(e.getKey(), e.getValue().asInt()));
        // A job's record is saved before the counters: a kill in between left a job the counters miss. The jobs read
        // back are counted again, and each displayName keeps the larger count, so a second create never hides.
        Map<String, Integer> recorded = new HashMap<>();
        for (ObjectNode r : state.jobRecords()) {
            BatchJob job;
            try {
                job = BatchJob.fromRecord(r, state);
            } catch (RuntimeException e) {
                log.warn("Skipping a job record that cannot be read ({}): {}", e.toString(), r);
                continue;
            }
            bySeq.put(job.seq, job);
            byId.put(job.id, job);
            maxSeq = Math.max(maxSeq, job.seq);
            recorded.merge(job.displayName == null ? "" : job.displayName, 1, Integer::sum);
        }
        recorded.forEach((name, n) -> createdByDisplayName.merge(name, n, Math::max));
        // Ids derive from the seed and this counter: it goes on from where it was, so no id is handed out twice.
        seq.set(maxSeq);
        if (!byId.isEmpty()) {
            log.info("Read back {} jobs from {}", byId.size(), jobsDir.getParent());
        }
    }

    /**
     * Sets the jobs read back going again: a PENDING one starts at its due time, a RUNNING one ends at its due
     * time (startTime + runningMillis), or at once when that passed while the emulator was stopped. A RUNNING job
     * whose output was not yet saved has its input processed again from the start.
     */
    void resume() {
        Instant now = clock.instant();
        for (BatchJob job : bySeq.values()) {
            String s = job.state();
            if (s.equals(BatchJob.PENDING)) {
                later(() -> start(job), delayUntil(job.createTime.plusMillis(options.pendingMillis()), now));
            } else if (s.equals(BatchJob.RUNNING)) {
                CompletableFuture<Void> processing = new CompletableFuture<>();
                job.resumeProcessing(processing);
                Instant due = job.dueTime() != null ? job.dueTime() : now;
                log.info("{} is RUNNING again after a restart (outcome {})", job.name(), job.outcome());
                if (job.hasOutput()) {
                    processing.complete(null);
                    later(() -> applyOutcome(job), delayUntil(due, now));
                } else {
                    job.succeeded.set(0);
                    job.failed.set(0);
                    if (!job.inlineInput()) {
                        job.requestCount.set(0);
                    }
                    work(job, processing, due);
                }
            }
        }
    }

    /** Schedules a step of a job; once the emulator stops, the job stays as it is (saved, for a restart). */
    private void later(Runnable step, long delayMillis) {
        try {
            scheduler.schedule(step, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Emulator stopping: a scheduled job step is dropped");
        }
    }

    private static long delayUntil(Instant due, Instant now) {
        return Math.max(0, Duration.between(now, due).toMillis());
    }

    /** Saves the job's record (no-op in memory mode); a deleted job's record is gone and stays gone. */
    private void save(BatchJob job) {
        if (state == null) {
            return;
        }
        // Under the job's monitor, so two threads saving one job cannot put an older record over a newer one.
        synchronized (job) {
            if (job.deleted()) {
                return;
            }
            try {
                StateDir.write(state.jobRecord(job.id), job.toRecord(state));
            } catch (IOException e) {
                log.error(
                        "Could not save {} to {}: a restart will not see this change",
                        job.name(),
                        state.jobRecord(job.id),
                        e);
            }
        }
    }

    private void saveCounters() {
        if (state == null) {
            return;
        }
        synchronized (createdByDisplayName) {
            ObjectNode r = Json.object();
            r.put("seq", seq.get());
            ObjectNode counts = r.putObject("createdByDisplayName");
            new TreeMap<>(createdByDisplayName).forEach(counts::put);
            try {
                StateDir.write(state.batchCounters(), r);
            } catch (IOException e) {
                log.error("Could not save the job counters to {}", state.batchCounters(), e);
            }
        }
    }

    /** Input of a new job: either the spooled inline requests or an uploaded file. */
    record Input(Path path, String fileName, long inlineCount) {}

    /** Reserves a working directory for a job about to be created, so inline input can be spooled into it. */
    Path newWorkDir() throws IOException {
        return Files.createTempDirectory(jobsDir, "job-");
    }

    BatchJob create(BatchJob.Kind kind, String model, String displayName, Long priority, Path workDir, Input input) {
        long n = seq.incrementAndGet();
        // 36 characters, as the service's batch ids: its responses file, files/batch-<id>, then has a 42-character
        // id, past files.get's limit of 40, as in the service (FileHandler.MAX_FILE_ID).
        String id = Hashing.id(Hashing.hash(options.seed(), "batch", Long.toString(n)), BATCH_ID_LENGTH);
        BatchJob job = new BatchJob(
                n,
                id,
                kind,
                model,
                displayName,
                clock.instant(),
                input.path(),
                input.fileName(),
                input.inlineCount(),
                workDir,
                nextOutcome(id),
                priority);
        save(job);
        bySeq.put(n, job);
        byId.put(id, job);
        createdByDisplayName.merge(displayName == null ? "" : displayName, 1, Integer::sum);
        if (job.outcome() != JobOutcome.SUCCEED) {
            faults.add("job" + job.outcome());
        }
        saveCounters();
        log.info(
                "Created {} ({} {}, display name {}, input {}, outcome {})",
                job.name(),
                kind,
                model,
                displayName,
                input.fileName() != null ? input.fileName() : input.inlineCount() + " inline requests",
                job.outcome());
        scheduler.schedule(() -> start(job), options.pendingMillis(), TimeUnit.MILLISECONDS);
        return job;
    }

    private JobOutcome nextOutcome(String id) {
        synchronized (scriptedOutcomes) {
            if (!scriptedOutcomes.isEmpty()) {
                return scriptedOutcomes.pollFirst();
            }
        }
        double draw = Hashing.unit(options.seed(), id, "outcome");
        if (draw < options.jobFailRate()) {
            return JobOutcome.FAIL;
        }
        if (draw < options.jobFailRate() + options.jobExpireRate()) {
            return JobOutcome.EXPIRE;
        }
        if (draw < options.jobFailRate() + options.jobExpireRate() + options.jobStuckRate()) {
            return JobOutcome.STUCK;
        }
        return JobOutcome.SUCCEED;
    }

    void scriptOutcomes(int count, JobOutcome outcome) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, found " + count);
        }
        synchronized (scriptedOutcomes) {
            for (int i = 0; i < count; i++) {
                scriptedOutcomes.addLast(outcome);
            }
        }
    }

    /** PENDING → RUNNING, and starts the work of the job's outcome. Idempotent. */
    private void start(BatchJob job) {
        CompletableFuture<Void> processing = new CompletableFuture<>();
        Instant now = clock.instant();
        Instant due = now.plusMillis(options.runningMillis());
        if (!job.markRunning(now, due, processing)) {
            return;
        }
        save(job);
        log.info("{} is RUNNING", job.name());
        work(job, processing, due);
    }

    /**
     * The work of a RUNNING job: its output when it is to succeed, then its outcome at {@code due} (or as soon as
     * the output is ready, when that took longer).
     */
    private void work(BatchJob job, CompletableFuture<Void> processing, Instant due) {
        if (job.outcome() != JobOutcome.SUCCEED) {
            // Failing, expiring and stuck jobs produce no output, so there is nothing to process.
            processing.complete(null);
            later(() -> applyOutcome(job), delayUntil(due, clock.instant()));
            return;
        }
        try {
            workers.execute(() -> {
                try {
                    BatchProcessor.Output out = processor.process(job);
                    job.output(out.inlineResults(), out.responsesFile());
                    save(job);
                    processing.complete(null);
                } catch (Exception e) {
                    processing.completeExceptionally(e);
                    return;
                } finally {
                    if (!processing.isDone()) {
                        processing.completeExceptionally(new IllegalStateException("processing ended abnormally"));
                    }
                }
                later(() -> applyOutcome(job), delayUntil(due, clock.instant()));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            processing.completeExceptionally(e);
        }
        processing.whenComplete((ok, e) -> {
            if (e == null) {
                return;
            }
            if (workers.isShutdown()) {
                // The emulator is stopping: the job stays RUNNING, in memory and on disk, for a restart to resume.
                log.info("{} stays RUNNING: the emulator stopped while processing it", job.name());
                return;
            }
            if (!job.end(BatchJob.FAILED, clock.instant(), 500, "Emulator could not process the job: " + e)) {
                return;
            }
            save(job);
            Throwable cause =
                    e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof BatchProcessor.InputGoneException) {
                log.warn("{} FAILED: {}", job.name(), cause.getMessage());
            } else {
                log.error("{} FAILED: processing its input threw", job.name(), e);
            }
        });
    }

    private void applyOutcome(BatchJob job) {
        Instant now = clock.instant();
        switch (job.outcome()) {
            case SUCCEED -> ended(job, job.end(BatchJob.SUCCEEDED, now, 0, null));
            case FAIL ->
                ended(
                        job,
                        job.end(
                                BatchJob.FAILED,
                                now,
                                500,
                                "Batch job failed (emulator fault: jobFailRate or a scripted FAIL)."));
            case EXPIRE -> ended(job, job.end(BatchJob.EXPIRED, now, 0, null));
            case STUCK -> log.info("{} stays RUNNING (outcome STUCK)", job.name());
        }
    }

    private void ended(BatchJob job, boolean changed) {
        if (changed) {
            save(job);
            log.info(
                    "{} ended {} ({} requests: {} ok, {} failed)",
                    job.name(),
                    job.state(),
                    job.requestCount.get(),
                    job.succeeded.get(),
                    job.failed.get());
        }
    }

    BatchJob get(String nameOrId) {
        String id = nameOrId.startsWith("batches/") ? nameOrId.substring("batches/".length()) : nameOrId;
        BatchJob job = byId.get(id);
        if (job == null) {
            throw ErrorAnswer.notFound("Batch batches/" + id + " not found. It may have been deleted, or was created by"
                    + " another emulator instance (without a data directory the emulator keeps jobs in memory only).");
        }
        return job;
    }

    Paging.Page<BatchJob> list(int pageSize, String pageToken) {
        Duration hide = listLag;
        if (hide.isZero()) {
            return Paging.page(bySeq, pageSize, pageToken);
        }
        // A test handle: jobs show in list only some time after their creation, as an eventually consistent
        // listing would show them.
        Instant visibleBefore = clock.instant().minus(hide);
        java.util.TreeMap<Long, BatchJob> visible = new java.util.TreeMap<>();
        bySeq.forEach((seq, job) -> {
            if (!job.createTime.isAfter(visibleBefore)) {
                visible.put(seq, job);
            }
        });
        return Paging.page(visible, pageSize, pageToken);
    }

    /** From now on, a job appears in list only {@code lag} after its creation (get finds it at once). */
    void listLag(Duration lag) {
        listLag = lag;
    }

    /** The next {@code count} creates make their job, then answer 503 as if the answer had been lost on the way. */
    void loseNextCreateAnswers(int count) {
        lostCreateAnswers.addAndGet(count);
    }

    /** Whether this create's answer is to be lost (consumes one). */
    boolean loseThisCreateAnswer() {
        return lostCreateAnswers.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    void cancel(String nameOrId) {
        BatchJob job = get(nameOrId);
        if (job.end(BatchJob.CANCELLED, clock.instant(), 0, null)) {
            save(job);
            log.info("{} CANCELLED", job.name());
        }
    }

    void delete(String nameOrId) {
        BatchJob job = get(nameOrId);
        synchronized (job) {
            job.markDeleted();
            if (state != null) {
                try {
                    Files.deleteIfExists(state.jobRecord(job.id));
                } catch (IOException e) {
                    log.error("Could not delete the record of {}: it comes back after a restart", job.name(), e);
                }
            }
        }
        byId.remove(job.id);
        bySeq.remove(job.seq);
        log.info("{} deleted", job.name());
        CompletableFuture<Void> processing = job.processing();
        if (processing == null || processing.isDone()) {
            deleteQuietly(job.workDir);
        } else {
            processing.whenComplete((ok, e) -> deleteQuietly(job.workDir));
        }
    }

    /** Test handle: SUCCEEDED now, with its output, whatever the outcome was going to be. */
    void finishNow(String nameOrId) {
        BatchJob job = get(nameOrId);
        job.outcome(JobOutcome.SUCCEED);
        start(job);
        CompletableFuture<Void> processing = job.processing();
        if (processing == null) {
            throw new IllegalStateException(job.name() + " is " + job.state() + ": it can no longer be finished");
        }
        try {
            processing.get(FORCE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while finishing " + job.name(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not finish " + job.name() + ": " + e, e);
        }
        if (!job.hasOutput() && !job.terminal()) {
            // A job that was headed for another outcome skipped processing: do it now, here.
            try {
                BatchProcessor.Output out = processor.process(job);
                job.output(out.inlineResults(), out.responsesFile());
                save(job);
            } catch (IOException e) {
                throw new IllegalStateException("could not process " + job.name() + ": " + e, e);
            }
        }
        ended(job, job.end(BatchJob.SUCCEEDED, clock.instant(), 0, null));
    }

    /** Test handle: FAILED now, with this error in the raw JSON. */
    void failNow(String nameOrId, int code, String message) {
        BatchJob job = get(nameOrId);
        ended(job, job.end(BatchJob.FAILED, clock.instant(), code, message));
    }

    /** Test handle: EXPIRED now. */
    void expireNow(String nameOrId) {
        BatchJob job = get(nameOrId);
        ended(job, job.end(BatchJob.EXPIRED, clock.instant(), 0, null));
    }

    int createdFor(String displayName) {
        return createdByDisplayName.getOrDefault(displayName, 0);
    }

    Map<String, Integer> createdByDisplayName() {
        return new TreeMap<>(createdByDisplayName);
    }

    static void deleteQuietly(Path dir) {
        String problem = io.genaibatch.run.FileTrees.deleteQuietly(dir);
        if (problem != null) {
            log.warn("Could not delete job directory {}: {}", dir, problem);
        }
    }
}

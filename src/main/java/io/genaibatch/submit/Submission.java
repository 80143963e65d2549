package io.genaibatch.submit;

import io.genaibatch.batch.ErrorCode;
import io.genaibatch.batch.Lineage;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchInput;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.FileInfo;
import io.genaibatch.gemini.GeminiApiException;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.InputMode;
import io.genaibatch.records.RequestKind;
import io.genaibatch.run.LogFields;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one sealed batch into exactly one job, on a worker thread: find the job of an earlier attempt by
 * displayName when there may be one, read the items of a range child from its range (checked against its seal),
 * plan (inline or file), upload, commit the SUBMITTING intent, create, and hand the job record over to be
 * committed with the offsets.
 *
 * <p>The one rule that makes a second job impossible: create is only called after the intent is committed,
 * and after any outcome that may have created a job (a crash, a lost or unclear answer) the next step is a
 * listing by displayName, never another create. A failure that proves nothing was created (429, a refused
 * connection, a 4xx answer) is simply tried again later.
 *
 * <p>Thread-safety: one worker runs a submission at a time (each try is scheduled after the previous one
 * ended); {@link #cancel()} comes from the consumer thread, so the phase is guarded by this object's lock.
 */
final class Submission {
    private static final Logger log = LoggerFactory.getLogger(Submission.class);
    static final String JSONL_MIME = "application/jsonl";

    /**
     * What every submission of one role shares.
     *
     * @param ranges             reads the items of range children; may be null where no batch is one
     * @param createLookupWindow after a create whose outcome is unclear, how long its job is looked for by
     *                           displayName before it may be created again (submit.create-lookup-window)
     */
    record Context(
            BatchApi api,
            JobLog jobLog,
            JobFinder finder,
            long inlineMaxBytes,
            Backoff backoff,
            SubmitCounters counters,
            SubmitHooks hooks,
            ScheduledExecutorService executor,
            Clock clock,
            Consumer<Throwable> fatal,
            Semaphore inlineCreates,
            RangeSpooler ranges,
            Duration createLookupWindow) {}

    /** How often a job whose create was unclear is looked for, within the lookup window. */
    static final Duration LOOKUP_EVERY = Duration.ofSeconds(5);

    private enum Phase {
        WAITING,
        WORKING,
        CREATING,
        DONE,
        CANCELLED
    }

    private final SealedBatch batch;
    private final Context ctx;

    // Touched only by the worker running the current try.
    private BatchJob intent;
    private boolean resolveFirst;
    /** When a create whose outcome is unclear was sent (or may have been); null when none was. */
    private Instant unclearSince;

    private boolean forceFile;
    private String uploadedFile;
    /** An input file found gone (expired, deleted): never reused. */
    private String goneFile;

    private int failures;
    private boolean itemsSpooled;

    // Guarded by this.
    private Phase phase = Phase.WAITING;
    private boolean cancelRequested;
    private Future<?> scheduled;

    /**
     * @param existingIntent a SUBMITTING record already on genai.jobs for this batch (a run before a crash got
     *                       that far): its job, if any, must be found before anything is created
     */
    Submission(SealedBatch batch, BatchJob existingIntent, Context ctx) {
        this.batch = batch;
        this.ctx = ctx;
        this.intent = existingIntent;
        // A child batch is looked up by displayName before its first create too: its seal is written by a poller's
        // decision, and a decision repeated by mistake must not cost a second job.
        this.resolveFirst = existingIntent != null || !batch.lineage().isRoot();
        // An earlier run may have sent its create at any time after this intent (the intent is not written again
        // for each try) and crashed before its answer: the window runs from now, by this host's clock.
        this.unclearSince = existingIntent == null ? null : ctx.clock().instant();
        // A range child's items are still on genai.batches; every other batch was spooled before its seal.
        this.itemsSpooled = !batch.isRange();
    }

    SealedBatch batch() {
        return batch;
    }

    void start() {
        schedule(Duration.ZERO);
    }

    /**
     * Stops the submission unless its create call is under way.
     *
     * @return true when no create can be sent any more; false while one is in progress (its outcome will
     *         still be handed to the job log)
     */
    synchronized boolean cancel() {
        if (phase == Phase.CREATING) {
            cancelRequested = true;
            return false;
        }
        if (phase != Phase.DONE) {
            phase = Phase.CANCELLED;
        }
        if (scheduled != null) {
            // Interrupts an upload in progress; the partition's new owner rebuilds the spool and starts over.
            scheduled.cancel(true);
        }
        return true;
    }

    synchronized boolean isCreating() {
        return phase == Phase.CREATING;
    }

    private void run() {
        // On a worker thread of the pool: the fields go with this try and no further.
        try (LogFields fields = LogFields.batch(batch.batchId(), null, batch.model())) {
            runOnce();
        }
    }

    private void runOnce() {
        if (!begin()) {
            return;
        }
        Duration next;
        try {
            next = step();
        } catch (InterruptedException e) {
            log.info("Batch {}: submission interrupted (partition given up or role stopping)", batch.batchId());
            markCancelled();
            return;
        } catch (RuntimeException e) {
            // A bug or a local fault (disk): the batch must not stall with its slot taken, so it is tried again.
            next = failedTry("submit", e);
        } catch (Error e) {
            markCancelled();
            ctx.fatal().accept(e);
            return;
        }
        if (next != null) {
            retryLater(next);
        }
    }

    /** One try. Returns null when the batch is finished here, else when to try again. */
    private Duration step() throws InterruptedException {
        if (resolveFirst) {
            Optional<BatchJobInfo> found;
            try {
                found = ctx.finder().find(batch.batchId());
            } catch (RuntimeException e) {
                return failedTry("list jobs to find the job of", e);
            }
            if (found.isPresent()) {
                adopt(found.get());
                return null;
            }
            if (unclearSince != null) {
                // A job made by a create whose answer was lost may show up in the list only a while later: creating
                // again before the window has passed could bill the batch twice.
                Instant until = unclearSince.plus(ctx.createLookupWindow());
                Instant now = ctx.clock().instant();
                if (now.isBefore(until)) {
                    Duration left = Duration.between(now, until);
                    Duration wait = left.compareTo(LOOKUP_EVERY) < 0 ? left : LOOKUP_EVERY;
                    log.info(
                            "Batch {}: no job listed with this displayName yet; the create of {} may still show up, "
                                    + "so no new create before {} (submit.create-lookup-window {}): looking again in {} ms",
                            batch.batchId(),
                            unclearSince,
                            until,
                            ctx.createLookupWindow(),
                            wait.toMillis());
                    return wait;
                }
            }
            log.info("Batch {}: no job has this displayName, so none was created; creating it", batch.batchId());
            resolveFirst = false;
            unclearSince = null;
        }

        // After the listing, not before: a job found by displayName is adopted without reading a range of up to
        // 2 GB again, and a range deleted by retention since cannot turn a job that exists into a FAILED record.
        if (itemsSpooled && Files.notExists(batch.spool())) {
            // Deleted while the batch waited (a cleanup job, an operator, a full disk's aftermath): the items are
            // still on genai.batches, held there by the committed offset.
            log.warn(
                    "Batch {}: its spool file {} is gone; reading its items again from partition {} of the batches "
                            + "topic, offsets {}..{}",
                    batch.batchId(),
                    batch.spool(),
                    batch.partition(),
                    itemsRange().fromOffset(),
                    itemsRange().toOffset());
            itemsSpooled = false;
        }
        if (!itemsSpooled) {
            RangeSpooler.Spooled read;
            try {
                read = ctx.ranges().spool(batch, itemsRange());
            } catch (RuntimeException e) {
                if (isCancelled()) {
                    return null;
                }
                return failedTry("read the items range of", e);
            }
            if (read.lost() != null || read.count() != batch.itemCount() || read.bytes() != batch.itemBytes()) {
                ctx.counters().sealMismatch();
                Lineage.ItemsRange range = itemsRange();
                return fail(
                        InputMode.FILE,
                        ErrorCode.SEAL_MISMATCH,
                        "the seal at offset " + batch.sealOffset() + " says "
                                + batch.itemCount() + " items / " + batch.itemBytes() + " bytes, but " + read.count()
                                + " items / " + read.bytes() + " bytes of batch " + range.batchId()
                                + " were read from partition "
                                + range.partition() + " offsets " + range.fromOffset() + ".." + range.toOffset()
                                + (read.lost() == null ? "" : " (" + read.lost() + ")")
                                + "; the batch is not submitted (a job from it would miss or repeat requests)",
                        null);
            }
            itemsSpooled = true;
        }

        InputMode mode = plan();
        if (mode == InputMode.FILE && uploadedFile != null && !stillThere(uploadedFile)) {
            goneFile = uploadedFile;
            uploadedFile = null;
        }
        if (mode == InputMode.FILE && uploadedFile == null) {
            try {
                uploadedFile = upload();
            } catch (RuntimeException e) {
                if (isCancelled()) {
                    return null;
                }
                if (e instanceof GeminiApiException g && permanent(g)) {
                    return fail(
                            mode,
                            ErrorCode.UPLOAD_REFUSED,
                            "the Files API refused the batch's input file: " + g.getMessage(),
                            g.httpStatus());
                }
                ctx.counters().uploadRetried();
                return failedTry("upload the input file of", e);
            }
        }
        String file = mode == InputMode.FILE ? uploadedFile : null;

        BatchJob next = SubmitterJobRecords.intent(
                batch, mode, file, intent, ctx.clock().instant());
        if (!SubmitterJobRecords.sameIntent(intent, next)) {
            try {
                ctx.jobLog().writeIntent(batch, next);
            } catch (JobLog.NotWritten e) {
                if (e.partitionGone()) {
                    log.info(
                            "Batch {}: not submitted here ({}); the partition's new owner will",
                            batch.batchId(),
                            e.getMessage());
                    markCancelled();
                    return null;
                }
                return failedTry("record the intent for", e);
            }
            intent = next;
        }

        // An inline create holds its whole payload on heap several times over (SDK objects, JSON text, request
        // body): one at a time per instance keeps the heap independent of max-jobs-in-flight.
        Semaphore heapGate = mode == InputMode.INLINE ? ctx.inlineCreates() : null;
        if (heapGate != null) {
            heapGate.acquire();
        }
        BatchJobInfo job;
        try {
            if (!enterCreate()) {
                return null;
            }
            ctx.hooks().beforeCreate(intent);
            job = create(mode, file);
            ctx.hooks().afterCreate(intent, job);
        } catch (IllegalArgumentException e) {
            leaveCreate();
            if (mode != InputMode.INLINE) {
                return fail(mode, ErrorCode.CREATE_REFUSED, "the batch cannot be submitted: " + e.getMessage(), null);
            }
            // Raised by the client before sending anything: a request the SDK's inline form would change.
            log.info(
                    "Batch {}: cannot go inline ({}); uploading it as a file instead", batch.batchId(), e.getMessage());
            forceFile = true;
            return Duration.ZERO;
        } catch (GeminiApiException e) {
            leaveCreate();
            if (!e.isCertainlyNotProcessed() && !refusedByServer(e)) {
                // The server may have created the job before the answer was lost: find it, never create blindly.
                resolveFirst = true;
                unclearSince = ctx.clock().instant();
            }
            if (permanent(e)) {
                return fail(
                        mode,
                        ErrorCode.CREATE_REFUSED,
                        "the API refused to create the batch job: " + e.getMessage(),
                        e.httpStatus());
            }
            ctx.counters().createRetried();
            return failedTry("create the job of", e);
        } catch (RuntimeException e) {
            leaveCreate();
            resolveFirst = true;
            unclearSince = ctx.clock().instant();
            ctx.counters().createRetried();
            return failedTry("create the job of", e);
        } finally {
            if (heapGate != null) {
                heapGate.release();
            }
        }
        ctx.counters().submitted(batch.model(), mode == InputMode.INLINE);
        try (LogFields fields = LogFields.job(job.name())) {
            log.info(
                    "Batch {} submitted as job {} ({}, {} requests, {} bytes, state {})",
                    batch.batchId(),
                    job.name(),
                    mode == InputMode.INLINE ? "inline" : "file " + file,
                    batch.itemCount(),
                    batch.itemBytes(),
                    job.state());
        }
        finish(SubmitterJobRecords.withJob(intent, job, ctx.clock().instant()));
        return null;
    }

    private InputMode plan() {
        boolean inline = batch.kind() == RequestKind.GENERATE
                && !forceFile
                && ctx.inlineMaxBytes() > 0
                && batch.itemBytes() <= ctx.inlineMaxBytes();
        return inline ? InputMode.INLINE : InputMode.FILE;
    }

    /**
     * The input file: the one an earlier run uploaded (named in its intent) when the service still has it whole,
     * else a new upload streamed from the spool.
     */
    private String upload() {
        if (intent != null
                && intent.getUploadedFile() != null
                && !intent.getUploadedFile().equals(goneFile)
                && stillThere(intent.getUploadedFile())) {
            log.info(
                    "Batch {}: reusing input file {} uploaded by an earlier run",
                    batch.batchId(),
                    intent.getUploadedFile());
            return intent.getUploadedFile();
        }
        FileInfo f = ctx.api().uploadFile(batch.spool(), JSONL_MIME, batch.batchId());
        ctx.counters().uploaded(batch.itemBytes());
        log.info(
                "Batch {}: uploaded {} bytes from {} as {}",
                batch.batchId(),
                batch.itemBytes(),
                batch.spool().getFileName(),
                f.name());
        return f.name();
    }

    /**
     * Whether an input file uploaded by an earlier try can still be used: the Files API deletes files 48 h after
     * their upload, and a batch that waits out a long rate limit would otherwise be refused for a file that is
     * gone (and every request of it answered FAILED). Only the API's NOT_FOUND or an unusable state counts as gone; another error
     * fails the try, which is tried again later.
     */
    private boolean stillThere(String file) {
        try {
            FileInfo f = ctx.api().getFile(file);
            if (f.sizeBytes() == batch.itemBytes()
                    && (f.state().isEmpty() || f.state().equals("ACTIVE"))) {
                return true;
            }
            log.warn(
                    "Batch {}: input file {} is {} ({} bytes); uploading it again",
                    batch.batchId(),
                    file,
                    f.state().isEmpty() ? "unusable" : f.state(),
                    f.sizeBytes());
        } catch (GeminiApiException e) {
            if (!e.isApiNotFound()) {
                // Not the API's answer about the file (a 429 or 5xx during an outage, a proxy's 404 page): keep it
                // and try again later, rather than upload up to 2 GB again at every try.
                throw e;
            }
            log.warn(
                    "Batch {}: input file {} uploaded by an earlier try is gone ({}); uploading it again",
                    batch.batchId(),
                    file,
                    e.getMessage());
        }
        return false;
    }

    /** Where the batch's items are on genai.batches: its range, or for a batch the accumulator made its own items. */
    private Lineage.ItemsRange itemsRange() {
        return batch.isRange()
                ? batch.lineage().items()
                : new Lineage.ItemsRange(
                        batch.batchId(), batch.partition(), batch.firstItemOffset(), batch.sealOffset() - 1);
    }

    private BatchJobInfo create(InputMode mode, String file) {
        BatchInput input = mode == InputMode.FILE ? BatchInput.file(file) : BatchInput.inline(batch.spool());
        return batch.kind() == RequestKind.EMBED
                ? ctx.api().createEmbeddings(batch.model(), batch.batchId(), input)
                : ctx.api().create(batch.model(), batch.batchId(), input);
    }

    private void adopt(BatchJobInfo job) {
        ctx.counters().adopted();
        try (LogFields fields = LogFields.job(job.name())) {
            log.info(
                    "Batch {}: adopted job {} (state {}) found by displayName; nothing created",
                    batch.batchId(),
                    job.name(),
                    job.state());
        }
        finish(SubmitterJobRecords.withJob(intent, job, ctx.clock().instant()));
    }

    private Duration fail(InputMode mode, ErrorCode code, String message, Integer httpStatus) {
        ctx.counters().failedBatch();
        log.error(
                "Batch {}: recorded FAILED without a job ({}): {}. The poller's job policy decides what its {} "
                        + "requests get (retrying splits a batch refused for its content to isolate the request at fault; "
                        + "otherwise each is answered FAILED).",
                batch.batchId(),
                code,
                message,
                batch.itemCount());
        finish(SubmitterJobRecords.failed(
                batch,
                intent,
                mode,
                code,
                message,
                httpStatus == null || httpStatus == GeminiApiException.NO_HTTP_STATUS ? null : httpStatus,
                ctx.clock().instant()));
        return null;
    }

    private void finish(BatchJob record) {
        synchronized (this) {
            phase = Phase.DONE;
        }
        ctx.jobLog().record(batch, record);
    }

    private Duration failedTry(String what, Exception e) {
        failures++;
        Optional<Duration> retryAfter = e instanceof GeminiApiException g ? g.retryAfter() : Optional.empty();
        Duration delay = ctx.backoff().delay(failures, retryAfter);
        boolean unexpected = !(e instanceof GeminiApiException)
                && !(e instanceof JobLog.NotWritten)
                && !(e instanceof UncheckedIOException)
                && !(e instanceof KafkaException);
        String hint = e instanceof GeminiApiException g && g.isApiKeyRejected()
                ? " Check GEMINI_API_KEY / GOOGLE_API_KEY and the project's access to the Batch API."
                : "";
        if (unexpected || !hint.isEmpty()) {
            log.error(
                    "Batch {}: could not {} it (try {}): {}; trying again in {} ms.{}",
                    batch.batchId(),
                    what,
                    failures,
                    e.toString(),
                    delay.toMillis(),
                    hint,
                    e);
        } else {
            log.warn(
                    "Batch {}: could not {} it (try {}): {}; trying again in {} ms{}",
                    batch.batchId(),
                    what,
                    failures,
                    e.getMessage(),
                    delay.toMillis(),
                    resolveFirst ? " (looking for its job by displayName first)" : "");
        }
        return delay;
    }

    /** An HTTP answer refusing the call: the server did not act on it. */
    private static boolean refusedByServer(GeminiApiException e) {
        return e.httpStatus() >= 400 && e.httpStatus() < 500;
    }

    /**
     * Refused for this batch whatever we do (400 bad input, 413 too large, the API's NOT_FOUND naming the model...).
     * Not an API key refused (401, 403, or 400 API_KEY_INVALID: fixed by an operator, then the batch goes through),
     * 408 or 429, nor a 404 that is not the API's
     * answer about this model: a proxy's page or a wrong gemini.api-version says nothing about the batch, and
     * taking it for a refusal would fail every batch for as long as the configuration is wrong.
     */
    private boolean permanent(GeminiApiException e) {
        int s = e.httpStatus();
        if (e.isApiKeyRejected()) {
            return false;
        }
        if (s == 404) {
            String model = batch.model().substring(batch.model().lastIndexOf('/') + 1);
            boolean aboutTheModel = e.isApiNotFound() && e.serverMessage().contains(model);
            if (!aboutTheModel) {
                log.error(
                        "Batch {}: {} — a 404 that does not say model {} is unknown: check gemini.base-url and "
                                + "gemini.api-version; the batch is tried again, not failed",
                        batch.batchId(),
                        e.getMessage(),
                        batch.model());
            }
            return aboutTheModel;
        }
        return s >= 400 && s < 500 && s != 401 && s != 403 && s != 408 && s != 429;
    }

    private synchronized boolean begin() {
        if (phase != Phase.WAITING) {
            return false;
        }
        phase = Phase.WORKING;
        return true;
    }

    private synchronized boolean enterCreate() {
        if (phase != Phase.WORKING || cancelRequested) {
            return false;
        }
        phase = Phase.CREATING;
        return true;
    }

    private synchronized void leaveCreate() {
        if (phase == Phase.CREATING) {
            phase = cancelRequested ? Phase.CANCELLED : Phase.WORKING;
        }
    }

    private synchronized boolean isCancelled() {
        return phase == Phase.CANCELLED || cancelRequested;
    }

    private synchronized void markCancelled() {
        if (phase != Phase.DONE) {
            phase = Phase.CANCELLED;
        }
    }

    private synchronized void retryLater(Duration delay) {
        if (phase == Phase.CANCELLED || cancelRequested) {
            phase = Phase.CANCELLED;
            return;
        }
        phase = Phase.WAITING;
        schedule(delay);
    }

    private synchronized void schedule(Duration delay) {
        try {
            scheduled = ctx.executor().schedule(this::run, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The role is stopping: the batch stays on genai.batches below the committed offset.
            phase = Phase.CANCELLED;
        }
    }
}

package io.genaibatch.emulator;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One batch job. Identity and input are fixed at creation; state, times, outcome and output change under
 * the job's monitor. Counters are atomics because the processing thread bumps them per line while HTTP
 * threads read them.
 */
final class BatchJob {
    enum Kind { GENERATE, EMBED }

    static final String PENDING = "BATCH_STATE_PENDING";
    static final String RUNNING = "BATCH_STATE_RUNNING";
    static final String SUCCEEDED = "BATCH_STATE_SUCCEEDED";
    static final String FAILED = "BATCH_STATE_FAILED";
    static final String CANCELLED = "BATCH_STATE_CANCELLED";
    static final String EXPIRED = "BATCH_STATE_EXPIRED";

    final long seq;
    final String id;
    final Kind kind;
    final String model;
    final String displayName;
    final Instant createTime;
    /** Inline jobs: the spooled requests, one {"request", "metadata"} per line. File jobs: the input blob. */
    final Path input;
    /** File jobs: the Files API name of the input; null for inline jobs. */
    final String inputFileName;
    final Path workDir;

    final AtomicLong requestCount = new AtomicLong();
    final AtomicLong succeeded = new AtomicLong();
    final AtomicLong failed = new AtomicLong();

    private String state = PENDING;
    private Instant updateTime;
    private Instant endTime;
    private JobOutcome outcome;
    private int errorCode;
    private String errorMessage;
    private Path inlineResults;
    private String responsesFile;
    private boolean deleted;
    private CompletableFuture<Void> processing;

    BatchJob(long seq, String id, Kind kind, String model, String displayName, Instant createTime,
             Path input, String inputFileName, long inlineCount, Path workDir, JobOutcome outcome) {
        this.seq = seq;
        this.id = id;
        this.kind = kind;
        this.model = model;
        this.displayName = displayName;
        this.createTime = createTime;
        this.updateTime = createTime;
        this.input = input;
        this.inputFileName = inputFileName;
        this.workDir = workDir;
        this.outcome = outcome;
        this.requestCount.set(inlineCount);
    }

    String name() {
        return "batches/" + id;
    }

    boolean inlineInput() {
        return inputFileName == null;
    }

    /** A consistent copy of the mutable part, for rendering without holding the lock while writing. */
    record View(String state, Instant updateTime, Instant endTime, int errorCode, String errorMessage,
                Path inlineResults, String responsesFile) {
        boolean done() {
            return !state.equals(PENDING) && !state.equals(RUNNING);
        }
    }

    synchronized View view() {
        return new View(state, updateTime, endTime, errorCode, errorMessage,
                state.equals(SUCCEEDED) ? inlineResults : null, state.equals(SUCCEEDED) ? responsesFile : null);
    }

    synchronized String state() {
        return state;
    }

    synchronized JobOutcome outcome() {
        return outcome;
    }

    synchronized void outcome(JobOutcome o) {
        outcome = o;
    }

    synchronized boolean terminal() {
        return deleted || !(state.equals(PENDING) || state.equals(RUNNING));
    }

    synchronized CompletableFuture<Void> processing() {
        return processing;
    }

    /** PENDING → RUNNING; false when the job moved on meanwhile (cancelled, forced, deleted). */
    synchronized boolean markRunning(Instant now, CompletableFuture<Void> processingFuture) {
        if (deleted || !state.equals(PENDING)) {
            return false;
        }
        state = RUNNING;
        updateTime = now;
        processing = processingFuture;
        return true;
    }

    synchronized boolean hasOutput() {
        return inlineResults != null || responsesFile != null;
    }

    synchronized void output(Path inline, String file) {
        inlineResults = inline;
        responsesFile = file;
    }

    /**
     * Moves to a terminal state unless already there; false when it was. SUCCEEDED also needs the output in
     * place: a job never shows SUCCEEDED without it, whichever thread (timer or test handle) gets here first.
     */
    synchronized boolean end(String terminalState, Instant now, int code, String message) {
        if (terminal() || (terminalState.equals(SUCCEEDED) && !hasOutput())) {
            return false;
        }
        state = terminalState;
        updateTime = now;
        endTime = now;
        errorCode = code;
        errorMessage = message;
        return true;
    }

    synchronized void markDeleted() {
        deleted = true;
    }
}

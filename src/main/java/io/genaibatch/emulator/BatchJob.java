package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    enum Kind {
        GENERATE,
        EMBED
    }

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
    /** The batch's {@code priority} (int64) as the create gave it; null when it gave none. Only stored and echoed. */
    final Long priority;

    final AtomicLong requestCount = new AtomicLong();
    final AtomicLong succeeded = new AtomicLong();
    final AtomicLong failed = new AtomicLong();

    private String state = PENDING;
    private Instant updateTime;
    private Instant endTime;
    /** When the job became RUNNING. */
    private Instant startTime;
    /**
     * When its outcome is due (startTime + runningMillis of the run that started it): kept across a restart, so a
     * job ends when it was going to even if the emulator comes back with other options.
     */
    private Instant dueTime;

    private JobOutcome outcome;
    private int errorCode;
    private String errorMessage;
    private Path inlineResults;
    private String responsesFile;
    private boolean deleted;
    private CompletableFuture<Void> processing;

    BatchJob(
            long seq,
            String id,
            Kind kind,
            String model,
            String displayName,
            Instant createTime,
            Path input,
            String inputFileName,
            long inlineCount,
            Path workDir,
            JobOutcome outcome,
            Long priority) {
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
        this.priority = priority;
        this.requestCount.set(inlineCount);
    }

    String name() {
        return "batches/" + id;
    }

    boolean inlineInput() {
        return inputFileName == null;
    }

    /** A consistent copy of the mutable part, for rendering without holding the lock while writing. */
    record View(
            String state,
            Instant updateTime,
            Instant endTime,
            int errorCode,
            String errorMessage,
            Path inlineResults,
            String responsesFile) {
        boolean done() {
            return !state.equals(PENDING) && !state.equals(RUNNING);
        }
    }

    synchronized View view() {
        return new View(
                state,
                updateTime,
                endTime,
                errorCode,
                errorMessage,
                state.equals(SUCCEEDED) ? inlineResults : null,
                state.equals(SUCCEEDED) ? responsesFile : null);
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
    synchronized boolean markRunning(Instant now, Instant due, CompletableFuture<Void> processingFuture) {
        if (deleted || !state.equals(PENDING)) {
            return false;
        }
        state = RUNNING;
        updateTime = now;
        startTime = now;
        dueTime = due;
        processing = processingFuture;
        return true;
    }

    synchronized Instant dueTime() {
        return dueTime;
    }

    /** A RUNNING job read back after a restart: its work starts again under this future. */
    synchronized void resumeProcessing(CompletableFuture<Void> processingFuture) {
        processing = processingFuture;
    }

    synchronized boolean deleted() {
        return deleted;
    }

    /**
     * The job as its state record holds it (docs/EMULATOR.md, "Persistence"). Taken under the monitor, so the
     * record is one consistent moment of the job.
     */
    synchronized ObjectNode toRecord(StateDir dir) {
        ObjectNode r = Json.object();
        r.put("seq", seq);
        r.put("id", id);
        r.put("kind", kind.name());
        r.put("model", model);
        r.put("displayName", displayName);
        r.put("createTime", createTime.toString());
        r.put("input", dir.relative(input));
        r.put("inputFileName", inputFileName);
        r.put("workDir", dir.relative(workDir));
        if (priority != null) {
            r.put("priority", priority);
        }
        r.put("outcome", outcome.name());
        r.put("state", state);
        r.put("updateTime", updateTime.toString());
        r.put("startTime", startTime == null ? null : startTime.toString());
        r.put("dueTime", dueTime == null ? null : dueTime.toString());
        r.put("endTime", endTime == null ? null : endTime.toString());
        r.put("errorCode", errorCode);
        r.put("errorMessage", errorMessage);
        r.put("inlineResults", dir.relative(inlineResults));
        r.put("responsesFile", responsesFile);
        r.put("requestCount", requestCount.get());
        r.put("succeeded", succeeded.get());
        r.put("failed", failed.get());
        return r;
    }

    /** A job read back from its record, in the state it was saved in. */
    static BatchJob fromRecord(JsonNode r, StateDir dir) {
        BatchJob job = new BatchJob(
                r.path("seq").asLong(),
                r.path("id").asText(),
                Kind.valueOf(r.path("kind").asText()),
                r.path("model").asText(),
                Json.text(r, "displayName"),
                Instant.parse(r.path("createTime").asText()),
                dir.resolve(Json.text(r, "input")),
                Json.text(r, "inputFileName"),
                0,
                dir.resolve(Json.text(r, "workDir")),
                JobOutcome.valueOf(r.path("outcome").asText()),
                r.hasNonNull("priority") ? r.get("priority").asLong() : null);
        job.state = r.path("state").asText();
        job.updateTime = Instant.parse(r.path("updateTime").asText());
        job.startTime = instant(r, "startTime");
        job.dueTime = instant(r, "dueTime");
        job.endTime = instant(r, "endTime");
        job.errorCode = r.path("errorCode").asInt();
        job.errorMessage = Json.text(r, "errorMessage");
        job.inlineResults = dir.resolve(Json.text(r, "inlineResults"));
        job.responsesFile = Json.text(r, "responsesFile");
        job.requestCount.set(r.path("requestCount").asLong());
        job.succeeded.set(r.path("succeeded").asLong());
        job.failed.set(r.path("failed").asLong());
        return job;
    }

    private static Instant instant(JsonNode r, String field) {
        String v = Json.text(r, field);
        return v == null ? null : Instant.parse(v);
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

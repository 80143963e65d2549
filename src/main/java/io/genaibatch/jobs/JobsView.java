package io.genaibatch.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.batch.ErrorCode;
import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import io.genaibatch.records.JobStats;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;

/**
 * How a batch read from genai.jobs is shown, the same to {@code genai-batch jobs} and to the status page and
 * {@code /api/jobs}: its state with the poller's decision, ages, and its JSON.
 */
public final class JobsView {
    /** ASCII, not "→": a terminal in the C locale would print "?" instead. */
    public static final String ARROW = "->";

    /** The order of {@code jobs list} and /api/jobs: oldest created first, then by batch id. */
    public static final Comparator<Batch> LIST_ORDER =
            Comparator.comparing((Batch b) -> b.job().getCreatedAt()).thenComparing(Batch::batchId);

    private JobsView() {}

    /** {@code 42s}, {@code 3m12s}, {@code 2h05m}, {@code 3d04h}: two units at most, the larger first. */
    public static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86_400, s % 86_400 / 3600);
    }

    public static String age(Instant since, Instant now) {
        return since == null ? "-" : age(Duration.between(since, now));
    }

    /**
     * The state as a person needs it: the record's state while the job runs; once the job is finished and the
     * poller did something other than publish its results, {@code <what the API said>-><what became of it>}, e.g.
     * {@code EXPIRED->SPLIT} (its requests went to two children), {@code FAILED->RESUBMITTED}, or
     * {@code FAILED->PUBLISHED} (every request was answered FAILED). A job that succeeded and was published is
     * plain {@code PUBLISHED}.
     */
    public static String state(Batch batch) {
        BatchJob job = batch.job();
        String decision = batch.decision();
        boolean published = job.getState() == JobState.PUBLISHED;
        if (decision == null && (!published || job.getError() == null)) {
            return job.getState().name();
        }
        return outcome(batch) + ARROW + (decision != null ? decision : JobState.PUBLISHED.name());
    }

    /**
     * What the API made of a finished job: its last terminal state still on the topic, else (compaction left only
     * the PUBLISHED record) what its kept error says.
     */
    public static String outcome(Batch batch) {
        BatchJob job = batch.job();
        if (JobsReader.FINISHED.contains(job.getState()) && job.getState() != JobState.PUBLISHED) {
            return job.getState().name();
        }
        return batch.lastApiOutcome().map(Enum::name).orElseGet(() -> outcomeOf(job.getError()));
    }

    /** The poller keeps the job's error on PUBLISHED: JOB_EXPIRED and JOB_CANCELLED name their state, any other fails. */
    public static String outcomeOf(io.genaibatch.records.Error error) {
        if (error == null) {
            return JobState.SUCCEEDED.name();
        }
        if (ErrorCode.JOB_EXPIRED.is(error.getCode())) {
            return JobState.EXPIRED.name();
        }
        return ErrorCode.JOB_CANCELLED.is(error.getCode()) ? JobState.CANCELLED.name() : JobState.FAILED.name();
    }

    /** {@code gemini-2.5-flash} and {@code models/gemini-2.5-flash} are the same model. */
    public static boolean sameModel(String a, String b) {
        return modelName(a).equals(modelName(b));
    }

    /** The model without the API's {@code models/} prefix. */
    public static String modelName(String model) {
        return model.startsWith("models/") ? model.substring("models/".length()) : model;
    }

    /** One job as JSON: the record's fields a script needs, with the lineage and the shown state. */
    public static ObjectNode json(ObjectMapper mapper, Batch batch) {
        BatchJob job = batch.job();
        ObjectNode o = mapper.createObjectNode();
        o.put("batchId", batch.batchId());
        o.put("model", job.getModel());
        o.put("kind", job.getKind().name());
        o.put("inputMode", job.getInputMode().name());
        o.put("state", job.getState().name());
        o.put("shownState", state(batch));
        o.put("decision", batch.decision());
        ArrayNode children = o.putArray("children");
        batch.children().forEach(children::add);
        o.put("jobName", job.getJobName());
        o.put("requests", job.getItemCount());
        o.put("requestBytes", job.getItemBytes());
        o.put("attempt", batch.attempt());
        o.put("parentBatchId", batch.parentBatchId());
        o.put("rootBatchId", batch.rootBatchId());
        o.put("reason", batch.lineage().map(l -> l.reason()).orElse(null));
        if (job.getError() == null) {
            o.putNull("error");
        } else {
            ObjectNode e = o.putObject("error");
            e.put("code", job.getError().getCode());
            e.put("message", job.getError().getMessage());
            e.put("httpStatus", job.getError().getHttpStatus());
        }
        JobStats stats = job.getStats();
        if (stats == null) {
            o.putNull("stats");
        } else {
            ObjectNode s = o.putObject("stats");
            s.put("requestCount", stats.getRequestCount());
            s.put("successfulCount", stats.getSuccessfulCount());
            s.put("failedCount", stats.getFailedCount());
            s.put("pendingCount", stats.getPendingCount());
        }
        o.put("publishedThrough", job.getPublishedThrough());
        o.put("createdAt", iso(job.getCreatedAt()));
        o.put("updatedAt", iso(job.getUpdatedAt()));
        o.put("submittedAt", iso(job.getSubmittedAt()));
        o.put("endedAt", iso(job.getEndedAt()));
        return o;
    }

    public static String iso(Instant t) {
        return t == null ? null : t.toString();
    }
}

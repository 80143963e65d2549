package io.genaibatch.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.cli.JobsReader.Batch;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import io.genaibatch.records.JobStats;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** How {@code genai-batch jobs} shows a batch: its state with the poller's decision, ages, table rows, JSON. */
final class JobsFormat {
    /** ASCII, not "→": a terminal in the C locale would print "?" instead. */
    static final String ARROW = "->";

    private JobsFormat() {
    }

    /** {@code 42s}, {@code 3m12s}, {@code 2h05m}, {@code 3d04h}: two units at most, the larger first. */
    static String age(Duration d) {
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

    static String age(Instant since, Instant now) {
        return since == null ? "-" : age(Duration.between(since, now));
    }

    /**
     * The state as a person needs it: the record's state while the job runs; once the job is finished and the
     * poller did something other than publish its results, {@code <what the API said>-><what became of it>}, e.g.
     * {@code EXPIRED->SPLIT} (its requests went to two children), {@code FAILED->RESUBMITTED}, or
     * {@code FAILED->PUBLISHED} (every request was answered FAILED). A job that succeeded and was published is
     * plain {@code PUBLISHED}.
     */
    static String state(Batch batch) {
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
    static String outcome(Batch batch) {
        BatchJob job = batch.job();
        if (JobsReader.FINISHED.contains(job.getState()) && job.getState() != JobState.PUBLISHED) {
            return job.getState().name();
        }
        return batch.lastApiOutcome().map(Enum::name).orElseGet(() -> outcomeOf(job.getError()));
    }

    /** The poller keeps the job's error on PUBLISHED: JOB_EXPIRED and JOB_CANCELLED name their state, any other fails. */
    static String outcomeOf(io.genaibatch.records.Error error) {
        if (error == null) {
            return JobState.SUCCEEDED.name();
        }
        return switch (error.getCode()) {
            case "JOB_EXPIRED" -> JobState.EXPIRED.name();
            case "JOB_CANCELLED" -> JobState.CANCELLED.name();
            default -> JobState.FAILED.name();
        };
    }

    /** {@code gemini-2.5-flash} and {@code models/gemini-2.5-flash} are the same model. */
    static boolean sameModel(String a, String b) {
        return stripModels(a).equals(stripModels(b));
    }

    private static String stripModels(String model) {
        return model.startsWith("models/") ? model.substring("models/".length()) : model;
    }

    /** The columns of {@code jobs list}. */
    static Table listTable() {
        return new Table().left("BATCH").left("MODEL").left("KIND").left("MODE").right("ATTEMPT").left("PARENT")
                .left("STATE").right("REQUESTS").right("OK").right("FAILED").right("AGE").left("JOB");
    }

    static void addRow(Table table, Batch batch, Instant now) {
        BatchJob job = batch.job();
        JobStats stats = job.getStats();
        table.row(batch.batchId(), job.getModel(), job.getKind().name(), job.getInputMode().name().toLowerCase(Locale.ROOT),
                Integer.toString(batch.attempt()), batch.parentBatchId(), state(batch),
                Integer.toString(job.getItemCount()),
                stats == null ? null : Long.toString(stats.getSuccessfulCount()),
                stats == null ? null : Long.toString(stats.getFailedCount()),
                age(job.getCreatedAt(), now), job.getJobName());
    }

    /** One job as JSON: the record's fields a script needs, with the lineage and the shown state. */
    static ObjectNode json(ObjectMapper mapper, Batch batch) {
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

    static String iso(Instant t) {
        return t == null ? null : t.toString();
    }

    /** {@code --state}: a JobState name in any case; an unknown one is refused with the valid names (exit 2). */
    static final class StateConverter implements ITypeConverter<JobState> {
        @Override
        public JobState convert(String value) {
            for (JobState s : JobState.values()) {
                if (s.name().equalsIgnoreCase(value.trim())) {
                    return s;
                }
            }
            throw new TypeConversionException("unknown state '" + value + "'; states are "
                    + Arrays.stream(JobState.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
    }
}

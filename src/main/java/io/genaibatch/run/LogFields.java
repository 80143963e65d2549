package io.genaibatch.run;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The batch and job a thread works on, as fields of every event it logs meanwhile: {@code batchId}, {@code job} (the
 * Gemini job's name) and {@code model} in the logging context, which {@code --log-format json} writes as fields of
 * each line. Closing restores what was there before, so that nothing is left on a reused thread for its next batch.
 *
 * <pre>{@code
 * try (LogFields fields = LogFields.batch(batchId, jobName, model)) {
 *     log.info(...);
 * }
 * }</pre>
 */
public final class LogFields implements AutoCloseable {
    public static final String BATCH_ID = "batchId";
    public static final String JOB = "job";
    public static final String MODEL = "model";

    /** The values these fields had before, null for none. */
    private final Map<String, String> before = new HashMap<>();

    private LogFields() {}

    /** The fields of this batch; a null (not known yet) is left out, and leaves an outer value in place. */
    public static LogFields batch(String batchId, String job, String model) {
        return new LogFields().put(BATCH_ID, batchId).put(JOB, job).put(MODEL, model);
    }

    /** The job's name, once it is known within a batch's fields. */
    public static LogFields job(String job) {
        return new LogFields().put(JOB, job);
    }

    private LogFields put(String field, String value) {
        if (value != null) {
            before.put(field, MDC.get(field));
            MDC.put(field, value);
        }
        return this;
    }

    @Override
    public void close() {
        before.forEach((field, value) -> {
            if (value == null) {
                MDC.remove(field);
            } else {
                MDC.put(field, value);
            }
        });
    }
}

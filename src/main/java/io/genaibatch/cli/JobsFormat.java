package io.genaibatch.cli;

import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import io.genaibatch.records.JobStats;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** How {@code genai-batch jobs} shows batches as a table, and reads {@code --state}; states, ages and JSON are {@link JobsView}'s. */
final class JobsFormat {
    private JobsFormat() {}

    /** The columns of {@code jobs list}. */
    static Table listTable() {
        return new Table()
                .left("BATCH")
                .left("MODEL")
                .left("KIND")
                .left("MODE")
                .right("ATTEMPT")
                .left("PARENT")
                .left("STATE")
                .right("REQUESTS")
                .right("OK")
                .right("FAILED")
                .right("AGE")
                .left("JOB");
    }

    static void addRow(Table table, Batch batch, Instant now) {
        BatchJob job = batch.job();
        JobStats stats = job.getStats();
        table.row(
                batch.batchId(),
                job.getModel(),
                job.getKind().name(),
                job.getInputMode().name().toLowerCase(Locale.ROOT),
                Integer.toString(batch.attempt()),
                batch.parentBatchId(),
                JobsView.state(batch),
                Integer.toString(job.getItemCount()),
                stats == null ? null : Long.toString(stats.getSuccessfulCount()),
                stats == null ? null : Long.toString(stats.getFailedCount()),
                JobsView.age(job.getCreatedAt(), now),
                job.getJobName());
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

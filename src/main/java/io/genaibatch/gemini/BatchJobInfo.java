package io.genaibatch.gemini;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A batch job as the API last described it.
 *
 * @param name        {@code batches/...}
 * @param displayName what the job was created with (our batchId), "" when none
 * @param state       lifecycle state
 * @param model       {@code models/...}
 * @param createTime  when the job was created, if said
 * @param updateTime  last change, if said
 * @param endTime     when it reached a terminal state, if said
 * @param stats       request counters; empty when the answer had none (e.g. the SDK's create answer)
 * @param error       why a FAILED job failed, when the server said
 * @param output      where the results are; {@link BatchOutput#NONE} until the job has output
 */
public record BatchJobInfo(
        String name,
        String displayName,
        BatchState state,
        String model,
        Optional<Instant> createTime,
        Optional<Instant> updateTime,
        Optional<Instant> endTime,
        Optional<BatchStats> stats,
        Optional<ApiError> error,
        BatchOutput output) {
    public BatchJobInfo {
        Objects.requireNonNull(name, "name");
        displayName = Objects.requireNonNullElse(displayName, "");
        Objects.requireNonNull(state, "state");
        model = Objects.requireNonNullElse(model, "");
        Objects.requireNonNull(createTime, "createTime");
        Objects.requireNonNull(updateTime, "updateTime");
        Objects.requireNonNull(endTime, "endTime");
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(output, "output");
    }

    public boolean isDone() {
        return state.isTerminal();
    }
}

package io.genaibatch.gemini;

/**
 * The state of a batch job, as the REST API names it ({@code BATCH_STATE_*}). The SDK maps these to
 * {@code JOB_STATE_*}; both spellings are accepted here so that a value read through either path lands on
 * the same constant. A state this code does not know becomes {@link #UNKNOWN}, never an exception: a
 * new server state must not stop the poller.
 */
public enum BatchState {
    UNSPECIFIED,
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    EXPIRED,
    UNKNOWN;

    /** True when the job will not change any more. */
    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == EXPIRED;
    }

    /** {@code BATCH_STATE_RUNNING}, {@code JOB_STATE_RUNNING} or {@code RUNNING} → RUNNING; null → UNSPECIFIED. */
    static BatchState parse(String raw) {
        if (raw == null || raw.isEmpty()) {
            return UNSPECIFIED;
        }
        String bare = raw;
        if (bare.startsWith("BATCH_STATE_")) {
            bare = bare.substring("BATCH_STATE_".length());
        } else if (bare.startsWith("JOB_STATE_")) {
            bare = bare.substring("JOB_STATE_".length());
        }
        try {
            return valueOf(bare);
        } catch (IllegalArgumentException e) {
            return UNKNOWN;
        }
    }
}

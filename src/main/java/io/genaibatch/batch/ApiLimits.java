package io.genaibatch.batch;

import java.time.Duration;

/**
 * The Gemini Batch API's hard limits, in one place: the window configuration is validated against them (a
 * sealed batch must be acceptable to the API) and the submitter plans jobs with them.
 */
public final class ApiLimits {
    private ApiLimits() {}

    /** Largest JSONL input file the Files API accepts for a batch job (2 GB, counted in powers of 1000). */
    public static final long MAX_FILE_BYTES = 2_000_000_000L;

    /**
     * Largest inline request payload of batches.create (20 MB). It does not cap a batch: the submitter sends a
     * batch inline only when it fits under this limit, and as a file otherwise.
     */
    public static final long MAX_INLINE_BYTES = 20_000_000L;

    /**
     * Largest inline spool file genai-batch sends (19 MB): under {@link #MAX_INLINE_BYTES}, with room for the JSON
     * around the requests. Bounds submit.inline-max-bytes and is the Gemini client's own limit.
     */
    public static final long MAX_INLINE_SPOOL_BYTES = 19_000_000L;

    /** A batch job that has not finished after this long expires at the API (48 h). */
    public static final Duration MAX_JOB_LIFE = Duration.ofHours(48);
}

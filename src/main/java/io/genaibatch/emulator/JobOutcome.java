package io.genaibatch.emulator;

/** How a batch job ends when nothing forces it otherwise. */
public enum JobOutcome {
    /** BATCH_STATE_SUCCEEDED with its output. */
    SUCCEED,
    /** BATCH_STATE_FAILED with an {@code error} {code, message} in the raw JSON and no output. */
    FAIL,
    /** BATCH_STATE_EXPIRED, no output. */
    EXPIRE,
    /** Stays BATCH_STATE_RUNNING until forced or cancelled. */
    STUCK
}

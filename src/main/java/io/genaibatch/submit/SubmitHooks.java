package io.genaibatch.submit;

import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.records.BatchJob;

/**
 * Points in a submission where tests stop the role, to show what a crash there leads to. The role's own
 * code passes {@link #NONE}. An {@link Error} thrown from a hook stops the role as a crash would: nothing
 * more is written to Kafka.
 */
interface SubmitHooks {
    SubmitHooks NONE = new SubmitHooks() {};

    /** The intent is committed; create has not been called. */
    default void beforeCreate(BatchJob intent) {}

    /** Create answered; the job record is not written yet. */
    default void afterCreate(BatchJob intent, BatchJobInfo job) {}
}

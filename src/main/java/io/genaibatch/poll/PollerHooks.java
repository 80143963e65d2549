package io.genaibatch.poll;

/**
 * Test seam: lets a test stop the poller at a chosen point of a publication, as a crash would. Production uses
 * {@link #NONE}.
 */
interface PollerHooks {
    PollerHooks NONE = new PollerHooks() { };

    /**
     * Called with a publication transaction open, its responses and progress record sent, just before the commit.
     * Throwing an {@link Error} here ends the poller thread without committing, like a crash.
     */
    default void beforeCommit(String batchId, long publishedThrough) {
    }
}

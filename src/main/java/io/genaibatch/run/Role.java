package io.genaibatch.run;

import java.util.concurrent.CompletionStage;

/**
 * One role of the service (accumulate, submit, poll): something {@code genai-batch run} starts, watches and stops.
 * A role owns its threads and clients; {@link #close()} stops them and returns when they are stopped. The roles
 * keep this contract through one {@link RoleLifecycle} each, so that they behave alike (docs/OPERATIONS.md, "Role
 * lifecycle").
 */
public interface Role extends AutoCloseable {
    /** The name used with {@code run --roles}, e.g. accumulate. */
    String name();

    /** Starts the role's threads and returns; throws if the role cannot start. Once only, never after close. */
    void start();

    /**
     * Completes normally when the role stopped because it was closed, exceptionally when it stopped on its own
     * (a fatal error, or a failed start): {@code run} then stops the other roles and exits non-zero. Pending before
     * start; a close before start completes it.
     */
    CompletionStage<Void> stopped();

    /**
     * Whether the role does its work now (in its consumer group, its Streams application running, the API
     * answering); asked by {@code /health/ready} from an HTTP thread, so cheap and thread-safe. A role that stopped
     * on its own is reported unready by the caller whatever this says. Ready by default.
     */
    default Readiness readiness() {
        return Readiness.READY;
    }

    /**
     * Stops the role in an orderly way (commits, leaves its consumer group) within the role's bound; idempotent and
     * safe from any thread: every call returns once the role stopped (or its bound ran out).
     */
    @Override
    void close();
}

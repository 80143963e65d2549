package io.genaibatch.run;

import io.genaibatch.config.ConfigType;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The lifecycle the three roles share, so that they start, stop, fail and report alike (docs/OPERATIONS.md, "Role
 * lifecycle"): NEW → STARTING → RUNNING → STOPPING → STOPPED, or FAILED when the role cannot start, stops on its own
 * or fails while stopping. A role supplies only its own {@link Steps}; this class owns the state, the
 * {@link Role#stopped()} future, the bounded close, the role's thread and the log lines.
 *
 * <p>Every method is thread-safe: close may come from a signal handler while another thread starts the role, and
 * any number of closes stop the role once; each returns when the role stopped or its bound ran out.
 */
public final class RoleLifecycle {
    /** How long close waits after interrupting the role's own thread, once its bound ran out. */
    static final Duration INTERRUPT_GRACE = Duration.ofSeconds(10);

    /** What a role does at each step; each is called at most once. */
    public interface Steps {
        /**
         * Opens what the role needs and starts its work: on its one thread ({@link #runOnThread}) or on threads of
         * its own that report their end through {@link #ended}. Throws when the role cannot start; the work is
         * started last, so that nothing is left running when it throws.
         *
         * @return what the "started" line says of the role: its group, topics, directories
         */
        String start();

        /**
         * Asks the work to stop in order; may block up to {@code within}, what is left of the close bound (a Kafka
         * Streams close does).
         */
        void stop(Duration within);

        /** Releases what outlives the work (meters, lock files): once, after it ended or was given up on. */
        default void release() {}
    }

    enum State {
        NEW,
        STARTING,
        RUNNING,
        STOPPING,
        STOPPED,
        FAILED
    }

    private final String name;
    private final Logger log;
    private final Duration closeBound;
    /** Where the bound comes from, for the line saying it ran out: a config key. */
    private final String boundSource;

    private final Duration interruptGrace;
    private final Steps steps;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /**
     * What callers see of {@link #stopped}: a stage with no way to complete it, whose {@code toCompletableFuture()}
     * gives each caller a future of its own (a shared copy would let one caller complete it for all, {@code run}
     * included).
     */
    private final CompletionStage<Void> stoppedView = stopped.minimalCompletionStage();

    private final CompletableFuture<Void> startDone = new CompletableFuture<>();
    private final CompletableFuture<Void> closeDone = new CompletableFuture<>();

    // Guarded by this.
    private State state = State.NEW;
    private boolean closing;
    private boolean released;
    /** The start returned (or threw): from then on a close deals with the role itself. */
    private boolean startReturned;
    /** A close gave up waiting for the start: the start, once it returns, stops the role and releases it. */
    private boolean stopWhenStarted;

    private Thread thread;
    private long startedAt;
    private long stoppingAt;
    /** When the first close's bound runs out (nanoTime): every close, first or later, ends by then plus the grace. */
    private long closeDeadline;

    private Throwable failure;

    /**
     * @param name        the role's name ({@code run --roles}); every line and thread names it
     * @param log         the role's logger, so that its level and its lines stay the role's
     * @param closeBound  how long close waits for the role to stop
     * @param boundSource the config key(s) the bound comes from, e.g. {@code poll.close-timeout}
     */
    public RoleLifecycle(String name, Logger log, Duration closeBound, String boundSource, Steps steps) {
        this(name, log, closeBound, boundSource, steps, INTERRUPT_GRACE);
    }

    RoleLifecycle(
            String name, Logger log, Duration closeBound, String boundSource, Steps steps, Duration interruptGrace) {
        this.name = name;
        this.log = log;
        this.closeBound = closeBound;
        this.boundSource = boundSource;
        this.steps = steps;
        this.interruptGrace = interruptGrace;
    }

    /** Starts the role ({@link Steps#start}); once only, never after close. Rethrows what the role's start threw. */
    public void start() {
        synchronized (this) {
            if (state != State.NEW) {
                throw new IllegalStateException(
                        "role " + name + (closing || state == State.STOPPED ? " is closed" : " was already started")
                                + "; a role starts once");
            }
            state = State.STARTING;
            startedAt = System.nanoTime();
        }
        String details;
        try {
            details = steps.start();
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                state = State.FAILED;
                failure = e;
                startReturned = true;
            }
            log.error("Role {} failed to start: {}", name, e.toString(), e);
            stopped.completeExceptionally(e);
            releaseOnce();
            startDone.complete(null);
            throw e;
        }
        boolean closedMeanwhile;
        boolean running;
        synchronized (this) {
            // Not when a close came meanwhile, or the role's thread already ended: those said so themselves.
            running = state == State.STARTING;
            if (running) {
                state = State.RUNNING;
            }
            startReturned = true;
            closedMeanwhile = stopWhenStarted;
        }
        if (running) {
            log.info("Role {} started in {} ms: {}", name, millisSince(startedAt), details);
        }
        startDone.complete(null);
        if (closedMeanwhile) {
            log.warn("Role {} started after a close stopped waiting for it; stopping it now", name);
            try {
                stopStarted(System.nanoTime() + closeBound.toNanos());
            } finally {
                releaseWhenEnded();
            }
        }
    }

    /**
     * Runs the role's work on its thread, {@code genai-batch-<role>[-<suffix>]}: its end, normal or not, is the role's
     * end ({@link #ended}). From {@link Steps#start} only.
     *
     * @param suffix what tells instances apart in a thread dump; empty for none
     */
    public void runOnThread(String suffix, Runnable work) {
        Thread t = new Thread(
                () -> {
                    Throwable why = null;
                    try {
                        work.run();
                    } catch (Throwable e) {
                        // Nothing escapes a role's thread unseen: its end is the role's, reported by ended().
                        why = e;
                    }
                    ended(why);
                },
                "genai-batch-" + name + (suffix.isEmpty() ? "" : "-" + suffix));
        synchronized (this) {
            // While starting, also when a close came meanwhile: the close stops what the start set up.
            if (state == State.NEW || startDone.isDone() || thread != null) {
                throw new IllegalStateException("role " + name + ": a thread is started once, while starting");
            }
            thread = t;
        }
        t.start();
    }

    /**
     * The role's work ended: asked to (closing) or on its own, with {@code why} null when it ended without an error.
     * Completes {@link #stopped()} once; later calls are ignored.
     */
    public void ended(Throwable why) {
        Throwable cause = why instanceof CompletionException && why.getCause() != null ? why.getCause() : why;
        boolean asked;
        synchronized (this) {
            if (state == State.STOPPED || state == State.FAILED || state == State.NEW) {
                return;
            }
            asked = state == State.STOPPING;
            if (cause == null && !asked) {
                cause = new IllegalStateException("role " + name + " ended without being closed");
            }
            state = cause == null ? State.STOPPED : State.FAILED;
            failure = cause;
        }
        if (cause == null) {
            log.info("Role {} stopped in {} ms", name, millisSince(stoppingAt));
            stopped.complete(null);
        } else if (asked) {
            log.error("Role {} failed while stopping: {}", name, cause.toString(), cause);
            stopped.completeExceptionally(cause);
        } else {
            log.error(
                    "Role {} stopped on its own after {} s: {}",
                    name,
                    millisSince(startedAt) / 1000,
                    cause.toString(),
                    cause);
            stopped.completeExceptionally(cause);
        }
    }

    /**
     * Stops the role and returns once it stopped, or once its bound (plus {@link #INTERRUPT_GRACE} after interrupting
     * its thread) ran out, saying so at ERROR. Before start: at once, the role then stopped. Idempotent from any
     * thread: later calls wait for the first one's end.
     */
    public void close() {
        State before;
        synchronized (this) {
            if (closing) {
                before = null;
            } else {
                closing = true;
                closeDeadline = System.nanoTime() + closeBound.toNanos();
                before = state;
                if (state == State.NEW) {
                    state = State.STOPPED;
                } else if (state == State.STARTING || state == State.RUNNING) {
                    state = State.STOPPING;
                    stoppingAt = System.nanoTime();
                }
            }
        }
        if (before == null) {
            long until;
            synchronized (this) {
                until = closeDeadline;
            }
            awaitQuietly(
                    closeDone,
                    Duration.ofNanos(until - System.nanoTime())
                            .plus(interruptGrace)
                            .plusSeconds(1));
            return;
        }
        boolean handedToStart = false;
        try {
            if (before == State.NEW) {
                stopped.complete(null);
            } else if (before == State.STARTING || before == State.RUNNING) {
                handedToStart = stop();
            }
        } finally {
            if (!handedToStart) {
                releaseWhenEnded();
            }
            closeDone.complete(null);
        }
    }

    /**
     * Releases what the role uses once it ended: at once when it has, else when it does. A role left running past
     * its bound (or whose stop got little of it: a start that returned just before the bound ran out) still uses its
     * meters and, for the submitter, its instance lock.
     */
    private void releaseWhenEnded() {
        stopped.whenComplete((ignored, failure) -> releaseOnce());
    }

    /** Stops the role within the close bound; true when it is left to the start, still running, to stop it. */
    private boolean stop() {
        long deadline;
        synchronized (this) {
            deadline = closeDeadline;
        }
        log.info("Role {} stopping", name);
        // A close during start stops what the start set up, once it is set up.
        if (!awaitQuietly(startDone, Duration.ofNanos(deadline - System.nanoTime()))) {
            boolean handOver;
            synchronized (this) {
                handOver = !startReturned;
                stopWhenStarted = handOver;
            }
            if (handOver) {
                // Releasing now would free what the start is still building on (the submitter's instance lock).
                log.error(
                        "Role {} was still starting after {} ({}); it will be stopped, and released, as soon as its"
                                + " start returns",
                        name,
                        ConfigType.format(closeBound),
                        boundSource);
                return true;
            }
        }
        stopStarted(deadline);
        return false;
    }

    /** Stops a role whose start returned, by {@code deadline} (nanoTime) or by interrupting its thread after it. */
    private void stopStarted(long deadline) {
        if (stateIs(State.FAILED)) {
            return;
        }
        try {
            steps.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (RuntimeException e) {
            ended(e);
        }
        if (awaitQuietly(stopped, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
            return;
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            log.warn(
                    "Role {} did not stop within {} ({}); interrupting its thread {}",
                    name,
                    ConfigType.format(closeBound),
                    boundSource,
                    t.getName());
            t.interrupt();
            if (awaitQuietly(stopped, interruptGrace)) {
                return;
            }
        }
        log.error(
                "Role {} did not stop within {} ({}){}; leaving it running, to be released when it ends, and going on",
                name,
                ConfigType.format(closeBound),
                boundSource,
                t == null ? "" : " nor " + ConfigType.format(interruptGrace) + " after an interrupt of " + t.getName());
    }

    /**
     * The role's readiness: {@code whileRunning}'s once it runs; before, while stopping and after, why it is not.
     */
    public Readiness readiness(Supplier<Readiness> whileRunning) {
        State now;
        Throwable why;
        synchronized (this) {
            now = state;
            why = failure;
        }
        return switch (now) {
            case NEW -> Readiness.notReady("not started");
            case STARTING -> Readiness.notReady("starting");
            case RUNNING -> whileRunning.get();
            case STOPPING -> Readiness.notReady("stopping");
            case STOPPED -> Readiness.notReady("stopped");
            case FAILED -> Readiness.notReady("stopped on its own: " + reason(why));
        };
    }

    /** {@link Role#stopped()}: completes normally when closed, exceptionally when the role failed. */
    public CompletionStage<Void> stopped() {
        return stoppedView;
    }

    /** Whether the role runs: started, and neither stopping nor stopped. */
    public synchronized boolean isRunning() {
        return state == State.RUNNING;
    }

    /** Why the role failed (to start, on its own or while stopping), if it did. */
    public synchronized Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Waits up to {@code timeout} for the role to stop; whether it did. */
    public boolean awaitStopped(Duration timeout) {
        return awaitQuietly(stopped, timeout);
    }

    synchronized State state() {
        return state;
    }

    private synchronized boolean stateIs(State s) {
        return state == s;
    }

    private void releaseOnce() {
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
        }
        try {
            steps.release();
        } catch (RuntimeException e) {
            log.warn("Role {}: releasing its resources failed: {}", name, e.toString());
        }
    }

    /** Whether {@code f} completed (either way) within {@code timeout}; an interrupt ends the wait, kept. */
    private static boolean awaitQuietly(CompletableFuture<?> f, Duration timeout) {
        try {
            f.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return f.isDone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return f.isDone();
        }
    }

    /** What an operator reads of a failure: its message, or what it is when it has none. */
    static String reason(Throwable why) {
        return why.getMessage() != null ? why.getMessage() : why.toString();
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}

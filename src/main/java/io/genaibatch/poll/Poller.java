package io.genaibatch.poll;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.kafka.GroupMembership;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.ops.Prices;
import io.genaibatch.run.Readiness;
import io.genaibatch.run.Telemetry;
import io.genaibatch.run.Role;
import io.genaibatch.kafka.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll role: watches the batch jobs recorded in genai.jobs until the API finishes them, then publishes one
 * terminal response per request to genai.responses, exactly once across crashes. docs/POLLER.md tells how.
 *
 * <pre>{@code
 * try (BatchApi api = BatchApi.open(GeminiSettings.from(config, System.getenv()));
 *      Poller poller = new Poller(config, api)) {
 *     poller.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Several pollers with the same {@code poll.group-id} share the jobs by genai.jobs partition. The poller does
 * not close the {@link BatchApi}: its opener does.
 */
public final class Poller implements Role {
    private static final Logger log = LoggerFactory.getLogger(Poller.class);

    private final PollerSettings settings;
    private final PollLoop loop;
    private final PollerCounters counters;
    private final Telemetry telemetry;
    private final BatchApi api;
    private final java.time.Duration maxHeartbeatSilence;
    private final Thread thread;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    /**
     * Reads and checks the poll.* keys (a bad value fails here, not later); starts nothing.
     *
     * @param api the Gemini client; the poller uses it from its own thread and does not close it
     */
    public Poller(GenAiBatchConfig config, BatchApi api) {
        this(config, api, Clock.systemUTC(), PollerHooks.NONE);
    }

    /** Counting into the process's telemetry, with the cost at the prices of {@code cost.prices-file}. */
    public Poller(GenAiBatchConfig config, BatchApi api, Telemetry telemetry) {
        this(config, api, Clock.systemUTC(), PollerHooks.NONE, telemetry, Prices.from(config));
    }

    Poller(GenAiBatchConfig config, BatchApi api, Clock clock, PollerHooks hooks) {
        this(config, api, clock, hooks, Telemetry.none(), null);
    }

    private Poller(GenAiBatchConfig config, BatchApi api, Clock clock, PollerHooks hooks, Telemetry telemetry,
                   Prices prices) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(api, "api");
        this.telemetry = telemetry;
        this.api = api;
        this.counters = new PollerCounters(telemetry, prices);
        this.settings = PollerSettings.from(config);
        KafkaClients clients = new KafkaClients(config);
        this.maxHeartbeatSilence = GroupMembership.maxSilence(clients.properties(java.util.Map.of()));
        this.loop = new PollLoop(clients, settings, api, Topics.from(config), clients.valueFormat(),
                JobPolicy.named(settings.policy(), settings.retries()), counters, hooks, clock);
        this.thread = new Thread(this::runLoop, "genai-batch-poll");
    }

    /** Starts the poller thread. Once only. */
    public void start() {
        if (closed.get()) {
            throw new IllegalStateException("the poller is closed");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("the poller is already started");
        }
        thread.start();
    }

    @Override
    public String name() {
        return "poll";
    }

    @Override
    public CompletionStage<Void> stopped() {
        return stopped;
    }

    /** What the poller counted so far. */
    public PollerCounters counters() {
        return counters;
    }

    /**
     * In its group (an assignment of no partitions counts: more pollers than partitions), the API answering with its
     * circuit closed, and
     * not stalled on an API that answers every job NOT_FOUND or with a 404 that is not its own.
     */
    @Override
    public Readiness readiness() {
        if (!started.get()) {
            return Readiness.notReady("not started");
        }
        Readiness group = GroupMembership.problem(loop.consumerMetrics(), maxHeartbeatSilence)
                .map(Readiness::notReady).orElse(Readiness.READY);
        return group.and(counters.apiUnreachable().map(Readiness::notReady).orElse(Readiness.READY))
                .and(telemetry.apiReadiness(api));
    }

    /** Whether the poller thread runs. */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Waits for the poller thread to end (after {@link #close()}, or on its own after a failure). */
    boolean awaitStopped(java.time.Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    /** Why the poller thread ended on its own, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /**
     * Stops the poller: the current transaction is committed or aborted (never half-applied), the partitions are
     * given back to the group, clients closed. Waits up to {@code poll.close-timeout}, then interrupts the thread
     * (a Gemini call waiting out a Retry-After, a long download) and waits a little more. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        loop.stop();
        if (!started.get()) {
            stopped.complete(null);
            return;
        }
        try {
            thread.join(settings.closeTimeout().toMillis());
            if (thread.isAlive()) {
                log.warn("The poller did not stop within {}; interrupting it", settings.closeTimeout());
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            if (thread.isAlive()) {
                log.error("The poller thread is still running after close; it will stop at its next step");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runLoop() {
        try {
            loop.run();
            stopped.complete(null);
        } catch (Throwable t) {
            failure.set(t);
            log.error("The poller stopped on an unexpected error; its partitions go to the other pollers of group {}",
                    settings.groupId(), t);
            stopped.completeExceptionally(t);
        }
    }
}

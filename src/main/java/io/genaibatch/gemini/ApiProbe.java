package io.genaibatch.gemini;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an idle process's view of the API current. Readiness learns that the API is back only from a call that
 * succeeds ({@link CallMeter#notAnswering()}, {@link ApiCircuit}); a process with no work makes none, so it would
 * stay unready after an outage until new work arrived. While the API was last seen failing (or the circuit is not
 * closed) and no attempt went through for an open-duration, this makes the cheapest call there is (a listing of one
 * job) through the same client, at most once per open-duration. A process with work never probes: its own calls
 * tell. One daemon thread; close it before the client.
 */
public final class ApiProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiProbe.class);

    private final BatchApi api;
    private final ApiCircuit circuit;
    private final CallMeter calls;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "genai-batch-api-probe");
        t.setDaemon(true);
        return t;
    });

    private ApiProbe(BatchApi api, ApiCircuit circuit, CallMeter calls) {
        this.api = Objects.requireNonNull(api, "api");
        this.circuit = Objects.requireNonNull(circuit, "circuit");
        this.calls = Objects.requireNonNull(calls, "calls");
    }

    /**
     * Starts probing the API behind {@code api}, whose calls go through {@code circuit} and {@code calls}.
     */
    public static ApiProbe start(BatchApi api, ApiCircuit circuit, CallMeter calls) {
        ApiProbe probe = new ApiProbe(api, circuit, calls);
        // A quarter of the open time between looks: a probe is due at most that late.
        long every = Math.max(1, circuit.settings().openDuration().toMillis() / 4);
        probe.timer.scheduleWithFixedDelay(probe::probeIfIdle, every, every, TimeUnit.MILLISECONDS);
        return probe;
    }

    private void probeIfIdle() {
        Duration openDuration = circuit.settings().openDuration();
        boolean doubtful = circuit.state() != ApiCircuit.State.CLOSED
                || calls.notAnswering().isPresent();
        if (!doubtful || circuit.idleFor().compareTo(openDuration) < 0) {
            return;
        }
        try (Stream<BatchJobInfo> jobs = api.list(1)) {
            jobs.findFirst();
            log.info("Gemini API probe: the API answers again");
        } catch (GeminiApiException e) {
            log.info("Gemini API probe: still unavailable ({}); next probe in {}", e.getMessage(), openDuration);
        } catch (RuntimeException e) {
            // Whatever it was, the next look probes again; the timer must not die of it.
            log.warn("Gemini API probe failed unexpectedly; next probe in {}", openDuration, e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

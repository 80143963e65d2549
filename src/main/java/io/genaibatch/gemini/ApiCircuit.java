package io.genaibatch.gemini;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker of one Gemini client, shared by every role that uses the client. CLOSED lets every attempt
 * through; {@code failureThreshold} attempts in a row that find the API unavailable (no connection, or a 5xx) open
 * it. OPEN refuses every attempt for {@code openDuration} with a retriable {@link GeminiApiException} whose
 * retry-after is the time left: {@link RetryPolicy} gives up on it at once, and the role reschedules its work after
 * that time instead of calling a dead API. Then HALF_OPEN lets one probe attempt through: an answer closes the
 * circuit, another unavailable one opens it for a full {@code openDuration} again.
 *
 * <p>Any answer of the API, a 429 (one quota spent) or a 4xx refusing one request included, proves that the API is
 * there: it starts the count again. The breaker's own refusals are not counted. Thread-safe.
 */
public final class ApiCircuit implements CircuitBreaker {
    private static final Logger log = LoggerFactory.getLogger(ApiCircuit.class);

    /** The circuit's states; {@code genai_gemini_circuit_state{state}} is 1 for the current one. */
    public enum State {
        CLOSED,
        HALF_OPEN,
        OPEN;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final CircuitSettings settings;
    private final Clock clock;
    private final MeterRegistry registry;

    // Guarded by this.
    private State state = State.CLOSED;
    private int unavailableInARow;
    private String lastFailure;
    private Instant openUntil = Instant.MIN;
    /** HALF_OPEN: when the probe attempt was let through; null while none is out. */
    private Instant probeSince;

    private Instant lastLetThrough;

    public ApiCircuit(CircuitSettings settings, Clock clock, MeterRegistry registry) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.lastLetThrough = clock.instant();
        for (State s : State.values()) {
            Gauge.builder("genai.gemini.circuit.state", this, c -> c.state() == s ? 1 : 0)
                    .tag("state", s.label())
                    .description("1 for the Gemini client's circuit state, 0 for the others")
                    .register(registry);
        }
    }

    public synchronized State state() {
        return state;
    }

    public CircuitSettings settings() {
        return settings;
    }

    /** How long since an attempt was last let through to the API. */
    public synchronized Duration idleFor() {
        return Duration.between(lastLetThrough, clock.instant());
    }

    @Override
    public synchronized void beforeAttempt(String operation) {
        Instant now = clock.instant();
        if (state == State.OPEN) {
            if (now.isBefore(openUntil)) {
                throw refusal(operation, Duration.between(now, openUntil));
            }
            moveTo(State.HALF_OPEN);
            probeSince = null;
        }
        if (state == State.HALF_OPEN) {
            // A probe that never reported back (a thread interrupted mid-call) must not hold the circuit forever.
            if (probeSince != null && now.isBefore(probeSince.plus(settings.openDuration()))) {
                throw refusal(operation, Duration.between(now, probeSince.plus(settings.openDuration())));
            }
            probeSince = now;
        }
        lastLetThrough = now;
    }

    @Override
    public synchronized void onSuccess(String operation) {
        answered();
    }

    @Override
    public synchronized void onFailure(String operation, GeminiApiException failure) {
        if (failure.isCircuitOpen()) {
            return;
        }
        if (!findsApiUnavailable(failure)) {
            answered();
            return;
        }
        unavailableInARow++;
        lastFailure = failure.getMessage();
        boolean open = state == State.HALF_OPEN
                || (state == State.CLOSED
                        && settings.failureThreshold() > 0
                        && unavailableInARow >= settings.failureThreshold());
        if (open) {
            openUntil = clock.instant().plus(settings.openDuration());
            probeSince = null;
            log.warn(
                    "Gemini API circuit open for {} after {} attempts in a row found the API unavailable;"
                            + " calls fail at once until then and their work is rescheduled. Last: {}",
                    settings.openDuration(),
                    unavailableInARow,
                    lastFailure);
            moveTo(State.OPEN);
        }
    }

    @Override
    public synchronized Optional<String> openReason() {
        if (state == State.CLOSED) {
            return Optional.empty();
        }
        return Optional.of("the Gemini API circuit is " + state.label().replace('_', '-') + " after "
                + unavailableInARow + " attempts in a row found the API unavailable; calls fail at once"
                + (state == State.OPEN ? " until " + openUntil : " while a probe is out") + ". Last: " + lastFailure);
    }

    /**
     * No answer at all, or a 5xx. A 429 (one quota spent) and a 408 are answers of an API that is there: opening on
     * them would stop every role and model for one model's quota.
     */
    private static boolean findsApiUnavailable(GeminiApiException failure) {
        return failure.isTransportFailure() || failure.httpStatus() >= 500;
    }

    private void answered() {
        unavailableInARow = 0;
        if (state != State.CLOSED) {
            log.info("Gemini API circuit closed: the API answered again");
            probeSince = null;
            moveTo(State.CLOSED);
        }
    }

    private void moveTo(State next) {
        state = next;
        registry.counter("genai.gemini.circuit.transitions", "to", next.label()).increment();
    }

    private GeminiApiException refusal(String operation, Duration left) {
        return GeminiApiException.circuitOpen(
                operation,
                "not called: the Gemini API circuit is " + state.label().replace('_', '-') + " for " + left.toMillis()
                        + " ms more",
                left);
    }
}

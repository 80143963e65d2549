package io.genaibatch.gemini;

import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * When {@link ApiCircuit} opens and for how long.
 *
 * @param failureThreshold attempts in a row that found the API unavailable before the circuit opens; 0 never opens it
 * @param openDuration     how long an open circuit refuses attempts before it lets one probe through; also how
 *                         often an idle process probes an API it last saw failing
 */
public record CircuitSettings(int failureThreshold, Duration openDuration) {
    public CircuitSettings {
        if (failureThreshold < 0) {
            throw new IllegalArgumentException("circuit failureThreshold must be >= 0, found " + failureThreshold);
        }
        Objects.requireNonNull(openDuration, "openDuration");
        if (openDuration.isNegative() || openDuration.isZero()) {
            throw new IllegalArgumentException("circuit openDuration must be > 0, found " + openDuration);
        }
    }

    public static CircuitSettings from(GenAiBatchConfig config) {
        return new CircuitSettings(
                config.get(ConfigKeys.GEMINI_CIRCUIT_FAILURE_THRESHOLD),
                config.get(ConfigKeys.GEMINI_CIRCUIT_OPEN_DURATION));
    }
}

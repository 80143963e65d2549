package io.genaibatch.accumulate;

import java.time.Duration;
import java.util.Map;

/**
 * The window policy in force for one model, and where each of its values comes from (for {@code config list}).
 *
 * @param sources window key name (e.g. window.max-wait) → where its value was found
 */
public record EffectivePolicy(
        String model,
        int maxRequests,
        long maxBytes,
        Duration maxWait,
        int shards,
        boolean enabled,
        Map<String, String> sources) {
    public EffectivePolicy {
        sources = Map.copyOf(sources);
    }
}

package io.genaibatch.ops;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The window policy in force per model, resolved from the configuration and genai.window-config as the accumulator
 * resolves it. Given to the endpoint by the command that starts it: ops may not import a role, and the resolution
 * is the accumulator's.
 */
@FunctionalInterface
public interface WindowPolicyReader {
    /** For a process that cannot say: the page shows no policy. */
    WindowPolicyReader NONE = models -> Map.of();

    /** One model's policy, and where each value comes from (window key name → source). */
    record Policy(
            int maxRequests,
            long maxBytes,
            Duration maxWait,
            int shards,
            boolean enabled,
            Map<String, String> sources) {
        public Policy {
            sources = Map.copyOf(sources);
        }
    }

    /**
     * The policy of each of {@code models} and of every model that has one of its own, by model name; reads
     * genai.window-config.
     */
    Map<String, Policy> read(Set<String> models) throws Exception;
}

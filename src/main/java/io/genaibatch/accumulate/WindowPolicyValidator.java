package io.genaibatch.accumulate;

import io.genaibatch.config.ConfigKey;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.records.WindowPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a window policy record with the validators of the {@code window.*} keys, so a value is refused with the
 * same words by the config file loader, by {@code config set} and by the accumulator reading genai.window-config.
 */
public final class WindowPolicyValidator {
    private WindowPolicyValidator() {}

    /** Every problem of a window-config record (its key and value), each naming the key; empty when valid. */
    public static List<String> problems(String topicKey, WindowPolicy policy) {
        List<String> problems = new ArrayList<>();
        if (!Models.ALL.equals(topicKey)) {
            try {
                if (!Models.normalize(topicKey).equals(topicKey)) {
                    problems.add("record key '" + topicKey + "': write the model without the models/ prefix");
                }
            } catch (IllegalArgumentException e) {
                problems.add("record key: " + e.getMessage() + ", or * for every model");
            }
        }
        if (policy != null) {
            check(ConfigKeys.WINDOW_MAX_REQUESTS, policy.getMaxRequests(), problems);
            check(ConfigKeys.WINDOW_MAX_BYTES, policy.getMaxBytes(), problems);
            check(
                    ConfigKeys.WINDOW_MAX_WAIT,
                    policy.getMaxWaitMs() == null ? null : Duration.ofMillis(policy.getMaxWaitMs()),
                    problems);
            check(ConfigKeys.WINDOW_SHARDS, policy.getShards(), problems);
        }
        return problems;
    }

    private static <T> void check(ConfigKey<T> key, T value, List<String> problems) {
        if (value == null) {
            return;
        }
        try {
            key.check(value);
        } catch (IllegalArgumentException e) {
            problems.add(key.name() + " = " + key.format(value) + ": " + e.getMessage());
        }
    }
}

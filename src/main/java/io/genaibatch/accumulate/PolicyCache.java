package io.genaibatch.accumulate;

import io.genaibatch.records.WindowPolicy;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The effective policy per model for one processor, read from the window-config global store. Resolving costs two
 * store reads and a merge, too much for every record at 60k records/s, so results are kept until {@link #refresh()},
 * which the processors call from their once-a-second wall-clock punctuation: a change applies within about a
 * second. Not thread-safe: one per processor instance (one stream thread).
 */
final class PolicyCache {
    private final WindowPolicies policies;
    private final ReadOnlyKeyValueStore<String, WindowPolicy> store;
    private final Map<String, EffectivePolicy> cache = new HashMap<>();

    PolicyCache(WindowPolicies policies, ReadOnlyKeyValueStore<String, WindowPolicy> store) {
        this.policies = policies;
        this.store = store;
    }

    EffectivePolicy get(String model) {
        EffectivePolicy policy = cache.get(model);
        if (policy == null) {
            policy = policies.resolve(model, store::get);
            cache.put(model, policy);
        }
        return policy;
    }

    void refresh() {
        cache.clear();
    }
}

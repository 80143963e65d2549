package io.genaibatch.accumulate;

import io.genaibatch.config.ConfigKey;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.records.WindowPolicy;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Resolves the window policy of a model. For each setting, the first that has a value wins:
 * <ol>
 *   <li>genai.window-config, record of the model;</li>
 *   <li>genai.window-config, record {@code *};</li>
 *   <li>the config file, {@code window.models.<model>.<setting>};</li>
 *   <li>the config file, {@code window.<setting>};</li>
 *   <li>the built-in default.</li>
 * </ol>
 * Run-time changes win over the file because they are how ops change a running service. Immutable.
 */
public final class WindowPolicies {
    private final GenAiBatchConfig config;
    private final String windowConfigTopic;
    /** normalised model → the name as written in the config file. */
    private final Map<String, String> fileModels = new HashMap<>();

    public WindowPolicies(GenAiBatchConfig config) {
        this.config = config;
        this.windowConfigTopic = config.get(ConfigKeys.TOPIC_WINDOW_CONFIG);
        for (String written : config.windowModels()) {
            fileModels.put(normalizeOrSelf(written), written);
        }
    }

    /** Models the config file names under window.models. */
    public java.util.Set<String> fileModels() {
        return fileModels.keySet();
    }

    /**
     * @param model a normalised model name
     * @param topic the valid window-config records by key (model or *); returns null when there is none
     */
    public EffectivePolicy resolve(String model, Function<String, WindowPolicy> topic) {
        WindowPolicy own = topic.apply(model);
        WindowPolicy all = Models.ALL.equals(model) ? null : topic.apply(Models.ALL);
        Map<String, String> sources = new LinkedHashMap<>();
        int maxRequests = pick(
                ConfigKeys.WINDOW_MAX_REQUESTS,
                model,
                own == null ? null : own.getMaxRequests(),
                all == null ? null : all.getMaxRequests(),
                sources);
        long maxBytes = pick(
                ConfigKeys.WINDOW_MAX_BYTES,
                model,
                own == null ? null : own.getMaxBytes(),
                all == null ? null : all.getMaxBytes(),
                sources);
        Duration maxWait = pick(
                ConfigKeys.WINDOW_MAX_WAIT,
                model,
                own == null ? null : ms(own.getMaxWaitMs()),
                all == null ? null : ms(all.getMaxWaitMs()),
                sources);
        int shards = pick(
                ConfigKeys.WINDOW_SHARDS,
                model,
                own == null ? null : own.getShards(),
                all == null ? null : all.getShards(),
                sources);
        boolean enabled = pick(
                ConfigKeys.WINDOW_ENABLED,
                model,
                own == null ? null : own.getEnabled(),
                all == null ? null : all.getEnabled(),
                sources);
        return new EffectivePolicy(model, maxRequests, maxBytes, maxWait, shards, enabled, sources);
    }

    private <T> T pick(ConfigKey<T> key, String model, T fromOwn, T fromAll, Map<String, String> sources) {
        if (fromOwn != null) {
            sources.put(key.name(), windowConfigTopic + " [" + model + "]");
            return fromOwn;
        }
        if (fromAll != null) {
            sources.put(key.name(), windowConfigTopic + " [*]");
            return fromAll;
        }
        String written = fileModels.get(model);
        if (written != null) {
            Optional<T> perModel = config.findForModel(written, key);
            if (perModel.isPresent()) {
                sources.put(
                        key.name(),
                        config.sourceOf(written, key) + " (" + ConfigKeys.WINDOW_MODELS_PREFIX + written + "."
                                + ConfigKeys.windowSetting(key) + ")");
                return perModel.get();
            }
        }
        String source = config.sourceOf(key);
        sources.put(key.name(), "default".equals(source) ? "default" : source + " (" + key.name() + ")");
        return config.get(key);
    }

    private static Duration ms(Long millis) {
        return millis == null ? null : Duration.ofMillis(millis);
    }

    private static String normalizeOrSelf(String model) {
        try {
            return Models.normalize(model);
        } catch (IllegalArgumentException e) {
            return model;
        }
    }
}

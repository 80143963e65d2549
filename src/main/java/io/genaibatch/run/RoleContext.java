package io.genaibatch.run;

import java.util.Map;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.GeminiSettings;

/**
 * What roles are built from: the configuration, the environment (the Gemini API key lives there, never in the
 * config), and one Gemini client shared by the roles of this process, opened on first use and closed last.
 */
public final class RoleContext implements AutoCloseable {
    private final GenAiBatchConfig config;
    private final Map<String, String> env;
    private BatchApi gemini;

    public RoleContext(GenAiBatchConfig config, Map<String, String> env) {
        this.config = config;
        this.env = Map.copyOf(env);
    }

    public GenAiBatchConfig config() {
        return config;
    }

    /** The Gemini client; fails with the reason (no API key, bad base URL) when it cannot be set up. */
    public synchronized BatchApi gemini() {
        if (gemini == null) {
            gemini = BatchApi.open(GeminiSettings.from(config, env));
        }
        return gemini;
    }

    /** Close after the roles that use the client are closed. */
    @Override
    public synchronized void close() {
        if (gemini != null) {
            gemini.close();
            gemini = null;
        }
    }
}

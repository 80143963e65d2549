package io.genaibatch.run;

import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.gemini.ApiCircuit;
import io.genaibatch.gemini.ApiProbe;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.CircuitBreaker;
import io.genaibatch.gemini.CircuitSettings;
import io.genaibatch.gemini.GeminiSettings;
import io.genaibatch.gemini.MeteredBatchApi;
import io.genaibatch.gemini.RetryPolicy;
import java.time.Clock;
import java.util.Map;

/**
 * What roles are built from: the configuration, the environment (the Gemini API key lives there, never in the
 * config), the process's {@link Telemetry}, and one Gemini client shared by the roles of this process, opened on
 * first use and closed last, with one circuit breaker ({@link ApiCircuit}) for all of them.
 */
public final class RoleContext implements AutoCloseable {
    private final GenAiBatchConfig config;
    private final Map<String, String> env;
    private final Telemetry telemetry;
    private BatchApi gemini;
    /** Lets an idle process see the API come back (see {@link ApiProbe}); with the client. */
    private ApiProbe probe;

    /** With a Prometheus registry of its own, the JVM's meters bound. */
    public RoleContext(GenAiBatchConfig config, Map<String, String> env) {
        this(config, env, Telemetry.prometheus());
    }

    /** @param telemetry closed with this context */
    public RoleContext(GenAiBatchConfig config, Map<String, String> env, Telemetry telemetry) {
        this.config = config;
        this.env = Map.copyOf(env);
        this.telemetry = telemetry;
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    public GenAiBatchConfig config() {
        return config;
    }

    /** The Gemini client; fails with the reason (no API key, bad base URL) when it cannot be set up. */
    public synchronized BatchApi gemini() {
        if (gemini == null) {
            GeminiSettings settings = GeminiSettings.from(config, env);
            ApiCircuit circuit = new ApiCircuit(CircuitSettings.from(config), Clock.systemUTC(), telemetry.registry());
            gemini = new MeteredBatchApi(
                    BatchApi.open(
                            settings,
                            RetryPolicy.of(settings.retry(), CircuitBreaker.both(circuit, telemetry.calls()))),
                    telemetry.registry());
            probe = ApiProbe.start(gemini, circuit, telemetry.calls());
        }
        return gemini;
    }

    /** Close after the roles that use the client are closed. */
    @Override
    public synchronized void close() {
        try {
            if (gemini != null) {
                probe.close();
                gemini.close();
                gemini = null;
            }
        } finally {
            telemetry.close();
        }
    }
}

package io.genaibatch.ops;

import com.sun.net.httpserver.HttpHandler;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.run.OpenBatches;
import io.genaibatch.run.Role;
import io.genaibatch.run.Telemetry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a {@code run} or {@code local} process serves over HTTP, in one list. */
public final class Endpoints {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private Endpoints() {}

    /**
     * As {@link #serve(GenAiBatchConfig, List, WindowPolicyReader, Telemetry)} without window policies on the status
     * page, and no meters.
     */
    public static Optional<OpsServer> serve(GenAiBatchConfig config, List<? extends Role> roles) {
        return serve(config, roles, WindowPolicyReader.NONE, Telemetry.none());
    }

    /**
     * Serves the process's endpoints on {@code http.host}:{@code http.port}; empty when the port is 0 (off).
     * Close the server after the roles.
     *
     * @param policies the window policies the status page and /api/models show
     * @param telemetry what /metrics shows
     */
    public static Optional<OpsServer> serve(
            GenAiBatchConfig config, List<? extends Role> roles, WindowPolicyReader policies, Telemetry telemetry) {
        int port = config.get(ConfigKeys.HTTP_PORT);
        if (port == 0) {
            return Optional.empty();
        }
        StatusCache status = new StatusCache(config, policies, openBatches(roles));
        return Optional.of(
                OpsServer.start(config.get(ConfigKeys.HTTP_HOST), port, routes(roles, status, telemetry), status));
    }

    /** The accumulator among the roles; without one, a source that says so. */
    static OpenBatches.Source openBatches(List<? extends Role> roles) {
        return roles.stream()
                .filter(OpenBatches.Source.class::isInstance)
                .map(OpenBatches.Source.class::cast)
                .findFirst()
                .orElse(() -> OpenBatches.unknown(ModelLine.NO_ACCUMULATOR));
    }

    static Map<String, HttpHandler> routes(List<? extends Role> roles, StatusCache status, Telemetry telemetry) {
        Map<String, HttpHandler> routes = new LinkedHashMap<>();
        StatusRoutes statusRoutes = new StatusRoutes(roles, status);
        routes.put("/", statusRoutes::page);
        routes.put("/api/jobs", statusRoutes::jobs);
        routes.put("/api/models", statusRoutes::models);
        // Live as long as this process answers: a stuck role shows in /health/ready, not as a restart loop.
        routes.put(
                "/health/live", exchange -> OpsServer.send(exchange, 200, "application/json", "{\"status\":\"UP\"}"));
        routes.put("/health/ready", exchange -> ReadinessReport.of(roles).send(exchange));
        routes.put("/metrics", exchange -> OpsServer.send(exchange, 200, PROMETHEUS_TEXT, telemetry.scrape()));
        return routes;
    }
}

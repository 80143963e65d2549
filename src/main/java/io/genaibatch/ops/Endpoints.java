package io.genaibatch.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.sun.net.httpserver.HttpHandler;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.run.Role;
import io.genaibatch.run.Telemetry;

/** What a {@code run} or {@code local} process serves over HTTP, in one list. */
public final class Endpoints {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private Endpoints() {
    }

    /**
     * Serves the process's endpoints on {@code http.host}:{@code http.port}; empty when the port is 0 (off).
     * Close the server after the roles.
     */
    public static Optional<OpsServer> serve(GenAiBatchConfig config, List<? extends Role> roles, Telemetry telemetry) {
        int port = config.get(ConfigKeys.HTTP_PORT);
        if (port == 0) {
            return Optional.empty();
        }
        return Optional.of(OpsServer.start(config.get(ConfigKeys.HTTP_HOST), port, routes(config, roles, telemetry)));
    }

    static Map<String, HttpHandler> routes(GenAiBatchConfig config, List<? extends Role> roles, Telemetry telemetry) {
        Map<String, HttpHandler> routes = new LinkedHashMap<>();
        // Live as long as this process answers: a stuck role shows in /health/ready, not as a restart loop.
        routes.put("/health/live", exchange -> OpsServer.send(exchange, 200, "application/json", "{\"status\":\"UP\"}"));
        routes.put("/health/ready", exchange -> ReadinessReport.of(roles).send(exchange));
        routes.put("/metrics", exchange -> OpsServer.send(exchange, 200, PROMETHEUS_TEXT, telemetry.scrape()));
        return routes;
    }
}

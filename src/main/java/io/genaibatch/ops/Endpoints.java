package io.genaibatch.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.sun.net.httpserver.HttpHandler;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.run.Role;

/** What a {@code run} or {@code local} process serves over HTTP, in one list. */
public final class Endpoints {
    private Endpoints() {
    }

    /** As {@link #serve(GenAiBatchConfig, List, WindowPolicyReader)} without window policies on the status page. */
    public static Optional<OpsServer> serve(GenAiBatchConfig config, List<? extends Role> roles) {
        return serve(config, roles, WindowPolicyReader.NONE);
    }

    /**
     * Serves the process's endpoints on {@code http.host}:{@code http.port}; empty when the port is 0 (off).
     * Close the server after the roles.
     *
     * @param policies the window policies the status page and /api/models show
     */
    public static Optional<OpsServer> serve(GenAiBatchConfig config, List<? extends Role> roles,
                                            WindowPolicyReader policies) {
        int port = config.get(ConfigKeys.HTTP_PORT);
        if (port == 0) {
            return Optional.empty();
        }
        StatusCache status = new StatusCache(config, policies);
        return Optional.of(OpsServer.start(config.get(ConfigKeys.HTTP_HOST), port, routes(roles, status), status));
    }

    static Map<String, HttpHandler> routes(List<? extends Role> roles, StatusCache status) {
        Map<String, HttpHandler> routes = new LinkedHashMap<>();
        StatusRoutes statusRoutes = new StatusRoutes(roles, status);
        routes.put("/", statusRoutes::page);
        routes.put("/api/jobs", statusRoutes::jobs);
        routes.put("/api/models", statusRoutes::models);
        // Live as long as this process answers: a stuck role shows in /health/ready, not as a restart loop.
        routes.put("/health/live", exchange -> OpsServer.send(exchange, 200, "application/json", "{\"status\":\"UP\"}"));
        return routes;
    }
}

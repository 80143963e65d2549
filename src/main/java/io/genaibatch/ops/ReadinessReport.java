package io.genaibatch.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.run.Readiness;
import io.genaibatch.run.Role;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What {@code /health/ready} answers: 200 when every role of the process is ready, else 503; the body names each
 * role and what is not ready about it.
 *
 * <pre>{"status":"DOWN","roles":{"accumulate":{"ready":true},"poll":{"ready":false,"problems":["..."]}}}</pre>
 */
record ReadinessReport(int httpStatus, String json) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ReadinessReport of(List<? extends Role> roles) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode byRole = JSON.createObjectNode();
        boolean all = true;
        for (Role role : roles) {
            Readiness r = readiness(role);
            all &= r.ready();
            ObjectNode node = byRole.putObject(role.name());
            node.put("ready", r.ready());
            if (!r.ready()) {
                ArrayNode problems = node.putArray("problems");
                r.problems().forEach(problems::add);
            }
        }
        body.put("status", all ? "UP" : "DOWN");
        body.set("roles", byRole);
        return new ReadinessReport(all ? 200 : 503, body.toString());
    }

    void send(com.sun.net.httpserver.HttpExchange exchange) throws java.io.IOException {
        OpsServer.send(exchange, httpStatus, "application/json", json);
    }

    /**
     * A role that stopped on its own is not ready, whatever it says: with the reason it stopped. One role not
     * started yet is not ready either. The status page shows the same.
     */
    static Readiness readiness(Role role) {
        CompletableFuture<Void> stopped;
        try {
            stopped = role.stopped().toCompletableFuture();
        } catch (IllegalStateException notStarted) {
            return Readiness.notReady("not started");
        }
        if (stopped.isCompletedExceptionally()) {
            Throwable why = stopped.handle((ok, e) -> e).join();
            Throwable cause = why instanceof java.util.concurrent.CompletionException && why.getCause() != null
                    ? why.getCause()
                    : why;
            return Readiness.notReady("stopped on its own: " + cause.getMessage());
        }
        if (stopped.isDone()) {
            return Readiness.notReady("stopped");
        }
        try {
            return role.readiness();
        } catch (RuntimeException e) {
            return Readiness.notReady("its readiness could not be read: " + e);
        }
    }
}

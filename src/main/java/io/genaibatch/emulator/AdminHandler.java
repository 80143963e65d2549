package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /admin/...}: the test handle over HTTP, for users of the JS and Python SDKs and for the CLI. Not
 * part of the Gemini API; no faults apply here. Who may call it is the {@link Router}'s check: loopback callers,
 * others only with the emulator's API key or when it runs with admin-open.
 */
final class AdminHandler {
    private final BatchStore batches;
    private final FaultPlan faults;
    private final RequestLog requestLog;
    private final FaultCounts faultCounts;

    AdminHandler(BatchStore batches, FaultPlan faults, RequestLog requestLog, FaultCounts faultCounts) {
        this.faultCounts = faultCounts;
        this.batches = batches;
        this.faults = faults;
        this.requestLog = requestLog;
    }

    void handle(HttpExchange exchange, String method, String path, Map<String, String> query) throws IOException {
        switch (method + " " + path) {
            case "GET /admin/jobs-by-display-name" -> {
                ObjectNode body = Json.object();
                batches.createdByDisplayName().forEach(body::put);
                Http.sendJson(exchange, 200, body);
            }
            case "GET /admin/stats" -> {
                ObjectNode body = Json.object().put("requestsReceived", requestLog.total());
                ObjectNode injected = body.putObject("faultsInjected");
                faultCounts.snapshot().forEach(injected::put);
                Http.sendJson(exchange, 200, body);
            }
            case "POST /admin/fail-next" -> {
                int count = intParam(query, "count", 1);
                int status = intParam(query, "status", 503);
                try {
                    faults.failNext(count, status, query.get("path"));
                } catch (IllegalArgumentException e) {
                    throw ErrorAnswer.invalidArgument(e.getMessage());
                }
                Http.sendJson(exchange, 200, Json.object());
            }
            case "POST /admin/clear-faults" -> {
                faults.clearScript();
                Http.sendJson(exchange, 200, Json.object());
            }
            default -> batchAction(exchange, method, path, query);
        }
    }

    /** {@code POST /admin/batches/{id}:finish | :fail?code=&message= | :expire}. */
    private void batchAction(HttpExchange exchange, String method, String path, Map<String, String> query)
            throws IOException {
        String prefix = "/admin/batches/";
        int colon = path.lastIndexOf(':');
        if (!method.equals("POST") || !path.startsWith(prefix) || colon < prefix.length()) {
            throw ErrorAnswer.notFound("No such admin endpoint: " + method + " " + path + ". See docs/EMULATOR.md.");
        }
        String id = path.substring(prefix.length(), colon);
        switch (path.substring(colon + 1).toLowerCase(Locale.ROOT)) {
            case "finish" -> batches.finishNow(id);
            case "fail" ->
                batches.failNow(
                        id,
                        intParam(query, "code", 500),
                        query.getOrDefault("message", "Batch job failed (forced through /admin)."));
            case "expire" -> batches.expireNow(id);
            default -> throw ErrorAnswer.notFound("No such admin action: " + path + " (finish, fail or expire).");
        }
        Http.sendJson(exchange, 200, Json.object());
    }

    private static int intParam(Map<String, String> query, String name, int defaultValue) {
        String raw = query.get(name);
        if (raw == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw ErrorAnswer.invalidArgument(name + " must be an integer, found '" + raw + "'");
        }
    }
}

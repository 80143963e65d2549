package io.genaibatch.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.run.Role;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The status page {@code /} and {@code /api/jobs}, {@code /api/models}: all answered from the {@link StatusCache}'s
 * latest refresh, 503 until the first one is done.
 */
final class StatusRoutes {
    private final StatusCache cache;
    private final List<? extends Role> roles;
    private final ObjectMapper mapper = new ObjectMapper();

    StatusRoutes(List<? extends Role> roles, StatusCache cache) {
        this.cache = cache;
        this.roles = List.copyOf(roles);
    }

    void page(HttpExchange exchange) throws IOException {
        Optional<StatusCache.Status> status = cache.current();
        String html = status.map(s -> StatusPage.render(s, ModelLine.of(s), roles, cache.interval(), Instant.now()))
                .orElseGet(() -> StatusPage.loading(roles));
        OpsServer.send(exchange, 200, "text/html; charset=utf-8", html);
    }

    /** Jobs per /api/jobs answer unless {@code ?limit=} says otherwise: every hit serialises what it returns. */
    static final int JOBS_LIMIT_DEFAULT = 1000;

    static final int JOBS_LIMIT_MAX = 100_000;

    /**
     * The jobs of genai.jobs as {@code jobs list --json} prints them, one array, in its order; {@code ?batch=ID}
     * only that batch (404 when there is none), {@code ?model=M} one model, {@code ?open=true} the unpublished;
     * at most {@code ?limit=N} (1000 by default, 1..100000), the newest, still in that order, with the number that matched
     * in header {@code X-Total-Count}.
     */
    void jobs(HttpExchange exchange) throws IOException {
        Optional<StatusCache.Status> status = cache.current();
        if (status.isEmpty() || status.get().jobs() == null) {
            loading(exchange, status.map(StatusCache.Status::jobsProblem).orElse(null));
            return;
        }
        String batch = param(exchange, "batch");
        String model = param(exchange, "model");
        boolean open = "true".equals(param(exchange, "open"));
        Optional<Integer> limit = limit(param(exchange, "limit"));
        if (limit.isEmpty()) {
            ObjectNode o = mapper.createObjectNode();
            o.put("status", "BAD_REQUEST");
            o.put("message", "limit must be a whole number from 1 to " + JOBS_LIMIT_MAX);
            OpsServer.send(exchange, 400, "application/json", o.toString());
            return;
        }
        List<Batch> shown = status.get().jobs().live().stream()
                .filter(b -> batch == null || b.batchId().equals(batch))
                .filter(b -> model == null || JobsView.sameModel(b.job().getModel(), model))
                .filter(b -> !open || ModelLine.inFlight(b))
                .sorted(JobsView.LIST_ORDER)
                .toList();
        ArrayNode array = mapper.createArrayNode();
        // The newest: a script that polls with a limit must see the jobs created since its last look.
        shown.subList(Math.max(0, shown.size() - limit.get()), shown.size())
                .forEach(b -> array.add(JobsView.json(mapper, b)));
        exchange.getResponseHeaders().set("X-Total-Count", Integer.toString(shown.size()));
        OpsServer.send(exchange, batch != null && shown.isEmpty() ? 404 : 200, "application/json", array.toString());
    }

    /** {@code ?limit=}: the default when absent, empty when not a number in 1..{@value #JOBS_LIMIT_MAX}. */
    static Optional<Integer> limit(String value) {
        if (value == null) {
            return Optional.of(JOBS_LIMIT_DEFAULT);
        }
        try {
            int n = Integer.parseInt(value.strip());
            return n >= 1 && n <= JOBS_LIMIT_MAX ? Optional.of(n) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Per model: the window policy in force, jobs in flight, requests answered, tokens, cost and savings. */
    void models(HttpExchange exchange) throws IOException {
        Optional<StatusCache.Status> status = cache.current();
        if (status.isEmpty()) {
            loading(exchange, null);
            return;
        }
        ArrayNode array = mapper.createArrayNode();
        ModelLine.of(status.get()).forEach(m -> array.add(m.json(mapper)));
        OpsServer.send(exchange, 200, "application/json", array.toString());
    }

    private void loading(HttpExchange exchange, String problem) throws IOException {
        ObjectNode o = mapper.createObjectNode();
        o.put("status", "LOADING");
        o.put(
                "message",
                problem != null ? problem : "the first read of Kafka is not done yet; try again in a few seconds");
        exchange.getResponseHeaders()
                .set("Retry-After", Long.toString(Math.max(1, cache.interval().toSeconds())));
        OpsServer.send(exchange, 503, "application/json", o.toString());
    }

    /** The first value of query parameter {@code name}; null when absent or empty. */
    static String param(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return null;
        }
        return java.util.Arrays.stream(query.split("&"))
                .filter(p -> URLDecoder.decode(p.split("=", 2)[0], StandardCharsets.UTF_8)
                        .equals(name))
                .map(p -> p.contains("=") ? URLDecoder.decode(p.split("=", 2)[1], StandardCharsets.UTF_8) : "")
                .filter(v -> !v.isEmpty())
                .findFirst()
                .orElse(null);
    }

    /** Recently finished: the newest {@code limit} published jobs, newest first. */
    static List<Batch> recentlyFinished(StatusCache.Status status, int limit) {
        return status.jobs().live().stream()
                .filter(b -> !ModelLine.inFlight(b))
                .sorted(Comparator.comparing((Batch b) -> b.job().getUpdatedAt())
                        .reversed())
                .limit(limit)
                .toList();
    }
}

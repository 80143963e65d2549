package io.genaibatch.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint of a {@code run} or {@code local} process: exact paths to handlers, GET and HEAD only, anything
 * else 404 or 405. Two daemon threads: a scrape or a health check must never be able to hold the roles up, and a
 * slow client only delays other scrapes.
 */
public final class OpsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpsServer.class);

    private final HttpServer server;
    private final ExecutorService threads;
    private final List<AutoCloseable> closedWith;

    private OpsServer(HttpServer server, ExecutorService threads, List<AutoCloseable> closedWith) {
        this.server = server;
        this.threads = threads;
        this.closedWith = closedWith;
    }

    /**
     * Listens on host:port (port 0: any free port) and serves the routes; {@code closedWith} (what the routes
     * use, e.g. a background reader) is closed after the server.
     *
     * @throws UncheckedIOException naming the address when it cannot be bound (port in use, unknown host)
     */
    public static OpsServer start(String host, int port, Map<String, HttpHandler> routes, AutoCloseable... closedWith) {
        Map<String, HttpHandler> exact = new LinkedHashMap<>(routes);
        AtomicInteger n = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "genai-batch-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (IOException e) {
            threads.shutdownNow();
            closeAll(List.of(closedWith));
            throw new UncheckedIOException(
                    "cannot serve HTTP on " + host + ":" + port + " (http.host / http.port, "
                            + "--http-port; 0 turns it off): " + e.getMessage(),
                    e);
        }
        server.createContext("/", exchange -> route(exchange, exact));
        server.setExecutor(threads);
        server.start();
        OpsServer started = new OpsServer(server, threads, List.of(closedWith));
        log.info("HTTP endpoint at {} ({})", started.baseUrl(), String.join(", ", exact.keySet()));
        return started;
    }

    /** {@code http://host:port}, a loopback address when listening on every interface. */
    public String baseUrl() {
        String host = server.getAddress().getAddress().isAnyLocalAddress()
                ? "127.0.0.1"
                : server.getAddress().getHostString();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void route(HttpExchange exchange, Map<String, HttpHandler> routes) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            HttpHandler handler = routes.get(exchange.getRequestURI().getPath());
            if (handler == null) {
                send(
                        exchange,
                        404,
                        "text/plain; charset=utf-8",
                        "not found; try " + String.join(", ", routes.keySet()));
            } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", method + " is not allowed; use GET");
            } else {
                try {
                    handler.handle(exchange);
                } catch (RuntimeException e) {
                    log.warn("HTTP {} {} failed", method, exchange.getRequestURI(), e);
                    send(exchange, 500, "text/plain; charset=utf-8", "internal error: " + e.getMessage());
                }
            }
        }
    }

    /** Sends a whole response; for HEAD, its headers only. */
    public static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length == 0 ? -1 : bytes.length);
        if (!head && bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops listening; requests being answered get a second to finish. */
    @Override
    public void close() {
        server.stop(1);
        threads.shutdown();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeAll(closedWith);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                log.warn("closing {} with the HTTP endpoint failed", r, e);
            }
        }
    }
}

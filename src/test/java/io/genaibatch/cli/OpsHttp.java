package io.genaibatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.ops.OpsServer;
import io.genaibatch.testkit.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Predicate;

/** What a test reads of a process's HTTP endpoints: a path, a path once it shows something, a metric's samples. */
final class OpsHttp {
    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final OpsServer server;
    private final Duration wait;

    /** @param wait how long the await methods ask before they fail */
    OpsHttp(OpsServer server, Duration wait) {
        this.server = server;
        this.wait = wait;
    }

    HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The path's JSON once it answers 200 and satisfies {@code until}; fails after the wait with the last answer. */
    JsonNode awaitJson(String path, Predicate<JsonNode> until) throws Exception {
        String last = await(path, body -> until.test(json.readTree(body)));
        return json.readTree(last);
    }

    /** The status page once it answers 200 and satisfies {@code until}. */
    String awaitPage(Predicate<String> until) throws Exception {
        return await("/", until::test);
    }

    /** The /metrics text once it satisfies {@code until}. */
    String awaitMetrics(Predicate<String> until) throws Exception {
        return await("/metrics", until::test);
    }

    private String await(String path, Check until) {
        return Await.until(path + " to show what was awaited", wait, () -> get(path), r -> {
                    try {
                        return r.statusCode() == 200 && until.test(r.body());
                    } catch (Exception e) {
                        throw new AssertionError("checking " + path + " failed", e);
                    }
                })
                .body();
    }

    @FunctionalInterface
    private interface Check {
        boolean test(String body) throws Exception;
    }

    /** The sum of a metric's samples whose labels contain every filter (0 when there is none: see {@link #has}). */
    static double sum(String scrape, String metric, String... filters) {
        return samples(scrape, metric, filters)
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Whether the scrape has a sample of the metric whose labels contain every filter. */
    static boolean has(String scrape, String metric, String... filters) {
        return samples(scrape, metric, filters).findAny().isPresent();
    }

    private static java.util.stream.Stream<String> samples(String scrape, String metric, String... filters) {
        return Arrays.stream(scrape.split("\n"))
                .filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " "))
                .filter(line -> Arrays.stream(filters).allMatch(line::contains));
    }
}

package io.genaibatch.emulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP entry point: records the request, checks the API key, applies the HTTP fault plan and the
 * response delay, dispatches by path, and turns every {@link ErrorAnswer} into the protocol's error answer.
 */
final class Router implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(Router.class);
    private static final String VERSION = "(v[0-9][a-z0-9]*)";
    /** The API versions the service serves; another prefix gets the front end's 404 page. */
    private static final Set<String> SERVED_VERSIONS = Set.of("v1", "v1beta", "v1alpha");

    private static final Pattern ANY_VERSION = Pattern.compile("^/(?:upload/|download/)?" + VERSION + "/");
    private static final Pattern API = Pattern.compile("^/" + VERSION + "/(.+)$");
    private static final Pattern UPLOAD = Pattern.compile("^/upload/" + VERSION + "/files/?$");
    private static final Pattern DOWNLOAD = Pattern.compile("^/download/" + VERSION + "/files/([^/:]+):download$");
    private static final Pattern MODEL_ACTION =
            Pattern.compile("^(models/[^:]+):(batchGenerateContent|asyncBatchEmbedContent)$");
    private static final Pattern BATCH = Pattern.compile("^batches/([^/:]+)$");
    private static final Pattern BATCH_CANCEL = Pattern.compile("^batches/([^/:]+):cancel$");
    private static final Pattern FILE = Pattern.compile("^files/([^/:]+)$");
    private static final Pattern FILE_DOWNLOAD = Pattern.compile("^files/([^/:]+):download$");

    private final EmulatorOptions options;
    private final RequestLog requestLog;
    private final FaultPlan faults;
    private final BatchHandler batches;
    private final FileHandler files;
    private final UploadHandler uploads;
    private final AdminHandler admin;

    Router(
            EmulatorOptions options,
            RequestLog requestLog,
            FaultPlan faults,
            BatchHandler batches,
            FileHandler files,
            UploadHandler uploads,
            AdminHandler admin) {
        this.options = options;
        this.requestLog = requestLog;
        this.faults = faults;
        this.batches = batches;
        this.files = files;
        this.uploads = uploads;
        this.admin = admin;
    }

    @Override
    public void handle(HttpExchange received) {
        long sequence = requestLog.nextSequence();
        CountingInputStream body = new CountingInputStream(received.getRequestBody());
        received.setStreams(body, null);
        String method = received.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = received.getRequestURI().getPath();
        String rawQuery = received.getRequestURI().getRawQuery();
        Map<String, String> query = Http.query(rawQuery);
        boolean uploadUrl = UPLOAD.matcher(path).matches() && UploadHandler.isUploadUrl(query);
        AtomicBoolean recorded = new AtomicBoolean();
        IntConsumer record = status -> {
            if (recorded.compareAndSet(false, true)) {
                requestLog.add(new RecordedRequest(
                        sequence,
                        method,
                        path,
                        rawQuery == null ? "" : rawQuery,
                        headers(received),
                        body.count,
                        status));
            }
        };
        // Every answer goes out through this exchange, so the request is in the log before its client can read
        // the answer.
        HttpExchange exchange = new RecordingExchange(received, record);
        try {
            try {
                if (path.startsWith("/admin/")) {
                    checkAdminAccess(exchange, query);
                    admin.handle(exchange, method, path, query);
                } else {
                    serveApi(exchange, method, path, query, uploadUrl);
                }
            } catch (ErrorAnswer e) {
                Http.drain(body);
                if (uploadUrl && exchange.getResponseHeaders().getFirst(UploadHandler.STATUS) == null) {
                    exchange.getResponseHeaders().set(UploadHandler.STATUS, "active");
                }
                if (e.code() == 500) {
                    log.warn("{} {} -> {} {}: {}", method, path, e.code(), e.status(), e.getMessage());
                } else {
                    log.debug("{} {} -> {} {}: {}", method, path, e.code(), e.status(), e.getMessage());
                }
                Http.sendError(exchange, e);
            } catch (RuntimeException e) {
                log.error("{} {} -> 500: the emulator failed on this request", method, path, e);
                Http.drain(body);
                if (uploadUrl) {
                    exchange.getResponseHeaders().set(UploadHandler.STATUS, "active");
                }
                Http.sendError(exchange, new ErrorAnswer(500, "INTERNAL", "Emulator error: " + e));
            }
        } catch (IOException e) {
            // The client went away mid-answer (or mid-upload); nothing more can be said to it.
            log.debug("{} {}: connection lost: {}", method, path, e.toString());
        } finally {
            Http.drain(body);
            exchange.close();
            // Only when no answer went out (the client went away first): the status is then -1.
            record.accept(exchange.getResponseCode());
        }
    }

    private void serveApi(
            HttpExchange exchange, String method, String path, Map<String, String> query, boolean uploadUrl)
            throws IOException {
        if (!uploadUrl) {
            // The upload id is the upload URL's credential, as in the real service's signed upload URLs.
            checkApiKey(exchange, query);
        }
        Matcher version = ANY_VERSION.matcher(path);
        if (version.find() && !SERVED_VERSIONS.contains(version.group(1))) {
            // What the service's front end answers for a path no API serves: a web page, not the API's error JSON.
            Http.sendPage(
                    exchange,
                    404,
                    "<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title>"
                            + "<p><b>404.</b> <ins>That's an error.</ins><p>The requested URL <code>" + path
                            + "</code> was not found on this server. <ins>That's all we know.</ins></html>");
            return;
        }
        String rawQuery = exchange.getRequestURI().getRawQuery();
        FaultPlan.Fault fault = faults.next(rawQuery == null ? path : path + "?" + rawQuery);
        if (fault != null) {
            if (fault.retryAfterSeconds() >= 0) {
                exchange.getResponseHeaders().set("Retry-After", Integer.toString(fault.retryAfterSeconds()));
            }
            log.info("{} {} -> injected HTTP {}", method, path, fault.httpStatus());
            throw new ErrorAnswer(fault.httpStatus(), ErrorAnswer.statusFor(fault.httpStatus()), fault.message());
        }
        if (options.responseDelayMillis() > 0) {
            sleep(options.responseDelayMillis());
        }
        Matcher m = UPLOAD.matcher(path);
        if (m.matches()) {
            requireMethod(method, "POST", path);
            if (uploadUrl) {
                uploads.onUploadUrl(exchange, m.group(1), query.get("upload_id"));
            } else {
                uploads.start(exchange, m.group(1));
            }
            return;
        }
        m = DOWNLOAD.matcher(path);
        if (m.matches()) {
            requireMethod(method, "GET", path);
            files.download(exchange, m.group(2), query);
            return;
        }
        m = API.matcher(path);
        if (!m.matches()) {
            throw ErrorAnswer.notFound("No such endpoint: " + method + " " + path
                    + ". The emulator serves /{version}/batches, /{version}/files, /upload/{version}/files"
                    + " and /{version}/models/{model}:batchGenerateContent|asyncBatchEmbedContent.");
        }
        serveResource(exchange, method, m.group(1), m.group(2), query);
    }

    private void serveResource(
            HttpExchange exchange, String method, String version, String resource, Map<String, String> query)
            throws IOException {
        Matcher m;
        if ((m = MODEL_ACTION.matcher(resource)).matches()) {
            requireMethod(method, "POST", resource);
            BatchJob.Kind kind =
                    m.group(2).equals("asyncBatchEmbedContent") ? BatchJob.Kind.EMBED : BatchJob.Kind.GENERATE;
            batches.create(exchange, version, m.group(1), kind);
        } else if (resource.equals("batches")) {
            requireMethod(method, "GET", resource);
            batches.list(exchange, query);
        } else if ((m = BATCH_CANCEL.matcher(resource)).matches()) {
            requireMethod(method, "POST", resource);
            batches.cancel(exchange, m.group(1));
        } else if ((m = BATCH.matcher(resource)).matches()) {
            if (method.equals("DELETE")) {
                batches.delete(exchange, m.group(1));
            } else {
                requireMethod(method, "GET", resource);
                batches.get(exchange, m.group(1));
            }
        } else if (resource.equals("files")) {
            requireMethod(method, "GET", resource);
            files.list(exchange, version, query);
        } else if ((m = FILE_DOWNLOAD.matcher(resource)).matches()) {
            requireMethod(method, "GET", resource);
            files.download(exchange, m.group(1), query);
        } else if ((m = FILE.matcher(resource)).matches()) {
            if (method.equals("DELETE")) {
                files.delete(exchange, m.group(1));
            } else {
                requireMethod(method, "GET", resource);
                files.get(exchange, version, m.group(1));
            }
        } else {
            throw ErrorAnswer.notFound("No such endpoint: " + method + " /" + version + "/" + resource + ".");
        }
    }

    /**
     * {@code /admin} scripts faults and forces job states: anyone who reaches it can make a service under test fail
     * or finish jobs at will. Loopback callers may use it (the tests, the CLI on the same machine); any other caller
     * needs the emulator's API key (so an emulator without one refuses them), unless it runs with admin-open.
     */
    private void checkAdminAccess(HttpExchange exchange, Map<String, String> query) {
        if (options.adminOpen() || exchange.getRemoteAddress().getAddress().isLoopbackAddress()) {
            return;
        }
        if (options.apiKey() == null) {
            throw new ErrorAnswer(
                    403,
                    "PERMISSION_DENIED",
                    "The emulator's /admin endpoints answer loopback callers"
                            + " only, and this request came from "
                            + exchange.getRemoteAddress().getAddress().getHostAddress()
                            + ". Call from the emulator's machine, start it with --api-key and send that key"
                            + " (x-goog-api-key or ?key=), or start it with --admin-open.");
        }
        checkApiKey(exchange, query);
    }

    private void checkApiKey(HttpExchange exchange, Map<String, String> query) {
        if (options.apiKey() == null) {
            return;
        }
        String key = exchange.getRequestHeaders().getFirst("x-goog-api-key");
        if (key == null) {
            key = query.get("key");
        }
        if (key == null || key.isEmpty()) {
            throw new ErrorAnswer(
                    401,
                    "UNAUTHENTICATED",
                    "Method doesn't allow unregistered callers (callers without"
                            + " established identity). Please use API Key or other form of API consumer identity to call"
                            + " this API. (emulator: send the header x-goog-api-key)");
        }
        if (!key.equals(options.apiKey())) {
            // The service's answer to a wrong key: 400, not 403, with the reason in the details.
            throw new ErrorAnswer(
                    400,
                    "INVALID_ARGUMENT",
                    "API key not valid. Please pass a valid API key." + " (emulator: the key does not match --api-key)",
                    "API_KEY_INVALID");
        }
    }

    private static void requireMethod(String method, String expected, String resource) {
        if (!method.equals(expected)) {
            throw new ErrorAnswer(
                    405, "INVALID_ARGUMENT", method + " is not allowed on " + resource + "; use " + expected + ".");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrorAnswer(503, "UNAVAILABLE", "Emulator is shutting down.");
        }
    }

    private static Map<String, List<String>> headers(HttpExchange exchange) {
        Map<String, List<String>> out = new TreeMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        return out;
    }

    /** Counts request-body bytes for the request log. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}

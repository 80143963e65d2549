package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resumable upload protocol: {@code start} on {@code /upload/{v}/files}, then {@code upload},
 * {@code upload, finalize}, {@code finalize} and {@code query} on the upload URL. Every answer on the upload
 * URL, errors included, carries {@code X-Goog-Upload-Status}: without it the Java SDK retries a refused chunk
 * 15 times over ~80 s instead of surfacing the error.
 */
final class UploadHandler {
    private static final Logger log = LoggerFactory.getLogger(UploadHandler.class);
    static final String STATUS = "X-Goog-Upload-Status";
    /** The Java SDK's chunk size; the real service announces its granularity the same way. */
    static final long CHUNK_GRANULARITY = 8L * 1024 * 1024;

    private final FileStore files;
    private final long throttleBytesPerSecond;
    private final String fallbackOrigin;

    UploadHandler(FileStore files, long throttleBytesPerSecond, String fallbackOrigin) {
        this.files = files;
        this.throttleBytesPerSecond = throttleBytesPerSecond;
        this.fallbackOrigin = fallbackOrigin;
    }

    void start(HttpExchange exchange, String apiVersion) throws IOException {
        Headers h = exchange.getRequestHeaders();
        if (!"resumable".equalsIgnoreCase(h.getFirst("X-Goog-Upload-Protocol"))) {
            throw ErrorAnswer.invalidArgument("Only the resumable upload protocol is served: send"
                    + " X-Goog-Upload-Protocol: resumable (found " + h.getFirst("X-Goog-Upload-Protocol") + ").");
        }
        Set<String> commands = commands(h);
        if (!commands.equals(Set.of("start"))) {
            throw ErrorAnswer.invalidArgument("The first request of an upload must say X-Goog-Upload-Command: start"
                    + " (found " + h.getFirst("X-Goog-Upload-Command") + ").");
        }
        ObjectNode body = Json.readObject(exchange.getRequestBody());
        JsonNode file = body.path("file");
        String displayName = Json.text(file, "displayName");
        String mimeType = h.getFirst("X-Goog-Upload-Header-Content-Type");
        if (mimeType == null || mimeType.isBlank()) {
            mimeType = Json.text(file, "mimeType");
        }
        if (mimeType == null || mimeType.isBlank()) {
            mimeType = "application/octet-stream";
        }
        long declared = -1;
        String declaredRaw = h.getFirst("X-Goog-Upload-Header-Content-Length");
        if (declaredRaw != null) {
            declared = parseLong(declaredRaw, "X-Goog-Upload-Header-Content-Length");
        }
        UploadSession s = files.startUpload(displayName, mimeType, declared);
        String url = Http.origin(exchange, fallbackOrigin) + "/upload/" + apiVersion + "/files?upload_id=" + s.uploadId;
        log.info(
                "Upload {} started: {} bytes declared, {}, display name {}",
                s.uploadId,
                declared,
                mimeType,
                displayName);
        Headers out = exchange.getResponseHeaders();
        out.set("X-Goog-Upload-URL", url);
        out.set(STATUS, "active");
        out.set("X-Goog-Upload-Chunk-Granularity", Long.toString(CHUNK_GRANULARITY));
        out.set("X-Goog-Upload-Control-URL", url);
        Http.sendEmpty(exchange, 200);
    }

    /** A request on the upload URL. The Router has already set the status header to "active" for errors. */
    void onUploadUrl(HttpExchange exchange, String apiVersion, String uploadId) throws IOException {
        Headers respHeaders = exchange.getResponseHeaders();
        UploadSession s = files.upload(uploadId);
        if (s == null) {
            respHeaders.set(STATUS, "final");
            throw ErrorAnswer.notFound("Upload " + uploadId + " not found: it was finalized, refused at finalize,"
                    + " or never started on this emulator. Start a new upload.");
        }
        Set<String> commands = commands(exchange.getRequestHeaders());
        synchronized (s) {
            respHeaders.set(STATUS, s.finalized ? "final" : "active");
            if (commands.contains("query")) {
                query(exchange, s, apiVersion);
                return;
            }
            if (s.finalized) {
                throw ErrorAnswer.failedPrecondition("Upload " + uploadId + " is already finalized.");
            }
            if (!commands.contains("upload") && !commands.contains("finalize")) {
                throw ErrorAnswer.invalidArgument("X-Goog-Upload-Command must be upload, 'upload, finalize', finalize"
                        + " or query (found " + exchange.getRequestHeaders().getFirst("X-Goog-Upload-Command") + ").");
            }
            String offsetRaw = exchange.getRequestHeaders().getFirst("X-Goog-Upload-Offset");
            if (offsetRaw == null && commands.contains("upload")) {
                throw ErrorAnswer.invalidArgument(
                        "X-Goog-Upload-Offset is required with X-Goog-Upload-Command: upload.");
            }
            long offset = offsetRaw == null ? s.received : parseLong(offsetRaw, "X-Goog-Upload-Offset");
            if (offset != s.received) {
                respHeaders.set("X-Goog-Upload-Size-Received", Long.toString(s.received));
                throw ErrorAnswer.invalidArgument("Upload " + uploadId + ": X-Goog-Upload-Offset is " + offset
                        + " but " + s.received + " bytes were received so far; send from offset " + s.received
                        + " (ask with X-Goog-Upload-Command: query).");
            }
            if (commands.contains("upload")) {
                FileStore.append(s, Throttle.in(exchange.getRequestBody(), throttleBytesPerSecond));
            }
            if (!commands.contains("finalize")) {
                respHeaders.set("X-Goog-Upload-Size-Received", Long.toString(s.received));
                Http.sendEmpty(exchange, 200);
                return;
            }
            finalizeUpload(exchange, s, apiVersion);
        }
    }

    private void finalizeUpload(HttpExchange exchange, UploadSession s, String apiVersion) throws IOException {
        s.finalized = true;
        exchange.getResponseHeaders().set(STATUS, "final");
        if (s.declaredSize >= 0 && s.received != s.declaredSize) {
            files.abortUpload(s);
            log.warn(
                    "Upload {} refused at finalize: {} bytes received, {} declared",
                    s.uploadId,
                    s.received,
                    s.declaredSize);
            throw ErrorAnswer.invalidArgument("Upload " + s.uploadId + " finalized with " + s.received
                    + " bytes, but X-Goog-Upload-Header-Content-Length declared " + s.declaredSize
                    + ". The upload is discarded: start again and send every byte.");
        }
        s.file = files.finishUpload(s);
        ObjectNode body = Json.object();
        body.set("file", s.file.toJson(Http.origin(exchange, fallbackOrigin), apiVersion));
        Http.sendJson(exchange, 200, body);
    }

    private void query(HttpExchange exchange, UploadSession s, String apiVersion) throws IOException {
        exchange.getResponseHeaders().set("X-Goog-Upload-Size-Received", Long.toString(s.received));
        if (s.file != null) {
            ObjectNode body = Json.object();
            body.set("file", s.file.toJson(Http.origin(exchange, fallbackOrigin), apiVersion));
            Http.sendJson(exchange, 200, body);
        } else {
            Http.sendEmpty(exchange, 200);
        }
    }

    /** "upload, finalize" → {upload, finalize}; case and spaces do not matter. */
    static Set<String> commands(Headers h) {
        String raw = h.getFirst("X-Goog-Upload-Command");
        if (raw == null) {
            return Set.of();
        }
        return Arrays.stream(raw.split(","))
                .map(c -> c.trim().toLowerCase(Locale.ROOT))
                .filter(c -> !c.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    private static long parseLong(String raw, String header) {
        try {
            long v = Long.parseLong(raw.trim());
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw ErrorAnswer.invalidArgument(header + " must be a non-negative integer, found '" + raw + "'.");
        }
    }

    static boolean isUploadUrl(Map<String, String> query) {
        return query.containsKey("upload_id");
    }
}

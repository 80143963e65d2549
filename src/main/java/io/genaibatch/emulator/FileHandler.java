package io.genaibatch.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/** The Files API endpoints other than upload: get, list, delete and the streamed download. */
final class FileHandler {
    static final int DEFAULT_PAGE_SIZE = 10;
    static final int MAX_PAGE_SIZE = 100;
    /**
     * The service's files.get and files.delete refuse a file id (the name without "files/") over 40 characters,
     * which every batch responses file (files/batch-<36-character batch id>) exceeds: clients download those
     * through {@code :download}, which has no such limit. Modelled so that a client that calls get on an output
     * fails here as it would against the service.
     */
    static final int MAX_FILE_ID = 40;

    private final FileStore files;
    private final long throttleBytesPerSecond;
    private final String fallbackOrigin;

    FileHandler(FileStore files, long throttleBytesPerSecond, String fallbackOrigin) {
        this.files = files;
        this.throttleBytesPerSecond = throttleBytesPerSecond;
        this.fallbackOrigin = fallbackOrigin;
    }

    void get(HttpExchange exchange, String apiVersion, String id) throws IOException {
        checkIdLength(id, "GetFileRequest");
        StoredFile f = files.get(id);
        Http.sendJson(exchange, 200, f.toJson(Http.origin(exchange, fallbackOrigin), apiVersion));
    }

    void list(HttpExchange exchange, String apiVersion, Map<String, String> query) throws IOException {
        int pageSize = Paging.pageSize(query.get("pageSize"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        Paging.Page<StoredFile> page = files.list(pageSize, query.get("pageToken"));
        String origin = Http.origin(exchange, fallbackOrigin);
        ObjectNode body = Json.object();
        ArrayNode items = body.putArray("files");
        page.items().forEach(f -> items.add(f.toJson(origin, apiVersion)));
        if (page.nextPageToken() != null) {
            body.put("nextPageToken", page.nextPageToken());
        }
        Http.sendJson(exchange, 200, body);
    }

    void delete(HttpExchange exchange, String id) throws IOException {
        checkIdLength(id, "DeleteFileRequest");
        files.delete(id);
        Http.sendJson(exchange, 200, Json.object());
    }

    private static void checkIdLength(String nameOrId, String request) {
        String id = nameOrId.startsWith("files/") ? nameOrId.substring("files/".length()) : nameOrId;
        if (id.length() > MAX_FILE_ID) {
            // The service's own wording (python-genai issue 1613).
            throw ApiError.invalidArgument("* " + request + ".name: File ID (name excluding 'files/') cannot be more"
                    + " than " + MAX_FILE_ID + " characters.\n");
        }
    }

    /** The raw bytes, streamed from disk (never whole on heap), throttled when the options say so. */
    void download(HttpExchange exchange, String id, Map<String, String> query) throws IOException {
        if (!"media".equals(query.get("alt"))) {
            throw ApiError.invalidArgument("Download needs ?alt=media (found alt=" + query.get("alt") + ").");
        }
        StoredFile f = files.get(id);
        InputStream in;
        try {
            in = Files.newInputStream(f.blob());
        } catch (java.nio.file.NoSuchFileException e) {
            throw ApiError.notFound("File " + f.name() + " has no content any more (deleted meanwhile).");
        }
        try (in) {
            exchange.getResponseHeaders().set("Content-Type", f.mimeType());
            exchange.getResponseHeaders().set("Content-Disposition", "attachment");
            Http.startResponse(exchange, 200, f.sizeBytes() == 0 ? -1 : f.sizeBytes());
            try (OutputStream out = Throttle.out(exchange.getResponseBody(), throttleBytesPerSecond)) {
                in.transferTo(out);
            }
        }
    }
}

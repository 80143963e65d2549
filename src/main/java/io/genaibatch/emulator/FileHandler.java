package io.genaibatch.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

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
    private final AtomicLong bytesServed = new AtomicLong();
    /** Bytes after which the next download's connection is dropped; negative: none scripted. */
    private final AtomicLong cutNextAfter = new AtomicLong(-1);

    private static final java.util.regex.Pattern OPEN_RANGE = java.util.regex.Pattern.compile("bytes=(\\d+)-");

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
        int pageSize = Paging.pageSize(Json.param(query, "pageSize"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        Paging.Page<StoredFile> page = files.list(pageSize, Json.param(query, "pageToken"));
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
            throw ErrorAnswer.invalidArgument("* " + request + ".name: File ID (name excluding 'files/') cannot be more"
                    + " than " + MAX_FILE_ID + " characters.\n");
        }
    }

    /**
     * The raw bytes, streamed from disk (never whole on heap), throttled when the options say so. {@code Range:
     * bytes=N-} (what a client resuming a cut download sends) is answered 206 with the bytes from N on, and 416 when N
     * is at or past the end; any other Range form is ignored (200, the whole file), as RFC 9110 allows.
     */
    void download(HttpExchange exchange, String id, Map<String, String> query) throws IOException {
        if (!"media".equals(query.get("alt"))) {
            throw ErrorAnswer.invalidArgument("Download needs ?alt=media (found alt=" + query.get("alt") + ").");
        }
        StoredFile f = files.get(id);
        InputStream in;
        try {
            in = Files.newInputStream(f.blob());
        } catch (java.nio.file.NoSuchFileException e) {
            throw ErrorAnswer.notFound("File " + f.name() + " has no content any more (deleted meanwhile).");
        }
        try (in) {
            long size = f.sizeBytes();
            long from = rangeStart(exchange.getRequestHeaders().getFirst("Range"));
            if (from >= size && from > 0) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + size);
                Http.startResponse(exchange, 416, -1);
                exchange.getResponseBody().close();
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", f.mimeType());
            exchange.getResponseHeaders().set("Content-Disposition", "attachment");
            exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
            if (from > 0) {
                in.skipNBytes(from);
                exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (size - 1) + "/" + size);
                Http.startResponse(exchange, 206, size - from);
            } else {
                Http.startResponse(exchange, 200, size == 0 ? -1 : size);
            }
            long cutAfter = cutNextAfter.getAndSet(-1);
            try (OutputStream out = Throttle.out(
                    new CountingOutputStream(exchange.getResponseBody(), bytesServed, cutAfter),
                    throttleBytesPerSecond)) {
                in.transferTo(out);
            }
        }
    }

    /** Bytes of file content written to download responses so far (a cut download counts what went out). */
    long bytesServed() {
        return bytesServed.get();
    }

    /** N of {@code bytes=N-}; 0 for no header or any other form. */
    static long rangeStart(String range) {
        if (range == null) {
            return 0;
        }
        java.util.regex.Matcher m = OPEN_RANGE.matcher(range.trim());
        if (!m.matches()) {
            return 0;
        }
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Drops the connection of the next download once {@code afterBytes} of its content went out. */
    void cutNextDownload(long afterBytes) {
        cutNextAfter.set(afterBytes);
    }

    /**
     * Counts what goes through, into a counter the emulator's tests read; with {@code cutAfter} >= 0, fails once that
     * many bytes went out, which drops the connection short of its Content-Length (a link cut mid-download).
     */
    private static final class CountingOutputStream extends java.io.FilterOutputStream {
        private final AtomicLong counter;
        private final long cutAfter;
        private long written;

        CountingOutputStream(OutputStream out, AtomicLong counter, long cutAfter) {
            super(out);
            this.counter = counter;
            this.cutAfter = cutAfter;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int n = cutAfter < 0 ? len : (int) Math.min(len, Math.max(0, cutAfter - written));
            out.write(b, off, n);
            written += n;
            counter.addAndGet(n);
            if (n < len) {
                out.flush();
                throw new IOException("download cut after " + written + " bytes (scripted)");
            }
        }
    }
}

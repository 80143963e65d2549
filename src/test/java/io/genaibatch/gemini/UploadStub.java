package io.genaibatch.gemini;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A resumable upload server that answers {@code start} and {@code query} as the protocol says and each chunk by the
 * test's rule: for the faults the emulator cannot make on demand (an answer lost after the bytes were kept, a 5xx on
 * one chunk). Records what it was sent, e.g. {@code upload@262144}.
 */
final class UploadStub implements AutoCloseable {
    /** What the stub does with one chunk: the status it answers and how many of the chunk's bytes it keeps. */
    record Answer(int status, long keep) {
        static Answer ok(long bodyBytes) {
            return new Answer(200, bodyBytes);
        }
    }

    /** The test's rule for one chunk. */
    interface Chunks {
        /**
         * @param received bytes the stub holds before this chunk
         * @param request  this request's number, from 1 (the start)
         */
        Answer answer(String command, long offset, long bodyBytes, long received, int request);
    }

    final List<String> seen = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private long received;

    private UploadStub(Chunks chunks) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String command = exchange.getRequestHeaders().getFirst("X-Goog-Upload-Command");
            String offset = exchange.getRequestHeaders().getFirst("X-Goog-Upload-Offset");
            long bodyBytes = exchange.getRequestBody().readAllBytes().length;
            seen.add(command + (offset == null ? "" : "@" + offset));
            var h = exchange.getResponseHeaders();
            int status = 200;
            byte[] body = new byte[0];
            if (command.equals("start")) {
                h.set("X-Goog-Upload-URL", baseUrl() + "/upload?upload_id=u");
            } else if (command.equals("query")) {
                h.set("X-Goog-Upload-Status", "active");
                h.set("X-Goog-Upload-Size-Received", Long.toString(received));
            } else {
                Answer answer = chunks.answer(command, Long.parseLong(offset), bodyBytes, received, seen.size());
                received += answer.keep();
                status = answer.status();
                h.set("X-Goog-Upload-Status", command.contains("finalize") ? "final" : "active");
                if (status == 200 && command.contains("finalize")) {
                    body = ("{\"file\": {\"name\": \"files/stub\", \"sizeBytes\": \"" + received + "\"}}")
                            .getBytes(StandardCharsets.UTF_8);
                }
            }
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
    }

    static UploadStub start(Chunks chunks) throws IOException {
        return new UploadStub(chunks);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

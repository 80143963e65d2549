package io.genaibatch.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our client of the resumable upload protocol (start, upload, {@code upload, finalize}, query), replacing
 * the SDK's {@code files.upload}, which truncates on a short read, crashes on a size that is a multiple of
 * 8 MiB, overflows its int offset at 2 GiB and never resumes (docs/PROTOCOL.md).
 *
 * <p>Each chunk is read from the file with positional reads at a long offset while OkHttp writes it, so
 * the heap holds one small copy buffer, not the chunk. After a failed chunk (connection cut, timeout,
 * 5xx) the next attempt asks the server how much it has ({@code query}) and goes on from there.
 */
final class ResumableUpload {
    private static final Logger log = LoggerFactory.getLogger(ResumableUpload.class);
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");
    private static final int COPY_BUFFER = 64 * 1024;
    /** How often a wrong-offset answer may move our offset to the server's count in one upload. */
    private static final int MAX_RESYNCS = 5;

    private final RestClient rest;
    private final RetryPolicy retry;
    private final int chunkBytes;

    ResumableUpload(RestClient rest, RetryPolicy retry, int chunkBytes) {
        this.rest = rest;
        this.retry = retry;
        this.chunkBytes = chunkBytes;
    }

    FileInfo upload(Path file, String mimeType, String displayName) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the size of " + file, e);
        }
        String op = "upload " + file.getFileName();
        Session session = retry.call(op + " (start)", () -> start(op, size, mimeType, displayName));
        log.info("Upload of {} ({} bytes, {}) started", file, size, mimeType);
        FileInfo result = send(op, file, size, session);
        if (result.sizeBytes() >= 0 && result.sizeBytes() != size) {
            throw GeminiApiException.protocol(
                    op,
                    "the server stored " + result.sizeBytes() + " bytes of " + result.name() + " but the file has "
                            + size,
                    null);
        }
        log.info("Upload of {} finished as {} ({} bytes)", file, result.name(), size);
        return result;
    }

    /** The upload URL, and the chunk size rounded up to a multiple of the server's granularity. */
    record Session(HttpUrl url, long chunkBytes) {}

    private Session start(String op, long size, String mimeType, String displayName) {
        ObjectNode body = OperationJson.MAPPER.createObjectNode();
        ObjectNode fileNode = body.putObject("file");
        if (displayName != null && !displayName.isEmpty()) {
            fileNode.put("displayName", displayName);
        }
        fileNode.put("mimeType", mimeType);
        Request request = rest.request(rest.uploadStart())
                .header("X-Goog-Upload-Protocol", "resumable")
                .header("X-Goog-Upload-Command", "start")
                .header("X-Goog-Upload-Header-Content-Length", Long.toString(size))
                .header("X-Goog-Upload-Header-Content-Type", mimeType)
                .post(RestClient.json(body.toString()))
                .build();
        try (Response response = rest.send(op + " (start)", request)) {
            String url = response.header("X-Goog-Upload-URL");
            if (url == null || url.isBlank()) {
                throw GeminiApiException.protocol(op, "the upload start answer has no X-Goog-Upload-URL", null);
            }
            long chunk = chunkBytes;
            String granularity = response.header("X-Goog-Upload-Chunk-Granularity");
            if (granularity != null) {
                try {
                    long g = Long.parseLong(granularity.trim());
                    if (g > 0) {
                        chunk = (chunk + g - 1) / g * g;
                    }
                } catch (NumberFormatException ignored) {
                    // A granularity we cannot read leaves our chunk size as configured.
                }
            }
            return new Session(rest.resolve(op + " (start)", url), chunk);
        }
    }

    private FileInfo send(String op, Path file, long size, Session session) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long[] offset = {0};
            boolean[] mustQuery = {false};
            int[] resyncs = {0};
            Instant progressAt = retry.now();
            while (true) {
                Step step;
                try {
                    step = retry.call(op + " (chunk at " + offset[0] + ")", () -> {
                        if (mustQuery[0]) {
                            Step q = query(op, session.url());
                            if (q.file != null) {
                                return q;
                            }
                            if (q.received > size) {
                                throw GeminiApiException.protocol(
                                        op,
                                        "the server has " + q.received + " bytes, more than the file's " + size,
                                        null);
                            }
                            log.info("{}: resuming at byte {} of {} after an interruption", op, q.received, size);
                            offset[0] = q.received;
                            mustQuery[0] = false;
                        }
                        try {
                            return chunk(op, session, channel, offset[0], size);
                        } catch (GeminiApiException e) {
                            if (e.httpStatus() == 400 && resyncs[0] < MAX_RESYNCS) {
                                // A wrong offset: the bytes of an interrupted chunk may have reached the server
                                // after our query answered. Take the server's count when it differs from ours.
                                Step q = query(op, session.url());
                                if (q.file != null || q.received != offset[0]) {
                                    resyncs[0]++;
                                    log.info(
                                            "{}: server holds {} bytes, not {}; resuming from there",
                                            op,
                                            q.received,
                                            offset[0]);
                                    return q;
                                }
                            }
                            // The server may hold part of this chunk: ask before sending more.
                            mustQuery[0] = e.isRetriable();
                            throw e;
                        }
                    });
                } catch (GeminiApiException e) {
                    // Given up on an open circuit, the next try would start a new upload and send every byte again.
                    if (retry.waitOutOpenCircuit(e, progressAt)) {
                        continue;
                    }
                    throw e;
                }
                progressAt = retry.now();
                if (step.file != null) {
                    return step.file;
                }
                if (step.received > size) {
                    throw GeminiApiException.protocol(
                            op, "the server has " + step.received + " bytes, more than the file's " + size, null);
                }
                offset[0] = step.received;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + " for upload", e);
        }
    }

    /** The server's answer to a chunk or a query: bytes received so far, or the finished file. */
    private record Step(long received, FileInfo file) {}

    private Step chunk(String op, Session session, FileChannel channel, long offset, long size) {
        long length = Math.min(session.chunkBytes(), size - offset);
        boolean last = offset + length >= size;
        Request request = rest.request(session.url())
                .header("X-Goog-Upload-Command", last ? "upload, finalize" : "upload")
                .header("X-Goog-Upload-Offset", Long.toString(offset))
                .post(new FileRegion(channel, offset, length))
                .build();
        try (Response response = rest.send(op, request)) {
            String status = response.header("X-Goog-Upload-Status");
            if ("final".equalsIgnoreCase(status) || last) {
                return new Step(size, fileFrom(op, response));
            }
            return new Step(offset + length, null);
        }
    }

    private Step query(String op, HttpUrl url) {
        Request request = rest.request(url)
                .header("X-Goog-Upload-Command", "query")
                .post(RequestBody.create(new byte[0], null))
                .build();
        try (Response response = rest.send(op + " (query)", request)) {
            if ("final".equalsIgnoreCase(response.header("X-Goog-Upload-Status"))) {
                return new Step(-1, fileFrom(op, response));
            }
            String received = response.header("X-Goog-Upload-Size-Received");
            if (received == null) {
                throw GeminiApiException.protocol(op, "the query answer has no X-Goog-Upload-Size-Received", null);
            }
            try {
                return new Step(Long.parseLong(received.trim()), null);
            } catch (NumberFormatException e) {
                throw GeminiApiException.protocol(op, "X-Goog-Upload-Size-Received is not a number: " + received, e);
            }
        }
    }

    private static FileInfo fileFrom(String op, Response response) {
        try {
            JsonNode body = OperationJson.MAPPER.readTree(response.body().byteStream());
            JsonNode file = body == null ? null : body.get("file");
            if (file == null || !file.hasNonNull("name")) {
                throw GeminiApiException.protocol(op, "the finalized upload's answer has no file: " + body, null);
            }
            return OperationJson.toFile(file);
        } catch (IOException e) {
            throw RestClient.transportFailure(op, e);
        }
    }

    /**
     * {@code length} bytes of the file from {@code offset}, read with positional reads each time OkHttp
     * writes the body. One-shot: OkHttp must not resend it by itself after a cut connection, since the
     * server may hold part of it; we query first.
     */
    private static final class FileRegion extends RequestBody {
        private final FileChannel channel;
        private final long offset;
        private final long length;

        FileRegion(FileChannel channel, long offset, long length) {
            this.channel = channel;
            this.offset = offset;
            this.length = length;
        }

        @Override
        public MediaType contentType() {
            return OCTETS;
        }

        @Override
        public long contentLength() {
            return length;
        }

        @Override
        public boolean isOneShot() {
            return true;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(COPY_BUFFER, Math.max(1, length)));
            long position = offset;
            long end = offset + length;
            while (position < end) {
                buffer.clear();
                buffer.limit((int) Math.min(buffer.capacity(), end - position));
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new IOException("the file ended at byte " + position + " while " + end
                            + " were expected: it changed during the upload");
                }
                buffer.flip();
                sink.write(buffer);
                position += n;
            }
        }
    }
}

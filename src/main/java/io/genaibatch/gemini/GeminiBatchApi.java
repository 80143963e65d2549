package io.genaibatch.gemini;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.genai.types.InlinedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BatchApi} over the SDK (create, createEmbeddings, delete, file get/delete) and our own HTTP
 * (get, list, cancel, inline results, upload, download): docs/GEMINI-CLIENT.md says why for each.
 */
final class GeminiBatchApi implements BatchApi {
    private static final Logger log = LoggerFactory.getLogger(GeminiBatchApi.class);

    private final GeminiSettings settings;
    private final OkHttpClient http;
    private final ExecutorService dispatcherThreads;
    private final RestClient rest;
    private final SdkCalls sdk;
    private final RetryPolicy retry;
    private final ResumableUpload uploads;

    GeminiBatchApi(GeminiSettings settings, RetryPolicy retry, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.retry = Objects.requireNonNull(retry, "retry");
        // OkHttp only uses the dispatcher for async calls (we make none), but its threads get our names anyway.
        this.dispatcherThreads =
                new ThreadPoolExecutor(0, 16, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), named("gemini-http"));
        this.http = new OkHttpClient.Builder()
                .dispatcher(new Dispatcher(dispatcherThreads))
                .connectTimeout(settings.connectTimeout())
                .readTimeout(settings.requestTimeout())
                .writeTimeout(settings.requestTimeout())
                // OkHttp would silently resend a request (a create included) after some connection failures;
                // one retry owner only: RetryPolicy, which never resends a create that may have arrived.
                .retryOnConnectionFailure(false)
                // OkHttp follows redirects itself and keeps our x-goog-api-key header across hosts; the
                // interceptor sees each hop and removes the key from any not for the API's origin.
                .addNetworkInterceptor(
                        ApiOrigin.of(HttpUrl.get(settings.baseUrl())).keyStripper())
                .build();
        this.rest = new RestClient(http, settings.baseUrl(), settings.apiVersion(), settings.apiKey(), clock);
        this.sdk = new SdkCalls(settings, http, clock);
        this.uploads = new ResumableUpload(rest, retry, settings.uploadChunkBytes());
    }

    static GeminiBatchApi open(GeminiSettings settings) {
        return new GeminiBatchApi(settings, RetryPolicy.of(settings.retry()), Clock.systemUTC());
    }

    @Override
    public BatchJobInfo create(String model, String displayName, BatchInput input) {
        String op = "create batch " + displayName;
        BatchJobInfo job;
        if (input instanceof BatchInput.UploadedFile f) {
            job = retry.call(op, false, () -> sdk.createFromFile(op, model, displayName, f.fileName()));
        } else {
            Path spool = ((BatchInput.InlineSpool) input).spool();
            List<InlinedRequest> requests;
            try {
                requests = InlineRequests.read(spool, settings.maxInlineBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read inline spool " + spool + " for " + displayName, e);
            }
            job = retry.call(op, false, () -> sdk.createFromInline(op, model, displayName, requests));
        }
        log.info("Created batch job {} for {} ({}, model {})", job.name(), displayName, describe(input), model);
        return job;
    }

    @Override
    public BatchJobInfo createEmbeddings(String model, String displayName, BatchInput input) {
        String op = "create embeddings batch " + displayName;
        if (!(input instanceof BatchInput.UploadedFile f)) {
            throw new IllegalArgumentException(op + ": inline embedding batches are refused (their requests carry no"
                    + " key, so results could only be matched by position, and the SDK 2.0.0 drops inline vectors);"
                    + " upload the spool as a JSONL file and pass BatchInput.file(name)");
        }
        BatchJobInfo job =
                retry.call(op, false, () -> sdk.createEmbeddingsFromFile(op, model, displayName, f.fileName()));
        log.info(
                "Created embeddings batch job {} for {} (file {}, model {})",
                job.name(),
                displayName,
                f.fileName(),
                model);
        return job;
    }

    @Override
    public java.util.Optional<String> unavailable() {
        return retry.circuitOpen();
    }

    @Override
    public BatchJobInfo get(String jobName) {
        String name = batchName(jobName);
        String op = "get " + name;
        return retry.call(op, () -> {
            Request request = rest.request(rest.api(name)).get().build();
            try (Response response = rest.send(op, request);
                    JsonParser p = OperationJson.MAPPER
                            .getFactory()
                            .createParser(response.body().byteStream())) {
                return OperationJson.readOperation(p);
            } catch (IOException e) {
                throw RestClient.transportFailure(op, e);
            }
        });
    }

    @Override
    public Stream<BatchJobInfo> list(int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("list pageSize must be >= 1, found " + pageSize);
        }
        Iterator<BatchJobInfo> pages = new Iterator<>() {
            private Iterator<BatchJobInfo> page = List.<BatchJobInfo>of().iterator();
            private String nextToken;
            private boolean started;

            @Override
            public boolean hasNext() {
                while (!page.hasNext()) {
                    if (started && nextToken == null) {
                        return false;
                    }
                    Page p = listPage(pageSize, nextToken);
                    started = true;
                    nextToken = p.nextPageToken();
                    page = p.jobs().iterator();
                }
                return true;
            }

            @Override
            public BatchJobInfo next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.next();
            }
        };
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    private record Page(List<BatchJobInfo> jobs, String nextPageToken) {}

    private Page listPage(int pageSize, String pageToken) {
        String op = "list batches" + (pageToken == null ? "" : " (page " + pageToken + ")");
        return retry.call(op, () -> {
            HttpUrl.Builder url =
                    rest.api("batches").newBuilder().addQueryParameter("pageSize", Integer.toString(pageSize));
            if (pageToken != null) {
                url.addQueryParameter("pageToken", pageToken);
            }
            try (Response response =
                            rest.send(op, rest.request(url.build()).get().build());
                    JsonParser p = OperationJson.MAPPER
                            .getFactory()
                            .createParser(response.body().byteStream())) {
                OperationJson.expect(p, JsonToken.START_OBJECT, "a list answer");
                List<BatchJobInfo> jobs = new ArrayList<>();
                String next = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken t = p.nextToken();
                    if (field.equals("operations") && t == JsonToken.START_ARRAY) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            jobs.add(OperationJson.readOperation(p));
                        }
                    } else if (field.equals("nextPageToken")) {
                        next = p.getValueAsString();
                    } else {
                        p.skipChildren();
                    }
                }
                // An empty token means "no more pages" too (a pager that followed it would loop forever).
                return new Page(jobs, next == null || next.isEmpty() ? null : next);
            } catch (IOException e) {
                throw RestClient.transportFailure(op, e);
            }
        });
    }

    /** Our own call: the SDK's cancel ignores the HTTP status, so a 404 would pass for success. */
    @Override
    public void cancel(String jobName) {
        String name = batchName(jobName);
        String op = "cancel " + name;
        retryVoid(op, () -> {
            Request request = rest.request(rest.api(name + ":cancel"))
                    .post(RestClient.json("{}"))
                    .build();
            rest.send(op, request).close();
        });
        log.info("Cancelled batch job {}", name);
    }

    @Override
    public void delete(String jobName) {
        String name = batchName(jobName);
        String op = "delete " + name;
        retryVoid(op, () -> sdk.delete(op, name));
        log.info("Deleted batch job {}", name);
    }

    @Override
    public Stream<InlineResult> inlineResults(String jobName) {
        String name = batchName(jobName);
        String op = "read inline results of " + name;
        Response response = retry.call(
                op, () -> rest.send(op, rest.request(rest.api(name)).get().build()));
        try {
            JsonParser p = OperationJson.MAPPER
                    .getFactory()
                    .createParser(response.body().byteStream());
            InlineResultIterator results = new InlineResultIterator(op, name, p, response);
            return StreamSupport.stream(
                            Spliterators.spliteratorUnknownSize(results, Spliterator.ORDERED | Spliterator.NONNULL),
                            false)
                    .onClose(results::close);
        } catch (IOException | RuntimeException e) {
            response.close();
            if (e instanceof IOException io) {
                throw RestClient.transportFailure(op, io);
            }
            throw (RuntimeException) e;
        }
    }

    /** Walks the inlined responses of one streamed operation, one parsed element at a time. */
    private static final class InlineResultIterator implements Iterator<InlineResult> {
        private final String op;
        private final String jobName;
        private final JsonParser parser;
        private final Response response;
        private boolean positioned;
        private InlineResult next;
        private int index;
        private boolean done;

        InlineResultIterator(String op, String jobName, JsonParser parser, Response response) {
            this.op = op;
            this.jobName = jobName;
            this.parser = parser;
            this.response = response;
        }

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            if (done) {
                return false;
            }
            try {
                if (!positioned) {
                    OperationJson.Position pos = OperationJson.seekInlineResponses(parser);
                    positioned = true;
                    if (!pos.found) {
                        done = true;
                        throw new IllegalStateException("batch job " + jobName + " has no inline responses (state "
                                + pos.state
                                + (pos.responsesFile == null
                                        ? ""
                                        : ", results in file " + pos.responsesFile + ": download it instead")
                                + ")");
                    }
                }
                JsonToken t = parser.nextToken();
                if (t == JsonToken.START_OBJECT) {
                    next = OperationJson.readInlineResult(parser, index++);
                    return true;
                }
                if (t != JsonToken.END_ARRAY) {
                    throw new IOException(
                            "expected an inlined response object, found " + t + " at " + parser.currentLocation());
                }
                done = true;
                return false;
            } catch (IOException e) {
                done = true;
                throw RestClient.transportFailure(op, e);
            }
        }

        @Override
        public InlineResult next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            InlineResult r = next;
            next = null;
            return r;
        }

        void close() {
            try {
                parser.close();
            } catch (IOException ignored) {
                // Closing the response below releases the connection either way.
            }
            response.close();
        }
    }

    @Override
    public FileInfo uploadFile(Path file, String mimeType, String displayName) {
        Objects.requireNonNull(mimeType, "mimeType (always pass it: .jsonl is not a type the JDK can probe)");
        return uploads.upload(file, mimeType, displayName);
    }

    @Override
    public FileInfo getFile(String fileName) {
        String name = fileName(fileName);
        String op = "get " + name;
        return retry.call(op, () -> sdk.getFile(op, name));
    }

    @Override
    public void deleteFile(String fileName) {
        String name = fileName(fileName);
        String op = "delete " + name;
        retryVoid(op, () -> sdk.deleteFile(op, name));
        log.info("Deleted file {}", name);
    }

    /**
     * Our own streaming GET: the SDK's download holds the whole body in one byte[] (and fails past 2 GiB). The bytes
     * go to {@code <target>.part}, kept when the transfer is cut (a failed attempt, an interrupted thread, a crash):
     * the next attempt, in this call or a later one, asks only for the rest with {@code Range: bytes=<have>-}, so a
     * multi-GB output cut near its end is not fetched again from its start. A server that ignores the Range (200)
     * is read from the start again; one that answers 416 (the part is at or past the file's end: not this file's
     * prefix) has the part dropped and the file fetched whole.
     */
    @Override
    public long downloadFile(String fileName, Path target) {
        String name = fileName(fileName);
        String op = "download " + name;
        Path part = target.resolveSibling(target.getFileName() + ".part");
        long bytes = retry.call(op, () -> downloadOnce(op, name, part));
        try {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("downloaded " + name + " but cannot move it to " + target, e);
        }
        log.info("Downloaded {} to {} ({} bytes)", name, target, bytes);
        return bytes;
    }

    /** One GET of the file, or of what {@code part} lacks of it; returns the size of the whole file. */
    private long downloadOnce(String op, String name, Path part) {
        long have = sizeOf(part);
        HttpUrl url = rest.api(name + ":download")
                .newBuilder()
                .addQueryParameter("alt", "media")
                .build();
        Request.Builder request = rest.request(url).get();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        Response response;
        try {
            response = rest.send(op, request.build());
        } catch (GeminiApiException e) {
            if (have > 0 && e.httpStatus() == 416) {
                log.warn(
                        "{}: the {} bytes kept from an earlier attempt are not a prefix of the file (416); "
                                + "downloading it whole",
                        op,
                        have);
                deleteQuietly(part);
                return downloadOnce(op, name, part);
            }
            throw e;
        }
        try (response;
                InputStream in = response.body().byteStream()) {
            boolean resumed = have > 0 && response.code() == 206;
            if (resumed && !String.valueOf(response.header("Content-Range")).startsWith("bytes " + have + "-")) {
                throw GeminiApiException.protocol(
                        op,
                        "asked for bytes " + have + "- and got Content-Range " + response.header("Content-Range"),
                        null);
            }
            if (have > 0 && !resumed) {
                log.info(
                        "{}: the server sent the whole file, not the rest after the {} bytes kept; starting over",
                        op,
                        have);
            } else if (resumed) {
                log.info("{}: resuming after the {} bytes kept from an earlier attempt", op, have);
            }
            long n;
            try (OutputStream out = resumed
                    ? Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                    : Files.newOutputStream(part)) {
                n = in.transferTo(out);
            }
            long expected = response.body().contentLength();
            if (expected >= 0 && n != expected) {
                throw GeminiApiException.transport(op, "got " + n + " of " + expected + " bytes", false, null);
            }
            return (resumed ? have : 0) + n;
        } catch (IOException e) {
            throw RestClient.transportFailure(op, e);
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + file, e);
        }
    }

    @Override
    public void close() {
        sdk.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /** A call that answers nothing (cancel, delete), under the retry policy like every other. */
    private void retryVoid(String op, Runnable call) {
        retry.call(op, () -> {
            call.run();
            return null;
        });
    }

    /** {@code batches/abc} or {@code abc} → {@code batches/abc}. */
    static String batchName(String jobName) {
        return resourceName("batches/", jobName);
    }

    /** {@code files/abc} or {@code abc} → {@code files/abc}. */
    static String fileName(String name) {
        return resourceName("files/", name);
    }

    private static String resourceName(String prefix, String name) {
        Objects.requireNonNull(name, "name");
        String id = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
        if (id.isEmpty() || id.contains("/") || id.contains(":") || id.contains("?") || id.contains("#")) {
            throw new IllegalArgumentException("expected " + prefix + "<id>, found '" + name + "'");
        }
        return prefix + id;
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("Cannot delete the partial download {}: {}", path, e.toString());
        }
    }

    private static String describe(BatchInput input) {
        return input instanceof BatchInput.UploadedFile f
                ? "file " + f.fileName()
                : "inline from " + ((BatchInput.InlineSpool) input).spool().getFileName();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}

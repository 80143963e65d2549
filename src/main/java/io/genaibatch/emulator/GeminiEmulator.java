package io.genaibatch.emulator;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local server that speaks the Gemini Batch and Files REST protocol (docs/PROTOCOL.md), for
 * the unchanged google-genai SDKs to talk to through their base URL. Like MockWebServer, it is a real HTTP
 * server with a handle for tests: script faults, read the request log, count jobs, force job states.
 *
 * <pre>{@code
 * try (GeminiEmulator emulator = GeminiEmulator.start(EmulatorOptions.defaults())) {
 *     Client client = Client.builder().apiKey("any").httpOptions(HttpOptions.builder()
 *             .baseUrl(emulator.baseUrl()).apiVersion("v1beta").build()).build();
 *     ...
 * }
 * }</pre>
 */
public final class GeminiEmulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GeminiEmulator.class);
    /** Jobs waiting for a processing thread; beyond it a job fails at once rather than queue without end. */
    private static final int JOB_QUEUE_CAPACITY = 10_000;

    private final EmulatorOptions options;
    private final HttpServer server;
    private final ThreadPoolExecutor httpThreads;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ThreadPoolExecutor workers;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final RequestLog requestLog;
    /** Request text that makes a create fail (a test handle); null for none. */
    private final java.util.concurrent.atomic.AtomicReference<String> refusedContent =
            new java.util.concurrent.atomic.AtomicReference<>();

    private final FaultPlan faults;
    private final BatchStore batches;
    private final FileHandler fileHandler;
    private final String baseUrl;

    private GeminiEmulator(EmulatorOptions options) throws IOException {
        this.options = options;
        this.ownsDataDir = options.dataDir() == null;
        this.dataDir = ownsDataDir
                ? Files.createTempDirectory("gemini-emulator-")
                : Files.createDirectories(options.dataDir());
        Clock clock = Clock.systemUTC();
        this.requestLog = new RequestLog(options.requestLogCapacity());
        FaultCounts faultCounts = new FaultCounts();
        this.faults = new FaultPlan(options, faultCounts);
        this.scheduler = new ScheduledThreadPoolExecutor(1, named("emulator-scheduler"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.workers = new ThreadPoolExecutor(
                2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(JOB_QUEUE_CAPACITY), named("emulator-batch"));
        this.httpThreads = new ThreadPoolExecutor(
                options.httpThreads(),
                options.httpThreads(),
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(1024),
                named("emulator-http"),
                // A full queue slows the accepting thread down instead of dropping connections.
                new ThreadPoolExecutor.CallerRunsPolicy());
        try {
            // A data directory the user gave keeps the state across restarts; a temp one dies with this run anyway.
            StateDir state = ownsDataDir ? null : StateDir.open(dataDir);
            FileStore files = new FileStore(dataDir, options.seed(), clock, state);
            disableNagle();
            this.server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
            String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
            this.baseUrl = "http://" + ("0.0.0.0".equals(host) ? "127.0.0.1" : host) + ":"
                    + server.getAddress().getPort();
            BatchProcessor processor = new BatchProcessor(
                    options,
                    new AnswerGenerator(options.embeddingDimension(), options.answerBytes()),
                    files,
                    faultCounts);
            this.batches = new BatchStore(options, clock, dataDir, processor, faultCounts, scheduler, workers, state);
            batches.resume();
            Router router = new Router(
                    options,
                    requestLog,
                    faults,
                    new BatchHandler(batches, files, options.knownModels(), refusedContent),
                    fileHandler = new FileHandler(files, options.throttleBytesPerSecond(), baseUrl),
                    new UploadHandler(files, options.throttleBytesPerSecond(), baseUrl),
                    new AdminHandler(batches, faults, requestLog, faultCounts));
            server.createContext("/", router);
            server.setExecutor(httpThreads);
            server.start();
        } catch (IOException | RuntimeException e) {
            shutdownExecutors();
            throw e;
        }
        log.info(
                "Gemini emulator listening at {} (data in {}, jobs PENDING {} ms then RUNNING {} ms, seed {})",
                baseUrl,
                dataDir,
                options.pendingMillis(),
                options.runningMillis(),
                options.seed());
    }

    /** Starts a server with these options; close it when done. */
    public static GeminiEmulator start(EmulatorOptions options) throws IOException {
        return new GeminiEmulator(options);
    }

    /** {@code http://host:port}, with no path: give it to {@code HttpOptions.baseUrl}. */
    public String baseUrl() {
        return baseUrl;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public EmulatorOptions options() {
        return options;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Drops the connection of the next file download once {@code afterBytes} of its content went out, short of its
     * Content-Length: a link cut mid-download. A client resuming with {@code Range: bytes=N-} gets the rest (206).
     */
    public void cutNextDownload(long afterBytes) {
        fileHandler.cutNextDownload(afterBytes);
    }

    /** Bytes of file content the download endpoint has sent so far, whole or ranged, cut or not. */
    public long bytesDownloaded() {
        return fileHandler.bytesServed();
    }

    /** How many batch jobs were created with this display name (cancelled and deleted ones included). */
    public int jobsCreatedFor(String displayName) {
        return batches.createdFor(displayName);
    }

    /** All of {@link #jobsCreatedFor}, sorted by display name; jobs without one count under "". */
    public Map<String, Integer> jobsCreatedByDisplayName() {
        return batches.createdByDisplayName();
    }

    /** The oldest request not yet taken, waiting up to the timeout; null when none came. */
    public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
        return requestLog.take(timeout);
    }

    /** The requests still in the log (bounded by requestLogCapacity), oldest first, without taking them. */
    public List<RecordedRequest> recordedRequests() {
        return requestLog.snapshot();
    }

    /** Requests received since start, including those the bounded log has dropped. */
    public long requestCount() {
        return requestLog.total();
    }

    public void clearRequestLog() {
        requestLog.clear();
    }

    /** The next {@code count} API requests (admin excluded) are answered with this HTTP status. */
    public void failNextRequests(int count, int httpStatus) {
        faults.failNext(count, httpStatus, null);
    }

    /**
     * As {@link #failNextRequests(int, int)}, for requests whose path (with "?" and the raw query, if any)
     * contains {@code pathContains}: e.g. ":cancel", "/files/", "upload_id=" (upload chunks only).
     */
    public void failNextRequests(int count, int httpStatus, String pathContains) {
        faults.failNext(count, httpStatus, pathContains);
    }

    /** Drops every scripted HTTP failure not yet used. */
    public void clearScriptedFailures() {
        faults.clearScript();
    }

    /**
     * From now on, a batch create (inline or file) any of whose requests contains {@code text} is refused with 400
     * INVALID_ARGUMENT naming that request, as the service refuses a request it cannot accept; null stops it.
     */
    public void refuseCreatesContaining(String text) {
        refusedContent.set(text);
    }

    /**
     * The next {@code count} batch creates make their job and then answer 503, as if the answer had been lost on its
     * way back: the client cannot tell whether the job exists.
     */
    public void loseNextCreateAnswers(int count) {
        batches.loseNextCreateAnswers(count);
    }

    /** From now on a new job appears in list only {@code lag} after its creation (get finds it at once). */
    public void delayJobsInList(java.time.Duration lag) {
        batches.listLag(lag);
    }

    /** The next {@code count} jobs created end with this outcome, whatever the rates say. */
    public void scriptNextJobs(int count, JobOutcome outcome) {
        batches.scriptOutcomes(count, outcome);
    }

    /** SUCCEEDED now, output written; blocks while the job's input is processed. Accepts "batches/x" or "x". */
    public void finishNow(String batchName) {
        batches.finishNow(batchName);
    }

    /** FAILED now, with {@code error: {code, message}} in the raw batch JSON. */
    public void failNow(String batchName, int code, String message) {
        batches.failNow(batchName, code, message);
    }

    /** EXPIRED now. */
    public void expireNow(String batchName) {
        batches.expireNow(batchName);
    }

    /** The job's state as the protocol names it, e.g. {@code BATCH_STATE_RUNNING}. */
    public String batchState(String batchName) {
        return batches.get(batchName).state();
    }

    @Override
    public void close() {
        server.stop(0);
        shutdownExecutors();
        if (ownsDataDir) {
            BatchStore.deleteQuietly(dataDir);
        }
        log.info("Gemini emulator at {} stopped", baseUrl);
    }

    private void shutdownExecutors() {
        scheduler.shutdownNow();
        workers.shutdownNow();
        httpThreads.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
            httpThreads.awaitTermination(10, TimeUnit.SECONDS);
            // A job step still saving its record when close returns could write it after an emulator started
            // again on the same data directory has read it.
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The JDK server writes headers and body in separate packets; with Nagle's algorithm on, a keep-alive
     * client's delayed ACK then costs ~40 ms per request (measured: 45 ms vs under 1 ms), which slows every
     * polling test. The JDK reads this property once, when its first HttpServer starts, so it is set here
     * unless the process chose otherwise.
     */
    private static void disableNagle() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
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

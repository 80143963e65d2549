package io.genaibatch.cli;

import io.genaibatch.emulator.EmulatorOptions;
import io.genaibatch.emulator.GeminiEmulator;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code genai-batch emulator}: the Gemini Batch + Files API emulator as a process, until SIGTERM / Ctrl-C. */
@Command(
        name = "emulator",
        mixinStandardHelpOptions = true,
        header = "Serve a local emulator of the Gemini Batch and Files REST API.",
        description = "Point an SDK at it with base URL http://HOST:PORT and API version v1beta. See docs/EMULATOR.md.",
        sortOptions = false)
public final class EmulatorCommand implements Callable<Integer> {

    @Option(
            names = "--port",
            defaultValue = "8089",
            description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "Interface to bind; 0.0.0.0 for all (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--data-dir",
            description = "Directory for uploaded files, job outputs and the saved state: jobs,"
                    + " files and counters survive a restart on the same directory (default: a temp directory, deleted on"
                    + " exit; nothing survives).")
    Path dataDir;

    @Option(
            names = "--api-key",
            description = "Require this API key (x-goog-api-key or ?key=); missing -> 401,"
                    + " wrong -> 403 (default: any key or none is accepted).")
    String apiKey;

    @Option(
            names = "--admin-open",
            description = "Serve /admin (fault scripting, forced job states) to every caller,"
                    + " e.g. in a container whose published port is bound to the host's loopback (default: false, loopback"
                    + " callers only; others must send the --api-key, and are refused when there is none).")
    boolean adminOpen;

    @Option(
            names = "--pending-ms",
            defaultValue = "0",
            description = "How long a new job stays PENDING (default: ${DEFAULT-VALUE}).")
    long pendingMillis;

    @Option(
            names = "--running-ms",
            defaultValue = "200",
            description = "Minimum time a job stays RUNNING (default: ${DEFAULT-VALUE}).")
    long runningMillis;

    @Option(
            names = "--known-models",
            split = ",",
            description =
                    "Comma-separated model ids accepted, e.g."
                            + " gemini-2.5-flash,gemini-embedding-001 (default: any id starting with gemini-, text-embedding or embedding-).")
    List<String> knownModels = List.of();

    @Option(
            names = "--embedding-dimension",
            defaultValue = "768",
            description = "Vector size when a request has no outputDimensionality (default: ${DEFAULT-VALUE}).")
    int embeddingDimension;

    @Option(
            names = "--answer-bytes",
            defaultValue = "0",
            description = "Pad every generated answer with filler"
                    + " words to at least this many characters, e.g. past Kafka's record limit; 0 = no padding, at most 16000000; a prompt's"
                    + " [emulator:answer-bytes=N] overrides it (default: ${DEFAULT-VALUE}).")
    int answerBytes;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of every random fault and id (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--rate-429",
            defaultValue = "0",
            description = "Fraction of API requests answered 429 RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
    double rate429;

    @Option(
            names = "--rate-503",
            defaultValue = "0",
            description = "Fraction of API requests answered 503 UNAVAILABLE (default: ${DEFAULT-VALUE}).")
    double rate503;

    @Option(
            names = "--retry-after",
            defaultValue = "1",
            description = "Retry-After seconds sent with injected 429/503 (default: ${DEFAULT-VALUE}).")
    int retryAfterSeconds;

    @Option(
            names = "--job-fail-rate",
            defaultValue = "0",
            description = "Fraction of jobs that end FAILED (default: ${DEFAULT-VALUE}).")
    double jobFailRate;

    @Option(
            names = "--job-expire-rate",
            defaultValue = "0",
            description = "Fraction of jobs that end EXPIRED (default: ${DEFAULT-VALUE}).")
    double jobExpireRate;

    @Option(
            names = "--job-stuck-rate",
            defaultValue = "0",
            description = "Fraction of jobs that stay RUNNING forever (default: ${DEFAULT-VALUE}).")
    double jobStuckRate;

    @Option(
            names = "--request-error-rate",
            defaultValue = "0",
            description =
                    "Fraction of requests in a job answered with an error instead of a response (default: ${DEFAULT-VALUE}).")
    double requestErrorRate;

    @Option(
            names = "--request-error-code",
            defaultValue = "500",
            description = "Code of those per-request errors (default: ${DEFAULT-VALUE}).")
    int requestErrorCode;

    @Option(
            names = "--missing-result-rate",
            defaultValue = "0",
            description =
                    "Fraction of requests whose result is silently left out of the output (default: ${DEFAULT-VALUE}).")
    double missingResultRate;

    @Option(
            names = "--throttle-bytes-per-second",
            defaultValue = "0",
            description = "Upload and download speed limit in bytes/s, 0 = unlimited (default: ${DEFAULT-VALUE}).")
    long throttleBytesPerSecond;

    @Option(
            names = "--response-delay-ms",
            defaultValue = "0",
            description = "Delay before every API answer (default: ${DEFAULT-VALUE}).")
    long responseDelayMillis;

    @Option(names = "--inline-out-of-order", description = "Return inline responses shuffled (default: false).")
    boolean inlineOutOfOrder;

    @Option(
            names = "--drop-inline-metadata",
            description = "Do not echo request metadata on inline responses (default: false).")
    boolean dropInlineMetadata;

    @Option(names = "--file-jobs-answer-inline", description = "Answer file jobs with inline output (default: false).")
    boolean fileJobsAnswerInline;

    @Option(
            names = "--inline-jobs-answer-file",
            description = "Answer inline jobs with a responses file (default: false).")
    boolean inlineJobsAnswerFile;

    @Option(
            names = "--request-log-capacity",
            defaultValue = "1000",
            description = "Requests kept in the request log (default: ${DEFAULT-VALUE}).")
    int requestLogCapacity;

    @Option(
            names = "--http-threads",
            defaultValue = "8",
            description = "Threads serving HTTP (default: ${DEFAULT-VALUE}).")
    int httpThreads;

    EmulatorOptions options() {
        return EmulatorOptions.builder()
                .host(host)
                .port(port)
                .dataDir(dataDir)
                .apiKey(apiKey)
                .pendingMillis(pendingMillis)
                .runningMillis(runningMillis)
                .knownModels(new LinkedHashSet<>(knownModels))
                .embeddingDimension(embeddingDimension)
                .answerBytes(answerBytes)
                .seed(seed)
                .rate429(rate429)
                .rate503(rate503)
                .retryAfterSeconds(retryAfterSeconds)
                .jobFailRate(jobFailRate)
                .jobExpireRate(jobExpireRate)
                .jobStuckRate(jobStuckRate)
                .requestErrorRate(requestErrorRate)
                .requestErrorCode(requestErrorCode)
                .missingResultRate(missingResultRate)
                .throttleBytesPerSecond(throttleBytesPerSecond)
                .responseDelayMillis(responseDelayMillis)
                .inlineOutOfOrder(inlineOutOfOrder)
                .dropInlineMetadata(dropInlineMetadata)
                .fileJobsAnswerInline(fileJobsAnswerInline)
                .inlineJobsAnswerFile(inlineJobsAnswerFile)
                .requestLogCapacity(requestLogCapacity)
                .httpThreads(httpThreads)
                .adminOpen(adminOpen)
                .build();
    }

    @Override
    public Integer call() throws Exception {
        EmulatorOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            System.err.println("genai-batch emulator: " + e.getMessage());
            return 2;
        }
        GeminiEmulator emulator = GeminiEmulator.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            emulator.close();
                            stopped.countDown();
                            // log4j's own hook is disabled (log4j2.xml) so that the lines above still get written.
                            LogManager.shutdown();
                        },
                        "emulator-shutdown"));
        // On stdout, whatever the log level: scripts (and `chaos`) wait for this line, as for `kafka`'s.
        System.out.println("Gemini emulator ready: base URL " + emulator.baseUrl() + " (API version v1beta; admin at "
                + emulator.baseUrl() + "/admin/jobs-by-display-name). Stop with Ctrl-C or SIGTERM.");
        System.out.flush();
        stopped.await();
        return 0;
    }
}

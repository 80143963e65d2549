package io.genaibatch.emulator;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the emulator can be told at start. Immutable; build with {@link #builder()}.
 * Rates are fractions in [0, 1]; every random decision derives from {@link #seed()}, so a test run
 * with the same seed and the same requests sees the same faults.
 *
 * @param host                 interface to bind (default 127.0.0.1)
 * @param port                 TCP port, 0 picks a free one (default 0)
 * @param dataDir              where uploaded files, job inputs and outputs live, and the saved state: an
 *                             emulator started again on it serves the jobs, files and counters of the last run
 *                             (docs/EMULATOR.md, "Persistence"); null means a temp directory deleted on close,
 *                             state in memory only (default null)
 * @param apiKey               when set, every API call must carry it (x-goog-api-key or ?key=); null
 *                             accepts any key or none (default null)
 * @param pendingMillis        how long a new job stays PENDING (default 0)
 * @param runningMillis        minimum time a job stays RUNNING (default 200)
 * @param knownModels          model ids accepted (with or without "models/"); empty means any id that
 *                             starts with gemini-, text-embedding or embedding- (default empty)
 * @param embeddingDimension   vector size when a request has no outputDimensionality (default 768)
 * @param answerBytes          every generated answer's text is padded with filler words to at least this many
 *                             characters, 0 = no padding (default 0); a prompt's {@code [emulator:answer-bytes=N]}
 *                             overrides it for that request. The way to answers larger than Kafka's record limit.
 * @param seed                 seed of every random choice (default 0)
 * @param rate429              fraction of API requests answered 429 RESOURCE_EXHAUSTED (default 0)
 * @param rate503              fraction of API requests answered 503 UNAVAILABLE (default 0)
 * @param retryAfterSeconds    Retry-After sent with injected 429/503 (default 1)
 * @param jobFailRate          fraction of jobs that end FAILED (default 0)
 * @param jobExpireRate        fraction of jobs that end EXPIRED (default 0)
 * @param jobStuckRate         fraction of jobs that stay RUNNING forever (default 0)
 * @param requestErrorRate     fraction of requests in a job answered with an error instead of a
 *                             response (default 0)
 * @param requestErrorCode     HTTP-style code of those per-request errors (default 500)
 * @param missingResultRate    fraction of requests whose result is silently left out (default 0)
 * @param throttleBytesPerSecond upload and download speed limit, 0 = unlimited (default 0)
 * @param responseDelayMillis  delay before every API answer (default 0)
 * @param inlineOutOfOrder     inline responses come back shuffled (default false)
 * @param dropInlineMetadata   inline responses do not echo the request metadata (default false)
 * @param fileJobsAnswerInline a file job's output comes back inline (default false)
 * @param inlineJobsAnswerFile an inline job's output comes back as a responses file (default false)
 * @param requestLogCapacity   how many requests the log keeps; the oldest go first (default 1000)
 * @param httpThreads          threads serving HTTP (default 8)
 * @param adminOpen            serve {@code /admin} to every caller; otherwise only to loopback callers and, when
 *                             {@code apiKey} is set, to callers that send it (default false)
 */
public record EmulatorOptions(
        String host,
        int port,
        Path dataDir,
        String apiKey,
        long pendingMillis,
        long runningMillis,
        Set<String> knownModels,
        int embeddingDimension,
        int answerBytes,
        long seed,
        double rate429,
        double rate503,
        int retryAfterSeconds,
        double jobFailRate,
        double jobExpireRate,
        double jobStuckRate,
        double requestErrorRate,
        int requestErrorCode,
        double missingResultRate,
        long throttleBytesPerSecond,
        long responseDelayMillis,
        boolean inlineOutOfOrder,
        boolean dropInlineMetadata,
        boolean fileJobsAnswerInline,
        boolean inlineJobsAnswerFile,
        int requestLogCapacity,
        int httpThreads,
        boolean adminOpen) {

    public EmulatorOptions {
        Objects.requireNonNull(host, "host");
        knownModels = Set.copyOf(knownModels);
        range("port", port, 0, 65535);
        range("pendingMillis", pendingMillis, 0, Long.MAX_VALUE);
        range("runningMillis", runningMillis, 0, Long.MAX_VALUE);
        range("embeddingDimension", embeddingDimension, 1, 65536);
        range("answerBytes", answerBytes, 0, AnswerGenerator.MAX_ANSWER_BYTES);
        rate("rate429", rate429);
        rate("rate503", rate503);
        range("retryAfterSeconds", retryAfterSeconds, 0, 86400);
        rate("jobFailRate", jobFailRate);
        rate("jobExpireRate", jobExpireRate);
        rate("jobStuckRate", jobStuckRate);
        if (jobFailRate + jobExpireRate + jobStuckRate > 1.0) {
            throw new IllegalArgumentException("jobFailRate + jobExpireRate + jobStuckRate must be <= 1, found "
                    + (jobFailRate + jobExpireRate + jobStuckRate));
        }
        rate("requestErrorRate", requestErrorRate);
        range("requestErrorCode", requestErrorCode, 400, 599);
        rate("missingResultRate", missingResultRate);
        range("throttleBytesPerSecond", throttleBytesPerSecond, 0, Long.MAX_VALUE);
        range("responseDelayMillis", responseDelayMillis, 0, 600_000);
        range("requestLogCapacity", requestLogCapacity, 1, 1_000_000);
        range("httpThreads", httpThreads, 1, 256);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static EmulatorOptions defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.dataDir = dataDir;
        b.apiKey = apiKey;
        b.pendingMillis = pendingMillis;
        b.runningMillis = runningMillis;
        b.knownModels = knownModels;
        b.embeddingDimension = embeddingDimension;
        b.answerBytes = answerBytes;
        b.seed = seed;
        b.rate429 = rate429;
        b.rate503 = rate503;
        b.retryAfterSeconds = retryAfterSeconds;
        b.jobFailRate = jobFailRate;
        b.jobExpireRate = jobExpireRate;
        b.jobStuckRate = jobStuckRate;
        b.requestErrorRate = requestErrorRate;
        b.requestErrorCode = requestErrorCode;
        b.missingResultRate = missingResultRate;
        b.throttleBytesPerSecond = throttleBytesPerSecond;
        b.responseDelayMillis = responseDelayMillis;
        b.inlineOutOfOrder = inlineOutOfOrder;
        b.dropInlineMetadata = dropInlineMetadata;
        b.fileJobsAnswerInline = fileJobsAnswerInline;
        b.inlineJobsAnswerFile = inlineJobsAnswerFile;
        b.requestLogCapacity = requestLogCapacity;
        b.httpThreads = httpThreads;
        b.adminOpen = adminOpen;
        return b;
    }

    private static void rate(String name, double value) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(name + " must be a fraction in [0, 1], found " + value);
        }
    }

    private static void range(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], found " + value);
        }
    }

    /** Mutable builder; defaults are those documented on the record. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private Path dataDir;
        private String apiKey;
        private long pendingMillis;
        private long runningMillis = 200;
        private Set<String> knownModels = Set.of();
        private int embeddingDimension = 768;
        private int answerBytes;
        private long seed;
        private double rate429;
        private double rate503;
        private int retryAfterSeconds = 1;
        private double jobFailRate;
        private double jobExpireRate;
        private double jobStuckRate;
        private double requestErrorRate;
        private int requestErrorCode = 500;
        private double missingResultRate;
        private long throttleBytesPerSecond;
        private long responseDelayMillis;
        private boolean inlineOutOfOrder;
        private boolean dropInlineMetadata;
        private boolean fileJobsAnswerInline;
        private boolean inlineJobsAnswerFile;
        private int requestLogCapacity = 1000;
        private int httpThreads = 8;
        private boolean adminOpen;

        private Builder() {}

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        public Builder apiKey(String v) {
            apiKey = v;
            return this;
        }

        public Builder pendingMillis(long v) {
            pendingMillis = v;
            return this;
        }

        public Builder runningMillis(long v) {
            runningMillis = v;
            return this;
        }

        public Builder knownModels(Set<String> v) {
            knownModels = v;
            return this;
        }

        public Builder embeddingDimension(int v) {
            embeddingDimension = v;
            return this;
        }

        public Builder answerBytes(int v) {
            answerBytes = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder rate429(double v) {
            rate429 = v;
            return this;
        }

        public Builder rate503(double v) {
            rate503 = v;
            return this;
        }

        public Builder retryAfterSeconds(int v) {
            retryAfterSeconds = v;
            return this;
        }

        public Builder jobFailRate(double v) {
            jobFailRate = v;
            return this;
        }

        public Builder jobExpireRate(double v) {
            jobExpireRate = v;
            return this;
        }

        public Builder jobStuckRate(double v) {
            jobStuckRate = v;
            return this;
        }

        public Builder requestErrorRate(double v) {
            requestErrorRate = v;
            return this;
        }

        public Builder requestErrorCode(int v) {
            requestErrorCode = v;
            return this;
        }

        public Builder missingResultRate(double v) {
            missingResultRate = v;
            return this;
        }

        public Builder throttleBytesPerSecond(long v) {
            throttleBytesPerSecond = v;
            return this;
        }

        public Builder responseDelayMillis(long v) {
            responseDelayMillis = v;
            return this;
        }

        public Builder inlineOutOfOrder(boolean v) {
            inlineOutOfOrder = v;
            return this;
        }

        public Builder dropInlineMetadata(boolean v) {
            dropInlineMetadata = v;
            return this;
        }

        public Builder fileJobsAnswerInline(boolean v) {
            fileJobsAnswerInline = v;
            return this;
        }

        public Builder inlineJobsAnswerFile(boolean v) {
            inlineJobsAnswerFile = v;
            return this;
        }

        public Builder requestLogCapacity(int v) {
            requestLogCapacity = v;
            return this;
        }

        public Builder httpThreads(int v) {
            httpThreads = v;
            return this;
        }

        public Builder adminOpen(boolean v) {
            adminOpen = v;
            return this;
        }

        public EmulatorOptions build() {
            return new EmulatorOptions(
                    host,
                    port,
                    dataDir,
                    apiKey,
                    pendingMillis,
                    runningMillis,
                    knownModels,
                    embeddingDimension,
                    answerBytes,
                    seed,
                    rate429,
                    rate503,
                    retryAfterSeconds,
                    jobFailRate,
                    jobExpireRate,
                    jobStuckRate,
                    requestErrorRate,
                    requestErrorCode,
                    missingResultRate,
                    throttleBytesPerSecond,
                    responseDelayMillis,
                    inlineOutOfOrder,
                    dropInlineMetadata,
                    fileJobsAnswerInline,
                    inlineJobsAnswerFile,
                    requestLogCapacity,
                    httpThreads,
                    adminOpen);
        }
    }
}

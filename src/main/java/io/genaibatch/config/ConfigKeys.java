package io.genaibatch.config;

import static io.genaibatch.config.ConfigKey.between;
import static io.genaibatch.config.ConfigKey.from;
import static io.genaibatch.config.ConfigKey.nonBlank;
import static io.genaibatch.config.ConfigKey.oneOf;

import io.genaibatch.batch.ApiLimits;
import java.time.Duration;
import java.util.List;

/**
 * Every configuration key of genai-batch, declared once. Add a key here and it is loaded, validated and documented
 * (docs/CONFIG.md is generated from this list by {@code genai-batch config docs}, and a test keeps it in step).
 */
public final class ConfigKeys {
    private ConfigKeys() {}

    /** Keys under this prefix are passed as they are to every Kafka client (security, SASL, timeouts...). */
    public static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";

    public static final ConfigKey<String> BOOTSTRAP_SERVERS = new ConfigKey<>(
            "kafka.bootstrap-servers",
            ConfigType.STRING,
            "localhost:9092",
            nonBlank(),
            "Kafka bootstrap servers (host:port, comma-separated). The --bootstrap-servers flag overrides it.");

    public static final ConfigKey<String> TOPIC_REQUESTS = topic(
            "requests", "genai.requests", "Where producers publish one GenAiRequest per record (key = their key).");
    public static final ConfigKey<String> TOPIC_BATCHES = topic(
            "batches", "genai.batches", "Items and SEAL records of the batches the accumulator forms (key = batchId).");
    public static final ConfigKey<String> TOPIC_JOBS =
            topic("jobs", "genai.jobs", "Compacted: the whole life of every batch job (key = batchId).");
    public static final ConfigKey<String> TOPIC_RESPONSES = topic(
            "responses",
            "genai.responses",
            "Exactly one terminal GenAiResponse per accepted request (key = the request's key).");
    public static final ConfigKey<String> TOPIC_WINDOW_CONFIG = topic(
            "window-config",
            "genai.window-config",
            "Compacted: run-time window policies per model (key = model or *).");
    public static final ConfigKey<String> TOPIC_DLQ =
            topic("dlq", "genai.requests.dlq", "Raw copies of rejected requests, with error headers.");

    public static final ConfigKey<Integer> TOPIC_PARTITIONS = new ConfigKey<>(
            "topics.partitions",
            ConfigType.INT,
            6,
            between(1, 10_000, "between 1 and 10000"),
            "Partitions of the requests, batches, jobs, responses and DLQ topics when `topics create` makes them. "
                    + "It bounds how many instances of a role can share the work.");
    public static final ConfigKey<Integer> TOPIC_REPLICATION = new ConfigKey<>(
            "topics.replication-factor",
            ConfigType.INT,
            -1,
            between(-1, 32, "-1 (broker default) or 1..32"),
            "Replication factor of created topics; -1 takes the broker's default.replication.factor.");
    public static final ConfigKey<Duration> TOPIC_RETENTION = new ConfigKey<>(
            "topics.retention",
            ConfigType.DURATION,
            Duration.ofDays(7),
            between(Duration.ofHours(1), Duration.ofDays(3650), "between 1h and 3650d"),
            "retention.ms of the delete-policy topics. genai.batches must outlive the longest job (48 h plus retries): "
                    + "keep it at 7d or more.");

    public static final ConfigKey<String> VALUE_FORMAT = new ConfigKey<>(
            "serde.value-format",
            ConfigType.STRING,
            "avro",
            oneOf(List.of("avro", "json")),
            "Encoding of every value the service writes: avro (single-object encoding, no registry needed) or json. "
                    + "Input is auto-detected either way. The --value-format flag overrides it.");

    public static final ConfigKey<String> GEMINI_BASE_URL = new ConfigKey<>(
            "gemini.base-url",
            ConfigType.STRING,
            null,
            from(GeminiEndpoint::baseUrlShapeProblem, "http(s)://host[:port][/path]"),
            "Base URL of the Gemini API, e.g. http://127.0.0.1:8089 for the emulator. Unset: GOOGLE_GEMINI_BASE_URL, "
                    + "else the SDK's default (the real service). The API key comes from GEMINI_API_KEY / GOOGLE_API_KEY, "
                    + "never from this file. Plain http:// is refused (by config validate, and by every role as it loads the "
                    + "configuration) unless the host is loopback (127.0.0.0/8, ::1, localhost) or gemini.allow-insecure-http "
                    + "is true; a GOOGLE_GEMINI_BASE_URL is held to the same rule when a role starts.");
    public static final ConfigKey<Boolean> GEMINI_ALLOW_INSECURE_HTTP = new ConfigKey<>(
            "gemini.allow-insecure-http",
            ConfigType.BOOLEAN,
            false,
            null,
            "true accepts a plain http:// gemini.base-url on a host that is not loopback (e.g. http://emulator:8089, "
                    + "an emulator in another container). false (the default) refuses it: the API key would "
                    + "cross the network unencrypted. http to 127.0.0.0/8, ::1 and localhost is always accepted.");
    public static final ConfigKey<String> GEMINI_API_VERSION = new ConfigKey<>(
            "gemini.api-version",
            ConfigType.STRING,
            "v1beta",
            from(GeminiEndpoint::apiVersionProblem, "v1, v1beta, ..."),
            "API version path segment. The batch API is documented under v1beta; the Java SDK would default to v1.");

    public static final ConfigKey<Duration> GEMINI_CONNECT_TIMEOUT = new ConfigKey<>(
            "gemini.connect-timeout",
            ConfigType.DURATION,
            Duration.ofSeconds(10),
            between(Duration.ofMillis(100), Duration.ofMinutes(5), "between 100ms and 5m"),
            "TCP connect timeout of every Gemini API call.");
    public static final ConfigKey<Duration> GEMINI_REQUEST_TIMEOUT = new ConfigKey<>(
            "gemini.request-timeout",
            ConfigType.DURATION,
            Duration.ofSeconds(120),
            between(Duration.ofSeconds(1), Duration.ofHours(1), "between 1s and 1h"),
            "Longest silence on a Gemini API connection before the call fails (and is retried).");
    public static final ConfigKey<Long> GEMINI_UPLOAD_CHUNK = new ConfigKey<>(
            "gemini.upload-chunk",
            ConfigType.SIZE,
            8L * 1024 * 1024,
            between(256L * 1024, 1L << 30, "between 256KiB and 1GiB"),
            "Bytes per chunk of a resumable file upload; an interrupted upload resumes at a chunk boundary.");
    public static final ConfigKey<Integer> GEMINI_RETRY_ATTEMPTS = new ConfigKey<>(
            "gemini.retry.max-attempts",
            ConfigType.INT,
            5,
            between(1, 100, "between 1 and 100"),
            "Attempts per Gemini API call on 408, 429, 5xx and connection errors, the first included (1: no retry).");
    public static final ConfigKey<Duration> GEMINI_RETRY_INITIAL_BACKOFF = new ConfigKey<>(
            "gemini.retry.initial-backoff",
            ConfigType.DURATION,
            Duration.ofSeconds(1),
            between(Duration.ofMillis(1), Duration.ofMinutes(10), "between 1ms and 10m"),
            "Cap of the first backoff; it doubles per attempt, with full jitter. A server's Retry-After wins.");
    public static final ConfigKey<Duration> GEMINI_RETRY_MAX_BACKOFF = new ConfigKey<>(
            "gemini.retry.max-backoff",
            ConfigType.DURATION,
            Duration.ofSeconds(30),
            between(Duration.ofMillis(1), Duration.ofHours(1), "between 1ms and 1h"),
            "Largest backoff between two attempts.");
    public static final ConfigKey<Duration> GEMINI_RETRY_MAX_RETRY_AFTER = new ConfigKey<>(
            "gemini.retry.max-retry-after",
            ConfigType.DURATION,
            Duration.ofMinutes(2),
            between(Duration.ZERO, Duration.ofHours(1), "between 0s and 1h"),
            "A Retry-After longer than this is not waited for inside a call: the role reschedules the work instead. "
                    + "An upload waits out an open circuit whose retry-after is within this bound (and that ends within "
                    + "gemini.retry.max-elapsed of its last progress).");
    public static final ConfigKey<Duration> GEMINI_RETRY_MAX_ELAPSED = new ConfigKey<>(
            "gemini.retry.max-elapsed",
            ConfigType.DURATION,
            Duration.ofMinutes(5),
            between(Duration.ZERO, Duration.ofHours(6), "between 0s and 6h"),
            "No retry of a call starts after this long since its first attempt.");
    public static final ConfigKey<Integer> GEMINI_CIRCUIT_FAILURE_THRESHOLD = new ConfigKey<>(
            "gemini.circuit.failure-threshold",
            ConfigType.INT,
            5,
            between(0, 1000, "between 0 and 1000"),
            "Attempts in a row that find the Gemini API unavailable (connection errors, 5xx) before the circuit"
                    + " opens: every role's calls then fail at once, without reaching the API, and their work is"
                    + " rescheduled after the open time. An answer (a 429 or 408, or a 4xx refusing one request)"
                    + " starts the count again. 0: the circuit never opens.");
    public static final ConfigKey<Duration> GEMINI_CIRCUIT_OPEN_DURATION = new ConfigKey<>(
            "gemini.circuit.open-duration",
            ConfigType.DURATION,
            Duration.ofSeconds(30),
            between(Duration.ofSeconds(1), Duration.ofHours(1), "between 1s and 1h"),
            "How long an open circuit refuses calls before it lets one probe call through (success closes it,"
                    + " failure opens it again). Also how often an idle process probes an API it last saw failing,"
                    + " so that /health/ready recovers without new work.");

    public static final ConfigKey<String> COST_PRICES_FILE = new ConfigKey<>(
            "cost.prices-file",
            ConfigType.STRING,
            null,
            null,
            "YAML file of prices per model (USD per 1M tokens, interactive rate, and the batch discount), for the "
                    + "cost and savings estimates. Unset: the example prices of config/prices.yaml, built in. A file that cannot "
                    + "be read is refused when the configuration loads; config validate also checks what it says.");

    // Poller (poll role): docs/POLLER.md says how each one is used.
    public static final ConfigKey<String> POLL_GROUP_ID = new ConfigKey<>(
            "poll.group-id",
            ConfigType.STRING,
            "genai-batch-poll",
            nonBlank(),
            "Consumer group of the pollers on genai.jobs; instances with the same group share the jobs by partition. "
                    + "Also the prefix of the pollers' transactional ids (<group-id>-<jobs topic>-<partition>).");
    public static final ConfigKey<Duration> POLL_INITIAL_INTERVAL = new ConfigKey<>(
            "poll.initial-interval",
            ConfigType.DURATION,
            Duration.ofSeconds(10),
            between(Duration.ofMillis(10), Duration.ofHours(1), "between 10ms and 1h"),
            "First check of a job this long after it was submitted, and the shortest interval between two checks.");
    public static final ConfigKey<Duration> POLL_MAX_INTERVAL = new ConfigKey<>(
            "poll.max-interval",
            ConfigType.DURATION,
            Duration.ofMinutes(5),
            between(Duration.ofMillis(10), Duration.ofHours(6), "between 10ms and 6h"),
            "Longest interval between two checks of a job. In between, a job is checked every age/10 "
                    + "(a job submitted 20 minutes ago is checked every 2 minutes).");
    public static final ConfigKey<Integer> POLL_PUBLISH_CHUNK = new ConfigKey<>(
            "poll.publish-chunk",
            ConfigType.INT,
            1000,
            between(1, 100_000, "between 1 and 100000"),
            "Responses per publication transaction; each chunk commits together with the job's publishedThrough, "
                    + "so a restarted poller resumes at the next chunk. A chunk also ends at poll.publish-chunk-bytes. "
                    + "Each transaction costs a few round trips to the broker, a large part of the publication "
                    + "with small chunks.");
    public static final ConfigKey<Long> POLL_PUBLISH_CHUNK_BYTES = new ConfigKey<>(
            "poll.publish-chunk-bytes",
            ConfigType.SIZE,
            4L << 20,
            between(64L << 10, 16L << 20, "between 64KiB and 16MiB"),
            "A publication chunk also ends once its response values reach this many bytes (or one response past "
                    + "them), so that the heap a chunk takes stays bounded whatever the responses' size (the records "
                    + "the broker has not taken yet wait in the producer's buffer). A poller's producers can keep "
                    + "about this much heap each, one per genai.jobs partition it owns (a producer pools its freed "
                    + "batches; more when its batches are part-filled: see poll.producer-batch-size): mind -Xmx when "
                    + "raising it. Larger chunks mean fewer transactions (docs/BENCHMARKS.md).");
    public static final ConfigKey<Long> POLL_PRODUCER_BATCH_SIZE = new ConfigKey<>(
            "poll.producer-batch-size",
            ConfigType.SIZE,
            16L * 1024,
            between(1024L, 1024L * 1024, "between 1KiB and 1MiB"),
            "batch.size of the pollers' producers (responses, job records): the client default. A batch takes this "
                    + "much heap however little it holds, and a producer keeps in its pool the most it used at once "
                    + "(at most kafka.properties.buffer.memory, 32MiB): at least poll.publish-chunk-bytes, more when "
                    + "batches are part-filled (measured: 7.2MB at 16KiB and 7.5MB at 128KiB on 60 genai.responses "
                    + "partitions), for each genai.jobs partition the poller owns (docs/OPERATIONS.md, Memory). 128KiB "
                    + "(thirty responses of 4 KB a batch instead of three) made the 1 GB benchmark's Kafka copy about "
                    + "2.2x faster and its publication about a seventh faster, nothing end to end "
                    + "(docs/BENCHMARKS.md). Keep it at or below the max.message.bytes of genai.responses (the broker's default is 1MiB): a "
                    + "larger batch is refused and split again. kafka.properties.batch.size wins when set.");
    public static final ConfigKey<Duration> POLL_PRODUCER_LINGER = new ConfigKey<>(
            "poll.producer-linger",
            ConfigType.DURATION,
            Duration.ofMillis(5),
            between(Duration.ZERO, Duration.ofMinutes(1), "between 0 and 1m"),
            "linger.ms of the pollers' producers: how long a batch not yet full waits for more responses "
                    + "(docs/BENCHMARKS.md). kafka.properties.linger.ms wins when set.");
    public static final ConfigKey<String> POLL_CACHE_DIR = new ConfigKey<>(
            "poll.cache-dir",
            ConfigType.STRING,
            null,
            nonBlank(),
            "Local cache of the poller: downloaded results and the disk index from result key to request, one "
                    + "directory per owned genai.jobs partition (<group>~<topic>-<partition>). A job's cache is deleted "
                    + "once it is published, a partition's when it is revoked or holds no open job; a poller deletes "
                    + "nothing else there, so several may share it. Rebuilt from the topics when lost. "
                    + "Directories the poller creates are owner-only (0700). Unset: <java.io.tmpdir>/genai-batch-poll; "
                    + "in production set it under the service's data directory.");
    public static final ConfigKey<String> POLL_POLICY = new ConfigKey<>(
            "poll.policy",
            ConfigType.STRING,
            "retrying",
            oneOf(List.of("retrying", "terminal")),
            "What a finished job becomes (docs/POLLER.md has the table). retrying: a FAILED or vanished job is "
                    + "resubmitted (up to poll.max-attempts, with backoff), an EXPIRED or stuck one is split in two "
                    + "down to single requests, a create refused for its content (400) is split to isolate the "
                    + "offending requests, and requests of a SUCCEEDED job with a retriable error or no result are "
                    + "re-batched together; an operator's cancel answers CANCELLED. terminal: no retry: SUCCEEDED "
                    + "publishes every result (per-request errors as ERROR, requests without a result as ERROR "
                    + "RESULT_MISSING); FAILED, EXPIRED and CANCELLED answer every request with that status.");
    public static final ConfigKey<Integer> POLL_MAX_ATTEMPTS = new ConfigKey<>(
            "poll.max-attempts",
            ConfigType.INT,
            3,
            between(1, 100, "between 1 and 100"),
            "With poll.policy=retrying: how many times a request may be submitted (its first batch included) before a "
                    + "FAILED job, a retriable per-request error, a missing result or a single request that EXPIRED "
                    + "is answered as final. Splitting does not count as an attempt: it is bounded by the request "
                    + "count alone.");
    public static final ConfigKey<Duration> POLL_RETRY_INITIAL_BACKOFF = new ConfigKey<>(
            "poll.retry.initial-backoff",
            ConfigType.DURATION,
            Duration.ofSeconds(30),
            between(Duration.ZERO, Duration.ofHours(24), "between 0 and 24h"),
            "With poll.policy=retrying: how long after a job FAILED (or vanished) its requests are resubmitted; "
                    + "doubles with each attempt, up to poll.retry.max-backoff. Derived from the job's end time and "
                    + "attempt, so a restarted poller keeps the same schedule.");
    public static final ConfigKey<Duration> POLL_RETRY_MAX_BACKOFF = new ConfigKey<>(
            "poll.retry.max-backoff",
            ConfigType.DURATION,
            Duration.ofMinutes(30),
            between(Duration.ZERO, Duration.ofHours(48), "between 0 and 48h"),
            "Longest wait before a FAILED job's requests are resubmitted (see poll.retry.initial-backoff).");
    public static final ConfigKey<Duration> POLL_STUCK_AFTER = new ConfigKey<>(
            "poll.stuck-after",
            ConfigType.DURATION,
            Duration.ofHours(36),
            between(Duration.ofSeconds(1), Duration.ofDays(30), "between 1s and 30d"),
            "With poll.policy=retrying: a job still PENDING or RUNNING this long after it was submitted is "
                    + "cancelled at the API and then handled as EXPIRED (split in two and submitted again). The "
                    + "service expires jobs itself after 48 h; 36 h leaves time for the halves.");
    public static final ConfigKey<String> POLL_RETRIABLE_CODES = new ConfigKey<>(
            "poll.retriable-codes",
            ConfigType.STRING,
            "429,500,503,504,RESOURCE_EXHAUSTED,INTERNAL,UNAVAILABLE,DEADLINE_EXCEEDED",
            nonBlank(),
            "With poll.policy=retrying: per-request errors of a SUCCEEDED job that are re-batched (comma-separated "
                    + "HTTP-style codes and google.rpc status names, matched against the error's code and status). "
                    + "Any other per-request error is answered ERROR at once.");
    public static final ConfigKey<String> POLL_ON_EXHAUSTED = new ConfigKey<>(
            "poll.on-exhausted",
            ConfigType.STRING,
            "answer",
            oneOf(List.of("answer", "hold")),
            "With poll.policy=retrying, what a batch whose retries are spent becomes (a job FAILED at its last attempt, "
                    + "a single request that EXPIRED): answer gives its requests their final FAILED / EXPIRED "
                    + "responses; hold keeps the batch open, visible in `jobs list` as HELD, until an operator runs "
                    + "`genai-batch jobs retry BATCH_ID` (one more attempt) or `jobs answer BATCH_ID` (the final "
                    + "responses), e.g. during a long outage. Requests whose retriable error or missing result is "
                    + "spent within a SUCCEEDED job are answered either way.");
    public static final ConfigKey<Duration> POLL_ITEMS_READ_TIMEOUT = new ConfigKey<>(
            "poll.items-read-timeout",
            ConfigType.DURATION,
            Duration.ofMinutes(2),
            between(Duration.ofSeconds(1), Duration.ofHours(1), "between 1s and 1h"),
            "Longest time reading a batch's items from genai.batches (to build the key index) may go without "
                    + "progress, that is without the consumer position advancing; past it the read fails, naming the "
                    + "partition and offsets, and the job is retried at its next check. A large batch may take much "
                    + "longer in all: only a stall counts (typically a transaction left open on that partition).");
    public static final ConfigKey<Duration> POLL_GONE_AFTER = new ConfigKey<>(
            "poll.gone-after",
            ConfigType.DURATION,
            Duration.ofMinutes(10),
            between(Duration.ZERO, Duration.ofDays(7), "between 0s and 7d"),
            "A job (or a finished job's output) is taken for gone, and recorded FAILED (JOB_NOT_FOUND) for the job "
                    + "policy to decide, only when the API answered NOT_FOUND at 3 checks in a row spread over at "
                    + "least this long and a `list` then works and does not show the job still running. A 404 "
                    + "that is not the API's NOT_FOUND (a proxy's page), or a `list` that fails too (a wrong "
                    + "gemini.base-url or gemini.api-version), never fails a job: the poller logs it at ERROR and "
                    + "keeps checking.");
    public static final ConfigKey<Duration> POLL_CLOSE_TIMEOUT = new ConfigKey<>(
            "poll.close-timeout",
            ConfigType.DURATION,
            Duration.ofSeconds(30),
            between(Duration.ofMillis(100), Duration.ofMinutes(10), "between 100ms and 10m"),
            "How long close() waits for the current chunk to commit before interrupting the poller.");
    public static final ConfigKey<Duration> POLL_MAX_POLL_INTERVAL = new ConfigKey<>(
            "poll.max-poll-interval",
            ConfigType.DURATION,
            Duration.ofMinutes(8),
            between(Duration.ofSeconds(1), Duration.ofHours(1), "between 1s and 1h"),
            "max.poll.interval.ms of the pollers' genai.jobs consumer: the longest the poller may go without polling, "
                    + "during one Gemini API call with its retries (a results download does not count: it runs while "
                    + "the poller polls); past it the group evicts the poller. It must exceed gemini.retry.max-elapsed + "
                    + "gemini.request-timeout (checked at load); keep it under connections.max.idle.ms (9 min by "
                    + "default). kafka.properties.max.poll.interval.ms, which applies to every consumer, wins when set.");

    // Batching windows. The same five keys can be set per model under window.models.<model>.<setting>
    // (WINDOW_MODELS_PREFIX); both use the declarations and validators below, and so do the window-config topic
    // and `config set`, so a value refused here is refused everywhere.
    public static final ConfigKey<Integer> WINDOW_MAX_REQUESTS = new ConfigKey<>(
            "window.max-requests",
            ConfigType.INT,
            10_000,
            between(1, Integer.MAX_VALUE, "at least 1"),
            "A batch is sealed as soon as it holds this many requests.");
    public static final ConfigKey<Long> WINDOW_MAX_BYTES = new ConfigKey<>(
            "window.max-bytes",
            ConfigType.SIZE,
            100_000_000L,
            between(1L, ApiLimits.MAX_FILE_BYTES, "between 1 and 2GB (the Gemini batch input file limit)"),
            "A batch is sealed before the next request would take it past this many bytes, counted as the JSONL lines "
                    + "the submitter sends. A single request larger than this is rejected (REQUEST_TOO_LARGE).");
    public static final ConfigKey<Duration> WINDOW_MAX_WAIT = new ConfigKey<>(
            "window.max-wait",
            ConfigType.DURATION,
            Duration.ofMinutes(10),
            between(Duration.ofMillis(1), ApiLimits.MAX_JOB_LIFE, "more than 0 and at most 48h (a batch job's life)"),
            "A batch is sealed this long after its first request, also when no new requests arrive (checked every 100 ms).");
    public static final ConfigKey<Integer> WINDOW_SHARDS = new ConfigKey<>(
            "window.shards",
            ConfigType.INT,
            1,
            between(1, 256, "between 1 and 256"),
            "Open batches per (model, kind), split by request key hash, to spread a hot model over several stream tasks.");
    public static final ConfigKey<Boolean> WINDOW_ENABLED = new ConfigKey<>(
            "window.enabled",
            ConfigType.BOOLEAN,
            true,
            null,
            "false holds a model's requests (not batched; they stay in genai.requests) until it is true again, then "
                    + "releases them in arrival order. A request held longer than genai.requests' retention is lost (it gets an ERROR "
                    + "response, HELD_REQUEST_LOST).");

    /** Per-model window settings: {@code window.models.<model>.<setting>}, setting one of {@link #WINDOW_SETTINGS}. */
    public static final String WINDOW_MODELS_PREFIX = "window.models.";
    /** The window keys that can be set per model, in the config file and on the window-config topic. */
    public static final List<ConfigKey<?>> WINDOW_SETTINGS =
            List.of(WINDOW_MAX_REQUESTS, WINDOW_MAX_BYTES, WINDOW_MAX_WAIT, WINDOW_SHARDS, WINDOW_ENABLED);

    public static final ConfigKey<List<String>> MODELS_ALLOWED = new ConfigKey<>(
            "models.allowed",
            ConfigType.LIST,
            List.of("gemini-*", "gemma-*", "text-embedding-*", "embedding-*"),
            modelPatterns(),
            "Model names the accumulator batches (comma-separated or a YAML list; * matches any characters; a "
                    + "models/ prefix is ignored on both sides, as in requests). A request for any other model is "
                    + "answered REJECTED with error code UNKNOWN_MODEL and never batched: every distinct model opens a "
                    + "batch of its own, so untrusted names must not. The default covers the Gemini generation "
                    + "and embedding models (gemini-* includes gemini-embedding-001) and the older embedding names; "
                    + "add other model names, or \"*\" to allow any (quoted in YAML, where a bare * is an alias).");

    public static final ConfigKey<String> ACCUMULATE_APPLICATION_ID = new ConfigKey<>(
            "accumulate.application-id",
            ConfigType.STRING,
            "genai-batch-accumulate",
            nonBlank(),
            "Kafka Streams application.id of the accumulator: its consumer group and the prefix of its internal topics. "
                    + "Every instance of one deployment uses the same value.");
    public static final ConfigKey<String> ACCUMULATE_STATE_DIR = new ConfigKey<>(
            "accumulate.state-dir",
            ConfigType.STRING,
            "genai-batch-data/streams",
            nonBlank(),
            "Local directory of the accumulator's state stores: a cache, rebuilt from Kafka when missing.");
    public static final ConfigKey<Integer> ACCUMULATE_THREADS = new ConfigKey<>(
            "accumulate.threads",
            ConfigType.INT,
            1,
            between(1, 64, "between 1 and 64"),
            "Kafka Streams threads of the accumulator in this process.");
    public static final ConfigKey<Duration> ACCUMULATE_CLOSE_TIMEOUT = new ConfigKey<>(
            "accumulate.close-timeout",
            ConfigType.DURATION,
            Duration.ofSeconds(30),
            between(Duration.ofSeconds(1), Duration.ofMinutes(10), "between 1s and 10m"),
            "How long stopping the accumulator waits for its Kafka Streams threads to commit and end.");
    public static final ConfigKey<Long> ACCUMULATE_PRODUCER_BATCH_SIZE = new ConfigKey<>(
            "accumulate.producer-batch-size",
            ConfigType.SIZE,
            256L * 1024,
            between(1024L, 64L * 1024 * 1024, "between 1KiB and 64MiB"),
            "batch.size of the accumulator's Kafka Streams producer: the client default (16KiB) holds about 15 "
                    + "requests of 1 KB (docs/BENCHMARKS.md). kafka.properties.producer.batch.size wins when set.");
    public static final ConfigKey<Duration> ACCUMULATE_PRODUCER_LINGER = new ConfigKey<>(
            "accumulate.producer-linger",
            ConfigType.DURATION,
            Duration.ofMillis(5),
            between(Duration.ZERO, Duration.ofMinutes(1), "between 0 and 1m"),
            "linger.ms of the accumulator's Kafka Streams producer (docs/BENCHMARKS.md). "
                    + "kafka.properties.producer.linger.ms wins when set.");
    public static final ConfigKey<Duration> ACCUMULATE_TRANSACTION_TIMEOUT = new ConfigKey<>(
            "accumulate.transaction-timeout",
            ConfigType.DURATION,
            Duration.ofSeconds(60),
            between(Duration.ofSeconds(1), Duration.ofMinutes(15), "between 1s and 15m (the broker's default maximum)"),
            "transaction.timeout.ms of the accumulator's producer. Releasing held requests reads genai.requests inside "
                    + "the thread's open transaction: the exactly-once default of 10s would be passed by a few tasks "
                    + "draining at once, fencing the thread in a loop. kafka.properties.producer.transaction.timeout.ms "
                    + "wins when set.");

    public static final ConfigKey<String> SUBMIT_GROUP_ID = new ConfigKey<>(
            "submit.group-id",
            ConfigType.STRING,
            "genai-batch-submit",
            nonBlank(),
            "Consumer group of the submitters on genai.batches; instances with the same group share its partitions.");
    public static final ConfigKey<String> SUBMIT_SPOOL_DIR = new ConfigKey<>(
            "submit.spool-dir",
            ConfigType.STRING,
            "genai-batch-data/submit-spool",
            nonBlank(),
            "Where the submitter writes each open batch's JSONL input (one file per batch). A cache: it is rebuilt from "
                    + "genai.batches after a restart, so it needs no backup, only room for the batches in flight. Directories "
                    + "the submitter creates there are owner-only (0700): they hold the prompts.");
    public static final ConfigKey<Long> SUBMIT_INLINE_MAX_BYTES = new ConfigKey<>(
            "submit.inline-max-bytes",
            ConfigType.SIZE,
            10_000_000L,
            between(
                    0L,
                    ApiLimits.MAX_INLINE_SPOOL_BYTES,
                    "between 0 and " + ConfigType.formatSize(ApiLimits.MAX_INLINE_SPOOL_BYTES)),
            "A GENERATE batch whose JSONL payload is at most this size is sent inline in the create call; a larger one, "
                    + "and every EMBED batch, is uploaded as a JSONL file first. 0: always upload. The API refuses "
                    + "inline payloads of 20 MB.");
    public static final ConfigKey<Integer> SUBMIT_MAX_JOBS_IN_FLIGHT = new ConfigKey<>(
            "submit.max-jobs-in-flight",
            ConfigType.INT,
            8,
            between(1, 1000, "between 1 and 1000"),
            "Sealed batches one submitter instance works on at once (uploading, creating, or waiting to retry), until "
                    + "their job is recorded in genai.jobs. When reached, the instance stops consuming genai.batches.");
    public static final ConfigKey<Duration> SUBMIT_RETRY_INITIAL_BACKOFF = new ConfigKey<>(
            "submit.retry.initial-backoff",
            ConfigType.DURATION,
            Duration.ofSeconds(5),
            between(Duration.ofMillis(1), Duration.ofHours(1), "between 1ms and 1h"),
            "First wait before a batch whose upload or create failed (after the gemini.retry attempts) is tried again; "
                    + "it doubles per failure (each wait drawn between half and all of it); a longer Retry-After wins.");
    public static final ConfigKey<Duration> SUBMIT_RETRY_MAX_BACKOFF = new ConfigKey<>(
            "submit.retry.max-backoff",
            ConfigType.DURATION,
            Duration.ofMinutes(5),
            between(Duration.ofMillis(1), Duration.ofHours(6), "between 1ms and 6h"),
            "Longest wait between two tries of a failing batch. A batch is retried until it is submitted.");
    public static final ConfigKey<Integer> SUBMIT_LIST_PAGE_SIZE = new ConfigKey<>(
            "submit.list-page-size",
            ConfigType.INT,
            100,
            between(1, 1000, "between 1 and 1000"),
            "Page size when listing jobs to find a batch's job by displayName (after a crash or an unclear create).");
    public static final ConfigKey<Duration> SUBMIT_CREATE_LOOKUP_WINDOW = new ConfigKey<>(
            "submit.create-lookup-window",
            ConfigType.DURATION,
            Duration.ofMinutes(3),
            between(Duration.ZERO, Duration.ofHours(6), "between 0 and 6h"),
            "After a create whose outcome is unclear (an error that does not prove nothing was created, or an earlier "
                    + "run that stopped after recording its intent), how long the submitter keeps looking the job up "
                    + "by displayName, every 5 s, before it may create it again: the job of a lost answer can show "
                    + "up in the list a while later, and a second create would bill the batch twice. At least "
                    + "gemini.request-timeout.");
    public static final ConfigKey<Duration> SUBMIT_JOBS_READ_TIMEOUT = new ConfigKey<>(
            "submit.jobs-read-timeout",
            ConfigType.DURATION,
            Duration.ofMinutes(2),
            between(Duration.ofSeconds(10), Duration.ofHours(1), "between 10s and 1h"),
            "Longest the read of genai.jobs when partitions are assigned (to learn which batches already have a job) "
                    + "may go without progress; a long history read steadily is not cut. It waits for transactions a "
                    + "killed producer left open, up to their transaction.timeout.ms (1 min by default): it must be "
                    + "longer (checked at load). Past it the submitter stops, and a restart tries again.");
    public static final ConfigKey<Duration> SUBMIT_SHUTDOWN_TIMEOUT = new ConfigKey<>(
            "submit.shutdown-timeout",
            ConfigType.DURATION,
            Duration.ofSeconds(30),
            between(Duration.ofSeconds(1), Duration.ofMinutes(10), "between 1s and 10m"),
            "How long close, or giving up a partition in a rebalance, waits for create calls already sent to be "
                    + "answered and recorded. Uploads and retries not yet at create are abandoned at once.");
    public static final ConfigKey<Duration> SUBMIT_RANGE_READ_TIMEOUT = new ConfigKey<>(
            "submit.range-read-timeout",
            ConfigType.DURATION,
            Duration.ofMinutes(2),
            between(Duration.ofSeconds(10), Duration.ofHours(1), "between 10s and 1h"),
            "Longest the read of a range child's items (a resubmitted or split batch, read back from genai.batches "
                    + "on a worker) may go without progress; a long range read steadily is not cut. Past it that try "
                    + "fails and the batch is tried again after the submit.retry backoff. When submit.shutdown-timeout "
                    + "is longer, it is used instead.");
    public static final ConfigKey<Duration> SUBMIT_TOMBSTONE_BUDGET = new ConfigKey<>(
            "submit.tombstone-budget",
            ConfigType.DURATION,
            Duration.ofSeconds(30),
            between(Duration.ZERO, Duration.ofMinutes(10), "between 0 and 10m"),
            "Longest one partition assignment spends writing tombstones for the genai.jobs records of PUBLISHED jobs "
                    + "whose batches retention deleted, in transactions of 1,000 (the first is always written: 0 "
                    + "writes one per assignment); the rest waits for the next assignment. It runs in the rebalance "
                    + "callback after the read of genai.jobs, without polling: submit.shutdown-timeout + "
                    + "submit.jobs-read-timeout + this must be shorter than max.poll.interval.ms (checked at load).");
    public static final ConfigKey<String> SUBMIT_INSTANCE_ID = new ConfigKey<>(
            "submit.instance-id",
            ConfigType.STRING,
            null,
            nonBlank(),
            "Id of this submitter instance, part of its transactional.id, so that a restart after a crash aborts the "
                    + "crashed transaction at once instead of after transaction.timeout.ms. Unset: a random id kept in a "
                    + "lock file in submit.spool-dir (one per instance running side by side on it), so it is the same "
                    + "at every restart on that directory and distinct across machines and containers. "
                    + "When set, it must differ between live instances (two sharing one fence each other; the fenced one "
                    + "says so and stops).");

    public static final ConfigKey<Integer> HTTP_PORT = new ConfigKey<>(
            "http.port",
            ConfigType.INT,
            8080,
            between(0, 65_535, "0 (off) or a port"),
            "Port of the process's HTTP endpoint (/metrics, /health/live, /health/ready, the status page /, /api/...) "
                    + "served by `run` and `local` (local's own default: 8088). 0 turns it off. The --http-port flag "
                    + "overrides it.");
    public static final ConfigKey<String> HTTP_HOST = new ConfigKey<>(
            "http.host",
            ConfigType.STRING,
            "127.0.0.1",
            nonBlank(),
            "Address the HTTP endpoint listens on. The default keeps it on this machine; 0.0.0.0 serves every "
                    + "interface (in a container, or for a Prometheus on another host). It has no authentication: "
                    + "expose it only to your monitoring network.");
    public static final ConfigKey<Duration> HTTP_REFRESH_INTERVAL = new ConfigKey<>(
            "http.refresh-interval",
            ConfigType.DURATION,
            Duration.ofSeconds(10),
            between(Duration.ofSeconds(1), Duration.ofMinutes(10), "between 1s and 10m"),
            "How often the status page and /api/jobs, /api/models read genai.jobs, genai.window-config and the new "
                    + "records of genai.responses, in the background; a page hit never reads Kafka. Reading starts "
                    + "at the first hit, so a process nobody looks at reads nothing.");

    /** The suffix of a window key as it appears under {@code window.models.<model>.}, e.g. max-wait. */
    public static String windowSetting(ConfigKey<?> key) {
        return key.name().substring("window.".length());
    }

    /** A model pattern: a model name (see accumulate.Models) in which '*' stands for any characters. */
    private static final java.util.regex.Pattern MODEL_PATTERN =
            java.util.regex.Pattern.compile("(models/)?[A-Za-z0-9._*-]{1,128}");

    private static ConfigKey.Validator<List<String>> modelPatterns() {
        return new ConfigKey.Validator<>() {
            @Override
            public void check(List<String> patterns) {
                if (patterns.isEmpty()) {
                    throw new IllegalArgumentException("must name at least one model pattern (* allows every model)");
                }
                for (String p : patterns) {
                    if (!MODEL_PATTERN.matcher(p).matches()) {
                        throw new IllegalArgumentException(
                                "'" + p + "' is not a model pattern: expected letters, digits, "
                                        + "'.', '-', '_' and '*' (any characters), optionally prefixed with models/");
                    }
                }
            }

            @Override
            public String describe() {
                return "model names, * for any characters";
            }
        };
    }

    private static ConfigKey<String> topic(String name, String defaultName, String doc) {
        return new ConfigKey<>("topics." + name, ConfigType.STRING, defaultName, nonBlank(), "Topic name. " + doc);
    }

    /**
     * Every key above, in declaration order, found by reflection: a declared key cannot be left out of the loader,
     * {@code config validate} or the docs. Last in the class, so that every key is initialised when it is read.
     *
     * <p>The order is that of {@link Class#getDeclaredFields()}, which the JDK does not specify; HotSpot (every JDK
     * this service runs on) returns fields in declaration order. On a JVM that did not, no key would be lost and the
     * "declared after ALL" check would still hold (it rests on static initialisation, which is textual), but
     * docs/CONFIG.md, {@code config validate} and {@code --help} would list the keys in another order: the test that
     * compares the generated CONFIG.md with the committed one would then fail.
     */
    public static final List<ConfigKey<?>> ALL = declaredKeys();

    private static List<ConfigKey<?>> declaredKeys() {
        List<ConfigKey<?>> keys = new java.util.ArrayList<>();
        for (java.lang.reflect.Field field : ConfigKeys.class.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (java.lang.reflect.Modifier.isStatic(modifiers) && field.getType() == ConfigKey.class) {
                try {
                    ConfigKey<?> key = (ConfigKey<?>) field.get(null);
                    if (key == null) {
                        throw new IllegalStateException("ConfigKeys." + field.getName() + " is declared after ALL");
                    }
                    keys.add(key);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return List.copyOf(keys);
    }
}

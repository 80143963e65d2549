package io.genaibatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.batch.Lineage;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.GeminiApiException;
import io.genaibatch.gemini.GeminiSettings;
import io.genaibatch.jobs.JobsReader;
import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.jobs.JobsReader.JobRecord;
import io.genaibatch.jobs.JobsReader.ReadFailure;
import io.genaibatch.jobs.JobsReader.Snapshot;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.kafka.Topics;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.JobState;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "jobs",
        mixinStandardHelpOptions = true,
        description = {
            "See the batch jobs recorded in genai.jobs, cancel one, and release a batch held by "
                    + "poll.on-exhausted=hold.",
            "Exit codes: 0 done, 1 Kafka or API failure, 2 usage or configuration (e.g. no API key), 3 refused (cancel of a job that cannot be "
                    + "cancelled, retry or answer of a batch that is not held), 4 no such batch or topic."
        },
        subcommands = {
            JobsCommand.ListJobs.class,
            JobsCommand.Show.class,
            JobsCommand.Cancel.class,
            JobsCommand.Retry.class,
            JobsCommand.Answer.class
        })
final class JobsCommand implements Runnable {
    static final int REFUSED = 3;
    static final int NOT_FOUND = 4;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the jobs are read from, shared by the subcommands. */
    static final class Source {
        @Mixin
        CommonOptions options;

        @Option(
                names = "--read-timeout",
                defaultValue = "30s",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "Longest time to read genai.jobs (and genai.responses for show) to its end "
                        + "(default: ${DEFAULT-VALUE}).")
        Duration readTimeout;

        GenAiBatchConfig load(Map<String, String> extra) {
            return options.load(extra);
        }
    }

    /** Runs {@code body}; a read that could not complete becomes its message on stderr and its exit code. */
    static int guarded(CommandSpec spec, Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (ReadFailure e) {
            spec.commandLine().getErr().println("genai-batch: " + e.getMessage());
            return e.exitCode();
        }
    }

    static Snapshot read(GenAiBatchConfig config, Duration timeout, PrintWriter err) {
        Snapshot snapshot = JobsReader.readJobs(
                new KafkaClients(config), Topics.from(config).jobs(), timeout);
        snapshot.skipped().forEach(err::println);
        return snapshot;
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            header = "The latest state of every batch job in genai.jobs, oldest first.",
            description = "One line per batch: its model, kind, input mode, attempt and parent, state (with the "
                    + "poller's decision once finished, e.g. EXPIRED->SPLIT), requests, succeeded and failed counts "
                    + "from the API, age since the batch was recorded, and the API's job name.")
    static final class ListJobs implements Callable<Integer> {
        @Mixin
        Source source;

        @Spec
        CommandSpec spec;

        @Option(names = "--open", description = "Only jobs not PUBLISHED yet (their requests are still unanswered).")
        boolean open;

        @Option(
                names = "--state",
                paramLabel = "STATE",
                converter = JobsFormat.StateConverter.class,
                description = "Only jobs in this state: SUBMITTING, PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED, "
                        + "EXPIRED or PUBLISHED.")
        JobState state;

        @Option(names = "--model", paramLabel = "MODEL", description = "Only jobs of this model.")
        String model;

        @Option(names = "--json", description = "One JSON object per job per line instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            return guarded(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                Snapshot snapshot = read(
                        source.load(Map.of()),
                        source.readTimeout,
                        spec.commandLine().getErr());
                List<Batch> shown = select(snapshot.live());
                Instant now = Instant.now();
                if (json) {
                    ObjectMapper mapper = new ObjectMapper();
                    shown.forEach(b -> out.println(JobsView.json(mapper, b)));
                } else if (shown.isEmpty()) {
                    out.println(
                            snapshot.live().isEmpty()
                                    ? "no jobs in " + snapshot.topic()
                                    : "no jobs in " + snapshot.topic() + " match ("
                                            + snapshot.live().size() + " in all)");
                } else {
                    Table table = JobsFormat.listTable();
                    shown.forEach(b -> JobsFormat.addRow(table, b, now));
                    table.lines().forEach(out::println);
                }
                out.flush();
                return 0;
            });
        }

        List<Batch> select(List<Batch> batches) {
            return batches.stream()
                    .filter(b -> !open || b.job().getState() != JobState.PUBLISHED)
                    .filter(b -> state == null || b.job().getState() == state)
                    .filter(b -> model == null || JobsView.sameModel(b.job().getModel(), model))
                    .sorted(JobsView.LIST_ORDER)
                    .toList();
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            header = "Everything genai.jobs and genai.responses say about one batch.",
            description = "Every record of the batch still on genai.jobs (a compacted topic: older ones may be gone), "
                    + "then its latest state, stats, error, parent and children, and how many of its requests were "
                    + "answered on genai.responses, by status. Exit 4 when genai.jobs has no such batch.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Source source;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "BATCH_ID", description = "The batch, e.g. gemini-2.5-flash-g0-000042.")
        String batchId;

        @Option(names = "--json", description = "One JSON object instead of text.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            return guarded(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                GenAiBatchConfig config = source.load(Map.of());
                Snapshot snapshot = read(config, source.readTimeout, err);
                Batch batch = snapshot.batch(batchId).orElse(null);
                if (batch == null) {
                    err.println("genai-batch: no batch " + batchId + " in " + snapshot.topic());
                    return NOT_FOUND;
                }
                List<String> children = children(snapshot, batch);
                Answered answered = null;
                String answeredProblem = null;
                try {
                    answered = Answered.count(
                            new KafkaClients(config),
                            Topics.from(config).responses(),
                            source.readTimeout,
                            batchId,
                            batch.isRoot() ? batch.rootBatchId() : null);
                } catch (ReadFailure e) {
                    // The job's own records are still worth showing.
                    answeredProblem = e.getMessage();
                }
                if (json) {
                    out.println(toJson(snapshot, batch, children, answered, answeredProblem));
                } else {
                    print(out, snapshot, batch, children, answered, answeredProblem, Instant.now());
                }
                out.flush();
                return 0;
            });
        }

        /** From the decision header, then any batch that names this one its parent. */
        static List<String> children(Snapshot snapshot, Batch batch) {
            Set<String> ids = new LinkedHashSet<>(batch.children());
            snapshot.batches().values().stream()
                    .filter(b -> batch.batchId().equals(b.parentBatchId()))
                    .forEach(b -> ids.add(b.batchId()));
            return List.copyOf(ids);
        }

        private static void print(
                PrintWriter out,
                Snapshot snapshot,
                Batch batch,
                List<String> children,
                Answered answered,
                String answeredProblem,
                Instant now) {
            List<JobRecord> records = batch.records();
            JobRecord first = records.get(0);
            boolean firstGone = first.job() == null || first.job().getState() != JobState.SUBMITTING;
            out.println("batch " + batch.batchId() + ": " + records.size() + " record(s) on " + snapshot.topic()
                    + " partition " + first.partition()
                    + (firstGone
                            ? " (its first record, SUBMITTING, is not there: compaction has removed older records)"
                            : " (genai.jobs is compacted: older records may be removed)"));
            Table history = new Table()
                    .right("OFFSET")
                    .left("TIMESTAMP")
                    .left("STATE")
                    .left("JOB")
                    .right("PUBLISHED")
                    .left("LINEAGE");
            for (JobRecord r : records) {
                BatchJob j = r.job();
                history.row(
                        Long.toString(r.offset()),
                        r.timestamp().toString(),
                        j == null ? "(tombstone)" : j.getState().name(),
                        j == null ? null : j.getJobName(),
                        j == null ? null : Long.toString(j.getPublishedThrough()),
                        r.lineage().map(Show::lineage).orElse(null));
            }
            history.lines().forEach(l -> out.println("  " + l));
            if (batch.deleted()) {
                out.println("deleted: its latest record is a tombstone");
                return;
            }
            BatchJob job = batch.job();
            Table facts = new Table().left("").left("");
            facts.row("state:", JobsView.state(batch));
            facts.row(
                    "model:",
                    job.getModel() + ", " + job.getKind() + ", "
                            + job.getInputMode().name().toLowerCase(java.util.Locale.ROOT)
                            + (job.getUploadedFile() == null ? "" : " " + job.getUploadedFile()));
            facts.row(
                    "requests:",
                    job.getItemCount() + " (" + job.getItemBytes() + " bytes), published through "
                            + job.getPublishedThrough());
            facts.row("job:", job.getJobName() == null ? "- (not created at the API)" : job.getJobName());
            facts.row(
                    "stats:",
                    job.getStats() == null
                            ? "- (not polled yet)"
                            : job.getStats().getRequestCount() + " requests: "
                                    + job.getStats().getSuccessfulCount()
                                    + " succeeded, " + job.getStats().getFailedCount() + " failed, "
                                    + job.getStats().getPendingCount() + " pending");
            facts.row(
                    "error:",
                    job.getError() == null
                            ? "-"
                            : job.getError().getCode() + ": "
                                    + job.getError().getMessage()
                                    + (job.getError().getHttpStatus() == null
                                            ? ""
                                            : " (HTTP " + job.getError().getHttpStatus() + ")"));
            facts.row("created:", job.getCreatedAt() + " (" + JobsView.age(job.getCreatedAt(), now) + " ago)");
            facts.row(
                    "submitted:",
                    job.getSubmittedAt() == null ? "-" : job.getSubmittedAt().toString());
            facts.row(
                    "ended:", job.getEndedAt() == null ? "-" : job.getEndedAt().toString());
            facts.row("updated:", job.getUpdatedAt() + " (" + JobsView.age(job.getUpdatedAt(), now) + " ago)");
            facts.row("attempt:", Integer.toString(batch.attempt()));
            facts.row("root:", batch.rootBatchId() == null ? "? (no lineage header)" : batch.rootBatchId());
            facts.row(
                    "parent:",
                    batch.parentBatchId() == null
                            ? "- (made by the accumulator)"
                            : batch.parentBatchId()
                                    + batch.lineage()
                                            .map(l -> l.reason() == null ? "" : " (because " + l.reason() + ")")
                                            .orElse(""));
            facts.row("decision:", batch.decision() == null ? "-" : batch.decision());
            facts.row(
                    "children:",
                    children.isEmpty()
                            ? "-"
                            : children.stream()
                                    .map(c -> c + " "
                                            + snapshot.batch(c)
                                                    .filter(b -> !b.deleted())
                                                    .map(JobsView::state)
                                                    .orElse("(not on " + snapshot.topic() + ")"))
                                    .collect(Collectors.joining(", ")));
            if (answeredProblem != null) {
                facts.row("answered:", "cannot count: " + answeredProblem);
            } else {
                facts.row(
                        "answered:",
                        answered.total(answered.byBatch()) + " response(s) with batchId " + batch.batchId()
                                + counts(answered.byBatch()));
                if (answered.byRoot() != null) {
                    facts.row(
                            "",
                            answered.total(answered.byRoot()) + " response(s) in its lineage (root "
                                    + batch.rootBatchId() + ", any attempt)" + counts(answered.byRoot()));
                }
                if (answered.skipped() > 0) {
                    facts.row("", answered.skipped() + " record(s) of genai.responses could not be decoded");
                }
            }
            facts.lines().stream().skip(1).forEach(out::println);
        }

        private static String counts(Map<String, Long> byStatus) {
            return byStatus.isEmpty()
                    ? ""
                    : ": "
                            + byStatus.entrySet().stream()
                                    .map(e -> e.getKey() + " " + e.getValue())
                                    .collect(Collectors.joining(", "));
        }

        private static String lineage(Lineage l) {
            List<String> parts = new ArrayList<>();
            if (l.parentBatchId() != null) {
                parts.add("child of " + l.parentBatchId() + " (attempt " + l.attempt()
                        + (l.reason() == null ? "" : ", " + l.reason()) + ")");
            }
            if (l.decision() != null) {
                parts.add(l.decision() + " into " + String.join(", ", l.children()));
            }
            return parts.isEmpty() ? "root " + l.rootBatchId() : String.join("; ", parts);
        }

        private static ObjectNode toJson(
                Snapshot snapshot, Batch batch, List<String> children, Answered answered, String answeredProblem) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("batchId", batch.batchId());
            o.put("deleted", batch.deleted());
            if (!batch.deleted()) {
                o.set("latest", JobsView.json(mapper, batch));
            }
            ArrayNode records = o.putArray("records");
            for (JobRecord r : batch.records()) {
                ObjectNode n = records.addObject();
                n.put("partition", r.partition());
                n.put("offset", r.offset());
                n.put("timestamp", r.timestamp().toString());
                n.put("state", r.job() == null ? null : r.job().getState().name());
                n.put("jobName", r.job() == null ? null : r.job().getJobName());
                n.put("publishedThrough", r.job() == null ? null : r.job().getPublishedThrough());
                n.put(
                        "lineage",
                        r.lineage()
                                .map(l -> new String(l.toJson(), java.nio.charset.StandardCharsets.UTF_8))
                                .orElse(null));
            }
            ArrayNode c = o.putArray("children");
            for (String id : children) {
                ObjectNode n = c.addObject();
                n.put("batchId", id);
                n.put(
                        "state",
                        snapshot.batch(id)
                                .filter(b -> !b.deleted())
                                .map(JobsView::state)
                                .orElse(null));
            }
            ObjectNode responses = o.putObject("responses");
            if (answeredProblem != null) {
                responses.put("problem", answeredProblem);
            } else {
                ObjectNode byBatch = responses.putObject("byStatus");
                answered.byBatch().forEach(byBatch::put);
                if (answered.byRoot() != null) {
                    ObjectNode byRoot = responses.putObject("lineageByStatus");
                    answered.byRoot().forEach(byRoot::put);
                }
                responses.put("undecodable", answered.skipped());
            }
            return o;
        }
    }

    /**
     * Responses on genai.responses for one batch, by status: those whose {@code batchId} is the batch, and (for a
     * root batch) those whose {@value Lineage#ROOT_HEADER} header is its id, answered by any batch of its lineage.
     *
     * @param byRoot null when not counted (the batch is not a root)
     */
    record Answered(Map<String, Long> byBatch, Map<String, Long> byRoot, long skipped) {
        long total(Map<String, Long> byStatus) {
            return byStatus.values().stream().mapToLong(Long::longValue).sum();
        }

        static Answered count(KafkaClients clients, String topic, Duration timeout, String batchId, String rootId) {
            RecordCodec<GenAiResponse> codec = RecordCodec.genAiResponse();
            Map<String, Long> byBatch = new TreeMap<>();
            Map<String, Long> byRoot = rootId == null ? null : new TreeMap<>();
            long[] skipped = {0};
            JobsReader.readTopic(clients, topic, timeout, r -> {
                if (r.value() == null) {
                    return;
                }
                GenAiResponse response;
                try {
                    response = codec.decode(r.value());
                } catch (RecordDecodingException e) {
                    skipped[0]++;
                    return;
                }
                String status = response.getStatus().name();
                if (batchId.equals(response.getBatchId())) {
                    byBatch.merge(status, 1L, Long::sum);
                }
                Header root = r.headers().lastHeader(Lineage.ROOT_HEADER);
                if (byRoot != null
                        && root != null
                        && root.value() != null
                        && rootId.equals(new String(root.value(), java.nio.charset.StandardCharsets.UTF_8))) {
                    byRoot.merge(status, 1L, Long::sum);
                }
            });
            return new Answered(byBatch, byRoot, skipped[0]);
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            header = "Cancel a batch's job at the Gemini API.",
            description = {
                "Cancels the job of the batch's latest record at the API; the poller then answers each of "
                        + "its requests CANCELLED at its next check of the job (within poll.max-interval).",
                "Refused (exit 3) when the job is not created at the API yet or already finished; exit 4 when "
                        + "genai.jobs has no such batch; exit 1 when the API refuses, with its message."
            })
    static final class Cancel implements Callable<Integer> {
        @Mixin
        Source source;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "BATCH_ID", description = "The batch whose job to cancel.")
        String batchId;

        @Option(
                names = "--gemini-base-url",
                paramLabel = "URL",
                description = "Gemini API base URL, e.g. http://127.0.0.1:8089 for the emulator; overrides "
                        + "gemini.base-url (default: GOOGLE_GEMINI_BASE_URL, else the real service). The API key "
                        + "comes from GEMINI_API_KEY or GOOGLE_API_KEY and is never logged.")
        String geminiBaseUrl;

        /** The process environment, where the API key is; given by the command line's factory (tests pass their own). */
        private final Map<String, String> env;

        Cancel() {
            this(System.getenv());
        }

        Cancel(Map<String, String> env) {
            this.env = Map.copyOf(env);
        }

        @Override
        public Integer call() throws Exception {
            return guarded(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                GenAiBatchConfig config = source.load(
                        geminiBaseUrl == null ? Map.of() : Map.of(ConfigKeys.GEMINI_BASE_URL.name(), geminiBaseUrl));
                Snapshot snapshot = read(config, source.readTimeout, err);
                Batch batch = snapshot.batch(batchId).filter(b -> !b.deleted()).orElse(null);
                if (batch == null) {
                    err.println("genai-batch: no batch " + batchId + " in " + snapshot.topic());
                    return NOT_FOUND;
                }
                String refusal = refusal(batch);
                if (refusal != null) {
                    err.println("genai-batch: not cancelling batch " + batchId + ": " + refusal);
                    return REFUSED;
                }
                BatchJob job = batch.job();
                GeminiSettings settings;
                try {
                    settings = GeminiSettings.from(config, env);
                } catch (IllegalArgumentException e) {
                    err.println("genai-batch: " + e.getMessage());
                    return 2;
                }
                try (BatchApi api = BatchApi.open(settings)) {
                    api.cancel(job.getJobName());
                } catch (GeminiApiException e) {
                    err.println("genai-batch: the API did not cancel job " + job.getJobName() + " of batch " + batchId
                            + ": " + e.getMessage());
                    return 1;
                }
                out.println("cancelled job " + job.getJobName() + " of batch " + batchId + "; the poller answers its "
                        + job.getItemCount() + " requests CANCELLED at its next check (within poll.max-interval, "
                        + io.genaibatch.config.ConfigType.format(config.get(ConfigKeys.POLL_MAX_INTERVAL))
                        + ")");
                out.flush();
                return 0;
            });
        }

        /** Why this batch's job cannot be cancelled now; null when it can. */
        static String refusal(Batch batch) {
            BatchJob job = batch.job();
            if (Lineage.HELD.equals(batch.decision())) {
                return "it is HELD (" + JobsView.state(batch) + "): its job ended and its retries are spent; use "
                        + "`jobs retry " + batch.batchId() + "` or `jobs answer " + batch.batchId() + "`";
            }
            if (JobsReader.FINISHED.contains(job.getState())) {
                String state = JobsView.state(batch);
                String what = job.getState() == JobState.PUBLISHED
                        ? "it is already finished (" + state + "): every request has been answered or handed on"
                        : "its job is already finished (" + state + "); the poller is answering its requests";
                return batch.children().isEmpty()
                        ? what
                        : what + "; its requests are now with " + String.join(", ", batch.children());
            }
            if (job.getJobName() == null) {
                return "its job is not created at the API yet (" + job.getState() + ", no job name); try again in a"
                        + " moment";
            }
            return null;
        }
    }

    /**
     * What `jobs retry` and `jobs answer` share: a batch HELD by the poller (poll.on-exhausted=hold) is released by
     * writing its latest record again with the operator's request in its lineage header, to the same partition of
     * genai.jobs; the poller that owns the partition reads it and acts. Nothing else is changed in the record.
     */
    abstract static class Release implements Callable<Integer> {
        @Mixin
        Source source;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "BATCH_ID", description = "The held batch.")
        String batchId;

        /** The lineage decision written ({@link Lineage#RETRY_REQUESTED} or {@link Lineage#ANSWER_REQUESTED}). */
        abstract String request();

        /** What the poller will do, for the confirmation line. */
        abstract String outcome(Batch batch);

        @Override
        public Integer call() throws Exception {
            return guarded(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                GenAiBatchConfig config = source.load(Map.of());
                Snapshot snapshot = read(config, source.readTimeout, err);
                Batch batch = snapshot.batch(batchId).filter(b -> !b.deleted()).orElse(null);
                if (batch == null) {
                    err.println("genai-batch: no batch " + batchId + " in " + snapshot.topic());
                    return NOT_FOUND;
                }
                Lineage lineage = batch.latestRecord().lineage().orElse(null);
                if (lineage == null || !Lineage.HELD.equals(lineage.decision())) {
                    err.println("genai-batch: batch " + batchId + " is not held (" + JobsView.state(batch)
                            + "); only a batch HELD by poll.on-exhausted=hold waits for `jobs retry` or `jobs answer`");
                    return REFUSED;
                }
                KafkaClients clients = new KafkaClients(config);
                JobRecord latest = batch.latestRecord();
                org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record =
                        new org.apache.kafka.clients.producer.ProducerRecord<>(
                                snapshot.topic(),
                                latest.partition(),
                                batchId.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                RecordCodec.batchJob().encode(latest.job(), clients.valueFormat()));
                lineage.decided(request(), List.of()).addTo(record.headers());
                try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer =
                        new org.apache.kafka.clients.producer.KafkaProducer<>(
                                clients.producer(Map.of()),
                                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                    producer.send(record)
                            .get(source.readTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                }
                out.println(outcome(batch));
                out.flush();
                return 0;
            });
        }
    }

    @Command(
            name = "retry",
            mixinStandardHelpOptions = true,
            header = "Give a held batch one more attempt.",
            description = {
                "For a batch HELD by poll.on-exhausted=hold (its retries were spent): the poller "
                        + "resubmits all of its requests as one more attempt, past poll.max-attempts, at its next look "
                        + "at the batch (within poll.max-interval).",
                "Refused (exit 3) when the batch is not held; exit 4 when genai.jobs has no such batch."
            })
    static final class Retry extends Release {
        @Override
        String request() {
            return Lineage.RETRY_REQUESTED;
        }

        @Override
        String outcome(Batch batch) {
            return "asked the poller to retry batch " + batchId + ": its "
                    + batch.job().getItemCount()
                    + " requests are resubmitted as "
                    + Lineage.resubmitId(batchId, batch.job().getAttempt() + 1)
                    + " (attempt " + (batch.job().getAttempt() + 1) + ") within poll.max-interval";
        }
    }

    @Command(
            name = "answer",
            mixinStandardHelpOptions = true,
            header = "Give a held batch's requests their final answers.",
            description = {
                "For a batch HELD by poll.on-exhausted=hold: the poller answers each of its requests "
                        + "with the final status it was held with (FAILED after the last attempt, EXPIRED for a single "
                        + "request), at its next look at the batch (within poll.max-interval).",
                "Refused (exit 3) when the batch is not held; exit 4 when genai.jobs has no such batch."
            })
    static final class Answer extends Release {
        @Override
        String request() {
            return Lineage.ANSWER_REQUESTED;
        }

        @Override
        String outcome(Batch batch) {
            return "asked the poller to answer batch " + batchId + ": its "
                    + batch.job().getItemCount() + " requests get their final responses within poll.max-interval";
        }
    }
}

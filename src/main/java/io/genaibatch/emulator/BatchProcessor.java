package io.genaibatch.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a job's input into its output, streaming line by line from disk to disk: one line in memory at a
 * time (except inline output shuffled by the out-of-order fault, which inline size limits keep small).
 * Applies the per-request faults (errors, missing results) and the output-form faults.
 */
final class BatchProcessor {
    private static final Logger log = LoggerFactory.getLogger(BatchProcessor.class);
    /** How often (in lines) a long job checks whether it was cancelled or deleted meanwhile. */
    private static final int CHECK_EVERY = 1000;

    /** The job's input disappeared (its file was deleted): the user's doing, not an emulator fault. */
    static final class InputGoneException extends IOException {
        InputGoneException(String message) {
            super(message);
        }
    }

    /** Where the results went: exactly one is set. */
    record Output(Path inlineResults, String responsesFile) {}

    /** One result before it takes its output form. key is null for a line whose key is unknown. */
    private record Result(String key, JsonNode metadata, JsonNode response, JsonNode error) {}

    private final EmulatorOptions options;
    private final AnswerGenerator generator;
    private final FileStore files;

    private final FaultCounts faults;

    BatchProcessor(EmulatorOptions options, AnswerGenerator generator, FileStore files, FaultCounts faults) {
        this.faults = faults;
        this.options = options;
        this.generator = generator;
        this.files = files;
    }

    Output process(BatchJob job) throws IOException {
        boolean inlineOut = job.inlineInput() ? !options.inlineJobsAnswerFile() : options.fileJobsAnswerInline();
        Path out = job.workDir.resolve(inlineOut ? "inline-results.jsonl" : "responses.jsonl");
        long count = 0;
        if (!Files.exists(job.input)) {
            throw new InputGoneException("the input of " + job.name() + " ("
                    + (job.inputFileName != null ? job.inputFileName : "inline requests")
                    + ") was deleted before the job ran");
        }
        try (BufferedReader in = Files.newBufferedReader(job.input, StandardCharsets.UTF_8);
                Sink sink = inlineOut ? new InlineSink(out, job) : new FileSink(out)) {
            LongHashSet keys = new LongHashSet();
            String line;
            long lineNumber = 0;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                if (lineNumber % CHECK_EVERY == 0 && job.terminal()) {
                    throw new CancellationException(job.name() + " ended while processing line " + lineNumber);
                }
                Result r = job.inlineInput() ? inlineItem(job, line, count) : fileLine(job, line, lineNumber, keys);
                count++;
                if (!job.inlineInput()) {
                    job.requestCount.set(count);
                }
                if (r.error() == null && fate(job, r, "missing") < options.missingResultRate()) {
                    // Silently dropped: counted as a success, as a service that lost it would.
                    faults.add("missingResult");
                    job.succeeded.incrementAndGet();
                    continue;
                }
                (r.error() == null ? job.succeeded : job.failed).incrementAndGet();
                sink.accept(r);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
        if (inlineOut) {
            return new Output(out, null);
        }
        StoredFile f = files.registerGenerated(out, "responses of " + job.name(), "batch-" + job.id);
        return new Output(null, f.name());
    }

    private Result inlineItem(BatchJob job, String line, long index) throws JsonProcessingException {
        JsonNode item = Json.MAPPER.readTree(line);
        JsonNode metadata = item.get("metadata");
        String key = metadata != null
                        && metadata.get("key") != null
                        && metadata.get("key").isValueNode()
                ? metadata.get("key").asText()
                : Long.toString(index);
        return answer(job, key, metadata, item.get("request"), "#" + index);
    }

    private Result fileLine(BatchJob job, String line, long lineNumber, LongHashSet keys) {
        JsonNode item;
        try {
            item = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            return error(
                    null,
                    400,
                    "Line " + lineNumber + " of " + job.inputFileName + " is not valid JSON: "
                            + e.getOriginalMessage());
        }
        if (item == null || !item.isObject()) {
            return error(null, 400, "Line " + lineNumber + " of " + job.inputFileName + " is not a JSON object.");
        }
        JsonNode keyNode = item.get("key");
        if (keyNode == null
                || !keyNode.isValueNode()
                || keyNode.isNull()
                || keyNode.asText().isEmpty()) {
            return error(
                    null,
                    400,
                    "Line " + lineNumber + " of " + job.inputFileName
                            + " has no \"key\": every line needs a unique key.");
        }
        String key = keyNode.asText();
        if (!keys.add(Hashing.sha64(key))) {
            return error(
                    key,
                    400,
                    "Line " + lineNumber + " of " + job.inputFileName + " repeats key '" + key
                            + "': keys must be unique within a file.");
        }
        return answer(job, key, null, item.get("request"), key);
    }

    private Result answer(BatchJob job, String key, JsonNode metadata, JsonNode request, String fateKey) {
        if (Hashing.unit(options.seed(), job.id, fateKey, "error") < options.requestErrorRate()) {
            int code = options.requestErrorCode();
            faults.add("requestError");
            return new Result(
                    key,
                    metadata,
                    null,
                    Json.errorObject(
                            code,
                            ErrorAnswer.statusFor(code),
                            "Injected per-request error (emulator requestErrorRate)."));
        }
        try {
            JsonNode response = job.kind == BatchJob.Kind.EMBED
                    ? generator.embed(request)
                    : generator.generate(
                            request, job.model, Hashing.id(Hashing.hash(options.seed(), job.id, fateKey), 22));
            return new Result(key, metadata, response, null);
        } catch (ErrorAnswer e) {
            return new Result(key, metadata, null, Json.errorObject(e.code(), e.status(), e.getMessage()));
        }
    }

    private double fate(BatchJob job, Result r, String salt) {
        return Hashing.unit(options.seed(), job.id, r.key() == null ? "" : r.key(), salt);
    }

    private static Result error(String key, int code, String message) {
        return new Result(key, null, null, Json.errorObject(code, ErrorAnswer.statusFor(code), message));
    }

    private interface Sink extends AutoCloseable {
        void accept(Result r) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** Lines of {key, response | error}: the responses file of a file job. */
    private static final class FileSink implements Sink {
        private final BufferedWriter out;

        FileSink(Path path) throws IOException {
            out = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
        }

        @Override
        public void accept(Result r) throws IOException {
            ObjectNode line = Json.object();
            if (r.key() != null) {
                line.put("key", r.key());
            }
            if (r.response() != null) {
                line.set("response", r.response());
            } else {
                line.set("error", r.error());
            }
            out.write(Json.MAPPER.writeValueAsString(line));
            out.write('\n');
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** Lines of InlinedResponse {response | error, metadata}, rendered later into the batch's output. */
    private final class InlineSink implements Sink {
        private final BufferedWriter out;
        private final BatchJob job;
        private final List<String> held;

        InlineSink(Path path, BatchJob job) throws IOException {
            this.out = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
            this.job = job;
            this.held = options.inlineOutOfOrder() ? new ArrayList<>() : null;
        }

        @Override
        public void accept(Result r) throws IOException {
            ObjectNode item = Json.object();
            if (r.response() != null) {
                item.set("response", r.response());
            } else {
                item.set("error", r.error());
            }
            if (!options.dropInlineMetadata()) {
                if (r.metadata() != null) {
                    item.set("metadata", r.metadata());
                } else if (!job.inlineInput() && r.key() != null) {
                    // A file job answered inline: the key is the only way back to the request.
                    item.putObject("metadata").put("key", r.key());
                }
            }
            String json = Json.MAPPER.writeValueAsString(item);
            if (held != null) {
                held.add(json);
            } else {
                out.write(json);
                out.write('\n');
            }
        }

        @Override
        public void close() throws IOException {
            try (out) {
                if (held != null) {
                    Collections.shuffle(held, new Random(Hashing.hash(options.seed(), job.id, "shuffle")));
                    for (String json : held) {
                        out.write(json);
                        out.write('\n');
                    }
                    log.debug("{}: {} inline responses shuffled (inlineOutOfOrder)", job.name(), held.size());
                }
            }
        }
    }
}

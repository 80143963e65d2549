package io.genaibatch.emulator;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a job as the protocol's Operation: the batch under {@code metadata}, and when done the output
 * both at {@code metadata.output} and at the top-level {@code response}. Inline results are copied line by
 * line from disk into the generator, never parsed into one tree.
 */
final class BatchJson {
    private static final String TYPE_PREFIX = "type.googleapis.com/google.ai.generativelanguage.v1main.";

    private BatchJson() {}

    static void writeOperation(JsonGenerator g, BatchJob job) throws IOException {
        BatchJob.View v = job.view();
        g.writeStartObject();
        g.writeStringField("name", job.name());
        g.writeObjectFieldStart("metadata");
        g.writeStringField("@type", TYPE_PREFIX + batchType(job));
        g.writeStringField("name", job.name());
        g.writeStringField("model", job.model);
        if (job.displayName != null) {
            g.writeStringField("displayName", job.displayName);
        }
        writeInputConfig(g, job);
        if (job.priority != null) {
            // int64: a JSON string in proto3 JSON, as batchStats' counters.
            g.writeStringField("priority", Long.toString(job.priority));
        }
        g.writeStringField("state", v.state());
        g.writeStringField("createTime", job.createTime.toString());
        g.writeStringField("updateTime", v.updateTime().toString());
        if (v.endTime() != null) {
            g.writeStringField("endTime", v.endTime().toString());
        }
        writeStats(g, job, v);
        boolean hasOutput = v.inlineResults() != null || v.responsesFile() != null;
        if (hasOutput) {
            g.writeObjectFieldStart("output");
            writeOutputFields(g, v);
            g.writeEndObject();
        }
        if (v.errorMessage() != null) {
            writeError(g, v);
        }
        g.writeEndObject();
        g.writeBooleanField("done", v.done());
        if (v.errorMessage() != null) {
            writeError(g, v);
        } else if (hasOutput) {
            g.writeObjectFieldStart("response");
            g.writeStringField("@type", TYPE_PREFIX + batchType(job) + "Output");
            writeOutputFields(g, v);
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static String batchType(BatchJob job) {
        return job.kind == BatchJob.Kind.EMBED ? "EmbedContentBatch" : "GenerateContentBatch";
    }

    private static void writeInputConfig(JsonGenerator g, BatchJob job) throws IOException {
        // The real service echoes the input config; the requests themselves are left out to keep answers small.
        if (job.inputFileName != null) {
            g.writeObjectFieldStart("inputConfig");
            g.writeStringField("fileName", job.inputFileName);
            g.writeEndObject();
        }
    }

    private static void writeStats(JsonGenerator g, BatchJob job, BatchJob.View v) throws IOException {
        long total = job.requestCount.get();
        long ok = job.succeeded.get();
        long failed = job.failed.get();
        g.writeObjectFieldStart("batchStats");
        g.writeStringField("requestCount", Long.toString(total));
        g.writeStringField("pendingRequestCount", Long.toString(v.done() ? 0 : Math.max(0, total - ok - failed)));
        g.writeStringField("successfulRequestCount", Long.toString(ok));
        g.writeStringField("failedRequestCount", Long.toString(failed));
        g.writeEndObject();
    }

    private static void writeOutputFields(JsonGenerator g, BatchJob.View v) throws IOException {
        if (v.responsesFile() != null) {
            g.writeStringField("responsesFile", v.responsesFile());
            return;
        }
        g.writeObjectFieldStart("inlinedResponses");
        g.writeArrayFieldStart("inlinedResponses");
        copyLines(g, v.inlineResults());
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void copyLines(JsonGenerator g, Path lines) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(lines, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isEmpty()) {
                    g.writeRawValue(line);
                }
            }
        }
    }

    private static void writeError(JsonGenerator g, BatchJob.View v) throws IOException {
        g.writeObjectFieldStart("error");
        g.writeNumberField("code", v.errorCode());
        g.writeStringField("message", v.errorMessage());
        g.writeStringField("status", ErrorAnswer.statusFor(v.errorCode()));
        g.writeEndObject();
    }
}

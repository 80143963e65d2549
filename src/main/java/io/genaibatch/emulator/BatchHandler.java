package io.genaibatch.emulator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** The batches endpoints: create (generate and embeddings), get, list, cancel, delete. */
final class BatchHandler {
    /** The real service refuses an inline create over 20 MB; so does the emulator, to catch it in tests. */
    static final int MAX_INLINE_PAYLOAD = 20 * 1024 * 1024;

    static final int DEFAULT_PAGE_SIZE = 50;

    private final BatchStore batches;
    private final FileStore files;
    private final Set<String> knownModels;
    private final java.util.concurrent.atomic.AtomicReference<String> refusedContent;

    BatchHandler(
            BatchStore batches,
            FileStore files,
            Set<String> knownModels,
            java.util.concurrent.atomic.AtomicReference<String> refusedContent) {
        this.batches = batches;
        this.files = files;
        this.refusedContent = refusedContent;
        this.knownModels = knownModels;
    }

    void create(HttpExchange exchange, String apiVersion, String model, BatchJob.Kind kind) throws IOException {
        String method = kind == BatchJob.Kind.EMBED ? "asyncBatchEmbedContent" : "batchGenerateContent";
        checkModel(model, apiVersion, method);
        ObjectNode body = readLimited(exchange.getRequestBody());
        JsonNode batch = body.get("batch");
        if (batch == null || !batch.isObject()) {
            throw ErrorAnswer.invalidArgument("Invalid JSON payload: expected {\"batch\": {...}} with an inputConfig.");
        }
        JsonNode inputConfig = Json.field(batch, "inputConfig");
        if (inputConfig == null || !inputConfig.isObject()) {
            throw ErrorAnswer.invalidArgument("* batch.input_config: input_config is required");
        }
        String fileName = Json.text(inputConfig, "fileName");
        JsonNode requests = inputConfig.path("requests").get("requests");
        if ((fileName == null) == (requests == null)) {
            throw ErrorAnswer.invalidArgument(
                    "* batch.input_config: exactly one of file_name and requests is required");
        }
        String displayName = Json.text(batch, "displayName");
        Long priority = priority(Json.field(batch, "priority"));
        StoredFile inputFile = fileName == null ? null : files.get(fileName);
        refuseScriptedContent(requests, inputFile);
        Path workDir = batches.newWorkDir();
        BatchStore.Input input;
        if (inputFile != null) {
            input = new BatchStore.Input(inputFile.blob(), inputFile.name(), 0);
        } else {
            try {
                input = spoolInline(requests, workDir);
            } catch (IOException | RuntimeException e) {
                BatchStore.deleteQuietly(workDir);
                throw e;
            }
        }
        BatchJob job = batches.create(kind, model, displayName, priority, workDir, input);
        if (batches.loseThisCreateAnswer()) {
            throw new ErrorAnswer(
                    503,
                    "UNAVAILABLE",
                    "The service is currently unavailable. [emulator: the job " + job.name()
                            + " was created, its answer lost (loseNextCreateAnswers)]");
        }
        sendOperation(exchange, job);
    }

    /**
     * The batch's {@code priority}: an int64, so proto3 JSON sends it as a string ("5") and accepts a number (5)
     * too, in any whole-number notation ({@link Json#integer}); anything else is refused as the service refuses a
     * malformed field. Null when absent.
     */
    static Long priority(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        Long priority = Json.integer(node);
        if (priority != null) {
            return priority;
        }
        throw ErrorAnswer.invalidArgument("Invalid value at 'batch.priority' (TYPE_INT64), " + node);
    }

    void get(HttpExchange exchange, String id) throws IOException {
        sendOperation(exchange, batches.get(id));
    }

    void list(HttpExchange exchange, Map<String, String> query) throws IOException {
        int pageSize = Paging.pageSize(Json.param(query, "pageSize"), DEFAULT_PAGE_SIZE, Paging.MAX_PAGE_SIZE);
        Paging.Page<BatchJob> page = batches.list(pageSize, Json.param(query, "pageToken"));
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        Http.startResponse(exchange, 200, 0);
        try (OutputStream out = exchange.getResponseBody();
                JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("operations");
            for (BatchJob job : page.items()) {
                BatchJson.writeOperation(g, job);
            }
            g.writeEndArray();
            if (page.nextPageToken() != null) {
                g.writeStringField("nextPageToken", page.nextPageToken());
            }
            g.writeEndObject();
        }
    }

    void cancel(HttpExchange exchange, String id) throws IOException {
        batches.cancel(id);
        Http.sendJson(exchange, 200, Json.object());
    }

    void delete(HttpExchange exchange, String id) throws IOException {
        batches.delete(id);
        Http.sendJson(exchange, 200, Json.object());
    }

    /** The test handle {@code refuseCreatesContaining}: a request carrying the text is refused, by its index. */
    private void refuseScriptedContent(JsonNode inlineRequests, StoredFile inputFile) throws IOException {
        String text = refusedContent.get();
        if (text == null) {
            return;
        }
        int i = 0;
        if (inlineRequests != null) {
            for (JsonNode item : inlineRequests) {
                if (item.toString().contains(text)) {
                    throw refused(i);
                }
                i++;
            }
        } else if (inputFile != null) {
            try (java.io.BufferedReader r = Files.newBufferedReader(inputFile.blob(), StandardCharsets.UTF_8)) {
                for (String line = r.readLine(); line != null; line = r.readLine(), i++) {
                    if (line.contains(text)) {
                        throw refused(i);
                    }
                }
            }
        }
    }

    private static ErrorAnswer refused(int index) {
        return ErrorAnswer.invalidArgument("* batch.input_config.requests[" + index
                + "].request: the request cannot be " + "accepted (emulator: refuseCreatesContaining)");
    }

    private void checkModel(String model, String apiVersion, String method) {
        String bare = AnswerGenerator.bareModel(model);
        boolean known = knownModels.isEmpty()
                ? bare.startsWith("gemini-") || bare.startsWith("text-embedding") || bare.startsWith("embedding-")
                : knownModels.contains(bare) || knownModels.contains(model);
        if (!known) {
            throw ErrorAnswer.notFound("models/" + bare + " is not found for API version " + apiVersion
                    + ", or is not supported for " + method + ". (emulator: known models are "
                    + (knownModels.isEmpty() ? "gemini-*, text-embedding*, embedding-*" : knownModels) + ")");
        }
    }

    private static ObjectNode readLimited(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_INLINE_PAYLOAD + 1);
        if (bytes.length > MAX_INLINE_PAYLOAD) {
            throw ErrorAnswer.invalidArgument("Request payload size exceeds the limit: " + MAX_INLINE_PAYLOAD
                    + " bytes. Send large batches as a JSONL file (inputConfig.fileName).");
        }
        return Json.readObject(new java.io.ByteArrayInputStream(bytes));
    }

    private static BatchStore.Input spoolInline(JsonNode requests, Path workDir) throws IOException {
        if (!requests.isArray() || requests.isEmpty()) {
            throw ErrorAnswer.invalidArgument(
                    "* batch.input_config.requests.requests: at least one request is required");
        }
        Path spool = workDir.resolve("inline-input.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(spool, StandardCharsets.UTF_8)) {
            int i = 0;
            for (JsonNode item : requests) {
                if (!item.isObject() || !item.path("request").isObject()) {
                    throw ErrorAnswer.invalidArgument("* batch.input_config.requests.requests[" + i
                            + "].request: request is required and must be an object");
                }
                ObjectNode line = Json.object();
                line.set("request", item.get("request"));
                if (item.get("metadata") != null && !item.get("metadata").isNull()) {
                    line.set("metadata", item.get("metadata"));
                }
                w.write(Json.MAPPER.writeValueAsString(line));
                w.write('\n');
                i++;
            }
        }
        return new BatchStore.Input(spool, null, requests.size());
    }

    private static void sendOperation(HttpExchange exchange, BatchJob job) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        Http.startResponse(exchange, 200, 0);
        try (OutputStream out = exchange.getResponseBody();
                JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            BatchJson.writeOperation(g, job);
        }
    }
}

package io.genaibatch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.Topics;
import io.genaibatch.kafka.ValueFormat;
import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.RequestKind;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        header = "Publish a Gemini batch JSONL file to genai.requests, one record per line.",
        description =
                "Each line is {\"key\": \"...\", \"request\": {GenerateContentRequest or EmbedContentRequest}}; "
                        + "a line may also carry \"model\", \"kind\" and \"metadata\", which win over the flags. The key becomes "
                        + "the Kafka key. Bad lines are reported with their line number and skipped; exit 3 when any line was skipped.")
final class ProduceCommand implements Callable<Integer> {
    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--file", required = true, paramLabel = "FILE", description = "JSONL file to publish; - for stdin.")
    Path file;

    @Option(
            names = "--model",
            paramLabel = "MODEL",
            description =
                    "Model for lines that name none, e.g. gemini-2.5-flash. The accumulator answers REJECTED UNKNOWN_MODEL "
                            + "to a model that matches none of its models.allowed.")
    String model;

    @Option(
            names = "--kind",
            defaultValue = "GENERATE",
            paramLabel = "GENERATE|EMBED",
            description = "Kind for lines that name none (default: ${DEFAULT-VALUE}).")
    RequestKind kind;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        GenAiBatchConfig config = options.load();
        KafkaClients clients = new KafkaClients(config);
        String topic = Topics.from(config).requests();
        ValueFormat format = clients.valueFormat();
        RecordCodec<GenAiRequest> codec = RecordCodec.genAiRequest();
        PrintWriter err = spec.commandLine().getErr();
        long good = 0;
        long bad = 0;
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        Map<String, Object> props = clients.producer(
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.CLIENT_ID_CONFIG, "genai-batch-produce"));
        try (BufferedReader in = "-".equals(file.toString())
                        ? new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                        : Files.newBufferedReader(file, StandardCharsets.UTF_8);
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            String line;
            long lineNumber = 0;
            while ((line = in.readLine()) != null && sendFailure.get() == null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Line parsed = parse(line);
                    byte[] value = codec.encode(parsed.request(), format);
                    producer.send(
                            new ProducerRecord<>(topic, parsed.key().getBytes(StandardCharsets.UTF_8), value),
                            (metadata, e) -> {
                                if (e != null) {
                                    sendFailure.compareAndSet(null, e);
                                } else {
                                    acked.incrementAndGet();
                                }
                            });
                    good++;
                } catch (BadLine e) {
                    bad++;
                    err.println(file + ":" + lineNumber + ": skipped: " + e.getMessage());
                }
            }
            producer.flush();
        }
        if (sendFailure.get() != null) {
            err.println("genai-batch: publishing to " + topic + " failed after " + acked.get() + " records: "
                    + ErrorMessages.describe(sendFailure.get()));
            return 1;
        }
        spec.commandLine()
                .getOut()
                .println("Published " + acked.get() + " requests to " + topic
                        + (bad > 0 ? "; skipped " + bad + " bad lines" : ""));
        return bad > 0 ? 3 : 0;
    }

    private record Line(String key, GenAiRequest request) {}

    private static final class BadLine extends Exception {
        BadLine(String message) {
            super(message);
        }
    }

    private Line parse(String line) throws BadLine {
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new BadLine("not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new BadLine("expected a JSON object {\"key\": ..., \"request\": {...}}");
        }
        JsonNode key = node.get("key");
        if (key == null || !key.isValueNode() || key.asText().isEmpty()) {
            throw new BadLine("missing \"key\" (a non-empty string: it becomes the Kafka key of the request)");
        }
        JsonNode request = node.get("request");
        if (request == null || !request.isObject()) {
            throw new BadLine("missing \"request\" object (a GenerateContentRequest or EmbedContentRequest)");
        }
        String lineModel = node.hasNonNull("model") ? node.get("model").asText() : model;
        if (lineModel == null || lineModel.isBlank()) {
            throw new BadLine("no model: give --model or a \"model\" field on the line");
        }
        RequestKind lineKind = kind;
        if (node.hasNonNull("kind")) {
            try {
                lineKind = RequestKind.valueOf(node.get("kind").asText());
            } catch (IllegalArgumentException e) {
                throw new BadLine("\"kind\" must be GENERATE or EMBED, found \""
                        + node.get("kind").asText() + "\"");
            }
        }
        Map<String, String> metadata = new java.util.LinkedHashMap<>();
        JsonNode meta = node.get("metadata");
        if (meta != null && !meta.isNull()) {
            if (!meta.isObject()) {
                throw new BadLine("\"metadata\" must be an object of strings");
            }
            meta.fields()
                    .forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        }
        GenAiRequest value = GenAiRequest.newBuilder()
                .setModel(lineModel)
                .setKind(lineKind)
                .setRequest(request.toString())
                .setMetadata(metadata)
                .setRequestId(
                        node.hasNonNull("requestId") ? node.get("requestId").asText() : null)
                .build();
        return new Line(key.asText(), value);
    }
}

package io.genaibatch.cli;

import io.genaibatch.records.GenAiRequest;
import io.genaibatch.records.RequestKind;
import java.util.Map;

/** The sample traffic of the demo: two generation models and one embedding model, in turn. */
final class DemoRequests {
    record Demo(String key, GenAiRequest request, String prompt) {}

    static final String[] MODELS = {"gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-embedding-001"};
    private static final String[] SUBJECTS = {
        "Kafka partitions",
        "batch pricing",
        "exactly-once delivery",
        "a compacted topic",
        "consumer lag",
        "the 48 hour job limit",
        "a dead letter queue"
    };

    private DemoRequests() {}

    static String keyPrefix(String runId) {
        return "demo-" + runId + "-";
    }

    static Demo make(String runId, int i) {
        String model = MODELS[i % MODELS.length];
        String subject = SUBJECTS[i % SUBJECTS.length];
        String key = keyPrefix(runId) + i;
        boolean embed = model.contains("embedding");
        String prompt =
                embed ? "Notes on " + subject + " #" + i : "Write one sentence about " + subject + " (#" + i + ")";
        String text = prompt.replace("\"", "\\\"");
        String body = embed
                ? "{\"content\": {\"parts\": [{\"text\": \"" + text + "\"}]}, \"taskType\": \"RETRIEVAL_DOCUMENT\"}"
                : "{\"contents\": [{\"role\": \"user\", \"parts\": [{\"text\": \"" + text + "\"}]}],"
                        + " \"generationConfig\": {\"temperature\": 0.2}}";
        GenAiRequest request = GenAiRequest.newBuilder()
                .setModel(model)
                .setKind(embed ? RequestKind.EMBED : RequestKind.GENERATE)
                .setRequest(body)
                .setMetadata(Map.of("demo-run", runId, "n", Integer.toString(i)))
                .build();
        return new Demo(key, request, prompt);
    }
}

package io.genaibatch.cli;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a run of demo requests ({@link DemoRequests}) got on genai.responses: answers per key, by status, and every
 * answer checked against its own request's prompt (a response given to the wrong key shows as wrong). Used by
 * `local --demo` and `chaos`.
 */
final class DemoTally {
    final Map<String, Integer> responsesByKey = new HashMap<>();
    final Map<ResponseStatus, Integer> byStatus = new EnumMap<>(ResponseStatus.class);
    final Map<String, long[]> tokensByModel = new TreeMap<>();
    final Set<String> batchIds = new HashSet<>();
    final Map<String, String> wrong = new TreeMap<>();
    int missingHeaders;

    private final String runId;
    private final String prefix;
    private final RecordCodec<GenAiResponse> codec = RecordCodec.genAiResponse();

    DemoTally(String runId) {
        this.runId = runId;
        this.prefix = DemoRequests.keyPrefix(runId);
    }

    int answered() {
        return responsesByKey.size();
    }

    long duplicates() {
        return responsesByKey.values().stream().filter(n -> n > 1).count();
    }

    /** Counts one record of genai.responses; records of other runs are ignored. */
    void add(ConsumerRecord<byte[], byte[]> r) {
        String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        if (!key.startsWith(prefix)) {
            return;
        }
        GenAiResponse response;
        try {
            response = codec.decode(r.value());
        } catch (RecordDecodingException e) {
            wrong.put(key, "undecodable response: " + e.getMessage());
            return;
        }
        responsesByKey.merge(key, 1, Integer::sum);
        byStatus.merge(response.getStatus(), 1, Integer::sum);
        if (response.getBatchId() != null) {
            batchIds.add(response.getBatchId());
        }
        if (response.getUsage() != null) {
            long[] t = tokensByModel.computeIfAbsent(response.getModel(), m -> new long[2]);
            t[0] += response.getUsage().getPromptTokens();
            t[1] += response.getUsage().getCandidatesTokens();
        }
        if (r.headers().lastHeader("correlation-id") == null) {
            missingHeaders++;
        }
        int i = Integer.parseInt(key.substring(prefix.length()));
        DemoRequests.Demo demo = DemoRequests.make(runId, i);
        ResponseCheck.problem(demo.request().getKind(), demo.prompt(), response)
                .ifPresent(problem -> wrong.put(key, problem));
    }
}

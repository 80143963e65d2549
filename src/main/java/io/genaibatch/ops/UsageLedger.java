package io.genaibatch.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.jobs.JobsReader;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.kafka.KafkaClients;
import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.kafka.RecordDecodingException;
import io.genaibatch.kafka.Topics;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Tokens and cost per model, summed over responses of genai.responses: the one ledger behind {@code genai-batch
 * stats}, the status page and /api/models. Kafka owns the state: the ledger is always rebuilt from the topic, so it
 * covers what the topic's retention keeps. Every request went through a batch job, so its batch cost is what it
 * cost and its interactive cost what the same tokens would have cost at the interactive rate.
 *
 * <p>Input tokens are {@code promptTokens}; output tokens are {@code totalTokens - promptTokens} (candidates plus
 * thinking tokens, both billed at the output rate). Not thread-safe: one reader adds, and hands out
 * {@link #byModel()} copies.
 */
public final class UsageLedger {
    /** One model's line. {@code priced} is false when the price file has no price for it (its costs are 0). */
    public record ModelUsage(
            String model,
            long requests,
            long succeeded,
            long inputTokens,
            long outputTokens,
            double batchUsd,
            double interactiveUsd,
            boolean priced) {
        public double savedUsd() {
            return interactiveUsd - batchUsd;
        }

        public long tokens() {
            return inputTokens + outputTokens;
        }

        /** The fields, with the saving; the same in {@code stats --json} and /api/models. */
        public ObjectNode json(ObjectMapper mapper) {
            ObjectNode o = mapper.createObjectNode();
            o.put("model", model);
            o.put("requests", requests);
            o.put("succeeded", succeeded);
            o.put("inputTokens", inputTokens);
            o.put("outputTokens", outputTokens);
            o.put("batchUsd", batchUsd);
            o.put("interactiveUsd", interactiveUsd);
            o.put("savedUsd", savedUsd());
            o.put("priced", priced);
            return o;
        }
    }

    private final Prices prices;
    private final RecordCodec<GenAiResponse> codec = RecordCodec.genAiResponse();
    /** model → requests, succeeded, input tokens, output tokens. */
    private final Map<String, long[]> counts = new TreeMap<>();

    private long undecodable;

    public UsageLedger(Prices prices) {
        this.prices = prices;
    }

    /**
     * Every committed response of genai.responses from {@code since} (null: all the topic keeps) to its end now.
     *
     * @throws JobsReader.ReadFailure when the topic is missing or its end is not reached within {@code timeout}
     */
    public static UsageLedger read(GenAiBatchConfig config, Instant since, Duration timeout) {
        UsageLedger ledger = new UsageLedger(Prices.from(config));
        JobsReader.readTopic(
                new KafkaClients(config), Topics.from(config).responses(), timeout, since, ledger::addRecord);
        return ledger;
    }

    /** Decodes and adds a record of genai.responses; returns the response, null when it cannot be decoded. */
    public GenAiResponse addRecord(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            GenAiResponse response = codec.decode(record.value());
            add(response);
            return response;
        } catch (RecordDecodingException e) {
            undecodable++;
            return null;
        }
    }

    public void add(GenAiResponse response) {
        if (response.getStatus() == ResponseStatus.REJECTED) {
            // Never batched, never billed; and its model is whatever its producer wrote, not a row to show.
            return;
        }
        long[] c = counts.computeIfAbsent(JobsView.modelName(response.getModel()), m -> new long[4]);
        c[0]++;
        if (response.getStatus() == ResponseStatus.SUCCEEDED) {
            c[1]++;
        }
        Usage usage = response.getUsage();
        if (usage != null) {
            c[2] += usage.getPromptTokens();
            c[3] += Math.max(usage.getCandidatesTokens(), usage.getTotalTokens() - usage.getPromptTokens());
        }
    }

    /** Forgets everything added: for a reader that starts the topic again. */
    public void reset() {
        counts.clear();
        undecodable = 0;
    }

    /** Records of the topic that could not be decoded (not counted). */
    public long undecodable() {
        return undecodable;
    }

    /** One line per model that has responses, by model name. */
    public List<ModelUsage> byModel() {
        List<ModelUsage> lines = new ArrayList<>();
        counts.forEach((model, c) -> {
            Prices.Estimate cost = prices.estimate(model, c[2], c[3]);
            lines.add(new ModelUsage(
                    model,
                    c[0],
                    c[1],
                    c[2],
                    c[3],
                    cost.batchUsd(),
                    cost.interactiveUsd(),
                    prices.of(model).isPresent()));
        });
        return List.copyOf(lines);
    }

    /** The sum of {@code lines}, named {@code total}; priced when every line is. */
    public static ModelUsage total(List<ModelUsage> lines) {
        return new ModelUsage(
                "total",
                lines.stream().mapToLong(ModelUsage::requests).sum(),
                lines.stream().mapToLong(ModelUsage::succeeded).sum(),
                lines.stream().mapToLong(ModelUsage::inputTokens).sum(),
                lines.stream().mapToLong(ModelUsage::outputTokens).sum(),
                lines.stream().mapToDouble(ModelUsage::batchUsd).sum(),
                lines.stream().mapToDouble(ModelUsage::interactiveUsd).sum(),
                lines.stream().allMatch(ModelUsage::priced));
    }
}

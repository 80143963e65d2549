package io.genaibatch.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.genaibatch.config.ConfigException;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.config.GenAiBatchConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Token prices per model, for estimating what batches cost and what they saved against the interactive API. */
public final class Prices {
    private static final String BUILT_IN = "/genai-batch/prices.yaml";

    /** USD per one million tokens at the interactive rate. */
    public record ModelPrice(double inputPerMillion, double outputPerMillion) {}

    /** What a number of tokens cost at the batch price, and would have cost interactively. */
    public record Estimate(double batchUsd, double interactiveUsd) {
        public double savedUsd() {
            return interactiveUsd - batchUsd;
        }
    }

    private final double batchDiscount;
    private final Map<String, ModelPrice> models;

    Prices(double batchDiscount, Map<String, ModelPrice> models) {
        this.batchDiscount = batchDiscount;
        this.models = Map.copyOf(models);
    }

    public static Prices from(GenAiBatchConfig config) {
        Optional<String> file = config.find(ConfigKeys.COST_PRICES_FILE);
        try (InputStream in = file.isPresent()
                ? Files.newInputStream(Path.of(file.get()))
                : Prices.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException("built-in prices " + BUILT_IN + " missing from the jar");
            }
            return parse(new ObjectMapper(new YAMLFactory()).readTree(in), file.orElse("built-in prices"));
        } catch (IOException e) {
            throw new ConfigException(java.util.List.of(
                    "cost.prices-file '" + file.orElse(BUILT_IN) + "' cannot be read: " + e.getMessage()));
        }
    }

    static Prices parse(JsonNode root, String source) {
        double discount = root.path("batch-discount").asDouble(0.5);
        if (discount <= 0 || discount > 1) {
            throw new ConfigException(
                    java.util.List.of(source + ": batch-discount must be in (0, 1], found " + discount));
        }
        Map<String, ModelPrice> models = new LinkedHashMap<>();
        root.path("models").fields().forEachRemaining(e -> {
            double in = e.getValue().path("input").asDouble(-1);
            double out = e.getValue().path("output").asDouble(-1);
            if (in < 0 || out < 0) {
                throw new ConfigException(java.util.List.of(
                        source + ": model " + e.getKey() + " needs non-negative input and output prices"));
            }
            models.put(e.getKey(), new ModelPrice(in, out));
        });
        return new Prices(discount, models);
    }

    /** The price of {@code model} (with or without the models/ prefix), if known. */
    public Optional<ModelPrice> of(String model) {
        return Optional.ofNullable(models.get(model.startsWith("models/") ? model.substring(7) : model));
    }

    /** Zero for a model without a price: the summary says which models were not priced. */
    public Estimate estimate(String model, long inputTokens, long outputTokens) {
        return of(model)
                .map(p -> {
                    double interactive =
                            (inputTokens * p.inputPerMillion() + outputTokens * p.outputPerMillion()) / 1_000_000d;
                    return new Estimate(interactive * batchDiscount, interactive);
                })
                .orElse(new Estimate(0, 0));
    }
}

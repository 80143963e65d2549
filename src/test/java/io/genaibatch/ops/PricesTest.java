package io.genaibatch.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.genaibatch.config.GenAiBatchConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PricesTest {

    @Test
    void shouldPriceBatchTokensAtTheDiscountOfTheInteractiveRate() {
        Prices prices = Prices.from(GenAiBatchConfig.defaults());

        Prices.Estimate e = prices.estimate("models/gemini-2.5-flash", 1_000_000, 2_000_000);

        assertThat(e.interactiveUsd()).isCloseTo(0.30 + 2 * 2.50, within(1e-9));
        assertThat(e.batchUsd()).isCloseTo((0.30 + 2 * 2.50) / 2, within(1e-9));
        assertThat(e.savedUsd()).isCloseTo((0.30 + 2 * 2.50) / 2, within(1e-9));
        assertThat(prices.estimate("unknown-model", 10, 10).interactiveUsd()).isZero();
    }

    @Test
    void shouldReadAUsersOwnPriceFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, "batch-discount: 0.4\nmodels:\n  my-model: {input: 1.0, output: 2.0}\n");

        Prices prices = Prices.from(GenAiBatchConfig.of(Map.of("cost.prices-file", file.toString())));

        assertThat(prices.estimate("my-model", 1_000_000, 0).batchUsd()).isCloseTo(0.4, within(1e-9));
        assertThat(prices.of("gemini-2.5-flash")).isEmpty();
    }
}

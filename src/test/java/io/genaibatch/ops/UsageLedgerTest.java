package io.genaibatch.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.config.GenAiBatchConfig;
import io.genaibatch.ops.UsageLedger.ModelUsage;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.ResponseStatus;
import io.genaibatch.records.Usage;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageLedgerTest {
    private static final String FLASH = "gemini-2.5-flash";

    @Test
    void shouldSumEachModelsTokensAndPriceThemAsBatchAndAsInteractive() {
        UsageLedger ledger = new UsageLedger(Prices.from(GenAiBatchConfig.defaults()));
        ledger.add(response(FLASH, ResponseStatus.SUCCEEDED, new Usage(600_000L, 1_000_000L, 1_600_000L)));
        // Thinking tokens are in the total, not in candidates: billed as output.
        ledger.add(response("models/" + FLASH, ResponseStatus.SUCCEEDED, new Usage(400_000L, 0L, 1_400_000L)));
        ledger.add(response(FLASH, ResponseStatus.ERROR, null));
        ledger.add(response("my-own-model", ResponseStatus.SUCCEEDED, new Usage(10L, 5L, 15L)));
        // Never batched nor billed, and its model is a producer's text: no row, whatever it says.
        ledger.add(response("free text <b>from a caller</b>", ResponseStatus.REJECTED, null));

        List<ModelUsage> lines = ledger.byModel();

        assertThat(lines).extracting(ModelUsage::model).containsExactly(FLASH, "my-own-model");
        ModelUsage flash = lines.get(0);
        assertThat(flash.requests()).isEqualTo(3);
        assertThat(flash.succeeded()).isEqualTo(2);
        assertThat(flash.inputTokens()).isEqualTo(1_000_000);
        assertThat(flash.outputTokens()).isEqualTo(2_000_000);
        assertThat(flash.interactiveUsd()).isCloseTo(0.30 + 2 * 2.50, within(1e-9));
        assertThat(flash.batchUsd()).isCloseTo((0.30 + 2 * 2.50) / 2, within(1e-9));
        assertThat(flash.savedUsd()).isCloseTo((0.30 + 2 * 2.50) / 2, within(1e-9));
        assertThat(flash.priced()).isTrue();
        assertThat(lines.get(1).priced()).as("no price for it").isFalse();
        assertThat(lines.get(1).batchUsd()).isZero();

        ModelUsage total = UsageLedger.total(lines);
        assertThat(total.requests()).isEqualTo(4);
        assertThat(total.tokens()).isEqualTo(3_000_015);
        assertThat(total.priced()).isFalse();
        assertThat(flash.json(new ObjectMapper()).get("savedUsd").asDouble()).isCloseTo(flash.savedUsd(), within(1e-9));
    }

    @Test
    void shouldForgetEverythingWhenReset() {
        UsageLedger ledger = new UsageLedger(Prices.from(GenAiBatchConfig.defaults()));
        ledger.add(response(FLASH, ResponseStatus.SUCCEEDED, new Usage(1L, 1L, 2L)));

        ledger.reset();

        assertThat(ledger.byModel()).isEmpty();
    }

    private static GenAiResponse response(String model, ResponseStatus status, Usage usage) {
        return GenAiResponse.newBuilder()
                .setRequestId("r")
                .setStatus(status)
                .setModel(model)
                .setUsage(usage)
                .setCompletedAt(Instant.parse("2026-12-05T03:00:00Z"))
                .build();
    }
}

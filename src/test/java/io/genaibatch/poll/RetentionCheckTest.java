package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetentionCheckTest {
    private final PolicySettings threeAttempts = new PolicySettings(
            3, Duration.ofSeconds(30), Duration.ofMinutes(30), Duration.ofHours(36), Set.of(), false);

    @Test
    void shouldWarnWhenBatchesMayBeDeletedBeforeTheirLastAttempt() {
        assertThat(RetentionCheck.needed(threeAttempts))
                .isEqualTo(Duration.ofHours(36).plusMinutes(30).multipliedBy(3));
        assertThat(RetentionCheck.warning("genai.batches", Duration.ofDays(3).toMillis(), threeAttempts))
                .hasValueSatisfying(w -> assertThat(w)
                        .contains("genai.batches")
                        .contains("PT72H")
                        .contains("poll.max-attempts (3)")
                        .contains("retention.ms"));
    }

    @Test
    void shouldStayQuietForTheDefaultSevenDaysOrUnlimitedRetention() {
        assertThat(RetentionCheck.warning("genai.batches", Duration.ofDays(7).toMillis(), threeAttempts))
                .isEmpty();
        assertThat(RetentionCheck.warning("genai.batches", -1, threeAttempts)).isEmpty();
    }
}

package io.genaibatch.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void shouldDoubleUpToTheCapDrawBetweenHalfAndAllAndHonourALongerRetryAfter() {
        Backoff low = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), () -> 0.0);
        Backoff high = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), () -> 0.999_999);

        assertThat(low.delay(1, Optional.empty())).isEqualTo(Duration.ofMillis(500));
        assertThat(high.delay(1, Optional.empty())).isEqualTo(Duration.ofMillis(999));
        assertThat(low.delay(3, Optional.empty())).isEqualTo(Duration.ofSeconds(2));
        assertThat(low.delay(50, Optional.empty())).as("capped").isEqualTo(Duration.ofSeconds(5));
        assertThat(high.delay(50, Optional.empty())).isLessThanOrEqualTo(Duration.ofSeconds(10));
        assertThat(low.delay(1, Optional.of(Duration.ofSeconds(30)))).isEqualTo(Duration.ofSeconds(30));
        assertThat(high.delay(4, Optional.of(Duration.ofMillis(1)))).isGreaterThan(Duration.ofSeconds(7));
    }
}

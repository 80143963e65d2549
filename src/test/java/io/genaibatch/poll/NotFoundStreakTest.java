package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NotFoundStreakTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void shouldNeedBothTheCountAndTheTimeSinceTheFirstAnswer() {
        NotFoundStreak streak =
                NotFoundStreak.NONE.plus(T0, "a").plus(T0.plusSeconds(5), "b").plus(T0.plusSeconds(9), "c");

        assertThat(streak.since()).isEqualTo(T0);
        assertThat(streak.lastMessage()).isEqualTo("c");
        assertThat(streak.longEnough(3, Duration.ofMinutes(10), T0.plusSeconds(9)))
                .as("minutes not yet passed")
                .isFalse();
        assertThat(streak.longEnough(4, Duration.ZERO, T0.plus(Duration.ofHours(1))))
                .as("too few answers")
                .isFalse();
        assertThat(streak.longEnough(3, Duration.ofMinutes(10), T0.plus(Duration.ofMinutes(10))))
                .isTrue();
    }

    @Test
    void shouldNeverBeLongEnoughWithoutAnAnswer() {
        assertThat(NotFoundStreak.NONE.longEnough(0, Duration.ZERO, T0)).isFalse();
    }
}

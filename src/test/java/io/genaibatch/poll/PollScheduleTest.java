package io.genaibatch.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PollScheduleTest {
    private final PollSchedule schedule = new PollSchedule(Duration.ofSeconds(10), Duration.ofMinutes(5));
    private final Instant submitted = Instant.parse("2026-11-25T10:00:00Z");

    @Test
    void shouldCheckFirstAfterTheInitialIntervalThenEveryTenthOfTheAgeUpToTheMaximum() {
        assertThat(schedule.firstCheck(submitted)).isEqualTo(submitted.plusSeconds(10));
        assertThat(schedule.interval(submitted, submitted.plusSeconds(30))).isEqualTo(Duration.ofSeconds(10));
        assertThat(schedule.interval(submitted, submitted.plus(Duration.ofMinutes(20))))
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(schedule.interval(submitted, submitted.plus(Duration.ofHours(5))))
                .isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void shouldNotBeFooledByAClockBehindTheSubmissionTime() {
        assertThat(schedule.interval(submitted, submitted.minusSeconds(60))).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void shouldWaitOutARetryAfterLongerThanTheInterval() {
        Instant now = submitted.plusSeconds(60);
        assertThat(schedule.afterFailure(submitted, now, Duration.ofSeconds(45)))
                .isEqualTo(now.plusSeconds(45));
        assertThat(schedule.afterFailure(submitted, now, Duration.ofSeconds(1))).isEqualTo(now.plusSeconds(10));
        assertThat(schedule.afterFailure(submitted, now, null)).isEqualTo(now.plusSeconds(10));
    }

    @Test
    void shouldRefuseAMaximumBelowTheInitialInterval() {
        assertThatThrownBy(() -> new PollSchedule(Duration.ofMinutes(1), Duration.ofSeconds(1)))
                .hasMessageContaining("0 < initial <= max");
    }
}

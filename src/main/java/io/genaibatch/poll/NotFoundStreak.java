package io.genaibatch.poll;

import java.time.Duration;
import java.time.Instant;

/**
 * The API's NOT_FOUND answers in a row for one job (its get, or its output's download): how many, since when, and
 * the last message. A job is taken for gone only after a streak long in count and in time, so that a routing blip
 * or a proxy restart never fails a job the API is still running (and billing).
 *
 * @param count       NOT_FOUND answers in a row
 * @param since       when the first of them came; null when there is none
 * @param lastMessage the API's message with the last one
 */
record NotFoundStreak(int count, Instant since, String lastMessage) {
    static final NotFoundStreak NONE = new NotFoundStreak(0, null, null);

    NotFoundStreak plus(Instant now, String message) {
        return new NotFoundStreak(count + 1, count == 0 ? now : since, message);
    }

    /** At least {@code checks} answers, the first at least {@code spread} before {@code now}. */
    boolean longEnough(int checks, Duration spread, Instant now) {
        return count > 0 && count >= checks && !now.isBefore(since.plus(spread));
    }
}

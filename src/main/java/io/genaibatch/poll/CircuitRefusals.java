package io.genaibatch.poll;

import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.GeminiApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls of job rounds that the Gemini client's open circuit refused, counted per outage: from the first refusal
 * until the circuit lets calls through again. The circuit logs each opening itself (a probe that meets the API still
 * unavailable opens it anew); a line per refused round (one per due job, thousands during an outage) would say nothing
 * more, and neither would a line per reopening. So an outage is told once, when it is over: how many rounds it
 * refused, and for how long. Not thread-safe: the poller thread owns it.
 */
final class CircuitRefusals {
    private static final Logger log = LoggerFactory.getLogger(CircuitRefusals.class);

    private final BatchApi api;
    private final Clock clock;
    /** The circuit's description at the outage's first refusal; null when no outage is being counted. */
    private String firstRefusal;

    private long refused;
    private Instant since;

    CircuitRefusals(BatchApi api, Clock clock) {
        this.api = api;
        this.clock = clock;
    }

    /** Counts a refusal of the open circuit; true when it is the first of its outage (the one a caller may log). */
    boolean count(GeminiApiException refusal) {
        boolean first = firstRefusal == null;
        if (first) {
            firstRefusal = api.unavailable().orElse("the Gemini API circuit is open: " + refusal.getMessage());
            since = clock.instant();
        }
        refused++;
        return first;
    }

    /**
     * Once the circuit lets calls through again: one line for the outage just over, if it refused any. Called at the
     * poller's rounds, so the outage is timed to the first round that found the circuit closed, and a close and a
     * reopening between two rounds are told as one outage.
     */
    void settle() {
        if (firstRefusal != null && api.unavailable().isEmpty()) {
            log.warn(
                    "The Gemini API circuit refused {} rounds of due jobs from {} until a round found it letting calls "
                            + "through again ({} s later), each rescheduled after the time it stayed open; at the first "
                            + "refusal: {}",
                    refused,
                    since,
                    Duration.between(since, clock.instant()).toSeconds(),
                    firstRefusal);
            firstRefusal = null;
            refused = 0;
        }
    }
}

package io.genaibatch.poll;

import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.GeminiApiException;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls of job rounds that the Gemini client's open circuit refused, counted per open period. The circuit logs its
 * opening itself; a line per refused round (one per due job, thousands during an outage) would say nothing more. So a
 * period is told once, when it is over: how many rounds it refused. Not thread-safe: the poller thread owns it.
 */
final class CircuitRefusals {
    private static final Logger log = LoggerFactory.getLogger(CircuitRefusals.class);

    private final BatchApi api;
    private final Clock clock;
    /** The open period being counted, as the circuit describes it (it names when it opened and until when); or null. */
    private String period;

    private long refused;
    private Instant since;

    CircuitRefusals(BatchApi api, Clock clock) {
        this.api = api;
        this.clock = clock;
    }

    /**
     * Counts a refusal of the open circuit; true when it is the first of its open period (the one a caller may log).
     */
    boolean count(GeminiApiException refusal) {
        String now = api.unavailable().orElse("the Gemini API circuit is open: " + refusal.getMessage());
        boolean first = !now.equals(period);
        if (first) {
            report();
            period = now;
            since = clock.instant();
        }
        refused++;
        return first;
    }

    /** Once the circuit lets calls through again: one line for the open period just over, if it refused any. */
    void settle() {
        if (period != null && api.unavailable().isEmpty()) {
            report();
        }
    }

    private void report() {
        if (period != null) {
            log.warn(
                    "The Gemini API circuit refused {} rounds of due jobs since {}, each rescheduled after the time it "
                            + "stayed open ({})",
                    refused,
                    since,
                    period);
        }
        period = null;
        refused = 0;
    }
}

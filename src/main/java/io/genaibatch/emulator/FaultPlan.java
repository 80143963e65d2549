package io.genaibatch.emulator;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.SplittableRandom;

/**
 * Decides which API requests fail at the HTTP level: first the script of "the next N requests fail
 * with X" (in the order scripted), then the random 429 / 503 rates of the options, drawn from one
 * seeded generator so that a sequential test sees the same faults on every run.
 */
final class FaultPlan {
    /** What to answer instead of the real thing. */
    record Fault(int httpStatus, String message, int retryAfterSeconds) {}

    private static final class Scripted {
        final int httpStatus;
        final String pathContains;
        int remaining;

        Scripted(int httpStatus, int remaining, String pathContains) {
            this.httpStatus = httpStatus;
            this.remaining = remaining;
            this.pathContains = pathContains;
        }
    }

    private final double rate429;
    private final double rate503;
    private final int retryAfterSeconds;
    private final SplittableRandom random;
    private final Deque<Scripted> script = new ArrayDeque<>();

    private final FaultCounts counts;

    FaultPlan(EmulatorOptions options, FaultCounts counts) {
        this.counts = counts;
        this.rate429 = options.rate429();
        this.rate503 = options.rate503();
        this.retryAfterSeconds = options.retryAfterSeconds();
        this.random = new SplittableRandom(Hashing.mix(options.seed() ^ 0x5eedfa17L));
    }

    synchronized void failNext(int count, int httpStatus, String pathContains) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, found " + count);
        }
        if (httpStatus < 400 || httpStatus > 599) {
            throw new IllegalArgumentException("httpStatus must be a 4xx or 5xx, found " + httpStatus);
        }
        script.addLast(new Scripted(httpStatus, count, pathContains == null ? "" : pathContains));
    }

    synchronized void clearScript() {
        script.clear();
    }

    /**
     * The fault for this request, or null to serve it. Consumes one scripted failure when it applies.
     *
     * @param path the path and, when present, "?" and the raw query: a script can aim at "upload_id="
     */
    synchronized Fault next(String path) {
        for (Iterator<Scripted> it = script.iterator(); it.hasNext(); ) {
            Scripted s = it.next();
            if (path.contains(s.pathContains)) {
                if (--s.remaining == 0) {
                    it.remove();
                }
                return fault(s.httpStatus, "scripted fault");
            }
        }
        if (rate429 == 0 && rate503 == 0) {
            return null;
        }
        double draw = random.nextDouble();
        if (draw < rate429) {
            return fault(429, "random fault (rate429)");
        }
        if (draw < rate429 + rate503) {
            return fault(503, "random fault (rate503)");
        }
        return null;
    }

    private Fault fault(int status, String why) {
        counts.add("http" + status);
        String message = switch (status) {
            case 429 -> "Resource has been exhausted (e.g. check quota). [emulator: " + why + "]";
            case 503 -> "The service is currently unavailable. [emulator: " + why + "]";
            default -> "Injected HTTP " + status + ". [emulator: " + why + "]";
        };
        int retryAfter = status == 429 || status == 503 ? retryAfterSeconds : -1;
        return new Fault(status, message, retryAfter);
    }
}

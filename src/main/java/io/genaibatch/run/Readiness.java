package io.genaibatch.run;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a role does its work now, and if not, why: what {@code /health/ready} shows per role.
 *
 * @param problems what is not ready, each a sentence an operator can act on; empty when ready
 */
public record Readiness(List<String> problems) {
    public static final Readiness READY = new Readiness(List.of());

    public Readiness {
        problems = List.copyOf(problems);
    }

    public static Readiness notReady(String problem) {
        return new Readiness(List.of(problem));
    }

    public boolean ready() {
        return problems.isEmpty();
    }

    /** Ready only when both are; the problems of both. */
    public Readiness and(Readiness other) {
        if (other.ready()) {
            return this;
        }
        if (ready()) {
            return other;
        }
        List<String> all = new ArrayList<>(problems);
        all.addAll(other.problems);
        return new Readiness(all);
    }
}

package io.genaibatch.emulator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The faults this emulator run injected, by kind (e.g. {@code http429}, {@code jobFAIL}, {@code requestError},
 * {@code missingResult}): served at {@code /admin/stats} so that a chaos run can say what it survived. Counts start
 * at zero with each run, also with a data directory.
 */
final class FaultCounts {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    void add(String kind) {
        counts.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }
}

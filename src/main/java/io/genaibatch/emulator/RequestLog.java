package io.genaibatch.emulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The bounded log of received requests: when full, the oldest entry makes room. */
final class RequestLog {
    private final LinkedBlockingDeque<RecordedRequest> entries;
    private final AtomicLong sequence = new AtomicLong();

    RequestLog(int capacity) {
        this.entries = new LinkedBlockingDeque<>(capacity);
    }

    long nextSequence() {
        return sequence.getAndIncrement();
    }

    long total() {
        return sequence.get();
    }

    void add(RecordedRequest request) {
        while (!entries.offerLast(request)) {
            entries.pollFirst();
        }
    }

    RecordedRequest take(Duration timeout) throws InterruptedException {
        return entries.pollFirst(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    List<RecordedRequest> snapshot() {
        return new ArrayList<>(entries);
    }

    void clear() {
        entries.clear();
    }
}

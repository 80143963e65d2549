package io.genaibatch.gemini;

import io.genaibatch.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A clock that moves only when a test sleeps on it, and remembers the sleeps: no real waits. */
final class FakeTime extends ManualClock {
    final List<Duration> sleeps = new ArrayList<>();

    void sleep(Duration d) {
        sleeps.add(d);
        advance(d);
    }
}

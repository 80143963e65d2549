package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The demo's progress: a bar redrawn in place on a terminal, a line now and then anywhere else. */
class DemoProgressTest {
    private static final long START = 1_000_000_000L;
    private final StringWriter out = new StringWriter();

    @Test
    void shouldPrintALineEveryFewSecondsWithoutCarriageReturnsWhenNotATerminal() {
        DemoProgress progress = new DemoProgress(new PrintWriter(out), false, 1000, START);

        for (long ms = 0; ms <= 12_000; ms += 100) {
            progress.sent(Math.min(1000, ms), at(ms));
            progress.showIfDue(at(ms));
        }
        progress.answered(1000, at(12_500));
        progress.finish(at(12_500));

        assertThat(out.toString()).doesNotContain("\r");
        assertThat(out.toString().lines())
                .containsExactly(
                        "  sent 1,000/1,000 (1,000/s) | sealed 0/1,000 | in jobs 0/1,000 | answered 0/1,000 (-/s) | 5s",
                        "  sent 1,000/1,000 (1,000/s) | sealed 0/1,000 | in jobs 0/1,000 | answered 0/1,000 (-/s) | 10s",
                        "  sent 1,000/1,000 (1,000/s) | sealed 0/1,000 | in jobs 0/1,000 | answered 1,000/1,000 (80/s) | 12s");
    }

    @Test
    void shouldRedrawOneBarInPlaceOnATerminalAndEndItsLineWhenDone() {
        DemoProgress progress = new DemoProgress(new PrintWriter(out), true, 100, START);

        progress.sent(100, at(100));
        progress.sealed(100, at(200));
        progress.inJobs(100, at(200));
        progress.answered(50, at(250));
        progress.showIfDue(at(250));
        progress.answered(100, at(500));
        progress.finish(at(500));

        String shown = out.toString();
        assertThat(shown.chars().filter(c -> c == '\n')).as("one line, redrawn").hasSize(1);
        assertThat(shown)
                .startsWith("\r[############------------] sent 100/100 (1,000/s)")
                .contains("\r[########################] sent 100/100 (1,000/s) | sealed 100/100 | in jobs 100/100 | "
                        + "answered 100/100 (200/s) | 0s")
                .endsWith(System.lineSeparator());
    }

    private static long at(long millis) {
        return START + Duration.ofMillis(millis).toNanos();
    }
}

package io.genaibatch.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * The demo's one progress display: requests sent, in sealed batches, in submitted jobs and answered, with rates.
 * On a terminal one bar redrawn in place; anywhere else (CI, a pipe, a file) a plain line every few seconds, so that
 * a log of the run stays readable.
 */
final class DemoProgress {
    private static final Duration REDRAW_EVERY = Duration.ofMillis(250);
    private static final Duration LINE_EVERY = Duration.ofSeconds(5);
    private static final int BAR_WIDTH = 24;

    private final PrintWriter out;
    private final boolean terminal;
    private final long total;
    private final long startedNanos;
    private final Count sent = new Count();
    private final Count sealed = new Count();
    private final Count inJobs = new Count();
    private final Count answered = new Count();
    private long nextShowNanos;
    private int lastWidth;

    DemoProgress(PrintWriter out, boolean terminal, long total, long startedNanos) {
        this.out = out;
        this.terminal = terminal;
        this.total = total;
        this.startedNanos = startedNanos;
        this.nextShowNanos = startedNanos + every().toNanos();
    }

    /** Whether standard output is a terminal that a redrawn bar suits. */
    static boolean stdoutIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        // From Java 22 System.console() is there when output is redirected too; only isTerminal() tells.
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    void sent(long n, long nowNanos) {
        sent.set(n, nowNanos);
    }

    void sealed(long n, long nowNanos) {
        sealed.set(n, nowNanos);
    }

    void inJobs(long n, long nowNanos) {
        inJobs.set(n, nowNanos);
    }

    void answered(long n, long nowNanos) {
        answered.set(n, nowNanos);
    }

    /** Shows the counts if the last showing is old enough. */
    void showIfDue(long nowNanos) {
        if (nowNanos >= nextShowNanos) {
            show(nowNanos);
            nextShowNanos = nowNanos + every().toNanos();
        }
    }

    /** Shows the final counts and ends the bar's line, so that what is printed next starts on its own line. */
    void finish(long nowNanos) {
        show(nowNanos);
        if (terminal) {
            out.println();
            out.flush();
        }
    }

    /** The counts as one line, e.g. {@code sent 300/300 (2,400/s) | sealed 300/300 | ... | 7s}. */
    String line(long nowNanos) {
        return String.format(
                "sent %s (%s) | sealed %s | in jobs %s | answered %s (%s) | %ds",
                sent.of(total),
                sent.rate(startedNanos),
                sealed.of(total),
                inJobs.of(total),
                answered.of(total),
                answered.rate(startedNanos),
                Duration.ofNanos(nowNanos - startedNanos).toSeconds());
    }

    private void show(long nowNanos) {
        String line = line(nowNanos);
        if (terminal) {
            int filled = (int) (BAR_WIDTH * Math.min(answered.value, total) / Math.max(total, 1));
            String text = "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "] " + line;
            // Spaces wipe what a longer previous line left behind.
            out.print("\r" + text + " ".repeat(Math.max(0, lastWidth - text.length())));
            lastWidth = text.length();
        } else {
            out.println("  " + line);
        }
        out.flush();
    }

    private Duration every() {
        return terminal ? REDRAW_EVERY : LINE_EVERY;
    }

    /** A count and when it last grew: its rate is over the time it took, not over a wait after it stopped. */
    private static final class Count {
        long value;
        long grewAtNanos;

        void set(long n, long nowNanos) {
            if (n > value) {
                value = n;
                grewAtNanos = nowNanos;
            }
        }

        String of(long total) {
            return String.format("%,d/%,d", value, total);
        }

        String rate(long startedNanos) {
            double seconds = (grewAtNanos - startedNanos) / 1e9;
            return value == 0 || seconds <= 0 ? "-/s" : String.format("%,.0f/s", value / seconds);
        }
    }
}

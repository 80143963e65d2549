package io.genaibatch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench all}: every benchmark with short defaults, and one table of the figures their last lines print
 * ({@code RESULT <benchmark>: <figure> <value>[ s], ...}) against the targets of the performance issue. Reading the
 * printed lines keeps the suite independent of each benchmark's classes: a benchmark reports through its output.
 */
final class BenchSuite {
    /**
     * One benchmark of the suite: {@code bench <name> <args...>}.
     *
     * @param atTargetSize whether these arguments give the size the issue's targets are set for: a figure of a
     *     smaller run is shown, not judged (20,000 requests publish in a fraction of the time 250,000 take)
     */
    record Run(String name, List<String> args, boolean atTargetSize) {
        List<String> commandLine() {
            List<String> all = new ArrayList<>(List.of("bench", name));
            all.addAll(args);
            return all;
        }
    }

    /**
     * A few minutes in all on 2 cores. The submit-poll targets are for the 1 GB batch: not judged at 20,000. The
     * accumulator's target has no size.
     */
    static final List<Run> SHORT = List.of(
            new Run("accumulate", List.of("--records", "100000", "--rounds", "3"), true),
            new Run("submit-poll", List.of("--requests", "20000"), false),
            new Run("jobs-history", List.of("--records", "200000", "--rounds", "3"), true),
            new Run("latency", List.of("--requests", "3"), true));

    /**
     * {@code --full}: the sizes the targets are set for (submit-poll's defaults: the 1 GB batch) and longer
     * accumulator rounds; 4 minutes on a quiet 2-core VM (docs/BENCHMARKS.md).
     */
    static final List<Run> FULL = List.of(
            new Run("accumulate", List.of("--records", "300000", "--rounds", "3"), true),
            new Run("submit-poll", List.of(), true),
            new Run("jobs-history", List.of("--records", "200000", "--rounds", "3"), true),
            new Run("latency", List.of("--requests", "5"), true));

    /** What a figure should be: at least or at most {@code limit}. */
    record Target(String benchmark, String figure, boolean atLeast, double limit, String note) {
        boolean met(double value) {
            return atLeast ? value >= limit : value <= limit;
        }

        String describe() {
            return (atLeast ? ">= " : "<= ") + number(limit) + (note.isEmpty() ? "" : " " + note);
        }
    }

    static final List<Target> TARGETS = List.of(
            new Target("accumulate", "two-hop ratio", true, 0.8, ""),
            new Target("submit-poll", "kafka-copy ratio", false, 3, "(1 GB batch)"),
            new Target("submit-poll", "succeeded-to-published", false, 10, "s (1 GB batch)"),
            new Target("latency", "max ratio", false, 1, ""));

    /**
     * One figure of a benchmark's RESULT line; {@code value} empty when the benchmark printed none.
     *
     * @param judged whether its run had the size the target is set for ({@link Run#atTargetSize})
     */
    record Row(String benchmark, String figure, Optional<Double> value, String unit, boolean judged) {
        Optional<Target> target() {
            return TARGETS.stream()
                    .filter(t -> t.benchmark().equals(benchmark) && t.figure().equals(figure))
                    .findFirst();
        }
    }

    private static final Pattern FIGURE = Pattern.compile("(.*\\S)\\s+(-?\\d+(?:\\.\\d+)?)(?:\\s*(s))?");

    private BenchSuite() {}

    /**
     * The figures of the last {@code RESULT <benchmark>:} line in {@code output}, or one row without a value saying
     * why there is none (a failed run prints no RESULT line).
     */
    static List<Row> figures(Run run, String output, int exitCode) {
        String benchmark = run.name();
        String prefix = "RESULT " + benchmark + ":";
        String last = null;
        for (String line : output.split("\\R")) {
            if (line.startsWith(prefix)) {
                last = line.substring(prefix.length()).strip();
            }
        }
        if (last == null) {
            return List.of(new Row(
                    benchmark,
                    "no '" + prefix + "' line (exit code " + exitCode + ")",
                    Optional.empty(),
                    "",
                    run.atTargetSize()));
        }
        List<Row> rows = new ArrayList<>();
        for (String part : last.split(",")) {
            Matcher m = FIGURE.matcher(part.strip());
            if (m.matches()) {
                rows.add(new Row(
                        benchmark,
                        m.group(1),
                        Optional.of(Double.parseDouble(m.group(2))),
                        m.group(3) == null ? "" : m.group(3),
                        run.atTargetSize()));
            }
        }
        return rows;
    }

    /**
     * A Markdown table: benchmark, figure, value, target, met? (empty when the issue sets no target; "not judged" for a
     * figure of a run smaller than its target's size).
     */
    static String table(List<Row> rows) {
        StringBuilder t = new StringBuilder("| benchmark | figure | value | target | met? |\n|---|---|---|---|---|\n");
        for (Row row : rows) {
            Optional<Target> target = row.target();
            String met = row.value().isEmpty()
                    ? "no"
                    : target.map(x -> !row.judged()
                                    ? "not judged (short run; --full)"
                                    : x.met(row.value().get()) ? "yes" : "no")
                            .orElse("");
            t.append("| ")
                    .append(row.benchmark())
                    .append(" | ")
                    .append(row.figure())
                    .append(" | ")
                    .append(row.value()
                            .map(v -> number(v) + (row.unit().isEmpty() ? "" : " " + row.unit()))
                            .orElse("-"))
                    .append(" | ")
                    .append(target.map(Target::describe).orElse(""))
                    .append(" | ")
                    .append(met)
                    .append(" |\n");
        }
        return t.toString();
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }
}

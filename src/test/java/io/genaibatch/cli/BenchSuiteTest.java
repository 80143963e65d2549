package io.genaibatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSuiteTest {
    private static final BenchSuite.Run ACCUMULATE = BenchSuite.SHORT.get(0);
    private static final BenchSuite.Run SHORT_SUBMIT_POLL = BenchSuite.SHORT.get(1);
    private static final BenchSuite.Run FULL_SUBMIT_POLL = BenchSuite.FULL.get(1);
    private static final BenchSuite.Run JOBS_HISTORY = BenchSuite.SHORT.get(2);
    private static final BenchSuite.Run LATENCY = BenchSuite.SHORT.get(3);

    @Test
    void readsTheFiguresOfTheLastResultLineOfItsOwnBenchmark() {
        String output = String.join(
                "\n",
                "median   one-hop 100 rec/s",
                "RESULT accumulate: one-hop ratio 0.10, two-hop ratio 0.20",
                "RESULT latency: max ratio 9.00",
                "RESULT accumulate: one-hop ratio 0.33, two-hop ratio 0.52");

        List<BenchSuite.Row> rows = BenchSuite.figures(ACCUMULATE, output, 0);

        assertThat(rows).extracting(BenchSuite.Row::figure).containsExactly("one-hop ratio", "two-hop ratio");
        assertThat(rows).extracting(r -> r.value().orElseThrow()).containsExactly(0.33, 0.52);
    }

    @Test
    void readsSecondsAsTheirUnit() {
        List<BenchSuite.Row> rows = BenchSuite.figures(
                FULL_SUBMIT_POLL, "RESULT submit-poll: kafka-copy ratio 2.9, succeeded-to-published 12.5 s\n", 0);

        assertThat(rows.get(1).figure()).isEqualTo("succeeded-to-published");
        assertThat(rows.get(1).value()).contains(12.5);
        assertThat(rows.get(1).unit()).isEqualTo("s");
    }

    @Test
    void aBenchmarkWithoutAResultLineIsARowWithoutAValue() {
        List<BenchSuite.Row> rows = BenchSuite.figures(LATENCY, "genai-batch: no response to latency-1\n", 1);

        assertThat(rows).singleElement().satisfies(r -> {
            assertThat(r.value()).isEmpty();
            assertThat(r.figure()).isEqualTo("no 'RESULT latency:' line (exit code 1)");
        });
    }

    @Test
    void theTableSaysWhetherEachTargetIsMet() {
        List<BenchSuite.Row> rows = new ArrayList<>();
        rows.addAll(BenchSuite.figures(ACCUMULATE, "RESULT accumulate: one-hop ratio 0.33, two-hop ratio 0.81", 0));
        rows.addAll(BenchSuite.figures(
                FULL_SUBMIT_POLL, "RESULT submit-poll: kafka-copy ratio 3.5, succeeded-to-published 8 s", 0));
        rows.addAll(BenchSuite.figures(JOBS_HISTORY, "", 1));

        assertThat(BenchSuite.table(rows)).isEqualTo("""
                | benchmark | figure | value | target | met? |
                |---|---|---|---|---|
                | accumulate | one-hop ratio | 0.33 |  |  |
                | accumulate | two-hop ratio | 0.81 | >= 0.80 | yes |
                | submit-poll | kafka-copy ratio | 3.50 | <= 3 (1 GB batch) | no |
                | submit-poll | succeeded-to-published | 8 s | <= 10 s (1 GB batch) | yes |
                | jobs-history | no 'RESULT jobs-history:' line (exit code 1) | - |  | no |
                """);
    }

    @Test
    void aFigureOfARunSmallerThanItsTargetsSizeIsShownNotJudged() {
        List<BenchSuite.Row> rows = BenchSuite.figures(
                SHORT_SUBMIT_POLL, "RESULT submit-poll: kafka-copy ratio 4.9, succeeded-to-published 3.2 s", 0);

        assertThat(BenchSuite.table(rows))
                .contains(
                        "| submit-poll | kafka-copy ratio | 4.90 | <= 3 (1 GB batch) | not judged (short run; --full) |")
                .contains(
                        "| submit-poll | succeeded-to-published | 3.20 s | <= 10 s (1 GB batch) | not judged (short run; "
                                + "--full) |");
    }

    @Test
    void theFullSuiteRunsSubmitPollAtTheSizeOfItsTargets() {
        assertThat(BenchSuite.FULL)
                .extracting(BenchSuite.Run::name)
                .containsExactlyElementsOf(
                        BenchSuite.SHORT.stream().map(BenchSuite.Run::name).toList());
        assertThat(FULL_SUBMIT_POLL.name()).isEqualTo("submit-poll");
        assertThat(FULL_SUBMIT_POLL.args()).as("its defaults: the 1 GB batch").isEmpty();
        assertThat(BenchSuite.FULL).allMatch(BenchSuite.Run::atTargetSize);
    }

    @Test
    void everyBenchmarkOfTheSuiteIsABenchSubcommand() {
        var bench = Main.newCommandLine().getSubcommands().get("bench").getSubcommands();

        assertThat(BenchSuite.SHORT)
                .extracting(BenchSuite.Run::name)
                .allSatisfy(name -> assertThat(bench).containsKey(name));
        assertThat(BenchSuite.SHORT)
                .extracting(BenchSuite.Run::name)
                .containsExactly("accumulate", "submit-poll", "jobs-history", "latency");
    }

    @Test
    void onlyRefusesAnUnknownBenchmarkBeforeRunningAny() {
        CliRunner.Result result = CliRunner.run("bench", "all", "--only", "accumulate,nope");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("unknown benchmark 'nope'").contains("latency");
        assertThat(result.out()).doesNotContain("== genai-batch");
    }

    @Test
    void helpListsTheSuiteAndItsShortDefaults() {
        CliRunner.Result result = CliRunner.run("bench", "all", "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("--only").contains("--full");
        BenchSuite.SHORT.forEach(
                run -> assertThat(result.out()).contains(run.name() + " " + String.join(" ", run.args())));
    }
}

package io.genaibatch.bench;

import java.io.PrintWriter;

/** The closing figures of {@code bench submit-poll}: the check, the RESULT lines and their ratios. */
final class SubmitPollReport {
    private SubmitPollReport() {}

    static void print(
            PrintWriter out,
            SubmitPollBenchmark.Options options,
            SubmitPollBenchmark.Result r,
            Pipeline p,
            ResponseCheck c,
            KafkaCopy.Figures copy) {
        out.printf(
                "check    genai.responses (read_committed): %,d records, %,d distinct requests of %,d, %,d duplicates,"
                        + " %,d unknown keys, %,d wrong answers, statuses %s; jobs created at the API for the batch: %d"
                        + " (checked in %.1f s)%n",
                c.records,
                c.distinct,
                options.requests(),
                c.duplicates,
                c.unknown,
                c.wrong,
                c.byStatus,
                r.jobs(),
                c.seconds);
        if (c.firstProblem != null) {
            out.println("         first problem: " + c.firstProblem);
        }
        HeapWatch.Figures h = r.heap();
        out.printf(
                "RESULT   %,d requests, %,d bytes of JSONL: submit + poll %.1f s (%.1f MB/s); baseline %.2f s"
                        + " (write %.2f + fsync %.2f + read %.2f); ratio %.1f%n",
                options.requests(),
                r.bytes(),
                r.seconds(),
                r.bytes() / 1e6 / r.seconds(),
                r.baseline().total(),
                r.baseline().write(),
                r.baseline().fsync(),
                r.baseline().read(),
                r.ratio());
        double roles = r.seconds() - p.emulatorSeconds();
        out.printf(
                "RESULT   without the emulator's run of the job (%.1f s, Gemini's part): %.1f s, ratio %.1f;"
                        + " the roles' JVM took %.1f s to start (not counted)%n",
                p.emulatorSeconds(), roles, roles / r.baseline().total(), p.startupSeconds());
        if (h == null) {
            out.println("RESULT   roles' heap: not reported (the roles' JVM did not stop normally)");
        } else {
            out.printf(
                    "RESULT   roles' JVM -Xmx%s (max heap %d MB): heap max after GC %.1f MB, peak used (sum of pool"
                            + " peaks) %.1f MB, %d GCs / %d ms, peak RSS %.0f MB%n",
                    options.rolesHeap(),
                    h.maxHeap() >> 20,
                    h.maxAfterGc() / 1048576.0,
                    h.peakUsed() / 1048576.0,
                    h.gcCount(),
                    h.gcMillis(),
                    h.peakRss() / 1048576.0);
        }
        out.printf(
                "RESULT   kafka copy (consume-transform-produce of the %,d items, transactions of the poller's chunk"
                        + " size): %.2f s; submit + poll without the emulator's run over it: ratio %.1f%n",
                copy.records(), copy.seconds(), roles / copy.seconds());
        out.printf(
                "RESULT submit-poll: kafka-copy ratio %.1f, succeeded-to-published %.1f s%n",
                roles / copy.seconds(), p.succeededToPublishedSeconds());
        out.println(
                r.complete()
                        ? "RESULT   complete: every request got exactly one response, each the right answer, from one job"
                        : "RESULT   INCOMPLETE: see above");
        out.flush();
    }
}

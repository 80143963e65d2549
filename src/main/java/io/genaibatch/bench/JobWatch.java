package io.genaibatch.bench;

import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.function.LongSupplier;

/** The bench batch's records on genai.jobs as they come: its phases, and progress now and then. */
final class JobWatch {
    private final int requests;
    /** The roles' clock (epoch milliseconds) at their start, the zero of every printed time. */
    private final LongSupplier rolesStartedAt;

    private final PrintWriter out;

    BatchJob intent;
    BatchJob created;
    BatchJob succeeded;
    BatchJob firstChunk;
    BatchJob published;
    BatchJob last;
    private long nextProgress;

    JobWatch(int requests, LongSupplier rolesStartedAt, PrintWriter out) {
        this.requests = requests;
        this.rolesStartedAt = rolesStartedAt;
        this.out = out;
        this.nextProgress = Math.max(1, requests / 10);
    }

    void on(BatchJob job) {
        last = job;
        long t = job.getUpdatedAt().toEpochMilli() - rolesStartedAt.getAsLong();
        if (job.getState() == JobState.SUBMITTING && intent == null) {
            intent = job;
            print(t, "SUBMITTING: input uploaded as " + job.getUploadedFile() + ", intent recorded");
        } else if (job.getJobName() != null && created == null && job.getSubmittedAt() != null) {
            created = job;
            print(t, "job " + job.getJobName() + " created (" + job.getState() + ")");
        } else if (job.getState() == JobState.SUCCEEDED && succeeded == null) {
            succeeded = job;
            print(t, "SUCCEEDED seen by the poller (the API ended it at +" + seconds(job.getEndedAt()) + " s)");
        } else if (job.getState() == JobState.RUNNING || job.getState() == JobState.PENDING) {
            print(t, job.getState().toString());
        }
        if (job.getPublishedThrough() > 0 && firstChunk == null) {
            firstChunk = job;
            print(t, "first chunk published (" + job.getPublishedThrough() + " responses)");
        }
        if (job.getPublishedThrough() >= nextProgress && job.getState() != JobState.PUBLISHED) {
            print(t, String.format("published %,d of %,d", job.getPublishedThrough(), requests));
            while (nextProgress <= job.getPublishedThrough()) {
                nextProgress += Math.max(1, requests / 10);
            }
        }
        if (job.getState() == JobState.PUBLISHED) {
            published = job;
            print(t, String.format("PUBLISHED: %,d responses", job.getPublishedThrough()));
        } else if (JobState.FAILED == job.getState()
                || JobState.EXPIRED == job.getState()
                || JobState.CANCELLED == job.getState()) {
            print(
                    t,
                    job.getState()
                            + (job.getError() == null
                                    ? ""
                                    : ": " + job.getError().getMessage()));
        }
    }

    private String seconds(Instant at) {
        return at == null ? "?" : String.format("%.1f", (at.toEpochMilli() - rolesStartedAt.getAsLong()) / 1e3);
    }

    private void print(long millis, String what) {
        out.printf("  %+8.1f s  %s%n", millis / 1e3, what);
        out.flush();
    }

    /** Prints the phases; returns the emulator's (the stand-in for Gemini's processing), in seconds. */
    double printPhases(long start, double total) {
        out.println("phases (from the timestamps on genai.jobs, seconds since the roles started):");
        double uploaded = at(intent == null ? null : intent.getCreatedAt(), start);
        double createdAt = at(created == null ? null : created.getSubmittedAt(), start);
        double ended = at(succeeded == null ? null : succeeded.getEndedAt(), start);
        double seen = at(succeeded == null ? null : succeeded.getUpdatedAt(), start);
        double first = at(firstChunk == null ? null : firstChunk.getUpdatedAt(), start);
        phase("read genai.batches, spool, upload", 0, uploaded);
        phase("record intent, create the job", uploaded, createdAt);
        phase("emulator: run the job", createdAt, ended);
        phase("poller: notice it ended", ended, seen);
        phase("poller: index items, download, index results, 1st chunk", seen, first);
        phase("poller: publish the rest", first, total);
        return ended - createdAt;
    }

    private void phase(String name, double from, double to) {
        out.printf("  %-58s %8.1f s  (%7.1f .. %7.1f)%n", name, to - from, from, to);
    }

    private static double at(Instant instant, long start) {
        return instant == null ? Double.NaN : (instant.toEpochMilli() - start) / 1e3;
    }
}

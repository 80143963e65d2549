package io.genaibatch.poll;

import io.genaibatch.batch.Lineage;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The jobs this poller acts on, rebuilt from genai.jobs: for each batch of the assigned partitions, its latest
 * record, kept only while the job is open (it has a job name and is not PUBLISHED yet). Its size is the number of
 * jobs in flight, never the history of the topic.
 *
 * <p>The poller reads its own writes back through the consumer, after it has moved on: a chunk's progress record
 * may arrive when the next chunk is already committed. So each write is remembered with its offset until the
 * consumer has passed it, and a record older than the poller's own latest write for that batch is ignored;
 * otherwise a stale publishedThrough could be acted upon and a chunk published twice.
 *
 * <p>Not thread-safe: the poller thread owns it.
 */
final class JobTable {
    private final PollSchedule schedule;
    private final Map<String, OpenJob> open = new HashMap<>();
    /** batchId → offset of this poller's latest write, until the consumer has read past it. */
    private final Map<String, Written> written = new HashMap<>();

    private record Written(int partition, long offset) {}

    /** One open job: where its latest record is, and when to look at it next. */
    static final class OpenJob {
        private final int partition;
        private BatchJob job;
        private Lineage lineage;
        private long offset;
        private Instant nextCheck;
        private int failures;
        private NotFoundStreak notFound = NotFoundStreak.NONE;

        OpenJob(int partition, BatchJob job, Lineage lineage, long offset, Instant nextCheck) {
            this.partition = partition;
            this.job = job;
            this.lineage = Objects.requireNonNull(lineage, "lineage");
            this.offset = offset;
            this.nextCheck = nextCheck;
        }

        int partition() {
            return partition;
        }

        BatchJob job() {
            return job;
        }

        /** The batch's lineage, from the header of its latest record (a root's when there is none). */
        Lineage lineage() {
            return lineage;
        }

        long offset() {
            return offset;
        }

        Instant nextCheck() {
            return nextCheck;
        }

        void nextCheck(Instant when) {
            nextCheck = Objects.requireNonNull(when);
        }

        String batchId() {
            return job.getBatchId();
        }

        /** Rounds of work on this job that failed in a row (for the retry backoff). */
        int failures() {
            return failures;
        }

        void failures(int n) {
            failures = n;
        }

        /** Checks in a row that found the job (or its output) unknown to the API. */
        NotFoundStreak notFound() {
            return notFound;
        }

        void notFound(NotFoundStreak streak) {
            notFound = Objects.requireNonNull(streak);
        }

        @Override
        public String toString() {
            return "batch " + job.getBatchId() + " job " + job.getJobName() + " (" + job.getState() + ", partition "
                    + partition + "@" + offset + ")";
        }
    }

    JobTable(PollSchedule schedule) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
    }

    /**
     * True for a record the poller acts on: not PUBLISHED, and either with a job name to follow, or finished without
     * one (the submitter records a batch it could not submit, e.g. CREATE_REFUSED or SEAL_MISMATCH, as FAILED with no
     * job): its requests still need their terminal responses.
     */
    static boolean isOpen(BatchJob job) {
        return job != null
                && job.getState() != JobState.PUBLISHED
                && (job.getJobName() != null || PollerJobRecords.isFinished(job.getState()));
    }

    /**
     * A record read from genai.jobs ({@code job} null for a tombstone of {@code batchId}), with the lineage its
     * header carries.
     *
     * @return true when it changed the table
     */
    boolean onRecord(int partition, long offset, String batchId, BatchJob job, Lineage lineage, Instant now) {
        Written mine = written.get(batchId);
        if (mine != null && offset < mine.offset()) {
            return false;
        }
        OpenJob current = open.get(batchId);
        if (isOperatorRequest(lineage) && (current == null || !Lineage.HELD.equals(current.lineage.decision()))) {
            // `jobs retry|answer` acts on a HELD batch only: a request written from a stale read (a second retry,
            // the batch decided meanwhile) must never reopen a batch, or its children would be made twice.
            return false;
        }
        if (!isOpen(job)) {
            return open.remove(batchId) != null;
        }
        if (current != null && current.offset == offset) {
            return false;
        }
        open.put(batchId, new OpenJob(partition, job, lineage, offset, firstCheck(job, now)));
        return true;
    }

    static boolean isOperatorRequest(Lineage lineage) {
        return Lineage.RETRY_REQUESTED.equals(lineage.decision())
                || Lineage.ANSWER_REQUESTED.equals(lineage.decision());
    }

    /** This poller committed {@code job} at {@code offset}: it is the batch's latest record now. */
    void onWritten(OpenJob entry, BatchJob job, Lineage lineage, long offset) {
        written.put(job.getBatchId(), new Written(entry.partition, offset));
        entry.job = job;
        entry.lineage = lineage;
        entry.offset = offset;
        if (!isOpen(job)) {
            open.remove(job.getBatchId(), entry);
        }
    }

    /** The consumer's position on the partition: own writes below it have been read back and can be forgotten. */
    void onPosition(int partition, long position) {
        written.values().removeIf(w -> w.partition() == partition && w.offset() < position);
    }

    /** The partition was revoked or lost: its jobs are another poller's now. */
    void dropPartition(int partition) {
        open.values().removeIf(j -> j.partition == partition);
        written.values().removeIf(w -> w.partition() == partition);
    }

    Optional<OpenJob> get(String batchId) {
        return Optional.ofNullable(open.get(batchId));
    }

    /** Whether this entry is still the table's entry for its batch (a rebalance or a newer record replaces it). */
    boolean isCurrent(OpenJob entry) {
        return open.get(entry.batchId()) == entry;
    }

    /** The open jobs of the partition. */
    List<BatchJob> openJobs(int partition) {
        List<BatchJob> jobs = new ArrayList<>();
        for (OpenJob j : open.values()) {
            if (j.partition == partition) {
                jobs.add(j.job);
            }
        }
        return jobs;
    }

    /** When the longest-running open job was submitted (created, before its submission), if any job is open. */
    Optional<Instant> oldestSubmittedAt() {
        return open.values().stream().map(e -> submittedAt(e.job())).min(Instant::compareTo);
    }

    int size() {
        return open.size();
    }

    /** The open jobs, counted by model, input mode and state. */
    Map<PollerCounters.InFlight, Long> inFlight() {
        Map<PollerCounters.InFlight, Long> counts = new HashMap<>();
        for (OpenJob j : open.values()) {
            // inline / file, as genai_jobs_submitted_total spells the mode: the two join on it.
            String mode = String.valueOf(j.job.getInputMode()).toLowerCase(java.util.Locale.ROOT);
            counts.merge(
                    new PollerCounters.InFlight(
                            j.job.getModel(), mode, j.job.getState().name()),
                    1L,
                    Long::sum);
        }
        return counts;
    }

    /** Jobs due at {@code now} on these partitions, the most overdue first. */
    List<OpenJob> due(Instant now, Set<Integer> partitions) {
        List<OpenJob> due = new ArrayList<>();
        for (OpenJob j : open.values()) {
            if (!j.nextCheck.isAfter(now) && partitions.contains(j.partition)) {
                due.add(j);
            }
        }
        due.sort(Comparator.comparing(OpenJob::nextCheck));
        return due;
    }

    /** How long until the next job is due (zero when one is), or {@code max} when none is sooner. */
    Duration untilNextDue(Instant now, Duration max) {
        Duration wait = max;
        for (OpenJob j : open.values()) {
            Duration d = Duration.between(now, j.nextCheck);
            if (d.compareTo(wait) < 0) {
                wait = d.isNegative() ? Duration.ZERO : d;
            }
        }
        return wait;
    }

    /**
     * The offset to commit for the partition: the consumer's position, or the offset of the oldest open job's record
     * if that is lower. A poller that takes the partition over starts reading there and still sees every open job.
     */
    long commitOffset(int partition, long position) {
        long min = position;
        for (OpenJob j : open.values()) {
            if (j.partition == partition && j.offset < min) {
                min = j.offset;
            }
        }
        return min;
    }

    private Instant firstCheck(BatchJob job, Instant now) {
        return switch (job.getState()) {
            // Finished at the API, not yet published: publish now.
            case SUCCEEDED, FAILED, EXPIRED, CANCELLED -> now;
            default -> schedule.firstCheck(submittedAt(job));
        };
    }

    static Instant submittedAt(BatchJob job) {
        return job.getSubmittedAt() != null ? job.getSubmittedAt() : job.getCreatedAt();
    }
}

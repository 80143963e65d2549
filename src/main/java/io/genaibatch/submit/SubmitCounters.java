package io.genaibatch.submit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the submitter counts, in one place; what {@code /metrics} shows goes to the registry too. Thread-safe; the
 * role's threads increment, anyone reads a {@link #snapshot()}.
 */
public final class SubmitCounters {
    private final MeterRegistry registry;
    private final AtomicLong submittedInline = new AtomicLong();
    private final AtomicLong submittedFile = new AtomicLong();
    private final AtomicLong bytesUploaded = new AtomicLong();
    private final AtomicLong uploadRetries = new AtomicLong();
    private final AtomicLong createRetries = new AtomicLong();
    private final AtomicLong listings = new AtomicLong();
    private final AtomicLong adopted = new AtomicLong();
    private final AtomicLong failedBatches = new AtomicLong();
    private final AtomicLong sealMismatches = new AtomicLong();
    private final AtomicLong undecodableRecords = new AtomicLong();
    private final AtomicLong skippedRecords = new AtomicLong();
    private final AtomicLong backpressurePauses = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();

    /**
     * @param submittedInline    jobs created with the requests inline
     * @param submittedFile      jobs created from an uploaded JSONL file
     * @param bytesUploaded      bytes of input files uploaded (a restarted upload counts again)
     * @param uploadRetries      uploads that failed after the client's retries and were tried again later
     * @param createRetries      create calls that failed and were tried again later (after a listing when unclear)
     * @param listings           job listings made to find a batch's job by displayName
     * @param adopted            jobs found by displayName and recorded instead of creating one (after a crash or
     *                           an unclear create)
     * @param failedBatches      batches recorded FAILED without a job (refused by the API, or a bad seal)
     * @param sealMismatches     seals whose count or bytes differ from what was spooled
     * @param undecodableRecords genai.batches records that could not be read (skipped, logged)
     * @param skippedRecords     records of batches already recorded in genai.jobs, re-read after a restart
     * @param backpressurePauses times consumption paused because max-jobs-in-flight was reached
     * @param transactions       transactions committed on genai.jobs
     */
    public record Snapshot(
            long submittedInline,
            long submittedFile,
            long bytesUploaded,
            long uploadRetries,
            long createRetries,
            long listings,
            long adopted,
            long failedBatches,
            long sealMismatches,
            long undecodableRecords,
            long skippedRecords,
            long backpressurePauses,
            long transactions) {}

    /** Counting here only. */
    public SubmitCounters() {
        this(new CompositeMeterRegistry());
    }

    public SubmitCounters(MeterRegistry registry) {
        this.registry = registry;
    }

    public Snapshot snapshot() {
        return new Snapshot(
                submittedInline.get(),
                submittedFile.get(),
                bytesUploaded.get(),
                uploadRetries.get(),
                createRetries.get(),
                listings.get(),
                adopted.get(),
                failedBatches.get(),
                sealMismatches.get(),
                undecodableRecords.get(),
                skippedRecords.get(),
                backpressurePauses.get(),
                transactions.get());
    }

    void submitted(String model, boolean inline) {
        (inline ? submittedInline : submittedFile).incrementAndGet();
        registry.counter("genai.jobs.submitted", "model", model, "mode", inline ? "inline" : "file")
                .increment();
    }

    void uploaded(long bytes) {
        bytesUploaded.addAndGet(bytes);
    }

    void uploadRetried() {
        uploadRetries.incrementAndGet();
    }

    void createRetried() {
        createRetries.incrementAndGet();
    }

    void listed() {
        listings.incrementAndGet();
    }

    void adopted() {
        adopted.incrementAndGet();
    }

    void failedBatch() {
        failedBatches.incrementAndGet();
    }

    void sealMismatch() {
        sealMismatches.incrementAndGet();
    }

    void undecodable() {
        undecodableRecords.incrementAndGet();
    }

    void skipped() {
        skippedRecords.incrementAndGet();
    }

    void paused() {
        backpressurePauses.incrementAndGet();
    }

    void committed() {
        transactions.incrementAndGet();
    }
}

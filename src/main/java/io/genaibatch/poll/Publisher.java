package io.genaibatch.poll;

import io.genaibatch.batch.Lineage;
import io.genaibatch.batch.Lineage.ItemsRange;
import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.BatchOutput;
import io.genaibatch.gemini.InlineResult;
import io.genaibatch.poll.ItemIndex.Entry;
import io.genaibatch.poll.ItemIndex.ResultCounts;
import io.genaibatch.poll.JobPolicy.AnswerEveryRequest;
import io.genaibatch.poll.JobPolicy.Hold;
import io.genaibatch.poll.JobPolicy.ItemDecision;
import io.genaibatch.poll.JobPolicy.JobDecision;
import io.genaibatch.poll.JobPolicy.PublishResults;
import io.genaibatch.poll.JobPolicy.RebatchTheRest;
import io.genaibatch.poll.JobPolicy.Resubmit;
import io.genaibatch.poll.JobPolicy.Split;
import io.genaibatch.poll.JobTable.OpenJob;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.JobState;
import io.genaibatch.run.LogFields;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a finished job: one terminal response per item of its batch, in chunks, each chunk one transaction
 * with the job's new {@code publishedThrough}; the last chunk also makes the job PUBLISHED.
 *
 * <p>The order of publication is the items' line key order in the {@link ItemIndex}, a function of the batch
 * alone: whatever order the service returns the results in, and however often they are read again after a crash,
 * the same requests come first. Each chunk's record also carries the line key of its last item (lineage
 * {@code publishedThroughKey}), and a resumed publication goes on after that key: items that vanished from
 * genai.batches since (retention) would shift a count of items skipped, never a key. Progress recorded without the
 * key (by an earlier version) resumes by the count. Results are mapped by key only: a result is attached to the one item whose line key
 * ({@link io.genaibatch.batch.LineKey}: unique in a batch, unlike a caller's requestId) is its key, and
 * to nothing when its key is missing, unknown, or shared with another result.
 */
final class Publisher {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);
    /** Descriptions of a SUCCEEDED job without output seen in a row before its requests are taken as unanswered. */
    static final int OUTPUT_CHECKS = 3;
    /** Results attached to no request that are logged one by one (the rest are only counted). */
    private static final int UNATTACHED_LOGGED = 5;

    /** What the publisher needs from the poll loop: transactions on the job's partition, and a live membership. */
    interface JobWriter {
        /**
         * Sends a record of the job's next commit now, in a transaction on the job's partition that the first such
         * record opens: the producer sends it to the broker while the rest of the chunk is built. Nothing of it is
         * visible until {@link #commit}; the caller that cannot get there calls {@link #abort}.
         *
         * @throws JobAbandonedException when the partition is no longer this poller's
         */
        void send(OpenJob entry, ProducerRecord<byte[], byte[]> record);

        /** Aborts the transaction {@link #send} opened for the job, if any: none of its records becomes visible. */
        void abort(OpenJob entry);

        /**
         * Commits the records (responses, and the genai.batches records of child batches), those {@link #send} put
         * in the transaction before, and the job's record, with {@code lineage} in its header, in one transaction on
         * the job's partition. Aborted on failure.
         *
         * @throws JobAbandonedException when the partition is no longer this poller's
         */
        void commit(OpenJob entry, List<ProducerRecord<byte[], byte[]>> records, BatchJob next, Lineage lineage);

        /**
         * Commits a chunk of a publication that is not its last: the responses {@link #send} put in the transaction
         * and the job's progress record, as {@link #commit} does, but without the group's consumer offset, which
         * moves with the publication's last chunk (and every state change) instead: broker round trips saved per
         * chunk, and a new owner that reads from the older offset only reads a few more job records.
         *
         * @throws JobAbandonedException when the partition is no longer this poller's
         */
        void commitChunk(OpenJob entry, BatchJob next, Lineage lineage);

        /**
         * Polls the jobs consumer so that the group does not think this poller dead during long work.
         *
         * @throws JobAbandonedException when the job's partition was taken away meanwhile, or the poller is closing
         */
        void keepAlive(OpenJob entry);
    }

    private final PollerSettings settings;
    private final CacheDirs cache;
    private final BatchApi api;
    private final JobPolicy policy;
    private final ItemLoader loader;
    private final Responses responses;
    private final JobWriter writer;
    private final PollerCounters counters;
    private final ChildBatches children;
    private final Clock clock;
    private final DownloadThread downloads;

    /** @param downloads where results are transferred while the poll thread keeps the group alive; the caller closes it */
    Publisher(
            PollerSettings settings,
            CacheDirs cache,
            BatchApi api,
            JobPolicy policy,
            ItemLoader loader,
            Responses responses,
            ChildBatches children,
            JobWriter writer,
            PollerCounters counters,
            Clock clock,
            DownloadThread downloads) {
        this.downloads = downloads;
        this.children = children;
        this.settings = settings;
        this.cache = cache;
        this.api = api;
        this.policy = policy;
        this.loader = loader;
        this.responses = responses;
        this.writer = writer;
        this.counters = counters;
        this.clock = clock;
    }

    /** For tests: a download thread of its own. */
    Publisher(
            PollerSettings settings,
            CacheDirs cache,
            BatchApi api,
            JobPolicy policy,
            ItemLoader loader,
            Responses responses,
            ChildBatches children,
            JobWriter writer,
            PollerCounters counters,
            Clock clock) {
        this(settings, cache, api, policy, loader, responses, children, writer, counters, clock, new DownloadThread());
    }

    /**
     * Carries out the policy's decision for a finished job: publishes the rest of its responses (from its
     * {@code publishedThrough}), or makes its child batches.
     *
     * @param info the job as the API last described it, if just fetched (a SUCCEEDED job needs its output location)
     * @return when to come back, for a decision that must wait (a resubmission's backoff); empty when done
     * @throws JobAbandonedException when the poller must stop between two chunks (closing, partition lost)
     */
    Optional<Instant> publish(OpenJob entry, Optional<BatchJobInfo> info) {
        try (LogFields fields = LogFields.batch(
                entry.job().getBatchId(), entry.job().getJobName(), entry.job().getModel())) {
            return publishJob(entry, info);
        }
    }

    private Optional<Instant> publishJob(OpenJob entry, Optional<BatchJobInfo> info) {
        BatchJob job = entry.job();
        String asked = entry.lineage().decision();
        JobDecision decision = Lineage.RETRY_REQUESTED.equals(asked)
                ? new Resubmit(clock.instant(), "OPERATOR_RETRY")
                : policy.onFinished(job);
        if (Lineage.ANSWER_REQUESTED.equals(asked)) {
            // The operator's word is final, whatever the policy would now make of the batch (its settings may have
            // changed since it was held).
            log.info("batch {} job {}: answered as an operator asked (jobs answer)", job.getBatchId(), name(job));
            decision = decision instanceof Hold held ? held.answer() : new TerminalJobPolicy().onFinished(job);
        }
        boolean started = job.getPublishedThrough() > 0 || entry.lineage().copied() != null;
        if (started && (decision instanceof Resubmit || decision instanceof Split)) {
            // Part of the batch is answered (or copied) already: only the rest may go to a child, as copies.
            String reason = decision instanceof Resubmit r ? r.reason() : ((Split) decision).reason();
            log.warn(
                    "batch {} job {}: {} after {} of its requests were handled; the rest are re-batched",
                    job.getBatchId(),
                    name(job),
                    reason,
                    job.getPublishedThrough());
            decision = new RebatchTheRest(reason);
        }
        if (decision instanceof Split split && job.getItemCount() < 2) {
            // Nothing to split, and no need to read the items to learn it.
            decision = split.single();
        }
        if (decision instanceof Split split) {
            if (split(entry, split)) {
                cache.deleteJob(entry.partition(), job, "split");
                return Optional.empty();
            }
            decision = split.single();
        }
        if (decision instanceof Resubmit r) {
            if (clock.instant().isBefore(r.notBefore())) {
                log.info(
                        "batch {} job {}: {} at attempt {}; its requests are resubmitted at {}",
                        job.getBatchId(),
                        name(job),
                        r.reason(),
                        job.getAttempt(),
                        r.notBefore());
                return Optional.of(r.notBefore());
            }
            resubmit(entry, r);
            cache.deleteJob(entry.partition(), job, "resubmitted");
            return Optional.empty();
        }
        if (decision instanceof Hold hold) {
            return Optional.of(hold(entry, hold));
        }
        Path dir = cache.createJobDir(entry.partition(), job);
        ItemIndex index = ItemIndex.open(dir.resolve("index"));
        try {
            indexItems(
                    entry,
                    index,
                    decision instanceof RebatchTheRest || policy.rebatches() && decision instanceof PublishResults);
            Path results = null;
            if (decision instanceof PublishResults) {
                results = dir.resolve("results.jsonl");
                // The file is moved into place only once complete, so one that exists can be reused.
                boolean fetched = !Files.exists(results);
                if (fetched) {
                    fetchResults(entry, info, results);
                }
                if (fetched || !index.resultsComplete()) {
                    indexResults(entry, index, results);
                }
            }
            publishChunks(entry, decision, index, results);
        } finally {
            index.close();
        }
        // Only once the job is PUBLISHED: until then the cache is what a retry resumes from.
        cache.deleteJob(entry.partition(), job, "published");
        return Optional.empty();
    }

    /**
     * Indexes the items of a job that has not ended yet, so that its publication starts with its results: a large
     * batch's items take seconds to minutes to read, and real jobs run for hours. With the request JSON when the
     * policy re-batches (as its publication will want them). A round cut short here leaves the index without its
     * completeness mark, and the next check or the publication reads the items again.
     *
     * @throws JobAbandonedException when the partition was taken away meanwhile, or the poller is closing
     */
    void indexItemsAhead(OpenJob entry) {
        try (ItemIndex index = ItemIndex.open(
                cache.createJobDir(entry.partition(), entry.job()).resolve("index"))) {
            if (indexItems(entry, index, policy.rebatches())) {
                index.compact();
            }
        }
    }

    /**
     * Reads the job's items into the index unless it holds them all already (with their requests if asked).
     *
     * @return whether they were read
     */
    private boolean indexItems(OpenJob entry, ItemIndex index, boolean keepRequests) {
        if (index.itemsComplete() && (!keepRequests || index.keepsRequests())) {
            return false;
        }
        BatchJob job = entry.job();
        ItemsRange range = JobItems.of(job, entry.lineage());
        long n = loader.load(job, range, index, () -> writer.keepAlive(entry), keepRequests);
        log.info(
                "batch {} job {}: indexed {} items from genai.batches partition {} offsets {}..{} ({})",
                job.getBatchId(),
                name(job),
                n,
                range.partition(),
                range.fromOffset(),
                range.toOffset(),
                job.getState());
        return true;
    }

    /** Records the hold once; afterwards only looks again now and then for an operator's request. */
    private Instant hold(OpenJob entry, Hold hold) {
        BatchJob job = entry.job();
        if (!Lineage.HELD.equals(entry.lineage().decision())) {
            writer.commit(
                    entry,
                    List.of(),
                    BatchJob.newBuilder(job).setUpdatedAt(clock.instant()).build(),
                    entry.lineage().decided(Lineage.HELD, List.of()));
            log.warn(
                    "batch {} job {}: retries spent ({} at attempt {}; {}), HELD as poll.on-exhausted=hold says: its {} "
                            + "requests wait for `genai-batch jobs retry {}` (one more attempt) or `jobs answer {}` (answered {})",
                    job.getBatchId(),
                    name(job),
                    hold.answer().error().getCode(),
                    job.getAttempt(),
                    hold.answer().error().getMessage(),
                    job.getItemCount(),
                    job.getBatchId(),
                    job.getBatchId(),
                    hold.answer().status());
        }
        return clock.instant().plus(settings.schedule().max());
    }

    /** Every request again, as the next attempt: one child over the same items, not a copy of them. */
    private void resubmit(OpenJob entry, Resubmit decision) {
        BatchJob job = entry.job();
        int attempt = job.getAttempt() + 1;
        String child = Lineage.resubmitId(job.getBatchId(), attempt);
        ItemsRange range = JobItems.of(job, entry.lineage());
        Lineage lineage = entry.lineage().child(job.getBatchId(), attempt, decision.reason(), range);
        Instant now = clock.instant();
        writer.commit(
                entry,
                List.of(children.seal(
                        job, child, lineage, range.partition(), job.getItemCount(), job.getItemBytes(), now)),
                PollerJobRecords.progress(job, job.getPublishedThrough(), true, now),
                entry.lineage().decided(Lineage.RESUBMITTED, List.of(child)));
        counters.jobState(JobState.PUBLISHED);
        log.info(
                "batch {} job {}: {}; its {} requests resubmitted as batch {} (attempt {})",
                job.getBatchId(),
                name(job),
                decision.reason(),
                job.getItemCount(),
                child,
                attempt);
    }

    /** Two halves, each a range of the same items; false when there is nothing to split (a single request). */
    private boolean split(OpenJob entry, Split decision) {
        BatchJob job = entry.job();
        ItemsRange range = JobItems.of(job, entry.lineage());
        Optional<ItemLoader.Halves> found = loader.halves(job, range, () -> writer.keepAlive(entry));
        if (found.isEmpty()) {
            log.info(
                    "batch {} job {}: {} with a single request: it cannot be split",
                    job.getBatchId(),
                    name(job),
                    decision.reason());
            return false;
        }
        ItemLoader.Halves h = found.get();
        // A half is the same requests sent again in a smaller batch, not another attempt at them: splitting must not
        // use up the retries a FAILED half or a 503 inside it still needs. It is bounded by the request count.
        int attempt = job.getAttempt();
        List<String> ids = Lineage.splitIds(job.getBatchId());
        Instant now = clock.instant();
        Lineage first = entry.lineage().child(job.getBatchId(), attempt, decision.reason(), h.first());
        Lineage second = entry.lineage().child(job.getBatchId(), attempt, decision.reason(), h.second());
        writer.commit(
                entry,
                List.of(
                        children.seal(job, ids.get(0), first, range.partition(), h.firstCount(), h.firstBytes(), now),
                        children.seal(
                                job, ids.get(1), second, range.partition(), h.secondCount(), h.secondBytes(), now)),
                PollerJobRecords.progress(job, job.getPublishedThrough(), true, now),
                entry.lineage().decided(Lineage.SPLIT, ids));
        counters.jobState(JobState.PUBLISHED);
        log.info(
                "batch {} job {}: {}; split into {} ({} requests) and {} ({} requests), attempt {}",
                job.getBatchId(),
                name(job),
                decision.reason(),
                ids.get(0),
                h.firstCount(),
                ids.get(1),
                h.secondCount(),
                attempt);
        return true;
    }

    private void fetchResults(OpenJob entry, Optional<BatchJobInfo> known, Path target) {
        BatchJob job = entry.job();
        BatchJobInfo info = known.filter(i -> i.output().isPresent()).orElseGet(() -> api.get(job.getJobName()));
        BatchOutput output = info.output();
        try {
            // The transfers run off the poll thread, which keeps polling meanwhile (DownloadThread says why).
            if (output.isFile()) {
                String file = output.responsesFile().orElseThrow();
                long bytes = downloads.call(() -> api.downloadFile(file, target), () -> writer.keepAlive(entry));
                log.info(
                        "batch {} job {}: downloaded the responses file {} ({} bytes){}",
                        job.getBatchId(),
                        name(job),
                        output.responsesFile().get(),
                        bytes,
                        job.getInputMode() == io.genaibatch.records.InputMode.INLINE
                                ? " (an inline job answered with a file)"
                                : "");
            } else if (output.isInline()) {
                long n = downloads.call(
                        () -> {
                            try (Stream<InlineResult> s = api.inlineResults(job.getJobName())) {
                                return ResultFile.writeInline(s.iterator(), target);
                            }
                        },
                        () -> writer.keepAlive(entry));
                log.info(
                        "batch {} job {}: read {} inline results{}",
                        job.getBatchId(),
                        name(job),
                        n,
                        job.getInputMode() == io.genaibatch.records.InputMode.FILE
                                ? " (a file job answered inline)"
                                : "");
            } else if (entry.failures() + 1 < OUTPUT_CHECKS) {
                // Seen once on a job described just as it finished: ask again before concluding anything.
                throw new RetryLaterException("batch " + job.getBatchId() + " job " + name(job) + ": SUCCEEDED "
                        + "without any output (check " + (entry.failures() + 1) + " of " + OUTPUT_CHECKS
                        + "); asking the API again");
            } else {
                log.error(
                        "batch {} job {}: the job SUCCEEDED without any output at {} checks in a row; every request "
                                + "is taken as without a result (RESULT_MISSING, for the job policy)",
                        job.getBatchId(),
                        name(job),
                        OUTPUT_CHECKS);
                Files.write(target, new byte[0]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "batch " + job.getBatchId() + " job " + job.getJobName() + ": cannot write its results to "
                            + target,
                    e);
        }
    }

    private void indexResults(OpenJob entry, ItemIndex index, Path results) {
        BatchJob job = entry.job();
        index.clearResults();
        long[] lines = {0, 0}; // read, without a key
        Instant[] nextBeat = {clock.instant().plusSeconds(1)};
        try {
            ResultFile.forEachLine(results, (offset, bytes, length) -> {
                lines[0]++;
                Optional<String> key = ResultFile.keyOf(bytes, length);
                if (key.isPresent()) {
                    index.addResult(key.get(), offset, length);
                } else if (++lines[1] <= UNATTACHED_LOGGED) {
                    log.warn(
                            "batch {} job {}: result at byte {} attached to no request (no key)",
                            job.getBatchId(),
                            name(job),
                            offset);
                }
                if (clock.instant().isAfter(nextBeat[0])) {
                    writer.keepAlive(entry);
                    nextBeat[0] = clock.instant().plusSeconds(1);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("batch " + job.getBatchId() + ": cannot read its results " + results, e);
        }
        long[] logged = {lines[1]};
        ResultCounts counts = index.completeResults(lines[0], u -> {
            if (++logged[0] <= UNATTACHED_LOGGED) {
                log.warn(
                        "batch {} job {}: result at byte {} attached to no request ({}, key '{}')",
                        job.getBatchId(),
                        name(job),
                        u.offset(),
                        u.why(),
                        u.key());
            }
        });
        log.info(
                "batch {} job {}: {} results, {} attached to their request, {} attached to none",
                job.getBatchId(),
                name(job),
                counts.results(),
                counts.attached(),
                counts.unattached());
    }

    /** The requests of the job re-batched so far: they form its child {@code <batchId>.r<attempt>}. */
    private static final class Rebatched {
        final String childId;
        int count;
        long bytes;
        final java.util.TreeSet<String> reasons = new java.util.TreeSet<>();

        Rebatched(String childId, Lineage.Copied before) {
            this.childId = childId;
            if (before != null) {
                count = before.count();
                bytes = before.bytes();
                reasons.addAll(List.of(before.reasons().split("\\+")));
            }
        }

        void add(BatchItem item, String reason) {
            count++;
            bytes += item.getRequestBytes();
            reasons.add(reason);
        }

        Lineage.Copied progress() {
            return count == 0 ? null : new Lineage.Copied(count, bytes, String.join("+", reasons));
        }
    }

    private void publishChunks(OpenJob entry, JobDecision decision, ItemIndex index, Path results) {
        BatchJob job = entry.job();
        long done = job.getPublishedThrough();
        String after = entry.lineage().publishedThroughKey();
        Unanswerable unanswerable = new Unanswerable();
        if (done > 0) {
            unanswerable.vanished = sayWhatVanished(job, index, done, after);
        }
        int chunk = settings.publishChunk();
        // Copies made by the chunks already committed, as their records say: the child's seal counts them too,
        // whatever the policy or its settings would decide about those requests now.
        Rebatched rebatched = new Rebatched(
                Lineage.rebatchId(job.getBatchId(), job.getAttempt() + 1),
                entry.lineage().copied());
        try (FileChannel file = results == null ? null : FileChannel.open(results, StandardOpenOption.READ)) {
            // Resumed after the last item handled, by its key; by a count only for progress recorded without one.
            try (ItemIndex.Cursor cursor = after != null ? index.entriesAfter(after) : index.entries(done)) {
                if (!cursor.hasNext()) {
                    // Nothing (left) to answer: a batch whose items are gone, or a resumed job with every item done.
                    commit(entry, List.of(), done, after, true, index, rebatched, unanswerable);
                    return;
                }
                // Each record goes to the producer as soon as it is built (the chunk's transaction is open from its
                // first one), so the broker takes a chunk while it is built; only what they count for is kept, to
                // be counted once the chunk has committed.
                List<PollerCounters.Counted> sent = new ArrayList<>(Math.min(chunk, 1024));
                int records = 0;
                long bytes = 0;
                while (cursor.hasNext()) {
                    Entry e = cursor.next();
                    Outcome outcome = outcome(job, decision, e, file);
                    ProducerRecord<byte[], byte[]> record;
                    if (outcome.response() != null) {
                        Optional<Responses.Answer> answer = fitted(entry, e.item(), outcome.response());
                        record = answer.map(Responses.Answer::record).orElse(null);
                        answer.ifPresent(a -> sent.add(PollerCounters.Counted.of(a.response())));
                        if (answer.isEmpty()) {
                            unanswerable.keyTooLarge++;
                        }
                    } else {
                        record = children.item(
                                job,
                                rebatched.childId,
                                JobItems.of(job, entry.lineage()).partition(),
                                e.item());
                        rebatched.add(e.item(), outcome.rebatchReason());
                    }
                    if (record != null) {
                        writer.send(entry, record);
                        records++;
                        bytes += record.value().length;
                    }
                    done++;
                    after = io.genaibatch.batch.LineKey.of(e.item());
                    boolean last = !cursor.hasNext();
                    if (records >= chunk || bytes >= settings.publishChunkBytes() || last) {
                        commit(entry, sent, done, after, last, index, rebatched, unanswerable);
                        log.debug(
                                "batch {} job {}: published through {} of {}",
                                entry.batchId(),
                                name(entry.job()),
                                done,
                                index.itemCount());
                        sent.clear();
                        records = 0;
                        bytes = 0;
                        if (!last) {
                            writer.keepAlive(entry);
                        }
                    }
                }
            }
        } catch (IOException e) {
            abortAfter(entry, e);
            throw new UncheckedIOException("batch " + entry.batchId() + ": cannot read its results " + results, e);
        } catch (RuntimeException e) {
            // Records of the chunk may be in the open transaction: none may become visible without the progress
            // that says they were published. (A commit that failed has ended its transaction; this does nothing.)
            abortAfter(entry, e);
            throw e;
        }
    }

    /** Aborts the chunk's transaction after {@code failure}; an abort that fails itself carries it along. */
    private void abortAfter(OpenJob entry, Exception failure) {
        try {
            writer.abort(entry);
        } catch (RuntimeException abortFailed) {
            abortFailed.addSuppressed(failure);
            throw abortFailed;
        }
    }

    /**
     * The response's record, or ERROR RESPONSE_TOO_LARGE when it is over the limit Kafka takes (see
     * {@link Responses#tooLarge}); empty, said at ERROR, when not even that fits.
     */
    private Optional<Responses.Answer> fitted(OpenJob entry, BatchItem item, GenAiResponse response) {
        BatchJob job = entry.job();
        ProducerRecord<byte[], byte[]> record = responses.record(item, response, job, entry.lineage());
        if (responses.fits(record)) {
            return Optional.of(new Responses.Answer(response, record));
        }
        int size = Responses.sizeUpperBound(record);
        Optional<Responses.Answer> tooLarge =
                responses.tooLarge(job, item, response, size, entry.lineage(), clock.instant());
        if (tooLarge.isPresent()) {
            log.warn(
                    "batch {} job {}: the response to {} is {} bytes, over the {} bytes a record may take; answered "
                            + "ERROR RESPONSE_TOO_LARGE",
                    job.getBatchId(),
                    name(job),
                    io.genaibatch.batch.LineKey.of(item),
                    size,
                    responses.maxRecordBytes());
        } else {
            log.error(
                    "batch {} job {}: the response to {} is {} bytes, over the {} bytes a record may take, and even "
                            + "an ERROR RESPONSE_TOO_LARGE answer without its metadata and headers is (its key is {} bytes): "
                            + "the request cannot be answered on genai.responses; its answer is in the job's output under "
                            + "that line key",
                    job.getBatchId(),
                    name(job),
                    io.genaibatch.batch.LineKey.of(item),
                    size,
                    responses.maxRecordBytes(),
                    item.getKey().remaining());
        }
        return tooLarge;
    }

    /**
     * A resumed publication whose batch lost items since it began (found fewer than the job counts): says how many
     * of them had been published, and how many were not and cannot be answered now.
     *
     * @return how many cannot be answered (0 when that is not known)
     */
    private long sayWhatVanished(BatchJob job, ItemIndex index, long published, String after) {
        long missing = job.getItemCount() - index.itemCount();
        if (missing <= 0) {
            return 0;
        }
        if (after == null) {
            log.error(
                    "batch {} job {}: resuming after {} published items, but {} of its {} items are no longer on "
                            + "genai.batches (deleted by retention?) and its progress was recorded without the last published "
                            + "line key (by an earlier version): resuming by that count over the items left may skip requests "
                            + "never answered",
                    job.getBatchId(),
                    name(job),
                    published,
                    missing,
                    job.getItemCount());
            return 0;
        }
        long publishedGone = published - index.countThrough(after);
        log.error(
                "batch {} job {}: {} of its {} items are no longer on genai.batches (deleted by retention?): {} of "
                        + "them were published before, {} were not and cannot be answered (their keys and headers were only "
                        + "in those records). Resuming after line key {}, the last published",
                job.getBatchId(),
                name(job),
                missing,
                job.getItemCount(),
                publishedGone,
                missing - publishedGone,
                after);
        return missing - publishedGone;
    }

    /**
     * Requests of this publication that get no response, counted with the transaction that commits them (an aborted
     * chunk is built again and must not count twice): those whose key alone is too large, per chunk; those that
     * vanished, found at each resume but counted once, with the job's PUBLISHED record.
     */
    private static final class Unanswerable {
        long keyTooLarge;
        long vanished;
    }

    private void commit(
            OpenJob entry,
            List<PollerCounters.Counted> sent,
            long publishedThrough,
            String throughKey,
            boolean last,
            ItemIndex index,
            Rebatched rebatched,
            Unanswerable unanswerable) {
        BatchJob job = entry.job();
        Instant now = clock.instant();
        Lineage lineage = entry.lineage().withCopied(rebatched.progress()).withPublishedThroughKey(throughKey);
        BatchJob next = PollerJobRecords.progress(job, publishedThrough, last, now);
        if (!last) {
            writer.commitChunk(entry, next, lineage);
        } else {
            // The re-batch child's seal goes with the last chunk, which also moves the group's offset.
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(1);
            if (rebatched.count > 0) {
                int attempt = job.getAttempt() + 1;
                ItemsRange range = JobItems.of(job, lineage);
                records.add(children.seal(
                        job,
                        rebatched.childId,
                        lineage.child(
                                job.getBatchId(), attempt, rebatched.progress().reasons(), null),
                        range.partition(),
                        rebatched.count,
                        rebatched.bytes,
                        now));
                lineage = lineage.decided(Lineage.REBATCHED, List.of(rebatched.childId));
            }
            writer.commit(entry, records, next, lineage);
        }
        counters.chunk();
        sent.forEach(counters::response);
        if (unanswerable.keyTooLarge > 0) {
            counters.unanswerable("key_too_large", unanswerable.keyTooLarge);
            unanswerable.keyTooLarge = 0;
        }
        if (last) {
            if (unanswerable.vanished > 0) {
                counters.unanswerable("vanished", unanswerable.vanished);
            }
            counters.jobState(next.getState());
            Optional<ResultCounts> counts = index.resultCounts();
            counts.ifPresent(c -> counters.unattachedResults(c.unattached()));
            log.info(
                    "batch {} job {}: PUBLISHED, {} of {} requests answered{}{}",
                    next.getBatchId(),
                    name(next),
                    publishedThrough - rebatched.count,
                    publishedThrough,
                    counts.map(c -> " (" + c.attached() + " results attached, " + c.unattached()
                                    + " attached to no request)")
                            .orElseGet(() -> next.getError() == null
                                    ? ""
                                    : " (" + next.getError().getCode() + ")"),
                    rebatched.count == 0
                            ? ""
                            : "; " + rebatched.count + " re-batched as " + rebatched.childId + " (attempt "
                                    + (job.getAttempt() + 1) + ")");
        }
    }

    /** A request's response, or, when the response is null, its re-batching and why. */
    private record Outcome(GenAiResponse response, String rebatchReason) {
        static Outcome answered(GenAiResponse response) {
            return new Outcome(response, null);
        }

        static Outcome rebatched(String reason) {
            return new Outcome(null, reason);
        }
    }

    private Outcome outcome(BatchJob job, JobDecision decision, Entry e, FileChannel file) throws IOException {
        Instant now = clock.instant();
        BatchItem item = e.item();
        if (decision instanceof AnswerEveryRequest every) {
            return Outcome.answered(Responses.answer(job, item, every.status(), every.error(), now));
        }
        if (decision instanceof RebatchTheRest rest) {
            return Outcome.rebatched(rest.reason());
        }
        if (e.duplicated()) {
            return answer(job, item, policy.onUnanswered(job, item, JobPolicy.Unanswered.RESULT_DUPLICATED), now);
        }
        if (e.result().isEmpty()) {
            return answer(job, item, policy.onUnanswered(job, item, JobPolicy.Unanswered.RESULT_MISSING), now);
        }
        ItemIndex.ResultPointer p = e.result().get();
        byte[] line = ResultFile.read(file, p.offset(), p.length());
        ResultFile.Result result = ResultFile.parse(line, line.length);
        if (!result.key().equals(Optional.of(io.genaibatch.batch.LineKey.of(item)))) {
            // The index points at a line of another key: the results file changed under it. Never attach it.
            log.error(
                    "batch {} job {}: the result indexed for {} carries key {}; the results file changed since it "
                            + "was indexed",
                    job.getBatchId(),
                    name(job),
                    io.genaibatch.batch.LineKey.of(item),
                    result.key());
            return answer(job, item, policy.onUnanswered(job, item, JobPolicy.Unanswered.RESULT_MISSING), now);
        }
        if (result.response().isPresent()) {
            return Outcome.answered(
                    Responses.succeeded(job, item, result.response().get(), now));
        }
        if (result.error().isEmpty()) {
            return answer(job, item, policy.onUnanswered(job, item, JobPolicy.Unanswered.RESULT_UNREADABLE), now);
        }
        return answer(job, item, policy.onRequestError(job, item, result.error().get()), now);
    }

    private static Outcome answer(BatchJob job, BatchItem item, ItemDecision decision, Instant now) {
        if (decision instanceof JobPolicy.Answer a) {
            return Outcome.answered(Responses.answer(job, item, a.status(), a.error(), now));
        }
        if (decision instanceof JobPolicy.Rebatch r) {
            return Outcome.rebatched(r.reason());
        }
        throw new IllegalStateException("unsupported item decision " + decision);
    }

    /** The job's name for a log line; a batch the submitter could not submit has none. */
    private static String name(BatchJob job) {
        return job.getJobName() != null
                ? job.getJobName()
                : job.getError() == null ? "(none)" : "(none: " + job.getError().getCode() + ")";
    }
}

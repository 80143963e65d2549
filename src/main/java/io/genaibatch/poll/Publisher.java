package io.genaibatch.poll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchJobInfo;
import io.genaibatch.gemini.BatchOutput;
import io.genaibatch.gemini.InlineResult;
import io.genaibatch.poll.ItemIndex.Entry;
import io.genaibatch.poll.ItemIndex.ResultCounts;
import io.genaibatch.poll.JobPolicy.AnswerEveryRequest;
import io.genaibatch.poll.JobPolicy.ItemDecision;
import io.genaibatch.poll.JobPolicy.JobDecision;
import io.genaibatch.poll.JobTable.OpenJob;
import io.genaibatch.records.BatchItem;
import io.genaibatch.records.BatchJob;
import io.genaibatch.records.GenAiResponse;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a finished job: one terminal response per item of its batch, in chunks, each chunk one transaction
 * with the job's new {@code publishedThrough}; the last chunk also makes the job PUBLISHED.
 *
 * <p>The order of publication is the items' line key order in the {@link ItemIndex}, a function of the batch
 * alone: whatever order the service returns the results in, and however often they are read again after a crash,
 * item number n is the same request, so skipping the first {@code publishedThrough} items skips exactly what was
 * committed. Results are mapped by key only: a result is attached to the one item whose line key
 * ({@link io.genaibatch.batch.LineKey}: unique in a batch, unlike a caller's requestId) is its key, and
 * to nothing when its key is missing, unknown, or shared with another result.
 */
final class Publisher {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);
    /**
     * A chunk also ends once its response values reach this many bytes, so that the heap a chunk takes stays
     * bounded whatever the responses' size (500 embeddings of 3072 values are ~30 MB of JSON).
     */
    static final long MAX_CHUNK_BYTES = 4L << 20;

    /** What the publisher needs from the poll loop: transactions on the job's partition, and a live membership. */
    interface JobWriter {
        /**
         * Commits the responses and the job's record in one transaction on the job's partition.
         *
         * @throws JobAbandonedException when the partition is no longer this poller's
         */
        void commit(OpenJob entry, List<ProducerRecord<byte[], byte[]>> responses, BatchJob next);

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
    private final Clock clock;
    private final long maxChunkBytes;

    Publisher(PollerSettings settings, CacheDirs cache, BatchApi api, JobPolicy policy, ItemLoader loader,
              Responses responses, JobWriter writer, PollerCounters counters, Clock clock) {
        this(settings, cache, api, policy, loader, responses, writer, counters, clock, MAX_CHUNK_BYTES);
    }

    Publisher(PollerSettings settings, CacheDirs cache, BatchApi api, JobPolicy policy, ItemLoader loader,
              Responses responses, JobWriter writer, PollerCounters counters, Clock clock, long maxChunkBytes) {
        this.maxChunkBytes = maxChunkBytes;
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

    /**
     * Publishes the rest of the job, from its {@code publishedThrough}.
     *
     * @param info the job as the API last described it, if just fetched (a SUCCEEDED job needs its output location)
     * @throws JobAbandonedException when the poller must stop between two chunks (closing, partition lost)
     */
    void publish(OpenJob entry, Optional<BatchJobInfo> info) {
        BatchJob job = entry.job();
        JobDecision decision = policy.onFinished(job);
        Path dir = cache.jobDir(entry.partition(), job);
        ItemIndex index = ItemIndex.open(dir.resolve("index"));
        try {
            if (!index.itemsComplete()) {
                long n = loader.load(job, index, () -> writer.keepAlive(entry));
                log.info("batch {} job {}: indexed {} items from genai.batches partition {} offsets {}..{}",
                        job.getBatchId(), job.getJobName(), n, job.getItemsPartition(), job.getFirstItemOffset(),
                        job.getLastItemOffset());
            }
            Path results = null;
            if (!(decision instanceof AnswerEveryRequest)) {
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
    }

    private void fetchResults(OpenJob entry, Optional<BatchJobInfo> known, Path target) {
        BatchJob job = entry.job();
        BatchJobInfo info = known.filter(i -> i.output().isPresent()).orElseGet(() -> api.get(job.getJobName()));
        BatchOutput output = info.output();
        try {
            if (output.isFile()) {
                long bytes = api.downloadFile(output.responsesFile().orElseThrow(), target);
                log.info("batch {} job {}: downloaded the responses file {} ({} bytes){}", job.getBatchId(),
                        job.getJobName(), output.responsesFile().get(), bytes,
                        job.getInputMode() == io.genaibatch.records.InputMode.INLINE ? " (an inline job answered with a file)" : "");
            } else if (output.isInline()) {
                long n;
                try (Stream<InlineResult> s = api.inlineResults(job.getJobName())) {
                    n = ResultFile.writeInline(s.iterator(), target);
                }
                log.info("batch {} job {}: read {} inline results{}", job.getBatchId(), job.getJobName(), n,
                        job.getInputMode() == io.genaibatch.records.InputMode.FILE ? " (a file job answered inline)" : "");
            } else {
                log.error("batch {} job {}: the job SUCCEEDED without any output; every request is answered "
                        + "RESULT_MISSING", job.getBatchId(), job.getJobName());
                Files.write(target, new byte[0]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("batch " + job.getBatchId() + " job " + job.getJobName()
                    + ": cannot write its results to " + target, e);
        }
    }

    private void indexResults(OpenJob entry, ItemIndex index, Path results) {
        BatchJob job = entry.job();
        index.clearResults();
        long[] c = new long[3]; // results, attached, unattached
        Instant[] nextBeat = {clock.instant().plusSeconds(1)};
        try {
            ResultFile.forEachLine(results, (offset, bytes, length) -> {
                c[0]++;
                Optional<String> key = ResultFile.keyOf(bytes, length);
                ItemIndex.Attach a = key.isPresent() ? index.attach(key.get(), offset, length)
                        : ItemIndex.Attach.UNKNOWN_KEY;
                switch (a) {
                    case ATTACHED -> c[1]++;
                    case DUPLICATED -> {
                        c[1]--;
                        c[2] += 2;
                    }
                    case DUPLICATE_AGAIN, UNKNOWN_KEY -> c[2]++;
                }
                if (a != ItemIndex.Attach.ATTACHED && c[2] <= 5) {
                    log.warn("batch {} job {}: result at byte {} attached to no request ({}{})", job.getBatchId(),
                            job.getJobName(), offset, a, key.map(k -> ", key '" + k + "'").orElse(", no key"));
                }
                if (clock.instant().isAfter(nextBeat[0])) {
                    writer.keepAlive(entry);
                    nextBeat[0] = clock.instant().plusSeconds(1);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("batch " + job.getBatchId() + ": cannot read its results " + results, e);
        }
        ResultCounts counts = new ResultCounts(c[0], c[1], c[2]);
        index.completeResults(counts);
        log.info("batch {} job {}: {} results, {} attached to their request, {} attached to none", job.getBatchId(),
                job.getJobName(), counts.results(), counts.attached(), counts.unattached());
    }

    private void publishChunks(OpenJob entry, JobDecision decision, ItemIndex index, Path results) {
        long done = entry.job().getPublishedThrough();
        int chunk = settings.publishChunk();
        try (FileChannel file = results == null ? null : FileChannel.open(results, StandardOpenOption.READ);
             ItemIndex.Cursor cursor = index.entries(done)) {
            if (!cursor.hasNext()) {
                // Nothing (left) to answer: a batch whose items are gone, or a resumed job with every item done.
                commit(entry, List.of(), List.of(), done, true, index);
                return;
            }
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(Math.min(chunk, 1024));
            List<GenAiResponse> sent = new ArrayList<>(Math.min(chunk, 1024));
            long bytes = 0;
            while (cursor.hasNext()) {
                Entry e = cursor.next();
                GenAiResponse r = respond(entry.job(), decision, e, file);
                ProducerRecord<byte[], byte[]> record = responses.record(e.item(), r);
                records.add(record);
                sent.add(r);
                bytes += record.value().length;
                done++;
                boolean last = !cursor.hasNext();
                if (records.size() >= chunk || bytes >= maxChunkBytes || last) {
                    commit(entry, records, sent, done, last, index);
                    log.debug("batch {} job {}: published through {} of {}", entry.batchId(),
                            entry.job().getJobName(), done, index.itemCount());
                    records.clear();
                    sent.clear();
                    bytes = 0;
                    if (!last) {
                        writer.keepAlive(entry);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("batch " + entry.batchId() + ": cannot read its results " + results, e);
        }
    }

    private void commit(OpenJob entry, List<ProducerRecord<byte[], byte[]>> records, List<GenAiResponse> sent,
                        long publishedThrough, boolean last, ItemIndex index) {
        BatchJob next = JobRecords.progress(entry.job(), publishedThrough, last, clock.instant());
        writer.commit(entry, records, next);
        counters.chunk();
        sent.forEach(r -> counters.response(r.getStatus(), r.getUsage()));
        if (last) {
            counters.jobState(next.getState());
            Optional<ResultCounts> counts = index.resultCounts();
            counts.ifPresent(c -> counters.unattachedResults(c.unattached()));
            log.info("batch {} job {}: PUBLISHED, {} responses{}", next.getBatchId(), next.getJobName(),
                    publishedThrough, counts.map(c -> " (" + c.attached() + " results attached, " + c.unattached()
                            + " attached to no request)").orElseGet(() -> next.getError() == null ? "" : " (" + next.getError().getCode() + ")"));
        }
    }

    private GenAiResponse respond(BatchJob job, JobDecision decision, Entry e, FileChannel file) throws IOException {
        Instant now = clock.instant();
        BatchItem item = e.item();
        if (decision instanceof AnswerEveryRequest every) {
            return Responses.answer(job, item, every.status(), every.error(), now);
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
            log.error("batch {} job {}: the result indexed for {} carries key {}; the results file changed since it "
                    + "was indexed", job.getBatchId(), job.getJobName(), io.genaibatch.batch.LineKey.of(item), result.key());
            return answer(job, item, policy.onUnanswered(job, item, JobPolicy.Unanswered.RESULT_MISSING), now);
        }
        if (result.response().isPresent()) {
            return Responses.succeeded(job, item, result.response().get(), now);
        }
        return answer(job, item, policy.onRequestError(job, item, result.error().orElseThrow()), now);
    }

    private static GenAiResponse answer(BatchJob job, BatchItem item, ItemDecision decision, Instant now) {
        if (decision instanceof JobPolicy.Answer a) {
            return Responses.answer(job, item, a.status(), a.error(), now);
        }
        throw new IllegalStateException("unsupported item decision " + decision);
    }
}

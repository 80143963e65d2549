package io.genaibatch.submit;

import io.genaibatch.gemini.BatchApi;
import io.genaibatch.gemini.BatchJobInfo;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the job created for a batch by its displayName (the batchId), the one way to learn whether a create
 * whose answer was lost (crash, timeout, 5xx) made a job. The API has no filter by displayName and promises no
 * order, so this reads the whole listing; it runs only after a crash or an unclear create, not per batch.
 */
final class JobFinder {
    private static final Logger log = LoggerFactory.getLogger(JobFinder.class);

    private final BatchApi api;
    private final int pageSize;
    private final SubmitCounters counters;

    JobFinder(BatchApi api, int pageSize, SubmitCounters counters) {
        this.api = api;
        this.pageSize = pageSize;
        this.counters = counters;
    }

    /** The batch's job, if one exists; the oldest when (against our guarantee) there are several. */
    Optional<BatchJobInfo> find(String batchId) {
        counters.listed();
        List<BatchJobInfo> matches;
        try (Stream<BatchJobInfo> jobs = api.list(pageSize)) {
            matches = jobs.filter(j -> j.displayName().equals(batchId)).toList();
        }
        if (matches.size() > 1) {
            log.error(
                    "Batch {} has {} jobs at the API ({}): it may be billed more than once. Adopting the oldest;"
                            + " cancel the others by hand if they are not needed.",
                    batchId,
                    matches.size(),
                    matches.stream().map(BatchJobInfo::name).toList());
        }
        return matches.stream().min(Comparator.comparing(j -> j.createTime().orElse(Instant.MAX)));
    }
}

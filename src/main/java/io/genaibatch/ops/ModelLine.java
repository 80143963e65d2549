package io.genaibatch.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.ops.UsageLedger.ModelUsage;
import io.genaibatch.records.JobState;
import io.genaibatch.run.OpenBatches;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One model as the status page and /api/models show it: the window policy in force (resolved as the accumulator
 * and {@code config get} do), its open batches in this instance, its jobs not yet published, and its ledger line.
 *
 * @param policy null when genai.window-config could not be read yet, or this process cannot resolve policies
 * @param open the open batches of every model as this process knows them (or why it does not)
 */
record ModelLine(
        String model, WindowPolicyReader.Policy policy, OpenBatches open, long jobsInFlight, ModelUsage usage) {
    /** What the page and /api/models say of open batches in a process that runs no accumulator. */
    static final String NO_ACCUMULATOR = "no accumulator in this process";

    /** Every model with a policy of its own, an open batch, a job on genai.jobs or a response, by name. */
    static List<ModelLine> of(StatusCache.Status status) {
        Map<String, ModelUsage> usage = new LinkedHashMap<>();
        status.usageTotal().forEach(u -> usage.put(u.model(), u));
        List<Batch> jobs = status.jobs() == null ? List.of() : status.jobs().live();
        Map<String, WindowPolicyReader.Policy> window = status.window() == null ? Map.of() : status.window();
        Set<String> models = new TreeSet<>(usage.keySet());
        jobs.forEach(b -> models.add(JobsView.modelName(b.job().getModel())));
        models.addAll(window.keySet());
        models.addAll(status.openBatches().byModel().keySet());
        return models.stream()
                .map(m -> new ModelLine(
                        m,
                        window.get(m),
                        status.openBatches(),
                        jobs.stream()
                                .filter(b -> inFlight(b)
                                        && JobsView.sameModel(b.job().getModel(), m))
                                .count(),
                        usage.getOrDefault(m, new ModelUsage(m, 0, 0, 0, 0, 0, 0, true))))
                .toList();
    }

    /** Not published yet: its requests are still to be answered (by it or by its children). */
    static boolean inFlight(Batch batch) {
        return batch.job().getState() != JobState.PUBLISHED;
    }

    ObjectNode json(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("model", model);
        if (policy == null) {
            o.putNull("window");
        } else {
            ObjectNode w = o.putObject("window");
            w.put("maxRequests", policy.maxRequests());
            w.put("maxBytes", policy.maxBytes());
            w.put("maxWait", ConfigKeys.WINDOW_MAX_WAIT.format(policy.maxWait()));
            w.put("shards", policy.shards());
            w.put("enabled", policy.enabled());
            ObjectNode sources = w.putObject("sources");
            new java.util.TreeMap<>(policy.sources()).forEach(sources::put);
        }
        ObjectNode batch = o.putObject("openBatch");
        if (open.isKnown()) {
            OpenBatches.Model mine = open.of(model);
            batch.put("batches", mine.batches());
            batch.put("requests", mine.requests());
            batch.put("bytes", mine.bytes());
            batch.put("oldestAgeSeconds", (long) mine.oldestAgeSeconds(Instant.now()));
        } else {
            batch.put("unknown", open.unknown());
        }
        o.put("jobsInFlight", jobsInFlight);
        ObjectNode u = usage.json(mapper);
        u.remove("model");
        o.set("usage", u);
        return o;
    }
}

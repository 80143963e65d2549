package io.genaibatch.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.ops.UsageLedger.ModelUsage;
import io.genaibatch.records.JobState;

/**
 * One model as the status page and /api/models show it: the window policy in force (resolved as the accumulator
 * and {@code config get} do), its jobs not yet published, and its ledger line. The open batch is not shown: it is
 * the accumulator's state store, which this process cannot read (say so, never a guess).
 *
 * @param policy null when genai.window-config could not be read yet, or this process cannot resolve policies
 */
record ModelLine(String model, WindowPolicyReader.Policy policy, long jobsInFlight, ModelUsage usage) {
    static final String OPEN_BATCH_UNKNOWN = "not known in this process";

    /** Every model with a policy of its own, a job on genai.jobs or a response, by name. */
    static List<ModelLine> of(StatusCache.Status status) {
        Map<String, ModelUsage> usage = new LinkedHashMap<>();
        status.usageTotal().forEach(u -> usage.put(u.model(), u));
        List<Batch> jobs = status.jobs() == null ? List.of() : status.jobs().live();
        Map<String, WindowPolicyReader.Policy> window = status.window() == null ? Map.of() : status.window();
        Set<String> models = new TreeSet<>(usage.keySet());
        jobs.forEach(b -> models.add(JobsView.modelName(b.job().getModel())));
        models.addAll(window.keySet());
        return models.stream().map(m -> new ModelLine(m, window.get(m),
                jobs.stream().filter(b -> inFlight(b) && JobsView.sameModel(b.job().getModel(), m)).count(),
                usage.getOrDefault(m, new ModelUsage(m, 0, 0, 0, 0, 0, 0, true)))).toList();
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
        o.put("openBatch", OPEN_BATCH_UNKNOWN);
        o.put("jobsInFlight", jobsInFlight);
        ObjectNode u = usage.json(mapper);
        u.remove("model");
        o.set("usage", u);
        return o;
    }
}

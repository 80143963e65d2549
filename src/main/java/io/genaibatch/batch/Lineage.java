package io.genaibatch.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Where a batch comes from and what became of it, carried in the Kafka header {@value #HEADER} (a small JSON
 * object) on a child batch's SEAL in genai.batches, on every genai.jobs record of a child batch, and on the record
 * of a parent once the poller decided its fate.
 *
 * <p>A header rather than new fields of BatchJob / BatchSeal: the Avro schemas of the topics are a contract whose
 * fingerprints consumers rely on (single-object encoding), and a record without the header is simply a root batch
 * made by the accumulator, as every record written before job policies existed.
 *
 * <p>Children are made by the poller's job policy and get ids derived from their parent's, so that a decision made
 * again after a crash names the same children (and the submitter's displayName resolution keeps one job each):
 * {@code <parent>.a<attempt>} resubmits every request of a FAILED or vanished job, {@code <parent>.s0} and
 * {@code .s1} are the two halves of an EXPIRED, stuck or content-refused one, {@code <parent>.r<attempt>} holds the
 * requests of a SUCCEEDED job that got a retriable error or no result.
 *
 * @param rootBatchId   the batch the accumulator made, at the top of the lineage
 * @param parentBatchId the batch this one was made from; null for a root
 * @param attempt       how many times these requests have been submitted with this one (1 for a root)
 * @param reason        why the parent had children: the parent's error code (JOB_FAILED, JOB_EXPIRED, JOB_STUCK,
 *                      JOB_NOT_FOUND, CREATE_REFUSED...) or the causes of a re-batch (RETRIABLE_ERRORS, RESULT_MISSING...); null for a root
 * @param items         where the child's items are when they are a range of another batch's items on genai.batches
 *                      (resubmissions and splits reuse the parent's items, never copy them); null when the batch's
 *                      own items precede its seal, as for a root or a re-batch
 * @param decision      what became of the batch: RESUBMITTED, SPLIT, REBATCHED (with its children), HELD, or an
 *                      operator's RETRY_REQUESTED / ANSWER_REQUESTED on a held batch; null otherwise
 * @param children      on a parent: the ids of the children the decision made
 * @param copied        on a batch being published: the requests copied so far into its re-batch child, so that a
 *                      poller resuming the publication seals the child with what was really copied; null for none
 * @param publishedThroughKey on a batch being published: the line key of the last item handled (answered or
 *                      copied) by the chunks committed so far, the item the job's publishedThrough counts to. A
 *                      poller resuming the publication goes on after this key, in line key order: items that
 *                      vanished from genai.batches meanwhile (retention) cannot shift what it skips, as a count
 *                      would. Null before the first chunk, and on records written before it existed
 */
public record Lineage(
        String rootBatchId,
        String parentBatchId,
        int attempt,
        String reason,
        ItemsRange items,
        String decision,
        List<String> children,
        Copied copied,
        String publishedThroughKey) {
    /** The header on genai.batches seals and genai.jobs records. */
    public static final String HEADER = "genai-batch.lineage";
    /** Header on every response: the attempt that answered it (1 = the batch the accumulator made). */
    public static final String ATTEMPT_HEADER = "genai-batch.attempt";
    /** Header on every response: the batch the accumulator made, at the top of the answering batch's lineage. */
    public static final String ROOT_HEADER = "genai-batch.root-batch-id";

    public static final String RESUBMITTED = "RESUBMITTED";
    public static final String SPLIT = "SPLIT";
    public static final String REBATCHED = "REBATCHED";
    /** Retries spent, poll.on-exhausted=hold: the batch waits for an operator. */
    public static final String HELD = "HELD";
    /** Written by `jobs retry` on a HELD batch: one more attempt. */
    public static final String RETRY_REQUESTED = "RETRY_REQUESTED";
    /** Written by `jobs answer` on a HELD batch: give its requests their final answers. */
    public static final String ANSWER_REQUESTED = "ANSWER_REQUESTED";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Items of batch {@code batchId} in genai.batches partition {@code partition}, offsets {@code fromOffset} to
     * {@code toOffset} inclusive (items of other batches interleave there and are skipped).
     */
    public record ItemsRange(String batchId, int partition, long fromOffset, long toOffset) {
        public ItemsRange {
            Objects.requireNonNull(batchId, "batchId");
            if (fromOffset < 0 || toOffset < fromOffset) {
                throw new IllegalArgumentException("items range of " + batchId + " must satisfy 0 <= from <= to, found "
                        + fromOffset + ".." + toOffset);
            }
        }
    }

    /**
     * Requests copied into a batch's re-batch child by the chunks committed so far.
     *
     * @param reasons why, joined with '+' (RETRIABLE_ERRORS, RESULT_MISSING, RESULT_DUPLICATED, ...)
     */
    public record Copied(int count, long bytes, String reasons) {
        public Copied {
            Objects.requireNonNull(reasons, "reasons");
        }
    }

    public Lineage {
        Objects.requireNonNull(rootBatchId, "rootBatchId");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, found " + attempt);
        }
        children = children == null ? List.of() : List.copyOf(children);
    }

    /** The lineage of a batch the accumulator made. */
    public static Lineage root(String batchId) {
        return new Lineage(batchId, null, 1, null, null, null, List.of(), null, null);
    }

    public boolean isRoot() {
        return parentBatchId == null;
    }

    /** A child of the batch {@code parentBatchId} whose lineage this is. */
    public Lineage child(String parentBatchId, int childAttempt, String why, ItemsRange childItems) {
        return new Lineage(rootBatchId, parentBatchId, childAttempt, why, childItems, null, List.of(), null, null);
    }

    /** This lineage with the poller's decision about the batch. */
    public Lineage decided(String what, List<String> childIds) {
        return new Lineage(
                rootBatchId, parentBatchId, attempt, reason, items, what, childIds, copied, publishedThroughKey);
    }

    /** This lineage with the re-batch copies made so far. */
    public Lineage withCopied(Copied progress) {
        return new Lineage(
                rootBatchId, parentBatchId, attempt, reason, items, decision, children, progress, publishedThroughKey);
    }

    /** This lineage with the line key of the last item the committed chunks handled. */
    public Lineage withPublishedThroughKey(String lineKey) {
        return new Lineage(rootBatchId, parentBatchId, attempt, reason, items, decision, children, copied, lineKey);
    }

    public static String resubmitId(String parentBatchId, int childAttempt) {
        return parentBatchId + ".a" + childAttempt;
    }

    public static List<String> splitIds(String parentBatchId) {
        return List.of(parentBatchId + ".s0", parentBatchId + ".s1");
    }

    public static String rebatchId(String parentBatchId, int childAttempt) {
        return parentBatchId + ".r" + childAttempt;
    }

    /** The lineage in {@code headers}; empty when there is none (a root batch, or a record from before). */
    public static Optional<Lineage> from(Headers headers) {
        Header h = headers == null ? null : headers.lastHeader(HEADER);
        return h == null || h.value() == null ? Optional.empty() : Optional.of(parse(h.value()));
    }

    /** The lineage in {@code headers}, or that of a root batch {@code batchId}. */
    public static Lineage orRoot(Headers headers, String batchId) {
        return from(headers).orElseGet(() -> root(batchId));
    }

    /** Adds this lineage to {@code headers}, unless it is a plain root with nothing decided (written as before). */
    public void addTo(Headers headers) {
        if (!isRoot() || decision != null || copied != null || publishedThroughKey != null) {
            headers.add(HEADER, toJson());
        }
    }

    public byte[] toJson() {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("root", rootBatchId);
        if (parentBatchId != null) {
            o.put("parent", parentBatchId);
        }
        o.put("attempt", attempt);
        if (reason != null) {
            o.put("reason", reason);
        }
        if (items != null) {
            ObjectNode i = o.putObject("items");
            i.put("batchId", items.batchId());
            i.put("partition", items.partition());
            i.put("from", items.fromOffset());
            i.put("to", items.toOffset());
        }
        if (decision != null) {
            o.put("decision", decision);
        }
        if (!children.isEmpty()) {
            ArrayNode a = o.putArray("children");
            children.forEach(a::add);
        }
        if (copied != null) {
            ObjectNode c = o.putObject("copied");
            c.put("count", copied.count());
            c.put("bytes", copied.bytes());
            c.put("reasons", copied.reasons());
        }
        if (publishedThroughKey != null) {
            o.put("publishedThroughKey", publishedThroughKey);
        }
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads the header's JSON.
     *
     * @throws IllegalArgumentException naming what is wrong, when it is not a lineage
     */
    public static Lineage parse(byte[] json) {
        JsonNode o;
        try {
            o = MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("header " + HEADER + " is not JSON: " + e.getMessage(), e);
        }
        if (o == null
                || !o.isObject()
                || !o.path("root").isTextual()
                || !o.path("attempt").canConvertToInt()) {
            throw new IllegalArgumentException("header " + HEADER + " must be a JSON object with at least \"root\" "
                    + "(string) and \"attempt\" (int), found " + new String(json, StandardCharsets.UTF_8));
        }
        ItemsRange items = null;
        JsonNode i = o.get("items");
        if (i != null && !i.isNull()) {
            if (!i.isObject()
                    || !i.path("batchId").isTextual()
                    || !i.path("partition").canConvertToInt()
                    || !i.path("from").canConvertToLong()
                    || !i.path("to").canConvertToLong()) {
                throw new IllegalArgumentException("header " + HEADER + ": \"items\" must be an object with batchId, "
                        + "partition, from and to, found " + i);
            }
            items = new ItemsRange(
                    i.get("batchId").asText(),
                    i.get("partition").asInt(),
                    i.get("from").asLong(),
                    i.get("to").asLong());
        }
        List<String> children = new ArrayList<>();
        o.path("children").forEach(c -> children.add(c.asText()));
        Copied copied = null;
        JsonNode c = o.get("copied");
        if (c != null && c.isObject()) {
            copied = new Copied(
                    c.path("count").asInt(),
                    c.path("bytes").asLong(),
                    c.path("reasons").asText());
        }
        return new Lineage(
                o.get("root").asText(),
                text(o, "parent"),
                o.get("attempt").asInt(),
                text(o, "reason"),
                items,
                text(o, "decision"),
                children,
                copied,
                text(o, "publishedThroughKey"));
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}

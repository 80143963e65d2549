package io.genaibatch.ops;

import io.genaibatch.batch.Lineage;
import io.genaibatch.config.ConfigKeys;
import io.genaibatch.jobs.JobsReader.Batch;
import io.genaibatch.jobs.JobsView;
import io.genaibatch.ops.StatusCache.Minute;
import io.genaibatch.ops.UsageLedger.ModelUsage;
import io.genaibatch.records.BatchJob;
import io.genaibatch.run.OpenBatches;
import io.genaibatch.run.Readiness;
import io.genaibatch.run.Role;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * The status page as one self-contained HTML document: no script, no external asset, a meta refresh at the
 * cache's interval. Made for a person woken at night: what is unhealthy comes first, in red.
 */
final class StatusPage {
    private static final int RECENT = 20;
    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
            h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .4em}
            table{border-collapse:collapse;background:#fff}th,td{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left}
            td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td{white-space:nowrap}
            .bad{color:#b00020;font-weight:600}.ok{color:#1b7a1b}.muted{color:#777}
            .box{display:inline-block;vertical-align:top;margin:0 2em 1em 0}
            svg{background:#fff;border:1px solid #ddd}
            """;

    private StatusPage() {}

    /** Before the first refresh: roles only, and a quicker refresh. */
    static String loading(List<? extends Role> roles) {
        StringBuilder h = head(Duration.ofSeconds(2));
        h.append("<h1>genai-batch</h1><p class=\"muted\">Reading Kafka for the first time&hellip;</p>");
        roles(h, roles);
        return h.append("</body></html>").toString();
    }

    static String render(
            StatusCache.Status s, List<ModelLine> models, List<? extends Role> roles, Duration interval, Instant now) {
        StringBuilder h = head(interval);
        h.append("<h1>genai-batch</h1><p class=\"muted\">Read from Kafka at ")
                .append(esc(s.refreshedAt()
                        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                        .toString()))
                .append(", every ")
                .append(esc(ConfigKeys.HTTP_REFRESH_INTERVAL.format(interval)))
                .append(" (http.refresh-interval); this page reloads itself.</p>");
        for (String problem : new String[] {s.jobsProblem(), s.windowProblem(), s.responsesProblem()}) {
            if (problem != null) {
                h.append("<p class=\"bad\">").append(esc(problem)).append("</p>");
            }
        }
        if (!s.responsesCaughtUp()) {
            h.append("<p class=\"bad\">Still reading genai.responses from its beginning: cost, counts and charts "
                    + "are partial.</p>");
        }
        roles(h, roles);
        cost(h, s);
        models(h, models, now);
        charts(h, s.lastHour());
        if (s.jobs() != null) {
            List<Batch> inFlight = s.jobs().live().stream()
                    .filter(ModelLine::inFlight)
                    .sorted(JobsView.LIST_ORDER)
                    .toList();
            h.append("<h2>Jobs in flight (").append(inFlight.size()).append(")</h2>");
            jobs(h, inFlight, now, "no job in flight", true);
            h.append("<h2>Recently finished</h2>");
            jobs(h, StatusRoutes.recentlyFinished(s, RECENT), now, "no finished job on genai.jobs", false);
        }
        h.append(
                "<p class=\"muted\">JSON: <a href=\"/api/jobs\">/api/jobs</a>, <a href=\"/api/models\">/api/models</a>."
                        + " Prices are cost.prices-file's (unset: the example prices of config/prices.yaml); totals cover what "
                        + "genai.responses' retention keeps.</p>");
        return h.append("</body></html>").toString();
    }

    private static StringBuilder head(Duration refresh) {
        return new StringBuilder(16_384)
                .append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"")
                .append(Math.max(2, refresh.toSeconds()))
                .append("\"><title>genai-batch status</title><style>")
                .append(STYLE)
                .append("</style></head><body>");
    }

    private static void roles(StringBuilder h, List<? extends Role> roles) {
        h.append("<h2>Roles</h2>");
        if (roles.isEmpty()) {
            h.append("<p class=\"muted\">no role runs in this process</p>");
            return;
        }
        h.append("<table><tr><th>role</th><th>state</th></tr>");
        for (Role role : roles) {
            // What /health/ready says of it, so the page and the probe never disagree.
            Readiness r = ReadinessReport.readiness(role);
            String state = r.ready() ? "ready" : "NOT READY: " + String.join("; ", r.problems());
            h.append("<tr><td>")
                    .append(esc(role.name()))
                    .append("</td><td class=\"")
                    .append(r.ready() ? "ok" : "bad")
                    .append("\">")
                    .append(esc(state))
                    .append("</td></tr>");
        }
        h.append("</table>");
    }

    private static void cost(StringBuilder h, StatusCache.Status s) {
        h.append(
                "<h2>Cost</h2><table><tr><th></th><th class=\"n\">requests</th><th class=\"n\">tokens</th>"
                        + "<th class=\"n\">batch cost</th><th class=\"n\">interactive cost</th><th class=\"n\">saved</th></tr>");
        costRow(h, "today (UTC)", UsageLedger.total(s.usageToday()));
        costRow(h, "total", UsageLedger.total(s.usageTotal()));
        h.append("</table>");
        List<String> unpriced = s.usageTotal().stream()
                .filter(u -> !u.priced())
                .map(ModelUsage::model)
                .toList();
        if (!unpriced.isEmpty()) {
            h.append("<p class=\"muted\">No price for ")
                    .append(esc(String.join(", ", unpriced)))
                    .append(": counted at $0.</p>");
        }
    }

    private static void costRow(StringBuilder h, String label, ModelUsage u) {
        h.append("<tr><td>")
                .append(label)
                .append("</td>")
                .append(num(u.requests()))
                .append(num(u.tokens()))
                .append(usd(u.batchUsd()))
                .append(usd(u.interactiveUsd()))
                .append(usd(u.savedUsd()))
                .append("</tr>");
    }

    private static void models(StringBuilder h, List<ModelLine> models, Instant now) {
        h.append("<h2>Models</h2>");
        if (models.isEmpty()) {
            h.append("<p class=\"muted\">no model has a policy, a job or a response yet</p>");
            return;
        }
        h.append("<table><tr><th>model</th><th>window policy</th><th>open batch (this instance)</th>"
                + "<th class=\"n\">jobs in flight</th>"
                + "<th class=\"n\">answered</th><th class=\"n\">tokens</th><th class=\"n\">batch cost</th>"
                + "<th class=\"n\">saved</th></tr>");
        for (ModelLine m : models) {
            h.append("<tr><td>").append(esc(m.model())).append("</td><td");
            if (m.policy() == null) {
                h.append(" class=\"muted\">not read yet");
            } else if (!m.policy().enabled()) {
                h.append(" class=\"bad\">DISABLED (requests held)");
            } else {
                h.append(">")
                        .append(esc(m.policy().maxRequests() + " requests / "
                                + ConfigKeys.WINDOW_MAX_BYTES.format(m.policy().maxBytes()) + " / "
                                + ConfigKeys.WINDOW_MAX_WAIT.format(m.policy().maxWait())
                                + (m.policy().shards() > 1 ? ", " + m.policy().shards() + " shards" : "")));
            }
            h.append("</td>");
            openBatch(h, m, now);
            h.append(num(m.jobsInFlight()))
                    .append(num(m.usage().requests()))
                    .append(num(m.usage().tokens()))
                    .append(usd(m.usage().batchUsd()))
                    .append(usd(m.usage().savedUsd()))
                    .append("</tr>");
        }
        h.append("</table><p class=\"muted\">Open batches: those of the accumulate tasks (input partitions) this "
                + "process runs. With several instances each shows its own; /metrics sums across them "
                + "(genai_open_batch_requests).</p>");
    }

    private static void openBatch(StringBuilder h, ModelLine m, Instant now) {
        if (!m.open().isKnown()) {
            h.append("<td class=\"muted\">").append(esc(m.open().unknown())).append("</td>");
            return;
        }
        OpenBatches.Model b = m.open().of(m.model());
        if (b.batches() == 0) {
            h.append("<td class=\"muted\">none</td>");
            return;
        }
        h.append("<td>")
                .append(esc(String.format(
                                Locale.ROOT,
                                "%,d requests, %,d bytes, open %s",
                                b.requests(),
                                b.bytes(),
                                JobsView.age(b.oldestOpenedAt(), now))
                        + (b.batches() > 1 ? " (" + b.batches() + " batches, oldest)" : "")))
                .append("</td>");
    }

    private static void charts(StringBuilder h, List<Minute> minutes) {
        h.append("<h2>Last hour</h2><div class=\"box\">responses per minute<br>");
        chart(h, minutes, Minute::responses, "#3367d6", n -> n + "/min");
        h.append("</div><div class=\"box\">latency, mean per minute (received to answered)<br>");
        chart(h, minutes, Minute::latencyMeanMs, "#e37400", StatusPage::seconds);
        h.append("</div><p class=\"muted\">From each response's completedAt and receivedAt on genai.responses, "
                + "by minute (UTC).</p>");
    }

    /** Bars, one per minute, scaled to the hour's largest; its value labels the top. */
    private static void chart(
            StringBuilder h,
            List<Minute> minutes,
            ToLongFunction<Minute> value,
            String colour,
            java.util.function.LongFunction<String> label) {
        int w = 6;
        int height = 100;
        long max = Math.max(1, minutes.stream().mapToLong(value).max().orElse(1));
        h.append("<svg width=\"")
                .append(minutes.size() * w + 70)
                .append("\" height=\"")
                .append(height + 20)
                .append("\" role=\"img\"><title>max ")
                .append(esc(label.apply(max)))
                .append("</title>");
        for (int i = 0; i < minutes.size(); i++) {
            long v = value.applyAsLong(minutes.get(i));
            long bar = v * height / max;
            h.append("<rect x=\"")
                    .append(i * w)
                    .append("\" y=\"")
                    .append(height - bar)
                    .append("\" width=\"")
                    .append(w - 1)
                    .append("\" height=\"")
                    .append(bar)
                    .append("\" fill=\"")
                    .append(colour)
                    .append("\"><title>")
                    .append(minutes.get(i).start())
                    .append(": ")
                    .append(esc(label.apply(v)))
                    .append("</title></rect>");
        }
        h.append("<text x=\"")
                .append(minutes.size() * w + 4)
                .append("\" y=\"12\" font-size=\"11\">")
                .append(esc(label.apply(max)))
                .append("</text><text x=\"0\" y=\"")
                .append(height + 15)
                .append("\" font-size=\"11\">-60 min</text><text x=\"")
                .append(minutes.size() * w - 20)
                .append("\" y=\"")
                .append(height + 15)
                .append("\" font-size=\"11\">now</text></svg>");
    }

    private static void jobs(StringBuilder h, List<Batch> batches, Instant now, String none, boolean ageSinceCreated) {
        if (batches.isEmpty()) {
            h.append("<p class=\"muted\">").append(none).append("</p>");
            return;
        }
        h.append("<table><tr><th>batch</th><th>model</th><th>state</th><th class=\"n\">")
                .append(ageSinceCreated ? "age" : "finished")
                .append("</th><th class=\"n\">requests</th><th class=\"n\">ok</th><th class=\"n\">failed</th>"
                        + "<th class=\"n\">attempt</th><th>job</th></tr>");
        for (Batch b : batches) {
            BatchJob job = b.job();
            String state = JobsView.state(b);
            boolean bad = state.contains("FAILED")
                    || state.contains("EXPIRED")
                    || state.contains("CANCELLED")
                    || Lineage.HELD.equals(b.decision());
            h.append("<tr><td><a href=\"/api/jobs?batch=")
                    .append(URLEncoder.encode(b.batchId(), StandardCharsets.UTF_8))
                    .append("\">")
                    .append(esc(b.batchId()))
                    .append("</a></td><td>")
                    .append(esc(job.getModel()))
                    .append("</td><td")
                    .append(bad ? " class=\"bad\"" : "")
                    .append(">")
                    .append(esc(state))
                    .append("</td><td class=\"n\">")
                    .append(esc(JobsView.age(ageSinceCreated ? job.getCreatedAt() : job.getUpdatedAt(), now)))
                    .append(ageSinceCreated ? "" : " ago")
                    .append("</td>")
                    .append(num(job.getItemCount()))
                    .append(
                            job.getStats() == null
                                    ? "<td class=\"n\">-</td><td class=\"n\">-</td>"
                                    : num(job.getStats().getSuccessfulCount())
                                            + num(job.getStats().getFailedCount()))
                    .append(num(b.attempt()))
                    .append("<td>")
                    .append(esc(job.getJobName() == null ? "-" : job.getJobName()))
                    .append("</td></tr>");
        }
        h.append("</table>");
    }

    private static String num(long n) {
        return "<td class=\"n\">" + String.format(Locale.ROOT, "%,d", n) + "</td>";
    }

    private static String usd(double v) {
        return "<td class=\"n\">$" + String.format(Locale.ROOT, "%,.4f", v) + "</td>";
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000d);
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}

package io.genaibatch.accumulate;

import io.genaibatch.kafka.RecordCodec;
import io.genaibatch.records.WindowPolicy;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global store of window policies from genai.window-config: a valid record replaces its key's policy, a
 * tombstone removes it, and a record that does not decode or breaks a limit is ignored with a logged error (the
 * previous policy stays), so a bad write can never stop or mis-size the accumulator. It also runs when the store
 * is restored at start, so an invalid record already on the topic is ignored the same way.
 */
final class WindowConfigProcessor implements Processor<String, byte[], Void, Void> {
    private static final Logger log = LoggerFactory.getLogger(WindowConfigProcessor.class);
    private static final RecordCodec<WindowPolicy> CODEC = RecordCodec.windowPolicy();

    private KeyValueStore<String, WindowPolicy> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(AccumulatorTopology.WINDOW_POLICY_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String key = record.key();
        if (key == null) {
            log.error("Ignoring a window-config record without key: the key must be a model name or *");
            return;
        }
        if (record.value() == null) {
            store.delete(key);
            log.info("Window policy for {} removed", key);
            return;
        }
        WindowPolicy policy;
        try {
            policy = CODEC.decode(record.value());
        } catch (RuntimeException e) {
            log.error("Ignoring window-config record for {}: {}", key, e.getMessage());
            return;
        }
        List<String> problems = WindowPolicyValidator.problems(key, policy);
        if (!problems.isEmpty()) {
            log.error(
                    "Ignoring invalid window-config record for {} (written by {}), the previous policy stays: {}",
                    key,
                    policy.getUpdatedBy(),
                    String.join("; ", problems));
            return;
        }
        store.put(key, policy);
        log.info("Window policy for {} set by {}: {}", key, policy.getUpdatedBy(), policy);
    }
}

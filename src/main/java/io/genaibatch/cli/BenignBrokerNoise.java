package io.genaibatch.cli;

import java.util.List;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.filter.AbstractFilter;

/**
 * Keeps off the console the log events of the in-process broker that report a condition the client retries by
 * design, so that users do not read them as failures. Each is matched by logger and exception class, nothing broader:
 * any other event of the same logger, and the same exception from any other logger, pass. Used only on a console
 * whose log file keeps every event.
 */
final class BenignBrokerNoise extends AbstractFilter {
    /** One benign condition: the logger that reports it and the exception it reports. */
    record Condition(String logger, String exceptionClass, String why) {}

    static final List<Condition> CONDITIONS = List.of(
            // With transactions v2 the first produce to a partition newly added to a transaction can arrive before
            // the broker knows the producer's sequence; the broker logs an ERROR with a stack trace for each, the
            // producer retries and succeeds (KAFKA-18202). Every fresh `local` start hits it on the accumulator's new
            // repartition partitions.
            new Condition(
                    "kafka.server.ReplicaManager",
                    "org.apache.kafka.common.errors.OutOfOrderSequenceException",
                    "retried by the producer: first write to a partition new to a transaction (KAFKA-18202)"));

    BenignBrokerNoise() {
        super(Result.DENY, Result.NEUTRAL);
    }

    @Override
    public Result filter(LogEvent event) {
        Throwable thrown = event.getThrown();
        if (thrown == null) {
            return onMismatch;
        }
        for (Condition c : CONDITIONS) {
            if (c.logger().equals(event.getLoggerName())
                    && c.exceptionClass().equals(thrown.getClass().getName())) {
                return onMatch;
            }
        }
        return onMismatch;
    }
}

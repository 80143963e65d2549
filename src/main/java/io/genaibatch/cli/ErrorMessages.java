package io.genaibatch.cli;

import io.genaibatch.config.ConfigException;
import java.util.concurrent.ExecutionException;

/** Turns an exception that ended a command into one line a user can act on. */
final class ErrorMessages {
    private ErrorMessages() {}

    static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t.getMessage() == null) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ConfigException) {
            return t.getMessage();
        }
        if (t instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "Kafka did not answer in time (" + t.getMessage()
                    + "). Is the broker running at the configured bootstrap servers?";
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}

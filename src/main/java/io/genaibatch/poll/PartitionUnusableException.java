package io.genaibatch.poll;

/**
 * A genai.jobs partition assigned to this poller cannot be written (its producer gave up after commit timeouts and a
 * new one could not be initialised, or it could not be opened at its assignment, attempt after attempt): the poller
 * stops rather than hold the partition without acting on it.
 */
final class PartitionUnusableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PartitionUnusableException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.genaibatch.poll;

/**
 * A genai.jobs partition this poller owns can be written no more (its producer gave up after commit timeouts and
 * a new one could not be initialised): the poller stops rather than hold the partition without acting on it.
 */
final class PartitionUnusableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PartitionUnusableException(String message, Throwable cause) {
        super(message, cause);
    }
}

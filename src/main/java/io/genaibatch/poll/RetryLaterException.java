package io.genaibatch.poll;

/**
 * A round of work on a job that cannot conclude yet, for a reason expected to pass (the API has not shown a
 * finished job's output yet): the round is tried again with the usual backoff, logged without a stack trace.
 */
final class RetryLaterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RetryLaterException(String message) {
        super(message);
    }
}

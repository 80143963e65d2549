package io.genaibatch.accumulate;

/**
 * Thrown by the accumulator's processors for input they refuse. Kafka Streams hands it to the configured
 * processing exception handler ({@link RejectionHandler}), which writes the REJECTED response and the DLQ copy in
 * the same transaction: one path for every rejection, foreseen or not. No stack trace: this is not a bug.
 */
final class RejectedRequestException extends RuntimeException {
    private final transient Rejection rejection;

    RejectedRequestException(Rejection rejection) {
        super(rejection.code().code() + ": " + rejection.message(), null, false, false);
        this.rejection = rejection;
    }

    Rejection rejection() {
        return rejection;
    }
}

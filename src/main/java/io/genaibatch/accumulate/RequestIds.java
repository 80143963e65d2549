package io.genaibatch.accumulate;

/**
 * Request ids: the caller's when given, otherwise derived from where the request was read. A Kafka record keeps
 * its topic, partition and offset forever, so a derived id is the same however often the request is reprocessed.
 */
final class RequestIds {
    static final int MAX_LENGTH = 512;

    private RequestIds() {
    }

    static String derived(String topic, int partition, long offset) {
        return topic + "-" + partition + "-" + offset;
    }

    /** Null when usable as the key of a batch line, else why not. */
    static String problem(String requestId) {
        if (requestId.length() > MAX_LENGTH) {
            return "field 'requestId' is " + requestId.length() + " characters long, at most " + MAX_LENGTH + " allowed";
        }
        for (int i = 0; i < requestId.length(); i++) {
            if (Character.isISOControl(requestId.charAt(i))) {
                return "field 'requestId' contains a control character at index " + i;
            }
        }
        return null;
    }
}

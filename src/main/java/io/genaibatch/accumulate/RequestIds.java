package io.genaibatch.accumulate;

/**
 * Request ids: the caller's when given, otherwise derived from where the request was read. A Kafka record keeps
 * its topic, partition and offset forever, so a derived id is the same however often the request is reprocessed.
 */
final class RequestIds {
    static final int MAX_LENGTH = 512;

    private RequestIds() {}

    static String derived(String topic, int partition, long offset) {
        return io.genaibatch.batch.LineKey.of(topic, partition, offset);
    }

    /** Null when usable as the key of a batch line, else why not. */
    static String problem(String requestId) {
        if (requestId.length() > MAX_LENGTH) {
            return "field 'requestId' is " + requestId.length() + " characters long, at most " + MAX_LENGTH
                    + " allowed";
        }
        for (int i = 0; i < requestId.length(); i++) {
            char c = requestId.charAt(i);
            if (Character.isISOControl(c)) {
                return "field 'requestId' contains a control character at index " + i;
            }
            if (Character.isSurrogate(c)) {
                // Only a well-formed pair can be written as UTF-8 in the batch file.
                boolean pair = Character.isHighSurrogate(c)
                        && i + 1 < requestId.length()
                        && Character.isLowSurrogate(requestId.charAt(i + 1));
                if (!pair) {
                    return "field 'requestId' contains an unpaired surrogate at index " + i;
                }
                i++;
            }
        }
        return null;
    }
}

package io.genaibatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genaibatch.records.GenAiResponse;
import io.genaibatch.records.RequestKind;
import io.genaibatch.records.ResponseStatus;
import java.util.Optional;

/**
 * Is this the right response to that request? The emulator answers a generation with "echo: " and the prompt, and an
 * embedding with a vector, so a response attached to the wrong key is caught.
 */
final class ResponseCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResponseCheck() {}

    /** Empty when {@code response} is a successful, correct answer to {@code prompt}; else what is wrong. */
    static Optional<String> problem(RequestKind kind, String prompt, GenAiResponse response) {
        if (response.getStatus() != ResponseStatus.SUCCEEDED) {
            return Optional.of("status " + response.getStatus()
                    + (response.getError() == null
                            ? ""
                            : ": " + response.getError().getMessage()));
        }
        if (response.getResponse() == null) {
            return Optional.of("SUCCEEDED without a response body");
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.getResponse());
        } catch (Exception e) {
            return Optional.of("response is not JSON");
        }
        if (kind == RequestKind.EMBED) {
            JsonNode values = body.at("/embedding/values");
            return values.isArray() && values.size() > 0 ? Optional.empty() : Optional.of("embedding without values");
        }
        StringBuilder text = new StringBuilder();
        body.at("/candidates/0/content/parts")
                .forEach(p -> text.append(p.path("text").asText()));
        String expected = "echo: " + prompt;
        return expected.contentEquals(text)
                ? Optional.empty()
                : Optional.of("answer '" + text + "' is not the echo of its prompt '" + prompt + "'");
    }
}

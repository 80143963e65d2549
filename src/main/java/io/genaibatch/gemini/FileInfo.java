package io.genaibatch.gemini;

import java.util.Objects;
import java.util.Optional;

/**
 * A Files API file.
 *
 * @param name        {@code files/...}
 * @param displayName "" when none
 * @param mimeType    as stored by the service
 * @param sizeBytes   -1 when the server did not say
 * @param sha256Hash  as the service reports it (base64 of the digest on the emulator), when said
 * @param state       e.g. ACTIVE, "" when not said
 */
public record FileInfo(
        String name, String displayName, String mimeType, long sizeBytes, Optional<String> sha256Hash, String state) {
    public FileInfo {
        Objects.requireNonNull(name, "name");
        displayName = Objects.requireNonNullElse(displayName, "");
        mimeType = Objects.requireNonNullElse(mimeType, "");
        Objects.requireNonNull(sha256Hash, "sha256Hash");
        state = Objects.requireNonNullElse(state, "");
    }
}

package io.genaibatch.emulator;

import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * One resumable upload between start and finalize. The bytes go to {@code partFile} as they arrive, so
 * {@link #received} is what a {@code query} reports after a client crash. Guarded by its own monitor.
 */
final class UploadSession {
    final String uploadId;
    final String displayName;
    final String mimeType;
    /** The declared X-Goog-Upload-Header-Content-Length, or -1 when the client did not say. */
    final long declaredSize;

    final Path partFile;
    final MessageDigest digest = Hashing.sha256();
    long received;
    /** Set at finalize, successful or refused: the session takes no more bytes. */
    boolean finalized;

    StoredFile file;

    UploadSession(String uploadId, String displayName, String mimeType, long declaredSize, Path partFile) {
        this.uploadId = uploadId;
        this.displayName = displayName;
        this.mimeType = mimeType;
        this.declaredSize = declaredSize;
        this.partFile = partFile;
    }
}

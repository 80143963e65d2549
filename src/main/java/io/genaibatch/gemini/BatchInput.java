package io.genaibatch.gemini;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a batch job reads: a JSONL file already uploaded through the Files API, or an inline batch read
 * from a JSONL spool file on disk (one {@code {"key": "...", "request": {REST request}}} per line).
 */
public sealed interface BatchInput {

    /** An uploaded JSONL file, {@code files/...}. */
    static BatchInput file(String fileName) {
        return new UploadedFile(fileName);
    }

    /** The requests of this JSONL spool file, sent inline in the create call. */
    static BatchInput inline(Path spool) {
        return new InlineSpool(spool);
    }

    record UploadedFile(String fileName) implements BatchInput {
        public UploadedFile {
            Objects.requireNonNull(fileName, "fileName");
            if (!fileName.startsWith("files/")) {
                throw new IllegalArgumentException("an uploaded file is named files/..., found '" + fileName + "'");
            }
        }
    }

    record InlineSpool(Path spool) implements BatchInput {
        public InlineSpool {
            Objects.requireNonNull(spool, "spool");
        }
    }
}

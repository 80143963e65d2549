package io.genaibatch.gemini;

import java.util.Optional;

/**
 * Where a finished job's results are. Read whichever form the job has: the real service may answer a
 * file job inline and an inline job with a file.
 *
 * @param responsesFile        the JSONL results file ({@code files/...}), when the output is a file
 * @param inlineResponseCount  number of inlined responses, -1 when the output is not inline
 */
public record BatchOutput(Optional<String> responsesFile, long inlineResponseCount) {
    static final BatchOutput NONE = new BatchOutput(Optional.empty(), -1);

    public boolean isInline() {
        return inlineResponseCount >= 0;
    }

    public boolean isFile() {
        return responsesFile.isPresent();
    }

    public boolean isPresent() {
        return isInline() || isFile();
    }
}

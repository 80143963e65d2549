package io.genaibatch.poll;

/**
 * A job's commit timed out and its outcome is not known here: the partition was opened again (or went to another
 * poller), whose reading of genai.jobs says whether it landed. The job's round stops; its committed progress stands.
 */
final class CommitInDoubtException extends JobAbandonedException {
    private static final long serialVersionUID = 1L;

    CommitInDoubtException(String message, Throwable cause) {
        super(message, cause);
    }
}

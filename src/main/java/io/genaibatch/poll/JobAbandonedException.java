package io.genaibatch.poll;

/**
 * Stop working on this job at once: its genai.jobs partition was revoked or lost, its producer was fenced by a
 * newer owner or replaced after a fatal error, the poller is closing, or its commit is in doubt
 * ({@link CommitInDoubtException}). What was committed stands; whoever owns the job next resumes from it.
 */
class JobAbandonedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JobAbandonedException(String message, Throwable cause) {
        super(message, cause);
    }
}

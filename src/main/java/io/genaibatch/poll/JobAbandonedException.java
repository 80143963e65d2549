package io.genaibatch.poll;

/**
 * Stop working on this job at once: its genai.jobs partition was revoked or lost, its producer was fenced by a
 * newer owner, or the poller is closing. What was committed stands; whoever owns the job next resumes from it.
 */
final class JobAbandonedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JobAbandonedException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.gfsload.executor;

import static java.util.Objects.requireNonNull;

/**
 * The job's journal is held open by another gfsload process: another run of the same job is
 * under way. This run did not get the job; what the job writes (its journal, its report) is the
 * other run's.
 */
public final class JobLockedException extends JournalException {
    private final String jobId;

    public JobLockedException(String jobId, String message, Throwable cause) {
        super(message, cause);
        this.jobId = requireNonNull(jobId, "jobId is null");
    }

    /** The job the other process is running. */
    public String jobId() {
        return jobId;
    }
}

package io.gfsload.advisor;

/**
 * What the advisor knows about a load: the machine and the files.
 *
 * @param cores CPU cores available to the executor
 * @param maxHeapBytes the executor's maximum heap
 * @param files files to load
 * @param bytes bytes to load
 * @param medianFileBytes median file size
 * @param meanFileBytes mean file size
 */
public record WorkloadProfile(int cores, long maxHeapBytes, long files, long bytes, long medianFileBytes, long meanFileBytes) {
    public WorkloadProfile {
        if (cores < 1) {
            throw new IllegalArgumentException("cores must be >= 1: " + cores);
        }
        if (maxHeapBytes <= 0) {
            throw new IllegalArgumentException("maxHeapBytes must be > 0: " + maxHeapBytes);
        }
        if (files < 0 || bytes < 0 || medianFileBytes < 0 || meanFileBytes < 0) {
            throw new IllegalArgumentException("file counts and sizes must be >= 0");
        }
    }
}

package io.gfsload.cache.ufs;

import io.gfsload.cache.api.FileIdentity;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FileStatus;

/** UFS files as the cache knows them. */
public final class UfsFiles {
    private UfsFiles() {}

    /**
     * A file's cache identity from its UFS status: path, length, modification time, and the etag
     * of a status that has one ({@link EtagSource}, as object stores give it), else the empty
     * string. What gfsload's planner records, its loads check a file against, and {@code gfs://}
     * reads the cached blocks of.
     */
    public static FileIdentity identity(FileStatus ufsStatus) {
        String etag = ufsStatus instanceof EtagSource source && source.getEtag() != null ? source.getEtag() : "";
        return new FileIdentity(ufsStatus.getPath().toString(), ufsStatus.getLen(), ufsStatus.getModificationTime(), etag);
    }
}

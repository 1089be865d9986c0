package io.gfsload.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TestLoadTarget {
    @Test
    void pathsWithCredentialsAreRefusedWithoutRepeatingThem() {
        for (String[] path : List.of(
                new String[] {"cosn://AKIDX:SECRETX@bucket-1/x", "cosn://<hidden>@bucket-1/x", " (fs.cosn.userinfo.secretId and fs.cosn.userinfo.secretKey)"},
                new String[] {"cosn://AKIDX:SECRET#X@bucket-1/x", "cosn://<hidden>@bucket-1/x", " (fs.cosn.userinfo.secretId and fs.cosn.userinfo.secretKey)"},
                new String[] {"s3a://AKIDX:SECRET/X+q@bucket/x", "s3a://<hidden>@bucket/x", " (fs.s3a.access.key and fs.s3a.secret.key)"},
                // a secret key that starts with digits and holds a '/' is not a port and a path
                new String[] {"s3a://AKIA:123/SUPERSECRET123@bucket/x", "s3a://<hidden>@bucket/x", " (fs.s3a.access.key and fs.s3a.secret.key)"},
                new String[] {"S3A://AKIA:/SUPERSECRET123@bucket/x", "S3A://<hidden>@bucket/x", " (fs.s3a.access.key and fs.s3a.secret.key)"},
                new String[] {"cosn://AKIDX:9/SUPERSECRET123@bucket-1/x/y", "cosn://<hidden>@bucket-1/x/y", " (fs.cosn.userinfo.secretId and fs.cosn.userinfo.secretKey)"},
                new String[] {"myfs://AKIDX:123/SUPERSECRET123@bucket-1/x", "myfs://<hidden>@bucket-1/x", ""},
                new String[] {"hdfs://user:SUPERSECRET123@nn:8020/x", "hdfs://<hidden>@nn:8020/x", ""},
                new String[] {"hdfs://user@nn/x", "hdfs://<hidden>@nn/x", ""},
                new String[] {"abfss://events:SUPERSECRET123@lake.dfs.core.windows.net/t", "abfss://<hidden>@lake.dfs.core.windows.net/t", ""},
                // blanks before the scheme (a quoted argument, a line of a script): Hadoop's error on such a path would repeat it whole
                new String[] {" s3a://AKIA:SUPERSECRET123@bucket/x", " s3a://<hidden>@bucket/x", " (fs.s3a.access.key and fs.s3a.secret.key)"},
                new String[] {"\tcosn://AKIDX:SUPER/SECRET123@bucket-1/x", "\tcosn://<hidden>@bucket-1/x", " (fs.cosn.userinfo.secretId and fs.cosn.userinfo.secretKey)"},
                new String[] {"  hdfs://user:SUPERSECRET123@nn:8020/x", "  hdfs://<hidden>@nn:8020/x", ""})) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> new LoadTarget.Paths(List.of("/ok", path[0])));
            assertEquals("Credentials in a path are not accepted: " + path[1] + "; set them in core-site.xml" + path[2]
                    + " or a Hadoop credential provider", e.getMessage());
        }
    }

    @Test
    void pathsWithAtSignsOrPortsAreNotCredentials() {
        List<String> paths = List.of("hdfs://nn:8020/dir/a@b", "HDFS://nn:8020/dir/a@b", "webhdfs://nn:9870/dir/a@b", "hdfs://nn/dir/a:b@c", "cosn://bucket/x",
                "cosn://bucket/dir/a:1/b@c", "/data/a@b", "file:/tmp/a:b@c", "hdfs://nn:8020",
                // Azure's container@account
                "abfss://events@lake.dfs.core.windows.net/warehouse/t", "ABFS://events@lake.dfs.core.windows.net/t",
                "wasbs://events@lake.blob.core.windows.net/t");
        assertEquals(paths, new LoadTarget.Paths(paths).paths());
    }
}

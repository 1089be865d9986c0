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
                new String[] {"hdfs://user@nn/x", "hdfs://<hidden>@nn/x", ""})) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> new LoadTarget.Paths(List.of("/ok", path[0])));
            assertEquals("Credentials in a path are not accepted: " + path[1] + "; set them in core-site.xml" + path[2]
                    + " or a Hadoop credential provider", e.getMessage());
        }
    }

    @Test
    void pathsWithAtSignsOrPortsAreNotCredentials() {
        List<String> paths = List.of("hdfs://nn:8020/dir/a@b", "hdfs://nn/dir/a:b@c", "cosn://bucket/x", "/data/a@b", "file:/tmp/a:b@c", "hdfs://nn:8020");
        assertEquals(paths, new LoadTarget.Paths(paths).paths());
    }
}

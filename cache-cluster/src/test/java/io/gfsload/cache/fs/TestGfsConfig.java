package io.gfsload.cache.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cache.client.ClientConfig;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class TestGfsConfig {
    @Test
    void defaults() throws IOException {
        GfsConfig config = GfsConfig.of(URI.create("gfs:///"), conf("master:19998", "cosn://bucket/warehouse/"));
        assertEquals("master:19998", config.master());
        assertEquals(URI.create("cosn://bucket/warehouse"), config.ufsRoot());
        assertEquals(64L << 20, config.blockSize());
        assertEquals(ClientConfig.defaults().withRpcTimeout(Duration.ofSeconds(5)), config.client());
        assertEquals(Duration.ofSeconds(5), config.masterTimeout(), "a reader has the UFS to fall back on: not a load's 30 s");
        assertEquals(Duration.ofSeconds(30), config.masterRetryInterval());
    }

    @Test
    void everyKeyIsMapped() throws IOException {
        Configuration conf = conf("master:1", "file:/unused");
        conf.set("fs.gfs.mount.warehouse", "s3a://bucket/wh");
        conf.set("fs.gfs.block-size", "128m");
        conf.set("gfsload.cache.security.token", "secret-0123456789abcdef");
        conf.set("gfsload.cache.client.pool.max", "8");
        conf.set("gfsload.cache.client.chunk-size", "4m");
        conf.set("gfsload.cache.client.domain-socket", "false");
        conf.set("fs.gfs.master.timeout", "1500ms");
        conf.set("fs.gfs.master.retry-interval", "2m");
        GfsConfig config = GfsConfig.of(URI.create("gfs://warehouse/"), conf);
        assertEquals(URI.create("s3a://bucket/wh"), config.ufsRoot());
        assertEquals(128L << 20, config.blockSize());
        assertEquals(ClientConfig.defaults().withMaxWorkerChannels(8).withChunkBytes(4 << 20).withDomainSockets(false)
                        .withRpcTimeout(Duration.ofMillis(1500)).withToken(Optional.of("secret-0123456789abcdef")),
                config.client());
        assertEquals(Duration.ofMinutes(2), config.masterRetryInterval());
        assertFalse(config.toString().contains("secret-0123456789abcdef"), config.toString());
        assertTrue(config.toString().contains("token=<hidden>"), config.toString());
    }

    @Test
    void aUfsRootWithCredentialsIsRefusedWithoutThem() {
        IOException userInfo = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs:///"), conf("m:1", "s3a://AKIAKEY:s3cr3t@bucket/warehouse")));
        assertEquals("fs.gfs.ufs.root: credentials are not accepted in the UFS root: s3a://<hidden>@bucket/warehouse; "
                + "set them in core-site.xml (fs.s3a.access.key and fs.s3a.secret.key) or a Hadoop credential provider", userInfo.getMessage());
        Configuration mount = conf("m:1", "cosn://b/w");
        // a secret key with a '/' that starts with digits: not a port in an object store's URI
        mount.set("fs.gfs.mount.wh", "s3a://AKIA:123/SeCrEt@bucket/w");
        IOException slash = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs://wh/"), mount));
        assertEquals("fs.gfs.mount.wh: credentials are not accepted in the UFS root: s3a://<hidden>@bucket/w; "
                + "set them in core-site.xml (fs.s3a.access.key and fs.s3a.secret.key) or a Hadoop credential provider", slash.getMessage());
        IOException file = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs:///"), conf("m:1", "file://u:FileRootLeak0022@localhost/tmp/ufs")));
        assertFalse(file.getMessage().contains("FileRootLeak0022"), file.getMessage());

        assertEquals("s3a://<hidden>@bucket/warehouse", GfsConfig.redacted(URI.create("s3a://AKIAKEY:s3cr3t@bucket/warehouse")));
        assertEquals("cosn://bucket/w", GfsConfig.redacted(URI.create("cosn://bucket/w")));
    }

    @Test
    void anAtInAPathOrAPortIsNotCredentials() throws IOException {
        assertEquals(URI.create("hdfs://nn:8020/data/a@b"), GfsConfig.of(URI.create("gfs:///"), conf("m:1", "hdfs://nn:8020/data/a@b")).ufsRoot());
        assertEquals(URI.create("cosn://bucket/dir@x"), GfsConfig.of(URI.create("gfs:///"), conf("m:1", "cosn://bucket/dir@x")).ufsRoot());
    }

    @Test
    void aUfsRootThatIsNotAUriIsNamedWithoutItsCredentials() {
        IOException notAUri = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs:///"), conf("m:1", "s3a://AKIA:SUPER SECRET123@bucket/w")));
        assertEquals("fs.gfs.ufs.root: not a URI (illegal character in authority): s3a://<hidden>@bucket/w", notAUri.getMessage());
        assertEquals(null, notAUri.getCause(), "the cause would repeat the value");
        Configuration mount = conf("m:1", "cosn://b/w");
        mount.set("fs.gfs.mount.wh", "s3a://AKIA:SUPER{SECRET123@bucket/w");
        IOException mounted = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs://wh/"), mount));
        assertFalse(mounted.getMessage().contains("SECRET123"), mounted.getMessage());
        assertTrue(mounted.getMessage().startsWith("fs.gfs.mount.wh: not a URI"), mounted.getMessage());
    }

    @Test
    void missingOrMalformedKeysAreNamed() {
        IOException noMaster = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs:///"), conf(null, "cosn://b/w")));
        assertTrue(noMaster.getMessage().contains("fs.gfs.master"), noMaster.getMessage());
        IOException noRoot = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs:///"), conf("m:1", null)));
        assertTrue(noRoot.getMessage().contains("fs.gfs.ufs.root"), noRoot.getMessage());
        IOException hostAndPort = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs://cache-master:19998/"), conf("m:1", "cosn://b/w")));
        assertEquals("gfs://cache-master:19998/ names the mount cache-master:19998, which needs fs.gfs.mount.cache-master:19998 in the Hadoop "
                + "configuration (core-site.xml or spark.hadoop.fs.gfs.mount.cache-master:19998): the authority of a gfs:// path names a mount, "
                + "not the cache master (fs.gfs.master); gfs:///x reads fs.gfs.ufs.root/x", hostAndPort.getMessage());
        IOException relative = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs:///"), conf("m:1", "/no/scheme")));
        assertTrue(relative.getMessage().contains("fully qualified"), relative.getMessage());
        Configuration badSize = conf("m:1", "cosn://b/w");
        badSize.set("fs.gfs.block-size", "0");
        IOException size = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs:///"), badSize));
        assertTrue(size.getMessage().contains("blockSize must be > 0"), size.getMessage());
        Configuration badTimeout = conf("m:1", "cosn://b/w");
        badTimeout.set("fs.gfs.master.timeout", "0s");
        IOException timeout = assertThrows(IOException.class, () -> GfsConfig.of(URI.create("gfs:///"), badTimeout));
        assertEquals("Invalid gfs:// settings for gfs:///: fs.gfs.master.timeout must be at least 1 ms: 0s", timeout.getMessage());
    }

    @Test
    void theTokenIsTrimmedAndAnInvalidOneIsNotUsed() throws IOException {
        Configuration spread = conf("m:1", "cosn://b/w");
        spread.set("gfsload.cache.security.token", "\n    secret-0123456789abcdef\n  ");
        GfsConfig trimmed = GfsConfig.of(URI.create("gfs:///"), spread);
        assertEquals(Optional.of("secret-0123456789abcdef"), trimmed.client().token());
        assertEquals(Optional.empty(), trimmed.invalidToken());

        Configuration tooShort = conf("m:1", "cosn://b/w");
        tooShort.set("gfsload.cache.security.token", " short-secret ");
        GfsConfig invalid = GfsConfig.of(URI.create("gfs:///"), tooShort);
        assertEquals(Optional.empty(), invalid.client().token());
        assertEquals(Optional.of("token must be 16 to 256 printable ASCII characters without spaces (got 12 characters)"), invalid.invalidToken());
        assertTrue(invalid.toString().contains("token=invalid"), invalid.toString());

        Configuration blank = conf("m:1", "cosn://b/w");
        blank.set("gfsload.cache.security.token", "  \n ");
        assertEquals(Optional.empty(), GfsConfig.of(URI.create("gfs:///"), blank).client().token());
        assertEquals(Optional.empty(), GfsConfig.of(URI.create("gfs:///"), blank).invalidToken());
    }

    @Test
    void durationsWithoutAUnitAreSeconds() throws IOException {
        Configuration conf = conf("m:1", "cosn://b/w");
        conf.set("fs.gfs.master.timeout", "3");
        conf.set("fs.gfs.master.retry-interval", "10");
        GfsConfig config = GfsConfig.of(URI.create("gfs:///"), conf);
        assertEquals(Duration.ofSeconds(3), config.masterTimeout());
        assertEquals(Duration.ofSeconds(10), config.masterRetryInterval());
    }

    private static Configuration conf(String master, String root) {
        Configuration conf = new Configuration(false);
        if (master != null) {
            conf.set("fs.gfs.master", master);
        }
        if (root != null) {
            conf.set("fs.gfs.ufs.root", root);
        }
        return conf;
    }
}

package io.gfsload.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TestSecrets {
    @Test
    void thePasswordsOfJdbcUrlsAreHiddenInEveryFormAndCase() {
        // as the metastore's pool words it (BoneCP, Hive 2's default)
        assertEquals("Unable to open a test connection to the given database. JDBC url = jdbc:mysql://db:3306/hive?user=hive&password=<hidden> username = hive.",
                Secrets.hiddenIn("Unable to open a test connection to the given database. JDBC url = jdbc:mysql://db:3306/hive?user=hive&password=pw1, username = hive."));
        assertEquals("jdbc:postgresql://db/hive?PASSWORD=<hidden>&ssl=true", Secrets.hiddenIn("jdbc:postgresql://db/hive?PASSWORD=pw2&ssl=true"));
        assertEquals("jdbc:derby://db:1527/metastore;user=hive;password=<hidden>", Secrets.hiddenIn("jdbc:derby://db:1527/metastore;user=hive;password=pw3"));
        assertEquals("jdbc:sqlserver://db:1433;databaseName=hive;Password=<hidden>;encrypt=true",
                Secrets.hiddenIn("jdbc:sqlserver://db:1433;databaseName=hive;Password=pw4;encrypt=true"));
        assertEquals("jdbc:mysql://<hidden>@db:3306/hive", Secrets.hiddenIn("jdbc:mysql://hive:pw5@db:3306/hive"));
        assertEquals("jdbc:oracle:thin:<hidden>@db:1521:hive", Secrets.hiddenIn("jdbc:oracle:thin:hive/pw6@db:1521:hive"));
        assertEquals("url = jdbc:mysql://db/hive?password=<hidden>", Secrets.hiddenIn("url = jdbc:mysql://db/hive?password=pw7"),
                "a setting inside the value of another");
        // a password's punctuation and @ are hidden with it
        assertEquals("jdbc:mysql://db/hive?user=hive&password=<hidden> username = hive",
                Secrets.hiddenIn("jdbc:mysql://db/hive?user=hive&password=Pa,ss)w0rd!, username = hive"));
        assertEquals("jdbc:mysql://<hidden>@db:3306/hive", Secrets.hiddenIn("jdbc:mysql://hive:p@ss@db:3306/hive"));
        assertEquals("jdbc:oracle:thin:<hidden>@h:1521:sid", Secrets.hiddenIn("jdbc:oracle:thin:scott/ti@ger@h:1521:sid"));
    }

    @Test
    void theValuesOfSecretSettingsAreHiddenAsATextWritesThem() {
        assertEquals("javax.jdo.option.ConnectionPassword=<hidden> fs.s3a.secret.key = <hidden> fs.cosn.userinfo.secretKey=<hidden>",
                Secrets.hiddenIn("javax.jdo.option.ConnectionPassword=pw1 fs.s3a.secret.key = k2, fs.cosn.userinfo.secretKey=k3"));
        assertEquals("{\"fs.oss.accessKeySecret\":\"<hidden>\", \"fs.s3a.session.token\": '<hidden>'}",
                Secrets.hiddenIn("{\"fs.oss.accessKeySecret\":\"k 4\", \"fs.s3a.session.token\": 't5'}"));
        assertEquals("fs.azure.account.key.acct.blob.core.windows.net=<hidden>", Secrets.hiddenIn("fs.azure.account.key.acct.blob.core.windows.net=a2V5=="));
    }

    @Test
    void aValueIsHiddenWhole() {
        // blanks after the '=': the value is the word after them
        assertEquals("password= <hidden>", Secrets.hiddenIn("password= s3cretA1"));
        assertEquals("fs.s3a.secret.key =\t<hidden>", Secrets.hiddenIn("fs.s3a.secret.key =\ts3cretA2"));
        // in quotes: all of it, blanks and all, up to the closing quote (or the end of the line, without one)
        assertEquals("password='<hidden>' in use", Secrets.hiddenIn("password='s3 cret A3' in use"));
        assertEquals("password=\"<hidden>\" in use", Secrets.hiddenIn("password=\"s3 cretA4\" in use"));
        assertEquals("{\"fs.s3a.session.token\": \"<hidden>\"}", Secrets.hiddenIn("{\"fs.s3a.session.token\": \"s3 \\\" cretA5\"}"));
        assertEquals("password=\"<hidden>\"\nnext line", Secrets.hiddenIn("password=\"s3 cretA6\nnext line"));
        // without quotes: its words, up to the end of the line, a URL's separators or the next setting
        assertEquals("fs.cosn.userinfo.secretKey = <hidden>", Secrets.hiddenIn("fs.cosn.userinfo.secretKey = s3 cret A7"));
        assertEquals("secretKey = <hidden>\nfs.s3a.endpoint = host", Secrets.hiddenIn("secretKey = s3 cretA8\nfs.s3a.endpoint = host"));
        assertEquals("-Dfs.s3a.secret.key=<hidden> -Dfs.s3a.endpoint=host", Secrets.hiddenIn("-Dfs.s3a.secret.key=s3 cretA9 -Dfs.s3a.endpoint=host"));
        assertEquals("jdbc:derby:;databaseName=db;password=<hidden>;user=hive", Secrets.hiddenIn("jdbc:derby:;databaseName=db;password=s3 cretB1;user=hive"));
        assertEquals("'jdbc:mysql://db/hive?password=<hidden>' is not a metastore address",
                Secrets.hiddenIn("'jdbc:mysql://db/hive?password=s3cretB2' is not a metastore address"), "the quote around the text is not the value's");
        assertEquals("password=<hidden>", Secrets.hiddenIn("password=s3'cr\"etB3"), "a quote inside a value is the value's");
        // nothing of a value is left where a setting of its own starts
        assertEquals("password=<hidden> fs.s3a.secret.key=<hidden>",
                Secrets.hiddenIn("password=s3 cretB4 and then fs.s3a.secret.key=s3cretB5"));
    }

    @Test
    void aValueOnTheLineAfterItsKeyIsHidden() {
        // a base64 key, which reads as a setting of its own ("a2V5=") but for its lack of a dot
        String secret = "a2V5==";
        for (String text : List.of(
                // as a configuration dump or a YAML-like message writes it: the key's line ends at the separator
                "fs.cosn.userinfo.secretKey =\n  %s\nfs.cosn.bucket.region = ap-guangzhou",
                "password:\n  %s\nusername: hive",
                "javax.jdo.option.ConnectionPassword= \r\n\t%s",
                "{\"fs.s3a.session.token\":\n  \"%s\"}",
                "Cannot connect: password =\n    %s",
                // the key has its value on its own line: the next line is prose, kept
                "password=%s\nthe connection was refused",
                "fs.s3a.secret.key = %s\n  see core-site.xml")) {
            assertEquals(text.formatted(Secrets.HIDDEN), Secrets.hiddenIn(text.formatted(secret)), text);
        }
    }

    @Test
    void longTextsAreHiddenWithoutRunningOutOfStack() {
        // a value of thousands of words, a quoted value of thousands of characters, a line of thousands of settings: a metastore's
        // error may repeat a whole query or a partition list
        String words = String.join(" ", Collections.nCopies(20_000, "w0rd"));
        assertEquals("password=<hidden>", Secrets.hiddenIn("password=" + words));
        String quoted = "x".repeat(100_000);
        assertEquals("password=\"<hidden>\" in use", Secrets.hiddenIn("password=\"" + quoted + "\" in use"));
        assertEquals("password='<hidden>' in use", Secrets.hiddenIn("password='" + quoted.replace("xx", "\\'") + "' in use"));
        String paths = String.join(" ", Collections.nCopies(20_000, "s3a://b/t/dt=2026-11-20/part-0"));
        assertEquals(paths, Secrets.hiddenIn(paths));
        String settings = String.join(" ", Collections.nCopies(20_000, "fs.s3a.endpoint=host"));
        assertEquals(settings + " password=<hidden>", Secrets.hiddenIn(settings + " password=" + words));
    }

    @Test
    @Timeout(60)
    void aLongWordIsReadOnce() {
        // a base64 blob or a run of letters in an error: read once from its start, not again from each of its letters, which
        // would take hours at a million characters
        for (String text : List.of("x".repeat(1_000_000), "a:".repeat(500_000), "a-".repeat(500_000), "a.b=".repeat(250_000),
                "s3a://" + "x:".repeat(500_000), "a://".repeat(250_000) + "@", "-".repeat(1_000_000) + "=",
                "password=\"" + "x".repeat(1_000_000) + "\"")) {
            assertEquals(text.startsWith("password") ? "password=\"<hidden>\"" : text, Secrets.hiddenIn(text));
        }
        // Oracle URLs one after another: the first hides up to the last '@' of them all, as one URL's password may hold '@'
        assertEquals("jdbc:oracle:thin:<hidden>@h", Secrets.hiddenIn("jdbc:oracle:thin:a/".repeat(100_000) + "@h"));
        String noAt = "jdbc:oracle:thin:a/".repeat(100_000) + " @";
        assertEquals(noAt, Secrets.hiddenIn(noAt));
    }

    @Test
    void aKeyOrAUrlIsFoundAfterAnything() {
        // a truncated line, a key after an underscore, a digit or a dot, a URL after a code or a dash
        assertEquals("...password=<hidden>", Secrets.hiddenIn("...password=s3cretC1"));
        assertEquals("{\"_token\": \"<hidden>\"}", Secrets.hiddenIn("{\"_token\": \"s3cretC2\"}"));
        assertEquals("2fa_token=<hidden>", Secrets.hiddenIn("2fa_token=s3cretC3"));
        assertEquals("x?.password=<hidden>", Secrets.hiddenIn("x?.password=s3cretC4"));
        assertEquals("ERROR 1045:jdbc:mysql://<hidden>@db/x", Secrets.hiddenIn("ERROR 1045:jdbc:mysql://hive:s3cretC5@db/x"));
        assertEquals("...jdbc:mysql://<hidden>@db", Secrets.hiddenIn("...jdbc:mysql://hive:s3cretC6@db"));
        assertEquals("-s3a://<hidden>@bucket/x", Secrets.hiddenIn("-s3a://AKID:s3cretC7@bucket/x"));
        assertEquals("jdbc:db2:1x://<hidden>@h/", Secrets.hiddenIn("jdbc:db2:1x://u:s3cretC8@h/"));
    }

    @Test
    void whatIsNoSecretIsKept() {
        for (String text : List.of("Access denied for user 'hive'@'db' (using password: YES)",
                "hadoop.security.credential.provider.path=jceks://hdfs@nn/keys.jceks",
                "hdfs://nn:8020/warehouse/db.db/events/dt=2026-11-20",
                "it is a properties file without gfsload.cache.security.token: put the token alone on one line of a file",
                "set gfsload.cache.security.token= (empty) to start the cluster without one",
                "Cannot read table db.events in the metastore at thrift://127.0.0.1:9083: the connection was closed",
                // columns and partition keys that only mention a secret's word
                "No partition of db.t matches: token_type = 'oauth'", "s3a://bucket/t/credential_type=oauth/part-0", "tokenizer=standard", "token_type= bearer jwt",
                "hive.metastore.token.signature=abc",
                // a key whose line ends at its separator, and a next line that is no value of it: prose after a key's word and a
                // colon; the next setting of a dump, of JSON, YAML-like; a stack trace's frame; a blank line
                "Access denied (using password: YES)\nCheck the user", "fs.s3a.session.token=\nfs.s3a.endpoint=host",
                "fs.s3a.session.token =\n-Dfs.s3a.endpoint=host", "{\"fs.s3a.session.token\":\n  \"fs.s3a.endpoint\": \"host\"}",
                "password:\n  username: hive", "credentials:\n  token:",
                "java.io.IOException: no session token=\n\tat org.apache.hadoop.fs.s3a.S3AUtils.translateException(S3AUtils.java:243)",
                "password=\n\nnext")) {
            assertEquals(text, Secrets.hiddenIn(text));
        }
    }

    @Test
    void secretKeysAreTheKeysOfSecretsNotOfWhereTheyAre() {
        for (String key : List.of("fs.s3a.secret.key", "fs.s3a.bucket.logs.secret.key", "fs.s3a.access.key", "fs.cosn.userinfo.secretId", "fs.s3a.session.token", "fs.cosn.userinfo.secretKey",
                "fs.oss.accessKeySecret", "fs.azure.account.key.acct.dfs.core.windows.net", "javax.jdo.option.ConnectionPassword",
                "fs.adl.oauth2.credential", "fs.s3a.encryption.key", "password", "PWD", "auth_token", "user_password")) {
            assertTrue(Secrets.isSecretKey(key), key);
        }
        for (String key : List.of("hadoop.security.credential.provider.path", "hadoop.security.credstore.java-keystore-provider.password-file",
                "fs.s3a.endpoint", "javax.jdo.option.ConnectionURL", "hive.metastore.kerberos.keytab.file", "token_type", "tokenizer", "credential_type")) {
            assertFalse(Secrets.isSecretKey(key), key);
        }
    }
}

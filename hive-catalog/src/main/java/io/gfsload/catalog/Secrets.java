package io.gfsload.catalog;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Secrets in a text that gfsload repeats but did not write itself (a metastore's error, which
 * may hold the JDBC URL of its database; a Hadoop failure that names a setting), found and shown
 * as {@value #HIDDEN}: the password of a JDBC URL ({@code password=...}, {@code ;password=...},
 * {@code //user:password@host}, Oracle's {@code thin:user/password@host}), in any case, and the
 * value of any setting whose key names a secret ({@link #isSecretKey}) written as {@code key=value},
 * {@code key = value}, {@code key= value} or {@code "key":"value"}, or with the value alone on the
 * next line after a key whose line ends at its {@code =} or {@code :} ({@code password:} then
 * {@code   value}, as a configuration dump or a YAML-like message writes it). A value is hidden whole: in
 * quotes, all of it; without, its words up to the end of the line, a URL's {@code &} or {@code ;},
 * or the next setting ({@code password=a b c, username = hive}), so that words of prose after a
 * secret's value go with it.
 *
 * <p>Stateless and thread-safe.
 */
public final class Secrets {
    /** What a secret is shown as. */
    public static final String HIDDEN = "<hidden>";

    /**
     * The words of a key that names a secret, in lower case, as Hadoop's
     * {@code hadoop.security.sensitive-config-keys} and Hive's {@code hive.conf.hidden.list}
     * name them: {@code fs.s3a.secret.key}, {@code fs.cosn.userinfo.secretKey},
     * {@code fs.oss.accessKeySecret}, {@code fs.s3a.session.token},
     * {@code javax.jdo.option.ConnectionPassword}, {@code dfs.adls.oauth2.credential}.
     */
    private static final List<String> SECRET_WORDS = List.of("secret", "password", "passwd", "pwd", "token", "credential");

    /** The words of a key whose value is where a secret is (a file, a provider's path), not the secret: a path is shown. */
    private static final Pattern NOT_A_SECRET = Pattern.compile("(?:[.-](?:file|path|provider|expiry|expire|type|impl|class|length|format|pattern))$");

    /**
     * The end of a key that names a key: {@code fs.s3a.secret.key}, {@code fs.s3a.access.key},
     * {@code fs.s3a.encryption.key}, {@code fs.gs.auth.service.account.private.key}; and Azure's
     * storage keys, {@code fs.azure.account.key.ACCOUNT.blob.core.windows.net}.
     */
    private static final Pattern KEY_OF_A_KEY = Pattern.compile("(?:[.-]key|secretkey|accountkey)$|^fs\\.azure\\.account\\.key\\.|^fs\\.azure\\.sas\\.");

    /**
     * A setting's key as a value's words end at one ({@link #NEXT_SETTING}): letters, digits and
     * {@code . _ -}, from a letter, all of them.
     */
    private static final String KEY = "[A-Za-z][A-Za-z0-9_.-]*+";

    /**
     * A setting's key as a text may start the next setting after a value: {@code key=},
     * {@code key =}, {@code -Dkey=}, {@code "key":}.
     */
    private static final String NEXT_SETTING = "(?:-*+\"?" + KEY + "\"?\\h*+=|\"" + KEY + "\"\\h*+:)";

    /**
     * A word of a value written without quotes: anything up to a blank, or the separators of a
     * URL's parameters and of a JDBC URL's properties ({@code &}, {@code ;}); a quote that only
     * closes the text around the value ({@code 'jdbc:...?password=pw' is not ...}) is not part
     * of it, one inside a word is.
     */
    private static final String WORD = "(?:[^\\s\"'&;]|[\"'](?=[^\\s\"'&;]))++";

    /**
     * A value: in quotes, the whole of it up to its closing quote (or the end of the line, without
     * one); else its words, blanks between them and all, up to the end of the line, a URL's
     * separators ({@link #WORD}) or the next setting ({@link #NEXT_SETTING}: {@code password=a b,
     * username = hive}). A password's punctuation ({@code ,}, {@code )}) is part of it and hidden
     * with it. {@code (empty)}, how gfsload writes that a setting has no value, is none.
     */
    private static final Pattern VALUE = Pattern.compile("(?:" + inQuotes('"') + "|" + inQuotes('\'') + "|(?!\\(empty\\)(?:\\s|$))"
            + WORD + "(?:\\h++(?!" + NEXT_SETTING + ")" + WORD + ")*+)");

    /**
     * A value in {@code quote}s, escapes and all, up to its closing quote or the end of the line;
     * written so that its length costs no stack (every repeat possessive, none of a group that can
     * match in two ways).
     */
    private static String inQuotes(char quote) {
        String plain = "[^" + quote + "\\\\\\r\\n]*+";
        return quote + plain + "(?:\\\\.[^" + quote + "\\\\\\r\\n]*+)*+" + quote + "?";
    }

    /**
     * The start of a setting, its {@link #VALUE} after it: {@code key=}, {@code key =}, {@code key= },
     * {@code "key":}; not {@code key:} followed by anything on its line, which is how prose and a
     * database's words go on ({@code using password: YES}). A separator that ends its line, blanks
     * aside ({@code key=}, {@code key:}), has the value on the next line, after its indentation
     * ({@code nextLine}). The key is the word before the separator, from its first letter
     * ({@code -Dkey=}, {@code ...password=}, {@code _token=}, {@code 2fa_token=}); a word is read
     * whole, once.
     */
    private static final Pattern SETTING = Pattern.compile("(?<![A-Za-z0-9_.-])(?<word>[A-Za-z0-9_.-]++)"
            + "(?:(?:\"?\\h*+=|\"\\h*+:)\\h*+|\"?\\h*+:(?=\\h*+\\R))(?:\\h*+(?<nextLine>\\R)\\h*+)?");

    /**
     * What starts a next line that is not the value of the key at the end of the line before: a
     * setting of its own, as a configuration dump writes the next one ({@code fs.s3a.endpoint=host},
     * {@code -Dkey=}: a key with a dot, which a secret such as {@code a2V5==} has not), a JSON one
     * ({@code "key":}), a YAML-like one ({@code key: value}, {@code key:}), or a frame of a stack
     * trace ({@code at org.apache.hadoop.Foo.bar(Foo.java:42)}).
     */
    private static final Pattern NOT_A_VALUE = Pattern.compile("-*+\"?[A-Za-z][A-Za-z0-9_-]*+(?:\\.[A-Za-z0-9_-]++)++\"?\\h*+="
            + "|-D" + KEY + "=|\"" + KEY + "\"\\h*+:|" + KEY + ":(?=\\s|$)|at\\h++[^\\s(]++\\(");

    /** The start of a key in a word of {@link #SETTING}: its first letter. */
    private static final Pattern LETTER = Pattern.compile("[A-Za-z]");

    /**
     * A URL's user and password before a host: {@code jdbc:mysql://user:password@host}, {@code
     * scheme://id:key@bucket}; up to the last {@code @} before the path, as a password may hold one.
     * Found after any {@code ://}, whatever comes before it; only where an {@code @} follows.
     */
    private static final Pattern USER_AND_PASSWORD = Pattern.compile("(?<=[A-Za-z0-9+.-]://)(?=[^/?#\\s\"']*@)[^/?#@\\s\"']*:[^/?#\\s\"']*@");

    /** Oracle's thin JDBC URL: {@code jdbc:oracle:thin:user/password@host:1521:sid}. */
    private static final Pattern ORACLE_USER_AND_PASSWORD = Pattern.compile("(?i)(?<start>jdbc:oracle:thin:)[^/@\\s\"']++/(?<rest>[^\\s\"']*+)");

    private Secrets() {}

    /**
     * Whether the value of the setting {@code key} is a secret: a key, password, token, secret or
     * credential, not the file or provider that holds one.
     */
    public static boolean isSecretKey(String key) {
        requireNonNull(key, "key is null");
        String lower = key.toLowerCase(Locale.ROOT);
        if (NOT_A_SECRET.matcher(lower).find()) {
            return false;
        }
        if (KEY_OF_A_KEY.matcher(lower).find()) {
            return true;
        }
        int dot = lower.lastIndexOf('.');
        if (dot >= 0) {
            // a setting's key: its last part names the secret (fs.cosn.userinfo.secretKey, javax.jdo.option.ConnectionPassword)
            String last = lower.substring(dot + 1);
            return SECRET_WORDS.stream().anyMatch(last::contains);
        }
        // a word alone, as a URL's parameter or a column is named: password, auth_token; not token_type, tokenizer
        String lastWord = lower.substring(Math.max(lower.lastIndexOf('_'), lower.lastIndexOf('-')) + 1);
        return SECRET_WORDS.stream().anyMatch(word -> lastWord.equals(word) || lastWord.equals(word + "s"));
    }

    /** {@code text} with every secret in it shown as {@value #HIDDEN}; {@code text} itself when it has none. */
    public static String hiddenIn(String text) {
        requireNonNull(text, "text is null");
        String hidden = text;
        if (text.indexOf('@') >= 0) {
            hidden = USER_AND_PASSWORD.matcher(hidden).replaceAll(HIDDEN + "@");
            hidden = oracleHidden(hidden);
        }
        Matcher setting = SETTING.matcher(hidden);
        Matcher value = VALUE.matcher(hidden);
        Matcher notAValue = NOT_A_VALUE.matcher(hidden);
        StringBuilder result = new StringBuilder(hidden.length());
        int copied = 0;
        int from = 0;
        while (from < hidden.length() && setting.find(from)) {
            // a value is read only for a secret's key: one that is no secret may hold a setting that is ("url = jdbc:mysql://h/db?password=..."),
            // found from its separator on
            from = setting.end();
            Matcher letter = LETTER.matcher(setting.group("word"));
            boolean onNextLine = setting.start("nextLine") >= 0;
            if (letter.find() && isSecretKey(setting.group("word").substring(letter.start()))
                    && !(onNextLine && notAValue.region(from, hidden.length()).lookingAt()) && value.region(from, hidden.length()).lookingAt()) {
                result.append(hidden, copied, from).append(quoted(value.group()));
                copied = value.end();
                from = copied;
            }
        }
        return result.append(hidden, copied, hidden.length()).toString();
    }

    /**
     * {@code text} with the user and password of each Oracle thin URL in it hidden, up to the last
     * {@code @} of the URL (a password may hold one); each URL is read once, whole.
     */
    private static String oracleHidden(String text) {
        Matcher url = ORACLE_USER_AND_PASSWORD.matcher(text);
        StringBuilder result = null;
        int copied = 0;
        while (url.find()) {
            int at = url.group("rest").lastIndexOf('@');
            if (at >= 0) {
                if (result == null) {
                    result = new StringBuilder(text.length());
                }
                result.append(text, copied, url.end("start")).append(HIDDEN);
                copied = url.start("rest") + at;
            }
        }
        return result == null ? text : result.append(text, copied, text.length()).toString();
    }

    /** {@value #HIDDEN}, in the quotes {@code value} has. */
    private static String quoted(String value) {
        char first = value.charAt(0);
        return first == '"' || first == '\'' ? first + HIDDEN + first : HIDDEN;
    }
}

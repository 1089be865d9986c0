package io.gfsload.catalog.thrift;

import static java.util.Objects.requireNonNull;

import io.gfsload.catalog.InvalidInputException;
import java.net.URL;
import java.util.List;
import javax.xml.stream.XMLStreamException;
import org.apache.hadoop.conf.Configuration;

/**
 * Checks Hadoop and Hive site files ({@code core-site.xml}, {@code hive-site.xml}, ...) before
 * anything reads them. Hadoop parses them lazily, deep inside the first {@code FileSystem} or
 * {@code HiveConf}, and a malformed one then fails as a stack trace or an empty message; checked
 * first, it is one line that names the file.
 */
public final class SiteFiles {
    /** The site files Hadoop, HDFS and Hive read from the classpath. */
    public static final List<String> CLASSPATH_SITE_FILES = List.of(
            "core-site.xml", "hdfs-site.xml", "hive-site.xml", "hivemetastore-site.xml", "metastore-site.xml");

    private SiteFiles() {}

    /**
     * Checks the first of each of {@link #CLASSPATH_SITE_FILES} on {@code classLoader}, the one
     * Hadoop and Hive read.
     *
     * @throws InvalidInputException when one is not a well-formed configuration file
     */
    public static void checkClasspath(ClassLoader classLoader) {
        requireNonNull(classLoader, "classLoader is null");
        for (String name : CLASSPATH_SITE_FILES) {
            URL resource = classLoader.getResource(name);
            if (resource != null) {
                check(resource);
            }
        }
    }

    /**
     * Parses {@code file} as Hadoop does.
     *
     * @throws InvalidInputException when it is not a well-formed configuration file
     */
    public static void check(URL file) {
        requireNonNull(file, "file is null");
        Configuration conf = new Configuration(false);
        conf.addResource(file);
        try {
            conf.size();
        }
        catch (RuntimeException e) {
            throw new InvalidInputException("%s is not a valid configuration file: %s".formatted(location(file), reason(e)));
        }
    }

    private static String location(URL file) {
        return "file".equals(file.getProtocol()) ? file.getPath() : file.toString();
    }

    /** The XML parser's complaint and its line, without the parser's class name and the file name again. */
    private static String reason(RuntimeException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof XMLStreamException xml) {
                String message = firstLine(xml.getMessage());
                // Woodstox puts "ParseError at [row,col]:[2,0]\nMessage: ..." or the message and then the location
                int text = message.indexOf("Message: ");
                message = text >= 0 ? message.substring(text + "Message: ".length()) : message;
                return xml.getLocation() == null ? message : message + " (line " + xml.getLocation().getLineNumber() + ")";
            }
        }
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return firstLine(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
    }

    private static String firstLine(String text) {
        String line = text == null ? "" : text.strip();
        int end = line.indexOf('\n');
        return end < 0 ? line : line.substring(0, end).strip();
    }
}

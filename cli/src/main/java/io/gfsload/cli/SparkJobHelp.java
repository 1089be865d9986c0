package io.gfsload.cli;

import java.util.ListResourceBundle;

/**
 * The help of the options whose defaults a Spark job does not have: it runs no embedded cache
 * cluster or metastore (they would live inside the driver, out of the executors' reach), so
 * {@code --master} is required and a table load reads the metastore of {@code --metastore} or of
 * {@code $HIVE_CONF_DIR/hive-site.xml}. Picocli takes an option's description by its name without
 * the dashes, and the main command's footer by its qualified key, over the annotations' texts.
 */
final class SparkJobHelp extends ListResourceBundle {
    /** How a Spark job is run, as its usage errors name it for its help: {@code --help} after the job's jar. */
    static final String INVOCATION = "spark-submit --class io.gfsload.spark.GfsLoadSparkJob JAR";

    @Override
    protected Object[][] getContents() {
        return new Object[][] {
                {"master", "Cache master to connect to. Required: the cache cluster the driver and the executors reach." + ConnectionOptions.MASTER_TIMEOUT_HELP},
                {"metastore", "Hive metastore to read tables from; several, comma-separated (the metastores of a highly available service), are tried in order "
                        + "at first, then starting with the one that last answered; one that does not take the connection and answer a first call "
                        + "within 10 s is passed for the next. Default: hive.metastore.uris of $HIVE_CONF_DIR/hive-site.xml (every one, in order); "
                        + "a table load needs one or the other."},
                // a line each, within the help's 80 columns, which would wrap a longer one
                {"gfsload.usage.footer.0", "A Spark job runs no embedded cache cluster or metastore: give it --master, and"},
                {"gfsload.usage.footer.1", "for a table --metastore (or HIVE_CONF_DIR with a hive-site.xml that names it)."},
                {"gfsload.usage.footer.2", "On one machine, 'gfsload cluster start' and 'gfsload metastore start' run them"},
                {"gfsload.usage.footer.3", "as processes of their own."},
        };
    }
}

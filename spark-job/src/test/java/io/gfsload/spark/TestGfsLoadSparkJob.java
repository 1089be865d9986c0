package io.gfsload.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The Spark settings the job gives its application. */
class TestGfsLoadSparkJob {
    private static final String PLUGIN = HiddenLogsPlugin.class.getName();

    @Test
    void theExecutorsHideTheirLogsSecretsBesideThePluginsTheApplicationNames() {
        assertEquals(PLUGIN, GfsLoadSparkJob.withHiddenLogs(new SparkConf(false)).get("spark.plugins"));
        assertEquals("org.example.Metrics," + PLUGIN,
                GfsLoadSparkJob.withHiddenLogs(new SparkConf(false).set("spark.plugins", "org.example.Metrics")).get("spark.plugins"));
        assertEquals("org.example.Metrics, " + PLUGIN,
                GfsLoadSparkJob.withHiddenLogs(new SparkConf(false).set("spark.plugins", "org.example.Metrics, " + PLUGIN)).get("spark.plugins"),
                "named once");
    }
}

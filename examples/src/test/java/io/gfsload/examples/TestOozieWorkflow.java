package io.gfsload.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gfsload.cli.CliEnvironment;
import io.gfsload.cli.GfsLoad;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import picocli.CommandLine;

/** The Oozie workflow is well-formed, uses the elements its schemas allow, and runs a valid gfsload command. */
class TestOozieWorkflow {
    private static final String WORKFLOW = "uri:oozie:workflow:1.0";
    private static final String SHELL = "uri:oozie:shell-action:1.0";
    /** The elements of a shell action 1.0, in the order its schema's sequence has them (the first two are a choice). */
    private static final List<String> SHELL_ELEMENTS = List.of("job-tracker|resource-manager", "name-node", "prepare", "launcher", "job-xml", "configuration",
            "exec", "argument", "env-var", "file", "archive", "capture-output");
    private static final Pattern EL = Pattern.compile("\\$\\{(\\w+)}");
    /** Values a coordinator would give the workflow's parameters. */
    private static final Map<String, String> PARAMETERS = Map.of("dt", "2026-11-20", "cacheMaster", "cache-master:19998",
            "metastoreUri", "thrift://metastore:9083", "gfsloadHome", "/shared/gfsload");

    @TempDir
    Path home;

    @Test
    void shellActionFollowsTheSchemasOfOozie5() throws Exception {
        Element shell = shellAction();
        List<String> names = new ArrayList<>();
        for (Node node = shell.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element) {
                assertEquals(SHELL, element.getNamespaceURI(), element.getTagName());
                names.add(element.getLocalName());
            }
        }
        assertTrue(names.contains("resource-manager"), "Oozie 5 names the resource manager: " + names);
        int position = 0;
        for (String name : names) {
            while (position < SHELL_ELEMENTS.size() && !List.of(SHELL_ELEMENTS.get(position).split("\\|")).contains(name)) {
                position++;
            }
            assertTrue(position < SHELL_ELEMENTS.size(), name + " is not allowed where it is in a shell action 1.0: " + names);
            if (!List.of("job-xml", "argument", "env-var", "file", "archive").contains(name)) {
                // at most once
                position++;
            }
        }
        assertTrue(names.contains("exec"), "exec is required: " + names);
    }

    @Test
    void actionRunsAValidCommandThatWritesTheReportToSharedStorage() throws Exception {
        List<String> arguments = new ArrayList<>();
        for (Node node = shellAction().getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getLocalName().equals("argument")) {
                arguments.add(substitute(element.getTextContent()));
            }
        }
        CommandLine commandLine = GfsLoad.createCommandLine(new CliEnvironment(home));
        CommandLine.ParseResult parsed = commandLine.parseArgs(arguments.toArray(String[]::new));
        assertEquals("/shared/gfsload/reports/db.events/dt=2026-11-20.json", parsed.matchedOptionValue("--report", null).toString(), arguments.toString());
        assertTrue(parsed.hasMatchedOption("--master") && parsed.hasMatchedOption("--metastore"), arguments.toString());
        // as the Airflow DAG: no JSON progress line every second in the launcher log
        assertEquals("none", parsed.<String>matchedOptionValue("--progress", null), arguments.toString());
    }

    private static Element shellAction() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        // well-formed, or this throws
        Document document = factory.newDocumentBuilder().parse(Path.of("oozie/workflow.xml").toFile());
        Element root = document.getDocumentElement();
        assertEquals(WORKFLOW, root.getNamespaceURI());
        assertEquals("workflow-app", root.getLocalName());
        Element shell = (Element) document.getElementsByTagNameNS(SHELL, "shell").item(0);
        assertTrue(shell != null, "a shell action of " + SHELL);
        return shell;
    }

    private static String substitute(String text) {
        Matcher matcher = EL.matcher(text);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(result, Matcher.quoteReplacement(PARAMETERS.get(matcher.group(1))));
        }
        return matcher.appendTail(result).toString();
    }
}

package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/** The build's modules as their poms declare them: which modules of ours each depends on, outside its tests. */
final class ModulePoms {
    private static final String GROUP = "io.gfsload";
    private static final String PREFIX = "gfsload-";

    private ModulePoms() {}

    /** The checkout's root: the directory above the module whose tests run (Surefire's working directory). */
    static Path root() {
        Path root = Path.of("").toAbsolutePath().getParent();
        if (!Files.isRegularFile(root.resolve("pom.xml"))) {
            throw new IllegalStateException("no parent pom.xml above " + Path.of("").toAbsolutePath());
        }
        return root;
    }

    /** The root pom's modules, by directory, each with the modules it depends on outside test scope. */
    static Map<String, Set<String>> dependencies(Path root) {
        Map<String, Set<String>> modules = new TreeMap<>();
        for (Element module : children(document(root.resolve("pom.xml")).getDocumentElement(), "modules", "module")) {
            String name = module.getTextContent().trim();
            modules.put(name, dependencies(document(root.resolve(name).resolve("pom.xml"))));
        }
        return modules;
    }

    /** Each module that depends on a module its entry of {@code allowed} does not name ({@code *}: any). */
    static List<String> violations(Map<String, Set<String>> modules, Map<String, Set<String>> allowed) {
        List<String> violations = new ArrayList<>();
        modules.forEach((module, dependencies) -> {
            Set<String> mayUse = allowed.get(module);
            if (mayUse == null) {
                violations.add(module + " is not in the layering's module table");
                return;
            }
            for (String dependency : dependencies) {
                if (!mayUse.contains("*") && !mayUse.contains(dependency)) {
                    violations.add(module + " depends on " + dependency + "; it may depend on " + new TreeSet<>(mayUse));
                }
            }
        });
        return violations;
    }

    /** The text of every {@code <include>} of the shade filter of {@code artifact} in {@code pom}. */
    static List<String> shadeIncludes(Path pom, String artifact) {
        for (Element filter : descendants(document(pom).getDocumentElement(), "filter")) {
            if (artifact.equals(text(filter, "artifact"))) {
                return children(filter, "includes", "include").stream().map(include -> include.getTextContent().trim()).toList();
            }
        }
        throw new IllegalArgumentException("no shade filter for " + artifact + " in " + pom);
    }

    private static Set<String> dependencies(Document pom) {
        Set<String> modules = new TreeSet<>();
        for (Element dependency : children(pom.getDocumentElement(), "dependencies", "dependency")) {
            String artifact = text(dependency, "artifactId");
            if (GROUP.equals(text(dependency, "groupId")) && !"test".equals(text(dependency, "scope")) && artifact.startsWith(PREFIX)) {
                modules.add(artifact.substring(PREFIX.length()));
            }
        }
        return modules;
    }

    /** The {@code <name>} children of {@code parent}'s {@code <list>} child. */
    private static List<Element> children(Element parent, String list, String name) {
        List<Element> found = new ArrayList<>();
        for (Element container : direct(parent, list)) {
            found.addAll(direct(container, name));
        }
        return found;
    }

    private static List<Element> direct(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }

    private static List<Element> descendants(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        var nodes = parent.getElementsByTagName(name);
        for (int i = 0; i < nodes.getLength(); i++) {
            found.add((Element) nodes.item(i));
        }
        return found;
    }

    private static String text(Element parent, String name) {
        List<Element> found = direct(parent, name);
        return found.isEmpty() ? null : found.get(0).getTextContent().trim();
    }

    private static Document document(Path pom) {
        requireNonNull(pom, "pom is null");
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(pom.toFile());
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + pom, e);
        }
        catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("Cannot parse " + pom + ": " + e.getMessage(), e);
        }
    }
}

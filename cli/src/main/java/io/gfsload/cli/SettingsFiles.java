package io.gfsload.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Settings written into a file that may already hold others: a Hadoop configuration file
 * ({@code core-site.xml}) or a properties file. The settings replace the values of the same
 * names; every other entry, and the comments, stay as they were. {@link AtomicFiles} writes
 * the result.
 */
final class SettingsFiles {
    /** A property name, then {@code =}, {@code :} or white space, as {@link java.util.Properties} reads a line. */
    private static final Pattern PROPERTY_LINE = Pattern.compile("^\\s*([^#!=:\\s]+)\\s*[=:\\s]");

    private SettingsFiles() {}

    /** A setting to write: its name, value and a description (a comment or {@code <description>}). */
    record Entry(String name, String value, String description) {
        Entry {
            requireNonNull(name, "name is null");
            requireNonNull(value, "value is null");
            requireNonNull(description, "description is null");
        }
    }

    /**
     * What a merge did.
     *
     * @param content the file's new content
     * @param kept the entries of the file that are not among the settings, kept as they were
     */
    record Merged(String content, int kept) {}

    /**
     * {@code entries} set in the Hadoop configuration {@code existing}: the value of a property
     * of the same name replaced, other properties appended.
     *
     * @throws IllegalArgumentException when {@code existing} is not a well-formed Hadoop configuration
     */
    static Merged mergeXml(String existing, List<Entry> entries) {
        Document document = parseConfiguration(existing);
        Element root = document.getDocumentElement();
        Map<String, Entry> pending = byName(entries);
        int kept = 0;
        for (Node node = root.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (!(node instanceof Element property) || !property.getTagName().equals("property")) {
                continue;
            }
            Entry entry = pending.remove(childText(property, "name").strip());
            if (entry == null) {
                kept++;
                continue;
            }
            Element value = child(property, "value");
            if (value == null) {
                value = document.createElement("value");
                property.appendChild(value);
            }
            value.setTextContent(entry.value());
        }
        for (Entry entry : pending.values()) {
            root.appendChild(document.createTextNode("\n  "));
            Element property = document.createElement("property");
            for (String[] field : List.of(new String[] {"name", entry.name()}, new String[] {"value", entry.value()},
                    new String[] {"description", entry.description()})) {
                property.appendChild(document.createTextNode("\n    "));
                Element element = document.createElement(field[0]);
                element.setTextContent(field[1]);
                property.appendChild(element);
            }
            property.appendChild(document.createTextNode("\n  "));
            root.appendChild(property);
        }
        if (!pending.isEmpty()) {
            root.appendChild(document.createTextNode("\n"));
        }
        return new Merged(serialize(document), kept);
    }

    /**
     * {@code entries} set in the properties file {@code existing}: the line of a property of the
     * same name replaced, other properties appended, each after its description as a comment.
     */
    static Merged mergeProperties(String existing, List<Entry> entries) {
        Map<String, Entry> pending = byName(entries);
        List<String> lines = new ArrayList<>(existing.lines().toList());
        int kept = 0;
        for (int i = 0; i < lines.size(); i++) {
            Matcher property = PROPERTY_LINE.matcher(lines.get(i) + " ");
            if (!property.find()) {
                continue;
            }
            Entry entry = pending.remove(property.group(1));
            if (entry == null) {
                kept++;
            }
            else {
                lines.set(i, entry.name() + "=" + entry.value());
            }
        }
        StringBuilder content = new StringBuilder();
        lines.forEach(line -> content.append(line).append('\n'));
        for (Entry entry : pending.values()) {
            content.append("\n# ").append(oneLine(entry.description())).append('\n').append(entry.name()).append('=').append(entry.value()).append('\n');
        }
        return new Merged(content.toString(), kept);
    }

    /**
     * Parses a Hadoop configuration ({@code <configuration>} at the root).
     *
     * @throws IllegalArgumentException when {@code xml} is not one
     */
    static Document parseConfiguration(String xml) {
        Document document = parse(xml);
        String root = document.getDocumentElement().getTagName();
        if (!root.equals("configuration")) {
            throw new IllegalArgumentException("its root element is <%s>, not <configuration>".formatted(root));
        }
        return document;
    }

    /** Parses XML, refusing document types (and so external entities). */
    private static Document parse(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setExpandEntityReferences(false);
            factory.setXIncludeAware(false);
            var builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(new InputSource(new StringReader(xml)));
        }
        catch (SAXException e) {
            throw new IllegalArgumentException("it is not well-formed XML: " + e.getMessage(), e);
        }
        catch (ParserConfigurationException | IOException e) {
            throw new IllegalStateException("Cannot parse XML: " + e.getMessage(), e);
        }
    }

    private static String serialize(Document document) {
        try {
            Transformer transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            transformer.setOutputProperty(OutputKeys.STANDALONE, "no");
            document.setXmlStandalone(true);
            StringWriter out = new StringWriter();
            transformer.transform(new DOMSource(document), new StreamResult(out));
            String xml = out.toString();
            // the transformer puts the first node right after the declaration
            return xml.replaceFirst("^(<\\?xml[^>]*\\?>)(?!\n)", "$1\n") + (xml.endsWith("\n") ? "" : "\n");
        }
        catch (TransformerException e) {
            throw new IllegalStateException("Cannot write XML: " + e.getMessage(), e);
        }
    }

    private static Map<String, Entry> byName(List<Entry> entries) {
        Map<String, Entry> byName = new LinkedHashMap<>();
        entries.forEach(entry -> byName.put(entry.name(), entry));
        return byName;
    }

    private static Element child(Element parent, String tag) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(tag)) {
                return element;
            }
        }
        return null;
    }

    private static String childText(Element parent, String tag) {
        Element child = child(parent, tag);
        return child == null ? "" : child.getTextContent();
    }

    private static String oneLine(String text) {
        return text.replace('\r', ' ').replace('\n', ' ');
    }
}

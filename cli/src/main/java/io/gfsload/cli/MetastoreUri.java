package io.gfsload.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses {@code --metastore}: {@code thrift://HOST:PORT}, or the metastores of a highly available
 * service, comma-separated, tried in order at first, then starting with the one that last answered. A user and password in any of them are refused without
 * being repeated: the metastore's Thrift protocol takes none there, and the address ends up in logs.
 */
final class MetastoreUri implements ITypeConverter<MetastoreUri.Addresses> {
    private static final String EXPECTED = "expected thrift://HOST:PORT";
    private static final int MAX_PORT = 65_535;

    /** The metastores of {@code --metastore}, in the order they are tried; at least one. */
    record Addresses(List<URI> uris) {
        Addresses {
            uris = List.copyOf(uris);
            if (uris.isEmpty()) {
                throw new IllegalArgumentException("uris is empty");
            }
        }
    }

    @Override
    public Addresses convert(String value) {
        String[] entries = value.split(",", -1);
        // every entry checked for credentials before any is parsed, so that none is repeated in a message
        for (String entry : entries) {
            if (entry.contains("@")) {
                throw new TypeConversionException("credentials are not accepted in a metastore address (thrift://<hidden>@...): " + EXPECTED);
            }
        }
        List<URI> uris = new ArrayList<>(entries.length);
        for (String entry : entries) {
            uris.add(parse(entry.strip(), entries.length > 1));
        }
        return new Addresses(uris);
    }

    private static URI parse(String value, boolean inList) {
        String expected = inList ? EXPECTED + ", comma-separated" : EXPECTED;
        if (value.isEmpty()) {
            throw new TypeConversionException("an empty metastore address: " + expected);
        }
        URI uri;
        try {
            uri = new URI(value);
        }
        catch (URISyntaxException e) {
            throw new TypeConversionException((inList ? "'%s' is not a metastore address: ".formatted(value) : "not a metastore address: ") + expected);
        }
        if (!"thrift".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() <= 0) {
            throw new TypeConversionException("'%s' is not a metastore address: %s".formatted(value, expected));
        }
        if (uri.getPort() > MAX_PORT) {
            throw new TypeConversionException("'%s' is not a metastore address: the port %d is out of range (1 to %d); %s"
                    .formatted(value, uri.getPort(), MAX_PORT, expected));
        }
        return uri;
    }
}

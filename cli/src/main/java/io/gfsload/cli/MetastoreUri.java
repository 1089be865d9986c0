package io.gfsload.cli;

import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses {@code --metastore}: {@code thrift://HOST:PORT}. A user and password in it are refused
 * without being repeated: the metastore's Thrift protocol takes none there, and the address ends
 * up in logs.
 */
final class MetastoreUri implements ITypeConverter<URI> {
    private static final String EXPECTED = "expected thrift://HOST:PORT";

    @Override
    public URI convert(String value) {
        URI uri;
        try {
            uri = new URI(value.strip());
        }
        catch (URISyntaxException e) {
            throw new TypeConversionException("not a metastore address: " + EXPECTED);
        }
        if (uri.getRawUserInfo() != null || uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
            throw new TypeConversionException("credentials are not accepted in a metastore address (thrift://<hidden>@...): " + EXPECTED);
        }
        if (!"thrift".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() <= 0) {
            throw new TypeConversionException("'%s' is not a metastore address: %s".formatted(value, EXPECTED));
        }
        return uri;
    }
}

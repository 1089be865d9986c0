package io.gfsload.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest, or {@code dev} when run from classes. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = GfsLoad.class.getPackage().getImplementationVersion();
        return new String[] {"gfsload " + (version == null ? "dev" : version)};
    }
}

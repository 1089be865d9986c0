package io.gfsload.benchmarks;

import static java.util.Objects.requireNonNull;

/** A contender with its name and description, as every contender of the harness has them. */
abstract class NamedContender implements Contender {
    private final String name;
    private final String description;

    NamedContender(String name, String description) {
        this.name = requireNonNull(name, "name is null");
        this.description = requireNonNull(description, "description is null");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }
}

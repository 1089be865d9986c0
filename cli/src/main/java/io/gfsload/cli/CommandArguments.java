package io.gfsload.cli;

import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * The raw arguments of a command whose parse failed: picocli stops at the first bad value, so the
 * options after it (a {@code --report FILE}, a {@code --json}) are not set on the command, yet a
 * failure must go where they say, wherever they are on the command line.
 */
final class CommandArguments {
    private static final String END_OF_OPTIONS = "--";

    private CommandArguments() {}

    /**
     * The arguments of {@code command} as picocli read them (argument files expanded), after the
     * command's name and before a subcommand's name or {@code --}; empty when it has none.
     */
    static List<String> of(CommandLine command) {
        CommandLine.ParseResult parsed = command.getParseResult();
        if (parsed == null) {
            return List.of();
        }
        List<String> arguments = parsed.expandedArgs();
        for (int i = 0; i < arguments.size(); i++) {
            if (arguments.get(i).equals(END_OF_OPTIONS) || command.getSubcommands().containsKey(arguments.get(i))) {
                return List.copyOf(arguments.subList(0, i));
            }
        }
        return List.copyOf(arguments);
    }

    /** The value of {@code option} in {@code arguments}, given as {@code option VALUE} or {@code option=VALUE}: the first. */
    static Optional<String> value(List<String> arguments, String option) {
        for (int i = 0; i < arguments.size(); i++) {
            String argument = arguments.get(i);
            if (argument.equals(option) && i + 1 < arguments.size()) {
                // "--report --json": the option without its value, which picocli refuses too
                return arguments.get(i + 1).startsWith("--") ? Optional.empty() : Optional.of(arguments.get(i + 1));
            }
            if (argument.startsWith(option + "=")) {
                return Optional.of(argument.substring(option.length() + 1));
            }
        }
        return Optional.empty();
    }

    /** Whether {@code arguments} hold the flag {@code option}. */
    static boolean flag(List<String> arguments, String option) {
        return arguments.contains(option);
    }
}

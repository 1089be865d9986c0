package io.gfsload.catalog;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * A Hive table name, {@code database.table}, lower-cased as the metastore stores it.
 *
 * @param database the database name
 * @param table the table name
 */
public record TableName(String database, String table) {
    public TableName {
        requireNonNull(database, "database is null");
        requireNonNull(table, "table is null");
        database = database.toLowerCase(Locale.ROOT);
        table = table.toLowerCase(Locale.ROOT);
        if (!isIdentifier(database) || !isIdentifier(table)) {
            throw new InvalidInputException("Invalid table name '%s.%s': expected database.table".formatted(database, table));
        }
    }

    /**
     * Parses {@code database.table}.
     *
     * @throws InvalidInputException when the name has no database part or a character Hive does
     *     not allow
     */
    public static TableName parse(String qualifiedName) {
        requireNonNull(qualifiedName, "qualifiedName is null");
        int dot = qualifiedName.indexOf('.');
        if (dot <= 0 || dot == qualifiedName.length() - 1 || qualifiedName.indexOf('.', dot + 1) >= 0) {
            throw new InvalidInputException("Invalid table name '%s': expected database.table, e.g. demo.events".formatted(qualifiedName));
        }
        return new TableName(qualifiedName.substring(0, dot), qualifiedName.substring(dot + 1));
    }

    private static boolean isIdentifier(String name) {
        return !name.isEmpty() && name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_');
    }

    @Override
    public String toString() {
        return database + "." + table;
    }
}

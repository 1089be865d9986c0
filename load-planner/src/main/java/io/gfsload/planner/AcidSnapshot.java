package io.gfsload.planner;

import static java.util.Objects.requireNonNull;

import io.gfsload.cache.api.FileIdentity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a reader of the newest snapshot of a Hive ACID table reads at one of its locations (a
 * partition's, or an unpartitioned table's), chosen by the names of the directories directly under
 * it as Hive's {@code AcidUtils.getAcidState} chooses them, but without a list of the open and
 * aborted transactions (which the Hive 2.3 client cannot ask for): every base, delta and original
 * file counts as committed.
 *
 * <ul>
 *   <li>Of the bases ({@code base_N}, {@code base_N_vT}), the one with the highest write id is read
 *       (all of them with that id, should there be several); the others are obsolete, as is every
 *       delta and delete delta whose highest write id is not above it, and, with a base, every file
 *       directly under the location (a table converted to ACID keeps its "original" files there
 *       until a major compaction).
 *   <li>Of the deltas ({@code delta_M_N}, {@code delta_M_N_S}, either with {@code _vT}), and apart
 *       from them of the delete deltas ({@code delete_delta_...}), those that a wider one covers (a
 *       minor compaction's {@code delta_1_10} covers {@code delta_1_1} ... {@code delta_10_10}) are
 *       obsolete: in Hive's order (lowest write id first, then the highest one last, then by
 *       statement, then by name), a delta is read when its highest write id is above those before
 *       it, or when it is another statement's delta of the same transaction (the same range).
 *   <li>Any other directory (a name that does not parse as one of those) is read, as data not
 *       understood is never left out.
 * </ul>
 *
 * <p>Stateless; the same names give the same answer, whatever their order.
 */
final class AcidSnapshot {
    private static final Pattern BASE = Pattern.compile("base_([0-9]+)(?:_v[0-9]+)?");
    private static final Pattern DELTA = Pattern.compile("(delete_delta|delta)_([0-9]+)_([0-9]+)(?:_([0-9]+))?(?:_v[0-9]+)?");
    /** A delta's statement id when its name has none: a compacted delta, which sorts before the statements' deltas of its range. */
    private static final long NO_STATEMENT = -1;
    /** The write id the deltas are above when there is no base: every delta is. */
    private static final long NO_BASE = -1;

    private AcidSnapshot() {}

    /**
     * The entries directly under a location that are obsolete: the names of its obsolete
     * directories, and whether the files directly under it are.
     */
    record Obsolete(Set<String> directories, boolean originals) {
        Obsolete {
            directories = Set.copyOf(requireNonNull(directories, "directories is null"));
        }
    }

    /**
     * The files that a location of an ACID table holds and which of them a reader of the newest
     * snapshot reads.
     *
     * @param files the files read, in the order given
     * @param unlistedDirectories the directories not listed below the location where what a reader
     *     reads is, in the order given
     * @param obsoleteFiles how many of the files given are obsolete
     * @param obsoleteBytes their bytes
     */
    record Selection(List<FileIdentity> files, List<UnlistedDirectory> unlistedDirectories, int obsoleteFiles, long obsoleteBytes) {
        Selection {
            files = List.copyOf(requireNonNull(files, "files is null"));
            unlistedDirectories = List.copyOf(requireNonNull(unlistedDirectories, "unlistedDirectories is null"));
        }
    }

    /**
     * Of the {@code files} and the {@code unlistedDirectories} below {@code root} (a location's
     * qualified path, as the paths below it are written), those a reader of the newest snapshot
     * reads; a path not below {@code root} is kept.
     */
    static Selection select(String root, List<FileIdentity> files, List<UnlistedDirectory> unlistedDirectories) {
        String prefix = root.endsWith("/") ? root : root + "/";
        Set<String> directories = new HashSet<>();
        for (FileIdentity file : files) {
            topDirectory(prefix, file.path()).ifPresent(directories::add);
        }
        for (UnlistedDirectory directory : unlistedDirectories) {
            // the directory not listed is itself one, at the top or inside one
            topDirectory(prefix, directory.path() + "/").ifPresent(directories::add);
        }
        Obsolete obsolete = obsolete(directories);
        List<FileIdentity> read = new ArrayList<>(files.size());
        int obsoleteFiles = 0;
        long obsoleteBytes = 0;
        for (FileIdentity file : files) {
            if (isObsolete(prefix, file.path(), obsolete)) {
                obsoleteFiles++;
                obsoleteBytes += file.length();
            }
            else {
                read.add(file);
            }
        }
        List<UnlistedDirectory> unlisted = unlistedDirectories.stream()
                .filter(directory -> !isObsolete(prefix, directory.path() + "/", obsolete))
                .toList();
        return new Selection(read, unlisted, obsoleteFiles, obsoleteBytes);
    }

    /** Whether {@code path}, a file's (a directory's ends with {@code /}), is in an obsolete directory or an obsolete original file. */
    private static boolean isObsolete(String prefix, String path, Obsolete obsolete) {
        if (!path.startsWith(prefix)) {
            return false;
        }
        Optional<String> directory = topDirectory(prefix, path);
        return directory.isPresent() ? obsolete.directories().contains(directory.get()) : obsolete.originals();
    }

    /** The name of the directory directly under the location that {@code path} is in; empty for a file directly under it, or a path not below it. */
    private static Optional<String> topDirectory(String prefix, String path) {
        if (!path.startsWith(prefix)) {
            return Optional.empty();
        }
        int slash = path.indexOf('/', prefix.length());
        return slash < 0 ? Optional.empty() : Optional.of(path.substring(prefix.length(), slash));
    }

    /** Which of the {@code directories} directly under a location are obsolete, and whether its files are. */
    static Obsolete obsolete(Collection<String> directories) {
        long base = NO_BASE;
        Map<String, Long> bases = new HashMap<>();
        List<Delta> deltas = new ArrayList<>();
        for (String name : directories) {
            Matcher matcher = BASE.matcher(name);
            if (matcher.matches()) {
                Optional<Long> writeId = parse(matcher.group(1));
                if (writeId.isPresent()) {
                    base = Math.max(base, writeId.get());
                    bases.put(name, writeId.get());
                }
                continue;
            }
            matcher = DELTA.matcher(name);
            if (matcher.matches()) {
                Optional<Long> min = parse(matcher.group(2));
                Optional<Long> max = parse(matcher.group(3));
                Optional<Long> statement = matcher.group(4) == null ? Optional.of(NO_STATEMENT) : parse(matcher.group(4));
                if (min.isPresent() && max.isPresent() && statement.isPresent()) {
                    deltas.add(new Delta(name, matcher.group(1).equals("delete_delta"), min.get(), max.get(), statement.get()));
                }
            }
        }
        Set<String> obsolete = new TreeSet<>();
        long newest = base;
        bases.forEach((name, writeId) -> {
            if (writeId != newest) {
                obsolete.add(name);
            }
        });
        obsolete.addAll(obsoleteDeltas(deltas.stream().filter(delta -> !delta.delete()).toList(), base));
        obsolete.addAll(obsoleteDeltas(deltas.stream().filter(Delta::delete).toList(), base));
        return new Obsolete(obsolete, base != NO_BASE);
    }

    /**
     * The names of the obsolete ones of {@code deltas} (all of one kind) above the base
     * {@code base}, as Hive's {@code getAcidState} walks them.
     */
    private static List<String> obsoleteDeltas(List<Delta> deltas, long base) {
        List<Delta> sorted = deltas.stream().sorted(Delta.ORDER).toList();
        List<String> obsolete = new ArrayList<>();
        long current = base;
        long lastStatement = NO_STATEMENT;
        Delta previous = null;
        for (Delta next : sorted) {
            if (next.max() > current) {
                current = next.max();
                lastStatement = next.statement();
                previous = next;
            }
            else if (next.max() == current && lastStatement >= 0) {
                // another statement of the same transaction: each writes a delta of the same range
                previous = next;
            }
            else if (previous != null && next.min() == previous.min() && next.max() == previous.max() && next.statement() == previous.statement()) {
                // the same range and statement under another name (written again with the compactor's _vT)
                previous = next;
            }
            else {
                obsolete.add(next.name());
            }
        }
        return obsolete;
    }

    /** {@code digits} as a write or statement id; empty when it does not fit in one. */
    private static Optional<Long> parse(String digits) {
        try {
            return Optional.of(Long.parseLong(digits));
        }
        catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A delta or delete delta directory: its name, and its range of write ids and statement id as the name says. */
    private record Delta(String name, boolean delete, long min, long max, long statement) {
        /** Hive's order: by the lowest write id, then the widest range first, then by statement (the compacted one first), then by name. */
        static final Comparator<Delta> ORDER = Comparator.comparingLong(Delta::min)
                .thenComparing(Comparator.comparingLong(Delta::max).reversed())
                .thenComparingLong(Delta::statement)
                .thenComparing(Delta::name);
    }
}
